//! The journal under crashes and power cuts, with real processes and real files.
//!
//! `crash_kill_restart_power_cut`: a writer process (this test binary, re-run as the ignored
//! test `journal_writer_child`) appends summary records to a journal as fast as the sync policy
//! lets it and prints each durable sequence number on stdout once its fsync has returned. The
//! test kills it with SIGKILL at moments drawn from a seeded generator, restarts it (it reopens,
//! recovers and goes on), and between some runs simulates a power cut: SIGKILL keeps the page
//! cache, so the test itself damages the newest segment past the last durable record the way a
//! power cut can (cut short, zero-filled, garbage appended, bits flipped). At the end every
//! record ever reported durable must be there, byte for byte the record written for its number,
//! in order, with no number twice and nothing corrupt.
//!
//! `power_cut_after_the_durable_point_keeps_every_durable_record`: the same damage, in process,
//! over many seeds, checked after each reopen.
//!
//! The segment format is read here with a parser of its own (from docs/journal.md), not the
//! journal's, so the two check each other.

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use telltale_firmware::summary::journal::{
    JournalConfig, RecoveryReport, SummaryJournal, SyncPolicy,
};
use telltale_proto::crc32::crc32;
use telltale_proto::{DestinationInfo, DeviceInfo, SummaryRecord, Transport, Verdict};

/// Where the writer child finds its journal.
const ENV_DIR: &str = "TELLTALE_JOURNAL_CRASH_DIR";

/// Kills in the crash test.
const KILLS: usize = 60;

/// Segment header and frame header lengths (docs/journal.md).
const HEADER_LEN: usize = 32;
const FRAME_HEADER_LEN: usize = 16;

/// The record written as number `seq`: every field is a function of `seq`, lengths vary.
fn record(seq: u64) -> SummaryRecord {
    let n = (seq % 17) as usize;
    SummaryRecord {
        seq,
        window_start: seq * 60_000,
        window_end: seq * 60_000 + 59_999,
        device: DeviceInfo {
            mac: [
                0x02,
                (seq >> 32) as u8,
                (seq >> 24) as u8,
                (seq >> 16) as u8,
                (seq >> 8) as u8,
                seq as u8,
            ],
            ips: (0..seq % 3)
                .map(|i| IpAddr::V4(Ipv4Addr::new(10, 0, (seq % 250) as u8, i as u8)))
                .collect(),
            hostname: Some(format!("{}{seq}", "h".repeat(n * 5))),
            vendor: (seq % 2 == 0).then(|| "Xiaomi Communications Co Ltd".to_string()),
        },
        destination: DestinationInfo {
            name: Some(format!("t{seq}.tracker.example")),
            ip: IpAddr::V6(Ipv6Addr::from((u128::from(seq) << 64) | 0xfe)),
            asn: Some((seq % 65_000) as u32),
            org: None,
            country: Some(*b"SG"),
        },
        proto: if seq % 3 == 0 {
            Transport::Udp
        } else {
            Transport::Tcp
        },
        bytes_up: seq.wrapping_mul(0x9E37_79B9_7F4A_7C15),
        bytes_down: seq * 3,
        pkts_up: seq % 1000,
        pkts_down: seq % 777,
        flows: (seq % 9) as u32,
        verdict: match seq % 3 {
            0 => Verdict::Ok,
            1 => Verdict::Notice,
            _ => Verdict::Suspicious,
        },
        rules: (0..seq % 4).map(|i| format!("rule_{i}")).collect(),
    }
}

/// The bytes record `seq` must have in the journal.
fn expected_bytes(seq: u64) -> Vec<u8> {
    postcard::to_allocvec(&record(seq)).expect("encode")
}

/// Small segments so runs roll over often; group commit of 8 records or 2 ms.
fn config(dir: &Path) -> JournalConfig {
    let mut c = JournalConfig::new(dir, 0);
    c.cap_bytes = 256 * 1024 * 1024;
    c.segment_bytes = 16 * 1024;
    c.max_record_bytes = 4096;
    c.sync = SyncPolicy {
        max_records: 8,
        max_delay: Duration::from_millis(2),
    };
    c
}

