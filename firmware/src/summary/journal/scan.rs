//! Walking the frames of a segment: good records in order, corrupt stretches stepped over, a
//! torn tail recognised. Pure on bytes; recovery and the reader share it, so both see the same
//! records in a damaged segment.
//!
//! A frame is accepted when it is whole, its CRC matches and its sequence number is above the
//! previous record's. At a frame that fails, the scanner looks for the next good record:
//!
//! 1. by the failed frame's own length, when that length is sane: the frame after it;
//! 2. otherwise byte by byte, accepting only a frame whose sequence number is above the previous
//!    one and no further above it than the skipped bytes could hold frames for (every frame takes
//!    at least [`FRAME_HEADER_LEN`] bytes, and a segment's sequence numbers are consecutive), which
//!    keeps a chance CRC match in garbage from being taken for a record.
//!
//! If one is found, the bytes before it are [`Piece::Skipped`] (bit rot in the middle loses one
//! record, not the rest); if none is, everything from the failed frame on is a [`Piece::Tail`]
//! (a torn write or the zeros of a power cut) that recovery cuts.

use core::ops::Range;

use super::format::FRAME_HEADER_LEN;
use super::format::{announced_len, announced_seq, check_frame, frame_len, FrameCheck};

/// What the scanner found next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// A good record.
    Record {
        /// Offset of its frame.
        offset: u64,
        /// Its sequence number.
        seq: u64,
        /// Where its payload is in the scanned bytes.
        payload: Range<usize>,
    },
    /// Corrupt bytes with a good record after them.
    Skipped {
        /// Offset of the first bad byte.
        offset: u64,
        /// How many bytes.
        len: u64,
    },
    /// Corrupt or torn bytes with nothing good after them, up to the end of the bytes.
    Tail {
        /// Offset of the first bad byte.
        offset: u64,
        /// How many bytes.
        len: u64,
    },
    /// The bytes given end before the segment does, and the scanner needs the rest to go on
    /// (a frame runs past the end, or a bad frame needs the rest to find the next good one).
    NeedMore {
        /// Where to continue from.
        offset: u64,
    },
}

/// A walk over frames held in `bytes`, which start at file offset `base`.
#[derive(Debug)]
pub struct Scanner<'a> {
    bytes: &'a [u8],
    base: u64,
    pos: usize,
    prev_seq: u64,
    complete: bool,
    asked_more: bool,
}

impl<'a> Scanner<'a> {
    /// A walk over `bytes` (file offset `base`), where the record before them had `prev_seq`
    /// (the segment's first sequence number minus one at the start of a segment). `complete`
    /// says the bytes run to the end of the segment.
    pub fn new(bytes: &'a [u8], base: u64, prev_seq: u64, complete: bool) -> Self {
        Scanner {
            bytes,
            base,
            pos: 0,
            prev_seq,
            complete,
            asked_more: false,
        }
    }

    /// Sequence number of the last record handed out (or the starting one).
    pub fn prev_seq(&self) -> u64 {
        self.prev_seq
    }

    /// File offset the walk has reached.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// True when `seq` at `at` could follow the previous record after the bytes from `from`.
    fn plausible(&self, seq: u64, from: usize, at: usize) -> bool {
        let room = ((at - from) / FRAME_HEADER_LEN) as u64;
        seq > self.prev_seq && seq - self.prev_seq <= room + 1
    }

    /// A good frame at `at` that may follow the previous record after skipping from `from`.
    fn good_after(&self, from: usize, at: usize) -> bool {
        let rest = &self.bytes[at..];
        match announced_seq(rest) {
            Some(seq) if self.plausible(seq, from, at) => {
                matches!(check_frame(rest), FrameCheck::Good(_))
            }
            _ => false,
        }
    }

    /// Where the next good record after a bad frame at `from` starts, if there is one.
    fn resync(&self, from: usize) -> Option<usize> {
        if let Some(len) = announced_len(&self.bytes[from..]) {
            let next = from + frame_len(len);
            if next < self.bytes.len() && self.good_after(from, next) {
                return Some(next);
            }
        }
        let last = self.bytes.len().checked_sub(FRAME_HEADER_LEN)?;
        (from + 1..=last).find(|&at| self.good_after(from, at))
    }
}

