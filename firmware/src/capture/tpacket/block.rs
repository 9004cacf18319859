//! The block walk: reads a TPACKET_V3 block (a `tpacket_block_desc` header, then frames each
//! behind a `tpacket3_hdr`) from a byte slice, in place, with every offset bounds-checked.
//!
//! Layouts from `linux/if_packet.h` (host byte order; checked against libc's structs below):
//!
//! ```text
//! tpacket_block_desc (48 bytes)       tpacket3_hdr (48 bytes)
//!  0 version          u32              0 tp_next_offset u32  (0 on the last frame)
//!  4 offset_to_priv   u32              4 tp_sec         u32
//!  8 block_status     u32              8 tp_nsec        u32
//! 12 num_pkts         u32             12 tp_snaplen     u32  (bytes in the ring)
//! 16 offset_to_first  u32             16 tp_len         u32  (bytes on the wire)
//! 20 blk_len          u32             20 tp_status      u32  (TP_STATUS_VLAN_VALID ...)
//! 24 seq_num          u64             24 tp_mac         u16  (frame start, from the header)
//! 32 ts_first_pkt     2 x u32         26 tp_net         u16
//! 40 ts_last_pkt      2 x u32         28 tp_rxhash      u32
//!                                     32 tp_vlan_tci    u32
//!                                     36 tp_vlan_tpid   u16
//! ```
//!
//! A frame whose header or bytes would fall outside the block ends the walk with an error: the
//! kernel never writes one, so it means the geometry is not what we think.

use core::mem::{offset_of, size_of};

use crate::capture::{Frame, LinkType, Port, Timestamp, VlanTag};

/// Length of the block header (`struct tpacket_block_desc`).
pub const BLOCK_HEADER_LEN: usize = size_of::<libc::tpacket_block_desc>();
/// Length of a frame header (`struct tpacket3_hdr`).
pub const FRAME_HEADER_LEN: usize = size_of::<libc::tpacket3_hdr>();

/// Byte offsets of the fields we read.
pub(crate) mod field {
    use super::*;

    /// Block: `hdr.bh1.block_status` (the word the kernel and we hand the block over with).
    pub const BLOCK_STATUS: usize =
        offset_of!(libc::tpacket_block_desc, hdr) + offset_of!(libc::tpacket_hdr_v1, block_status);
    /// Block: frames in it.
    pub const NUM_PKTS: usize =
        offset_of!(libc::tpacket_block_desc, hdr) + offset_of!(libc::tpacket_hdr_v1, num_pkts);
    /// Block: offset of the first frame header from the block start.
    pub const FIRST_PKT: usize = offset_of!(libc::tpacket_block_desc, hdr)
        + offset_of!(libc::tpacket_hdr_v1, offset_to_first_pkt);
    /// Block: sequence number of the block since the ring was set up.
    pub const SEQ_NUM: usize =
        offset_of!(libc::tpacket_block_desc, hdr) + offset_of!(libc::tpacket_hdr_v1, seq_num);

    /// Frame: offset of the next frame header from this one.
    pub const NEXT: usize = offset_of!(libc::tpacket3_hdr, tp_next_offset);
    /// Frame: seconds of the capture time.
    pub const SEC: usize = offset_of!(libc::tpacket3_hdr, tp_sec);
    /// Frame: nanoseconds of the capture time.
    pub const NSEC: usize = offset_of!(libc::tpacket3_hdr, tp_nsec);
    /// Frame: bytes stored.
    pub const SNAPLEN: usize = offset_of!(libc::tpacket3_hdr, tp_snaplen);
    /// Frame: bytes on the wire (without a stripped VLAN tag).
    pub const LEN: usize = offset_of!(libc::tpacket3_hdr, tp_len);
    /// Frame: status flags.
    pub const STATUS: usize = offset_of!(libc::tpacket3_hdr, tp_status);
    /// Frame: offset of the link-layer header from the frame header.
    pub const MAC: usize = offset_of!(libc::tpacket3_hdr, tp_mac);
    /// Frame: stripped VLAN tag control information.
    pub const VLAN_TCI: usize =
        offset_of!(libc::tpacket3_hdr, hv1) + offset_of!(libc::tpacket_hdr_variant1, tp_vlan_tci);
    /// Frame: stripped VLAN tag protocol identifier.
    pub const VLAN_TPID: usize =
        offset_of!(libc::tpacket3_hdr, hv1) + offset_of!(libc::tpacket_hdr_variant1, tp_vlan_tpid);
}

// The table in the module documentation, checked.
const _: () = {
    assert!(BLOCK_HEADER_LEN == 48 && FRAME_HEADER_LEN == 48);
    assert!(field::BLOCK_STATUS == 8 && field::NUM_PKTS == 12 && field::FIRST_PKT == 16);
    assert!(field::SEQ_NUM == 24);
    assert!(field::NEXT == 0 && field::SEC == 4 && field::NSEC == 8 && field::SNAPLEN == 12);
    assert!(field::LEN == 16 && field::STATUS == 20 && field::MAC == 24);
    assert!(field::VLAN_TCI == 32 && field::VLAN_TPID == 36);
};