/// A small seeded generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!(
            "telltale-journal-crash-{name}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&path);
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// The writer: appends `record(seq)` forever, printing `durable N` as records become durable.
#[test]
#[ignore = "the writer process of crash_kill_restart_power_cut, which starts it"]
fn journal_writer_child() {
    let dir = std::env::var_os(ENV_DIR).expect("started by crash_kill_restart_power_cut");
    let mut journal = SummaryJournal::open(config(Path::new(&dir))).expect("open");
    let r = journal.recovery();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "recovered records={} cuts={} cut_bytes={} skips={} skipped_bytes={}",
        r.records,
        r.cut.len(),
        r.cut_bytes(),
        r.skipped.len(),
        r.skipped_bytes()
    )
    .expect("stdout");
    writeln!(out, "ready next={}", journal.inner().next_seq()).expect("stdout");
    out.flush().expect("stdout");
    let mut reported = journal.durable_seq();
    loop {
        let seq = journal.inner().next_seq();
        journal.append(record(seq)).expect("append");
        let durable = journal.sync_if_due(Instant::now()).expect("sync");
        if durable > reported {
            writeln!(out, "durable {durable}").expect("stdout");
            out.flush().expect("stdout");
            reported = durable;
            if durable % 64 < 8 {
                journal.ack(durable.saturating_sub(100)).expect("ack");
            }
        }
    }
}

/// One frame found by the test's own parser: offset, seq, end.
type Frame = (usize, u64, usize);

/// The good frames at the start of a segment, by the documented format.
fn parse_frames(bytes: &[u8]) -> Vec<Frame> {
    let mut out = Vec::new();
    let mut at = HEADER_LEN;
    while at + FRAME_HEADER_LEN <= bytes.len() {
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4")) as usize;
        let end = at + FRAME_HEADER_LEN + len;
        if end > bytes.len() {
            break;
        }
        let carried = u32::from_le_bytes(bytes[at + 12..at + 16].try_into().expect("4"));
        let mut covered = bytes[at..at + 12].to_vec();
        covered.extend_from_slice(&bytes[at + FRAME_HEADER_LEN..end]);
        if crc32(&covered) != carried {
            break;
        }
        let seq = u64::from_le_bytes(bytes[at + 4..at + 12].try_into().expect("8"));
        out.push((at, seq, end));
        at = end;
    }
    out
}

fn newest_segment(dir: &Path) -> PathBuf {
    let mut segs: Vec<PathBuf> = fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .collect();
    segs.sort();
    segs.pop().expect("a segment")
}

/// Ways a power cut leaves the end of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Damage {
    /// Cut short at a random offset past the durable point.
    Truncate,
    /// Zeros from a random offset past the durable point, the file grown by up to 8 KiB.
    ZeroFill,
    /// Cut short, then random bytes appended.
    Garbage,
    /// Random bits flipped past the durable point.
    FlipBits,
}

/// Damages the newest segment past the end of record `durable` (everything past it was not
/// yet fsynced, so a power cut may do this). Returns the damage and whether bytes that were
/// records or that recovery must cut were changed.
fn power_cut(dir: &Path, durable: u64, rng: &mut Rng) -> (Damage, bool) {
    let path = newest_segment(dir);
    let mut bytes = fs::read(&path).expect("read");
    let frames = parse_frames(&bytes);
    let safe = frames
        .iter()
        .filter(|f| f.1 <= durable)
        .map(|f| f.2)
        .max()
        .unwrap_or(HEADER_LEN)
        .max(HEADER_LEN);
    let len = bytes.len();
    let damage = match rng.range(0, 3) {
        0 => Damage::Truncate,
        1 => Damage::ZeroFill,
        2 => Damage::Garbage,
        _ => Damage::FlipBits,
    };
    let from = rng.range(safe as u64, len as u64) as usize;
    let damaged = match damage {
        Damage::Truncate => {
            bytes.truncate(from);
            false
        }
        Damage::ZeroFill => {
            let extra = rng.range(1, 8192) as usize;
            bytes.truncate(from);
            bytes.resize(len.max(from) + extra, 0);
            true
        }
        Damage::Garbage => {
            bytes.truncate(from);
            let extra = rng.range(1, 4096);
            bytes.extend((0..extra).map(|_| rng.next() as u8));
            true
        }
        Damage::FlipBits => {
            if len > safe {
                // Distinct bits, so that two flips never cancel out.
                let mut bits = std::collections::BTreeSet::new();
                for _ in 0..rng.range(1, 4) {
                    bits.insert((
                        rng.range(safe as u64, len as u64 - 1) as usize,
                        rng.range(0, 7),
                    ));
                }
                for (at, bit) in bits {
                    bytes[at] ^= 1 << bit;
                }
                true
            } else {
                false
            }
        }
    };
    let mut f = OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&path)
        .expect("open");
    f.write_all(&bytes).expect("write");
    (damage, damaged)
}

