//! Tests of the journal as a whole, on real files in a temporary directory: recovery after
//! damage, rotation and the cap, restarts, reads. The format, scanner, state file and sync
//! policy have their own tests next to their code.

mod read;
mod recovery;
mod restart;
mod rotation;

use std::path::{Path, PathBuf};

use super::format::kind;
use super::{Journal, JournalConfig, SyncPolicy};

/// A directory removed when dropped.
pub(super) struct TempDir(PathBuf);

impl TempDir {
    pub(super) fn new(name: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "telltale-journal-{name}-{}-{n}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&path);
        TempDir(path)
    }

    pub(super) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The payload of record `seq` in these tests: its length and bytes depend on `seq` only.
pub(super) fn payload(seq: u64) -> Vec<u8> {
    let len = 20 + (seq * 7 % 40) as usize;
    (0..len).map(|i| (seq as usize * 31 + i) as u8).collect()
}

/// Small segments (about five records), a cap of about four segments, fsync on every record.
pub(super) fn small(dir: &Path) -> JournalConfig {
    JournalConfig {
        dir: dir.to_path_buf(),
        kind: kind::RAW,
        cap_bytes: 1600,
        segment_bytes: 400,
        max_record_bytes: 200,
        sync: SyncPolicy::every_record(),
    }
}

/// Appends records until `upto` is written; returns their sequence numbers.
pub(super) fn fill(journal: &mut Journal, count: usize) -> Vec<u64> {
    (0..count)
        .map(|_| {
            let seq = journal.next_seq();
            journal.append(&payload(seq)).expect("append")
        })
        .collect()
}

/// Every durable record from the start, as (seq, payload).
pub(super) fn all(journal: &mut Journal) -> Vec<(u64, Vec<u8>)> {
    let batch = journal.read_after(0, usize::MAX, usize::MAX).expect("read");
    assert!(!batch.more);
    batch
        .entries
        .into_iter()
        .map(|e| (e.seq, e.payload))
        .collect()
}

/// Checks every record read back is the one written for its seq, in strictly increasing order.
pub(super) fn assert_intact(records: &[(u64, Vec<u8>)]) {
    for pair in records.windows(2) {
        assert!(
            pair[0].0 < pair[1].0,
            "order: {} then {}",
            pair[0].0,
            pair[1].0
        );
    }
    for (seq, bytes) in records {
        assert_eq!(bytes, &payload(*seq), "record {seq}");
    }
}

/// The segment files in the directory, oldest first.
pub(super) fn segment_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .collect();
    files.sort();
    files
}
