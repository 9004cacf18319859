//! Watchlists and the matchers behind them: domain suffixes, CIDRs (longest prefix), ASNs,
//! countries and MAC addresses.
//!
//! Every set is built once when the rules load (collect, sort, drop duplicates) and then only
//! read: lookups are binary searches over sorted vectors and never allocate, so the detector can
//! call them for every flow.

use std::cmp::Ordering;
use std::net::IpAddr;

use super::values::{mask_v4, mask_v6, Category, Cidr};

/// What a watched destination matched: the list, its category, and where the entry comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchHit {
    /// The list's name (`[watchlists.NAME]`, an import's `list`, or `[[watch]]`'s `list`).
    pub list: String,
    /// What kind of destination the list names.
    pub category: Category,
    /// The citation: a report, a paper or a list's address.
    pub source: String,
}

/// Compares a stored (lower-case) name with a query, ignoring the query's ASCII case.
fn compare_lowercase(stored: &str, query: &str) -> Ordering {
    let query = query.bytes().map(|b| b.to_ascii_lowercase());
    stored.bytes().cmp(query)
}

/// Domain suffixes: `example.com` matches `example.com` and every name under it, on label
/// boundaries only. The most specific (longest) matching entry wins.
#[derive(Debug, Clone)]
pub struct DomainSet<T> {
    entries: Vec<(Box<str>, T)>,
}

impl<T> Default for DomainSet<T> {
    fn default() -> Self {
        DomainSet {
            entries: Vec::new(),
        }
    }
}

impl<T> DomainSet<T> {
    /// Builds the set from normalised names (lower case, no trailing dot). On duplicates the
    /// first one given wins; returns the set and how many duplicates were dropped.
    pub fn build(mut entries: Vec<(Box<str>, T)>) -> (Self, usize) {
        // A stable sort keeps the first of equal names first; dedup then keeps it.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let before = entries.len();
        entries.dedup_by(|later, earlier| later.0 == earlier.0);
        let duplicates = before - entries.len();
        (DomainSet { entries }, duplicates)
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the set has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The most specific entry that `name` is equal to or under. Case-insensitive; one trailing
    /// dot is ignored. Does not allocate.
    pub fn lookup(&self, name: &str) -> Option<&T> {
        if self.entries.is_empty() {
            return None;
        }
        let mut name = name.strip_suffix('.').unwrap_or(name);
        loop {
            if name.is_empty() {
                return None;
            }
            if let Ok(i) = self
                .entries
                .binary_search_by(|(stored, _)| compare_lowercase(stored, name))
            {
                return self.entries.get(i).map(|(_, value)| value);
            }
            // Drop the leftmost label: "a.b.example.com" -> "b.example.com".
            name = &name[name.find('.')? + 1..];
        }
    }

    /// True when `name` is equal to or under an entry.
    pub fn contains(&self, name: &str) -> bool {
        self.lookup(name).is_some()
    }
}

/// CIDR blocks, IPv4 and IPv6, matched by longest prefix.
///
/// Entries are grouped by prefix length, longest first; a lookup masks the address to each length
/// present and binary-searches that group, so it costs at most 33 (IPv4) or 129 (IPv6) searches.
#[derive(Debug, Clone)]
pub struct CidrSet<T> {
    /// (prefix, network, value), sorted by prefix descending then network.
    v4: Vec<(u8, u32, T)>,
    /// (prefix, first index, end index) of each prefix group in `v4`, longest prefix first.
    v4_groups: Vec<(u8, usize, usize)>,
    v6: Vec<(u8, u128, T)>,
    v6_groups: Vec<(u8, usize, usize)>,
}

impl<T> Default for CidrSet<T> {
    fn default() -> Self {
        CidrSet {
            v4: Vec::new(),
            v4_groups: Vec::new(),
            v6: Vec::new(),
            v6_groups: Vec::new(),
        }
    }
}

/// The (prefix, start, end) runs of equal prefixes in a vector sorted by prefix.
fn prefix_groups<N>(entries: &[(u8, N, impl Sized)]) -> Vec<(u8, usize, usize)> {
    let mut groups: Vec<(u8, usize, usize)> = Vec::new();
    for (i, (prefix, _, _)) in entries.iter().enumerate() {
        match groups.last_mut() {
            Some((p, _, end)) if p == prefix => *end = i + 1,
            _ => groups.push((*prefix, i, i + 1)),
        }
    }
    groups
}

impl<T> CidrSet<T> {
    /// Builds the set. On duplicate blocks the first one given wins; returns the set and how
    /// many duplicates were dropped.
    pub fn build(entries: Vec<(Cidr, T)>) -> (Self, usize) {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for (cidr, value) in entries {
            match cidr.network {
                IpAddr::V4(a) => v4.push((cidr.prefix, u32::from(a), value)),
                IpAddr::V6(a) => v6.push((cidr.prefix, u128::from(a), value)),
            }
        }
        v4.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        v6.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let before = v4.len() + v6.len();
        v4.dedup_by(|later, earlier| later.0 == earlier.0 && later.1 == earlier.1);
        v6.dedup_by(|later, earlier| later.0 == earlier.0 && later.1 == earlier.1);
        let duplicates = before - v4.len() - v6.len();
        let v4_groups = prefix_groups(&v4);
        let v6_groups = prefix_groups(&v6);
        (
            CidrSet {
                v4,
                v4_groups,
                v6,
                v6_groups,
            },
            duplicates,
        )
    }

