//! IPv4 header (RFC 791): addresses, protocol, fragmentation fields and the payload slice.
//!
//! This module owns [`Ipv4Packet`]. Its payload is bounded by the Total Length field, so link
//! padding never leaks into the transport layer; when the capture holds fewer bytes than Total
//! Length (snap length, cut file) the view still opens and [`Ipv4Packet::missing_bytes`] says how
//! many are absent. The header checksum is not verified: captures taken on the sending host carry
//! offloaded (unfilled) checksums.

use std::net::Ipv4Addr;

use super::{be16, need, Result, WireError};

/// IP protocol numbers used by the engine (IANA "Assigned Internet Protocol Numbers").
pub mod protocol {
    /// ICMP (RFC 792).
    pub const ICMP: u8 = 1;
    /// TCP (RFC 9293).
    pub const TCP: u8 = 6;
    /// UDP (RFC 768).
    pub const UDP: u8 = 17;
    /// ICMPv6 (RFC 4443).
    pub const ICMPV6: u8 = 58;
}

mod field {
    use core::ops::Range;
    /// RFC 791 section 3.1: Version (4 bits) and IHL (4 bits, in 32-bit words).
    pub const VER_IHL: usize = 0;
    /// RFC 791 section 3.1: Total Length, header and data in octets.
    pub const TOTAL_LENGTH: usize = 2;
    /// RFC 791 section 3.1: Identification.
    pub const IDENTIFICATION: usize = 4;
    /// RFC 791 section 3.1: Flags (3 bits: 0, DF, MF) and Fragment Offset (13 bits, 8-octet units).
    pub const FLAGS_FRAGMENT: usize = 6;
    /// RFC 791 section 3.1: Time to Live.
    pub const TTL: usize = 8;
    /// RFC 791 section 3.1: Protocol.
    pub const PROTOCOL: usize = 9;
    /// RFC 791 section 3.1: Source Address.
    pub const SOURCE: Range<usize> = 12..16;
    /// RFC 791 section 3.1: Destination Address.
    pub const DESTINATION: Range<usize> = 16..20;
    /// Length of the header without options (IHL = 5).
    pub const MIN_HEADER_LEN: usize = 20;
}

/// The fragmentation fields of an IPv4 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Fragment {
    /// Identification.
    pub id: u16,
    /// Offset of this fragment's data in the original datagram, in bytes.
    pub offset: usize,
    /// More Fragments flag.
    pub more_fragments: bool,
    /// Don't Fragment flag.
    pub dont_fragment: bool,
}

impl Ipv4Fragment {
    /// True when this packet is a piece of a larger datagram (offset > 0 or MF set).
    pub fn is_fragment(&self) -> bool {
        self.offset != 0 || self.more_fragments
    }
}

/// Borrowed, checked view of an IPv4 packet.
#[derive(Debug, Clone, Copy)]
pub struct Ipv4Packet<'a> {
    buffer: &'a [u8],
}

impl<'a> Ipv4Packet<'a> {
    /// Wraps `buffer` (the packet as handed over by the link layer, padding included).
    ///
    /// Errors: `Truncated` when the 20-byte header or the options announced by IHL are not all
    /// there; `Malformed` when the version is not 4, IHL < 5, or Total Length is smaller than the
    /// header (a Total Length of 0, written by TCP segmentation offload, is accepted and means
    /// "all captured bytes").
    pub fn new_checked(buffer: &'a [u8]) -> Result<Self> {
        let buf = buffer;
        need(buf, field::MIN_HEADER_LEN, "IPv4 header")?;
        if buf[field::VER_IHL] >> 4 != 4 {
            return Err(WireError::Malformed("IPv4 version"));
        }
        let header_len = usize::from(buf[field::VER_IHL] & 0x0f) * 4;
        if header_len < field::MIN_HEADER_LEN {
            return Err(WireError::Malformed("IPv4 header length (IHL < 5)"));
        }
        need(buf, header_len, "IPv4 options")?;
        let total = usize::from(be16(buf, field::TOTAL_LENGTH));
        if total != 0 && total < header_len {
            return Err(WireError::Malformed(
                "IPv4 total length shorter than header",
            ));
        }
        Ok(Ipv4Packet { buffer })
    }

