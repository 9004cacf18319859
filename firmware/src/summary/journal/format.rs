//! The on-disk format of a journal segment: the segment header, the record frame, the segment
//! file name. Pure functions on bytes; nothing here touches a file.
//!
//! A segment is `header ++ frame*`. All integers are little-endian. Every CRC is CRC-32
//! (IEEE 802.3, [`telltale_proto::crc32`]).
//!
//! Segment header, [`HEADER_LEN`] = 32 bytes:
//!
//! | offset | size | field | value |
//! |---|---|---|---|
//! | 0 | 8 | magic | [`SEGMENT_MAGIC`] `b"TTJRNL\r\n"` |
//! | 8 | 2 | version | [`FORMAT_VERSION`] |
//! | 10 | 2 | kind | what the payloads are ([`kind`]) |
//! | 12 | 8 | first_seq | sequence number of the first record; also the file name |
//! | 20 | 8 | prev_seq | last sequence number written before this segment was created (0: none) |
//! | 28 | 4 | crc | CRC-32 of bytes 0..28 |
//!
//! Record frame, [`FRAME_HEADER_LEN`] = 16 bytes + payload:
//!
//! | offset | size | field | value |
//! |---|---|---|---|
//! | 0 | 4 | len | payload length, at most [`MAX_PAYLOAD_LEN`] |
//! | 4 | 8 | seq | the record's sequence number |
//! | 12 | 4 | crc | CRC-32 of bytes 0..12 and then the payload |
//! | 16 | len | payload | the record (postcard for the typed journals) |
//!
//! The CRC covers the length and the sequence number as well as the payload, so a frame is
//! trusted only whole. A zero-filled region (what ext4 can leave after a power cut) never passes:
//! the CRC of twelve zero bytes is not zero.

use telltale_proto::crc32::{crc32, Crc32};

/// Magic at the start of every segment.
pub const SEGMENT_MAGIC: [u8; 8] = *b"TTJRNL\r\n";

/// The segment format version this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;

/// Length of the segment header.
pub const HEADER_LEN: usize = 32;

/// Length of a frame's header (before the payload).
pub const FRAME_HEADER_LEN: usize = 16;

/// The largest payload a frame may carry. A length field above it is corrupt by definition;
/// configurations may only lower it.
pub const MAX_PAYLOAD_LEN: usize = 1024 * 1024;

/// Suffix of segment files.
pub const SEGMENT_SUFFIX: &str = ".seg";

/// Digits in a segment file name (a u64 in decimal, zero-padded so names sort by number).
const NAME_DIGITS: usize = 20;

/// Byte offsets of the header and frame fields.
pub mod field {
    use core::ops::Range;

    /// Header: magic.
    pub const MAGIC: Range<usize> = 0..8;
    /// Header: format version.
    pub const VERSION: Range<usize> = 8..10;
    /// Header: payload kind.
    pub const KIND: Range<usize> = 10..12;
    /// Header: first sequence number.
    pub const FIRST_SEQ: Range<usize> = 12..20;
    /// Header: last sequence number before this segment.
    pub const PREV_SEQ: Range<usize> = 20..28;
    /// Header: CRC of the bytes before it.
    pub const HEADER_CRC: Range<usize> = 28..32;

    /// Frame: payload length.
    pub const LEN: Range<usize> = 0..4;
    /// Frame: sequence number.
    pub const SEQ: Range<usize> = 4..12;
    /// Frame: CRC over length, sequence number and payload.
    pub const FRAME_CRC: Range<usize> = 12..16;
}

/// Payload kinds, written in the header so one journal's directory cannot be opened as another's.
pub mod kind {
    /// Postcard-encoded `telltale_proto::SummaryRecord`.
    pub const SUMMARY: u16 = 1;
    /// Postcard-encoded `telltale_proto::AlertRecord`.
    pub const ALERT: u16 = 2;
    /// Opaque bytes (tests, tools).
    pub const RAW: u16 = 0xFFFF;
}

/// A decoded segment header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentHeader {
    /// Format version.
    pub version: u16,
    /// Payload kind.
    pub kind: u16,
    /// Sequence number of the first record.
    pub first_seq: u64,
    /// Last sequence number written before the segment was created (0: none).
    pub prev_seq: u64,
}

/// Why a header was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderProblem {
    /// Fewer than [`HEADER_LEN`] bytes.
    Short,
    /// The magic is wrong.
    Magic,
    /// The CRC does not match.
    Crc,
}

impl HeaderProblem {
    /// In words, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            HeaderProblem::Short => "shorter than a segment header",
            HeaderProblem::Magic => "no segment magic",
            HeaderProblem::Crc => "header CRC mismatch",
        }
    }
}

fn le_u16(b: &[u8]) -> u16 {
    u16::from_le_bytes([b[0], b[1]])
}

fn le_u32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

fn le_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

impl SegmentHeader {
    /// A header of this build's version.
    pub fn new(kind: u16, first_seq: u64, prev_seq: u64) -> Self {
        SegmentHeader {
            version: FORMAT_VERSION,
            kind,
            first_seq,
            prev_seq,
        }
    }

