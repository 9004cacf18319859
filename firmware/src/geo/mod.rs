//! Country and ASN/organisation of a remote address, from a compiled table loaded at start.
//!
//! The box names every destination with its country and AS (DESIGN.md, "Naming"). The data is
//! the `@ip-location-db` CSVs (licences and versions in `docs/data-attributions.md`), compiled by
//! `telltale-tables geo` ([`compile`]) into one `geo.ttdb` file that [`GeoDb::open`] maps and searches
//! in place ([`mapped`]). [`GeoDb::lookup`] allocates nothing.
//!
//! # `geo.ttdb`, format version 1
//!
//! The container (magic `b"TTGEODB\n"`, version, count slots, payload length, CRC-32, counts) is
//! described in [`format`]. The seven counts ([`count`]) are, in order: country codes,
//! organisation names, ASNs, IPv4 country ranges, IPv6 country ranges, IPv4 ASN ranges, IPv6
//! ASN ranges. The payload holds, in order:
//!
//! 1. country codes: `countries` x 2 ASCII bytes `A`-`Z`;
//! 2. organisation names: a string table;
//! 3. the ASN table: `asns` x (`asn_delta` varint, `org` varint), ASNs strictly increasing from
//!    0, `org` 0 for "no name" else name index + 1;
//! 4. four range tables (see [`format`]): IPv4 country (u32 address keys), IPv6 country (u64
//!    /64-prefix keys), IPv4 ASN, IPv6 ASN. Country values point into the country codes, ASN
//!    values into the ASN table.
//!
//! IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are looked up as IPv4.

pub mod compile;
pub mod csv;
pub mod format;
pub mod locate;
pub mod mapped;
mod recent;

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use format::{open_container, Reader};
use mapped::{MappedAsns, MappedRanges, MappedStrings};

/// Magic of a compiled geo table.
pub const GEO_MAGIC: &[u8; 8] = b"TTGEODB\n";

/// Where the box looks for the geo table unless configured otherwise.
pub const DEFAULT_GEO_PATH: &str = "/usr/share/telltale/geo.ttdb";

/// Indices of the header counts of `geo.ttdb`.
pub mod count {
    /// Country codes.
    pub const COUNTRIES: usize = 0;
    /// Organisation names.
    pub const ORGS: usize = 1;
    /// ASNs in the ASN table.
    pub const ASNS: usize = 2;
    /// IPv4 country range entries.
    pub const V4_COUNTRY: usize = 3;
    /// IPv6 country range entries.
    pub const V6_COUNTRY: usize = 4;
    /// IPv4 ASN range entries.
    pub const V4_ASN: usize = 5;
    /// IPv6 ASN range entries.
    pub const V6_ASN: usize = 6;
    /// Number of count slots.
    pub const SLOTS: usize = 7;
}

/// Why a table file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    /// Reading the file failed (missing, unreadable).
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error (in the message, not a separate cause, so it prints once).
        error: std::io::Error,
    },
    /// A problem with the content, with the file it was found in.
    #[error("{path}: {problem}")]
    InFile {
        /// The file.
        path: PathBuf,
        /// The content problem.
        problem: Box<GeoError>,
    },
    /// Not a table of the expected kind.
    #[error("not a telltale table of this kind (bad magic)")]
    BadMagic,
    /// A format version this code does not read.
    #[error("table format version {0} is not supported (this build reads version 1)")]
    Version(u16),
    /// The file ends inside `what`.
    #[error("truncated: file ends inside the {what} ({have} bytes)")]
    Truncated {
        /// The part that is cut short.
        what: &'static str,
        /// Bytes available in the part being read.
        have: usize,
    },
    /// The payload does not match its checksum.
    #[error("checksum mismatch: the table is corrupt")]
    Checksum,
    /// A field holds a value the format does not allow.
    #[error("malformed table: {0}")]
    Malformed(&'static str),
}

impl GeoError {
    /// True when the file simply is not there (the caller warns and carries on without it).
    pub fn is_missing(&self) -> bool {
        matches!(self, GeoError::Io { error, .. } if error.kind() == std::io::ErrorKind::NotFound)
    }

    fn in_file(self, path: &Path) -> GeoError {
        GeoError::InFile {
            path: path.to_path_buf(),
            problem: Box::new(self),
        }
    }
}

/// Reads a whole table file, mapping failures to [`GeoError`]s that name the path.
pub(crate) fn read_table_file(path: &Path) -> Result<Vec<u8>, GeoError> {
    std::fs::read(path).map_err(|error| GeoError::Io {
        path: path.to_path_buf(),
        error,
    })
}

