//! The compiler from `@ip-location-db` CSVs to `geo.ttdb` (layout in [`super`]'s module doc).
//!
//! Inputs are the upstream CSVs with inclusive ranges: `start,end,country_code` for country
//! files and `start,end,asn,organisation` for ASN files, IPv4 and IPv6. The compiler:
//! - resolves overlapping rows: where rows overlap, the one that starts later wins, so a more
//!   specific range nested inside a wider one (as geofeed data has) takes its part and the wider
//!   one resumes after it; rows starting inside another row are counted;
//! - keys IPv4 ranges by address (u32) and IPv6 ranges by /64 prefix (u64): a /64 takes the
//!   value of the row that holds its first address (`prefix::`), so a row covering no /64 start
//!   is dropped (upstream has a few hundred sub-/64 splits, e.g. inside root-server /48s);
//! - merges neighbouring rows with the same value and writes a "no data" entry after each gap;
//! - deduplicates country codes and organisation names into tables, ASNs into an ASN table that
//!   holds each ASN's organisation (upstream gives one name per ASN; the first one seen is kept).
//!
//! It runs offline (the `telltale-tables` tool), so it allocates freely.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::csv::{records, CsvError};
use super::format::{put_varint, write_container, RangeTable, StringTable};
use super::{count, GEO_MAGIC};

/// Address family of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// IPv4: keys are addresses.
    V4,
    /// IPv6: keys are /64 prefixes.
    V6,
}

impl Family {
    /// Bits dropped from an address to make a key.
    fn key_shift(self) -> u32 {
        match self {
            Family::V4 => 0,
            Family::V6 => 64,
        }
    }

    /// Largest key.
    fn max_key(self) -> u128 {
        match self {
            Family::V4 => u128::from(u32::MAX),
            Family::V6 => u128::from(u64::MAX),
        }
    }
}

/// Why the compiler refused its input.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// The CSV text itself is broken.
    #[error("{source_name}: {error}")]
    Csv {
        /// Which input.
        source_name: String,
        /// The CSV problem.
        error: CsvError,
    },
    /// A record has fields the compiler cannot use.
    #[error("{source_name}: line {line}: {problem}")]
    Record {
        /// Which input.
        source_name: String,
        /// Line of the record.
        line: usize,
        /// What is wrong.
        problem: String,
    },
    /// The tables outgrew the format (more than u32 items).
    #[error("too many {0} for the table format")]
    TooMany(&'static str),
}

/// What the compiler did, for the tool to print.
#[derive(Debug, Default, Clone)]
pub struct CompileStats {
    /// Rows read from all inputs.
    pub rows: usize,
    /// Rows that start inside an earlier-starting row (they win where they overlap).
    pub nested: usize,
    /// Pieces dropped: IPv6 pieces holding no /64 start.
    pub dropped: usize,
    /// ASNs whose organisation differed between rows (the first was kept).
    pub org_conflicts: usize,
}

type Row = (u128, u128, u32);

/// Collects CSV inputs and writes a `geo.ttdb`.
#[derive(Debug, Default)]
pub struct GeoCompiler {
    countries: BTreeMap<[u8; 2], u32>,
    orgs: BTreeMap<String, u32>,
    /// ASN -> organisation index (into `orgs` values), or `None` for an empty name.
    asns: BTreeMap<u32, Option<u32>>,
    country_rows: [Vec<Row>; 2],
    asn_rows: [Vec<Row>; 2],
    stats: CompileStats,
}

fn family_index(family: Family) -> usize {
    match family {
        Family::V4 => 0,
        Family::V6 => 1,
    }
}

fn parse_ip(text: &str, family: Family) -> Option<u128> {
    match (text.trim().parse::<IpAddr>().ok()?, family) {
        (IpAddr::V4(a), Family::V4) => Some(u128::from(u32::from(a))),
        (IpAddr::V6(a), Family::V6) => Some(u128::from(a)),
        _ => None,
    }
}

