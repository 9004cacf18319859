//! Recovery after damage: torn tails cut at every byte of the last record, bit flips in the
//! middle stepped over, zero-filled and garbage tails, missing segments, bad state files, files
//! left by a crash, and the errors that must stop the open.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::super::format::{check_frame, FrameCheck, SegmentHeader, HEADER_LEN};
use super::super::recovery::{Gap, Region};
use super::super::{Journal, JournalError, Op};
use super::{all, assert_intact, fill, payload, segment_files, small, TempDir};

/// The frames of a segment file: (offset, seq, total length).
fn frames(path: &Path) -> Vec<(u64, u64, u64)> {
    let bytes = fs::read(path).expect("read segment");
    let mut at = HEADER_LEN;
    let mut out = Vec::new();
    while let FrameCheck::Good(f) = check_frame(&bytes[at..]) {
        out.push((at as u64, f.seq, f.total_len() as u64));
        at += f.total_len();
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    let _ = fs::remove_dir_all(to);
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("list") {
        let entry = entry.expect("entry");
        fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
    }
}

/// A journal with `count` records, dropped without closing (as after a kill).
fn written(tmp: &TempDir, count: usize) -> Vec<u64> {
    let mut j = Journal::open(small(tmp.path())).expect("open");
    let seqs = fill(&mut j, count);
    assert_eq!(j.durable_seq(), *seqs.last().expect("records"));
    seqs
}

fn flip(path: &Path, offset: u64, mask: u8) {
    let mut bytes = fs::read(path).expect("read");
    bytes[offset as usize] ^= mask;
    fs::write(path, bytes).expect("write");
}

fn seqs_of(records: &[(u64, Vec<u8>)]) -> Vec<u64> {
    records.iter().map(|r| r.0).collect()
}

#[test]
fn torn_tail_cut_at_every_byte_of_the_last_record() {
    let pristine = TempDir::new("torn-src");
    let seqs = written(&pristine, 12);
    let last_segment = segment_files(pristine.path()).pop().expect("segment");
    let (start, last_seq, len) = *frames(&last_segment).last().expect("frames");
    assert_eq!(last_seq, *seqs.last().expect("seq"));
    let work = TempDir::new("torn");
    for cut in start + 1..start + len {
        copy_dir(pristine.path(), work.path());
        let seg = work.path().join(last_segment.file_name().expect("name"));
        OpenOptions::new()
            .write(true)
            .open(&seg)
            .expect("open")
            .set_len(cut)
            .expect("truncate");
        let mut j = Journal::open(small(work.path())).expect("reopen");
        assert_eq!(
            j.recovery().cut,
            vec![Region {
                path: seg.clone(),
                offset: start,
                bytes: cut - start
            }],
            "cut at {cut}"
        );
        assert_eq!(fs::metadata(&seg).expect("stat").len(), start, "truncated");
        let records = all(&mut j);
        assert_intact(&records);
        assert_eq!(seqs_of(&records), seqs[..seqs.len() - 1].to_vec());
        // The journal goes on, above every number handed out before.
        let next = j.next_seq();
        assert!(next > last_seq);
        j.append(&payload(next)).expect("append after recovery");
        let records = all(&mut j);
        assert_eq!(records.last().map(|r| r.0), Some(next));
    }
}

#[test]
fn bit_flips_in_a_middle_record_lose_only_that_record() {
    let pristine = TempDir::new("flip-src");
    let seqs = written(&pristine, 20);
    let files = segment_files(pristine.path());
    assert!(files.len() >= 3, "several segments: {files:?}");
    let name = files[1].file_name().expect("name").to_owned();
    let in_segment = frames(&files[1]);
    let (offset, victim, len) = in_segment[1];
    let work = TempDir::new("flip");
    for byte in 0..len {
        for bit in [0u8, 5] {
            copy_dir(pristine.path(), work.path());
            let seg = work.path().join(&name);
            flip(&seg, offset + byte, 1 << bit);
            let mut j = Journal::open(small(work.path())).expect("reopen");
            let report = j.recovery().clone();
            assert_eq!(
                report.skipped,
                vec![Region {
                    path: seg.clone(),
                    offset,
                    bytes: len
                }],
                "flip of byte {byte} bit {bit}"
            );
            assert!(report.cut.is_empty());
            assert!(!report.is_clean());
            let records = all(&mut j);
            assert_intact(&records);
            let expected: Vec<u64> = seqs.iter().copied().filter(|&s| s != victim).collect();
            assert_eq!(seqs_of(&records), expected);
            // Reading from just before the lost record steps over it.
            let batch = j.read_after(victim - 1, 2, usize::MAX).expect("read");
            let got: Vec<u64> = batch.entries.iter().map(|e| e.seq).collect();
            assert_eq!(got, vec![victim + 1, victim + 2]);
            // The segment was rewritten without the bad frame: the next open finds it clean.
            let pristine_len = fs::metadata(pristine.path().join(&name))
                .expect("stat")
                .len();
            assert_eq!(fs::metadata(&seg).expect("stat").len(), pristine_len - len);
            drop(j);
            let j = Journal::open(small(work.path())).expect("reopen again");
            assert!(j.recovery().is_clean(), "{:?}", j.recovery());
        }
    }
}

#[test]
fn corrupt_last_record_of_an_older_segment_is_cut_and_the_gap_reported() {
    let tmp = TempDir::new("older-tail");
    let seqs = written(&tmp, 20);
    let files = segment_files(tmp.path());
    let (offset, victim, len) = *frames(&files[0]).last().expect("frames");
    flip(&files[0], offset + len - 1, 0x10);
    let mut j = Journal::open(small(tmp.path())).expect("reopen");
    let report = j.recovery().clone();
    assert_eq!(
        report.cut,
        vec![Region {
            path: files[0].clone(),
            offset,
            bytes: len
        }]
    );
    assert_eq!(
        report.gaps,
        vec![Gap {
            first: victim,
            last: victim,
            before: files[1].clone()
        }]
    );
    let lines = report.lines();
    assert!(lines
        .iter()
        .any(|l| l.contains("cut a torn or corrupt tail")));
    assert!(lines
        .iter()
        .any(|l| l.contains(&format!("records {victim}..={victim} are missing"))));
    let records = all(&mut j);
    assert_intact(&records);
    assert_eq!(records.len(), seqs.len() - 1);
}

#[test]
fn damaged_segment_header_keeps_the_records() {
    let tmp = TempDir::new("header");
    let seqs = written(&tmp, 20);
    let files = segment_files(tmp.path());
    flip(&files[1], 3, 0xFF);
    let mut j = Journal::open(small(tmp.path())).expect("reopen");
    assert_eq!(j.recovery().bad_headers.len(), 1);
    assert_eq!(j.recovery().bad_headers[0].0, files[1]);
    assert_eq!(seqs_of(&all(&mut j)), seqs);
}

#[test]
fn zero_filled_tail_after_a_power_cut_is_cut() {
    let tmp = TempDir::new("zeros");
    let seqs = written(&tmp, 12);
    let seg = segment_files(tmp.path()).pop().expect("segment");
    let frames = frames(&seg);
    let (tail_start, _, _) = frames[frames.len() - 2];
    let len = fs::metadata(&seg).expect("stat").len();
    // The last two records' blocks never reached the disk, and the size grew by a page more.
    let mut bytes = fs::read(&seg).expect("read");
    for b in &mut bytes[tail_start as usize..] {
        *b = 0;
    }
    bytes.extend_from_slice(&[0u8; 4096]);
    fs::write(&seg, &bytes).expect("write");
    let mut j = Journal::open(small(tmp.path())).expect("reopen");
    assert_eq!(
        j.recovery().cut,
        vec![Region {
            path: seg.clone(),
            offset: tail_start,
            bytes: len - tail_start + 4096
        }]
    );
    let records = all(&mut j);
    assert_intact(&records);
    assert_eq!(seqs_of(&records), seqs[..seqs.len() - 2].to_vec());
}

#[test]
fn garbage_tail_is_cut() {
    let tmp = TempDir::new("garbage");
    let seqs = written(&tmp, 9);
    let seg = segment_files(tmp.path()).pop().expect("segment");
    let len = fs::metadata(&seg).expect("stat").len();
    let mut x: u32 = 0x9E37_79B9;
    let garbage: Vec<u8> = (0..777)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    OpenOptions::new()
        .append(true)
        .open(&seg)
        .expect("open")
        .write_all(&garbage)
        .expect("append");
    let mut j = Journal::open(small(tmp.path())).expect("reopen");
    assert_eq!(j.recovery().cut_bytes(), 777);
    assert_eq!(j.recovery().cut[0].offset, len);
    assert_eq!(seqs_of(&all(&mut j)), seqs);
}

#[test]
fn missing_middle_segment_is_reported_and_read_around() {
    let tmp = TempDir::new("missing");
    let mut config = small(tmp.path());
    config.cap_bytes = 1 << 20;
    let mut j = Journal::open(config.clone()).expect("open");
    let seqs = fill(&mut j, 30);
    drop(j);
    let files = segment_files(tmp.path());
    let gone = frames(&files[2]);
    let before = frames(&files[1]).last().expect("frames").1;
    fs::remove_file(&files[2]).expect("remove");
    let mut j = Journal::open(config).expect("reopen");
    assert_eq!(
        j.recovery().gaps,
        vec![Gap {
            first: gone[0].1,
            last: gone[gone.len() - 1].1,
            before: files[3].clone()
        }]
    );
    let expected: Vec<u64> = seqs
        .iter()
        .copied()
        .filter(|s| !gone.iter().any(|g| g.1 == *s))
        .collect();
    let records = all(&mut j);
    assert_intact(&records);
    assert_eq!(seqs_of(&records), expected);
    let batch = j.read_after(before, 1, usize::MAX).expect("read");
    assert_eq!(batch.entries[0].seq, frames(&files[3])[0].1);
    assert!(batch.more);
}

#[test]
fn missing_newest_segment_never_reuses_numbers() {
    let tmp = TempDir::new("newest");
    let seqs = written(&tmp, 12);
    let newest = segment_files(tmp.path()).pop().expect("segment");
    fs::remove_file(newest).expect("remove");
    let mut j = Journal::open(small(tmp.path())).expect("reopen");
    let seq = j.append(b"after").expect("append");
    assert!(seq > *seqs.last().expect("seq"), "{seq} reuses a number");
}

#[test]
fn missing_or_garbage_state_file_falls_back_to_zero_with_a_warning() {
    let tmp = TempDir::new("state");
    let mut j = Journal::open(small(tmp.path())).expect("open");
    assert!(j.recovery().is_clean());
    assert_eq!(
        j.recovery().state_warning,
        None,
        "a new journal has no state yet"
    );
    let seqs = fill(&mut j, 8);
    j.ack(seqs[4]).expect("ack");
    drop(j);
    let state = tmp.path().join("state");

    let j = Journal::open(small(tmp.path())).expect("reopen");
    assert_eq!(j.acked_seq(), seqs[4], "the acknowledgement survived");
    drop(j);

    fs::write(&state, b"not a state file").expect("write");
    let j = Journal::open(small(tmp.path())).expect("reopen");
    let warning = j.recovery().state_warning.clone().expect("warning");
    assert!(warning.contains(&state.display().to_string()), "{warning}");
    assert!(warning.contains("16 bytes, expected 48"), "{warning}");
    assert_eq!(j.acked_seq(), 0);
    drop(j);

    fs::remove_file(&state).expect("remove");
    let mut j = Journal::open(small(tmp.path())).expect("reopen");
    assert!(j
        .recovery()
        .state_warning
        .clone()
        .expect("warning")
        .contains("no "));
    assert_eq!(j.acked_seq(), 0);
    let next = j.append(b"x").expect("append");
    assert!(next > *seqs.last().expect("seq"));
}

#[test]
fn leftovers_of_a_crash_are_removed_and_strangers_left_alone() {
    let tmp = TempDir::new("leftovers");
    let seqs = written(&tmp, 3);
    let temps: Vec<PathBuf> = ["00000000000000009999.seg.tmp", "state.tmp"]
        .iter()
        .map(|n| tmp.path().join(n))
        .collect();
    for t in &temps {
        fs::write(t, b"half").expect("write");
    }
    let stranger = tmp.path().join("notes.txt");
    fs::write(&stranger, b"mine").expect("write");
    let short = tmp.path().join("00000000000000500000.seg");
    fs::write(&short, [0u8; 10]).expect("write");
    let mut j = Journal::open(small(tmp.path())).expect("reopen");
    let removed: Vec<PathBuf> = j
        .recovery()
        .removed
        .iter()
        .map(|r| r.path.clone())
        .collect();
    for t in &temps {
        assert!(removed.contains(t), "{t:?} in {removed:?}");
        assert!(!t.exists());
    }
    assert!(removed.contains(&short));
    assert_eq!(j.recovery().unknown_files, vec![stranger.clone()]);
    assert!(stranger.exists());
    assert_eq!(seqs_of(&all(&mut j)), seqs);
    assert!(j.next_seq() > *seqs.last().expect("seq"));
}

#[test]
fn errors_name_the_path_and_the_operation() {
    let tmp = TempDir::new("errors");
    fs::create_dir_all(tmp.path()).expect("mkdir");
    let file = tmp.path().join("in-the-way");
    fs::write(&file, b"x").expect("write");
    let err = Journal::open(small(&file)).expect_err("a file is not a directory");
    assert!(
        matches!(
            err,
            JournalError::Io {
                op: Op::CreateDir,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(&file.display().to_string()),
        "{err}"
    );

    let dir = tmp.path().join("j");
    let j = Journal::open(small(&dir)).expect("open");
    j.close().expect("close");
    let mut as_summaries = small(&dir);
    as_summaries.kind = super::super::format::kind::SUMMARY;
    let err = Journal::open(as_summaries).expect_err("wrong kind");
    assert!(
        matches!(
            err,
            JournalError::WrongKind {
                found: 0xFFFF,
                expected: 1,
                ..
            }
        ),
        "{err:?}"
    );

    let seg = segment_files(&dir).pop().expect("segment");
    let mut header = SegmentHeader::decode(&fs::read(&seg).expect("read")).expect("header");
    header.version = 2;
    fs::write(&seg, header.encode()).expect("write");
    let err = Journal::open(small(&dir)).expect_err("newer version");
    assert!(
        matches!(
            err,
            JournalError::Version {
                found: 2,
                expected: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains(&seg.display().to_string()));

    let mut bad = small(&dir);
    bad.cap_bytes = bad.segment_bytes;
    let err = Journal::open(bad).expect_err("cap below two segments");
    assert!(err.to_string().contains("below two segments"), "{err}");
}
