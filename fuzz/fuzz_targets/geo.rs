//! The compiled-table readers: `geo::GeoDb::from_bytes` (country and ASN table) and
//! `naming::oui::OuiDb::from_bytes` (MAC vendors), on untrusted table bytes, and the geo
//! compiler's output read back.
//!
//! Byte 0 picks the mode (mod 4):
//! - `0`: the rest is a whole table file, opened as both kinds (the header, lengths and CRC are
//!   checked before anything else, so this mostly exercises the container);
//! - `1`: a geo table whose header is made valid: 7 counts (u16 LE each, 14 bytes), then the
//!   payload, wrapped with the right magic, lengths and CRC so that decoding reaches the
//!   sections;
//! - `2`: the same for an OUI table: 4 counts (8 bytes), then the payload;
//! - `3`: CSV text (lossily UTF-8) split at NUL bytes into IPv4 country, IPv6 country, IPv4 ASN
//!   and IPv6 ASN inputs of the compiler; a table it writes must open, and every lookup must
//!   give what the rows say (the later-starting row wins where rows overlap).
//!
//! Checked for an opened table: its sizes match the counts, lookups (of addresses and MACs
//! taken from the input and of every range boundary) give an A-Z country, an organisation only
//! with an ASN, and no vendor for group or locally administered MACs.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use telltale_firmware::geo::compile::{Family, GeoCompiler};
use telltale_firmware::geo::format::write_container;
use telltale_firmware::geo::{count, GeoDb, GEO_MAGIC};
use telltale_firmware::naming::oui::{self, OuiDb, OUI_MAGIC};
use telltale_fuzz::Input;

/// Addresses to look up: ones read from the input, and fixed ones at the edges.
fn probes(input: &[u8]) -> Vec<IpAddr> {
    let mut out = vec![
        IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpAddr::V4(Ipv4Addr::BROADCAST),
        IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        IpAddr::V6(Ipv6Addr::from(u128::MAX)),
        IpAddr::V6(Ipv4Addr::new(192, 0, 2, 1).to_ipv6_mapped()),
    ];
    for chunk in input.chunks_exact(16).take(16) {
        let v6 = u128::from_be_bytes(chunk.try_into().unwrap());
        out.push(IpAddr::V6(Ipv6Addr::from(v6)));
        out.push(IpAddr::V4(Ipv4Addr::from((v6 >> 96) as u32)));
    }
    out
}

fn check_geo(db: &GeoDb, counts: Option<&[u32]>, input: &[u8]) {
    let sizes = db.sizes();
    if let Some(c) = counts {
        assert_eq!(sizes.countries, c[count::COUNTRIES] as usize);
        assert_eq!(sizes.orgs, c[count::ORGS] as usize);
        assert_eq!(sizes.asns, c[count::ASNS] as usize);
        let ranges = [
            count::V4_COUNTRY,
            count::V6_COUNTRY,
            count::V4_ASN,
            count::V6_ASN,
        ];
        assert_eq!(sizes.ranges, ranges.map(|i| c[i] as usize));
    }
    for ip in probes(input) {
        let info = db.lookup(ip);
        if let Some(country) = info.country {
            assert!(
                country.iter().all(u8::is_ascii_uppercase),
                "country {country:?}"
            );
            assert!(info.country_str().is_some());
        }
        assert!(
            info.org.is_none() || info.asn.is_some(),
            "an organisation without an ASN"
        );
    }
}

fn check_oui(db: &OuiDb, counts: Option<&[u32]>, input: &[u8]) {
    let sizes = db.sizes();
    if let Some(c) = counts {
        assert_eq!(sizes.vendors, c[oui::count::VENDORS] as usize);
        assert_eq!(
            sizes.entries,
            [
                c[oui::count::MA_L],
                c[oui::count::MA_M],
                c[oui::count::MA_S]
            ]
            .map(|n| n as usize)
        );
    }
    for chunk in input.chunks_exact(6).take(32) {
        let mac: [u8; 6] = chunk.try_into().unwrap();
        let vendor = db.vendor(mac);
        if oui::is_multicast(mac) || oui::is_locally_administered(mac) {
            assert!(vendor.is_none(), "a vendor for a group or local MAC");
        }
    }
}

/// Wraps counts and a payload from the input into a table file with a valid header.
fn table(magic: &[u8; 8], slots: usize, input: &mut Input<'_>) -> (Vec<u32>, Vec<u8>) {
    let counts: Vec<u32> = (0..slots).map(|_| u32::from(input.u16())).collect();
    let bytes = write_container(magic, &counts, input.rest());
    (counts, bytes)
}

/// One CSV row as the compiler keeps it: inclusive range, value, input order.
#[derive(Debug, Clone)]
struct Row {
    start: u128,
    end: u128,
    value: u32,
    order: usize,
}