    fn buf(&self) -> &'a [u8] {
        self.buffer
    }

    /// Header length in bytes (IHL * 4), options included.
    pub fn header_len(&self) -> usize {
        usize::from(self.buf()[field::VER_IHL] & 0x0f) * 4
    }

    /// Total Length field as written (0 under TCP segmentation offload).
    pub fn total_len(&self) -> u16 {
        be16(self.buf(), field::TOTAL_LENGTH)
    }

    /// Length of the datagram this header declares: Total Length, or the captured bytes when the
    /// field is 0.
    fn declared_len(&self) -> usize {
        match usize::from(self.total_len()) {
            0 => self.buf().len(),
            total => total,
        }
    }

    /// Options bytes (between the fixed header and the payload).
    pub fn options(&self) -> &'a [u8] {
        &self.buf()[field::MIN_HEADER_LEN..self.header_len()]
    }

    /// Protocol of the payload (see [`protocol`]).
    pub fn protocol(&self) -> u8 {
        self.buf()[field::PROTOCOL]
    }

    /// Time to live.
    pub fn ttl(&self) -> u8 {
        self.buf()[field::TTL]
    }

    /// Source address.
    pub fn src(&self) -> Ipv4Addr {
        addr_at(self.buf(), field::SOURCE.start)
    }

    /// Destination address.
    pub fn dst(&self) -> Ipv4Addr {
        addr_at(self.buf(), field::DESTINATION.start)
    }

    /// Identification, flags and fragment offset.
    pub fn fragment(&self) -> Ipv4Fragment {
        let word = be16(self.buf(), field::FLAGS_FRAGMENT);
        Ipv4Fragment {
            id: be16(self.buf(), field::IDENTIFICATION),
            offset: usize::from(word & 0x1fff) * 8,
            more_fragments: word & 0x2000 != 0,
            dont_fragment: word & 0x4000 != 0,
        }
    }

    /// The payload: bytes after the header up to Total Length, or up to the end of the capture
    /// when it was cut short. Link padding is never included.
    pub fn payload(&self) -> &'a [u8] {
        let end = self.declared_len().min(self.buf().len());
        &self.buf()[self.header_len()..end]
    }

    /// Payload length Total Length declares (what was on the wire).
    pub fn declared_payload_len(&self) -> usize {
        self.declared_len() - self.header_len()
    }

    /// Payload bytes declared but absent from the capture (0 for a complete packet).
    pub fn missing_bytes(&self) -> usize {
        self.declared_payload_len() - self.payload().len()
    }

    /// True when the capture holds the whole datagram.
    pub fn is_complete(&self) -> bool {
        self.missing_bytes() == 0
    }
}

