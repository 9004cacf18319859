//! Device vendor from a MAC address, from the IEEE Registration Authority's public listings
//! (MA-L 24-bit, MA-M 28-bit and MA-S 36-bit assignments; Debian's `ieee-data` package ships
//! them as `oui.csv`, `mam.csv`, `oui36.csv`), compiled by `telltale-tables oui` into `oui.ttdb`.
//!
//! # `oui.ttdb`, format version 1
//!
//! The container of [`crate::geo::format`] with magic `b"TTOUIDB\n"` and four counts ([`count`]):
//! vendor names, MA-L, MA-M and MA-S entries. The payload holds a string table of vendor names,
//! then three prefix tables in the range-table encoding (key delta, value), keys being the
//! assigned prefix as an integer (24, 28 or 36 bits) and values the vendor index + 1. Lookups
//! match exact prefixes, longest first (MA-S, then MA-M, then MA-L): the IEEE lists the MA-L
//! blocks it splits into MA-M/MA-S under its own name ("IEEE Registration Authority"), so the
//! longest match is the real vendor.
//!
//! Randomised (locally administered) MACs, which phones use per network, have no vendor:
//! [`is_locally_administered`] tells them apart.

use std::collections::btree_map::{BTreeMap, Entry};
use std::path::Path;

use crate::geo::compile::CompileError;
use crate::geo::csv::records;
use crate::geo::format::{open_container, write_container, RangeTable, Reader, StringTable};
use crate::geo::{read_table_file, GeoError};

/// Magic of a compiled OUI table.
pub const OUI_MAGIC: &[u8; 8] = b"TTOUIDB\n";

/// Where the box looks for the OUI table unless configured otherwise.
pub const DEFAULT_OUI_PATH: &str = "/usr/share/telltale/oui.ttdb";

/// Indices of the header counts of `oui.ttdb`.
pub mod count {
    /// Vendor names.
    pub const VENDORS: usize = 0;
    /// MA-L (24-bit) entries.
    pub const MA_L: usize = 1;
    /// MA-M (28-bit) entries.
    pub const MA_M: usize = 2;
    /// MA-S (36-bit) entries.
    pub const MA_S: usize = 3;
    /// Number of count slots.
    pub const SLOTS: usize = 4;
}

/// An IEEE assignment block size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    /// MA-L: 24-bit prefix (the classic OUI).
    Large,
    /// MA-M: 28-bit prefix.
    Medium,
    /// MA-S: 36-bit prefix (also the old OUI-36 and IAB).
    Small,
}

impl Block {
    /// Prefix length in bits.
    pub fn bits(self) -> u32 {
        match self {
            Block::Large => 24,
            Block::Medium => 28,
            Block::Small => 36,
        }
    }

    fn index(self) -> usize {
        match self {
            Block::Large => 0,
            Block::Medium => 1,
            Block::Small => 2,
        }
    }
}

/// The top `bits` bits of `mac` as an integer.
fn prefix(mac: [u8; 6], bits: u32) -> u64 {
    let whole = mac.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    whole >> (48 - bits)
}

/// True for a locally administered address (bit 1 of the first octet, IEEE 802 "U/L" bit):
/// randomised MACs and virtual interfaces. These have no vendor.
pub fn is_locally_administered(mac: [u8; 6]) -> bool {
    mac[0] & 0x02 != 0
}

/// True for a group (multicast or broadcast) address (bit 0 of the first octet, "I/G" bit).
pub fn is_multicast(mac: [u8; 6]) -> bool {
    mac[0] & 0x01 != 0
}

/// Entry counts and memory held by an [`OuiDb`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OuiSizes {
    /// Vendor names.
    pub vendors: usize,
    /// MA-L, MA-M, MA-S entries.
    pub entries: [usize; 3],
    /// Bytes held in memory.
    pub memory_bytes: usize,
}

/// The compiled IEEE vendor table, in memory.
#[derive(Debug)]
pub struct OuiDb {
    vendors: StringTable,
    /// MA-L, MA-M, MA-S prefix tables.
    blocks: [RangeTable<u64>; 3],
}

impl OuiDb {
    /// Reads and validates the table at `path`. Every error names the path and the problem.
    pub fn open(path: impl AsRef<Path>) -> Result<OuiDb, GeoError> {
        let path = path.as_ref();
        let bytes = read_table_file(path)?;
        Self::from_bytes(&bytes).map_err(|e| GeoError::InFile {
            path: path.to_path_buf(),
            problem: Box::new(e),
        })
    }

    /// The one-line warning to print when the table is missing or unusable; the caller then
    /// carries on without device vendors.
    pub fn missing_warning(error: &GeoError) -> String {
        format!("warning: OUI table unavailable, devices get no vendor: {error}")
    }