    /// The number of IPv4 blocks.
    pub fn len_v4(&self) -> usize {
        self.v4.len()
    }

    /// The number of IPv6 blocks.
    pub fn len_v6(&self) -> usize {
        self.v6.len()
    }

    /// The longest-prefix block containing `address`. IPv4-mapped IPv6 addresses
    /// (`::ffff:a.b.c.d`) are looked up as IPv4. Does not allocate.
    pub fn lookup(&self, address: IpAddr) -> Option<&T> {
        match address {
            IpAddr::V4(a) => self.lookup_v4(u32::from(a)),
            IpAddr::V6(a) => match a.to_ipv4_mapped() {
                Some(v4) => self.lookup_v4(u32::from(v4)),
                None => self.lookup_v6(u128::from(a)),
            },
        }
    }

    fn lookup_v4(&self, address: u32) -> Option<&T> {
        for &(prefix, start, end) in &self.v4_groups {
            let group = self.v4.get(start..end)?;
            let network = mask_v4(address, prefix);
            if let Ok(i) = group.binary_search_by(|entry| entry.1.cmp(&network)) {
                return group.get(i).map(|entry| &entry.2);
            }
        }
        None
    }

    fn lookup_v6(&self, address: u128) -> Option<&T> {
        for &(prefix, start, end) in &self.v6_groups {
            let group = self.v6.get(start..end)?;
            let network = mask_v6(address, prefix);
            if let Ok(i) = group.binary_search_by(|entry| entry.1.cmp(&network)) {
                return group.get(i).map(|entry| &entry.2);
            }
        }
        None
    }