impl Iterator for Scanner<'_> {
    type Item = Piece;

    fn next(&mut self) -> Option<Piece> {
        let at = self.pos;
        let offset = self.base + at as u64;
        if at == self.bytes.len() {
            if self.complete || self.asked_more {
                return None;
            }
            // The bytes ended on a frame boundary, but the segment goes on.
            self.asked_more = true;
            return Some(Piece::NeedMore { offset });
        }
        if let FrameCheck::Good(frame) = check_frame(&self.bytes[at..]) {
            if frame.seq > self.prev_seq {
                self.prev_seq = frame.seq;
                self.pos = at + frame.total_len();
                return Some(Piece::Record {
                    offset,
                    seq: frame.seq,
                    payload: at + FRAME_HEADER_LEN..self.pos,
                });
            }
        }
        if !self.complete {
            // The frame may run on past these bytes, or the next good one may lie beyond them.
            self.pos = self.bytes.len();
            self.asked_more = true;
            return Some(Piece::NeedMore { offset });
        }
        match self.resync(at) {
            Some(next) => {
                self.pos = next;
                Some(Piece::Skipped {
                    offset,
                    len: (next - at) as u64,
                })
            }
            None => {
                self.pos = self.bytes.len();
                Some(Piece::Tail {
                    offset,
                    len: (self.bytes.len() - at) as u64,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::journal::format::encode_frame;

    /// Frames for `seqs` with payloads of varying length; returns the bytes and frame offsets.
    fn frames(seqs: core::ops::RangeInclusive<u64>) -> (Vec<u8>, Vec<usize>) {
        let mut out = Vec::new();
        let mut offsets = Vec::new();
        for seq in seqs {
            offsets.push(out.len());
            let payload: Vec<u8> = (0..(seq % 13 + 3)).map(|i| (seq + i) as u8).collect();
            encode_frame(seq, &payload, &mut out);
        }
        (out, offsets)
    }

    fn seqs(pieces: &[Piece]) -> Vec<u64> {
        pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Record { seq, .. } => Some(*seq),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn clean_frames_in_order() {
        let (bytes, offsets) = frames(10..=14);
        let pieces: Vec<_> = Scanner::new(&bytes, 100, 9, true).collect();
        assert_eq!(seqs(&pieces), vec![10, 11, 12, 13, 14]);
        match &pieces[2] {
            Piece::Record {
                offset, payload, ..
            } => {
                assert_eq!(*offset, 100 + offsets[2] as u64);
                assert_eq!(payload.start, offsets[2] + FRAME_HEADER_LEN);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn corrupt_payload_in_the_middle_is_skipped_by_length() {
        let (mut bytes, offsets) = frames(1..=6);
        bytes[offsets[2] + FRAME_HEADER_LEN] ^= 0x40;
        let pieces: Vec<_> = Scanner::new(&bytes, 0, 0, true).collect();
        assert_eq!(seqs(&pieces), vec![1, 2, 4, 5, 6]);
        assert!(pieces.contains(&Piece::Skipped {
            offset: offsets[2] as u64,
            len: (offsets[3] - offsets[2]) as u64
        }));
    }

    #[test]
    fn corrupt_length_in_the_middle_resyncs() {
        let (mut bytes, offsets) = frames(1..=6);
        // A length that is sane but wrong (frame 2 carries 5 payload bytes), and one that is
        // insane.
        for bad in [6u32, 4, u32::MAX] {
            let mut b = bytes.clone();
            b[offsets[1]..offsets[1] + 4].copy_from_slice(&bad.to_le_bytes());
            let pieces: Vec<_> = Scanner::new(&b, 0, 0, true).collect();
            assert_eq!(seqs(&pieces), vec![1, 3, 4, 5, 6], "length {bad}");
        }
        // Two corrupt frames in a row.
        bytes[offsets[2] + 5] ^= 1;
        bytes[offsets[3] + 1] ^= 0x80;
        let pieces: Vec<_> = Scanner::new(&bytes, 0, 0, true).collect();
        assert_eq!(seqs(&pieces), vec![1, 2, 5, 6]);
    }

    #[test]
    fn torn_last_frame_is_a_tail_at_every_cut() {
        let (bytes, offsets) = frames(1..=4);
        let last = offsets[3];
        for cut in last + 1..bytes.len() {
            let pieces: Vec<_> = Scanner::new(&bytes[..cut], 0, 0, true).collect();
            assert_eq!(seqs(&pieces), vec![1, 2, 3], "cut at {cut}");
            assert_eq!(
                pieces.last(),
                Some(&Piece::Tail {
                    offset: last as u64,
                    len: (cut - last) as u64
                })
            );
        }
    }

    #[test]
    fn zero_fill_and_garbage_are_tails() {
        let (mut bytes, offsets) = frames(1..=3);
        let end = bytes.len();
        bytes.extend_from_slice(&[0u8; 4096]);
        let pieces: Vec<_> = Scanner::new(&bytes, 0, 0, true).collect();
        assert_eq!(seqs(&pieces), vec![1, 2, 3]);
        assert_eq!(
            pieces.last(),
            Some(&Piece::Tail {
                offset: end as u64,
                len: 4096
            })
        );
        let _ = offsets;
    }

    #[test]
    fn stale_or_repeated_sequence_numbers_are_not_records() {
        let (mut bytes, _) = frames(5..=6);
        let mut again = Vec::new();
        encode_frame(6, b"again", &mut again);
        bytes.extend_from_slice(&again);
        let pieces: Vec<_> = Scanner::new(&bytes, 0, 4, true).collect();
        assert_eq!(seqs(&pieces), vec![5, 6]);
        assert!(matches!(pieces.last(), Some(Piece::Tail { .. })));
        // Records below the segment's start are refused too.
        let pieces: Vec<_> = Scanner::new(&bytes, 0, 5, true).collect();
        assert_eq!(seqs(&pieces), vec![6]);
    }

    #[test]
    fn partial_bytes_ending_on_a_frame_boundary_ask_for_more() {
        let (bytes, offsets) = frames(1..=3);
        let pieces: Vec<_> = Scanner::new(&bytes[..offsets[2]], 0, 0, false).collect();
        assert_eq!(seqs(&pieces), vec![1, 2]);
        assert_eq!(
            pieces.last(),
            Some(&Piece::NeedMore {
                offset: offsets[2] as u64
            })
        );
        let pieces: Vec<_> = Scanner::new(&bytes[..offsets[2]], 0, 0, true).collect();
        assert_eq!(pieces.len(), 2, "complete bytes just end");
    }

    #[test]
    fn partial_bytes_ask_for_more() {
        let (bytes, offsets) = frames(1..=3);
        let cut = offsets[2] + 3;
        let pieces: Vec<_> = Scanner::new(&bytes[..cut], 0, 0, false).collect();
        assert_eq!(seqs(&pieces), vec![1, 2]);
        assert_eq!(
            pieces.last(),
            Some(&Piece::NeedMore {
                offset: offsets[2] as u64
            })
        );
    }
}
