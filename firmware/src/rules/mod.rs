//! The rules: every detection threshold, the quiet hours, the watchlists (domains, CIDRs, ASNs,
//! countries, with their sources), the allowlist, the DNS resolvers, and the lists they import.
//!
//! A rules file is TOML (the format is documented key by key in `docs/rules.md`). It is read
//! whole, checked whole, and either accepted or rejected with one [`RulesError`] naming the
//! file, line and key; there are no partial rules. The matchers are built once at load and never
//! allocate when queried, so the detector may call them for every flow.
//!
//! Files: `error` (errors and their places), `values` (sizes, durations, CIDRs, ...), `format`
//! (typed access to the TOML tree), `document` (the top-level tables), `thresholds`, `quiet`
//! (quiet hours), `watchlist` (the matchers), `import` (hosts, AdBlock and domain lists).

mod document;
pub(crate) mod error;
pub(crate) mod format;
mod import;
mod policy;
mod quiet;
mod thresholds;
pub(crate) mod values;
mod watchlist;

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::de::DeTable;

pub use error::RulesError;
pub use import::{ImportCounts, ImportFormat, LOCALHOST_NAMES};
pub use quiet::{QuietHours, Timezone};
pub use thresholds::{
    BeaconRule, BytesRule, RatioRule, SwitchRule, Thresholds, UploadRule, SIGNALS,
};
pub use values::{Category, Cidr, Severity};
pub use watchlist::{CidrSet, DomainSet, KeySet, WatchHit};

use document::Builder;
use error::Source;
use format::Reader;

/// DoH resolvers known when the rules file has no `[dns] doh_resolvers`: the public resolvers
/// of Google, Cloudflare, Quad9, OpenDNS, AdGuard, NextDNS and CleanBrowsing (names and the
/// anycast addresses their operators publish).
pub const DEFAULT_DOH_RESOLVERS: &[&str] = &[
    "dns.google",
    "cloudflare-dns.com",
    "one.one.one.one",
    "dns.quad9.net",
    "doh.opendns.com",
    "dns.adguard-dns.com",
    "dns.nextdns.io",
    "doh.cleanbrowsing.org",
    "8.8.8.8",
    "8.8.4.4",
    "2001:4860:4860::8888",
    "2001:4860:4860::8844",
    "1.1.1.1",
    "1.0.0.1",
    "2606:4700:4700::1111",
    "2606:4700:4700::1001",
    "9.9.9.9",
    "149.112.112.112",
    "2620:fe::fe",
    "2620:fe::9",
    "208.67.222.222",
    "208.67.220.220",
];

/// What one import brought in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// The list file, joined to the rules file's folder.
    pub path: PathBuf,
    /// Its syntax.
    pub format: ImportFormat,
    /// The watchlist its entries belong to.
    pub list: String,
    /// What was taken and skipped.
    pub counts: ImportCounts,
}

/// A loaded, checked rules file with its matchers built.
#[derive(Debug, Clone)]
pub struct Rules {
    /// How long a device is watched before "new country / organisation" first contacts alert.
    pub learning_period: Duration,
    /// How long a repeat of the same alert is held back.
    pub hold_back: Duration,
    /// Every signal's threshold.
    pub thresholds: Thresholds,
    /// When uploads are suspicious by themselves; `None` when not configured.
    pub quiet_hours: Option<QuietHours>,
    hits: Vec<WatchHit>,
    watch_domains: DomainSet<u32>,
    watch_cidrs: CidrSet<u32>,
    watch_asns: KeySet<u32, u32>,
    watch_countries: KeySet<[u8; 2], u32>,
    allow_domains: DomainSet<()>,
    allow_cidrs: CidrSet<()>,
    allow_devices: KeySet<[u8; 6], ()>,
    doh_names: DomainSet<()>,
    doh_addresses: CidrSet<()>,
    lan_resolvers: CidrSet<()>,
    lists: Vec<String>,
    imports: Vec<ImportReport>,
    duplicates: usize,
}

impl Default for Rules {
    /// The defaults of DESIGN.md "Detection", the built-in DoH resolvers, no watchlists, no
    /// allowlist, no quiet hours.
    fn default() -> Self {
        Rules::build(Builder::default())
    }
}

