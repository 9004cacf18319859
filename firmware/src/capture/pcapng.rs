//! pcapng files: sections, interfaces and packet blocks.
//!
//! Layout from draft-ietf-opsawg-pcapng ("PCAP Next Generation (pcapng) Capture File Format").
//! This module owns the block walker: it validates every block's framing (length at least 12, a
//! multiple of 4, trailing copy equal to the leading one), follows Section Header Blocks (each
//! resets the interfaces and may switch byte order), records each Interface Description Block's
//! link type, `if_tsresol` and `if_tsoffset`, turns Enhanced, Simple and obsolete Packet Blocks
//! into borrowed `Frame`s, and skips every other block type by its length.
//!
//! An interface whose link type we do not dissect is accepted at its IDB; the error
//! (`UnsupportedLinkType`) comes when a packet on it is met, so files that merely describe such
//! an interface still read. The interface table is a `Vec` that grows only at an IDB and is
//! reused across sections; packets never allocate.

use super::file::{ByteOrder, Defect, LinkSummary, ReadError};
use super::{Frame, LinkType, Timestamp};

/// Block type of a Section Header Block; a palindrome, so it reads the same in either byte order.
pub(super) const SECTION_HEADER_BLOCK: u32 = 0x0a0d_0d0a;

/// Block type codes (draft-ietf-opsawg-pcapng, section 10.1 "Block Type Codes").
mod block_type {
    /// Interface Description Block.
    pub const INTERFACE_DESCRIPTION: u32 = 0x0000_0001;
    /// Packet Block (obsolete, appendix A).
    pub const PACKET: u32 = 0x0000_0002;
    /// Simple Packet Block.
    pub const SIMPLE_PACKET: u32 = 0x0000_0003;
    /// Enhanced Packet Block.
    pub const ENHANCED_PACKET: u32 = 0x0000_0006;
}

/// Offsets common to all blocks (section 3.1 "General Block Structure").
mod block {
    use core::ops::Range;
    /// "Block Type (32 bits): a unique unsigned value that identifies the block."
    pub const TYPE: Range<usize> = 0..4;
    /// "Block Total Length (32 bits): an unsigned value giving the total size of this block, in
    /// octets", repeated after the body; "MUST be a multiple of 4".
    pub const LENGTH: Range<usize> = 4..8;
    /// Size of the trailing copy of the total length.
    pub const TRAILER: usize = 4;
    /// Smallest block: type, length and trailing length with an empty body.
    pub const MIN_LEN: u32 = 12;
}

/// Section Header Block (section 4.1).
mod shb {
    use core::ops::Range;
    /// "Byte-Order Magic (32 bits): an unsigned magic number, whose value is the hexadecimal
    /// number 0x1A2B3C4D. ... used to distinguish sections that have been saved on little-endian
    /// machines from the ones saved on big-endian machines".
    pub const BYTE_ORDER_MAGIC: Range<usize> = 8..12;
    /// "Major Version (16 bits) ... the number of the current major version of the format. The
    /// value for the current version of the format is 1."
    pub const MAJOR: Range<usize> = 12..14;
    /// "Minor Version (16 bits)".
    pub const MINOR: Range<usize> = 14..16;
    /// Type, length, magic, versions, 64-bit section length and trailing length.
    pub const MIN_LEN: u32 = 28;
    /// The byte-order magic's value.
    pub const MAGIC: u32 = 0x1a2b_3c4d;
}

/// Interface Description Block (section 4.2).
mod idb {
    use core::ops::Range;
    /// "LinkType (16 bits): an unsigned value that defines the link layer type of this interface."
    pub const LINK_TYPE: Range<usize> = 8..10;
    /// "SnapLen (32 bits): ... maximum number of octets captured from each packet", 0 for none.
    pub const SNAPLEN: Range<usize> = 12..16;
    /// Start of the options.
    pub const OPTIONS: usize = 16;
    /// Fixed part plus the trailing length.
    pub const MIN_LEN: u32 = 20;
    /// Option `opt_endofopt` (code 0): "delimits the end of the optional fields".
    pub const OPT_END: u16 = 0;
    /// Option `if_tsresol` (code 9, 1 octet): "If the Most Significant Bit is equal to zero, the
    /// remaining bits indicates the resolution of the timestamp as a negative power of 10 ... If
    /// the Most Significant Bit is equal to one, ... as negative power of 2". Default 6.
    pub const OPT_TSRESOL: u16 = 9;
    /// Option `if_tsoffset` (code 14, 8 octets): "a 64-bit signed integer value that specifies an
    /// offset (in seconds) that must be added to the timestamp of each packet".
    pub const OPT_TSOFFSET: u16 = 14;
}