/// 802.1Q, the TPID assumed when the kernel says a tag is valid but not which TPID it had.
const TPID_8021Q: u16 = 0x8100;

/// The walk met a frame header or frame outside its block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadBlock {
    /// Offset of the offending frame header in the block.
    pub offset: usize,
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_ne_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// A block the kernel handed to us, read in place.
#[derive(Debug, Clone, Copy)]
pub struct Block<'a> {
    bytes: &'a [u8],
}

impl<'a> Block<'a> {
    /// Wraps the bytes of one whole block; `None` if they cannot hold a block header.
    pub fn new(bytes: &'a [u8]) -> Option<Self> {
        (bytes.len() >= BLOCK_HEADER_LEN).then_some(Block { bytes })
    }

    /// Frames in the block.
    pub fn num_packets(&self) -> u32 {
        u32_at(self.bytes, field::NUM_PKTS)
    }

    /// The block's sequence number (counts blocks since the ring was set up).
    pub fn seq_num(&self) -> u64 {
        let mut word = [0u8; 8];
        word.copy_from_slice(&self.bytes[field::SEQ_NUM..field::SEQ_NUM + 8]);
        u64::from_ne_bytes(word)
    }

    /// Offset of the first frame header.
    pub fn first_offset(&self) -> usize {
        u32_at(self.bytes, field::FIRST_PKT) as usize
    }

    /// Reads the frame whose header is at `offset`, for `port`; returns it and the offset of the
    /// next header (meaningful only if more frames remain in the block).
    pub fn frame_at(&self, offset: usize, port: Port) -> Result<(Frame<'a>, usize), BadBlock> {
        let bad = BadBlock { offset };
        let b = self.bytes;
        let end = offset.checked_add(FRAME_HEADER_LEN).ok_or(bad)?;
        if offset < BLOCK_HEADER_LEN || end > b.len() {
            return Err(bad);
        }
        let h = &b[offset..end];
        let snaplen = u32_at(h, field::SNAPLEN) as usize;
        let data_start = offset + usize::from(u16_at(h, field::MAC));
        let data = data_start
            .checked_add(snaplen)
            .and_then(|data_end| b.get(data_start..data_end))
            .ok_or(bad)?;
        let status = u32_at(h, field::STATUS);
        let stripped_vlan = (status & libc::TP_STATUS_VLAN_VALID != 0).then(|| VlanTag {
            tci: u32_at(h, field::VLAN_TCI) as u16,
            tpid: if status & libc::TP_STATUS_VLAN_TPID_VALID != 0 {
                u16_at(h, field::VLAN_TPID)
            } else {
                TPID_8021Q
            },
        });
        // The wire length counts the tag the kernel took off (see `Frame::stripped_vlan`).
        let tag_len = if stripped_vlan.is_some() { 4 } else { 0 };
        let wire_len = u32_at(h, field::LEN)
            .saturating_add(tag_len)
            .max(data.len() as u32 + tag_len);
        let frame = Frame {
            data,
            wire_len,
            ts: Timestamp::from_parts(
                u64::from(u32_at(h, field::SEC)),
                u64::from(u32_at(h, field::NSEC)),
            ),
            link: LinkType::Ethernet,
            port: Some(port),
            stripped_vlan,
        };
        Ok((frame, offset + u32_at(h, field::NEXT) as usize))
    }

    /// The capture time of the frame whose header is at `offset`, without reading the frame.
    pub fn ts_at(&self, offset: usize) -> Result<Timestamp, BadBlock> {
        let b = self.bytes;
        if offset < BLOCK_HEADER_LEN || offset.saturating_add(FRAME_HEADER_LEN) > b.len() {
            return Err(BadBlock { offset });
        }
        Ok(Timestamp::from_parts(
            u64::from(u32_at(b, offset + field::SEC)),
            u64::from(u32_at(b, offset + field::NSEC)),
        ))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// One frame to put in a test block: its bytes, its second, and a stripped (TCI, TPID).
    pub(crate) type TestFrame<'a> = (&'a [u8], u32, Option<(u16, u16)>);

