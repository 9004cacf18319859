//! The in-place lookups against a reference that decodes the whole table into arrays (the
//! format's `RangeTable` and `StringTable`, as the table was read before it was mapped): the
//! same country, ASN and organisation for every address tried, on the shipped `data/geo.ttdb`.

use std::net::IpAddr;

use super::super::format::{open_container, RangeTable, Reader, StringTable};
use super::super::{count, GeoDb, GEO_MAGIC};

/// The whole table decoded into memory.
struct Reference {
    countries: Vec<[u8; 2]>,
    orgs: StringTable,
    asns: Vec<(u32, u32)>,
    v4: [RangeTable<u32>; 2],
    v6: [RangeTable<u64>; 2],
}

impl Reference {
    fn decode(bytes: &[u8]) -> Reference {
        let c = open_container(bytes, GEO_MAGIC, count::SLOTS).unwrap();
        let n = &c.counts;
        let mut r = Reader::new(c.payload);
        let raw = r.bytes(2 * n[count::COUNTRIES] as usize, "c").unwrap();
        let countries = raw.chunks_exact(2).map(|p| [p[0], p[1]]).collect();
        let orgs = StringTable::decode(&mut r, n[count::ORGS]).unwrap();
        let mut asn = 0;
        let asns = (0..n[count::ASNS])
            .map(|_| {
                asn += r.varint_u32("a").unwrap();
                (asn, r.varint_u32("o").unwrap())
            })
            .collect();
        let (nc, na) = (n[count::COUNTRIES], n[count::ASNS]);
        let v4c = RangeTable::decode(&mut r, n[count::V4_COUNTRY], nc, "x").unwrap();
        let v6c = RangeTable::decode(&mut r, n[count::V6_COUNTRY], nc, "x").unwrap();
        let v4a = RangeTable::decode(&mut r, n[count::V4_ASN], na, "x").unwrap();
        let v6a = RangeTable::decode(&mut r, n[count::V6_ASN], na, "x").unwrap();
        Reference {
            countries,
            orgs,
            asns,
            v4: [v4c, v4a],
            v6: [v6c, v6a],
        }
    }

    fn lookup(&self, ip: IpAddr) -> (Option<[u8; 2]>, Option<u32>, Option<&str>) {
        let (c, a) = match ip {
            IpAddr::V4(a) => (self.v4[0].find(a.into()), self.v4[1].find(a.into())),
            IpAddr::V6(a) => {
                let key = (u128::from(a) >> 64) as u64;
                (self.v6[0].find(key), self.v6[1].find(key))
            }
        };
        let entry = a.map(|i| self.asns[i]);
        let org = entry
            .and_then(|(_, o)| (o as usize).checked_sub(1))
            .and_then(|o| self.orgs.get(o));
        (c.map(|i| self.countries[i]), entry.map(|e| e.0), org)
    }
}

fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn lookups_in_place_match_the_decoded_table() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/geo.ttdb");
    let bytes = std::fs::read(&path).expect("data/geo.ttdb");
    let reference = Reference::decode(&bytes);
    let mapped = GeoDb::open(&path).unwrap();
    let copied = GeoDb::from_bytes(&bytes).unwrap();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut named = 0;
    for i in 0..200_000u32 {
        let r = next(&mut state);
        let ip = if i % 2 == 0 {
            IpAddr::from((r as u32).to_be_bytes())
        } else {
            // 2000::/4, where the allocated space is.
            let hi = (0x2u128 << 124) | (u128::from(r) << 60);
            IpAddr::from(hi.to_be_bytes())
        };
        let want = reference.lookup(ip);
        for db in [&mapped, &copied] {
            let got = db.lookup(ip);
            assert_eq!((got.country, got.asn, got.org), want, "{ip}");
        }
        named += usize::from(want.1.is_some());
    }
    assert!(
        named > 50_000,
        "the addresses tried must mostly be covered: {named}"
    );
    // Every range start, and the address just before it.
    for (i, key) in [0u32, 1, 16, 17, u32::MAX].into_iter().enumerate() {
        let ip = IpAddr::from(key.to_be_bytes());
        let got = mapped.lookup(ip);
        assert_eq!((got.country, got.asn, got.org), reference.lookup(ip), "{i}");
    }
}