/// Enhanced Packet Block (section 4.3) and the obsolete Packet Block (appendix A), which share
/// timestamp and length positions; the PB has a 16-bit interface ID and a 16-bit drops count
/// where the EPB has a 32-bit interface ID.
mod epb {
    use core::ops::Range;
    /// "Interface ID (32 bits)" (EPB).
    pub const INTERFACE_ID: Range<usize> = 8..12;
    /// "Interface ID (16 bits)" (obsolete PB).
    pub const PB_INTERFACE_ID: Range<usize> = 8..10;
    /// "Timestamp (High) and Timestamp (Low): upper 32 bits and lower 32 bits of a 64-bit
    /// timestamp", in units of the interface's `if_tsresol`.
    pub const TS_HIGH: Range<usize> = 12..16;
    /// Lower half of the timestamp.
    pub const TS_LOW: Range<usize> = 16..20;
    /// "Captured Packet Length (32 bits): number of octets captured from the packet".
    pub const CAPTURED_LEN: Range<usize> = 20..24;
    /// "Original Packet Length (32 bits): actual length of the packet when it was transmitted".
    pub const ORIGINAL_LEN: Range<usize> = 24..28;
    /// "Packet Data: the data coming from the network, including link-layer headers", padded to 32 bits.
    pub const DATA: usize = 28;
    /// Fixed part plus the trailing length.
    pub const MIN_LEN: u32 = 32;
}

/// Simple Packet Block (section 4.4): always interface 0, no timestamp.
mod spb {
    use core::ops::Range;
    /// "Original Packet Length (32 bits)". The captured length is the smaller of this, the
    /// interface's SnapLen (when not 0) and the room in the block.
    pub const ORIGINAL_LEN: Range<usize> = 8..12;
    /// Packet data start.
    pub const DATA: usize = 12;
    /// Fixed part plus the trailing length.
    pub const MIN_LEN: u32 = 16;
}

/// How an interface's timestamp units convert to nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TsScale {
    /// Units of 10^-n s with n <= 9: multiply.
    Multiply(u64),
    /// Units of 10^-n s with n > 9: divide (the divisor fits a u128 up to n = 47).
    Divide(u128),
    /// Units of 2^-n s.
    Binary(u32),
    /// Units too small to reach a nanosecond in 64 bits.
    Zero,
}

impl TsScale {
    /// The microsecond default when `if_tsresol` is absent.
    const DEFAULT: TsScale = TsScale::Multiply(1_000);

    /// Decodes an `if_tsresol` octet.
    fn from_tsresol(octet: u8) -> TsScale {
        let exponent = u32::from(octet & 0x7f);
        if octet & 0x80 != 0 {
            return TsScale::Binary(exponent);
        }
        match exponent {
            0..=9 => TsScale::Multiply(10u64.pow(9 - exponent)),
            10..=47 => TsScale::Divide(10u128.pow(exponent - 9)),
            _ => TsScale::Zero,
        }
    }

    /// Converts a 64-bit timestamp in interface units to nanoseconds, saturating.
    #[inline]
    fn to_nanos(self, units: u64) -> u64 {
        match self {
            TsScale::Multiply(factor) => units.saturating_mul(factor),
            TsScale::Divide(divisor) => (u128::from(units) / divisor) as u64,
            TsScale::Binary(exponent) => {
                let nanos = (u128::from(units) * 1_000_000_000) >> exponent;
                u64::try_from(nanos).unwrap_or(u64::MAX)
            }
            TsScale::Zero => 0,
        }
    }
}

