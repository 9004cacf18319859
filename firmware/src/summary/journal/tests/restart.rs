//! Restarts and durability: sequence numbers continue after a clean close, jump but never
//! repeat after a kill, acknowledgements persist, group commit decides what is durable and
//! only durable records are read back.

use std::time::{Duration, Instant};

use super::super::{Journal, JournalError, SyncPolicy, SEQ_RESERVE};
use super::{all, assert_intact, fill, payload, small, TempDir};

#[test]
fn numbers_continue_without_a_gap_after_a_clean_close() {
    let tmp = TempDir::new("close");
    let mut j = Journal::open(small(tmp.path())).expect("open");
    assert_eq!(fill(&mut j, 10), (1..=10).collect::<Vec<_>>());
    j.close().expect("close");
    let mut j = Journal::open(small(tmp.path())).expect("reopen");
    assert!(j.recovery().is_clean(), "{:?}", j.recovery());
    assert_eq!(j.next_seq(), 11);
    fill(&mut j, 10);
    let records = all(&mut j);
    assert_intact(&records);
    assert_eq!(
        records.iter().map(|r| r.0).collect::<Vec<_>>(),
        (1..=20).collect::<Vec<_>>()
    );
}

#[test]
fn numbers_jump_but_never_repeat_after_kills() {
    let tmp = TempDir::new("kills");
    let mut config = small(tmp.path());
    config.cap_bytes = 1 << 20;
    let mut handed_out = Vec::new();
    for round in 0..5u64 {
        let mut j = Journal::open(config.clone()).expect("open");
        assert_eq!(j.next_seq(), round * SEQ_RESERVE + 1, "round {round}");
        handed_out.extend(fill(&mut j, 7));
        // Dropped without close: as after SIGKILL.
    }
    assert!(handed_out.windows(2).all(|w| w[0] < w[1]), "{handed_out:?}");
    let mut j = Journal::open(config).expect("open");
    let records = all(&mut j);
    assert_intact(&records);
    assert_eq!(records.iter().map(|r| r.0).collect::<Vec<_>>(), handed_out);
}

#[test]
fn numbers_past_the_reservation_are_reserved_again() {
    let tmp = TempDir::new("reserve");
    let mut config = small(tmp.path());
    config.cap_bytes = 1 << 22;
    config.segment_bytes = 1 << 16;
    config.sync = SyncPolicy {
        max_records: 256,
        max_delay: Duration::from_secs(3600),
    };
    let mut j = Journal::open(config.clone()).expect("open");
    let count = SEQ_RESERVE as usize + 100;
    let seqs = fill(&mut j, count);
    assert_eq!(*seqs.last().expect("seq"), count as u64);
    j.sync().expect("sync");
    drop(j);
    let mut j = Journal::open(config).expect("reopen");
    // Open reserved 1..=1024; record 1025 reserved up to 2048.
    assert_eq!(j.next_seq(), 2 * SEQ_RESERVE + 1);
    assert_eq!(all(&mut j).len(), count);
}

#[test]
fn group_commit_decides_what_is_durable_and_readable() {
    let tmp = TempDir::new("commit");
    let mut config = small(tmp.path());
    config.sync = SyncPolicy {
        max_records: 4,
        max_delay: Duration::from_millis(50),
    };
    let mut j = Journal::open(config).expect("open");
    let t0 = Instant::now();
    for seq in 1..=3 {
        assert_eq!(j.append_at(&payload(seq), t0).expect("append"), seq);
    }
    assert_eq!(j.durable_seq(), 0);
    assert_eq!(j.pending(), 3);
    assert!(all(&mut j).is_empty(), "nothing durable is served");
    assert_eq!(
        j.sync_if_due(t0 + Duration::from_millis(10)).expect("poll"),
        0
    );
    j.append_at(&payload(4), t0).expect("append");
    assert_eq!(j.durable_seq(), 4, "the fourth record fills the group");
    j.append_at(&payload(5), t0 + Duration::from_millis(1))
        .expect("append");
    assert_eq!(j.durable_seq(), 4);
    assert_eq!(all(&mut j).len(), 4);
    assert_eq!(
        j.sync_if_due(t0 + Duration::from_millis(200))
            .expect("poll"),
        5
    );
    j.append_at(&payload(6), t0 + Duration::from_millis(201))
        .expect("append");
    assert_eq!(j.sync().expect("sync"), 6, "on demand");
    assert_eq!(j.range().durable_seq, 6);
    assert_eq!(j.range().to_link().last_seq, 6);
    assert_intact(&all(&mut j));
}

#[test]
fn acknowledgements_clamp_to_durable_never_go_back_and_persist() {
    let tmp = TempDir::new("ack");
    let mut config = small(tmp.path());
    config.sync = SyncPolicy {
        max_records: 100,
        max_delay: Duration::from_secs(3600),
    };
    let mut j = Journal::open(config.clone()).expect("open");
    let t0 = Instant::now();
    for seq in 1..=5 {
        j.append_at(&payload(seq), t0).expect("append");
    }
    assert_eq!(j.ack(3).expect("ack"), 0, "nothing durable yet");
    j.sync().expect("sync");
    assert_eq!(j.ack(99).expect("ack"), 5, "clamped to durable");
    assert_eq!(j.ack(2).expect("ack"), 5, "never back");
    assert_eq!(j.range().acked_seq, 5);
    drop(j);
    let j = Journal::open(config).expect("reopen");
    assert_eq!(j.acked_seq(), 5);
}

#[test]
fn oversized_records_are_refused_and_change_nothing() {
    let tmp = TempDir::new("oversize");
    let mut j = Journal::open(small(tmp.path())).expect("open");
    let err = j.append(&[0u8; 201]).expect_err("too large");
    assert!(matches!(
        err,
        JournalError::RecordTooLarge {
            len: 201,
            max: 200,
            ..
        }
    ));
    assert!(err
        .to_string()
        .contains(tmp.path().to_str().expect("utf-8")));
    assert_eq!(j.append(&payload(1)).expect("append"), 1);
}
