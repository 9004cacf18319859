//! TCP segment header (RFC 9293 section 3.1): ports, sequence numbers, flags, window, payload.
//!
//! This module owns [`TcpPacket`]. Options are skipped (the data offset is honoured, the option
//! bytes are not interpreted). The checksum is not verified (offloaded in host captures). The
//! input is the IP payload as bounded by the IP layer, so the TCP payload is exactly what follows
//! the header.

use super::{be16, be32, need, Result, WireError};

/// TCP flag bits (RFC 9293 section 3.1, RFC 3168 for CWR/ECE).
pub mod flags {
    /// No more data from sender.
    pub const FIN: u16 = 0x001;
    /// Synchronize sequence numbers.
    pub const SYN: u16 = 0x002;
    /// Reset the connection.
    pub const RST: u16 = 0x004;
    /// Push function.
    pub const PSH: u16 = 0x008;
    /// Acknowledgment field is significant.
    pub const ACK: u16 = 0x010;
    /// Urgent pointer field is significant.
    pub const URG: u16 = 0x020;
    /// ECN-Echo (RFC 3168).
    pub const ECE: u16 = 0x040;
    /// Congestion Window Reduced (RFC 3168).
    pub const CWR: u16 = 0x080;
}

pub mod field {
    /// RFC 9293 section 3.1: Source Port.
    pub const SRC_PORT: usize = 0;
    /// RFC 9293 section 3.1: Destination Port.
    pub const DST_PORT: usize = 2;
    /// RFC 9293 section 3.1: Sequence Number.
    pub const SEQ_NUM: usize = 4;
    /// RFC 9293 section 3.1: Acknowledgment Number.
    pub const ACK_NUM: usize = 8;
    /// RFC 9293 section 3.1: Data Offset (4 bits, 32-bit words), reserved (4 bits), flags (8).
    pub const OFFSET_FLAGS: usize = 12;
    /// RFC 9293 section 3.1: Window.
    pub const WINDOW: usize = 14;
    /// RFC 9293 section 3.1: Urgent Pointer.
    pub const URGENT: usize = 18;
    /// Header length without options (data offset 5).
    pub const MIN_HEADER_LEN: usize = 20;
}

/// Borrowed, checked view of a TCP segment.
#[derive(Debug, Clone, Copy)]
pub struct TcpPacket<'a> {
    buffer: &'a [u8],
}

impl<'a> TcpPacket<'a> {
    /// Wraps `buffer` (the IP payload).
    ///
    /// Errors: `Truncated` when the 20-byte header or the options announced by the data offset
    /// are not all there; `Malformed` when the data offset is below 5.
    pub fn new_checked(buffer: &'a [u8]) -> Result<Self> {
        let buf = buffer;
        need(buf, field::MIN_HEADER_LEN, "TCP header")?;
        let header_len = usize::from(buf[field::OFFSET_FLAGS] >> 4) * 4;
        if header_len < field::MIN_HEADER_LEN {
            return Err(WireError::Malformed("TCP data offset (< 5)"));
        }
        need(buf, header_len, "TCP options")?;
        Ok(TcpPacket { buffer })
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

    /// Sequence number.
    pub fn seq(&self) -> u32 {
        be32(self.buf(), field::SEQ_NUM)
    }

    /// Acknowledgment number (meaningful when ACK is set).
    pub fn ack(&self) -> u32 {
        be32(self.buf(), field::ACK_NUM)
    }

    /// Header length in bytes (data offset * 4), options included.
    pub fn header_len(&self) -> usize {
        usize::from(self.buf()[field::OFFSET_FLAGS] >> 4) * 4
    }

    /// The flag bits (see [`flags`]); the AE/NS bit is not included.
    pub fn flags(&self) -> u16 {
        u16::from(self.buf()[field::OFFSET_FLAGS + 1])
    }

    /// SYN flag.
    pub fn syn(&self) -> bool {
        self.flags() & flags::SYN != 0
    }

    /// FIN flag.
    pub fn fin(&self) -> bool {
        self.flags() & flags::FIN != 0
    }

    /// RST flag.
    pub fn rst(&self) -> bool {
        self.flags() & flags::RST != 0
    }

    /// ACK flag.
    pub fn ack_flag(&self) -> bool {
        self.flags() & flags::ACK != 0
    }

    /// Window (not scaled).
    pub fn window(&self) -> u16 {
        be16(self.buf(), field::WINDOW)
    }

    /// Urgent pointer.
    pub fn urgent(&self) -> u16 {
        be16(self.buf(), field::URGENT)
    }

    /// Option bytes.
    pub fn options(&self) -> &'a [u8] {
        &self.buf()[field::MIN_HEADER_LEN..self.header_len()]
    }

