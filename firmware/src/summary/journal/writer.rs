//! Writing: the open segment file records are appended to, creating segments so a crash never
//! leaves a half-made one in place, and the group-commit policy that decides when to fsync.
//!
//! A record is written with one `write` of its whole frame. If the write fails the file is cut
//! back to where it was, so the segment never holds a torn frame while the journal runs; if even
//! that fails the journal stops writing until it is reopened (recovery then cuts the tail).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::error::{JournalError, Op, Result};
use super::format::{segment_name, SegmentHeader, HEADER_LEN};
use super::fsio::{sync_dir, temp_path};

/// When appended records are fsynced (group commit). A record is durable once the fsync after
/// it returns. A power cut loses at most the records appended since the last fsync: fewer than
/// `max_records`, and, if the owner calls [`Journal::sync_if_due`](super::Journal::sync_if_due)
/// every `max_delay`, none appended more than about two `max_delay`s before the cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncPolicy {
    /// Fsync when this many records are waiting (1: every record).
    pub max_records: u32,
    /// Fsync on the next append or poll once this long has passed since the last fsync.
    pub max_delay: Duration,
}

impl Default for SyncPolicy {
    /// 32 records or half a second.
    fn default() -> Self {
        SyncPolicy {
            max_records: 32,
            max_delay: Duration::from_millis(500),
        }
    }
}

impl SyncPolicy {
    /// Fsync after every record.
    pub fn every_record() -> Self {
        SyncPolicy {
            max_records: 1,
            max_delay: Duration::ZERO,
        }
    }
}

/// Counts what is waiting for an fsync.
#[derive(Debug)]
pub struct GroupCommit {
    policy: SyncPolicy,
    pending: u32,
    last_sync: Instant,
}

impl GroupCommit {
    /// Nothing waiting; the clock starts at `now`.
    pub fn new(policy: SyncPolicy, now: Instant) -> Self {
        GroupCommit {
            policy,
            pending: 0,
            last_sync: now,
        }
    }

    /// Records waiting.
    pub fn pending(&self) -> u32 {
        self.pending
    }

    /// Notes one more record written at `now`; true if an fsync is now due.
    pub fn appended(&mut self, now: Instant) -> bool {
        self.pending += 1;
        self.due(now)
    }

    /// True if records are waiting and the policy says to fsync them.
    pub fn due(&self, now: Instant) -> bool {
        self.pending > 0
            && (self.pending >= self.policy.max_records
                || now.saturating_duration_since(self.last_sync) >= self.policy.max_delay)
    }

    /// Notes an fsync done at `now`.
    pub fn synced(&mut self, now: Instant) {
        self.pending = 0;
        self.last_sync = now;
    }
}

/// The segment being appended to.
#[derive(Debug)]
pub struct ActiveFile {
    file: File,
    path: PathBuf,
}

impl ActiveFile {
    /// Creates segment `first_seq` in `dir`: the header is written to a temporary name and
    /// fsynced, renamed into place, and the directory fsynced, so the segment either exists
    /// whole or not at all.
    pub fn create(dir: &Path, kind: u16, first_seq: u64, prev_seq: u64) -> Result<Self> {
        let path = dir.join(segment_name(first_seq));
        let temp = temp_path(&path);
        let header = SegmentHeader::new(kind, first_seq, prev_seq).encode();
        let mut file = File::create(&temp).map_err(|e| JournalError::io(Op::Create, &temp, e))?;
        file.write_all(&header)
            .map_err(|e| JournalError::io(Op::Write, &temp, e))?;
        file.sync_all()
            .map_err(|e| JournalError::io(Op::Sync, &temp, e))?;
        drop(file);
        std::fs::rename(&temp, &path).map_err(|e| JournalError::io(Op::Rename, &path, e))?;
        sync_dir(dir)?;
        Self::open(&path)
    }

    /// Opens an existing segment to append to it.
    pub fn open(path: &Path) -> Result<Self> {
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| JournalError::io(Op::Open, path, e))?;
        Ok(ActiveFile {
            file,
            path: path.to_path_buf(),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a whole frame to a file `len` bytes long. On failure the file is cut back to
    /// `len`; the error says whether that worked (`Ok(err)`: the file is as it was) or not
    /// (`Err(err)`: the file's end is unknown).
    pub fn append(&mut self, frame: &[u8], len: u64) -> Result<(), Result<JournalError>> {
        match self.file.write_all(frame) {
            Ok(()) => Ok(()),
            Err(e) => {
                let error = JournalError::io(Op::Write, &self.path, e);
                match self.file.set_len(len) {
                    Ok(()) => Err(Ok(error)),
                    Err(_) => Err(Err(error)),
                }
            }
        }
    }

    /// Fsyncs the file's data (and its length).
    pub fn sync(&self) -> Result<()> {
        self.file
            .sync_data()
            .map_err(|e| JournalError::io(Op::Sync, &self.path, e))
    }

    /// Length of a fresh segment.
    pub const EMPTY_LEN: u64 = HEADER_LEN as u64;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_commit_by_count_and_by_time() {
        let t0 = Instant::now();
        let policy = SyncPolicy {
            max_records: 3,
            max_delay: Duration::from_millis(100),
        };
        let mut gc = GroupCommit::new(policy, t0);
        assert!(!gc.due(t0 + Duration::from_secs(9)), "nothing waiting");
        assert!(!gc.appended(t0 + Duration::from_millis(1)));
        assert!(!gc.appended(t0 + Duration::from_millis(2)));
        assert!(gc.appended(t0 + Duration::from_millis(3)), "third record");
        gc.synced(t0 + Duration::from_millis(3));
        assert_eq!(gc.pending(), 0);
        assert!(!gc.appended(t0 + Duration::from_millis(50)));
        assert!(!gc.due(t0 + Duration::from_millis(102)));
        assert!(
            gc.due(t0 + Duration::from_millis(103)),
            "100 ms after the sync"
        );
        // A clock that went backwards never makes a sync due by time.
        assert!(!gc.due(t0));
    }

    #[test]
    fn every_record_policy() {
        let t0 = Instant::now();
        let mut gc = GroupCommit::new(SyncPolicy::every_record(), t0);
        assert!(gc.appended(t0));
    }
}
