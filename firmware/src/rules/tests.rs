//! Whole-file tests: a rules document in, matchers and thresholds out.

use super::*;

fn parse(text: &str) -> Result<Rules, String> {
    Rules::parse(text, Path::new("rules.toml"), Path::new(".")).map_err(|e| e.to_string())
}

const SAMPLE: &str = r#"
learning_period = "3d"
hold_back = "30m"

[thresholds.large_upload]
bytes = 250_000_000
window = "6h"

[quiet_hours]
start = "23:00"
end = "06:30"
days = ["weekdays"]
timezone = "+01:00"

[watchlists.xiaomi]
category = "telemetry"
source = "test source A"
domains = ["xiaomi.com", "tracking.miui.com"]
cidrs = ["203.0.113.0/24", "2001:db8:100::/40"]
asns = [64500, "AS64501"]
countries = ["cn"]

[watchlists.ads]
category = "ads"
source = "test source B"
domains = ["ad.xiaomi.com"]

[[watch]]
domain = "Special.Example.ORG."
category = "custom"
source = "my own"
list = "mine"

[[watch]]
cidr = "203.0.113.128/25"
category = "tracking"
source = "narrower block"

[allow]
domains = ["ok.xiaomi.com"]
cidrs = ["203.0.113.7/32"]
devices = ["aa:bb:cc:dd:ee:ff"]

[dns]
lan_resolvers = ["192.168.1.1", "fd00::1"]
doh_resolvers = ["dns.example", "192.0.2.53"]
"#;

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

#[test]
fn sample_loads_with_everything_in_place() {
    let rules = parse(SAMPLE).unwrap();
    assert_eq!(rules.learning_period, Duration::from_secs(3 * 86_400));
    assert_eq!(rules.hold_back, Duration::from_secs(1800));
    assert_eq!(rules.thresholds.large_upload.bytes, 250_000_000);
    assert_eq!(
        rules.thresholds.large_upload.window,
        Duration::from_secs(6 * 3600)
    );
    assert_eq!(
        rules.thresholds.watched_upload,
        Thresholds::default().watched_upload
    );
    let quiet = rules.quiet_hours.unwrap();
    assert_eq!(
        (quiet.start_minute, quiet.end_minute, quiet.days),
        (23 * 60, 6 * 60 + 30, 0b001_1111)
    );
    assert_eq!(quiet.timezone, Timezone::Fixed(3600));
    let summary = rules.summary(Path::new("rules.toml"));
    assert_eq!(summary.lists, ["xiaomi", "ads", "mine", "watch"]);
    assert_eq!(
        (summary.domains, summary.cidrs_v4, summary.cidrs_v6),
        (4, 2, 1)
    );
    assert_eq!(
        (summary.asns, summary.countries, summary.duplicates),
        (2, 1, 0)
    );
    assert_eq!(
        (
            summary.allow_domains,
            summary.allow_cidrs,
            summary.allow_devices
        ),
        (1, 1, 1)
    );
    assert_eq!(
        (
            summary.doh_names,
            summary.doh_addresses,
            summary.lan_resolvers
        ),
        (1, 1, 2)
    );
}

#[test]
fn domain_hits_carry_list_category_and_source() {
    let rules = parse(SAMPLE).unwrap();
    let hit = rules.watch_domain("data.mistat.xiaomi.com").unwrap();
    assert_eq!(
        (hit.list.as_str(), hit.category, hit.source.as_str()),
        ("xiaomi", Category::Telemetry, "test source A")
    );
    // The more specific entry of another list wins.
    assert_eq!(
        rules.watch_domain("api.AD.xiaomi.com.").unwrap().list,
        "ads"
    );
    assert!(rules.watch_domain("notxiaomi.com").is_none());
    assert!(rules.watch_domain("xiaomi.com.example.net").is_none());
    assert_eq!(
        rules.watch_domain("special.example.org").unwrap().category,
        Category::Custom
    );
    assert!(rules.watch_domain("example.org").is_none());
}

#[test]
fn addresses_asns_countries() {
    let rules = parse(SAMPLE).unwrap();
    assert_eq!(rules.watch_ip(ip("203.0.113.5")).unwrap().list, "xiaomi");
    assert_eq!(
        rules.watch_ip(ip("203.0.113.200")).unwrap().source,
        "narrower block"
    );
    assert_eq!(
        rules.watch_ip(ip("2001:db8:1ff:ffff::1")).unwrap().list,
        "xiaomi"
    );
    assert!(rules.watch_ip(ip("2001:db8:200::1")).is_none());
    assert!(rules.watch_ip(ip("198.51.100.1")).is_none());
    assert_eq!(rules.watch_asn(64501).unwrap().list, "xiaomi");
    assert!(rules.watch_asn(64502).is_none());
    assert!(rules.watch_country(*b"CN").is_some());
    assert!(rules.watch_country(*b"cn").is_some());
    assert!(rules.watch_country(*b"DE").is_none());
}

