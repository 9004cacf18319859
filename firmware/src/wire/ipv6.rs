//! IPv6 fixed header (RFC 8200 section 3) and the extension-header chain (RFC 8200 section 4).
//!
//! This module owns [`Ipv6Packet`] and [`walk_extension_headers`]. The walk skips hop-by-hop,
//! routing, destination options, AH, mobility, HIP and shim6 headers (at most
//! [`MAX_EXTENSION_HEADERS`]), stops at the first upper-layer protocol, at No Next Header (59),
//! at ESP (50, its contents are encrypted) and at a Fragment header (44): what follows a Fragment
//! header is the fragmentable part, which only makes sense after reassembly. Callers reassemble it
//! (see `flow::defrag`) and may walk the result again with [`walk_extension_headers`].

use std::net::Ipv6Addr;

use super::{be16, be32, need, Result, WireError};

/// Next Header values of the extension headers we walk (IANA "IPv6 Extension Header Types").
pub mod next_header {
    /// Hop-by-Hop Options (RFC 8200 section 4.3).
    pub const HOP_BY_HOP: u8 = 0;
    /// Routing (RFC 8200 section 4.4).
    pub const ROUTING: u8 = 43;
    /// Fragment (RFC 8200 section 4.5).
    pub const FRAGMENT: u8 = 44;
    /// Encapsulating Security Payload (RFC 4303): not walked.
    pub const ESP: u8 = 50;
    /// Authentication Header (RFC 4302): length in 4-octet units minus 2.
    pub const AUTHENTICATION: u8 = 51;
    /// No Next Header (RFC 8200 section 4.7).
    pub const NO_NEXT_HEADER: u8 = 59;
    /// Destination Options (RFC 8200 section 4.6).
    pub const DESTINATION_OPTIONS: u8 = 60;
    /// Mobility (RFC 6275).
    pub const MOBILITY: u8 = 135;
    /// Host Identity Protocol (RFC 7401).
    pub const HIP: u8 = 139;
    /// Shim6 (RFC 5533).
    pub const SHIM6: u8 = 140;
}

/// Most extension headers walked before the packet is refused.
pub const MAX_EXTENSION_HEADERS: usize = 8;

mod field {
    use core::ops::Range;
    /// RFC 8200 section 3: Version (4), Traffic Class (8), Flow Label (20).
    pub const VER_TC_FLOW: usize = 0;
    /// RFC 8200 section 3: Payload Length (extension headers included).
    pub const PAYLOAD_LENGTH: usize = 4;
    /// RFC 8200 section 3: Next Header.
    pub const NEXT_HEADER: usize = 6;
    /// RFC 8200 section 3: Hop Limit.
    pub const HOP_LIMIT: usize = 7;
    /// RFC 8200 section 3: Source Address.
    pub const SOURCE: Range<usize> = 8..24;
    /// RFC 8200 section 3: Destination Address.
    pub const DESTINATION: Range<usize> = 24..40;
    /// Length of the fixed header.
    pub const HEADER_LEN: usize = 40;

    /// RFC 8200 section 4.5: Fragment header: Next Header (1), reserved (1), Fragment Offset
    /// (13 bits, 8-octet units), Res (2), M (1), Identification (4).
    pub const FRAG_OFFSET_FLAGS: usize = 2;
    /// Fragment header Identification.
    pub const FRAG_IDENTIFICATION: usize = 4;
    /// Fragment header length.
    pub const FRAG_LEN: usize = 8;
}

/// The Fragment header of an IPv6 packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv6Fragment {
    /// Identification.
    pub id: u32,
    /// Offset of this fragment's data in the fragmentable part, in bytes.
    pub offset: usize,
    /// M flag: more fragments follow.
    pub more_fragments: bool,
}

/// Where the extension-header walk ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpperLayer<'a> {
    /// The protocol of `payload` (the Fragment header's Next Header when `fragment` is set).
    pub protocol: u8,
    /// Bytes after the last header walked (the fragment data when `fragment` is set).
    pub payload: &'a [u8],
    /// The Fragment header, if the walk stopped at one.
    pub fragment: Option<Ipv6Fragment>,
    /// Number of extension headers walked (the Fragment header included).
    pub extension_headers: u8,
}

