//! The container format shared by the compiled geo table (`geo.ttdb`) and the OUI table
//! (`oui.ttdb`): a fixed header, a CRC-checked payload, and the pieces the payload is made of
//! (LEB128 varints, a string table, delta-coded range tables).
//!
//! ```text
//! header (little-endian, HEADER_LEN = 16 + 4 * count_slots bytes)
//!   0..8    magic           b"TTGEODB\n" or b"TTOUIDB\n"
//!   8..10   version         u16, FORMAT_VERSION
//!   10..12  count_slots     u16, how many u32 counts follow the fixed part
//!   12..16  payload_len     u32, bytes after the header
//!   16..20  payload_crc32   u32, CRC-32 (IEEE 802.3) of the payload
//!   20..    counts          count_slots x u32 (what each one counts is the table's business)
//! payload (exactly payload_len bytes, nothing may follow)
//!   sections, each a run of LEB128 varints (and, for strings, raw UTF-8 bytes)
//! ```
//!
//! Sections, all read strictly in order and bounds-checked while decoding:
//! - string table: `count` x (`len` varint, `len` bytes of UTF-8);
//! - range table: `count` x (`key_delta` varint, `value` varint). Keys are the starts of
//!   half-open ranges, strictly increasing (the first delta is from 0 and may be 0, later deltas
//!   are >= 1); entry `i` covers `[key[i], key[i+1])`, the last one runs to the end of the key
//!   space. `value` 0 means "no data" (a gap between upstream ranges), `n > 0` means item `n - 1`
//!   of whatever the range table points into.
//!
//! Decoding allocates the in-memory arrays once at open; lookups never allocate.

use std::ops::Range;

use super::GeoError;
use telltale_proto::crc32::crc32;

/// Version of the container and table layouts written by this code.
pub const FORMAT_VERSION: u16 = 1;

/// Header field offsets (see the module doc).
pub mod field {
    use core::ops::Range;
    /// File magic naming the table kind.
    pub const MAGIC: Range<usize> = 0..8;
    /// Format version, u16 LE.
    pub const VERSION: Range<usize> = 8..10;
    /// Number of u32 counts after the fixed header, u16 LE.
    pub const COUNT_SLOTS: Range<usize> = 10..12;
    /// Payload length in bytes, u32 LE.
    pub const PAYLOAD_LEN: Range<usize> = 12..16;
    /// CRC-32 of the payload, u32 LE.
    pub const PAYLOAD_CRC: Range<usize> = 16..20;
    /// First count slot.
    pub const COUNTS: usize = 20;
}

/// Largest number of count slots a header may declare (keeps a corrupt header from asking for
/// an absurd header length).
pub const MAX_COUNT_SLOTS: usize = 16;

/// A validated header and the payload it covers.
#[derive(Debug)]
pub struct Container<'a> {
    /// The counts, `count_slots` of them.
    pub counts: Vec<u32>,
    /// The payload bytes, CRC already checked.
    pub payload: &'a [u8],
}

fn le_u16(bytes: &[u8], range: Range<usize>) -> Option<u16> {
    let b = bytes.get(range)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

fn le_u32(bytes: &[u8], range: Range<usize>) -> Option<u32> {
    let b = bytes.get(range)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Checks magic, version, lengths and CRC of a whole table file and splits it.
pub fn open_container<'a>(
    bytes: &'a [u8],
    magic: &[u8; 8],
    expect_slots: usize,
) -> Result<Container<'a>, GeoError> {
    let short = |what: &'static str| GeoError::Truncated {
        what,
        have: bytes.len(),
    };
    let got_magic = bytes.get(field::MAGIC).ok_or(short("header"))?;
    if got_magic != magic {
        return Err(GeoError::BadMagic);
    }
    let version = le_u16(bytes, field::VERSION).ok_or(short("header"))?;
    if version != FORMAT_VERSION {
        return Err(GeoError::Version(version));
    }
    let slots = usize::from(le_u16(bytes, field::COUNT_SLOTS).ok_or(short("header"))?);
    if slots != expect_slots || slots > MAX_COUNT_SLOTS {
        return Err(GeoError::Malformed("header count slots"));
    }
    let payload_len = le_u32(bytes, field::PAYLOAD_LEN).ok_or(short("header"))? as usize;
    let crc = le_u32(bytes, field::PAYLOAD_CRC).ok_or(short("header"))?;
    let header_len = field::COUNTS + 4 * slots;
    let mut counts = Vec::with_capacity(slots);
    for i in 0..slots {
        let at = field::COUNTS + 4 * i;
        counts.push(le_u32(bytes, at..at + 4).ok_or(short("header"))?);
    }
    let end = header_len
        .checked_add(payload_len)
        .ok_or(GeoError::Malformed("payload length"))?;
    if bytes.len() < end {
        return Err(short("payload"));
    }
    if bytes.len() > end {
        return Err(GeoError::Malformed("bytes after the payload"));
    }
    let payload = bytes.get(header_len..end).ok_or(short("payload"))?;
    if crc32(payload) != crc {
        return Err(GeoError::Checksum);
    }
    Ok(Container { counts, payload })
}

