//! Tests of the geo compiler and lookups on small hand-written CSVs, and of corrupt tables.

use std::net::IpAddr;

use super::compile::{Family, GeoCompiler};
use super::format::field;
use super::*;

/// IPv4 countries: two adjacent ranges with a gap before a third; KR starts inside JP and
/// runs past it, TW sits inside KR, BE sits inside DE (which resumes after it).
const COUNTRY_V4: &str = "\
1.0.0.0,1.0.0.255,AU
1.0.1.0,1.0.3.255,CN
1.0.8.0,1.0.15.255,JP
1.0.10.0,1.0.20.255,KR
1.0.12.0,1.0.12.255,TW
2.0.0.0,2.0.255.255,DE
2.0.1.0,2.0.1.255,BE
";
/// IPv6 countries: a /32, then a range that starts inside a /64 (so it keys from the next /64).
const COUNTRY_V6: &str = "\
2001:200::,2001:200:ffff:ffff:ffff:ffff:ffff:ffff,JP
2001:218::8,2001:218:0:2:ffff:ffff:ffff:ffff,SG
";
/// IPv4 ASNs, one quoted organisation with a comma, one empty organisation; the first and the
/// third row share AS13335 (not adjacent, so not merged).
const ASN_V4: &str = "\
1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"
1.0.1.0,1.0.1.255,4134,CHINANET
1.0.2.0,1.0.2.255,13335,\"Cloudflare, Inc.\"
1.0.4.0,1.0.4.255,64512,
255.255.255.0,255.255.255.255,65000,Last Block
";
const ASN_V6: &str = "\
2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC
";

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn fixture_bytes() -> Vec<u8> {
    let mut c = GeoCompiler::new();
    c.add_country_csv("c4", COUNTRY_V4, Family::V4).unwrap();
    c.add_country_csv("c6", COUNTRY_V6, Family::V6).unwrap();
    c.add_asn_csv("a4", ASN_V4, Family::V4).unwrap();
    c.add_asn_csv("a6", ASN_V6, Family::V6).unwrap();
    let (bytes, stats) = c.finish().unwrap();
    assert_eq!(stats.rows, 15);
    assert_eq!(stats.nested, 3, "KR inside JP, TW inside KR, BE inside DE");
    bytes
}

fn fixture() -> GeoDb {
    GeoDb::from_bytes(&fixture_bytes()).unwrap()
}

fn country(db: &GeoDb, s: &str) -> Option<String> {
    db.lookup(ip(s)).country_str().map(str::to_string)
}

#[test]
fn ipv4_boundaries_and_gaps() {
    let db = fixture();
    assert_eq!(
        country(&db, "0.255.255.255"),
        None,
        "before the first range"
    );
    assert_eq!(
        country(&db, "1.0.0.0").as_deref(),
        Some("AU"),
        "first address"
    );
    assert_eq!(
        country(&db, "1.0.0.255").as_deref(),
        Some("AU"),
        "last address"
    );
    assert_eq!(country(&db, "1.0.1.0").as_deref(), Some("CN"));
    assert_eq!(country(&db, "1.0.3.255").as_deref(), Some("CN"));
    assert_eq!(country(&db, "1.0.4.0"), None, "between ranges");
    assert_eq!(country(&db, "1.0.7.255"), None, "between ranges");
    assert_eq!(country(&db, "1.0.8.0").as_deref(), Some("JP"));
    assert_eq!(country(&db, "1.0.9.255").as_deref(), Some("JP"));
    // KR starts later than JP: it wins from its start on.
    assert_eq!(country(&db, "1.0.10.0").as_deref(), Some("KR"));
    assert_eq!(country(&db, "1.0.11.255").as_deref(), Some("KR"));
    assert_eq!(country(&db, "1.0.12.0").as_deref(), Some("TW"));
    assert_eq!(country(&db, "1.0.12.255").as_deref(), Some("TW"));
    assert_eq!(country(&db, "1.0.13.0").as_deref(), Some("KR"));
    assert_eq!(country(&db, "1.0.15.255").as_deref(), Some("KR"));
    assert_eq!(country(&db, "1.0.20.255").as_deref(), Some("KR"));
    assert_eq!(country(&db, "1.0.21.0"), None, "after the KR range");
    // A nested range takes its part and the wider one resumes after it.
    assert_eq!(country(&db, "2.0.0.255").as_deref(), Some("DE"));
    assert_eq!(country(&db, "2.0.1.0").as_deref(), Some("BE"));
    assert_eq!(country(&db, "2.0.1.255").as_deref(), Some("BE"));
    assert_eq!(country(&db, "2.0.2.0").as_deref(), Some("DE"));
    assert_eq!(country(&db, "2.0.255.255").as_deref(), Some("DE"));
    assert_eq!(country(&db, "2.1.0.0"), None, "after the last range");
    assert_eq!(country(&db, "255.255.255.255"), None);
}