/// What the table knows about one address. Borrowed from the [`GeoDb`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GeoInfo<'a> {
    /// ISO 3166-1 alpha-2 country code, ASCII uppercase.
    pub country: Option<[u8; 2]>,
    /// Autonomous system number.
    pub asn: Option<u32>,
    /// The AS's organisation name.
    pub org: Option<&'a str>,
}

impl GeoInfo<'_> {
    /// The country code as text.
    pub fn country_str(&self) -> Option<&str> {
        self.country
            .as_ref()
            .and_then(|c| core::str::from_utf8(c).ok())
    }
}

/// Sizes of a loaded table, for the tool and the start-up log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeoSizes {
    /// Country codes.
    pub countries: usize,
    /// ASNs.
    pub asns: usize,
    /// Organisation names.
    pub orgs: usize,
    /// Range entries: IPv4 country, IPv6 country, IPv4 ASN, IPv6 ASN.
    pub ranges: [usize; 4],
    /// Bytes held in memory: the country codes and the index over the mapped file.
    pub memory_bytes: usize,
    /// Bytes of the table file, searched in place (resident only where lookups touched it).
    pub file_bytes: usize,
}

/// Where the table's bytes live.
enum Backing {
    /// The file, mapped read-only (`GeoDb::open`).
    Map(memmap2::Mmap),
    /// A copy in memory (`GeoDb::from_bytes`).
    Owned(Vec<u8>),
}

impl Backing {
    fn bytes(&self) -> &[u8] {
        match self {
            Backing::Map(m) => m,
            Backing::Owned(v) => v,
        }
    }
}

/// The compiled country and ASN table: the file mapped and searched in place, with a sparse
/// index in memory (see [`mapped`]).
pub struct GeoDb {
    backing: Backing,
    /// Where the payload starts in the backing bytes.
    payload_at: usize,
    countries: Vec<[u8; 2]>,
    orgs: MappedStrings,
    asns: MappedAsns,
    v4_country: MappedRanges<u32>,
    v6_country: MappedRanges<u64>,
    v4_asn: MappedRanges<u32>,
    v6_asn: MappedRanges<u64>,
    /// The last addresses located (see `lookup_remembered`).
    recent: recent::Recent,
}

impl core::fmt::Debug for GeoDb {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GeoDb")
            .field("sizes", &self.sizes())
            .finish_non_exhaustive()
    }
}

