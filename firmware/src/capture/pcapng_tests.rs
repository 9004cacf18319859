//! Tests of `pcapng` on annotated byte fixtures (kept apart to keep `pcapng.rs` short).

use super::*;
use crate::capture::file::{CaptureError, Format, Frames};
use std::path::Path;

/// Two sections. Section 1 (little-endian): an Ethernet interface with nanosecond timestamps,
/// a raw-IP interface with the default microseconds, an EPB on each, a Name Resolution Block,
/// a Simple Packet Block and a custom block. Section 2 (big-endian): one Linux-cooked interface
/// with `if_tsoffset` 100 s and `if_tsresol` 2^-3, and an obsolete Packet Block.
#[rustfmt::skip]
const TWO_SECTIONS: &[u8] = &[
    // @0 SHB, little-endian
    0x0a, 0x0d, 0x0d, 0x0a, // block type SHB
    0x1c, 0x00, 0x00, 0x00, // total length 28
    0x4d, 0x3c, 0x2b, 0x1a, // byte-order magic 0x1a2b3c4d, little-endian
    0x01, 0x00, 0x00, 0x00, // version 1.0
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // section length -1 (unknown)
    0x1c, 0x00, 0x00, 0x00, // total length 28
    // @28 IDB 0: Ethernet, if_tsresol 9 (nanoseconds)
    0x01, 0x00, 0x00, 0x00, // block type IDB
    0x20, 0x00, 0x00, 0x00, // total length 32
    0x01, 0x00, 0x00, 0x00, // link type 1 (Ethernet), reserved
    0x00, 0x00, 0x04, 0x00, // snaplen 262144
    0x09, 0x00, 0x01, 0x00, // option if_tsresol, length 1
    0x09, 0x00, 0x00, 0x00, // 10^-9, 3 bytes padding
    0x00, 0x00, 0x00, 0x00, // opt_endofopt
    0x20, 0x00, 0x00, 0x00, // total length 32
    // @60 IDB 1: raw IP, no options (microseconds)
    0x01, 0x00, 0x00, 0x00, // block type IDB
    0x14, 0x00, 0x00, 0x00, // total length 20
    0x65, 0x00, 0x00, 0x00, // link type 101 (raw IP), reserved
    0x00, 0x00, 0x00, 0x00, // snaplen 0 (none)
    0x14, 0x00, 0x00, 0x00, // total length 20
    // @80 EPB on interface 0 (frame 1)
    0x06, 0x00, 0x00, 0x00, // block type EPB
    0x24, 0x00, 0x00, 0x00, // total length 36
    0x00, 0x00, 0x00, 0x00, // interface 0
    0xfe, 0x9c, 0x97, 0x17, // timestamp high } 1_700_000_000_123_456_789 ns
    0x15, 0xcd, 0x85, 0x3d, // timestamp low  }
    0x04, 0x00, 0x00, 0x00, // captured length 4
    0x3c, 0x00, 0x00, 0x00, // original length 60
    0xaa, 0xbb, 0xcc, 0xdd, // packet data
    0x24, 0x00, 0x00, 0x00, // total length 36
    // @116 NRB (skipped)
    0x04, 0x00, 0x00, 0x00, // block type NRB
    0x10, 0x00, 0x00, 0x00, // total length 16
    0x00, 0x00, 0x00, 0x00, // nrb_record_end
    0x10, 0x00, 0x00, 0x00, // total length 16
    // @132 EPB on interface 1 (frame 2)
    0x06, 0x00, 0x00, 0x00, // block type EPB
    0x28, 0x00, 0x00, 0x00, // total length 40
    0x01, 0x00, 0x00, 0x00, // interface 1
    0x24, 0x0a, 0x06, 0x00, // timestamp high } 1_700_000_001_000_001 us
    0x41, 0x82, 0x2d, 0x18, // timestamp low  }
    0x05, 0x00, 0x00, 0x00, // captured length 5
    0x05, 0x00, 0x00, 0x00, // original length 5
    0x45, 0x00, 0x00, 0x05, 0xff, 0x00, 0x00, 0x00, // data, 3 bytes padding
    0x28, 0x00, 0x00, 0x00, // total length 40
    // @172 SPB (frame 3, interface 0, no timestamp)
    0x03, 0x00, 0x00, 0x00, // block type SPB
    0x18, 0x00, 0x00, 0x00, // total length 24
    0x06, 0x00, 0x00, 0x00, // original length 6
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x00, 0x00, // data, 2 bytes padding
    0x18, 0x00, 0x00, 0x00, // total length 24
    // @196 custom block (skipped)
    0xad, 0x0b, 0x00, 0x00, // block type 0xbad
    0x10, 0x00, 0x00, 0x00, // total length 16
    0x00, 0x00, 0x7f, 0x00, // body
    0x10, 0x00, 0x00, 0x00, // total length 16
    // @212 SHB, big-endian
    0x0a, 0x0d, 0x0d, 0x0a, // block type SHB
    0x00, 0x00, 0x00, 0x1c, // total length 28
    0x1a, 0x2b, 0x3c, 0x4d, // byte-order magic, big-endian
    0x00, 0x01, 0x00, 0x00, // version 1.0
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // section length -1
    0x00, 0x00, 0x00, 0x1c, // total length 28
    // @240 IDB 0 of section 2: Linux cooked, if_tsoffset 100, if_tsresol 2^-3
    0x00, 0x00, 0x00, 0x01, // block type IDB
    0x00, 0x00, 0x00, 0x2c, // total length 44
    0x00, 0x71, 0x00, 0x00, // link type 113 (Linux SLL), reserved
    0x00, 0x00, 0xff, 0xff, // snaplen 65535
    0x00, 0x0e, 0x00, 0x08, // option if_tsoffset, length 8
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, // +100 s
    0x00, 0x09, 0x00, 0x01, // option if_tsresol, length 1
    0x83, 0x00, 0x00, 0x00, // 2^-3 s, 3 bytes padding
    0x00, 0x00, 0x00, 0x00, // opt_endofopt
    0x00, 0x00, 0x00, 0x2c, // total length 44
    // @284 obsolete PB (frame 4)
    0x00, 0x00, 0x00, 0x02, // block type PB
    0x00, 0x00, 0x00, 0x24, // total length 36
    0x00, 0x00,             // interface 0
    0x00, 0x00,             // drops count
    0x00, 0x00, 0x00, 0x03, // timestamp high } 13_599_999_204 eighths of a second
    0x2a, 0x9f, 0x84, 0xe4, // timestamp low  }
    0x00, 0x00, 0x00, 0x03, // captured length 3
    0x00, 0x00, 0x00, 0x03, // original length 3
    0x0a, 0x0b, 0x0c, 0x00, // data, 1 byte padding
    0x00, 0x00, 0x00, 0x24, // total length 36
];
/// Offsets where the blocks of `TWO_SECTIONS` end.
const BLOCK_ENDS: [usize; 11] = [28, 60, 80, 116, 132, 172, 196, 212, 240, 284, 320];
/// Offsets where its packet blocks end.
const PACKET_ENDS: [usize; 4] = [116, 172, 196, 320];