#[test]
fn ipv4_asn_and_organisation() {
    let db = fixture();
    let cf = db.lookup(ip("1.0.0.1"));
    assert_eq!(cf.asn, Some(13335));
    assert_eq!(cf.org, Some("Cloudflare, Inc."));
    assert_eq!(cf.country, Some(*b"AU"));
    assert_eq!(db.lookup(ip("1.0.1.7")).org, Some("CHINANET"));
    assert_eq!(db.lookup(ip("1.0.2.255")).asn, Some(13335));
    assert_eq!(
        db.lookup(ip("1.0.3.0")),
        GeoInfo {
            country: Some(*b"CN"),
            asn: None,
            org: None
        }
    );
    let private = db.lookup(ip("1.0.4.9"));
    assert_eq!(
        (private.asn, private.org),
        (Some(64512), None),
        "empty organisation"
    );
    // The range that runs to the very end of the address space.
    assert_eq!(db.lookup(ip("255.255.255.255")).org, Some("Last Block"));
    assert_eq!(db.lookup(ip("255.255.254.255")).asn, None);
    assert_eq!(db.lookup(ip("192.168.1.1")), GeoInfo::default());
}

#[test]
fn ipv6_ranges_by_64_prefix() {
    let db = fixture();
    assert_eq!(country(&db, "2001:200::").as_deref(), Some("JP"));
    assert_eq!(
        country(&db, "2001:200:ffff:ffff:ffff:ffff:ffff:ffff").as_deref(),
        Some("JP")
    );
    assert_eq!(country(&db, "2001:201::"), None);
    // 2001:218::8 is not a /64 start: 2001:218::/64 holds no data, the next /64 is SG.
    assert_eq!(country(&db, "2001:218::9"), None);
    assert_eq!(country(&db, "2001:218:0:1::").as_deref(), Some("SG"));
    assert_eq!(country(&db, "2001:218:0:2:ffff::").as_deref(), Some("SG"));
    assert_eq!(country(&db, "2001:218:0:3::"), None);
    let g = db.lookup(ip("2001:4860:4860::8888"));
    assert_eq!((g.asn, g.org), (Some(15169), Some("Google LLC")));
    assert_eq!(db.lookup(ip("::1")), GeoInfo::default());
}

#[test]
fn ipv4_mapped_ipv6_is_looked_up_as_ipv4() {
    let db = fixture();
    assert_eq!(db.lookup(ip("::ffff:1.0.0.1")).asn, Some(13335));
}

#[test]
fn remembered_lookups_answer_as_the_table_does() {
    let db = fixture();
    let addrs = [
        "1.0.0.1",
        "1.0.1.7",
        "1.0.3.0",
        "1.0.4.9",
        "255.255.255.255",
        "192.168.1.1",
        "2001:4860:4860::8888",
        "::ffff:1.0.0.1",
        "2001:218:0:1::",
        "::1",
    ];
    // Still shareable between threads with the remembered lookups inside.
    fn shared<T: Send + Sync>(_: &T) {}
    shared(&db);
    // Twice over, so that the second round is answered from what the first remembered.
    for round in 0..2 {
        for a in addrs {
            assert_eq!(
                db.lookup_remembered(ip(a)),
                db.lookup(ip(a)),
                "{a}, round {round}"
            );
        }
    }
}

#[test]
fn sizes_report_the_entries() {
    let s = fixture().sizes();
    // AU CN JP KR TW DE BE SG; AS13335 4134 64512 65000 15169; four names (64512 has none).
    assert_eq!((s.countries, s.asns, s.orgs), (8, 5, 4));
    // IPv4 countries: AU, CN, gap, JP, KR, TW, KR, gap, DE, BE, DE, gap.
    assert_eq!(s.ranges[0], 12);
    // IPv4 ASNs: 13335, 4134, 13335, gap, 64512, gap, 65000 (runs to the end: no gap after).
    assert_eq!(s.ranges[2], 7);
}

