//! Reads: `read_after` from any point across segment boundaries, the record and byte limits,
//! the cursor a pull after a pull uses, and the typed summary and alert journals.

use std::net::{IpAddr, Ipv4Addr};

use telltale_proto::{AlertRecord, DestinationInfo, DeviceInfo, SummaryRecord, Transport, Verdict};

use super::super::format::kind;
use super::super::{open_pair, Journal, JournalConfig, Notice, RecordJournal, SummaryJournal};
use super::{fill, payload, segment_files, small, TempDir};

fn seqs(batch: &super::super::Batch) -> Vec<u64> {
    batch.entries.iter().map(|e| e.seq).collect()
}

#[test]
fn read_after_any_point_across_segments() {
    let tmp = TempDir::new("read");
    let mut config = small(tmp.path());
    config.cap_bytes = 1 << 20;
    let mut j = Journal::open(config).expect("open");
    fill(&mut j, 40);
    assert!(segment_files(tmp.path()).len() >= 6);
    for after in 0..=40u64 {
        for max in [1usize, 3, 7, 100] {
            let batch = j.read_after(after, max, usize::MAX).expect("read");
            let expected: Vec<u64> = (after + 1..=40).take(max).collect();
            assert_eq!(seqs(&batch), expected, "after {after} max {max}");
            assert_eq!(
                batch.more,
                after + (max as u64) < 40,
                "after {after} max {max}"
            );
            for e in &batch.entries {
                assert_eq!(e.payload, payload(e.seq));
            }
        }
    }
    assert!(j
        .read_after(40, 10, usize::MAX)
        .expect("read")
        .entries
        .is_empty());
    assert!(j
        .read_after(1000, 10, usize::MAX)
        .expect("read")
        .entries
        .is_empty());
}

#[test]
fn pulls_in_a_row_use_the_cursor_and_agree_with_fresh_reads() {
    let tmp = TempDir::new("cursor");
    let mut config = small(tmp.path());
    config.cap_bytes = 1 << 20;
    let mut j = Journal::open(config.clone()).expect("open");
    fill(&mut j, 60);
    let mut after = 0;
    let mut pulled = Vec::new();
    loop {
        let batch = j.read_after(after, 4, 150).expect("read");
        if batch.entries.is_empty() {
            break;
        }
        let bytes: usize = batch.entries.iter().map(|e| e.payload.len()).sum();
        assert!(bytes <= 150 || batch.entries.len() == 1, "{bytes}");
        after = batch.last_seq_or(after);
        pulled.extend(seqs(&batch));
    }
    assert_eq!(pulled, (1..=60).collect::<Vec<_>>());
    // A first record larger than the byte budget still comes, alone.
    let batch = j.read_after(10, 5, 1).expect("read");
    assert_eq!(seqs(&batch), vec![11]);
    assert!(batch.more);
}

#[test]
fn reads_of_large_segments_go_window_by_window() {
    let tmp = TempDir::new("windows");
    let mut config = small(tmp.path());
    config.segment_bytes = 1 << 20;
    config.cap_bytes = 1 << 22;
    config.sync = super::super::SyncPolicy {
        max_records: 512,
        max_delay: std::time::Duration::from_secs(3600),
    };
    let mut j = Journal::open(config).expect("open");
    // Frames of 64 bytes: a read window of 10 records and 480 payload bytes is 480 + 160 +
    // 16384 = 17024 bytes, 266 frames, ending exactly on a frame boundary.
    for _ in 0..3000 {
        j.append(&[0x5A; 48]).expect("append");
    }
    j.sync().expect("sync");
    assert_eq!(segment_files(tmp.path()).len(), 1);
    for after in [0u64, 100, 265, 266, 267, 1000, 2990] {
        let batch = j.read_after(after, 10, 480).expect("read");
        let expected: Vec<u64> = (after + 1..=3000).take(10).collect();
        assert_eq!(seqs(&batch), expected, "after {after}");
    }
    // Pull after pull through the whole segment.
    let mut after = 0;
    let mut count = 0;
    loop {
        let batch = j.read_after(after, 7, 7 * 48).expect("read");
        if batch.entries.is_empty() {
            break;
        }
        for e in &batch.entries {
            assert_eq!(e.seq, after + 1);
            after = e.seq;
            count += 1;
        }
    }
    assert_eq!(count, 3000);
}

#[test]
fn damage_that_appears_while_open_is_stepped_over_on_read() {
    let tmp = TempDir::new("rot-while-open");
    let mut config = small(tmp.path());
    config.cap_bytes = 1 << 20;
    let mut j = Journal::open(config).expect("open");
    fill(&mut j, 30);
    let second = segment_files(tmp.path())[1].clone();
    let mut bytes = std::fs::read(&second).expect("read");
    // The second frame's payload: header 32 bytes, first frame 16 + its payload.
    let first_seq: u64 = second
        .file_stem()
        .and_then(|s| s.to_str())
        .and_then(|s| s.parse().ok())
        .expect("name");
    let at = 32 + 16 + payload(first_seq).len() + 16 + 3;
    bytes[at] ^= 0x08;
    std::fs::write(&second, bytes).expect("write");
    let batch = j.read_after(0, usize::MAX, usize::MAX).expect("read");
    let got = seqs(&batch);
    let expected: Vec<u64> = (1..=30).filter(|&s| s != first_seq + 1).collect();
    assert_eq!(got, expected);
}