/// Figures from a child's `recovered` line or an in-process report.
#[derive(Debug, Default, Clone, Copy)]
struct Recovery {
    cuts: u64,
    cut_bytes: u64,
    skips: u64,
    skipped_bytes: u64,
}

impl Recovery {
    fn add(&mut self, other: Recovery) {
        self.cuts += other.cuts;
        self.cut_bytes += other.cut_bytes;
        self.skips += other.skips;
        self.skipped_bytes += other.skipped_bytes;
    }

    fn of(report: &RecoveryReport) -> Recovery {
        Recovery {
            cuts: report.cut.len() as u64,
            cut_bytes: report.cut_bytes(),
            skips: report.skipped.len() as u64,
            skipped_bytes: report.skipped_bytes(),
        }
    }

    fn parse(line: &str) -> Recovery {
        let field = |name: &str| -> u64 {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(name)?.strip_prefix('='))
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} in {line:?}"))
        };
        Recovery {
            cuts: field("cuts"),
            cut_bytes: field("cut_bytes"),
            skips: field("skips"),
            skipped_bytes: field("skipped_bytes"),
        }
    }
}

/// One run of the writer: the first number it handed out and the last it reported durable.
#[derive(Debug, Clone, Copy)]
struct Run {
    first: u64,
    durable: Option<u64>,
}

