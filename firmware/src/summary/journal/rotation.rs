//! The size cap: before a record is written, whole segments are deleted oldest first until the
//! journal plus the record fit under the cap. The segment being written is never deleted.
//!
//! Deleting records the host has acknowledged loses nothing. When the cap forces out records it
//! has not acknowledged, they are counted: the `lost` counter and the last sequence number
//! deleted (`dropped_through`) are persisted in the state file *before* the segment is removed,
//! so a crash in between neither forgets the loss nor counts it twice (recovery finishes such a
//! deletion without counting again). Each such deletion leaves a [`Notice`] for the log.

use std::fmt;
use std::path::{Path, PathBuf};

use super::error::Result;
use super::fsio::remove_durably;
use super::reader::count_after;
use super::segment::Segment;
use super::state::State;

/// Something the daemon should log, produced while the journal runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The cap forced out records the host had not acknowledged.
    Lost {
        /// The journal directory.
        dir: PathBuf,
        /// The segment deleted.
        path: PathBuf,
        /// Its first record.
        first_seq: u64,
        /// Its last record.
        last_seq: u64,
        /// Records in it the host had not acknowledged.
        count: u64,
        /// Records lost so far, in all.
        lost_total: u64,
        /// The cap.
        cap_bytes: u64,
    },
    /// A record checked out on disk but did not decode as the journal's record type; skipped.
    Undecodable {
        /// The journal directory.
        dir: PathBuf,
        /// Its sequence number.
        seq: u64,
        /// The decoder's error.
        error: String,
    },
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::Lost {
                dir,
                path,
                first_seq,
                last_seq,
                count,
                lost_total,
                cap_bytes,
            } => write!(
                f,
                "journal {}: size cap of {cap_bytes} bytes reached: deleted {} (records \
                 {first_seq}..={last_seq}), {count} of them never acknowledged by the host; \
                 {lost_total} records lost in all",
                dir.display(),
                path.display()
            ),
            Notice::Undecodable { dir, seq, error } => write!(
                f,
                "journal {}: record {seq} does not decode ({error}); skipped",
                dir.display()
            ),
        }
    }
}

/// The cap and what rotation works on.
#[derive(Debug)]
pub struct Rotation<'a> {
    /// The journal directory.
    pub dir: &'a Path,
    /// Payload kind (for the state file).
    pub kind: u16,
    /// The cap in bytes.
    pub cap_bytes: u64,
    /// Segments, oldest first; the last is being written.
    pub segments: &'a mut Vec<Segment>,
    /// The persisted state.
    pub state: &'a mut State,
    /// Where notices go.
    pub notices: &'a mut Vec<Notice>,
}

impl Rotation<'_> {
    /// Bytes in all segments.
    pub fn total_bytes(&self) -> u64 {
        self.segments.iter().map(|s| s.bytes).sum()
    }

    /// Deletes oldest segments until `needed` more bytes fit under the cap (or only the
    /// segment being written is left).
    pub fn make_room(&mut self, needed: u64) -> Result<()> {
        let mut total = self.total_bytes();
        while total.saturating_add(needed) > self.cap_bytes && self.segments.len() > 1 {
            let oldest = &self.segments[0];
            let through = self.state.acked_seq.max(self.state.dropped_through);
            let count = count_after(oldest, through)?;
            if count > 0 {
                let last_seq = oldest.last_record.unwrap_or(through);
                self.state.lost += count;
                self.state.dropped_through = self.state.dropped_through.max(last_seq);
                self.state.store(self.dir, self.kind)?;
                self.notices.push(Notice::Lost {
                    dir: self.dir.to_path_buf(),
                    path: oldest.path.clone(),
                    first_seq: oldest.first_record.unwrap_or(oldest.first_seq),
                    last_seq,
                    count,
                    lost_total: self.state.lost,
                    cap_bytes: self.cap_bytes,
                });
            }
            remove_durably(self.dir, &oldest.path)?;
            total -= oldest.bytes;
            self.segments.remove(0);
        }
        Ok(())
    }
}