#[test]
fn allowlist_is_answered_separately_and_beats_the_watchlist() {
    let rules = parse(SAMPLE).unwrap();
    // Both match; the detector asks is_allowed_* first and stays quiet.
    assert!(rules.watch_domain("ok.xiaomi.com").is_some());
    assert!(rules.is_allowed_domain("cdn.ok.xiaomi.com"));
    assert!(!rules.is_allowed_domain("xiaomi.com"));
    assert!(rules.watch_ip(ip("203.0.113.7")).is_some());
    assert!(rules.is_allowed_ip(ip("203.0.113.7")));
    assert!(!rules.is_allowed_ip(ip("203.0.113.8")));
    assert!(rules.is_allowed_mac([0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]));
    assert!(!rules.is_allowed_mac([0; 6]));
}

#[test]
fn dns_resolvers() {
    let rules = parse(SAMPLE).unwrap();
    assert!(rules.is_lan_resolver(ip("192.168.1.1")));
    assert!(rules.is_lan_resolver(ip("fd00::1")));
    assert!(!rules.is_lan_resolver(ip("192.168.1.2")));
    assert!(rules.has_lan_resolvers());
    // The file's list replaces the built-in one.
    assert!(rules.is_doh_resolver_name("dns.example"));
    assert!(rules.is_doh_resolver_ip(ip("192.0.2.53")));
    assert!(!rules.is_doh_resolver_name("dns.google"));
    assert!(!rules.is_doh_resolver_ip(ip("8.8.8.8")));
}

#[test]
fn defaults_have_no_watchlists_and_the_builtin_doh_resolvers() {
    let rules = Rules::default();
    assert_eq!(rules.thresholds, Thresholds::default());
    assert_eq!(rules.learning_period, Duration::from_secs(7 * 86_400));
    assert_eq!(rules.hold_back, Duration::from_secs(4 * 3600));
    assert!(rules.quiet_hours.is_none());
    assert!(rules.watch_domain("tracking.miui.com").is_none());
    assert!(rules.is_doh_resolver_name("dns.google"));
    assert!(rules.is_doh_resolver_name("mozilla.cloudflare-dns.com"));
    assert!(rules.is_doh_resolver_ip(ip("2606:4700:4700::1111")));
    assert!(!rules.has_lan_resolvers());
    let summary = rules.summary(Path::new("-"));
    assert_eq!((summary.doh_names, summary.doh_addresses), (8, 14));
    // An empty file is the defaults too.
    let empty = parse("").unwrap();
    assert_eq!(empty.thresholds, rules.thresholds);
    assert_eq!(empty.summary(Path::new("-")), summary);
}

#[test]
fn duplicates_across_lists_keep_the_first() {
    let text = r#"
[watchlists.first]
category = "ads"
source = "one"
domains = ["dup.example", "dup.example"]
[watchlists.second]
category = "tracking"
source = "two"
domains = ["DUP.example"]
"#;
    let rules = parse(text).unwrap();
    assert_eq!(rules.watch_domain("dup.example").unwrap().list, "first");
    assert_eq!(rules.summary(Path::new("-")).duplicates, 2);
}

#[test]
fn quiet_hours_contains_uses_the_configured_offset() {
    let rules = parse(SAMPLE).unwrap();
    let quiet = rules.quiet_hours.unwrap();
    // Monday 2026-11-23 22:30 UTC is 23:30 at +01:00, a weekday: quiet.
    let monday_2230_utc = 1_795_392_000 + 22 * 3600 + 1800;
    assert!(quiet.contains(monday_2230_utc, 0));
    // Saturday 2026-11-28 22:30 UTC: the period would start on a Saturday: not quiet.
    assert!(!quiet.contains(monday_2230_utc + 5 * 86_400, 0));
}

#[test]
fn every_truncation_of_a_valid_file_is_accepted_or_rejected_without_panic() {
    let mut rejected = 0;
    for end in 0..=SAMPLE.len() {
        if !SAMPLE.is_char_boundary(end) {
            continue;
        }
        if let Err(e) = Rules::parse(&SAMPLE[..end], Path::new("rules.toml"), Path::new(".")) {
            assert!(e.line.is_some(), "an error without a line: {e}");
            rejected += 1;
        }
    }
    // Cuts inside strings, arrays and table headers are errors; cuts between lines are not.
    assert!(
        rejected > SAMPLE.len() / 2,
        "only {rejected} truncations rejected"
    );
}