/// One Interface Description Block of the current section.
#[derive(Debug, Clone, Copy)]
struct Interface {
    link_code: u32,
    link: Option<LinkType>,
    snaplen: u32,
    scale: TsScale,
    /// `if_tsoffset` in nanoseconds (saturated).
    offset_nanos: i64,
}

/// What one block turned out to be.
#[derive(Debug)]
enum Block<'a> {
    Section,
    Interface,
    Packet(Frame<'a>),
    Skipped,
}

/// Checks the byte-order magic of the Section Header Block at the start of `bytes`.
///
/// Errors: `Truncated` (need 28) if `bytes` is shorter than a minimal SHB, `Malformed` for a bad
/// byte-order magic.
pub(super) fn section_byte_order(bytes: &[u8]) -> Result<ByteOrder, ReadError> {
    if bytes.len() < shb::MIN_LEN as usize {
        return Err(ReadError::Truncated {
            what: "section header block",
            offset: 0,
            need: shb::MIN_LEN as usize,
            have: bytes.len(),
        });
    }
    byte_order_at(bytes, 0)
}

/// Reads the byte-order magic of the SHB at `offset` of `bytes` (which holds at least 12 bytes).
fn byte_order_at(block: &[u8], offset: usize) -> Result<ByteOrder, ReadError> {
    let magic = ByteOrder::Little.u32_at(block, shb::BYTE_ORDER_MAGIC.start);
    match magic {
        Some(shb::MAGIC) => Ok(ByteOrder::Little),
        Some(m) if m.swap_bytes() == shb::MAGIC => Ok(ByteOrder::Big),
        Some(m) => Err(ReadError::Malformed {
            offset,
            defect: Defect::ByteOrderMagic(m),
        }),
        None => Err(ReadError::Truncated {
            what: "section header block",
            offset,
            need: shb::BYTE_ORDER_MAGIC.end,
            have: block.len(),
        }),
    }
}

/// Fills `summary` with the interfaces described before the first packet of the first section.
pub(super) fn summarize_leading_interfaces(bytes: &[u8], summary: &mut LinkSummary) {
    let mut blocks = PcapngBlocks::new(bytes, ByteOrder::Little);
    let mut sections = 0;
    loop {
        match blocks.next_block() {
            Some(Ok(Block::Section)) => {
                sections += 1;
                if sections > 1 {
                    break;
                }
            }
            Some(Ok(Block::Interface)) => {
                summary.interfaces += 1;
                if let Some(interface) = blocks.interfaces.last() {
                    summary.add_link_code(interface.link_code);
                }
            }
            Some(Ok(Block::Skipped)) => {}
            Some(Ok(Block::Packet(_)) | Err(_)) | None => break,
        }
    }
}

/// Walks the blocks of a pcapng file and yields its packets as borrowed frames.
#[derive(Debug, Clone)]
pub(super) struct PcapngBlocks<'a> {
    bytes: &'a [u8],
    offset: usize,
    order: ByteOrder,
    interfaces: Vec<Interface>,
    /// Timestamp of the last EPB or PB, given to Simple Packet Blocks (which carry none).
    last_ts: Timestamp,
}

impl<'a> PcapngBlocks<'a> {
    /// Starts at the beginning of `bytes`, which should open with a Section Header Block.
    pub(super) fn new(bytes: &'a [u8], order: ByteOrder) -> Self {
        PcapngBlocks {
            bytes,
            offset: 0,
            order,
            interfaces: Vec::new(),
            last_ts: Timestamp(0),
        }
    }

    /// Offset of the next block.
    pub(super) fn offset(&self) -> usize {
        self.offset
    }