    /// The header's bytes.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[field::MAGIC].copy_from_slice(&SEGMENT_MAGIC);
        b[field::VERSION].copy_from_slice(&self.version.to_le_bytes());
        b[field::KIND].copy_from_slice(&self.kind.to_le_bytes());
        b[field::FIRST_SEQ].copy_from_slice(&self.first_seq.to_le_bytes());
        b[field::PREV_SEQ].copy_from_slice(&self.prev_seq.to_le_bytes());
        let crc = crc32(&b[..field::HEADER_CRC.start]);
        b[field::HEADER_CRC].copy_from_slice(&crc.to_le_bytes());
        b
    }

    /// Decodes the header at the start of `bytes`. The version is returned as found; the caller
    /// decides whether it can read it.
    pub fn decode(bytes: &[u8]) -> Result<Self, HeaderProblem> {
        if bytes.len() < HEADER_LEN {
            return Err(HeaderProblem::Short);
        }
        if bytes[field::MAGIC] != SEGMENT_MAGIC {
            return Err(HeaderProblem::Magic);
        }
        let carried = le_u32(&bytes[field::HEADER_CRC]);
        if crc32(&bytes[..field::HEADER_CRC.start]) != carried {
            return Err(HeaderProblem::Crc);
        }
        Ok(SegmentHeader {
            version: le_u16(&bytes[field::VERSION]),
            kind: le_u16(&bytes[field::KIND]),
            first_seq: le_u64(&bytes[field::FIRST_SEQ]),
            prev_seq: le_u64(&bytes[field::PREV_SEQ]),
        })
    }
}

/// Total length of the frame carrying `payload_len` bytes.
pub fn frame_len(payload_len: usize) -> usize {
    FRAME_HEADER_LEN + payload_len
}

/// The CRC a frame with this length, sequence number and payload carries.
fn frame_crc(len: u32, seq: u64, payload: &[u8]) -> u32 {
    let mut c = Crc32::new();
    c.update(&len.to_le_bytes());
    c.update(&seq.to_le_bytes());
    c.update(payload);
    c.finish()
}

/// Appends the frame of record `seq` to `out`. The caller has checked the payload's length
/// against [`MAX_PAYLOAD_LEN`].
pub fn encode_frame(seq: u64, payload: &[u8], out: &mut Vec<u8>) {
    debug_assert!(payload.len() <= MAX_PAYLOAD_LEN);
    let len = payload.len() as u32;
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&frame_crc(len, seq, payload).to_le_bytes());
    out.extend_from_slice(payload);
}

/// A frame that checked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoodFrame {
    /// Its sequence number.
    pub seq: u64,
    /// Its payload length.
    pub len: usize,
}

impl GoodFrame {
    /// Bytes the whole frame takes.
    pub fn total_len(&self) -> usize {
        frame_len(self.len)
    }
}

/// What is at an offset of a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameCheck {
    /// A whole frame whose CRC matches.
    Good(GoodFrame),
    /// The bytes end before the frame does (its header, or the payload its length announces).
    Short,
    /// The length is above [`MAX_PAYLOAD_LEN`].
    BadLength,
    /// The CRC does not match.
    BadCrc,
}

/// Checks the frame starting at `bytes[0]`: length sane, whole, CRC right. The sequence number
/// is not judged here (that needs context: see `scan`).
pub fn check_frame(bytes: &[u8]) -> FrameCheck {
    if bytes.len() < FRAME_HEADER_LEN {
        return FrameCheck::Short;
    }
    let len = le_u32(&bytes[field::LEN]);
    if len as usize > MAX_PAYLOAD_LEN {
        return FrameCheck::BadLength;
    }
    let len = len as usize;
    if bytes.len() < frame_len(len) {
        return FrameCheck::Short;
    }
    let seq = le_u64(&bytes[field::SEQ]);
    let carried = le_u32(&bytes[field::FRAME_CRC]);
    let payload = &bytes[FRAME_HEADER_LEN..frame_len(len)];
    if frame_crc(len as u32, seq, payload) != carried {
        return FrameCheck::BadCrc;
    }
    FrameCheck::Good(GoodFrame { seq, len })
}

/// The length field of the frame at `bytes[0]`, if its header is there and the length is sane
/// (at most [`MAX_PAYLOAD_LEN`]); used to step over a corrupt frame.
pub fn announced_len(bytes: &[u8]) -> Option<usize> {
    if bytes.len() < FRAME_HEADER_LEN {
        return None;
    }
    let len = le_u32(&bytes[field::LEN]) as usize;
    (len <= MAX_PAYLOAD_LEN).then_some(len)
}

/// The sequence number field of the frame at `bytes[0]` (header present).
pub fn announced_seq(bytes: &[u8]) -> Option<u64> {
    (bytes.len() >= FRAME_HEADER_LEN).then(|| le_u64(&bytes[field::SEQ]))
}