#[test]
fn bad_csv_rows_are_errors_naming_source_and_line() {
    let mut c = GeoCompiler::new();
    let err = c
        .add_country_csv(
            "c4.csv",
            "1.0.0.0,1.0.0.255,AU\n1.0.1.0,1.0.0.0,CN\n",
            Family::V4,
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("c4.csv") && err.contains("line 2"), "{err}");
    assert!(c
        .add_country_csv("x", "1.0.0.0,1.0.0.255,au\n", Family::V4)
        .is_err());
    assert!(c
        .add_country_csv("x", "2001::,2001::1,AU\n", Family::V4)
        .is_err());
    assert!(c
        .add_asn_csv("x", "1.0.0.0,1.0.0.255,AS1,x\n", Family::V4)
        .is_err());
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = fixture_bytes();
    for len in 0..bytes.len() {
        assert!(GeoDb::from_bytes(&bytes[..len]).is_err(), "length {len}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(GeoDb::from_bytes(&longer).is_err());
}

#[test]
fn corrupt_tables_are_errors() {
    let good = fixture_bytes();
    let mut bad_magic = good.clone();
    bad_magic[0] = b'X';
    assert!(matches!(
        GeoDb::from_bytes(&bad_magic),
        Err(GeoError::BadMagic)
    ));

    let mut bad_version = good.clone();
    bad_version[field::VERSION.start] = 9;
    assert!(matches!(
        GeoDb::from_bytes(&bad_version),
        Err(GeoError::Version(9))
    ));

    // Any flipped payload byte fails the CRC.
    let header_len = field::COUNTS + 4 * count::SLOTS;
    for at in [header_len, header_len + 7, good.len() - 1] {
        let mut flipped = good.clone();
        flipped[at] ^= 0x40;
        assert!(
            matches!(GeoDb::from_bytes(&flipped), Err(GeoError::Checksum)),
            "byte {at}"
        );
    }

    // A count that disagrees with the payload is caught while decoding (CRC still good).
    let mut wrong_count = good.clone();
    let at = field::COUNTS + 4 * count::V6_ASN;
    wrong_count[at] += 1;
    assert!(GeoDb::from_bytes(&wrong_count).is_err());
    let mut huge_count = good;
    huge_count[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(GeoDb::from_bytes(&huge_count).is_err());
}

#[test]
fn open_names_the_path_and_the_problem() {
    let dir = std::env::temp_dir().join(format!("telltale-geo-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("truncated.ttdb");
    std::fs::write(&path, &fixture_bytes()[..30]).unwrap();
    let err = GeoDb::open(&path).unwrap_err().to_string();
    assert!(
        err.contains("truncated.ttdb") && err.contains("truncated"),
        "{err}"
    );

    let missing = GeoDb::open(dir.join("absent.ttdb")).unwrap_err();
    assert!(missing.is_missing());
    let warning = GeoDb::missing_warning(&missing);
    assert!(
        warning.contains("absent.ttdb") && !warning.contains('\n'),
        "{warning}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ranges_at_both_ends_of_the_address_space() {
    let mut c = GeoCompiler::new();
    let v4 = "0.0.0.0,0.255.255.255,AA\n0.0.0.0,0.0.0.255,BB\n255.0.0.0,255.255.255.255,CC\n";
    c.add_country_csv("v4", v4, Family::V4).unwrap();
    let v6 = "ff00::,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,DD\n\
              ffff::,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,EE\n";
    c.add_country_csv("v6", v6, Family::V6).unwrap();
    let (bytes, stats) = c.finish().unwrap();
    assert_eq!(stats.nested, 2);
    let db = GeoDb::from_bytes(&bytes).unwrap();
    assert_eq!(country(&db, "0.0.0.0").as_deref(), Some("BB"));
    assert_eq!(country(&db, "0.0.1.0").as_deref(), Some("AA"));
    assert_eq!(country(&db, "1.0.0.0"), None);
    assert_eq!(country(&db, "255.255.255.255").as_deref(), Some("CC"));
    assert_eq!(country(&db, "feff::1"), None);
    assert_eq!(country(&db, "ff00::").as_deref(), Some("DD"));
    assert_eq!(country(&db, "fffe:ffff::").as_deref(), Some("DD"));
    assert_eq!(country(&db, "ffff::").as_deref(), Some("EE"));
    assert_eq!(
        country(&db, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").as_deref(),
        Some("EE")
    );
}