/// Counts of what a rules file holds, for `telltaled check`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesSummary {
    /// The rules file.
    pub file: PathBuf,
    /// Watchlist names, in the order they first appear.
    pub lists: Vec<String>,
    /// Watched domain suffixes.
    pub domains: usize,
    /// Watched IPv4 blocks.
    pub cidrs_v4: usize,
    /// Watched IPv6 blocks.
    pub cidrs_v6: usize,
    /// Watched AS numbers.
    pub asns: usize,
    /// Watched countries.
    pub countries: usize,
    /// Watch entries dropped because an earlier list already had them.
    pub duplicates: usize,
    /// Allowed domains, address blocks and devices.
    pub allow_domains: usize,
    /// Allowed address blocks (IPv4 and IPv6).
    pub allow_cidrs: usize,
    /// Allowed devices (MAC addresses).
    pub allow_devices: usize,
    /// Known DoH resolver names.
    pub doh_names: usize,
    /// Known DoH resolver addresses.
    pub doh_addresses: usize,
    /// Configured LAN resolvers (0: learnt from DHCP).
    pub lan_resolvers: usize,
    /// The quiet hours, if any.
    pub quiet_hours: Option<QuietHours>,
    /// One report per import.
    pub imports: Vec<ImportReport>,
}

impl fmt::Display for RulesSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: ok", self.file.display())?;
        writeln!(
            f,
            "  watchlists: {} ({})",
            self.lists.len(),
            self.lists.join(", ")
        )?;
        writeln!(
            f,
            "  watched: {} domains, {} IPv4 blocks, {} IPv6 blocks, {} ASNs, {} countries ({} duplicates dropped)",
            self.domains, self.cidrs_v4, self.cidrs_v6, self.asns, self.countries, self.duplicates
        )?;
        writeln!(
            f,
            "  allowed: {} domains, {} address blocks, {} devices",
            self.allow_domains, self.allow_cidrs, self.allow_devices
        )?;
        writeln!(
            f,
            "  dns: {} LAN resolvers, {} DoH resolver names, {} DoH resolver addresses",
            self.lan_resolvers, self.doh_names, self.doh_addresses
        )?;
        match &self.quiet_hours {
            Some(q) => writeln!(
                f,
                "  quiet hours: {:02}:{:02}-{:02}:{:02} on {}",
                q.start_minute / 60,
                q.start_minute % 60,
                q.end_minute / 60,
                q.end_minute % 60,
                q.day_names().join(",")
            )?,
            None => writeln!(f, "  quiet hours: none")?,
        }
        for import in &self.imports {
            let c = &import.counts;
            writeln!(
                f,
                "  import {} ({}, list {}): {} domains, {} addresses; skipped {} localhost, {} exceptions, {} cosmetic, {} unsupported",
                import.path.display(),
                import.format,
                import.list,
                c.domains,
                c.addresses,
                c.localhost,
                c.exceptions,
                c.cosmetic,
                c.unsupported
            )?;
        }
        Ok(())
    }
}

/// Loads and checks a rules file and summarises it (behind `telltaled check`).
pub fn check(path: impl AsRef<Path>) -> Result<RulesSummary, RulesError> {
    let path = path.as_ref();
    Ok(Rules::load(path)?.summary(path))
}