    /// Segment data after the header.
    pub fn payload(&self) -> &'a [u8] {
        &self.buf()[self.header_len()..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// zeek__pppoe-over-qinq.pcap frame 1 (TCP part): SYN with MSS, WS, timestamps, SACK-permitted.
    const SYN_WITH_OPTIONS: [u8; 44] = [
        0x4f, 0xaa, // source port 20394
        0x01, 0xbb, // destination port 443
        0xd7, 0xa8, 0x41, 0x55, // sequence number
        0x00, 0x00, 0x00, 0x00, // acknowledgment number 0
        0xb0, 0x02, // data offset 11 (44 bytes), flags SYN
        0xff, 0xff, // window 65535
        0xec, 0xed, // checksum (not verified)
        0x00, 0x00, // urgent pointer
        0x02, 0x04, 0x05, 0xa0, // MSS 1440
        0x01, 0x03, 0x03, 0x06, // NOP, window scale 6
        0x01, 0x01, 0x08, 0x0a, // NOP, NOP, timestamps
        0x01, 0x2d, 0xd8, 0x8c, // TSval 19781772
        0x00, 0x00, 0x00, 0x00, // TSecr 0
        0x04, 0x02, 0x00, 0x00, // SACK permitted, end of option list
    ];

    /// A data segment: ACK|PSH with 3 payload bytes.
    const DATA: [u8; 23] = [
        0x00, 0x50, 0xe9, 0xd0, // ports 80 -> 59856
        0x00, 0x00, 0x00, 0x01, // seq 1
        0x00, 0x00, 0x00, 0x89, // ack 137
        0x50, 0x18, // data offset 5, ACK|PSH
        0x3d, 0x00, 0x00, 0x00, 0x00, 0x00, // window 15616, checksum, urgent
        b'H', b'T', b'T', // payload
    ];

    #[test]
    fn syn_fields() {
        let tcp = TcpPacket::new_checked(&SYN_WITH_OPTIONS[..]).unwrap();
        assert_eq!(tcp.src_port(), 20394);
        assert_eq!(tcp.dst_port(), 443);
        assert_eq!(tcp.seq(), 0xd7a8_4155);
        assert_eq!(tcp.ack(), 0);
        assert_eq!(tcp.header_len(), 44);
        assert!(tcp.syn() && !tcp.ack_flag() && !tcp.fin() && !tcp.rst());
        assert_eq!(tcp.window(), 65535);
        assert_eq!(tcp.urgent(), 0);
        assert_eq!(tcp.options().len(), 24);
        assert!(tcp.payload().is_empty());
    }

    #[test]
    fn data_segment_payload() {
        let tcp = TcpPacket::new_checked(&DATA[..]).unwrap();
        assert_eq!(tcp.flags(), flags::ACK | flags::PSH);
        assert_eq!(tcp.ack(), 137);
        assert_eq!(tcp.window(), 15616);
        assert_eq!(tcp.payload(), b"HTT");
    }

    #[test]
    fn data_offset_below_five_is_malformed() {
        let mut bytes = DATA;
        bytes[12] = 0x40;
        assert_eq!(
            TcpPacket::new_checked(&bytes[..]).unwrap_err(),
            WireError::Malformed("TCP data offset (< 5)")
        );
    }

    #[test]
    fn truncation_at_every_length() {
        for len in 0..SYN_WITH_OPTIONS.len() {
            assert!(TcpPacket::new_checked(&SYN_WITH_OPTIONS[..len]).is_err());
        }
        for len in 0..20 {
            assert!(TcpPacket::new_checked(&DATA[..len]).is_err());
        }
        assert!(TcpPacket::new_checked(&DATA[..20])
            .unwrap()
            .payload()
            .is_empty());
    }
}
