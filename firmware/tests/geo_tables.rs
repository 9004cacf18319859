//! The committed compiled tables (`data/geo.ttdb`, `data/oui.ttdb`, built by
//! `scripts/tables/build.sh` from the versions in docs/data-attributions.md) answer well-known
//! addresses and MACs correctly, and a lookup allocates nothing (a counting global allocator
//! proves it).

use std::net::IpAddr;
use std::path::PathBuf;

use telltale_firmware::geo::{GeoDb, GeoInfo};
use telltale_firmware::naming::oui::{is_locally_administered, OuiDb};

mod common;

use common::allocations;

#[global_allocator]
static GLOBAL: common::Counting = common::Counting;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../data")
        .join(name)
}

fn geo() -> GeoDb {
    GeoDb::open(data("geo.ttdb")).expect("data/geo.ttdb (rebuild: scripts/tables/build.sh)")
}

fn lookup<'a>(db: &'a GeoDb, ip: &str) -> GeoInfo<'a> {
    db.lookup(ip.parse::<IpAddr>().unwrap())
}

#[test]
fn well_known_addresses() {
    let db = geo();
    let google = lookup(&db, "8.8.8.8");
    assert_eq!(google.country_str(), Some("US"));
    assert_eq!(google.asn, Some(15169));
    assert_eq!(google.org, Some("Google LLC"));

    let cloudflare = lookup(&db, "1.1.1.1");
    assert_eq!(cloudflare.asn, Some(13335));
    assert_eq!(cloudflare.org, Some("Cloudflare, Inc."));
    // The country source is the registration country of the block (APNIC lent 1.1.1.0/24).
    assert_eq!(cloudflare.country_str(), Some("AU"));

    let xiaomi = lookup(&db, "43.224.244.10");
    assert_eq!(
        (xiaomi.asn, xiaomi.org),
        (Some(63855), Some("XIAOMI H.K. Limited"))
    );
    assert_eq!(xiaomi.country_str(), Some("HK"));

    let apple = lookup(&db, "17.253.144.10");
    assert_eq!((apple.asn, apple.country_str()), (Some(714), Some("US")));

    let google6 = lookup(&db, "2001:4860:4860::8888");
    assert_eq!(
        (google6.asn, google6.country_str()),
        (Some(15169), Some("US"))
    );
    assert_eq!(google6.org, Some("Google LLC"));
    let cloudflare6 = lookup(&db, "2606:4700:4700::1111");
    assert_eq!(cloudflare6.asn, Some(13335));

    for private in [
        "192.168.1.1",
        "10.0.0.1",
        "127.0.0.1",
        "fe80::1",
        "fd00::1",
        "::1",
    ] {
        assert_eq!(lookup(&db, private), GeoInfo::default(), "{private}");
    }
}

#[test]
fn table_sizes_fit_a_pi() {
    let s = geo().sizes();
    assert!(
        s.asns > 50_000 && s.ranges.iter().all(|&n| n > 100_000),
        "{s:?}"
    );
    assert!(s.memory_bytes < 32 << 20, "{s:?}");
}

#[test]
fn well_known_vendors() {
    let db = OuiDb::open(data("oui.ttdb")).expect("data/oui.ttdb");
    assert_eq!(
        db.vendor([0x64, 0x09, 0x80, 0x12, 0x34, 0x56]),
        Some("Xiaomi Communications Co Ltd")
    );
    // MACs seen in the corpus captures.
    assert_eq!(
        db.vendor([0xd8, 0x30, 0x62, 0x56, 0x00, 0x1c]),
        Some("Apple, Inc.")
    );
    assert_eq!(
        db.vendor([0xc4, 0x61, 0x8b, 0x35, 0x82, 0xa9]),
        Some("Apple, Inc.")
    );
    assert_eq!(
        db.vendor([0x4c, 0x6a, 0xf6, 0x9f, 0xf6, 0x27]),
        Some("HMD Global Oy")
    );
    let random = [0xc6, 0x2c, 0x03, 0x60, 0x6a, 0x64];
    assert!(is_locally_administered(random));
    assert_eq!(db.vendor(random), None);
    // An MA-S inside the IEEE's own MA-L 70:B3:D5.
    assert_eq!(
        db.vendor([0x70, 0xb3, 0xd5, 0xf2, 0xf0, 0x01]),
        Some("TELEPLATFORMS")
    );
    assert_eq!(
        db.vendor([0x70, 0xb3, 0xd5, 0x00, 0x00, 0x01]),
        Some("IEEE Registration Authority")
    );
}

#[test]
fn lookups_allocate_nothing() {
    let db = geo();
    let oui = OuiDb::open(data("oui.ttdb")).expect("data/oui.ttdb");
    let ips: Vec<IpAddr> = [
        "8.8.8.8",
        "1.1.1.1",
        "192.168.1.1",
        "2001:4860:4860::8888",
        "::ffff:9.9.9.9",
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    // The counter sees this thread's allocations (or the assertion below would prove nothing).
    let probe = allocations();
    drop(std::hint::black_box(Box::new(1u8)));
    assert!(allocations() > probe, "allocation counter is not counting");

    let mut seen = 0usize;
    let before = allocations();
    let mut x: u32 = 0x1234_5678;
    for i in 0..100_000u32 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let info = db.lookup(IpAddr::from(x.to_be_bytes()));
        seen += usize::from(info.org.is_some());
        let info = db.lookup(ips[i as usize % ips.len()]);
        seen += info.org.map_or(0, str::len);
        let b = x.to_be_bytes();
        seen += oui
            .vendor([b[0] & 0xfc, b[1], b[2], b[3], 0, 0])
            .map_or(0, str::len);
    }
    let after = allocations();
    assert_eq!(after - before, 0, "lookups allocated");
    assert!(seen > 0);
}