fn read_all(bytes: &[u8]) -> Vec<Result<Frame<'_>, CaptureError>> {
    Frames::from_bytes(bytes, Path::new("t.pcapng"))
        .unwrap()
        .collect()
}

/// Reads a patched copy of the fixture and returns the frames before the error, and the error.
fn patched_error(patch: impl FnOnce(&mut Vec<u8>)) -> (usize, CaptureError) {
    let mut bytes = TWO_SECTIONS.to_vec();
    patch(&mut bytes);
    let mut items = read_all(&bytes);
    let last = items.pop().expect("at least the error");
    assert!(items.iter().all(Result::is_ok));
    (items.len(), last.expect_err("the last item is the error"))
}

#[test]
fn sections_interfaces_and_packet_blocks() {
    let mut frames = Frames::from_bytes(TWO_SECTIONS, Path::new("t.pcapng")).unwrap();
    let f1 = frames.next().unwrap().unwrap();
    assert_eq!(frames.frame_number(), 1);
    assert_eq!(frames.offset(), 116);
    assert_eq!(
        (f1.data, f1.wire_len, f1.link),
        (&[0xaa, 0xbb, 0xcc, 0xdd][..], 60, LinkType::Ethernet)
    );
    assert_eq!(f1.ts.0, 1_700_000_000_123_456_789);

    let f2 = frames.next().unwrap().unwrap();
    assert_eq!(frames.frame_number(), 2);
    assert_eq!(
        (f2.data, f2.wire_len, f2.link),
        (&[0x45, 0, 0, 5, 0xff][..], 5, LinkType::Raw)
    );
    assert_eq!(f2.ts.0, 1_700_000_001_000_001_000);

    let f3 = frames.next().unwrap().unwrap();
    assert_eq!(frames.frame_number(), 3);
    assert_eq!(
        (f3.data, f3.wire_len, f3.link),
        (&[1, 2, 3, 4, 5, 6][..], 6, LinkType::Ethernet)
    );
    assert_eq!(
        f3.ts, f2.ts,
        "a Simple Packet Block inherits the last timestamp"
    );

    let f4 = frames.next().unwrap().unwrap();
    assert_eq!(frames.frame_number(), 4);
    assert_eq!(
        (f4.data, f4.wire_len, f4.link),
        (&[0x0a, 0x0b, 0x0c][..], 3, LinkType::LinuxSll)
    );
    assert_eq!(f4.ts.0, 1_700_000_000_500_000_000);
    assert_eq!(f4.port, None);

    assert!(frames.next().is_none());
    assert!(frames.next().is_none());
    assert_eq!(frames.offset(), TWO_SECTIONS.len() as u64);
}

