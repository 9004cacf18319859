//! UDP datagram header (RFC 768): ports, length, payload.
//!
//! This module owns [`UdpPacket`]. The input is the IP payload as bounded by the IP layer (or a
//! reassembled datagram). The Length field is handled the way tshark 4.0 (`packet-udp.c`) does:
//!
//! - Length < 8 cannot hold the header: the datagram is refused (`Malformed`); tshark stops
//!   dissecting there too ("Bad length value < 8"). A Length of 0 is refused as well (IPv6
//!   jumbograms, RFC 2675, are not supported).
//! - Length > the bytes present: tshark marks it ("Bad length value > IP payload length") and
//!   still dissects the bytes that are there; we do the same: the view opens, the payload is
//!   everything present, and [`UdpPacket::length_exceeds_data`] is true. This is what a first IP
//!   fragment looks like before reassembly (its UDP Length covers all fragments, as in
//!   nDPI__dns_fragmented.pcap), and what a capture cut by its snap length looks like.
//! - Length < the bytes present: the payload stops at Length (trailing bytes are ignored).
//!
//! Fewer than 8 bytes present is `Truncated` (tcpdump__udp-length-heapoverflow.pcap holds 4).
//! The checksum is not verified.

use super::{be16, need, Result, WireError};

mod field {
    /// RFC 768: Source Port.
    pub const SRC_PORT: usize = 0;
    /// RFC 768: Destination Port.
    pub const DST_PORT: usize = 2;
    /// RFC 768: Length, header and data in octets.
    pub const LENGTH: usize = 4;
    /// RFC 768: Checksum.
    pub const CHECKSUM: usize = 6;
    /// Header length.
    pub const HEADER_LEN: usize = 8;
}

/// Borrowed, checked view of a UDP datagram.
#[derive(Debug, Clone, Copy)]
pub struct UdpPacket<'a> {
    buffer: &'a [u8],
}

impl<'a> UdpPacket<'a> {
    /// Wraps `buffer` (the IP payload). See the module doc for the Length rules.
    pub fn new_checked(buffer: &'a [u8]) -> Result<Self> {
        let buf = buffer;
        need(buf, field::HEADER_LEN, "UDP header")?;
        if usize::from(be16(buf, field::LENGTH)) < field::HEADER_LEN {
            return Err(WireError::Malformed("UDP length (< 8)"));
        }
        Ok(UdpPacket { buffer })
    }

    fn buf(&self) -> &'a [u8] {
        self.buffer
    }

    /// Source port.
    pub fn src_port(&self) -> u16 {
        be16(self.buf(), field::SRC_PORT)
    }

    /// Destination port.
    pub fn dst_port(&self) -> u16 {
        be16(self.buf(), field::DST_PORT)
    }

    /// Length field as written (header included).
    pub fn length(&self) -> u16 {
        be16(self.buf(), field::LENGTH)
    }

    /// Checksum field (not verified).
    pub fn checksum(&self) -> u16 {
        be16(self.buf(), field::CHECKSUM)
    }

    /// True when Length claims more bytes than are present (a first fragment, a cut capture, or
    /// a bogus length); the payload is then everything present.
    pub fn length_exceeds_data(&self) -> bool {
        usize::from(self.length()) > self.buf().len()
    }

    /// The data: bytes after the header up to Length, or to the end of the input if shorter.
    pub fn payload(&self) -> &'a [u8] {
        let end = usize::from(self.length()).min(self.buf().len());
        &self.buf()[field::HEADER_LEN..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// nDPI__dns.pcap frame 2 (UDP part): a DNS query for www.example.com, AAAA.
    const DNS_QUERY: [u8; 41] = [
        0x80, 0x1b, // source port 32795
        0x00, 0x35, // destination port 53
        0x00, 0x29, // length 41
        0x88, 0x61, // checksum
        0xbc, 0x1f, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, // DNS id, flags, 1 question
        0x00, 0x00, 0x00, 0x00, // no answers/authority/additional
        0x03, b'w', b'w', b'w', 0x07, b'e', b'x', b'a', b'm', b'p', b'l', b'e', // labels
        0x03, b'c', b'o', b'm', 0x00, // com, root
        0x00, 0x1c, 0x00, 0x01, // type AAAA, class IN
    ];

    #[test]
    fn header_fields_and_payload() {
        let udp = UdpPacket::new_checked(&DNS_QUERY[..]).unwrap();
        assert_eq!(udp.src_port(), 32795);
        assert_eq!(udp.dst_port(), 53);
        assert_eq!(udp.length(), 41);
        assert_eq!(udp.checksum(), 0x8861);
        assert!(!udp.length_exceeds_data());
        assert_eq!(udp.payload(), &DNS_QUERY[8..]);
    }

    #[test]
    fn length_shorter_than_data_trims_payload() {
        let mut bytes = DNS_QUERY;
        bytes[4..6].copy_from_slice(&[0x00, 0x0a]); // length 10
        let udp = UdpPacket::new_checked(&bytes[..]).unwrap();
        assert_eq!(udp.payload(), &[0xbc, 0x1f]);
    }

    #[test]
    fn length_longer_than_data_keeps_what_is_there() {
        // As in a first IP fragment: Length covers the whole reassembled datagram.
        let mut bytes = DNS_QUERY;
        bytes[4..6].copy_from_slice(&[0x06, 0xae]); // length 1710
        let udp = UdpPacket::new_checked(&bytes[..]).unwrap();
        assert!(udp.length_exceeds_data());
        assert_eq!(udp.payload().len(), 33);
    }

    #[test]
    fn length_below_header_is_malformed() {
        let mut bytes = DNS_QUERY;
        for bad in [0u8, 1, 7] {
            bytes[4..6].copy_from_slice(&[0x00, bad]);
            assert_eq!(
                UdpPacket::new_checked(&bytes[..]).unwrap_err(),
                WireError::Malformed("UDP length (< 8)")
            );
        }
        bytes[4..6].copy_from_slice(&[0x00, 8]);
        assert!(UdpPacket::new_checked(&bytes[..])
            .unwrap()
            .payload()
            .is_empty());
    }

    #[test]
    fn truncation_at_every_length() {
        for len in 0..8 {
            assert!(UdpPacket::new_checked(&DNS_QUERY[..len]).is_err());
        }
        for len in 8..DNS_QUERY.len() {
            let udp = UdpPacket::new_checked(&DNS_QUERY[..len]).unwrap();
            assert_eq!(udp.payload().len(), len - 8);
            assert!(udp.length_exceeds_data());
        }
    }

    #[test]
    fn corpus_udp_length_heapoverflow() {
        // 38 bytes captured of a 262144-byte frame: Ethernet, IPv4 (total length 12336), and
        // only 4 bytes of the UDP header.
        use crate::wire::{ipv4::Ipv4Packet, link};
        let Some((_, records)) = link::test_pcap::read("tcpdump__udp-length-heapoverflow.pcap")
        else {
            return;
        };
        let l2 = link::decode(crate::capture::LinkType::Ethernet, &records[0].data).unwrap();
        let link::Network::Ipv4(bytes) = l2.network else {
            panic!("expected IPv4");
        };
        let ip = Ipv4Packet::new_checked(bytes).unwrap();
        assert_eq!(ip.payload().len(), 4);
        assert_eq!(ip.missing_bytes(), 12336 - 20 - 4);
        assert!(matches!(
            UdpPacket::new_checked(ip.payload()),
            Err(WireError::Truncated {
                need: 8,
                have: 4,
                ..
            })
        ));
    }
}