impl GeoCompiler {
    /// A compiler with no input yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn bad(source_name: &str, line: usize, problem: impl Into<String>) -> CompileError {
        CompileError::Record {
            source_name: source_name.to_string(),
            line,
            problem: problem.into(),
        }
    }

    fn range_of(
        source_name: &str,
        line: usize,
        fields: &[String],
        family: Family,
    ) -> Result<(u128, u128), CompileError> {
        let start = fields.first().and_then(|f| parse_ip(f, family));
        let end = fields.get(1).and_then(|f| parse_ip(f, family));
        match (start, end) {
            (Some(s), Some(e)) if s <= e => Ok((s, e)),
            (Some(_), Some(_)) => Err(Self::bad(source_name, line, "range ends before it starts")),
            _ => Err(Self::bad(
                source_name,
                line,
                format!("not two {family:?} addresses"),
            )),
        }
    }

    /// Adds a `start,end,country_code` CSV.
    pub fn add_country_csv(
        &mut self,
        source_name: &str,
        text: &str,
        family: Family,
    ) -> Result<(), CompileError> {
        let recs = records(text).map_err(|error| CompileError::Csv {
            source_name: source_name.to_string(),
            error,
        })?;
        for rec in recs {
            let (start, end) = Self::range_of(source_name, rec.line, &rec.fields, family)?;
            let code = rec
                .fields
                .get(2)
                .map(|c| c.trim().as_bytes())
                .unwrap_or(b"");
            let code: [u8; 2] = match code {
                [a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => [*a, *b],
                _ => {
                    return Err(Self::bad(
                        source_name,
                        rec.line,
                        "country is not two letters A-Z",
                    ))
                }
            };
            let next = self.countries.len() as u32;
            let index = *self.countries.entry(code).or_insert(next);
            self.country_rows[family_index(family)].push((start, end, index));
            self.stats.rows += 1;
        }
        Ok(())
    }

    /// Adds a `start,end,asn,organisation` CSV.
    pub fn add_asn_csv(
        &mut self,
        source_name: &str,
        text: &str,
        family: Family,
    ) -> Result<(), CompileError> {
        let recs = records(text).map_err(|error| CompileError::Csv {
            source_name: source_name.to_string(),
            error,
        })?;
        for rec in recs {
            let (start, end) = Self::range_of(source_name, rec.line, &rec.fields, family)?;
            let asn: u32 = rec
                .fields
                .get(2)
                .and_then(|a| a.trim().parse().ok())
                .ok_or_else(|| Self::bad(source_name, rec.line, "ASN is not a number"))?;
            let org = rec.fields.get(3).map(|o| o.trim()).unwrap_or("");
            let org_index = if org.is_empty() {
                None
            } else {
                let next = self.orgs.len() as u32;
                Some(*self.orgs.entry(org.to_string()).or_insert(next))
            };
            match self.asns.get(&asn) {
                None => {
                    self.asns.insert(asn, org_index);
                }
                Some(&kept) if kept != org_index => {
                    self.stats.org_conflicts += 1;
                    if kept.is_none() {
                        self.asns.insert(asn, org_index);
                    }
                }
                Some(_) => {}
            }
            self.asn_rows[family_index(family)].push((start, end, asn));
            self.stats.rows += 1;
        }
        Ok(())
    }

    /// Turns possibly overlapping rows into disjoint pieces, sorted: a later-starting row wins
    /// over the rows it starts inside, which resume after it ends (a stack sweep).
    fn disjoint(rows: &mut [Row], stats: &mut CompileStats) -> Vec<Row> {
        // Wider first among equal starts, so the narrower one is on top of the stack. The sort is
        // stable: of two identical ranges, the one later in the input wins.
        rows.sort_by_key(|&(s, e, _)| (s, core::cmp::Reverse(e)));
        let mut pieces = Vec::with_capacity(rows.len());
        // Open rows, latest start on top: (end, value).
        let mut open: Vec<(u128, u32)> = Vec::new();
        // Next address not yet given to a piece; `None` once the whole space is given out.
        let mut next: Option<u128> = Some(0);
        let mut emit = |next: &mut Option<u128>, until: u128, value: u32| {
            if let Some(from) = *next {
                if from <= until {
                    pieces.push((from, until, value));
                    *next = until.checked_add(1);
                }
            }
        };
        for &(start, end, value) in rows.iter() {
            while let Some(&(top_end, top_value)) = open.last() {
                if top_end >= start {
                    break;
                }
                emit(&mut next, top_end, top_value);
                open.pop();
            }
            if let Some(&(_, top_value)) = open.last() {
                stats.nested += 1;
                if start > 0 {
                    emit(&mut next, start - 1, top_value);
                }
            }
            // Nothing before `start` is left to give out.
            next = next.map(|n| n.max(start));
            open.push((end, value));
        }
        while let Some((end, value)) = open.pop() {
            emit(&mut next, end, value);
        }
        pieces
    }

    /// Flattens rows of one family into `(key, value)` entries (value 0 = gap, else item + 1).
    fn flatten(
        rows: &mut [Row],
        family: Family,
        item_of: impl Fn(u32) -> u32,
        stats: &mut CompileStats,
    ) -> Vec<(u128, u32)> {
        let pieces = Self::disjoint(rows, stats);
        let shift = family.key_shift();
        let mask = if shift == 0 { 0 } else { (1u128 << shift) - 1 };
        let mut entries: Vec<(u128, u32)> = Vec::new();
        // The last key covered so far.
        let mut covered_key: Option<u128> = None;
        for &(start, end, raw) in &pieces {
            let first_key = (start >> shift) + u128::from(start & mask != 0);
            let last_key = end >> shift;
            if first_key > last_key || covered_key.is_some_and(|k| first_key <= k) {
                stats.dropped += 1;
                continue;
            }
            let value = item_of(raw) + 1;
            match covered_key {
                Some(k) if first_key == k + 1 && entries.last().map(|e| e.1) == Some(value) => {}
                Some(k) if first_key > k + 1 => {
                    entries.push((k + 1, 0));
                    entries.push((first_key, value));
                }
                _ => entries.push((first_key, value)),
            }
            covered_key = Some(last_key);
        }
        if let Some(k) = covered_key {
            if k < family.max_key() {
                entries.push((k + 1, 0));
            }
        }
        entries
    }

    /// Writes the table file and returns it with what the compiler did.
    pub fn finish(mut self) -> Result<(Vec<u8>, CompileStats), CompileError> {
        let mut stats = self.stats.clone();
        let asn_index: BTreeMap<u32, u32> = self
            .asns
            .keys()
            .enumerate()
            .map(|(i, &asn)| (asn, i as u32))
            .collect();
        let mut country_tables = Vec::new();
        let mut asn_tables = Vec::new();
        for family in [Family::V4, Family::V6] {
            let f = family_index(family);
            country_tables.push(Self::flatten(
                &mut self.country_rows[f],
                family,
                |i| i,
                &mut stats,
            ));
            asn_tables.push(Self::flatten(
                &mut self.asn_rows[f],
                family,
                |asn| asn_index.get(&asn).copied().unwrap_or(0),
                &mut stats,
            ));
        }

        let mut countries: Vec<([u8; 2], u32)> = self.countries.into_iter().collect();
        countries.sort_by_key(|&(_, i)| i);
        let mut orgs: Vec<(String, u32)> = self.orgs.into_iter().collect();
        orgs.sort_by_key(|(_, i)| *i);
        let orgs: Vec<String> = orgs.into_iter().map(|(s, _)| s).collect();

        let mut payload = Vec::new();
        for (code, _) in &countries {
            payload.extend_from_slice(code);
        }
        StringTable::encode(&mut payload, &orgs);
        let mut previous_asn = 0u32;
        for (&asn, org) in &self.asns {
            put_varint(&mut payload, u128::from(asn - previous_asn));
            put_varint(&mut payload, org.map_or(0, |o| u128::from(o) + 1));
            previous_asn = asn;
        }
        let v4 = |t: &[(u128, u32)]| -> Vec<(u32, u32)> {
            t.iter().map(|&(k, v)| (k as u32, v)).collect()
        };
        let v6 = |t: &[(u128, u32)]| -> Vec<(u64, u32)> {
            t.iter().map(|&(k, v)| (k as u64, v)).collect()
        };
        RangeTable::encode(&mut payload, &v4(&country_tables[0]));
        RangeTable::encode(&mut payload, &v6(&country_tables[1]));
        RangeTable::encode(&mut payload, &v4(&asn_tables[0]));
        RangeTable::encode(&mut payload, &v6(&asn_tables[1]));

        let len32 = |n: usize, what| u32::try_from(n).map_err(|_| CompileError::TooMany(what));
        let mut counts = [0u32; count::SLOTS];
        counts[count::COUNTRIES] = len32(countries.len(), "countries")?;
        counts[count::ORGS] = len32(orgs.len(), "organisations")?;
        counts[count::ASNS] = len32(self.asns.len(), "ASNs")?;
        counts[count::V4_COUNTRY] = len32(country_tables[0].len(), "ranges")?;
        counts[count::V6_COUNTRY] = len32(country_tables[1].len(), "ranges")?;
        counts[count::V4_ASN] = len32(asn_tables[0].len(), "ranges")?;
        counts[count::V6_ASN] = len32(asn_tables[1].len(), "ranges")?;
        Ok((write_container(GEO_MAGIC, &counts, &payload), stats))
    }
}
