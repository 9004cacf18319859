//! Lookup speed of the compiled tables: nanoseconds per `GeoDb::lookup` over a million
//! pseudo-random IPv4 and IPv6 addresses, and per `OuiDb::vendor` over a million MACs.
//!
//! Run: `cargo bench -p telltale-firmware --bench geo` (uses `data/geo.ttdb` and `data/oui.ttdb`).
//! This is a benchmark: it prints figures and asserts nothing about speed.

use std::hint::black_box;
use std::net::{IpAddr, Ipv6Addr};
use std::path::Path;
use std::time::Instant;

use telltale_firmware::geo::GeoDb;
use telltale_firmware::naming::oui::OuiDb;

const LOOKUPS: usize = 1_000_000;

/// xorshift64: deterministic pseudo-random numbers without a dependency.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn main() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data");
    let started = Instant::now();
    let geo = GeoDb::open(data.join("geo.ttdb")).expect("data/geo.ttdb");
    let oui = OuiDb::open(data.join("oui.ttdb")).expect("data/oui.ttdb");
    println!(
        "open: {:.1} ms for both tables ({:.2} MiB in memory)",
        started.elapsed().as_secs_f64() * 1e3,
        (geo.sizes().memory_bytes + oui.sizes().memory_bytes) as f64 / (1024.0 * 1024.0)
    );

    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let v4: Vec<IpAddr> = (0..LOOKUPS)
        .map(|_| IpAddr::from((next(&mut state) as u32).to_be_bytes()))
        .collect();
    // IPv6 addresses in the /12s the RIRs allocate from (most of 2000::/3 is unallocated).
    const RIR_BLOCKS: [u64; 5] = [0x2400, 0x2600, 0x2800, 0x2a00, 0x2c00];
    let v6: Vec<IpAddr> = (0..LOOKUPS)
        .map(|_| {
            let r = next(&mut state);
            let block = RIR_BLOCKS[(r % RIR_BLOCKS.len() as u64) as usize];
            let hi = (block << 48) | (next(&mut state) >> 12);
            let lo = next(&mut state);
            IpAddr::V6(Ipv6Addr::from((u128::from(hi) << 64) | u128::from(lo)))
        })
        .collect();
    let macs: Vec<[u8; 6]> = (0..LOOKUPS)
        .map(|_| {
            let b = next(&mut state).to_be_bytes();
            [b[0] & 0xfc, b[1], b[2], b[3], b[4], b[5]]
        })
        .collect();

    for (label, ips) in [("IPv4", &v4), ("IPv6", &v6)] {
        let start = Instant::now();
        let mut found = 0usize;
        for &ip in ips {
            let info = black_box(geo.lookup(black_box(ip)));
            found += usize::from(info.asn.is_some());
        }
        let ns = start.elapsed().as_nanos() as f64 / ips.len() as f64;
        println!(
            "geo lookup {label}: {ns:.0} ns per lookup over {} random addresses ({:.0}% with an ASN)",
            ips.len(),
            100.0 * found as f64 / ips.len() as f64
        );
    }

    let start = Instant::now();
    let mut found = 0usize;
    for &mac in &macs {
        found += usize::from(black_box(oui.vendor(black_box(mac))).is_some());
    }
    let ns = start.elapsed().as_nanos() as f64 / macs.len() as f64;
    println!(
        "oui vendor: {ns:.0} ns per lookup over {} random MACs ({:.1}% with a vendor)",
        macs.len(),
        100.0 * found as f64 / macs.len() as f64
    );
}