fn run_writer(exe: &Path, dir: &Path, alive: Duration) -> (Run, Recovery) {
    let mut child = Command::new(exe)
        .args([
            "--ignored",
            "--exact",
            "journal_writer_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ENV_DIR, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the writer");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut recovery = None;
    let mut first = None;
    let deadline = Instant::now() + Duration::from_secs(20);
    while first.is_none() {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the writer did not start");
        // libtest's "test journal_writer_child ... " may precede the first line.
        if let Some(at) = line.find("recovered ") {
            recovery = Some(Recovery::parse(&line[at..]));
        } else if let Some(n) = line.strip_prefix("ready next=") {
            first = Some(n.parse::<u64>().expect("number"));
        }
    }
    std::thread::sleep(alive);
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("wait");
    assert_eq!(
        status.signal(),
        Some(9),
        "the writer must die by SIGKILL, not by itself: {status:?}"
    );
    reader.join().expect("reader thread");
    let mut durable = None;
    let mut last = 0;
    for line in rx.try_iter() {
        if let Some(n) = line.strip_prefix("durable ") {
            let n: u64 = n.parse().expect("number");
            assert!(n > last, "durable numbers go up: {n} after {last}");
            last = n;
            durable = Some(n);
        }
    }
    (
        Run {
            first: first.expect("ready"),
            durable,
        },
        recovery.expect("recovered line"),
    )
}

#[test]
fn crash_kill_restart_power_cut() {
    let started = Instant::now();
    let tmp = TempDir::new("kill");
    let dir = tmp.0.join("summaries");
    let exe = std::env::current_exe().expect("test binary");
    let mut rng = Rng(0x7E11_7A1E_0000_0005);
    let mut runs: Vec<Run> = Vec::new();
    let mut recovered = Recovery::default();
    let mut damages: BTreeMap<String, u64> = BTreeMap::new();
    let mut damaging = 0u64;
    for kill in 0..KILLS {
        let alive = Duration::from_millis(rng.range(1, 120));
        let (run, recovery) = run_writer(&exe, &dir, alive);
        recovered.add(recovery);
        if let Some(prev) = runs.last() {
            let prev_top = prev.durable.unwrap_or(prev.first);
            assert!(
                run.first > prev_top,
                "run {kill} starts at {} at or below {prev_top}",
                run.first
            );
        }
        runs.push(run);
        if rng.range(0, 1) == 1 {
            let (damage, changed) = power_cut(&dir, run.durable.unwrap_or(0), &mut rng);
            *damages.entry(format!("{damage:?}")).or_default() += 1;
            damaging += u64::from(changed);
        }
    }

    // The last word: open it here, as the next daemon start would.
    let mut journal = SummaryJournal::open(config(&dir)).expect("open");
    recovered.add(Recovery::of(journal.recovery()));
    let batch = journal
        .inner_mut()
        .read_after(0, usize::MAX, usize::MAX)
        .expect("read all");
    let mut present: BTreeMap<u64, Vec<u8>> = BTreeMap::new();
    let mut prev = 0;
    for entry in batch.entries {
        assert!(entry.seq > prev, "order: {} after {prev}", entry.seq);
        prev = entry.seq;
        assert_eq!(
            entry.payload,
            expected_bytes(entry.seq),
            "record {} corrupt",
            entry.seq
        );
        assert!(
            runs.iter().any(|r| entry.seq >= r.first),
            "record {} was never written",
            entry.seq
        );
        present.insert(entry.seq, entry.payload);
    }
    let mut promised = 0u64;
    for run in &runs {
        if let Some(durable) = run.durable {
            for seq in run.first..=durable {
                assert!(
                    present.contains_key(&seq),
                    "durable record {seq} is missing"
                );
                promised += 1;
            }
        }
    }
    let range = journal.range();
    assert_eq!(range.lost, 0, "the cap was never reached");
    assert!(range.acked_seq <= runs.iter().filter_map(|r| r.durable).max().unwrap_or(0));
    assert!(
        recovered.cuts + recovered.skips >= damaging,
        "every damaging power cut was found: {recovered:?}, {damaging} damaging"
    );
    assert!(promised > 0);
    let elapsed = started.elapsed();
    println!(
        "journal crash test: {KILLS} SIGKILLs, power cuts {damages:?} ({damaging} damaging), \
         {promised} records reported durable all present and intact, {} records on disk in \
         {} segments ({} bytes); recovery cut {} torn tails ({} bytes) and skipped {} corrupt \
         stretches ({} bytes); {:.1} s",
        present.len(),
        range.segments,
        range.bytes,
        recovered.cuts,
        recovered.cut_bytes,
        recovered.skips,
        recovered.skipped_bytes,
        elapsed.as_secs_f64()
    );
    assert!(elapsed < Duration::from_secs(60), "took {elapsed:?}");
}

#[test]
fn power_cut_after_the_durable_point_keeps_every_durable_record() {
    let tmp = TempDir::new("power");
    let mut handed_out_top = 0u64;
    let mut rng = Rng(0x090E_2C07);
    let dir = tmp.0.join("j");
    let mut durable_all: Vec<u64> = Vec::new();
    let mut recovered = Recovery::default();
    for round in 0..150 {
        let mut journal = SummaryJournal::open(config(&dir)).expect("open");
        recovered.add(Recovery::of(journal.recovery()));
        let first = journal.inner().next_seq();
        assert!(
            first > handed_out_top,
            "round {round}: {first} reuses a number"
        );
        let count = rng.range(1, 60);
        let now = Instant::now();
        for _ in 0..count {
            let seq = journal.inner().next_seq();
            journal.append_at(record(seq), now).expect("append");
        }
        handed_out_top = journal.inner().last_seq();
        let durable = journal.durable_seq();
        durable_all.extend(first..=durable);
        drop(journal);
        let _ = power_cut(&dir, durable, &mut rng);
    }
    let mut journal = SummaryJournal::open(config(&dir)).expect("open");
    recovered.add(Recovery::of(journal.recovery()));
    let batch = journal
        .inner_mut()
        .read_after(0, usize::MAX, usize::MAX)
        .expect("read");
    let present: BTreeMap<u64, Vec<u8>> = batch
        .entries
        .into_iter()
        .map(|e| (e.seq, e.payload))
        .collect();
    for (seq, bytes) in &present {
        assert_eq!(bytes, &expected_bytes(*seq), "record {seq}");
    }
    for seq in &durable_all {
        assert!(present.contains_key(seq), "durable record {seq} lost");
    }
    assert!(
        recovered.cuts > 0 && recovered.cut_bytes > 0,
        "{recovered:?}"
    );
    println!(
        "power cuts: 150 rounds, {} durable records kept, {} torn tails cut ({} bytes), {} \
         corrupt stretches skipped",
        durable_all.len(),
        recovered.cuts,
        recovered.cut_bytes,
        recovered.skips
    );
}