/// The value at `address`: of the covering rows, the one starting last; among equal starts the
/// narrowest; among identical ranges the last in the input.
fn model(rows: &[Row], address: u128) -> Option<u32> {
    rows.iter()
        .filter(|r| r.start <= address && address <= r.end)
        .max_by_key(|r| (r.start, std::cmp::Reverse(r.end), r.order))
        .map(|r| r.value)
}

/// Parses the rows the compiler accepted (it already validated them).
fn rows(text: &str, ipv6: bool, value: impl Fn(&str) -> u32) -> Vec<Row> {
    let mut out = Vec::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let parse = |t: &str| -> Option<u128> {
            match t.parse::<IpAddr>().ok()? {
                IpAddr::V4(a) if !ipv6 => Some(u128::from(u32::from(a))),
                IpAddr::V6(a) if ipv6 => Some(u128::from(a)),
                _ => None,
            }
        };
        if let (Some(start), Some(end), Some(v)) = (
            fields.first().and_then(|t| parse(t)),
            fields.get(1).and_then(|t| parse(t)),
            fields.get(2),
        ) {
            out.push(Row {
                start,
                end,
                value: value(v),
                order: out.len(),
            });
        }
    }
    out
}

/// Compiles CSV inputs, opens the result and compares lookups with the rows.
fn compile_and_check(input: &[u8]) {
    let text = String::from_utf8_lossy(input);
    let mut parts = text.split('\0');
    let parts: [&str; 4] = std::array::from_fn(|_| parts.next().unwrap_or(""));
    let mut compiler = GeoCompiler::new();
    let families = [Family::V4, Family::V6];
    for (i, part) in parts[..2].iter().enumerate() {
        if compiler
            .add_country_csv("country", part, families[i])
            .is_err()
        {
            return;
        }
    }
    for (i, part) in parts[2..].iter().enumerate() {
        if compiler.add_asn_csv("asn", part, families[i]).is_err() {
            return;
        }
    }
    let (bytes, _stats) = compiler.finish().expect("the compiler writes what it read");
    let db = GeoDb::from_bytes(&bytes).expect("a compiled table opens");
    check_geo(&db, None, input);

    // The model only reads simple rows (no quotes, one per line); skip inputs it cannot follow.
    if text.contains('"') || text.contains('\r') {
        return;
    }
    let code = |v: &str| {
        u32::from(u16::from_be_bytes(
            v.as_bytes().try_into().unwrap_or([0, 0]),
        ))
    };
    let asn = |v: &str| v.parse::<u32>().unwrap_or(0);
    let tables = [
        (rows(parts[0], false, code), false, true),
        (rows(parts[1], true, code), true, true),
        (rows(parts[2], false, asn), false, false),
        (rows(parts[3], true, asn), true, false),
    ];
    for (rows, ipv6, is_country) in &tables {
        let mut addresses: Vec<u128> = Vec::new();
        for r in rows.iter().take(32) {
            addresses.extend([
                r.start,
                r.end,
                r.start.wrapping_sub(1),
                r.end.wrapping_add(1),
            ]);
        }
        for address in addresses {
            let (ip, key_address) = if *ipv6 {
                // IPv6 is keyed by /64: a prefix takes the value at its first address.
                let first = address & !((1u128 << 64) - 1);
                let ip = Ipv6Addr::from(first);
                if ip.to_ipv4_mapped().is_some() {
                    continue;
                }
                (IpAddr::V6(ip), first)
            } else {
                if address > u128::from(u32::MAX) {
                    continue;
                }
                (IpAddr::V4(Ipv4Addr::from(address as u32)), address)
            };
            let info = db.lookup(ip);
            let expected = model(rows, key_address);
            if *is_country {
                let got = info.country.map(|c| u32::from(u16::from_be_bytes(c)));
                assert_eq!(got, expected, "country of {ip}");
            } else {
                assert_eq!(info.asn, expected, "ASN of {ip}");
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    match input.u8() % 4 {
        0 => {
            let bytes = input.rest();
            if let Ok(db) = GeoDb::from_bytes(bytes) {
                check_geo(&db, None, bytes);
            }
            if let Ok(db) = OuiDb::from_bytes(bytes) {
                check_oui(&db, None, bytes);
            }
        }
        1 => {
            let (counts, bytes) = table(GEO_MAGIC, count::SLOTS, &mut input);
            if let Ok(db) = GeoDb::from_bytes(&bytes) {
                check_geo(&db, Some(&counts), data);
            }
        }
        2 => {
            let (counts, bytes) = table(OUI_MAGIC, oui::count::SLOTS, &mut input);
            if let Ok(db) = OuiDb::from_bytes(&bytes) {
                check_oui(&db, Some(&counts), data);
            }
        }
        _ => compile_and_check(input.rest()),
    }
});
