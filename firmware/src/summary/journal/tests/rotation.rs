//! The cap: oldest segments go first, acknowledged records are deleted without a word,
//! unacknowledged ones are counted as lost (persisted, logged), and a deletion a crash
//! interrupted is finished without counting twice.

use std::fs;

use super::super::state::State;
use super::super::{Journal, Notice};
use super::{all, assert_intact, fill, segment_files, small, TempDir};

#[test]
fn acknowledged_records_rotate_out_without_loss() {
    let tmp = TempDir::new("rot-acked");
    let config = small(tmp.path());
    let mut j = Journal::open(config.clone()).expect("open");
    for _ in 0..100 {
        fill(&mut j, 1);
        j.ack(j.durable_seq()).expect("ack");
        let range = j.range();
        assert!(range.bytes <= config.cap_bytes, "{range:?}");
    }
    let range = j.range();
    assert_eq!(range.lost, 0);
    assert!(range.first_seq > 50, "old segments were deleted: {range:?}");
    assert!(j.take_notices().is_empty());
    let records = all(&mut j);
    assert_intact(&records);
    let seqs: Vec<u64> = records.iter().map(|r| r.0).collect();
    assert_eq!(seqs, (range.first_seq..=range.last_seq).collect::<Vec<_>>());
}

#[test]
fn unacknowledged_records_forced_out_are_counted_and_logged() {
    let tmp = TempDir::new("rot-lost");
    let config = small(tmp.path());
    let mut j = Journal::open(config.clone()).expect("open");
    for _ in 0..100 {
        fill(&mut j, 1);
        assert!(j.range().bytes <= config.cap_bytes);
    }
    let range = j.range();
    // Records 1.. were numbered without gaps, so everything below first_seq was lost.
    assert_eq!(range.lost, range.first_seq - 1);
    let notices = j.take_notices();
    let counted: u64 = notices
        .iter()
        .map(|n| match n {
            Notice::Lost { count, .. } => *count,
            other => panic!("{other:?}"),
        })
        .sum();
    assert_eq!(counted, range.lost);
    let line = notices[0].to_string();
    assert!(line.contains("size cap of 1600 bytes reached"), "{line}");
    assert!(line.contains("never acknowledged"), "{line}");
    assert!(line.contains(tmp.path().to_str().expect("utf-8")), "{line}");
    drop(j);
    let j = Journal::open(config).expect("reopen");
    assert_eq!(j.range().lost, range.lost, "the lost counter is persisted");
}

#[test]
fn a_partly_acknowledged_segment_counts_only_the_rest() {
    let tmp = TempDir::new("rot-partial");
    let mut j = Journal::open(small(tmp.path())).expect("open");
    // Fill until the first segment is closed: numbers have no gaps, so its last record is the
    // one before the second segment's name.
    while segment_files(tmp.path()).len() < 2 {
        fill(&mut j, 1);
    }
    let oldest = segment_files(tmp.path())[0].clone();
    let first_segment_last = first_seq_of(&segment_files(tmp.path())[1]) - 1;
    j.ack(first_segment_last - 2).expect("ack");
    while oldest.exists() {
        fill(&mut j, 1);
    }
    assert_eq!(j.range().lost, 2);
    match &j.take_notices()[..] {
        [Notice::Lost {
            count: 2, last_seq, ..
        }] => assert_eq!(*last_seq, first_segment_last),
        other => panic!("{other:?}"),
    }
}

/// The first sequence number a segment file is named by.
fn first_seq_of(path: &std::path::Path) -> u64 {
    path.file_stem()
        .and_then(|s| s.to_str())
        .and_then(|s| s.parse().ok())
        .expect("segment name")
}

#[test]
fn a_deletion_interrupted_by_a_crash_is_finished_without_counting_twice() {
    let tmp = TempDir::new("rot-crash");
    let config = small(tmp.path());
    let mut j = Journal::open(config.clone()).expect("open");
    fill(&mut j, 12);
    drop(j);
    let oldest = segment_files(tmp.path())[0].clone();
    let last_in_oldest = first_seq_of(&segment_files(tmp.path())[1]) - 1;
    // The state as rotation writes it just before removing the file; then the crash.
    let state_bytes = fs::read(tmp.path().join("state")).expect("state");
    let mut state = State::decode(&state_bytes, config.kind).expect("state");
    state.lost += last_in_oldest;
    state.dropped_through = last_in_oldest;
    state.store(tmp.path(), config.kind).expect("store");
    let mut j = Journal::open(config).expect("reopen");
    assert!(!oldest.exists());
    assert!(j.recovery().removed.iter().any(|r| r.path == oldest));
    assert_eq!(j.range().lost, last_in_oldest);
    assert_eq!(j.range().first_seq, last_in_oldest + 1);
    fill(&mut j, 40);
    assert_intact(&all(&mut j));
}

#[test]
fn a_smaller_cap_at_open_rotates_at_once() {
    let tmp = TempDir::new("rot-shrink");
    let mut config = small(tmp.path());
    config.cap_bytes = 1 << 20;
    let mut j = Journal::open(config.clone()).expect("open");
    fill(&mut j, 200);
    j.ack(150).expect("ack");
    let before = j.range();
    drop(j);
    config.cap_bytes = 1600;
    let mut j = Journal::open(config).expect("reopen");
    let after = j.range();
    assert!(after.bytes <= 1600, "{after:?}");
    assert_eq!(after.lost, after.first_seq - 1 - 150);
    assert!(before.bytes > after.bytes);
    assert_intact(&all(&mut j));
}