/// The file name of the segment whose first record is `first_seq`: 20 decimal digits and
/// [`SEGMENT_SUFFIX`], so names sort in sequence order.
pub fn segment_name(first_seq: u64) -> String {
    format!("{first_seq:0width$}{SEGMENT_SUFFIX}", width = NAME_DIGITS)
}

/// The first sequence number a segment file name stands for, or `None` if the name is not one.
pub fn parse_segment_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(SEGMENT_SUFFIX)?;
    if digits.len() != NAME_DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_bytes_field_by_field() {
        let h = SegmentHeader::new(kind::SUMMARY, 0x0102, 0x0101);
        let b = h.encode();
        #[rustfmt::skip]
        let expected_prefix: [u8; 28] = [
            b'T', b'T', b'J', b'R', b'N', b'L', b'\r', b'\n', // magic
            0x01, 0x00,                                       // version 1
            0x01, 0x00,                                       // kind 1: summaries
            0x02, 0x01, 0, 0, 0, 0, 0, 0,                     // first_seq 0x0102
            0x01, 0x01, 0, 0, 0, 0, 0, 0,                     // prev_seq 0x0101
        ];
        assert_eq!(&b[..28], &expected_prefix);
        // crc: CRC-32 of the 28 bytes above, little-endian.
        assert_eq!(&b[28..], &crc32(&expected_prefix).to_le_bytes());
        assert_eq!(SegmentHeader::decode(&b), Ok(h));
    }

    #[test]
    fn header_rejections() {
        let b = SegmentHeader::new(kind::ALERT, 7, 6).encode();
        assert_eq!(
            SegmentHeader::decode(&b[..HEADER_LEN - 1]),
            Err(HeaderProblem::Short)
        );
        let mut m = b;
        m[0] ^= 0x20;
        assert_eq!(SegmentHeader::decode(&m), Err(HeaderProblem::Magic));
        for i in 8..HEADER_LEN {
            let mut c = b;
            c[i] ^= 0x01;
            assert_eq!(
                SegmentHeader::decode(&c),
                Err(HeaderProblem::Crc),
                "byte {i}"
            );
        }
        assert_eq!(
            SegmentHeader::decode(&[0u8; HEADER_LEN]),
            Err(HeaderProblem::Magic)
        );
    }

    #[test]
    fn frame_bytes_field_by_field() {
        let mut out = Vec::new();
        encode_frame(5, b"abc", &mut out);
        #[rustfmt::skip]
        let head: [u8; 12] = [
            0x03, 0x00, 0x00, 0x00,                         // len 3
            0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // seq 5
        ];
        assert_eq!(&out[..12], &head);
        // crc over len, seq and payload
        let mut all = head.to_vec();
        all.extend_from_slice(b"abc");
        assert_eq!(&out[12..16], &crc32(&all).to_le_bytes());
        assert_eq!(&out[16..], b"abc");
        assert_eq!(out.len(), frame_len(3));
        assert_eq!(
            check_frame(&out),
            FrameCheck::Good(GoodFrame { seq: 5, len: 3 })
        );
    }

    #[test]
    fn frame_every_bit_flip_is_caught() {
        let mut out = Vec::new();
        encode_frame(1234, b"payload bytes", &mut out);
        for byte in 0..out.len() {
            for bit in 0..8 {
                let mut c = out.clone();
                c[byte] ^= 1 << bit;
                let got = check_frame(&c);
                assert!(
                    !matches!(got, FrameCheck::Good(_)),
                    "flip of byte {byte} bit {bit} passed as {got:?}"
                );
            }
        }
    }

    #[test]
    fn frame_short_and_bad_length() {
        let mut out = Vec::new();
        encode_frame(9, &[7u8; 40], &mut out);
        for cut in 0..out.len() {
            assert_eq!(check_frame(&out[..cut]), FrameCheck::Short, "cut at {cut}");
        }
        let mut big = out.clone();
        big[..4].copy_from_slice(&(MAX_PAYLOAD_LEN as u32 + 1).to_le_bytes());
        assert_eq!(check_frame(&big), FrameCheck::BadLength);
        assert_eq!(announced_len(&big), None);
        assert_eq!(announced_len(&out), Some(40));
        assert_eq!(announced_seq(&out), Some(9));
    }

    #[test]
    fn zero_fill_is_never_a_frame() {
        assert_eq!(check_frame(&[0u8; 64]), FrameCheck::BadCrc);
    }

    #[test]
    fn names_sort_by_number_and_round_trip() {
        assert_eq!(segment_name(1), "00000000000000000001.seg");
        assert_eq!(segment_name(u64::MAX), "18446744073709551615.seg");
        assert!(segment_name(9) < segment_name(10));
        for seq in [0, 1, 99, 1 << 40, u64::MAX] {
            assert_eq!(parse_segment_name(&segment_name(seq)), Some(seq));
        }
        for bad in [
            "1.seg",
            "0000000000000000000a.seg",
            "00000000000000000001.tmp",
            "00000000000000000001.seg.tmp",
            "99999999999999999999.seg",
            "state",
        ] {
            assert_eq!(parse_segment_name(bad), None, "{bad}");
        }
    }
}
