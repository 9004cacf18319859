//! Opening a journal directory after whatever happened to it: every segment is read and every
//! record verified; a torn or corrupt tail is cut (the file truncated at the last good record and
//! fsynced); a corrupt stretch in the middle is stepped over and the segment rewritten without
//! it (atomically: temporary file, fsync, rename, directory fsync), so the records after it
//! stay and the damage is reported once; files left half-written by a crash are removed; a
//! missing or unreadable state file falls back to zeros. [`RecoveryReport`] says what was found
//! and done, one log line each ([`RecoveryReport::lines`]).
//!
//! Everything kept is fsynced before the journal opens, so every record recovery keeps counts as
//! durable.

use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::error::{JournalError, Op, Result};
use super::format::{SegmentHeader, FORMAT_VERSION, FRAME_HEADER_LEN, HEADER_LEN};
use super::fsio::{
    ensure_dir, read_if_exists, remove_durably, replace_atomically, sync_dir, sync_file,
    truncate_durably,
};
use super::scan::{Piece, Scanner};
use super::segment::{list, Segment};
use super::state::{State, StateRead, STATE_FILE};

/// A stretch of bytes in a segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// The segment.
    pub path: PathBuf,
    /// Offset of the first byte.
    pub offset: u64,
    /// How many bytes.
    pub bytes: u64,
}

/// Records that should be there and are not (a segment deleted or cut by hand, or lost).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// First missing sequence number.
    pub first: u64,
    /// Last missing sequence number.
    pub last: u64,
    /// The segment whose header says records up to `last` were written before it.
    pub before: PathBuf,
}

/// A file recovery removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub why: &'static str,
}

/// What recovery found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryReport {
    /// The journal directory.
    pub dir: PathBuf,
    /// Segments kept.
    pub segments: usize,
    /// Good records kept.
    pub records: u64,
    /// Torn or corrupt tails cut off (the file was truncated at `offset`).
    pub cut: Vec<Region>,
    /// Corrupt stretches with good records after them, stepped over; the segment was rewritten
    /// without them (offsets are in the file as it was).
    pub skipped: Vec<Region>,
    /// Segments whose header is damaged (their records were still read).
    pub bad_headers: Vec<(PathBuf, String)>,
    /// Records missing between segments.
    pub gaps: Vec<Gap>,
    /// Files removed.
    pub removed: Vec<Removed>,
    /// Files in the directory that are not the journal's (left alone).
    pub unknown_files: Vec<PathBuf>,
    /// Why the state file was not used, if it was not.
    pub state_warning: Option<String>,
}

impl RecoveryReport {
    fn new(dir: &Path) -> Self {
        RecoveryReport {
            dir: dir.to_path_buf(),
            segments: 0,
            records: 0,
            cut: Vec::new(),
            skipped: Vec::new(),
            bad_headers: Vec::new(),
            gaps: Vec::new(),
            removed: Vec::new(),
            unknown_files: Vec::new(),
            state_warning: None,
        }
    }

    /// True when nothing was damaged (half-written temporaries do not count: they are the
    /// expected trace of a crash).
    pub fn is_clean(&self) -> bool {
        self.cut.is_empty()
            && self.skipped.is_empty()
            && self.bad_headers.is_empty()
            && self.gaps.is_empty()
            && self.state_warning.is_none()
    }

    /// Bytes cut off tails.
    pub fn cut_bytes(&self) -> u64 {
        self.cut.iter().map(|r| r.bytes).sum()
    }

    /// Bytes stepped over.
    pub fn skipped_bytes(&self) -> u64 {
        self.skipped.iter().map(|r| r.bytes).sum()
    }

    /// One line per finding, for the daemon's log; the first line sums up.
    pub fn lines(&self) -> Vec<String> {
        let dir = self.dir.display();
        let mut out = vec![format!(
            "journal {dir}: recovered {} records in {} segments{}",
            self.records,
            self.segments,
            if self.is_clean() {
                ""
            } else {
                " (damage found, see below)"
            }
        )];
        for r in &self.cut {
            out.push(format!(
                "journal {dir}: cut a torn or corrupt tail of {} bytes at offset {} of {}",
                r.bytes,
                r.offset,
                r.path.display()
            ));
        }
        for r in &self.skipped {
            out.push(format!(
                "journal {dir}: dropped {} corrupt bytes at offset {} of {} (records after them kept)",
                r.bytes,
                r.offset,
                r.path.display()
            ));
        }
        for (path, why) in &self.bad_headers {
            out.push(format!(
                "journal {dir}: damaged segment header in {}: {why}",
                path.display()
            ));
        }
        for g in &self.gaps {
            out.push(format!(
                "journal {dir}: records {}..={} are missing before {}",
                g.first,
                g.last,
                g.before.display()
            ));
        }
        for r in &self.removed {
            out.push(format!(
                "journal {dir}: removed {}: {}",
                r.path.display(),
                r.why
            ));
        }
        for p in &self.unknown_files {
            out.push(format!(
                "journal {dir}: ignoring {}: not a journal file",
                p.display()
            ));
        }
        if let Some(w) = &self.state_warning {
            out.push(format!("journal {dir}: {w}"));
        }
        out
    }
}

/// A recovered directory.
#[derive(Debug)]
pub struct Recovered {
    /// Segments in order, every one verified, tails cut, fsynced.
    pub segments: Vec<Segment>,
    /// The state file (or zeros).
    pub state: State,
    /// What was found and done.
    pub report: RecoveryReport,
}