/// Walks extension headers starting with `next` over `bytes` (RFC 8200 section 4).
///
/// Errors: `Truncated` when a header is cut short, `Unsupported` after
/// [`MAX_EXTENSION_HEADERS`] headers.
pub fn walk_extension_headers(mut next: u8, mut bytes: &[u8]) -> Result<UpperLayer<'_>> {
    for walked in 0..=MAX_EXTENSION_HEADERS {
        let header_len = match next {
            next_header::HOP_BY_HOP
            | next_header::ROUTING
            | next_header::DESTINATION_OPTIONS
            | next_header::MOBILITY
            | next_header::HIP
            | next_header::SHIM6 => {
                // RFC 8200 section 4.3: Hdr Ext Len in 8-octet units, not counting the first 8.
                need(bytes, 2, "IPv6 extension header")?;
                (usize::from(bytes[1]) + 1) * 8
            }
            next_header::AUTHENTICATION => {
                // RFC 4302 section 2.2: Payload Len in 4-octet units, minus 2.
                need(bytes, 2, "IPv6 authentication header")?;
                (usize::from(bytes[1]) + 2) * 4
            }
            next_header::FRAGMENT => {
                need(bytes, field::FRAG_LEN, "IPv6 fragment header")?;
                let word = be16(bytes, field::FRAG_OFFSET_FLAGS);
                return Ok(UpperLayer {
                    protocol: bytes[0],
                    payload: &bytes[field::FRAG_LEN..],
                    fragment: Some(Ipv6Fragment {
                        id: be32(bytes, field::FRAG_IDENTIFICATION),
                        offset: usize::from(word >> 3) * 8,
                        more_fragments: word & 1 != 0,
                    }),
                    extension_headers: walked as u8 + 1,
                });
            }
            upper => {
                // An upper-layer protocol, ESP or No Next Header (59, payload ignored).
                let payload = if upper == next_header::NO_NEXT_HEADER {
                    &bytes[..0]
                } else {
                    bytes
                };
                return Ok(UpperLayer {
                    protocol: upper,
                    payload,
                    fragment: None,
                    extension_headers: walked as u8,
                });
            }
        };
        if walked == MAX_EXTENSION_HEADERS {
            break;
        }
        need(bytes, header_len, "IPv6 extension header")?;
        next = bytes[0];
        bytes = &bytes[header_len..];
    }
    Err(WireError::Unsupported("too many IPv6 extension headers"))
}

/// Borrowed, checked view of an IPv6 packet.
#[derive(Debug, Clone, Copy)]
pub struct Ipv6Packet<'a> {
    buffer: &'a [u8],
}

impl<'a> Ipv6Packet<'a> {
    /// Wraps `buffer` (padding included) after checking the 40-byte header and version 6.
    ///
    /// A Payload Length larger than the bytes captured is accepted: [`Self::missing_bytes`] tells
    /// how many are absent. A Payload Length of 0 (jumbogram, RFC 2675, or segmentation offload)
    /// means "all captured bytes".
    pub fn new_checked(buffer: &'a [u8]) -> Result<Self> {
        let buf = buffer;
        need(buf, field::HEADER_LEN, "IPv6 header")?;
        if buf[field::VER_TC_FLOW] >> 4 != 6 {
            return Err(WireError::Malformed("IPv6 version"));
        }
        Ok(Ipv6Packet { buffer })
    }

    fn buf(&self) -> &'a [u8] {
        self.buffer
    }

    /// Traffic class.
    pub fn traffic_class(&self) -> u8 {
        ((be16(self.buf(), field::VER_TC_FLOW) >> 4) & 0xff) as u8
    }

    /// Flow label (20 bits).
    pub fn flow_label(&self) -> u32 {
        be32(self.buf(), field::VER_TC_FLOW) & 0x000f_ffff
    }

    /// Payload Length field as written.
    pub fn payload_len(&self) -> u16 {
        be16(self.buf(), field::PAYLOAD_LENGTH)
    }

    /// Next Header of the fixed header.
    pub fn next_header(&self) -> u8 {
        self.buf()[field::NEXT_HEADER]
    }

    /// Hop limit.
    pub fn hop_limit(&self) -> u8 {
        self.buf()[field::HOP_LIMIT]
    }

    /// Source address.
    pub fn src(&self) -> Ipv6Addr {
        addr_at(self.buf(), field::SOURCE.start)
    }

    /// Destination address.
    pub fn dst(&self) -> Ipv6Addr {
        addr_at(self.buf(), field::DESTINATION.start)
    }

    /// Payload length the header declares (captured length when the field is 0).
    pub fn declared_payload_len(&self) -> usize {
        match usize::from(self.payload_len()) {
            0 => self.buf().len() - field::HEADER_LEN,
            len => len,
        }
    }

    /// Everything after the fixed header (extension headers included), bounded by Payload Length
    /// and by the capture. Link padding is never included.
    pub fn payload(&self) -> &'a [u8] {
        let end = (field::HEADER_LEN + self.declared_payload_len()).min(self.buf().len());
        &self.buf()[field::HEADER_LEN..end]
    }

    /// Payload bytes declared but absent from the capture.
    pub fn missing_bytes(&self) -> usize {
        self.declared_payload_len() - self.payload().len()
    }

    /// True when the capture holds the whole packet.
    pub fn is_complete(&self) -> bool {
        self.missing_bytes() == 0
    }

    /// Walks the extension headers of [`Self::payload`]: final protocol, its bytes and the
    /// Fragment header if one was met.
    pub fn upper_layer(&self) -> Result<UpperLayer<'a>> {
        walk_extension_headers(self.next_header(), self.payload())
    }
}