/// Builds a whole table file around `payload`.
pub fn write_container(magic: &[u8; 8], counts: &[u32], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(field::COUNTS + 4 * counts.len() + payload.len());
    out.extend_from_slice(magic);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(counts.len() as u16).to_le_bytes());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32(payload).to_le_bytes());
    for c in counts {
        out.extend_from_slice(&c.to_le_bytes());
    }
    out.extend_from_slice(payload);
    out
}

/// Sequential, bounds-checked reader over a payload.
#[derive(Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// Starts reading at the beginning of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }

    /// Reads one unsigned LEB128 varint of at most 128 bits.
    pub fn varint(&mut self, what: &'static str) -> Result<u128, GeoError> {
        let mut value: u128 = 0;
        let mut shift = 0u32;
        loop {
            let byte = *self.bytes.get(self.pos).ok_or(GeoError::Truncated {
                what,
                have: self.bytes.len(),
            })?;
            self.pos += 1;
            let bits = u128::from(byte & 0x7f);
            // 128 bits hold 18 groups of 7 and 2 bits of a 19th; anything beyond overflows.
            if shift >= 128 || (shift > 121 && bits >> (128 - shift) != 0) {
                return Err(GeoError::Malformed(what));
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
            shift += 7;
        }
    }

    /// Reads a varint that must fit in a u32.
    pub fn varint_u32(&mut self, what: &'static str) -> Result<u32, GeoError> {
        u32::try_from(self.varint(what)?).map_err(|_| GeoError::Malformed(what))
    }

    /// Takes the next `len` raw bytes.
    pub fn bytes(&mut self, len: usize, what: &'static str) -> Result<&'a [u8], GeoError> {
        let end = self.pos.checked_add(len).ok_or(GeoError::Malformed(what))?;
        let out = self.bytes.get(self.pos..end).ok_or(GeoError::Truncated {
            what,
            have: self.bytes.len(),
        })?;
        self.pos = end;
        Ok(out)
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    /// Errors unless every byte was consumed.
    pub fn finish(&self) -> Result<(), GeoError> {
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            Err(GeoError::Malformed(
                "bytes left over after the last section",
            ))
        }
    }
}

/// Appends `value` as an unsigned LEB128 varint.
pub fn put_varint(out: &mut Vec<u8>, mut value: u128) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Strings kept in one buffer; `get(i)` borrows string `i`.
#[derive(Debug, Default)]
pub struct StringTable {
    text: String,
    /// `count + 1` offsets into `text`, ascending, on char boundaries.
    bounds: Vec<u32>,
}

impl StringTable {
    /// Decodes `count` strings from the reader.
    pub fn decode(reader: &mut Reader<'_>, count: u32) -> Result<Self, GeoError> {
        let mut text = String::new();
        // A corrupt count must not reserve more than the payload could hold (1 byte a string).
        let mut bounds = Vec::with_capacity((count as usize).min(reader.remaining()) + 1);
        bounds.push(0);
        for _ in 0..count {
            let len = reader.varint_u32("string length")? as usize;
            let raw = reader.bytes(len, "string")?;
            let s =
                core::str::from_utf8(raw).map_err(|_| GeoError::Malformed("string not UTF-8"))?;
            text.push_str(s);
            let end = u32::try_from(text.len()).map_err(|_| GeoError::Malformed("strings"))?;
            bounds.push(end);
        }
        Ok(StringTable { text, bounds })
    }

    /// Encodes `strings` as a string table section.
    pub fn encode<S: AsRef<str>>(out: &mut Vec<u8>, strings: &[S]) {
        for s in strings {
            let s = s.as_ref();
            put_varint(out, s.len() as u128);
            out.extend_from_slice(s.as_bytes());
        }
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.bounds.len().saturating_sub(1)
    }

    /// True when the table holds no string.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// String `index`, or `None` when out of range.
    pub fn get(&self, index: usize) -> Option<&str> {
        let start = *self.bounds.get(index)? as usize;
        let end = *self.bounds.get(index + 1)? as usize;
        self.text.get(start..end)
    }

    /// Bytes held in memory.
    pub fn memory_bytes(&self) -> usize {
        self.text.len() + 4 * self.bounds.len()
    }
}

/// A key type for range tables (u32 for IPv4, u64 for IPv6 /64 prefixes and MAC prefixes).
pub trait RangeKey: Copy + Ord + TryFrom<u128> + Into<u128> {}
impl RangeKey for u32 {}
impl RangeKey for u64 {}

/// Reads the key of entry `i` of a range table: `key` (the previous entry's, updated) plus a
/// delta that is not zero after the first entry, and that fits in `K`.
pub fn read_range_key<K: RangeKey>(
    reader: &mut Reader<'_>,
    i: u32,
    key: &mut u128,
    what: &'static str,
) -> Result<K, GeoError> {
    let delta = reader.varint(what)?;
    if i > 0 && delta == 0 {
        return Err(GeoError::Malformed("range keys not increasing"));
    }
    *key = key
        .checked_add(delta)
        .ok_or(GeoError::Malformed("range key overflow"))?;
    K::try_from(*key).map_err(|_| GeoError::Malformed("range key too large"))
}

/// Reads the value of a range table's entry: at most `max_value` (the item count).
pub fn read_range_value(
    reader: &mut Reader<'_>,
    max_value: u32,
    what: &'static str,
) -> Result<u32, GeoError> {
    let value = reader.varint_u32(what)?;
    if value > max_value {
        return Err(GeoError::Malformed("range value out of bounds"));
    }
    Ok(value)
}

/// A decoded range table: `keys[i]` starts the range whose value is `values[i]`
/// (0 = no data, else item `values[i] - 1`).
#[derive(Debug, Default)]
pub struct RangeTable<K> {
    keys: Vec<K>,
    values: Vec<u32>,
}

impl<K: RangeKey> RangeTable<K> {
    /// Decodes `count` entries; `max_value` is the largest allowed value (the item count).
    pub fn decode(
        reader: &mut Reader<'_>,
        count: u32,
        max_value: u32,
        what: &'static str,
    ) -> Result<Self, GeoError> {
        // An entry takes at least 2 bytes: a corrupt count must not reserve more than that.
        let capacity = (count as usize).min(reader.remaining() / 2);
        let mut keys = Vec::with_capacity(capacity);
        let mut values = Vec::with_capacity(capacity);
        let mut key: u128 = 0;
        for i in 0..count {
            keys.push(read_range_key(reader, i, &mut key, what)?);
            values.push(read_range_value(reader, max_value, what)?);
        }
        Ok(RangeTable { keys, values })
    }

    /// Encodes `(key, value)` entries (already sorted, strictly increasing keys).
    pub fn encode(out: &mut Vec<u8>, entries: &[(K, u32)]) {
        let mut previous: u128 = 0;
        for &(key, value) in entries {
            let key: u128 = key.into();
            put_varint(out, key - previous);
            put_varint(out, u128::from(value));
            previous = key;
        }
    }

    /// The item index covering `key`, or `None` for a gap or before the first range.
    /// Binary search; allocates nothing.
    #[inline]
    pub fn find(&self, key: K) -> Option<usize> {
        let after = self.keys.partition_point(|&k| k <= key);
        let value = *self.values.get(after.checked_sub(1)?)?;
        (value as usize).checked_sub(1)
    }

    /// The item index stored under exactly `key` (for prefix tables such as the OUI's).
    #[inline]
    pub fn exact(&self, key: K) -> Option<usize> {
        let at = self.keys.binary_search(&key).ok()?;
        (*self.values.get(at)? as usize).checked_sub(1)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when the table has no entry.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Bytes held in memory.
    pub fn memory_bytes(&self) -> usize {
        self.keys.len() * size_of::<K>() + self.values.len() * 4
    }
}