impl GeoDb {
    /// Maps and validates the table at `path`. Every error names the path and the problem.
    ///
    /// The whole file is read once to check it and build the index; its pages are then handed
    /// back (`MADV_DONTNEED`), so that only the pages later lookups touch are resident.
    pub fn open(path: impl AsRef<Path>) -> Result<GeoDb, GeoError> {
        let path = path.as_ref();
        let io = |error| GeoError::Io {
            path: path.to_path_buf(),
            error,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        // SAFETY: `Mmap::map` is unsafe because the mapped bytes could change or vanish if the
        // file is modified while mapped. The table is a read-only data file installed with the
        // box (a package upgrade replaces it by renaming a new file over it, which leaves this
        // mapping on the old inode); its content is validated below like any input, and every
        // read afterwards is bounds-checked, so changed bytes give wrong names, not unsafety.
        // A file truncated under us would raise SIGBUS on the next touch past its new end, the
        // trade-off every mmap reader makes.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
        let db = Self::index(Backing::Map(map)).map_err(|e| e.in_file(path))?;
        if let Backing::Map(map) = &db.backing {
            // Validation touched every page; drop them from this process (they stay in the page
            // cache and come back on the next touch). Failure only costs resident memory.
            // SAFETY: `MADV_DONTNEED` is "unchecked" because on a private writable mapping it
            // throws away changes. This mapping is read-only and shared with the file, never
            // written: the next touch reads the same bytes back from the file.
            let _ = unsafe { map.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
        }
        Ok(db)
    }

    /// The one-line warning to print when the table is missing or unusable; the caller then
    /// carries on without country and ASN names.
    pub fn missing_warning(error: &GeoError) -> String {
        format!("warning: geo table unavailable, destinations get no country/ASN: {error}")
    }

    /// Validates a table held in memory (copied).
    pub fn from_bytes(bytes: &[u8]) -> Result<GeoDb, GeoError> {
        Self::index(Backing::Owned(bytes.to_vec()))
    }

    fn index(backing: Backing) -> Result<GeoDb, GeoError> {
        let bytes = backing.bytes();
        let container = open_container(bytes, GEO_MAGIC, count::SLOTS)?;
        let counts = &container.counts;
        let payload = container.payload;
        let payload_at = bytes.len() - payload.len();
        let mut reader = Reader::new(payload);

        let country_count = counts[count::COUNTRIES];
        let raw = reader.bytes(2 * country_count as usize, "country codes")?;
        let mut countries = Vec::with_capacity(country_count as usize);
        for pair in raw.chunks_exact(2) {
            if !pair.iter().all(u8::is_ascii_uppercase) {
                return Err(GeoError::Malformed("country code not A-Z"));
            }
            countries.push([pair[0], pair[1]]);
        }

        let orgs = MappedStrings::index(payload, &mut reader, counts[count::ORGS])?;
        let asn_count = counts[count::ASNS];
        let asns = MappedAsns::index(payload, &mut reader, asn_count, orgs.len())?;
        let v4_country = MappedRanges::index(
            payload,
            &mut reader,
            counts[count::V4_COUNTRY],
            country_count,
            "IPv4 countries",
        )?;
        let v6_country = MappedRanges::index(
            payload,
            &mut reader,
            counts[count::V6_COUNTRY],
            country_count,
            "IPv6 countries",
        )?;
        let v4_asn = MappedRanges::index(
            payload,
            &mut reader,
            counts[count::V4_ASN],
            asn_count,
            "IPv4 ASNs",
        )?;
        let v6_asn = MappedRanges::index(
            payload,
            &mut reader,
            counts[count::V6_ASN],
            asn_count,
            "IPv6 ASNs",
        )?;
        reader.finish()?;
        Ok(GeoDb {
            backing,
            payload_at,
            countries,
            orgs,
            asns,
            v4_country,
            v6_country,
            v4_asn,
            v6_asn,
            recent: recent::Recent::default(),
        })
    }

    fn payload(&self) -> &[u8] {
        &self.backing.bytes()[self.payload_at..]
    }

    /// Country, ASN and organisation of `ip`; all `None` for addresses the data does not cover
    /// (private ranges, unallocated space). Binary search in the index, then a few entries
    /// decoded in place; no allocation.
    pub fn lookup(&self, ip: IpAddr) -> GeoInfo<'_> {
        let payload = self.payload();
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let (country, asn_index) = match ip {
            IpAddr::V4(a) => {
                let key = u32::from(a);
                (
                    self.v4_country.find(payload, key),
                    self.v4_asn.find(payload, key),
                )
            }
            IpAddr::V6(a) => {
                let key = (u128::from(a) >> 64) as u64;
                (
                    self.v6_country.find(payload, key),
                    self.v6_asn.find(payload, key),
                )
            }
        };
        let entry = asn_index.and_then(|i| self.asns.get(payload, i));
        let org = entry
            .and_then(|(_, o)| (o as usize).checked_sub(1))
            .and_then(|o| self.orgs.get(payload, o));
        GeoInfo {
            country: country.and_then(|i| self.countries.get(i).copied()),
            asn: entry.map(|(asn, _)| asn),
            org,
        }
    }

    /// `lookup`, answered from the last addresses looked up this way when `ip` is one of them
    /// (a flow's address is located several times over its life).
    pub fn lookup_remembered(&self, ip: IpAddr) -> GeoInfo<'_> {
        let payload = self.payload();
        if let Some(info) = self.recent.get(ip, payload) {
            return info;
        }
        let info = self.lookup(ip);
        self.recent.put(ip, &info, payload);
        info
    }

    /// Entry counts and memory held.
    pub fn sizes(&self) -> GeoSizes {
        let ranges = [
            self.v4_country.len(),
            self.v6_country.len(),
            self.v4_asn.len(),
            self.v6_asn.len(),
        ];
        let memory_bytes = self.countries.len() * 2
            + self.orgs.memory_bytes()
            + self.asns.memory_bytes()
            + self.v4_country.memory_bytes()
            + self.v6_country.memory_bytes()
            + self.v4_asn.memory_bytes()
            + self.v6_asn.memory_bytes();
        GeoSizes {
            countries: self.countries.len(),
            asns: self.asns.len(),
            orgs: self.orgs.len(),
            ranges,
            memory_bytes,
            file_bytes: self.backing.bytes().len(),
        }
    }
}

#[cfg(test)]
mod tests;
