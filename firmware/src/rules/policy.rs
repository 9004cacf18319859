//! The rules as detection sees them: the detector's thresholds from the `[thresholds]` tables,
//! and the `Policy` questions (watched? allowed? a DoH resolver? the LAN's resolver?) answered
//! from the watchlists, the allowlist and `[dns]`.

use core::net::IpAddr;

use crate::detect::policy::{Destination, Policy, WatchMatch};
use crate::detect::thresholds::{Thresholds, UploadThreshold};

use super::watchlist::WatchHit;
use super::Rules;

fn ns(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl Rules {
    /// The detector's thresholds. `local_offset_seconds` is the box's offset from UTC, used by
    /// quiet hours written in `local` time.
    pub fn detect_thresholds(&self, local_offset_seconds: i32) -> Thresholds {
        let t = &self.thresholds;
        let defaults = Thresholds::default();
        let quiet = match self.quiet_hours {
            Some(q) if t.quiet_hours_upload.enabled => q.for_detection(
                local_offset_seconds,
                t.quiet_hours_upload.bytes,
                t.quiet_hours_upload.severity,
            ),
            _ => defaults.quiet,
        };
        Thresholds {
            watched: UploadThreshold {
                enabled: t.watched_upload.enabled,
                bytes: t.watched_upload.bytes,
                window_ns: ns(t.watched_upload.window),
                severity: t.watched_upload.severity,
            },
            abnormal: UploadThreshold {
                enabled: t.abnormal_upload.enabled,
                bytes: t.abnormal_upload.bytes,
                window_ns: ns(t.abnormal_upload.window),
                severity: t.abnormal_upload.severity,
            },
            abnormal_ratio: t.abnormal_upload.ratio,
            large: UploadThreshold {
                enabled: t.large_upload.enabled,
                bytes: t.large_upload.bytes,
                window_ns: ns(t.large_upload.window),
                severity: t.large_upload.severity,
            },
            quiet,
            first_contact: UploadThreshold {
                enabled: t.first_contact.enabled,
                bytes: t.first_contact.bytes,
                window_ns: defaults.first_contact.window_ns,
                severity: t.first_contact.severity,
            },
            learning_ns: ns(self.learning_period),
            beacon_span_ns: ns(t.periodic_beacon.window),
            beacon_min_contacts: t.periodic_beacon.min_contacts,
            beacon_max_jitter: t.periodic_beacon.max_jitter,
            beacon_enabled: t.periodic_beacon.enabled,
            dns_bypass_enabled: t.dns_bypass.enabled,
            new_device_enabled: t.new_device.enabled,
            new_device_after_ns: defaults.new_device_after_ns,
            hold_back_ns: ns(self.hold_back),
        }
    }

    fn hit_for(&self, dest: &Destination<'_>) -> Option<(&WatchHit, &'static str)> {
        let name = dest.name.and_then(|n| core::str::from_utf8(n).ok());
        if let Some(hit) = name.and_then(|n| self.watch_domain(n)) {
            return Some((hit, "its domain"));
        }
        if let Some(hit) = self.watch_ip(dest.ip) {
            return Some((hit, "its address"));
        }
        if let Some(hit) = dest.place.asn.and_then(|a| self.watch_asn(a)) {
            return Some((hit, "its AS"));
        }
        dest.place
            .country
            .and_then(|c| self.watch_country(c))
            .map(|hit| (hit, "its country"))
    }
}

impl Policy for Rules {
    fn watched(&self, dest: &Destination<'_>) -> Option<WatchMatch<'_>> {
        self.hit_for(dest).map(|(hit, how)| WatchMatch {
            list: &hit.list,
            category: hit.category.as_str(),
            matched: how,
            source: &hit.source,
        })
    }

    fn allowed(&self, dest: &Destination<'_>, mac: [u8; 6]) -> bool {
        let name = dest.name.and_then(|n| core::str::from_utf8(n).ok());
        self.is_allowed_mac(mac)
            || self.is_allowed_ip(dest.ip)
            || name.is_some_and(|n| self.is_allowed_domain(n))
    }

    fn doh_resolver(&self, dest: &Destination<'_>) -> bool {
        let name = dest.name.and_then(|n| core::str::from_utf8(n).ok());
        self.is_doh_resolver_ip(dest.ip) || name.is_some_and(|n| self.is_doh_resolver_name(n))
    }

    fn lan_resolver(&self, ip: IpAddr) -> Option<bool> {
        self.has_lan_resolvers().then(|| self.is_lan_resolver(ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::policy::Place;
    use std::path::Path;

    #[test]
    fn defaults_match_the_detectors_defaults() {
        assert_eq!(Rules::default().detect_thresholds(0), Thresholds::default());
    }

    #[test]
    fn shipped_pack_watches_xiaomi_telemetry_and_allowlist_wins() {
        let rules_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
        let rules = Rules::load(rules_dir.join("default.toml")).expect("shipped rules load");
        let dest = |name: &'static [u8]| Destination {
            name: Some(name),
            ip: "203.0.113.31".parse().unwrap(),
            place: Place::default(),
        };
        let hit = rules
            .watched(&dest(b"data.mistat.xiaomi.com"))
            .expect("watched");
        assert_eq!(hit.category, "telemetry");
        assert!(!hit.source.is_empty());
        assert!(rules.watched(&dest(b"www.wikipedia.org")).is_none());
        assert!(rules.doh_resolver(&dest(b"dns.google")));
        let text = r#"
            [watchlists.mine]
            category = "custom"
            source = "test"
            domains = ["example.com"]
            [allow]
            domains = ["ok.example.com"]
        "#;
        let r = Rules::parse(text, Path::new("t.toml"), Path::new(".")).unwrap();
        assert!(r.watched(&dest(b"x.example.com")).is_some());
        let ok = dest(b"ok.example.com");
        assert!(r.allowed(&ok, [0; 6]));
    }
}
