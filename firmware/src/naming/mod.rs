//! Naming: what the engine knows about the two ends of a flow. Names are interned once
//! (`names`), DNS answers map addresses back to the name the device asked for (`dns_cache`),
//! devices are known by their MAC with what they told about themselves (`devices`), and their
//! vendor comes from the IEEE registry (`oui`). `Naming` holds the tables and applies the rules
//! that tie them together.

pub mod devices;
pub mod dns_cache;
pub mod names;
pub mod oui;

use core::net::IpAddr;

use crate::capture::Timestamp;
use crate::flow::key::Addr;
use crate::wire::dns::{DnsSummary, Section};

use devices::{DeviceId, Devices, Observed};
use dns_cache::DnsCache;
use names::{NameId, NameTable};

/// How a flow's destination got its name, in order of precedence (highest last).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum NameSource {
    /// No name.
    #[default]
    None,
    /// The name the device asked DNS for, to get this address.
    Dns,
    /// The Host header of an HTTP request.
    Http,
    /// The server name of a TLS or QUIC ClientHello.
    Sni,
}

impl NameSource {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            NameSource::None => "none",
            NameSource::Dns => "dns",
            NameSource::Http => "http",
            NameSource::Sni => "sni",
        }
    }
}

/// Sizes of the naming tables.
#[derive(Debug, Clone, Copy)]
pub struct NamingConfig {
    /// Bytes of interned names.
    pub name_bytes: usize,
    /// Addresses in the DNS answer cache.
    pub dns_entries: usize,
    /// How long a DNS answer names an address, seconds.
    pub dns_max_age_secs: u64,
    /// Devices remembered.
    pub devices: usize,
}

impl Default for NamingConfig {
    fn default() -> Self {
        NamingConfig {
            name_bytes: 1 << 20,
            dns_entries: 32_768,
            dns_max_age_secs: 24 * 3600,
            devices: 1024,
        }
    }
}

/// True for addresses that are never "the Internet": RFC 1918, shared (RFC 6598), link-local,
/// loopback, unspecified, broadcast and multicast, IPv6 unique-local and link-local.
pub fn is_local_net(addr: Addr) -> bool {
    match addr.ip() {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private()
                || v4.is_link_local()
                || v4.is_loopback()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            let s0 = v6.segments()[0];
            (s0 & 0xfe00) == 0xfc00
                || (s0 & 0xffc0) == 0xfe80
                || v6.is_multicast()
                || v6.is_loopback()
                || v6.is_unspecified()
        }
    }
}

/// Names, the DNS answer cache and the devices.
#[derive(Debug)]
pub struct Naming {
    /// Interned names.
    pub names: NameTable,
    /// Address -> asked name.
    pub dns: DnsCache,
    /// Devices by MAC.
    pub devices: Devices,
    /// MAC vendors, when the table was loaded.
    pub oui: Option<oui::OuiDb>,
}

impl Naming {
    /// Allocates the tables.
    pub fn new(config: NamingConfig) -> Self {
        Naming {
            names: NameTable::new(config.name_bytes),
            dns: DnsCache::new(config.dns_entries, config.dns_max_age_secs * 1_000_000_000),
            devices: Devices::new(config.devices),
            oui: None,
        }
    }

    /// Bytes allocated, fixed at construction.
    pub fn memory_bytes(&self) -> usize {
        self.names.memory_bytes() + self.dns.memory_bytes() + self.devices.memory_bytes()
    }

    /// Learns from a DNS response: every address in its answer section now names the question.
    /// (Addresses in the additional section are name servers' glue, not the question's.)
    pub fn on_dns_response(&mut self, summary: &DnsSummary, now: u64) {
        let Some(name) = self.names.intern(summary.question.as_bytes()) else {
            return;
        };
        for a in summary.a.iter().filter(|a| a.section == Section::Answer) {
            self.dns.insert(Addr::v4(a.addr.octets()), name, now);
        }
        for a in summary.aaaa.iter().filter(|a| a.section == Section::Answer) {
            self.dns.insert(Addr::v6(a.addr.octets()), name, now);
        }
    }

