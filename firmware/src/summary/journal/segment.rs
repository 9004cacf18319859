//! What the journal knows about each segment file, and finding them in the directory.
//!
//! Segments are named by the sequence number of their first record ([`segment_name`]), so the
//! directory listing alone puts them in order and tells which one holds a given sequence number.

use std::fs;
use std::path::{Path, PathBuf};

use super::error::{JournalError, Op, Result};
use super::format::{parse_segment_name, segment_name};
use super::fsio::TEMP_SUFFIX;
use super::state::STATE_FILE;

/// One segment file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Its first sequence number, from its name.
    pub first_seq: u64,
    /// The file.
    pub path: PathBuf,
    /// Its length in bytes, header included.
    pub bytes: u64,
    /// Good records in it.
    pub records: u64,
    /// Sequence number of its first good record.
    pub first_record: Option<u64>,
    /// Sequence number of its last good record.
    pub last_record: Option<u64>,
}

impl Segment {
    /// A segment with no records yet.
    pub fn empty(dir: &Path, first_seq: u64, bytes: u64) -> Self {
        Segment {
            first_seq,
            path: dir.join(segment_name(first_seq)),
            bytes,
            records: 0,
            first_record: None,
            last_record: None,
        }
    }

    /// Notes a record appended to it.
    pub fn note_record(&mut self, seq: u64, frame_len: u64) {
        self.bytes += frame_len;
        self.records += 1;
        self.first_record.get_or_insert(seq);
        self.last_record = Some(seq);
    }
}

/// The journal directory's entries, sorted out.
#[derive(Debug, Default)]
pub struct Listing {
    /// Segment files in sequence order: (first sequence number, path).
    pub segments: Vec<(u64, PathBuf)>,
    /// Files left half-written by a crash (`*.tmp`).
    pub temporaries: Vec<PathBuf>,
    /// Anything else (not the state file): left alone, reported.
    pub unknown: Vec<PathBuf>,
}

/// Lists the journal directory.
pub fn list(dir: &Path) -> Result<Listing> {
    let mut listing = Listing::default();
    let entries = fs::read_dir(dir).map_err(|e| JournalError::io(Op::ListDir, dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| JournalError::io(Op::ListDir, dir, e))?;
        let path = entry.path();
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            listing.unknown.push(path);
            continue;
        };
        if let Some(first) = parse_segment_name(name) {
            listing.segments.push((first, path));
        } else if name.ends_with(TEMP_SUFFIX) {
            listing.temporaries.push(path);
        } else if name != STATE_FILE {
            listing.unknown.push(path);
        }
    }
    listing.segments.sort();
    listing.temporaries.sort();
    listing.unknown.sort();
    Ok(listing)
}