    /// Decodes and validates a table held in memory.
    pub fn from_bytes(bytes: &[u8]) -> Result<OuiDb, GeoError> {
        let container = open_container(bytes, OUI_MAGIC, count::SLOTS)?;
        let counts = &container.counts;
        let mut reader = Reader::new(container.payload);
        let vendors = StringTable::decode(&mut reader, counts[count::VENDORS])?;
        let n = counts[count::VENDORS];
        let large = RangeTable::decode(&mut reader, counts[count::MA_L], n, "MA-L")?;
        let medium = RangeTable::decode(&mut reader, counts[count::MA_M], n, "MA-M")?;
        let small = RangeTable::decode(&mut reader, counts[count::MA_S], n, "MA-S")?;
        reader.finish()?;
        Ok(OuiDb {
            vendors,
            blocks: [large, medium, small],
        })
    }

    /// The vendor the IEEE assigned `mac`'s prefix to, longest prefix first. Group and locally
    /// administered addresses have none. No allocation.
    pub fn vendor(&self, mac: [u8; 6]) -> Option<&str> {
        if is_locally_administered(mac) || is_multicast(mac) {
            return None;
        }
        [Block::Small, Block::Medium, Block::Large]
            .into_iter()
            .find_map(|block| self.blocks[block.index()].exact(prefix(mac, block.bits())))
            .and_then(|v| self.vendors.get(v))
    }

    /// Entry counts and memory held.
    pub fn sizes(&self) -> OuiSizes {
        OuiSizes {
            vendors: self.vendors.len(),
            entries: [
                self.blocks[0].len(),
                self.blocks[1].len(),
                self.blocks[2].len(),
            ],
            memory_bytes: self.vendors.memory_bytes()
                + self
                    .blocks
                    .iter()
                    .map(RangeTable::memory_bytes)
                    .sum::<usize>(),
        }
    }
}

/// Collects IEEE registry CSVs (`Registry,Assignment,Organization Name,Organization Address`)
/// and writes an `oui.ttdb`.
#[derive(Debug, Default)]
pub struct OuiCompiler {
    vendors: BTreeMap<String, u32>,
    /// Per block: prefix -> vendor index.
    blocks: [BTreeMap<u64, u32>; 3],
    /// Rows read.
    pub rows: usize,
    /// Prefixes listed twice (the first is kept).
    pub duplicates: usize,
}

impl OuiCompiler {
    /// A compiler with no input yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one registry CSV (the header row is skipped; the block size comes from each row's
    /// `Registry` column: `MA-L`, `MA-M`, `MA-S`; `IAB` rows count as MA-S).
    pub fn add_csv(&mut self, source_name: &str, text: &str) -> Result<(), CompileError> {
        let bad = |line, problem: &str| CompileError::Record {
            source_name: source_name.to_string(),
            line,
            problem: problem.to_string(),
        };
        let recs = records(text).map_err(|error| CompileError::Csv {
            source_name: source_name.to_string(),
            error,
        })?;
        for rec in recs {
            let field = |i: usize| rec.fields.get(i).map(|f| f.trim()).unwrap_or("");
            if field(0) == "Registry" {
                continue;
            }
            let block = match field(0) {
                "MA-L" => Block::Large,
                "MA-M" => Block::Medium,
                "MA-S" | "IAB" => Block::Small,
                _ => return Err(bad(rec.line, "unknown registry")),
            };
            let hex = field(1);
            if hex.len() * 4 != block.bits() as usize {
                return Err(bad(
                    rec.line,
                    "assignment length does not match the registry",
                ));
            }
            let key =
                u64::from_str_radix(hex, 16).map_err(|_| bad(rec.line, "assignment not hex"))?;
            let name = field(2);
            if name.is_empty() {
                return Err(bad(rec.line, "no organisation name"));
            }
            let next = self.vendors.len() as u32;
            let vendor = *self.vendors.entry(name.to_string()).or_insert(next);
            // A prefix listed twice keeps its first listing.
            match self.blocks[block.index()].entry(key) {
                Entry::Vacant(slot) => {
                    slot.insert(vendor);
                }
                Entry::Occupied(_) => self.duplicates += 1,
            }
            self.rows += 1;
        }
        Ok(())
    }