fn addr_at(buf: &[u8], at: usize) -> Ipv6Addr {
    let mut octets = [0u8; 16];
    octets.copy_from_slice(&buf[at..at + 16]);
    Ipv6Addr::from(octets)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// nDPI__dns_fragmented.pcap frame 5 (IPv6 part, cut after the first 8 UDP bytes): the first
    /// fragment of a DNS answer.
    const FIRST_FRAGMENT: [u8; 56] = [
        0x60, 0x07, 0x87, 0xfd, // version 6, traffic class 0, flow label 0x787fd
        0x05, 0xb0, // payload length 1456
        0x2c, // next header: Fragment
        0x40, // hop limit 64
        0x20, 0x01, 0x04, 0x70, 0x76, 0x5b, 0x00, 0x00, // src 2001:470:765b::a25:53
        0x00, 0x00, 0x00, 0x00, 0x0a, 0x25, 0x00, 0x53, //
        0x2a, 0x00, 0x14, 0x50, 0x40, 0x13, 0x0c, 0x03, // dst 2a00:1450:4013:c03::10a
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x0a, //
        0x11, 0x00, // fragment header: next header UDP, reserved
        0x00, 0x01, // offset 0, M = 1
        0x28, 0x40, 0x3c, 0x0b, // identification 0x28403c0b
        0x00, 0x35, 0xb5, 0x61, // UDP 53 -> 46433
        0x05, 0xe5, 0x14, 0x8e, // UDP length 1509, checksum
    ];

    /// zeek__ip6-ext-trunc.pcap frame 1 (IPv6 part): hop-by-hop declared, nothing captured.
    const EXT_TRUNCATED: [u8; 40] = [
        0x60, 0x00, 0x00, 0x00, // version 6
        0x00, 0x14, // payload length 20
        0x00, // next header: Hop-by-Hop
        0x40, // hop limit 64
        0x20, 0x01, 0x04, 0xf8, 0x00, 0x04, 0x00, 0x07, // src 2001:4f8:4:7:2e0:81ff:fe52:ffff
        0x02, 0xe0, 0x81, 0xff, 0xfe, 0x52, 0xff, 0xff, //
        0x20, 0x01, 0x04, 0xf8, 0x00, 0x04, 0x00, 0x07, // dst 2001:4f8:4:7:2e0:81ff:fe52:9a6b
        0x02, 0xe0, 0x81, 0xff, 0xfe, 0x52, 0x9a, 0x6b, //
    ];

    #[test]
    fn fixed_header_fields() {
        let ip = Ipv6Packet::new_checked(&FIRST_FRAGMENT[..]).unwrap();
        assert_eq!(ip.traffic_class(), 0);
        assert_eq!(ip.flow_label(), 0x787fd);
        assert_eq!(ip.payload_len(), 1456);
        assert_eq!(ip.next_header(), next_header::FRAGMENT);
        assert_eq!(ip.hop_limit(), 64);
        assert_eq!(
            ip.src(),
            "2001:470:765b::a25:53".parse::<Ipv6Addr>().unwrap()
        );
        assert_eq!(
            ip.dst(),
            "2a00:1450:4013:c03::10a".parse::<Ipv6Addr>().unwrap()
        );
        assert_eq!(ip.payload().len(), 16);
        assert_eq!(ip.missing_bytes(), 1440);
    }

    #[test]
    fn fragment_header_stops_the_walk() {
        let ip = Ipv6Packet::new_checked(&FIRST_FRAGMENT[..]).unwrap();
        let upper = ip.upper_layer().unwrap();
        assert_eq!(upper.protocol, 17);
        assert_eq!(upper.extension_headers, 1);
        assert_eq!(
            upper.fragment,
            Some(Ipv6Fragment {
                id: 0x2840_3c0b,
                offset: 0,
                more_fragments: true
            })
        );
        assert_eq!(upper.payload, &FIRST_FRAGMENT[48..]);
    }

    #[test]
    fn truncated_extension_header_is_an_error() {
        let ip = Ipv6Packet::new_checked(&EXT_TRUNCATED[..]).unwrap();
        assert_eq!(ip.missing_bytes(), 20);
        assert!(matches!(ip.upper_layer(), Err(WireError::Truncated { .. })));
    }

    #[test]
    fn walks_each_extension_header_kind() {
        // Hop-by-hop (8) -> routing (16) -> destination options (8) -> AH (12) -> mobility (8)
        // -> HIP (8) -> shim6 (8) -> TCP.
        let chain: &[u8] = &[
            43, 0, 1, 4, 0, 0, 0, 0, // hop-by-hop: next routing, len 0 (8 bytes), PadN
            60, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // routing: len 1 (16 bytes)
            51, 0, 1, 4, 0, 0, 0, 0, // destination options: next AH
            135, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // AH: payload len 1 -> (1+2)*4 = 12 bytes
            139, 0, 0, 0, 0, 0, 0, 0, // mobility: next HIP
            140, 0, 0, 0, 0, 0, 0, 0, // HIP: next shim6
            6, 0, 0, 0, 0, 0, 0, 0, // shim6: next TCP
            0xaa, 0xbb, // TCP bytes
        ];
        let upper = walk_extension_headers(next_header::HOP_BY_HOP, chain).unwrap();
        assert_eq!(upper.protocol, 6);
        assert_eq!(upper.extension_headers, 7);
        assert_eq!(upper.payload, &[0xaa, 0xbb]);
        assert_eq!(upper.fragment, None);
        for len in 0..chain.len() - 2 {
            assert!(
                walk_extension_headers(next_header::HOP_BY_HOP, &chain[..len]).is_err(),
                "length {len} accepted"
            );
        }
    }

    #[test]
    fn no_next_header_has_empty_payload() {
        let upper = walk_extension_headers(next_header::NO_NEXT_HEADER, &[1, 2, 3]).unwrap();
        assert_eq!(upper.protocol, 59);
        assert!(upper.payload.is_empty());
    }

    #[test]
    fn endless_chain_is_bounded() {
        let chain = [0u8; 8 * 20]; // hop-by-hop headers pointing at hop-by-hop
        assert_eq!(
            walk_extension_headers(next_header::HOP_BY_HOP, &chain),
            Err(WireError::Unsupported("too many IPv6 extension headers"))
        );
    }

    #[test]
    fn padding_is_trimmed_and_version_checked() {
        let mut bytes = [0u8; 50];
        bytes[0] = 0x60;
        bytes[5] = 4; // payload length 4
        bytes[6] = 17;
        let ip = Ipv6Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(ip.payload().len(), 4);
        assert!(ip.is_complete());
        bytes[0] = 0x40;
        assert!(Ipv6Packet::new_checked(&bytes[..]).is_err());
    }

    #[test]
    fn truncation_at_every_length() {
        for len in 0..40 {
            assert!(Ipv6Packet::new_checked(&FIRST_FRAGMENT[..len]).is_err());
        }
        for len in 40..48 {
            let ip = Ipv6Packet::new_checked(&FIRST_FRAGMENT[..len]).unwrap();
            assert!(ip.upper_layer().is_err(), "length {len} accepted");
        }
    }

    #[test]
    fn corpus_ext_trunc_file() {
        let Some((_, records)) = crate::wire::link::test_pcap::read("zeek__ip6-ext-trunc.pcap")
        else {
            return;
        };
        let l2 = crate::wire::link::decode(crate::capture::LinkType::Ethernet, &records[0].data)
            .unwrap();
        let crate::wire::link::Network::Ipv6(bytes) = l2.network else {
            panic!("expected IPv6");
        };
        assert_eq!(bytes, &EXT_TRUNCATED[..]);
        let ip = Ipv6Packet::new_checked(bytes).unwrap();
        assert!(ip.upper_layer().is_err());
    }
}
