//! The geo table's sections read in place, where the file is mapped: nothing is decoded into
//! memory but a sparse index (one entry in [`BLOCK`]), built while the whole file is validated
//! once at open. A lookup binary-searches that index, then decodes at most [`BLOCK`] entries
//! from the mapped bytes. Resident memory is the index plus the file pages lookups touched
//! (clean, file-backed, shared with the page cache, and dropped again under memory pressure).

use super::format::{read_range_key, read_range_value, RangeKey, Reader};
use super::GeoError;

/// Entries per index block.
pub const BLOCK: usize = 16;

/// Reads the unsigned LEB128 varint at `*pos` in `bytes`, validated at open (lookups only read
/// values that fit in 64 bits: keys are at most 64-bit, values 32-bit); 0 past the end.
#[inline]
fn varint(bytes: &[u8], pos: &mut usize) -> u64 {
    let mut value = 0u64;
    let mut shift = 0u32;
    while let Some(&byte) = bytes.get(*pos) {
        *pos += 1;
        value |= u64::from(byte & 0x7f).wrapping_shl(shift);
        if byte & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    value
}

/// Offset of the reader in its payload.
fn offset(payload: &[u8], reader: &Reader<'_>) -> u32 {
    (payload.len() - reader.remaining()) as u32
}

/// One index entry: the key of every `BLOCK`-th entry and where its value starts.
#[derive(Debug, Clone, Copy)]
struct Mark<K> {
    key: K,
    at: u32,
}

/// A range table (see `format`) searched in place.
#[derive(Debug, Default)]
pub struct MappedRanges<K> {
    count: u32,
    marks: Vec<Mark<K>>,
}

impl<K: RangeKey> MappedRanges<K> {
    /// Validates `count` entries at the reader (as `RangeTable::decode` does) and indexes them.
    pub fn index(
        payload: &[u8],
        reader: &mut Reader<'_>,
        count: u32,
        max_value: u32,
        what: &'static str,
    ) -> Result<Self, GeoError> {
        let mut marks =
            Vec::with_capacity((count as usize).min(reader.remaining() / 2) / BLOCK + 1);
        let mut key: u128 = 0;
        for i in 0..count {
            let k = read_range_key::<K>(reader, i, &mut key, what)?;
            if i as usize % BLOCK == 0 {
                marks.push(Mark {
                    key: k,
                    at: offset(payload, reader),
                });
            }
            read_range_value(reader, max_value, what)?;
        }
        Ok(MappedRanges { count, marks })
    }

    /// The item index covering `key` (see `RangeTable::find`), read from `payload`.
    #[inline]
    pub fn find(&self, payload: &[u8], key: K) -> Option<usize> {
        let b = self
            .marks
            .partition_point(|m| m.key <= key)
            .checked_sub(1)?;
        let mark = self.marks[b];
        let mut pos = mark.at as usize;
        let (at, target): (u128, u128) = (mark.key.into(), key.into());
        let (mut at, target) = (at as u64, target as u64);
        let mut value = varint(payload, &mut pos);
        let in_block = (self.count as usize - b * BLOCK).min(BLOCK);
        for _ in 1..in_block {
            let next = at + varint(payload, &mut pos);
            if next > target {
                break;
            }
            at = next;
            value = varint(payload, &mut pos);
        }
        (value as usize).checked_sub(1)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// True when the table has no entry.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Bytes of the index in memory.
    pub fn memory_bytes(&self) -> usize {
        self.marks.capacity() * size_of::<Mark<K>>()
    }
}

/// The ASN table (`asn_delta`, `org` pairs) read in place by position.
#[derive(Debug, Default)]
pub struct MappedAsns {
    count: u32,
    /// ASN of every `BLOCK`-th entry and where its `org` starts.
    marks: Vec<Mark<u32>>,
}

impl MappedAsns {
    /// Validates `count` entries at the reader; `orgs` is the number of organisation names.
    pub fn index(
        payload: &[u8],
        reader: &mut Reader<'_>,
        count: u32,
        orgs: usize,
    ) -> Result<Self, GeoError> {
        let mut marks =
            Vec::with_capacity((count as usize).min(reader.remaining() / 2) / BLOCK + 1);
        let mut asn = 0u32;
        for i in 0..count {
            let delta = reader.varint_u32("ASN table")?;
            if i > 0 && delta == 0 {
                return Err(GeoError::Malformed("ASNs not increasing"));
            }
            asn = asn
                .checked_add(delta)
                .ok_or(GeoError::Malformed("ASN overflow"))?;
            if i as usize % BLOCK == 0 {
                marks.push(Mark {
                    key: asn,
                    at: offset(payload, reader),
                });
            }
            if reader.varint_u32("ASN table")? as usize > orgs {
                return Err(GeoError::Malformed("ASN organisation out of bounds"));
            }
        }
        Ok(MappedAsns { count, marks })
    }

    /// ASN `i` and its organisation value (0 for none, else name index + 1).
    #[inline]
    pub fn get(&self, payload: &[u8], i: usize) -> Option<(u32, u32)> {
        if i >= self.count as usize {
            return None;
        }
        let mark = self.marks[i / BLOCK];
        let mut pos = mark.at as usize;
        let mut asn = mark.key;
        let mut org = varint(payload, &mut pos) as u32;
        for _ in 0..i % BLOCK {
            asn = asn.wrapping_add(varint(payload, &mut pos) as u32);
            org = varint(payload, &mut pos) as u32;
        }
        Some((asn, org))
    }

    /// Number of ASNs.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// True when the table has no ASN.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Bytes of the index in memory.
    pub fn memory_bytes(&self) -> usize {
        self.marks.capacity() * size_of::<Mark<u32>>()
    }
}

/// A string table read in place by position.
#[derive(Debug, Default)]
pub struct MappedStrings {
    count: u32,
    /// Where every `BLOCK`-th string's length starts.
    marks: Vec<u32>,
}

impl MappedStrings {
    /// Validates `count` UTF-8 strings at the reader and indexes them.
    pub fn index(payload: &[u8], reader: &mut Reader<'_>, count: u32) -> Result<Self, GeoError> {
        let mut marks = Vec::with_capacity((count as usize).min(reader.remaining()) / BLOCK + 1);
        for i in 0..count {
            if i as usize % BLOCK == 0 {
                marks.push(offset(payload, reader));
            }
            let len = reader.varint_u32("string length")? as usize;
            let raw = reader.bytes(len, "string")?;
            core::str::from_utf8(raw).map_err(|_| GeoError::Malformed("string not UTF-8"))?;
        }
        Ok(MappedStrings { count, marks })
    }

    /// String `i`.
    pub fn get<'a>(&self, payload: &'a [u8], i: usize) -> Option<&'a str> {
        if i >= self.count as usize {
            return None;
        }
        let mut pos = self.marks[i / BLOCK] as usize;
        for _ in 0..i % BLOCK {
            let len = varint(payload, &mut pos) as usize;
            pos += len;
        }
        let len = varint(payload, &mut pos) as usize;
        core::str::from_utf8(payload.get(pos..pos.checked_add(len)?)?).ok()
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// True when the table has no string.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Bytes of the index in memory.
    pub fn memory_bytes(&self) -> usize {
        self.marks.capacity() * size_of::<u32>()
    }
}

#[cfg(test)]
#[path = "mapped_tests.rs"]
mod tests;