impl Rules {
    /// Reads, checks and builds the rules in `path`. Imports are relative to its folder.
    pub fn load(path: impl AsRef<Path>) -> Result<Rules, RulesError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            RulesError::whole_file(path, format!("cannot read the rules file: {e}"))
        })?;
        let base = path.parent().unwrap_or(Path::new(""));
        Rules::parse(&text, path, base)
    }

    /// Checks and builds rules from `text`; `file` names it in errors and `base` is the folder
    /// imports are relative to (for rules received over the link, say).
    pub fn parse(text: &str, file: &Path, base: &Path) -> Result<Rules, RulesError> {
        let src = Source { file, text };
        let root = DeTable::parse(text).map_err(|e| src.syntax_error(&e))?;
        let builder = document::read(&Reader { src }, root.get_ref(), base)?;
        Ok(Rules::build(builder))
    }

    fn build(b: Builder) -> Rules {
        let (doh_names, doh_addresses) = match (b.doh_names, b.doh_addresses) {
            (Some(names), Some(addresses)) => (names, addresses),
            _ => default_doh(),
        };
        let (watch_domains, d1) = DomainSet::build(b.watch_domains);
        let (watch_cidrs, d2) = CidrSet::build(b.watch_cidrs);
        let (watch_asns, d3) = KeySet::build(b.watch_asns);
        let (watch_countries, d4) = KeySet::build(b.watch_countries);
        Rules {
            learning_period: b.learning_period,
            hold_back: b.hold_back,
            thresholds: b.thresholds,
            quiet_hours: b.quiet_hours,
            hits: b.hits,
            watch_domains,
            watch_cidrs,
            watch_asns,
            watch_countries,
            allow_domains: DomainSet::build(b.allow_domains).0,
            allow_cidrs: CidrSet::build(b.allow_cidrs).0,
            allow_devices: KeySet::build(b.allow_devices).0,
            doh_names: DomainSet::build(doh_names).0,
            doh_addresses: CidrSet::build(doh_addresses).0,
            lan_resolvers: CidrSet::build(b.lan_resolvers).0,
            lists: b.lists,
            imports: b.imports,
            duplicates: d1 + d2 + d3 + d4,
        }
    }

    fn hit(&self, index: Option<&u32>) -> Option<&WatchHit> {
        self.hits.get(*index? as usize)
    }

    /// The watchlist entry for a destination name: the most specific suffix on label
    /// boundaries, case-insensitive, a trailing dot ignored. Does not allocate.
    pub fn watch_domain(&self, name: &str) -> Option<&WatchHit> {
        self.hit(self.watch_domains.lookup(name))
    }

    /// The watchlist entry for an address (longest-prefix CIDR). Does not allocate.
    pub fn watch_ip(&self, address: IpAddr) -> Option<&WatchHit> {
        self.hit(self.watch_cidrs.lookup(address))
    }

    /// The watchlist entry for an AS number. Does not allocate.
    pub fn watch_asn(&self, asn: u32) -> Option<&WatchHit> {
        self.hit(self.watch_asns.lookup(asn))
    }

    /// The watchlist entry for an ISO country code (either case). Does not allocate.
    pub fn watch_country(&self, country: [u8; 2]) -> Option<&WatchHit> {
        self.hit(
            self.watch_countries
                .lookup(country.map(|b| b.to_ascii_uppercase())),
        )
    }

    /// True when the name is (under) an allowed domain: it never alerts, watchlisted or not.
    pub fn is_allowed_domain(&self, name: &str) -> bool {
        self.allow_domains.contains(name)
    }

    /// True when the address is in an allowed block.
    pub fn is_allowed_ip(&self, address: IpAddr) -> bool {
        self.allow_cidrs.contains(address)
    }

    /// True when the device is allowed: nothing it does alerts.
    pub fn is_allowed_mac(&self, mac: [u8; 6]) -> bool {
        self.allow_devices.lookup(mac).is_some()
    }

    /// True when the name is (under) a known DoH resolver's name.
    pub fn is_doh_resolver_name(&self, name: &str) -> bool {
        self.doh_names.contains(name)
    }

    /// True when the address is a known DoH resolver's.
    pub fn is_doh_resolver_ip(&self, address: IpAddr) -> bool {
        self.doh_addresses.contains(address)
    }

    /// True when the address is one of the LAN's configured resolvers.
    pub fn is_lan_resolver(&self, address: IpAddr) -> bool {
        self.lan_resolvers.contains(address)
    }

    /// True when `[dns] lan_resolvers` names at least one resolver (otherwise the detector
    /// takes the resolvers the LAN's DHCP server hands out).
    pub fn has_lan_resolvers(&self) -> bool {
        self.lan_resolvers.len_v4() + self.lan_resolvers.len_v6() > 0
    }

    /// The reports of the imports, in file order.
    pub fn imports(&self) -> &[ImportReport] {
        &self.imports
    }

    /// Counts of everything loaded; `file` is the name to show.
    pub fn summary(&self, file: &Path) -> RulesSummary {
        RulesSummary {
            file: file.to_path_buf(),
            lists: self.lists.clone(),
            domains: self.watch_domains.len(),
            cidrs_v4: self.watch_cidrs.len_v4(),
            cidrs_v6: self.watch_cidrs.len_v6(),
            asns: self.watch_asns.len(),
            countries: self.watch_countries.len(),
            duplicates: self.duplicates,
            allow_domains: self.allow_domains.len(),
            allow_cidrs: self.allow_cidrs.len_v4() + self.allow_cidrs.len_v6(),
            allow_devices: self.allow_devices.len(),
            doh_names: self.doh_names.len(),
            doh_addresses: self.doh_addresses.len_v4() + self.doh_addresses.len_v6(),
            lan_resolvers: self.lan_resolvers.len_v4() + self.lan_resolvers.len_v6(),
            quiet_hours: self.quiet_hours,
            imports: self.imports.clone(),
        }
    }
}

/// The built-in DoH resolvers, split into names and addresses.
#[allow(clippy::type_complexity)]
fn default_doh() -> (Vec<(Box<str>, ())>, Vec<(Cidr, ())>) {
    let mut names = Vec::new();
    let mut addresses = Vec::new();
    for entry in DEFAULT_DOH_RESOLVERS {
        if let Ok(cidr) = values::cidr(entry) {
            addresses.push((cidr, ()));
        } else if let Ok(name) = values::domain(entry) {
            names.push((name.into_boxed_str(), ()));
        }
    }
    (names, addresses)
}

#[cfg(test)]
mod tests;
