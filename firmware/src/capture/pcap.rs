//! Classic libpcap files: the 24-byte file header and the packet records after it.
//!
//! Layout from draft-ietf-opsawg-pcap ("PCAP Capture File Format"). This module owns magic
//! detection (both byte orders; micro- and nanosecond timestamps; the "modified" pcap of the
//! Kuznetzov patch, whose records carry 8 more bytes) and a record reader that borrows each
//! frame's bytes from the file. The per-record path reads four u32s and slices; nothing allocates.

use core::fmt;
use core::ops::Range;

use super::file::{ByteOrder, Defect, ReadError};
use super::{Frame, LinkType, Timestamp};

/// Offsets in the file header (draft-ietf-opsawg-pcap, section 4 "File Header").
mod header {
    use core::ops::Range;
    /// "Magic Number (32 bits): an unsigned magic number, whose value is either the hexadecimal
    /// number 0xA1B2C3D4 or the hexadecimal number 0xA1B23C4D."
    pub const MAGIC: Range<usize> = 0..4;
    /// "Major Version (16 bits): ... The value for the current version of the format is 2."
    pub const MAJOR: Range<usize> = 4..6;
    /// "Minor Version (16 bits): ... The value is for the current version of the format is 4."
    pub const MINOR: Range<usize> = 6..8;
    /// "SnapLen (32 bits): ... the maximum number of octets captured from each packet."
    pub const SNAPLEN: Range<usize> = 16..20;
    /// "LinkType and additional information (32 bits)": the link type is the low 16 bits; the
    /// FCS length and reserved bits above are ignored, as libpcap's `LT_LINKTYPE` does.
    pub const LINK_TYPE: Range<usize> = 20..24;
    /// Size of the file header. (Bytes 8..16 are reserved, written as 0; readers ignore them.)
    pub const LEN: usize = 24;
}

/// Offsets in a packet record header (draft-ietf-opsawg-pcap, section 5 "Packet Record").
mod record {
    use core::ops::Range;
    /// "Timestamp (Seconds) (32 bits): ... seconds that have elapsed since 1970-01-01 00:00:00 UTC."
    pub const TS_SECONDS: Range<usize> = 0..4;
    /// "Timestamp (Microseconds or nanoseconds) (32 bits)": the fraction, in the unit the magic says.
    pub const TS_FRACTION: Range<usize> = 4..8;
    /// "Captured Packet Length (32 bits): the number of octets captured from the packet."
    pub const CAPTURED_LEN: Range<usize> = 8..12;
    /// "Original Packet Length (32 bits): the number of octets of the packet on the network."
    pub const ORIGINAL_LEN: Range<usize> = 12..16;
    /// Record header size in the standard format.
    pub const LEN: usize = 16;
    /// Record header size in the modified format: the standard 16 bytes then interface index
    /// (u32), protocol (u16), packet type (u8) and one pad byte.
    pub const MODIFIED_LEN: usize = 24;
}

/// Standard magic, microsecond timestamps (as read big-endian from a big-endian file).
const MAGIC_MICROS: u32 = 0xa1b2_c3d4;
/// Nanosecond-timestamp magic.
const MAGIC_NANOS: u32 = 0xa1b2_3c4d;
/// "Modified" pcap (Alexey Kuznetzov's patch): microsecond timestamps, 24-byte record headers.
const MAGIC_MODIFIED: u32 = 0xa1b2_cd34;

/// The unit of a record's timestamp fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TsPrecision {
    /// Fraction in microseconds (magic 0xa1b2c3d4, and the modified format).
    Micros,
    /// Fraction in nanoseconds (magic 0xa1b23c4d).
    Nanos,
}

impl TsPrecision {
    /// Nanoseconds per unit of the fraction field.
    fn nanos_per_unit(self) -> u64 {
        match self {
            TsPrecision::Micros => 1_000,
            TsPrecision::Nanos => 1,
        }
    }
}

/// What a magic number says about the file: byte order, precision, modified format.
fn classify_magic(magic_be: u32) -> Option<(ByteOrder, TsPrecision, bool)> {
    let swapped = magic_be.swap_bytes();
    for (value, order) in [(magic_be, ByteOrder::Big), (swapped, ByteOrder::Little)] {
        match value {
            MAGIC_MICROS => return Some((order, TsPrecision::Micros, false)),
            MAGIC_NANOS => return Some((order, TsPrecision::Nanos, false)),
            MAGIC_MODIFIED => return Some((order, TsPrecision::Micros, true)),
            _ => {}
        }
    }
    None
}