    /// Writes the table file.
    pub fn finish(self) -> Result<Vec<u8>, CompileError> {
        let mut names: Vec<(&String, &u32)> = self.vendors.iter().collect();
        names.sort_by_key(|&(_, &i)| i);
        let names: Vec<&str> = names.into_iter().map(|(s, _)| s.as_str()).collect();
        let mut payload = Vec::new();
        StringTable::encode(&mut payload, &names);
        let mut counts = [0u32; count::SLOTS];
        counts[count::VENDORS] =
            u32::try_from(names.len()).map_err(|_| CompileError::TooMany("vendors"))?;
        for (i, block) in self.blocks.iter().enumerate() {
            let entries: Vec<(u64, u32)> = block.iter().map(|(&k, &v)| (k, v + 1)).collect();
            RangeTable::encode(&mut payload, &entries);
            counts[count::MA_L + i] =
                u32::try_from(entries.len()).map_err(|_| CompileError::TooMany("prefixes"))?;
        }
        Ok(write_container(OUI_MAGIC, &counts, &payload))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An MA-L block, an MA-L the IEEE split further (one MA-M and one MA-S inside it), and an
    /// MA-S inside an MA-M.
    const MA_L: &str = "\
Registry,Assignment,Organization Name,Organization Address
MA-L,640980,Xiaomi Communications Co Ltd,\"The Rainbow City, Beijing\"
MA-L,70B3D5,IEEE Registration Authority,\"445 Hoes Lane
Piscataway NJ US 08854\"
";
    const MA_M: &str = "\
Registry,Assignment,Organization Name,Organization Address
MA-M,70B3D51,Medium Maker,Somewhere
MA-M,741AE09,Private,
";
    const MA_S: &str = "\
Registry,Assignment,Organization Name,Organization Address
MA-S,70B3D5F2F,TELEPLATFORMS,\"Polbina st., 3/1 Moscow  RU 109388 \"
MA-S,741AE09AB,Small Inside Medium,x
";

    fn db_bytes() -> Vec<u8> {
        let mut c = OuiCompiler::new();
        c.add_csv("oui.csv", MA_L).unwrap();
        c.add_csv("mam.csv", MA_M).unwrap();
        c.add_csv("oui36.csv", MA_S).unwrap();
        assert_eq!(c.rows, 6);
        c.finish().unwrap()
    }

    fn db() -> OuiDb {
        OuiDb::from_bytes(&db_bytes()).unwrap()
    }

    #[test]
    fn longest_prefix_wins() {
        let db = db();
        assert_eq!(
            db.vendor([0x64, 0x09, 0x80, 1, 2, 3]),
            Some("Xiaomi Communications Co Ltd")
        );
        // 70:B3:D5:F2:F0:00 is inside MA-S 70B3D5F2F, itself inside MA-L 70B3D5.
        assert_eq!(
            db.vendor([0x70, 0xb3, 0xd5, 0xf2, 0xf7, 0x77]),
            Some("TELEPLATFORMS")
        );
        // 70:B3:D5:F3:.. is not in that MA-S: the MA-L (the IEEE itself) answers.
        assert_eq!(
            db.vendor([0x70, 0xb3, 0xd5, 0xf3, 0x00, 0x00]),
            Some("IEEE Registration Authority")
        );
        // 70:B3:D5:1x:.. is the MA-M 70B3D51.
        assert_eq!(
            db.vendor([0x70, 0xb3, 0xd5, 0x1a, 0xbc, 0xde]),
            Some("Medium Maker")
        );
        // MA-S inside an MA-M, then the MA-M around it.
        assert_eq!(
            db.vendor([0x74, 0x1a, 0xe0, 0x9a, 0xb0, 0x01]),
            Some("Small Inside Medium")
        );
        assert_eq!(
            db.vendor([0x74, 0x1a, 0xe0, 0x9a, 0xc0, 0x01]),
            Some("Private")
        );
        assert_eq!(db.vendor([0x00, 0x11, 0x22, 0x33, 0x44, 0x55]), None);
        assert_eq!(db.sizes().entries, [2, 2, 2]);
    }

    #[test]
    fn address_bits() {
        // 0x66 = 0b0110_0110: U/L bit set, I/G bit clear (a randomised phone MAC).
        let random = [0x66, 0x09, 0x80, 1, 2, 3];
        assert!(is_locally_administered(random));
        assert!(!is_multicast(random));
        assert!(!is_locally_administered([0x64, 0x09, 0x80, 1, 2, 3]));
        assert!(is_multicast([0x01, 0x00, 0x5e, 0, 0, 0xfb]));
        assert!(is_multicast([0xff; 6]));
        // Neither kind has a vendor, even when the rest matches a registered prefix.
        assert_eq!(db().vendor(random), None);
        assert_eq!(db().vendor([0x65, 0x09, 0x80, 1, 2, 3]), None);
    }

    #[test]
    fn bad_rows_are_errors() {
        let mut c = OuiCompiler::new();
        assert!(c.add_csv("x", "MA-L,6409,Short,\n").is_err());
        assert!(c.add_csv("x", "MA-M,6409ZZ0,Nothex,\n").is_err());
        assert!(c.add_csv("x", "EUI,640980,What,\n").is_err());
        assert!(c.add_csv("x", "MA-L,640980,,\n").is_err());
    }

    #[test]
    fn truncated_and_corrupt_tables_are_errors() {
        let bytes = db_bytes();
        for len in 0..bytes.len() {
            assert!(OuiDb::from_bytes(&bytes[..len]).is_err(), "length {len}");
        }
        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(matches!(
            OuiDb::from_bytes(&flipped),
            Err(GeoError::Checksum)
        ));
        // A geo table is not an OUI table.
        let mut wrong_kind = bytes;
        wrong_kind[..8].copy_from_slice(b"TTGEODB\n");
        assert!(matches!(
            OuiDb::from_bytes(&wrong_kind),
            Err(GeoError::BadMagic)
        ));
    }
}