#[test]
fn every_truncation_point_is_an_error_not_a_panic() {
    assert_eq!(BLOCK_ENDS.last(), Some(&TWO_SECTIONS.len()));
    for cut in 0..TWO_SECTIONS.len() {
        let opened = Frames::from_bytes(&TWO_SECTIONS[..cut], Path::new("cut.pcapng"));
        if cut < shb::MIN_LEN as usize {
            let err = opened.unwrap_err();
            assert!(
                matches!(
                    err,
                    CaptureError::Empty { .. } | CaptureError::TooShort { .. }
                ),
                "{err}"
            );
            continue;
        }
        let items: Vec<_> = opened.unwrap().collect();
        let packets = PACKET_ENDS.iter().filter(|&&end| end <= cut).count();
        if BLOCK_ENDS.contains(&cut) {
            assert_eq!(items.len(), packets, "cut {cut}");
            assert!(items.iter().all(Result::is_ok), "cut {cut}");
            continue;
        }
        assert_eq!(items.len(), packets + 1, "cut {cut}");
        match items.last() {
            Some(Err(CaptureError::Truncated {
                frame,
                offset,
                have,
                ..
            })) => {
                assert_eq!(*frame, packets as u64 + 1, "cut {cut}");
                assert_eq!(*offset as usize + *have as usize, cut, "cut {cut}");
                assert!(BLOCK_ENDS.contains(&(*offset as usize)), "cut {cut}");
            }
            other => panic!("cut {cut}: expected Truncated, got {other:?}"),
        }
    }
}

/// Like `patched_error` for a `Malformed` error: (good frames, frame, offset, defect).
fn malformed(patch: impl FnOnce(&mut Vec<u8>)) -> (usize, u64, u64, Defect) {
    match patched_error(patch) {
        (
            good,
            CaptureError::Malformed {
                frame,
                offset,
                defect,
                ..
            },
        ) => (good, frame, offset, defect),
        (_, other) => panic!("expected Malformed, got {other}"),
    }
}

#[test]
fn bad_block_lengths_are_malformed() {
    let too_short = Defect::BlockTooShort {
        block_type: 4,
        length: 8,
        min: 12,
    };
    let mismatch = Defect::LengthMismatch {
        leading: 16,
        trailing: 20,
    };
    let cases = [
        (8u32, 16u32, too_short),
        (18, 16, Defect::BlockNotAligned(18)),
        (16, 20, mismatch),
    ];
    for (leading, trailing, want) in cases {
        let got = malformed(|b| {
            b[120..124].copy_from_slice(&leading.to_le_bytes()); // NRB @116 leading length
            b[128..132].copy_from_slice(&trailing.to_le_bytes()); // its trailing length
        });
        assert_eq!(got, (1, 2, 116, want));
    }
}

#[test]
fn block_length_past_end_is_truncated() {
    let (good, err) = patched_error(|b| b[120..124].copy_from_slice(&0x7fff_fff0u32.to_le_bytes()));
    assert_eq!(good, 1);
    let want = CaptureError::Truncated {
        path: "t.pcapng".into(),
        frame: 2,
        offset: 116,
        what: "pcapng block",
        need: 0x7fff_fff0,
        have: 204,
    };
    assert_eq!(format!("{err:?}"), format!("{want:?}"));
}

#[test]
fn captured_length_past_block_is_malformed() {
    let (_, err) = patched_error(|b| b[100] = 9); // EPB @80 captured length 9, room 4
    assert_eq!(
        err.to_string(),
        "t.pcapng: malformed capture at byte 80 while reading frame 1: captured length 9 runs \
         past the end of its block (4 bytes of room)"
    );
    let past = Defect::PacketPastBlock {
        captured: 9,
        room: 4,
    };
    assert_eq!(malformed(|b| b[100] = 9), (0, 1, 80, past));
}