/// Whether the first four bytes of a file, read big-endian, are a pcap magic in either order.
pub(super) fn is_magic(magic_be: u32) -> bool {
    classify_magic(magic_be).is_some()
}

/// A parsed, supported pcap file header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PcapHeader {
    /// Byte order of every header field in the file.
    pub order: ByteOrder,
    /// Unit of the timestamp fraction.
    pub precision: TsPrecision,
    /// The modified (Kuznetzov) format with 24-byte record headers.
    pub modified: bool,
    /// Major version (always 2 once parsed).
    pub version_major: u16,
    /// Minor version.
    pub version_minor: u16,
    /// Snapshot length the capture was taken with.
    pub snaplen: u32,
    /// The link-type number (low 16 bits of the link-type field).
    pub link_code: u32,
    /// The link type, which we dissect.
    pub link: LinkType,
}

impl PcapHeader {
    /// Parses the file header at the start of `bytes`.
    ///
    /// Errors: `Truncated` if `bytes` is shorter than the header (`need` is 24), `Malformed` for a
    /// major version other than 2 or an unknown magic, `UnsupportedLinkType` for a link layer
    /// `LinkType::from_pcap` does not know.
    pub(super) fn parse(bytes: &[u8]) -> Result<PcapHeader, ReadError> {
        let truncated = ReadError::Truncated {
            what: "pcap file header",
            offset: 0,
            need: header::LEN,
            have: bytes.len(),
        };
        let head = bytes.get(..header::LEN).ok_or(truncated)?;
        let magic = ByteOrder::Big
            .u32_at(head, header::MAGIC.start)
            .ok_or(truncated)?;
        let (order, precision, modified) = classify_magic(magic).ok_or(ReadError::Malformed {
            offset: 0,
            defect: Defect::PcapMagic(magic),
        })?;
        let field16 = |r: Range<usize>| order.u16_at(head, r.start).ok_or(truncated);
        let field32 = |r: Range<usize>| order.u32_at(head, r.start).ok_or(truncated);
        let version_major = field16(header::MAJOR)?;
        let version_minor = field16(header::MINOR)?;
        if version_major != 2 {
            return Err(ReadError::Malformed {
                offset: header::MAJOR.start,
                defect: Defect::PcapVersion {
                    major: version_major,
                    minor: version_minor,
                },
            });
        }
        let snaplen = field32(header::SNAPLEN)?;
        let link_code = field32(header::LINK_TYPE)? & 0xffff;
        let link = LinkType::from_pcap(link_code)
            .ok_or(ReadError::UnsupportedLinkType { code: link_code })?;
        Ok(PcapHeader {
            order,
            precision,
            modified,
            version_major,
            version_minor,
            snaplen,
            link_code,
            link,
        })
    }

    /// Size of each record header: 16, or 24 in the modified format.
    pub fn record_header_len(&self) -> usize {
        if self.modified {
            record::MODIFIED_LEN
        } else {
            record::LEN
        }
    }
}

impl fmt::Display for PcapHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.modified {
            "modified pcap"
        } else {
            "pcap"
        };
        let unit = match self.precision {
            TsPrecision::Micros => "microsecond",
            TsPrecision::Nanos => "nanosecond",
        };
        write!(
            f,
            "{kind} {}.{} ({unit} timestamps, {})",
            self.version_major, self.version_minor, self.order
        )
    }
}

/// Reads the packet records of a pcap file one by one, borrowing their data.
#[derive(Debug, Clone)]
pub(super) struct PcapRecords<'a> {
    bytes: &'a [u8],
    offset: usize,
    order: ByteOrder,
    nanos_per_unit: u64,
    record_header_len: usize,
    link: LinkType,
}

impl<'a> PcapRecords<'a> {
    /// Starts after the file header of `bytes`, which `header` was parsed from.
    pub(super) fn new(bytes: &'a [u8], header: PcapHeader) -> Self {
        PcapRecords {
            bytes,
            offset: header::LEN,
            order: header.order,
            nanos_per_unit: header.precision.nanos_per_unit(),
            record_header_len: header.record_header_len(),
            link: header.link,
        }
    }

    /// Offset of the next record.
    pub(super) fn offset(&self) -> usize {
        self.offset
    }