    /// True when a block contains `address`.
    pub fn contains(&self, address: IpAddr) -> bool {
        self.lookup(address).is_some()
    }
}

/// A sorted map from small keys (ASNs, country codes, MAC addresses) to values.
#[derive(Debug, Clone)]
pub struct KeySet<K, T> {
    entries: Vec<(K, T)>,
}

impl<K, T> Default for KeySet<K, T> {
    fn default() -> Self {
        KeySet {
            entries: Vec::new(),
        }
    }
}

impl<K: Ord + Copy, T> KeySet<K, T> {
    /// Builds the set; the first of duplicate keys wins. Returns the set and the duplicates.
    pub fn build(mut entries: Vec<(K, T)>) -> (Self, usize) {
        entries.sort_by_key(|entry| entry.0);
        let before = entries.len();
        entries.dedup_by(|later, earlier| later.0 == earlier.0);
        let duplicates = before - entries.len();
        (KeySet { entries }, duplicates)
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the set has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The value stored for `key`. Does not allocate.
    pub fn lookup(&self, key: K) -> Option<&T> {
        let i = self
            .entries
            .binary_search_by(|entry| entry.0.cmp(&key))
            .ok()?;
        self.entries.get(i).map(|entry| &entry.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::values::cidr;

    fn domains(names: &[(&str, u32)]) -> DomainSet<u32> {
        DomainSet::build(names.iter().map(|&(n, v)| (n.into(), v)).collect()).0
    }

    #[test]
    fn suffix_match_on_label_boundaries() {
        let set = domains(&[("xiaomi.com", 1), ("miui.com", 2)]);
        assert_eq!(set.lookup("xiaomi.com"), Some(&1));
        assert_eq!(set.lookup("data.mistat.xiaomi.com"), Some(&1));
        assert_eq!(set.lookup("notxiaomi.com"), None);
        assert_eq!(set.lookup("xiaomi.com.evil.net"), None);
        assert_eq!(set.lookup("com"), None);
        assert_eq!(set.lookup(""), None);
        assert_eq!(set.lookup("."), None);
        assert_eq!(set.lookup("a..xiaomi.com"), Some(&1));
    }

    #[test]
    fn case_and_trailing_dot_are_ignored() {
        let set = domains(&[("tracking.miui.com", 7)]);
        assert_eq!(set.lookup("TRACKING.Miui.COM."), Some(&7));
        assert_eq!(set.lookup("x.tracking.miui.com."), Some(&7));
        assert_eq!(set.lookup("tracking.miui.com.."), None);
    }

    #[test]
    fn most_specific_entry_wins() {
        let set = domains(&[
            ("xiaomi.com", 1),
            ("ad.xiaomi.com", 2),
            ("api.ad.xiaomi.com", 3),
        ]);
        assert_eq!(set.lookup("api.ad.xiaomi.com"), Some(&3));
        assert_eq!(set.lookup("x.ad.xiaomi.com"), Some(&2));
        assert_eq!(set.lookup("account.xiaomi.com"), Some(&1));
    }

    #[test]
    fn first_duplicate_wins_and_is_counted() {
        let (set, dups) = DomainSet::build(vec![
            ("a.com".into(), 1),
            ("b.com".into(), 2),
            ("a.com".into(), 3),
        ]);
        assert_eq!(dups, 1);
        assert_eq!(set.len(), 2);
        assert_eq!(set.lookup("a.com"), Some(&1));
    }

    #[test]
    fn longest_prefix_v4_and_v6() {
        let (set, dups) = CidrSet::build(vec![
            (cidr("10.0.0.0/8").unwrap(), "eight"),
            (cidr("10.1.0.0/16").unwrap(), "sixteen"),
            (cidr("10.1.2.3").unwrap(), "host"),
            (cidr("2001:db8::/32").unwrap(), "doc"),
            (cidr("2001:db8:1::/48").unwrap(), "doc48"),
            (cidr("10.0.0.0/8").unwrap(), "again"),
        ]);
        assert_eq!(dups, 1);
        assert_eq!((set.len_v4(), set.len_v6()), (3, 2));
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(set.lookup(ip("10.9.9.9")), Some(&"eight"));
        assert_eq!(set.lookup(ip("10.1.9.9")), Some(&"sixteen"));
        assert_eq!(set.lookup(ip("10.1.2.3")), Some(&"host"));
        assert_eq!(set.lookup(ip("11.0.0.1")), None);
        assert_eq!(set.lookup(ip("2001:db8:ffff::1")), Some(&"doc"));
        assert_eq!(set.lookup(ip("2001:db8:1::1")), Some(&"doc48"));
        assert_eq!(set.lookup(ip("2001:db9::1")), None);
        assert_eq!(set.lookup(ip("::ffff:10.1.2.3")), Some(&"host"));
    }

    #[test]
    fn default_route_matches_everything_of_its_family() {
        let (set, _) = CidrSet::build(vec![(cidr("0.0.0.0/0").unwrap(), ())]);
        assert!(set.contains("203.0.113.9".parse().unwrap()));
        assert!(!set.contains("2001:db8::1".parse().unwrap()));
    }

    #[test]
    fn key_sets() {
        let (set, dups) = KeySet::build(vec![(13335u32, 'a'), (4134, 'b'), (13335, 'c')]);
        assert_eq!(dups, 1);
        assert_eq!(set.lookup(13335), Some(&'a'));
        assert_eq!(set.lookup(4134), Some(&'b'));
        assert_eq!(set.lookup(1), None);
    }
}
