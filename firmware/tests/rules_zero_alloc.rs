//! Matching allocates nothing: after the rules are loaded, every lookup the detector makes
//! (domains, addresses, ASNs, countries, allowlist, resolvers) runs without a heap allocation.
//! A counting global allocator proves it.

use std::hint::black_box;
use std::net::IpAddr;
use std::path::Path;

use telltale_firmware::rules::Rules;

mod common;

use common::allocations;

#[global_allocator]
static GLOBAL: common::Counting = common::Counting;

const EXTRA: &str = r#"
[watchlists.blocks]
category = "tracking"
source = "test"
cidrs = ["203.0.113.0/24", "203.0.113.128/25", "2001:db8::/32", "2001:db8:1::/48"]
asns = [64500, 64501]
countries = ["CN", "RU"]

[allow]
domains = ["ok.example"]
cidrs = ["198.51.100.0/24"]
devices = ["aa:bb:cc:dd:ee:ff"]

[dns]
lan_resolvers = ["192.168.1.1"]
doh_resolvers = ["dns.google", "1.1.1.1"]
"#;

#[test]
fn lookups_do_not_allocate() {
    let shipped =
        Rules::load(Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/default.toml")).unwrap();
    let extra = Rules::parse(EXTRA, Path::new("extra.toml"), Path::new(".")).unwrap();
    let names = [
        "tracking.intl.miui.com",
        "X.DATA.MISTAT.XIAOMI.COM.",
        "notxiaomi.com",
        "a.b.c.d.e.f.g.example.org",
        "",
        ".",
        "ok.example",
    ];
    let addresses: Vec<IpAddr> = [
        "203.0.113.200",
        "10.0.0.1",
        "2001:db8:1::5",
        "2001:db9::1",
        "::ffff:203.0.113.1",
        "1.1.1.1",
    ]
    .iter()
    .map(|a| a.parse().unwrap())
    .collect();

    let before = allocations();
    let mut found = 0u32;
    for _ in 0..1000 {
        for rules in [&shipped, &extra] {
            for name in names {
                found += u32::from(black_box(rules.watch_domain(black_box(name))).is_some());
                found += u32::from(rules.is_allowed_domain(black_box(name)));
                found += u32::from(rules.is_doh_resolver_name(black_box(name)));
            }
            for &address in &addresses {
                found += u32::from(black_box(rules.watch_ip(black_box(address))).is_some());
                found += u32::from(rules.is_allowed_ip(address));
                found += u32::from(rules.is_doh_resolver_ip(address));
                found += u32::from(rules.is_lan_resolver(address));
            }
            found += u32::from(rules.watch_asn(black_box(64501)).is_some());
            found += u32::from(rules.watch_country(black_box(*b"ru")).is_some());
            found +=
                u32::from(rules.is_allowed_mac(black_box([0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff])));
        }
    }
    let allocations = allocations() - before;
    assert_eq!(allocations, 0, "matching allocated {allocations} times");
    // The lookups found what they should (so the loop was not optimised into nothing). Per
    // round, shipped: 2 watched names, 1 DoH address; extra: 1 allowed name, 3 watched
    // addresses, 1 DoH address, the ASN, the country and the MAC.
    assert_eq!(found, 1000 * (3 + 8));
}