    /// The next frame, `None` at a clean end of file, or the error that ends the file.
    #[inline]
    pub(super) fn next_frame(&mut self) -> Option<Result<Frame<'a>, ReadError>> {
        let rest = self.bytes.get(self.offset..)?;
        if rest.is_empty() {
            return None;
        }
        let Some((secs, fraction, captured, original)) = self.record_header(rest) else {
            return Some(Err(ReadError::Truncated {
                what: "pcap record header",
                offset: self.offset,
                need: self.record_header_len,
                have: rest.len(),
            }));
        };
        let data_end = self.record_header_len.saturating_add(captured as usize);
        let Some(data) = rest.get(self.record_header_len..data_end) else {
            return Some(Err(ReadError::Truncated {
                what: "pcap packet data",
                offset: self.offset,
                need: data_end,
                have: rest.len(),
            }));
        };
        self.offset += data_end;
        let nanos = u64::from(fraction).saturating_mul(self.nanos_per_unit);
        Some(Ok(Frame {
            data,
            wire_len: original.max(captured),
            ts: Timestamp::from_parts(u64::from(secs), nanos),
            link: self.link,
            port: None,
            stripped_vlan: None,
        }))
    }

    /// Seconds, fraction, captured and original length, or `None` if `rest` is too short.
    #[inline]
    fn record_header(&self, rest: &[u8]) -> Option<(u32, u32, u32, u32)> {
        let head = rest.get(..self.record_header_len)?;
        let o = self.order;
        Some((
            o.u32_at(head, record::TS_SECONDS.start)?,
            o.u32_at(head, record::TS_FRACTION.start)?,
            o.u32_at(head, record::CAPTURED_LEN.start)?,
            o.u32_at(head, record::ORIGINAL_LEN.start)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::file::{CaptureError, Frames};
    use std::path::Path;

    /// Little-endian, microsecond pcap 2.4, Ethernet, two records.
    #[rustfmt::skip]
    const LE_MICROS: &[u8] = &[
        // File header
        0xd4, 0xc3, 0xb2, 0xa1, // magic 0xa1b2c3d4 stored little-endian: microseconds
        0x02, 0x00, 0x04, 0x00, // version 2.4
        0x00, 0x00, 0x00, 0x00, // reserved (thiszone)
        0x00, 0x00, 0x00, 0x00, // reserved (sigfigs)
        0xff, 0xff, 0x00, 0x00, // snaplen 65535
        0x01, 0x00, 0x00, 0x00, // link type 1 (Ethernet)
        // Record 1 header (offset 24)
        0x00, 0xf1, 0x53, 0x65, // ts seconds 1_700_000_000
        0x40, 0xe2, 0x01, 0x00, // ts microseconds 123_456
        0x0e, 0x00, 0x00, 0x00, // captured length 14
        0x3c, 0x00, 0x00, 0x00, // original length 60 (snapped)
        // Record 1 data: an Ethernet header
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // destination broadcast
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // source
        0x08, 0x00,                         // EtherType IPv4
        // Record 2 header (offset 54)
        0x01, 0xf1, 0x53, 0x65, // ts seconds 1_700_000_001
        0x3f, 0x42, 0x0f, 0x00, // ts microseconds 999_999
        0x04, 0x00, 0x00, 0x00, // captured length 4
        0x04, 0x00, 0x00, 0x00, // original length 4
        // Record 2 data
        0xde, 0xad, 0xbe, 0xef,
    ];

    /// Big-endian, nanosecond pcap, raw IP (101), one record.
    #[rustfmt::skip]
    const BE_NANOS: &[u8] = &[
        // File header
        0xa1, 0xb2, 0x3c, 0x4d, // magic 0xa1b23c4d stored big-endian: nanoseconds
        0x00, 0x02, 0x00, 0x04, // version 2.4
        0x00, 0x00, 0x00, 0x00, // reserved
        0x00, 0x00, 0x00, 0x00, // reserved
        0x00, 0x04, 0x00, 0x00, // snaplen 262144
        0x00, 0x00, 0x00, 0x65, // link type 101 (raw IP)
        // Record header
        0x65, 0x53, 0xf1, 0x00, // ts seconds 1_700_000_000
        0x07, 0x5b, 0xcd, 0x15, // ts nanoseconds 123_456_789
        0x00, 0x00, 0x00, 0x14, // captured length 20
        0x00, 0x00, 0x00, 0x14, // original length 20
        // Data: an IPv4 header
        0x45, 0x00, 0x00, 0x14, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
        0x00, 0x00, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
    ];

    /// Modified (Kuznetzov) pcap, little-endian, LINKTYPE_NULL, one record whose captured length
    /// (5) exceeds its original length (3).
    #[rustfmt::skip]
    const MODIFIED_LE: &[u8] = &[
        // File header
        0x34, 0xcd, 0xb2, 0xa1, // magic 0xa1b2cd34 stored little-endian: modified format
        0x02, 0x00, 0x04, 0x00, // version 2.4
        0x00, 0x00, 0x00, 0x00, // reserved
        0x00, 0x00, 0x00, 0x00, // reserved
        0xff, 0xff, 0x00, 0x00, // snaplen 65535
        0x00, 0x00, 0x00, 0x00, // link type 0 (BSD loopback)
        // Record header (24 bytes in this format)
        0x0a, 0x00, 0x00, 0x00, // ts seconds 10
        0x01, 0x00, 0x00, 0x00, // ts microseconds 1
        0x05, 0x00, 0x00, 0x00, // captured length 5
        0x03, 0x00, 0x00, 0x00, // original length 3 (a lie: smaller than captured)
        0x02, 0x00, 0x00, 0x00, // interface index 2
        0x00, 0x08,             // protocol
        0x00,                   // packet type
        0x00,                   // pad
        // Data
        0x02, 0x00, 0x00, 0x00, 0x45,
    ];

    fn frames(bytes: &[u8]) -> Frames<'_> {
        Frames::from_bytes(bytes, Path::new("test.pcap")).unwrap()
    }

    #[test]
    fn little_endian_micros_records() {
        let mut it = frames(LE_MICROS);
        let first = it.next().unwrap().unwrap();
        assert_eq!(it.frame_number(), 1);
        assert_eq!(first.data.len(), 14);
        assert_eq!(&first.data[12..], &[0x08, 0x00]);
        assert_eq!(first.wire_len, 60);
        assert_eq!(first.ts.0, 1_700_000_000_123_456_000);
        assert_eq!(first.link, LinkType::Ethernet);
        assert_eq!(first.port, None);
        assert_eq!(it.offset(), 54);
        let second = it.next().unwrap().unwrap();
        assert_eq!(it.frame_number(), 2);
        assert_eq!(second.data, &[0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(second.ts.0, 1_700_000_001_999_999_000);
        assert!(it.next().is_none());
        assert!(it.next().is_none());
        assert_eq!(it.offset(), LE_MICROS.len() as u64);
    }

    #[test]
    fn frames_borrow_the_input() {
        let first = frames(LE_MICROS).next().unwrap().unwrap();
        let data_at = first.data.as_ptr() as usize - LE_MICROS.as_ptr() as usize;
        assert_eq!(data_at, 40);
    }

    #[test]
    fn big_endian_nanos_record() {
        let header = PcapHeader::parse(BE_NANOS).unwrap();
        assert_eq!(header.order, ByteOrder::Big);
        assert_eq!(header.precision, TsPrecision::Nanos);
        assert_eq!(header.snaplen, 262_144);
        assert_eq!(
            header.to_string(),
            "pcap 2.4 (nanosecond timestamps, big-endian)"
        );
        let all: Vec<_> = frames(BE_NANOS).collect();
        assert_eq!(all.len(), 1);
        let frame = all[0].as_ref().unwrap();
        assert_eq!(frame.ts.0, 1_700_000_000_123_456_789);
        assert_eq!(frame.link, LinkType::Raw);
        assert_eq!(frame.data[0], 0x45);
        assert_eq!(frame.wire_len, 20);
    }

    #[test]
    fn modified_format_and_captured_longer_than_original() {
        let header = PcapHeader::parse(MODIFIED_LE).unwrap();
        assert!(header.modified);
        assert_eq!(header.record_header_len(), 24);
        let frame = frames(MODIFIED_LE).next().unwrap().unwrap();
        assert_eq!(frame.link, LinkType::Null);
        assert_eq!(frame.data, &[0x02, 0x00, 0x00, 0x00, 0x45]);
        // All captured bytes are kept; wire_len is raised to the captured length.
        assert_eq!(frame.wire_len, 5);
        assert_eq!(frame.ts.0, 10_000_001_000);
    }

    #[test]
    fn every_truncation_point_is_an_error_not_a_panic() {
        // Each fixture with the offsets where its file header and records end.
        let cases: [(&[u8], &[usize]); 3] = [
            (LE_MICROS, &[24, 54, 74]),
            (BE_NANOS, &[24, 60]),
            (MODIFIED_LE, &[24, 53]),
        ];
        for (fixture, ends) in cases {
            assert_eq!(ends.last(), Some(&fixture.len()));
            for cut in 0..fixture.len() {
                let prefix = &fixture[..cut];
                let opened = Frames::from_bytes(prefix, Path::new("cut.pcap"));
                if cut < header::LEN {
                    let err = opened.unwrap_err();
                    let expected = if cut == 0 { "Empty" } else { "TooShort" };
                    assert!(format!("{err:?}").starts_with(expected), "cut {cut}: {err}");
                    continue;
                }
                let items: Vec<_> = opened.unwrap().collect();
                let complete_records = ends.iter().filter(|&&end| end <= cut).count() - 1;
                if ends.contains(&cut) {
                    assert_eq!(items.len(), complete_records, "cut {cut}");
                    assert!(items.iter().all(Result::is_ok), "cut {cut}");
                    continue;
                }
                assert_eq!(items.len(), complete_records + 1, "cut {cut}");
                match items.last() {
                    Some(Err(CaptureError::Truncated {
                        frame,
                        offset,
                        have,
                        ..
                    })) => {
                        assert_eq!(*frame, complete_records as u64 + 1, "cut {cut}");
                        assert_eq!(*offset as usize + *have as usize, cut, "cut {cut}");
                    }
                    other => panic!("cut {cut}: expected Truncated, got {other:?}"),
                }
            }
        }
    }

    #[test]
    fn record_claiming_more_than_the_file_holds() {
        let mut bytes = LE_MICROS.to_vec();
        bytes[32..36].copy_from_slice(&0xffff_fff0u32.to_le_bytes()); // captured length 4 GiB
        let items: Vec<_> = frames(&bytes).collect();
        assert_eq!(items.len(), 1);
        let err = items[0].as_ref().unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(
                err,
                CaptureError::Truncated {
                    frame: 1,
                    offset: 24,
                    ..
                }
            ),
            "{text}"
        );
        assert!(
            text.starts_with("test.pcap: truncated at byte 24 while reading frame 1"),
            "{text}"
        );
    }

    #[test]
    fn unsupported_link_type_is_refused_at_open() {
        let mut bytes = LE_MICROS.to_vec();
        bytes[20] = 105; // LINKTYPE_IEEE802_11
        let err = Frames::from_bytes(&bytes, Path::new("wifi.pcap")).unwrap_err();
        assert!(matches!(
            err,
            CaptureError::UnsupportedLinkType {
                code: 105,
                frame: None,
                ..
            }
        ));
        assert_eq!(
            err.to_string(),
            "wifi.pcap: unsupported link type LINKTYPE_IEEE802_11 (105) (telltale reads Ethernet, \
             loopback, raw IP and Linux cooked captures)"
        );
    }

    #[test]
    fn link_type_upper_bits_are_ignored() {
        let mut bytes = LE_MICROS.to_vec();
        bytes[23] = 0x10; // FCS-present flag bits above the link type
        assert_eq!(PcapHeader::parse(&bytes).unwrap().link, LinkType::Ethernet);
    }

    #[test]
    fn wrong_version_is_malformed() {
        let mut bytes = LE_MICROS.to_vec();
        bytes[4] = 1; // version 1.4
        let err = Frames::from_bytes(&bytes, Path::new("old.pcap")).unwrap_err();
        assert!(matches!(
            err,
            CaptureError::Malformed {
                defect: Defect::PcapVersion { major: 1, minor: 4 },
                ..
            }
        ));
        assert!(
            err.to_string()
                .contains("pcap version 1.4 is not supported"),
            "{err}"
        );
    }

    #[test]
    fn all_magics_are_classified() {
        assert_eq!(
            classify_magic(0xd4c3_b2a1),
            Some((ByteOrder::Little, TsPrecision::Micros, false))
        );
        assert_eq!(
            classify_magic(0xa1b2_c3d4),
            Some((ByteOrder::Big, TsPrecision::Micros, false))
        );
        assert_eq!(
            classify_magic(0x4d3c_b2a1),
            Some((ByteOrder::Little, TsPrecision::Nanos, false))
        );
        assert_eq!(
            classify_magic(0xa1b2_cd34),
            Some((ByteOrder::Big, TsPrecision::Micros, true))
        );
        assert_eq!(classify_magic(0x0a0d_0d0a), None);
    }

    #[test]
    fn timestamps_saturate() {
        let mut bytes = BE_NANOS.to_vec();
        bytes[24..28].copy_from_slice(&[0xff; 4]); // seconds u32::MAX
        bytes[28..32].copy_from_slice(&[0xff; 4]); // fraction u32::MAX
        let frame = frames(&bytes).next().unwrap().unwrap();
        assert_eq!(frame.ts.0, 4_294_967_295 * 1_000_000_000 + 4_294_967_295);
    }
}