    /// Builds a block the way the kernel lays one out: header, then each frame behind a 48-byte
    /// header at `TPACKET_ALIGN`ed offsets, the data at `tp_mac`. The kernel leaves room for a
    /// `sockaddr_ll` between header and data: for Ethernet `tp_mac` is
    /// `TPACKET_ALIGN(68 + 16) - 14 = 82`, which we use too.
    pub(crate) fn build_block(size: usize, frames: &[TestFrame<'_>]) -> Vec<u8> {
        let mut b = vec![0u8; size];
        let put32 =
            |b: &mut Vec<u8>, at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_ne_bytes());
        let put16 =
            |b: &mut Vec<u8>, at: usize, v: u16| b[at..at + 2].copy_from_slice(&v.to_ne_bytes());
        put32(&mut b, 0, 1); // version of the block descriptor (not read)
        put32(&mut b, field::BLOCK_STATUS, libc::TP_STATUS_USER);
        put32(&mut b, field::NUM_PKTS, frames.len() as u32);
        put32(&mut b, field::FIRST_PKT, BLOCK_HEADER_LEN as u32);
        put32(&mut b, field::SEQ_NUM, 7);
        let mac = 82u16;
        let mut at = BLOCK_HEADER_LEN;
        for (i, (data, sec, vlan)) in frames.iter().enumerate() {
            let next = (usize::from(mac) + data.len()).next_multiple_of(16);
            let last = i + 1 == frames.len();
            put32(&mut b, at + field::NEXT, if last { 0 } else { next as u32 });
            put32(&mut b, at + field::SEC, *sec);
            put32(&mut b, at + field::NSEC, 500);
            put32(&mut b, at + field::SNAPLEN, data.len() as u32);
            put32(&mut b, at + field::LEN, data.len() as u32);
            let mut status = libc::TP_STATUS_USER;
            if let Some((tci, tpid)) = vlan {
                status |= libc::TP_STATUS_VLAN_VALID | libc::TP_STATUS_VLAN_TPID_VALID;
                put32(&mut b, at + field::VLAN_TCI, u32::from(*tci));
                put16(&mut b, at + field::VLAN_TPID, *tpid);
            }
            put32(&mut b, at + field::STATUS, status);
            put16(&mut b, at + field::MAC, mac);
            let start = at + usize::from(mac);
            b[start..start + data.len()].copy_from_slice(data);
            at += next;
        }
        b
    }

    #[test]
    fn walks_frames_in_place_with_times_ports_and_tags() {
        let one = [0xaau8; 60];
        let two = [0xbbu8; 1514];
        let bytes = build_block(
            4096,
            &[(&one, 10, None), (&two, 11, Some((0x2005, 0x88a8)))],
        );
        let block = Block::new(&bytes).unwrap();
        assert_eq!(block.num_packets(), 2);
        assert_eq!(block.seq_num(), 7);
        let (f1, next) = block.frame_at(block.first_offset(), Port::Lan).unwrap();
        assert_eq!(f1.data, &one[..]);
        assert_eq!(f1.wire_len, 60);
        assert_eq!(f1.ts, Timestamp(10_000_000_500));
        assert_eq!(f1.port, Some(Port::Lan));
        assert_eq!(f1.stripped_vlan, None);
        // The frame's bytes are the block's bytes: nothing was copied.
        assert!(core::ptr::eq(f1.data.as_ptr(), bytes[48 + 82..].as_ptr()));
        assert_eq!(block.ts_at(next).unwrap(), Timestamp(11_000_000_500));
        let (f2, _) = block.frame_at(next, Port::Wan).unwrap();
        assert_eq!(f2.data, &two[..]);
        assert_eq!(f2.wire_len, 1518, "the stripped tag counts on the wire");
        assert_eq!(
            f2.stripped_vlan,
            Some(VlanTag {
                tpid: 0x88a8,
                tci: 0x2005
            })
        );
        assert_eq!(f2.stripped_vlan.unwrap().vlan_id(), 5);
    }

    #[test]
    fn tag_without_tpid_is_8021q() {
        let mut bytes = build_block(4096, &[(&[1u8; 64], 1, Some((42, 0)))]);
        let at = BLOCK_HEADER_LEN + field::STATUS;
        let status = libc::TP_STATUS_USER | libc::TP_STATUS_VLAN_VALID;
        bytes[at..at + 4].copy_from_slice(&status.to_ne_bytes());
        let block = Block::new(&bytes).unwrap();
        let (f, _) = block.frame_at(block.first_offset(), Port::Lan).unwrap();
        assert_eq!(
            f.stripped_vlan,
            Some(VlanTag {
                tpid: 0x8100,
                tci: 42
            })
        );
    }

    #[test]
    fn out_of_block_offsets_are_errors_not_panics() {
        let bytes = build_block(4096, &[(&[1u8; 100], 1, None)]);
        let block = Block::new(&bytes).unwrap();
        for offset in [0, 20, 4096 - 47, 4096, usize::MAX - 10] {
            assert_eq!(
                block.frame_at(offset, Port::Lan).unwrap_err(),
                BadBlock { offset }
            );
            assert!(block.ts_at(offset).is_err());
        }
        // A snap length running past the block.
        let mut long = bytes.clone();
        let at = BLOCK_HEADER_LEN + field::SNAPLEN;
        long[at..at + 4].copy_from_slice(&5000u32.to_ne_bytes());
        let block = Block::new(&long).unwrap();
        assert!(block.frame_at(BLOCK_HEADER_LEN, Port::Lan).is_err());
        assert!(Block::new(&bytes[..47]).is_none());
    }
}