/// Recovers the journal of `kind` in `dir`, creating the directory if needed.
pub fn recover(dir: &Path, kind: u16) -> Result<Recovered> {
    ensure_dir(dir)?;
    let listing = list(dir)?;
    let mut report = RecoveryReport::new(dir);
    report.unknown_files = listing.unknown;
    for temp in listing.temporaries {
        fs::remove_file(&temp).map_err(|e| JournalError::io(Op::Remove, &temp, e))?;
        report.removed.push(Removed {
            path: temp,
            why: "left half-written by a crash",
        });
    }
    if !report.removed.is_empty() {
        sync_dir(dir)?;
    }

    let state = match State::load(dir, kind)? {
        StateRead::Good(state) => state,
        StateRead::Missing => {
            if !listing.segments.is_empty() {
                report.state_warning = Some(format!(
                    "no {} file: acknowledged up to 0, lost 0",
                    dir.join(STATE_FILE).display()
                ));
            }
            State::default()
        }
        StateRead::Garbage(why) => {
            report.state_warning = Some(format!(
                "{} is unreadable ({why}): acknowledged up to 0, lost 0",
                dir.join(STATE_FILE).display()
            ));
            State::default()
        }
    };

    let mut segments: Vec<Segment> = Vec::new();
    let mut last_record: Option<u64> = None;
    for (first_seq, path) in listing.segments {
        if let Some(segment) = recover_segment(kind, first_seq, &path, last_record, &mut report)? {
            last_record = segment.last_record.or(last_record);
            segments.push(segment);
        }
    }

    finish_cap_deletions(dir, &state, &mut segments, &mut report)?;
    for segment in &segments {
        sync_file(&segment.path)?;
    }
    report.segments = segments.len();
    report.records = segments.iter().map(|s| s.records).sum();
    Ok(Recovered {
        segments,
        state,
        report,
    })
}

/// Verifies one segment, cutting its tail if torn; `None` if the file was removed.
fn recover_segment(
    kind: u16,
    first_seq: u64,
    path: &Path,
    last_before: Option<u64>,
    report: &mut RecoveryReport,
) -> Result<Option<Segment>> {
    let dir = report.dir.clone();
    let Some(bytes) = read_if_exists(path)? else {
        return Ok(None);
    };
    match SegmentHeader::decode(&bytes) {
        Ok(header) => {
            if header.version != FORMAT_VERSION {
                return Err(JournalError::Version {
                    path: path.to_path_buf(),
                    found: header.version,
                    expected: FORMAT_VERSION,
                });
            }
            if header.kind != kind {
                return Err(JournalError::WrongKind {
                    path: path.to_path_buf(),
                    found: header.kind,
                    expected: kind,
                });
            }
            if header.first_seq != first_seq {
                report.bad_headers.push((
                    path.to_path_buf(),
                    format!(
                        "header says first record {}, the name {first_seq}",
                        header.first_seq
                    ),
                ));
            }
            if let Some(last) = last_before {
                if header.prev_seq > last {
                    report.gaps.push(Gap {
                        first: last + 1,
                        last: header.prev_seq,
                        before: path.to_path_buf(),
                    });
                }
            }
        }
        Err(super::format::HeaderProblem::Short) => {
            remove_durably(&dir, path)?;
            report.removed.push(Removed {
                path: path.to_path_buf(),
                why: "shorter than a segment header",
            });
            return Ok(None);
        }
        Err(problem) => {
            report
                .bad_headers
                .push((path.to_path_buf(), problem.describe().to_string()));
        }
    }

    let mut segment = Segment {
        path: path.to_path_buf(),
        ..Segment::empty(&dir, first_seq, HEADER_LEN as u64)
    };
    let start = first_seq.saturating_sub(1).max(last_before.unwrap_or(0));
    let body = &bytes[HEADER_LEN..];
    // The good frames, as ranges of `bytes`, in case the segment has to be rewritten.
    let mut kept: Vec<Range<usize>> = Vec::new();
    let mut skipped = false;
    let mut tail = None;
    for piece in Scanner::new(body, HEADER_LEN as u64, start, true) {
        match piece {
            Piece::Record {
                seq,
                payload,
                offset,
            } => {
                let len = payload.len() + FRAME_HEADER_LEN;
                segment.note_record(seq, len as u64);
                kept.push(offset as usize..offset as usize + len);
            }
            Piece::Skipped { offset, len } => {
                skipped = true;
                report.skipped.push(Region {
                    path: path.to_path_buf(),
                    offset,
                    bytes: len,
                });
            }
            Piece::Tail { offset, len } => {
                tail = Some(offset);
                report.cut.push(Region {
                    path: path.to_path_buf(),
                    offset,
                    bytes: len,
                });
            }
            Piece::NeedMore { .. } => unreachable!("a complete scan never asks for more"),
        }
    }
    if skipped {
        // Rewrite the segment without the corrupt stretches (and any tail), atomically, so the
        // damage is reported once and the file reads clean from now on.
        let mut clean = bytes[..HEADER_LEN].to_vec();
        for range in kept {
            clean.extend_from_slice(&bytes[range]);
        }
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("segment names are ASCII");
        replace_atomically(&dir, name, &clean)?;
    } else if let Some(offset) = tail {
        truncate_durably(path, offset)?;
    }
    Ok(Some(segment))
}

/// Removes segments the cap had already counted as deleted when a crash stopped the deletion
/// (their records are all at or below `dropped_through`). The newest segment always stays.
fn finish_cap_deletions(
    dir: &Path,
    state: &State,
    segments: &mut Vec<Segment>,
    report: &mut RecoveryReport,
) -> Result<()> {
    while segments.len() > 1 {
        let oldest = &segments[0];
        match oldest.last_record {
            Some(last) if last <= state.dropped_through => {
                remove_durably(dir, &oldest.path)?;
                report.removed.push(Removed {
                    path: oldest.path.clone(),
                    why: "already counted as deleted by the size cap when the journal stopped",
                });
                segments.remove(0);
            }
            _ => break,
        }
    }
    Ok(())
}