    /// Notes a frame sent by `mac` from `src`. An IPv4 source outside the local networks marks
    /// the MAC as a gateway; any other source is one of the device's addresses (phones use
    /// global IPv6 addresses, so those count as the device's own).
    pub fn observe(
        &mut self,
        mac: [u8; 6],
        src: Addr,
        ts: Timestamp,
        now: u64,
    ) -> Option<Observed> {
        let v4 = matches!(src.ip(), IpAddr::V4(_));
        let local = is_local_net(src) || !v4;
        let known_gateway = self
            .devices
            .find(mac)
            .is_some_and(|id| self.devices.get(id).gateway);
        let unspecified = src.ip().is_unspecified();
        if unspecified || (!v4 && !is_local_net(src) && known_gateway) {
            // 0.0.0.0 (a DHCP client before its lease) is nobody's address.
            return self.devices.observe(mac, None, true, ts, now);
        }
        self.devices.observe(mac, Some(src), local, ts, now)
    }

    /// Records a DHCP client's hostname and vendor class.
    pub fn on_dhcp(
        &mut self,
        mac: [u8; 6],
        hostname: Option<&[u8]>,
        vendor_class: Option<&[u8]>,
        ts: Timestamp,
        now: u64,
    ) -> Option<Observed> {
        let seen = self.devices.observe(mac, None, true, ts, now)?;
        let host = hostname.and_then(|h| self.names.intern(h));
        let vendor = vendor_class.and_then(|v| self.names.intern(v));
        let d = self.devices.get_mut(seen.id);
        if let Some(h) = host {
            d.hostname = h;
        }
        if let Some(v) = vendor {
            d.vendor_class = v;
        }
        Some(seen)
    }

    /// Records names announced over mDNS by the device at `src` (or with `mac`).
    pub fn on_mdns<'a>(
        &mut self,
        mac: Option<[u8; 6]>,
        src: Addr,
        names: impl Iterator<Item = &'a str>,
    ) {
        let id: Option<DeviceId> = mac
            .and_then(|m| self.devices.find(m))
            .or_else(|| self.devices.by_addr(src));
        let Some(id) = id else { return };
        for n in names {
            if let Some(name) = self.names.intern(n.as_bytes()) {
                self.devices.add_mdns(id, name);
            }
        }
    }

    /// The vendor of `mac` from the IEEE registry, if the table is loaded and knows it
    /// (randomised addresses have none by design).
    pub fn vendor(&self, mac: [u8; 6]) -> Option<&str> {
        self.oui.as_ref().and_then(|db| db.vendor(mac))
    }

    /// The name `addr` was asked for, if a DNS answer said so recently.
    pub fn dns_name(&mut self, addr: Addr, now: u64) -> Option<NameId> {
        self.dns.lookup(addr, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_networks() {
        for local in [
            [192, 168, 1, 2],
            [10, 1, 2, 3],
            [172, 20, 0, 1],
            [100, 64, 0, 1],
            [169, 254, 1, 1],
            [0, 0, 0, 0],
        ] {
            assert!(is_local_net(Addr::v4(local)), "{local:?}");
        }
        for remote in [
            [8, 8, 8, 8],
            [203, 0, 113, 31],
            [172, 32, 0, 1],
            [100, 128, 0, 1],
        ] {
            assert!(!is_local_net(Addr::v4(remote)), "{remote:?}");
        }
        let ula: core::net::Ipv6Addr = "fd00::1".parse().unwrap();
        let ll: core::net::Ipv6Addr = "fe80::1".parse().unwrap();
        let global: core::net::Ipv6Addr = "2001:db8::1".parse().unwrap();
        assert!(is_local_net(Addr::v6(ula.octets())));
        assert!(is_local_net(Addr::v6(ll.octets())));
        assert!(!is_local_net(Addr::v6(global.octets())));
    }
}
