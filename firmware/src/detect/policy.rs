//! What detection asks of the rules and of the geo/ASN data, as traits so that detection does
//! not depend on how those are stored (the rules module and the geo module implement them; tests
//! use small in-memory ones).

use core::net::IpAddr;

/// Where an address is: country and autonomous system, when known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Place<'a> {
    /// ISO 3166 alpha-2 country code.
    pub country: Option<[u8; 2]>,
    /// Autonomous system number.
    pub asn: Option<u32>,
    /// The AS's organisation.
    pub org: Option<&'a str>,
}

/// Looks addresses up (the geo/ASN tables).
pub trait Locate {
    /// Country and AS of `ip`; all `None` when unknown.
    fn locate(&self, ip: IpAddr) -> Place<'_>;
}

/// No geo/ASN data: every place is unknown.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoGeo;

impl Locate for NoGeo {
    fn locate(&self, _ip: IpAddr) -> Place<'_> {
        Place::default()
    }
}

/// Why a destination is watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchMatch<'a> {
    /// The watchlist's name.
    pub list: &'a str,
    /// Its category (telemetry, ads, ...).
    pub category: &'a str,
    /// What matched: the domain suffix, CIDR, `AS<n>` or country.
    pub matched: &'a str,
    /// Where the entry comes from (a citation).
    pub source: &'a str,
}

/// The destination as detection sees it.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    /// Its name, if known.
    pub name: Option<&'a [u8]>,
    /// Its address.
    pub ip: IpAddr,
    /// Where it is.
    pub place: Place<'a>,
}

/// The parts of the rules detection consults.
pub trait Policy {
    /// Whether `dest` is on a watchlist, and why.
    fn watched(&self, dest: &Destination<'_>) -> Option<WatchMatch<'_>>;
    /// Whether `dest` or the device with `mac` is allowlisted (never alerts).
    fn allowed(&self, dest: &Destination<'_>, mac: [u8; 6]) -> bool;
    /// Whether `dest` is a known DNS-over-HTTPS resolver.
    fn doh_resolver(&self, dest: &Destination<'_>) -> bool;
    /// Whether `ip` is one of the LAN's own resolvers; `None` when none is configured (then any
    /// resolver on a local network counts as the LAN's).
    fn lan_resolver(&self, ip: IpAddr) -> Option<bool>;
}

/// No rules beyond the defaults: nothing watched, nothing allowed, no DoH list.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoPolicy;

impl Policy for NoPolicy {
    fn watched(&self, _dest: &Destination<'_>) -> Option<WatchMatch<'_>> {
        None
    }
    fn allowed(&self, _dest: &Destination<'_>, _mac: [u8; 6]) -> bool {
        false
    }
    fn doh_resolver(&self, _dest: &Destination<'_>) -> bool {
        false
    }
    fn lan_resolver(&self, _ip: IpAddr) -> Option<bool> {
        None
    }
}