    /// The next packet as a frame, `None` at a clean end, or the error that ends the file.
    #[inline]
    pub(super) fn next_frame(&mut self) -> Option<Result<Frame<'a>, ReadError>> {
        loop {
            match self.next_block()? {
                Ok(Block::Packet(frame)) => return Some(Ok(frame)),
                Ok(_) => {}
                Err(e) => return Some(Err(e)),
            }
        }
    }

    /// Reads the block at `offset`, checks its framing, and interprets it.
    fn next_block(&mut self) -> Option<Result<Block<'a>, ReadError>> {
        let offset = self.offset;
        let rest = self.bytes.get(offset..)?;
        if rest.is_empty() {
            return None;
        }
        Some(self.read_block(rest, offset))
    }

    fn read_block(&mut self, rest: &'a [u8], offset: usize) -> Result<Block<'a>, ReadError> {
        let truncated_header = ReadError::Truncated {
            what: "pcapng block header",
            offset,
            need: block::LENGTH.end,
            have: rest.len(),
        };
        let kind = self
            .order
            .u32_at(rest, block::TYPE.start)
            .ok_or(truncated_header)?;
        // A section may switch byte order: its magic decides how to read its own length.
        let order = if kind == SECTION_HEADER_BLOCK {
            byte_order_at(rest, offset)?
        } else {
            self.order
        };
        let length = order
            .u32_at(rest, block::LENGTH.start)
            .ok_or(truncated_header)?;
        let malformed = |defect| ReadError::Malformed { offset, defect };
        let min = match kind {
            SECTION_HEADER_BLOCK => shb::MIN_LEN,
            block_type::INTERFACE_DESCRIPTION => idb::MIN_LEN,
            block_type::ENHANCED_PACKET | block_type::PACKET => epb::MIN_LEN,
            block_type::SIMPLE_PACKET => spb::MIN_LEN,
            _ => block::MIN_LEN,
        };
        if length < min {
            return Err(malformed(Defect::BlockTooShort {
                block_type: kind,
                length,
                min,
            }));
        }
        if length % 4 != 0 {
            return Err(malformed(Defect::BlockNotAligned(length)));
        }
        let Some(whole) = rest.get(..length as usize) else {
            return Err(ReadError::Truncated {
                what: "pcapng block",
                offset,
                need: length as usize,
                have: rest.len(),
            });
        };
        let body_end = whole.len() - block::TRAILER;
        let trailing = order.u32_at(whole, body_end).unwrap_or(0);
        if trailing != length {
            return Err(malformed(Defect::LengthMismatch {
                leading: length,
                trailing,
            }));
        }
        let whole = &whole[..body_end];
        let result = match kind {
            SECTION_HEADER_BLOCK => self.section(whole, order).map(|()| Block::Section),
            block_type::INTERFACE_DESCRIPTION => self.interface(whole).map(|()| Block::Interface),
            block_type::ENHANCED_PACKET | block_type::PACKET => self
                .packet(whole, kind == block_type::ENHANCED_PACKET)
                .map(Block::Packet),
            block_type::SIMPLE_PACKET => self.simple_packet(whole).map(Block::Packet),
            _ => Ok(Block::Skipped),
        };
        let result = result.map_err(|defect| match defect {
            BlockError::Defect(defect) => malformed(defect),
            BlockError::UnsupportedLinkType(code) => ReadError::UnsupportedLinkType { code },
        });
        if result.is_ok() {
            self.offset = offset + length as usize;
        }
        result
    }

    /// Starts a new section: checks the version, adopts its byte order, forgets the interfaces.
    fn section(&mut self, body: &[u8], order: ByteOrder) -> Result<(), BlockError> {
        let major = order.u16_at(body, shb::MAJOR.start).unwrap_or(0);
        let minor = order.u16_at(body, shb::MINOR.start).unwrap_or(0);
        if major != 1 {
            return Err(BlockError::Defect(Defect::PcapngVersion { major, minor }));
        }
        self.order = order;
        self.interfaces.clear();
        Ok(())
    }

    /// Records an interface with its link type, snaplen and timestamp options.
    fn interface(&mut self, body: &[u8]) -> Result<(), BlockError> {
        let o = self.order;
        let link_code = u32::from(o.u16_at(body, idb::LINK_TYPE.start).unwrap_or(0));
        let snaplen = o.u32_at(body, idb::SNAPLEN.start).unwrap_or(0);
        let mut scale = TsScale::DEFAULT;
        let mut offset_seconds: i64 = 0;
        let mut at = idb::OPTIONS;
        while let (Some(code), Some(len)) = (o.u16_at(body, at), o.u16_at(body, at + 2)) {
            if code == idb::OPT_END {
                break;
            }
            let value_start = at + 4;
            let value_end = value_start + usize::from(len);
            let Some(value) = body.get(value_start..value_end) else {
                return Err(BlockError::Defect(Defect::OptionPastBlock { code, len }));
            };
            let wrong_size = |want| BlockError::Defect(Defect::OptionSize { code, len, want });
            match code {
                idb::OPT_TSRESOL => match value {
                    [octet] => scale = TsScale::from_tsresol(*octet),
                    _ => return Err(wrong_size(1)),
                },
                idb::OPT_TSOFFSET => {
                    let raw = o
                        .u64_at(value, 0)
                        .filter(|_| len == 8)
                        .ok_or(wrong_size(8))?;
                    offset_seconds = raw as i64;
                }
                _ => {}
            }
            at = value_start + usize::from(len).next_multiple_of(4);
        }
        self.interfaces.push(Interface {
            link_code,
            link: LinkType::from_pcap(link_code),
            snaplen,
            scale,
            offset_nanos: offset_seconds.saturating_mul(1_000_000_000),
        });
        Ok(())
    }

    /// Looks up interface `id` of this section and its link type.
    #[inline]
    fn interface_for(&self, id: u32) -> Result<(Interface, LinkType), BlockError> {
        let interface = self
            .interfaces
            .get(id as usize)
            .copied()
            .ok_or(BlockError::Defect(Defect::UnknownInterface {
                id,
                count: self.interfaces.len(),
            }))?;
        let link = interface
            .link
            .ok_or(BlockError::UnsupportedLinkType(interface.link_code))?;
        Ok((interface, link))
    }

    /// An Enhanced Packet Block (`enhanced`) or an obsolete Packet Block.
    #[inline]
    fn packet(&mut self, body: &'a [u8], enhanced: bool) -> Result<Frame<'a>, BlockError> {
        let o = self.order;
        let id = if enhanced {
            o.u32_at(body, epb::INTERFACE_ID.start)
        } else {
            o.u16_at(body, epb::PB_INTERFACE_ID.start).map(u32::from)
        };
        let field = |at| o.u32_at(body, at).unwrap_or(0);
        let units =
            (u64::from(field(epb::TS_HIGH.start)) << 32) | u64::from(field(epb::TS_LOW.start));
        let captured = field(epb::CAPTURED_LEN.start);
        let original = field(epb::ORIGINAL_LEN.start);
        let room = body.len().saturating_sub(epb::DATA);
        let data_end = epb::DATA.saturating_add(captured as usize);
        let data =
            body.get(epb::DATA..data_end)
                .ok_or(BlockError::Defect(Defect::PacketPastBlock {
                    captured,
                    room: room as u32,
                }))?;
        let (interface, link) = self.interface_for(id.unwrap_or(0))?;
        let nanos = interface.scale.to_nanos(units);
        let ts = Timestamp(nanos.saturating_add_signed(interface.offset_nanos));
        self.last_ts = ts;
        Ok(Frame {
            data,
            wire_len: original.max(captured),
            ts,
            link,
            port: None,
            stripped_vlan: None,
        })
    }

    /// A Simple Packet Block: interface 0, the last packet's timestamp.
    #[inline]
    fn simple_packet(&mut self, body: &'a [u8]) -> Result<Frame<'a>, BlockError> {
        let original = self
            .order
            .u32_at(body, spb::ORIGINAL_LEN.start)
            .unwrap_or(0);
        let (interface, link) = self.interface_for(0)?;
        let room = body.len().saturating_sub(spb::DATA);
        let mut captured = (original as usize).min(room);
        if interface.snaplen != 0 {
            captured = captured.min(interface.snaplen as usize);
        }
        let data = body.get(spb::DATA..spb::DATA + captured).unwrap_or(&[]);
        Ok(Frame {
            data,
            wire_len: original.max(captured as u32),
            ts: self.last_ts,
            link,
            port: None,
            stripped_vlan: None,
        })
    }
}

/// Why a well-framed block was refused.
#[derive(Debug, Clone, Copy)]
enum BlockError {
    Defect(Defect),
    UnsupportedLinkType(u32),
}

#[cfg(test)]
#[path = "pcapng_tests.rs"]
mod tests;
