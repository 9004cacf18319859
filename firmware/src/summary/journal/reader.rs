//! Reading records in order after a sequence number, from whichever segments hold them.
//!
//! The segment is found by name (a binary search over first sequence numbers), then scanned
//! from its header, or from where the previous read stopped when the host asks for what comes
//! next (the [`Cursor`]), which is what a pull after a pull does. Only a bounded window of bytes
//! is read at a time; the rest of a segment is read only when a frame runs past the window or a
//! damaged stretch has to be stepped over (with the same [`Scanner`] recovery uses).

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use super::error::{JournalError, Op, Result};
use super::format::{FRAME_HEADER_LEN, HEADER_LEN};
use super::scan::{Piece, Scanner};
use super::segment::Segment;

/// Bytes read beyond what a batch needs, so that one read usually suffices.
const READ_SLACK: u64 = 16 * 1024;

/// One record read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its sequence number.
    pub seq: u64,
    /// Its payload.
    pub payload: Vec<u8>,
}

/// Records read back, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Batch {
    /// The records.
    pub entries: Vec<Entry>,
    /// More durable records follow the last one.
    pub more: bool,
}

impl Batch {
    /// Sequence number of the last record, or `after` when there is none.
    pub fn last_seq_or(&self, after: u64) -> u64 {
        self.entries.last().map_or(after, |e| e.seq)
    }
}

/// Where the last read stopped: right after record `after_seq`, at `offset` of the segment
/// whose first sequence number is `segment`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The segment.
    pub segment: u64,
    /// Offset just past the record.
    pub offset: u64,
    /// The record.
    pub after_seq: u64,
}

/// Limits of one read.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Highest sequence number that may be returned (the durable one).
    pub upto_seq: u64,
    /// Most records.
    pub max_records: usize,
    /// Most payload bytes (the first record is returned even if it alone is larger).
    pub max_bytes: usize,
}

/// Reads up to `len` bytes of `path` from `offset` (fewer at the end of the file).
fn read_range(path: &Path, offset: u64, len: u64) -> Result<Vec<u8>> {
    let file = File::open(path).map_err(|e| JournalError::io(Op::Open, path, e))?;
    let mut buf = vec![0u8; len as usize];
    let mut filled = 0;
    while filled < buf.len() {
        let n = file
            .read_at(&mut buf[filled..], offset + filled as u64)
            .map_err(|e| JournalError::io(Op::Read, path, e))?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    buf.truncate(filled);
    Ok(buf)
}

/// Index of the segment that holds `seq`, or would: the last one starting at or before it.
fn segment_for(segments: &[Segment], seq: u64) -> usize {
    segments
        .partition_point(|s| s.first_seq <= seq)
        .saturating_sub(1)
}

/// Records after `after`, in order, within `limits`; `cursor` is used when it fits and updated.
pub fn read_after(
    segments: &[Segment],
    cursor: &mut Option<Cursor>,
    after: u64,
    limits: Limits,
) -> Result<Batch> {
    let mut batch = Batch::default();
    if after >= limits.upto_seq || limits.max_records == 0 || segments.is_empty() {
        return Ok(batch);
    }
    let (mut index, mut offset, mut prev) = match *cursor {
        Some(c) if c.after_seq == after => {
            match segments.binary_search_by_key(&c.segment, |s| s.first_seq) {
                Ok(i) => (i, c.offset, after),
                Err(_) => start_of(segments, after),
            }
        }
        _ => start_of(segments, after),
    };
    let mut bytes = 0usize;
    let mut last: Option<(u64, u64, u64)> = None;
    'segments: while index < segments.len() {
        let segment = &segments[index];
        let mut window = 0u64;
        while offset < segment.bytes {
            let rest = segment.bytes - offset;
            let want = (limits.max_bytes as u64)
                .saturating_add(limits.max_records.saturating_mul(FRAME_HEADER_LEN) as u64)
                .saturating_add(READ_SLACK)
                .max(window);
            let complete = want >= rest;
            let data = read_range(&segment.path, offset, rest.min(want))?;
            // The file is shorter than the journal thought (cut by hand): read what is there.
            let complete = complete || (data.len() as u64) < rest.min(want);
            let mut scanner = Scanner::new(&data, offset, prev, complete);
            let mut resume = None;
            for piece in &mut scanner {
                match piece {
                    Piece::Record {
                        offset: at,
                        seq,
                        payload,
                    } => {
                        if seq > limits.upto_seq {
                            break 'segments;
                        }
                        if seq <= after {
                            continue;
                        }
                        let full = batch.entries.len() >= limits.max_records
                            || (!batch.entries.is_empty()
                                && bytes + payload.len() > limits.max_bytes);
                        if full {
                            batch.more = true;
                            break 'segments;
                        }
                        bytes += payload.len();
                        let end = at + (FRAME_HEADER_LEN + payload.len()) as u64;
                        batch.entries.push(Entry {
                            seq,
                            payload: data[payload].to_vec(),
                        });
                        last = Some((segment.first_seq, end, seq));
                    }
                    Piece::Skipped { .. } => {}
                    Piece::Tail { .. } => break,
                    Piece::NeedMore { offset: at } => {
                        resume = Some(at);
                        break;
                    }
                }
            }
            prev = scanner.prev_seq();
            match resume {
                Some(at) => {
                    offset = at;
                    // Read the rest of the segment next time round.
                    window = segment.bytes - at;
                }
                None => break,
            }
        }
        index += 1;
        if let Some(next) = segments.get(index) {
            offset = HEADER_LEN as u64;
            prev = next.first_seq.saturating_sub(1).max(prev);
        }
    }
    if let Some((segment, offset, after_seq)) = last {
        *cursor = Some(Cursor {
            segment,
            offset,
            after_seq,
        });
    }
    Ok(batch)
}

/// Where to start reading for records after `after`: the segment that would hold `after + 1`,
/// from its first frame.
fn start_of(segments: &[Segment], after: u64) -> (usize, u64, u64) {
    let index = segment_for(segments, after.saturating_add(1));
    let prev = segments[index].first_seq.saturating_sub(1);
    (index, HEADER_LEN as u64, prev)
}

/// How many records of `segment` have a sequence number above `after` (read from the file when
/// the segment straddles `after`).
pub fn count_after(segment: &Segment, after: u64) -> Result<u64> {
    match (segment.first_record, segment.last_record) {
        (Some(first), Some(last)) if last > after => {
            if first > after {
                return Ok(segment.records);
            }
            let data = read_range(&segment.path, HEADER_LEN as u64, segment.bytes)?;
            let start = segment.first_seq.saturating_sub(1);
            Ok(Scanner::new(&data, HEADER_LEN as u64, start, true)
                .filter(|p| matches!(p, Piece::Record { seq, .. } if *seq > after))
                .count() as u64)
        }
        _ => Ok(0),
    }
}