fn addr_at(buf: &[u8], at: usize) -> Ipv4Addr {
    Ipv4Addr::new(buf[at], buf[at + 1], buf[at + 2], buf[at + 3])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// tcpdump__ipv4_invalid_hdr_length.pcap frame 1 (IPv4 part): IHL 4, i.e. 16 bytes.
    const BOGUS_IHL: [u8; 20] = [
        0x44, // version 4, IHL 4 (16 bytes, below the 20-byte minimum)
        0x00, 0x00, 0x54, // DSCP, total length 84
        0xf1, 0xa6, 0x00, 0x00, // id 0xf1a6, no flags
        0x40, 0x11, 0x45, 0x94, // TTL 64, UDP, checksum
        0x8c, 0xd3, 0x09, 0xce, // src 140.211.9.206
        0x2d, 0x21, 0x7f, 0x9c, // dst 45.33.127.156
    ];

    /// nDPI__dns_fragmented.pcap frame 3 (IPv4 part): the last fragment of a DNS answer.
    const LAST_FRAGMENT: [u8; 28] = [
        0x45, 0x00, // version 4, IHL 5; DSCP 0
        0x00, 0xfa, // total length 250
        0xd0, 0xfe, // identification 0xd0fe
        0x00, 0xb9, // flags 0, fragment offset 185 (1480 bytes)
        0x40, 0x11, // TTL 64, protocol UDP
        0x2e, 0x0f, // checksum (not verified)
        0xc1, 0x18, 0xe3, 0xee, // src 193.24.227.238
        0xac, 0xd9, 0x28, 0x4c, // dst 172.217.40.76
        0x92, 0x56, 0x69, 0x0f, 0x05, 0x4b, 0xdb, 0x48, // first 8 of 230 payload bytes
    ];

    /// A header with one option word (IHL 6) and padding after Total Length.
    const WITH_OPTIONS: [u8; 30] = [
        0x46, 0x00, 0x00, 0x1a, // IHL 6 (24 bytes), total length 26
        0x12, 0x34, 0x40, 0x00, // id 0x1234, DF
        0x01, 0x06, 0x00, 0x00, // TTL 1, TCP, checksum
        0x0a, 0x00, 0x00, 0x01, // src 10.0.0.1
        0x0a, 0x00, 0x00, 0x02, // dst 10.0.0.2
        0x94, 0x04, 0x00, 0x00, // Router Alert option
        0xaa, 0xbb, // payload (2 bytes)
        0x00, 0x00, 0x00, 0x00, // Ethernet padding
    ];

    #[test]
    fn header_fields_and_padding_trimmed() {
        let ip = Ipv4Packet::new_checked(&WITH_OPTIONS[..]).unwrap();
        assert_eq!(ip.header_len(), 24);
        assert_eq!(ip.options(), &[0x94, 0x04, 0x00, 0x00]);
        assert_eq!(ip.protocol(), protocol::TCP);
        assert_eq!(ip.ttl(), 1);
        assert_eq!(ip.src(), Ipv4Addr::new(10, 0, 0, 1));
        assert_eq!(ip.dst(), Ipv4Addr::new(10, 0, 0, 2));
        assert_eq!(ip.payload(), &[0xaa, 0xbb]);
        assert!(ip.is_complete());
        let frag = ip.fragment();
        assert_eq!(frag.id, 0x1234);
        assert!(frag.dont_fragment);
        assert!(!frag.is_fragment());
    }

    #[test]
    fn fragment_fields_and_truncated_capture() {
        let ip = Ipv4Packet::new_checked(&LAST_FRAGMENT[..]).unwrap();
        let frag = ip.fragment();
        assert_eq!(frag.id, 0xd0fe);
        assert_eq!(frag.offset, 1480);
        assert!(!frag.more_fragments);
        assert!(frag.is_fragment());
        assert_eq!(ip.protocol(), protocol::UDP);
        assert_eq!(ip.src(), Ipv4Addr::new(193, 24, 227, 238));
        // Only 8 of the 230 declared payload bytes are in this fixture.
        assert_eq!(ip.payload().len(), 8);
        assert_eq!(ip.declared_payload_len(), 230);
        assert_eq!(ip.missing_bytes(), 222);
        assert!(!ip.is_complete());
    }

    #[test]
    fn ihl_below_five_is_malformed() {
        assert_eq!(
            Ipv4Packet::new_checked(&BOGUS_IHL[..]).unwrap_err(),
            WireError::Malformed("IPv4 header length (IHL < 5)")
        );
    }

    #[test]
    fn ihl_beyond_capture_is_truncated() {
        let mut bytes = WITH_OPTIONS;
        bytes[0] = 0x4f; // IHL 15 = 60 bytes, more than the 30 present
        assert!(matches!(
            Ipv4Packet::new_checked(&bytes[..]),
            Err(WireError::Truncated { need: 60, .. })
        ));
    }

    #[test]
    fn total_length_checks() {
        let mut bytes = WITH_OPTIONS;
        bytes[2..4].copy_from_slice(&[0x00, 0x10]); // 16 < header 24
        assert!(Ipv4Packet::new_checked(&bytes[..]).is_err());
        bytes[2..4].copy_from_slice(&[0x00, 0x00]); // TSO: 0 means "what was captured"
        let ip = Ipv4Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(ip.payload().len(), 6);
        assert!(ip.is_complete());
    }

    #[test]
    fn wrong_version_is_malformed() {
        let mut bytes = WITH_OPTIONS;
        bytes[0] = 0x66;
        assert!(Ipv4Packet::new_checked(&bytes[..]).is_err());
    }

    #[test]
    fn truncation_at_every_length() {
        for len in 0..24 {
            assert!(Ipv4Packet::new_checked(&WITH_OPTIONS[..len]).is_err());
        }
        // From the end of the options on, the view opens and reports what is missing.
        let ip = Ipv4Packet::new_checked(&WITH_OPTIONS[..25]).unwrap();
        assert_eq!(ip.missing_bytes(), 1);
    }

    #[test]
    fn corpus_invalid_header_length_file() {
        let Some((_, records)) =
            crate::wire::link::test_pcap::read("tcpdump__ipv4_invalid_hdr_length.pcap")
        else {
            return;
        };
        let l2 = crate::wire::link::decode(crate::capture::LinkType::Ethernet, &records[0].data)
            .unwrap();
        let crate::wire::link::Network::Ipv4(bytes) = l2.network else {
            panic!("expected IPv4");
        };
        assert_eq!(bytes[..20], BOGUS_IHL);
        assert!(Ipv4Packet::new_checked(bytes).is_err());
    }
}