#[test]
fn unknown_interface_and_section_reset() {
    let unknown = Defect::UnknownInterface { id: 5, count: 2 };
    assert_eq!(malformed(|b| b[140] = 5), (1, 2, 132, unknown)); // EPB @132 names interface 5
                                                                 // Interface 1 existed in section 1, but section 2 starts afresh with one interface.
    let unknown = Defect::UnknownInterface { id: 1, count: 1 };
    assert_eq!(malformed(|b| b[293] = 1), (3, 4, 284, unknown));
}

#[test]
fn unsupported_link_type_is_reported_at_its_first_packet() {
    let wifi = |b: &mut Vec<u8>| b[68] = 105; // IDB 1 becomes LINKTYPE_IEEE802_11
    let (good, err) = patched_error(wifi);
    assert_eq!(good, 1);
    assert!(matches!(
        err,
        CaptureError::UnsupportedLinkType {
            code: 105,
            frame: Some(2),
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        "t.pcapng: unsupported link type LINKTYPE_IEEE802_11 (105) in frame 2 (telltale reads \
         Ethernet, loopback, raw IP and Linux cooked captures)"
    );
    // Without a packet on it, the interface is harmless.
    let mut bytes = TWO_SECTIONS[..116].to_vec();
    wifi(&mut bytes);
    let items = read_all(&bytes);
    assert_eq!(items.len(), 1);
    assert!(items[0].is_ok());
}

#[test]
fn bad_options_are_malformed() {
    let past = Defect::OptionPastBlock { code: 9, len: 200 };
    assert_eq!(malformed(|b| b[46] = 200), (0, 1, 28, past)); // if_tsresol claims 200 bytes
    let size = Defect::OptionSize {
        code: 9,
        len: 2,
        want: 1,
    };
    assert_eq!(malformed(|b| b[46] = 2), (0, 1, 28, size)); // if_tsresol of 2 bytes
}

#[test]
fn negative_tsoffset_saturates_at_zero() {
    let mut bytes = TWO_SECTIONS.to_vec();
    bytes[260..268].copy_from_slice(&(-2_000_000_000i64).to_be_bytes());
    let items = read_all(&bytes);
    assert_eq!(items[3].as_ref().unwrap().ts.0, 0);
}

#[test]
fn bad_section_headers() {
    let bom = Defect::ByteOrderMagic(0);
    assert_eq!(
        malformed(|b| b[220..224].copy_from_slice(&[0; 4])),
        (3, 4, 212, bom)
    );
    let version = Defect::PcapngVersion { major: 2, minor: 0 };
    assert_eq!(malformed(|b| b[225] = 2), (3, 4, 212, version)); // section 2 version 2.0
                                                                 // The first section's magic is checked at open.
    let mut bytes = TWO_SECTIONS.to_vec();
    bytes[8] = 0;
    assert!(Frames::from_bytes(&bytes, Path::new("x")).is_err());
}

#[test]
fn summary_lists_leading_interfaces() {
    let mut summary = LinkSummary {
        format: Format::Pcapng {
            order: ByteOrder::Little,
        },
        interfaces: 0,
        link_codes: heapless::Vec::new(),
        more_link_types: false,
    };
    summarize_leading_interfaces(TWO_SECTIONS, &mut summary);
    assert_eq!(summary.interfaces, 2);
    assert_eq!(summary.link_codes.as_slice(), &[1, 101]);
    assert_eq!(
        summary.to_string(),
        "pcapng (little-endian), 2 interface(s): LINKTYPE_ETHERNET (1), LINKTYPE_RAW (101)"
    );
}

#[test]
fn timestamp_resolutions() {
    assert_eq!(TsScale::from_tsresol(6), TsScale::Multiply(1_000));
    assert_eq!(TsScale::from_tsresol(9).to_nanos(42), 42);
    assert_eq!(TsScale::from_tsresol(0).to_nanos(2), 2_000_000_000);
    assert_eq!(TsScale::from_tsresol(12).to_nanos(1_500), 1); // picoseconds
    assert_eq!(
        TsScale::from_tsresol(0x80 | 10).to_nanos(1_024),
        1_000_000_000
    ); // 2^-10 s
    assert_eq!(TsScale::from_tsresol(0x80).to_nanos(3), 3_000_000_000); // 2^0 s
    assert_eq!(TsScale::from_tsresol(0x80 | 127).to_nanos(u64::MAX), 0);
    assert_eq!(TsScale::from_tsresol(100), TsScale::Zero);
    assert_eq!(TsScale::from_tsresol(47).to_nanos(u64::MAX), 0);
    assert_eq!(TsScale::from_tsresol(0).to_nanos(u64::MAX), u64::MAX);
    assert_eq!(TsScale::from_tsresol(0x80).to_nanos(u64::MAX), u64::MAX);
}