#[test]
fn reads_continue_when_rotation_removed_the_cursor_segment() {
    let tmp = TempDir::new("cursor-rot");
    let mut j = Journal::open(small(tmp.path())).expect("open");
    fill(&mut j, 10);
    let batch = j.read_after(0, 2, usize::MAX).expect("read");
    assert_eq!(seqs(&batch), vec![1, 2]);
    fill(&mut j, 60);
    let first = j.range().first_seq;
    assert!(first > 3);
    let batch = j.read_after(2, 3, usize::MAX).expect("read");
    assert_eq!(seqs(&batch), vec![first, first + 1, first + 2]);
}

fn summary(n: u64) -> SummaryRecord {
    SummaryRecord {
        seq: 0,
        window_start: n * 900_000,
        window_end: (n + 1) * 900_000,
        device: DeviceInfo {
            mac: [0x02, 0, 0, 0, 0, n as u8],
            ips: vec![IpAddr::V4(Ipv4Addr::new(192, 168, 1, n as u8))],
            hostname: Some(format!("phone-{n}")),
            vendor: None,
        },
        destination: DestinationInfo {
            name: Some("tracker.example.com".into()),
            ip: IpAddr::V4(Ipv4Addr::new(203, 0, 113, 9)),
            asn: Some(64_500),
            org: Some("Example".into()),
            country: Some(*b"CN"),
        },
        proto: Transport::Tcp,
        bytes_up: 1000 * n,
        bytes_down: 10,
        pkts_up: n,
        pkts_down: 1,
        flows: 1,
        verdict: Verdict::Ok,
        rules: vec![],
    }
}

#[test]
fn typed_summaries_get_their_numbers_and_read_back() {
    let tmp = TempDir::new("typed");
    let mut j = SummaryJournal::open(JournalConfig::new(tmp.path(), kind::RAW)).expect("open");
    for n in 1..=5 {
        let mut r = summary(n);
        r.seq = 999; // whatever the caller put there, the journal numbers it
        assert_eq!(j.append(r).expect("append"), n);
    }
    j.sync().expect("sync");
    let batch = j.read_after(2, 10, usize::MAX).expect("read");
    assert_eq!(batch.last_seq, 5);
    assert!(!batch.more);
    for (i, r) in batch.records.iter().enumerate() {
        let n = i as u64 + 3;
        assert_eq!(
            r,
            &SummaryRecord {
                seq: n,
                ..summary(n)
            }
        );
    }
    let empty = j.read_after(5, 10, usize::MAX).expect("read");
    assert_eq!(
        (empty.records.len(), empty.last_seq, empty.more),
        (0, 5, false)
    );
    assert_eq!(j.ack(4).expect("ack"), 4);
    assert_eq!(j.range().to_link().acked_seq, 4);
}

#[test]
fn undecodable_records_are_skipped_with_a_notice() {
    let tmp = TempDir::new("undecodable");
    let mut j = SummaryJournal::open(JournalConfig::new(tmp.path(), kind::SUMMARY)).expect("open");
    j.append(summary(1)).expect("append");
    j.inner_mut().append(&[0xFF; 3]).expect("append raw");
    j.append(summary(3)).expect("append");
    j.sync().expect("sync");
    let batch = j.read_after(0, 10, usize::MAX).expect("read");
    assert_eq!(
        batch.records.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![1, 3]
    );
    assert_eq!(batch.last_seq, 3);
    match &j.take_notices()[..] {
        [n @ Notice::Undecodable { seq: 2, .. }] => {
            assert!(n.to_string().contains("record 2 does not decode"), "{n}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_pair_lives_in_two_directories_and_keeps_kinds_apart() {
    let tmp = TempDir::new("pair");
    let (mut summaries, mut alerts) = open_pair(tmp.path(), 1 << 20, 1 << 20).expect("open");
    summaries.append(summary(1)).expect("append");
    let alert = AlertRecord {
        seq: 0,
        ts: 1_700_000_000_000,
        device: summary(1).device,
        destination: summary(1).destination,
        rule: "watched_upload".into(),
        severity: Verdict::Suspicious,
        reasons: vec!["watched: example telemetry".into()],
        bytes_up: 600_000,
        bytes_down: 1_000,
    };
    assert_eq!(alerts.append(alert.clone()).expect("append"), 1);
    alerts.sync().expect("sync");
    let got = alerts.read_after(0, 1, usize::MAX).expect("read");
    assert_eq!(got.records, vec![AlertRecord { seq: 1, ..alert }]);
    summaries.close().expect("close");
    alerts.close().expect("close");
    let wrong = RecordJournal::<AlertRecord>::open(JournalConfig::new(
        tmp.path().join("summaries"),
        kind::ALERT,
    ));
    assert!(
        wrong.is_err(),
        "the summary directory is not an alert journal"
    );
}

#[test]
fn raw_journal_defaults_are_valid() {
    let tmp = TempDir::new("defaults");
    let j = Journal::open(Journal::raw_config(tmp.path())).expect("open");
    assert_eq!(j.range().cap_bytes, 128 * 1024 * 1024);
    let _ = small(tmp.path());
}
