//! Resident memory of the whole pipeline at its limits: the engine as the daemon builds it
//! (shipped rules, geo/ASN table, summaries every 5 minutes) with 65,536 concurrent flows and
//! full naming caches (32,768 DNS answers, names filling the 1 MiB name store, 1,024 devices).
//!
//! Run: `cargo bench -p telltale-firmware --bench memory`. Prints the process's `VmRSS` (resident
//! now) and `VmHWM` (peak resident) from `/proc/self/status` at each step, with what the engine
//! says it allocated. Frames are made one at a time in a small reused buffer, so the bench adds
//! nothing of its own beyond a few KiB. Asserts nothing.

mod common;

use telltale_firmware::capture::{Frame, LinkType, Timestamp};
use telltale_firmware::engine::Engine;
use telltale_firmware::event::NullSink;

const ROUTER_MAC: [u8; 6] = [0xd0, 0x37, 0x45, 0x8a, 0x10, 0x01];

/// `VmRSS` and `VmHWM` in KiB.
fn rss() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn report(step: &str) {
    let (rss, hwm) = rss();
    println!(
        "  {step:<58} VmRSS {:>6.1} MiB   VmHWM {:>6.1} MiB",
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
}

/// Ethernet + IPv4 + UDP from `src` to `dst` with `payload`, into `out`.
fn udp(
    out: &mut Vec<u8>,
    macs: ([u8; 6], [u8; 6]),
    ips: ([u8; 4], [u8; 4]),
    ports: (u16, u16),
    payload: &[u8],
) {
    out.clear();
    out.extend_from_slice(&macs.1);
    out.extend_from_slice(&macs.0);
    out.extend_from_slice(&[0x08, 0x00, 0x45, 0x00]);
    out.extend_from_slice(&((28 + payload.len()) as u16).to_be_bytes());
    out.extend_from_slice(&[0, 1, 0x40, 0, 64, 17, 0, 0]);
    out.extend_from_slice(&ips.0);
    out.extend_from_slice(&ips.1);
    out.extend_from_slice(&ports.0.to_be_bytes());
    out.extend_from_slice(&ports.1.to_be_bytes());
    out.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(payload);
}

/// A DNS response for `name` with one A record `addr`, into `out`.
fn dns_response(out: &mut Vec<u8>, id: u16, name: &str, addr: [u8; 4]) {
    out.clear();
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&[0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
    for label in name.split('.') {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.extend_from_slice(&[0, 0, 1, 0, 1]);
    out.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4]);
    out.extend_from_slice(&addr);
}

fn poll(engine: &mut Engine, buf: &[u8], n: &mut u64, ms: u64) {
    *n += 1;
    let frame = Frame {
        data: buf,
        wire_len: buf.len() as u32,
        ts: Timestamp(1_700_000_000_000_000_000 + ms * 1_000_000),
        link: LinkType::Ethernet,
        port: None,
        stripped_vlan: None,
    };
    engine.poll(&frame, *n, &mut NullSink);
}

fn main() {
    println!("memory: the engine as the daemon builds it, filled to its limits");
    report("start (binary, libc)");
    let mut engine = common::daemon_engine();
    let config = common::daemon_config(
        &telltale_firmware::rules::Rules::load(common::rules_path()).expect("rules"),
    );
    report("engine, rules and geo table loaded");
    let (mut buf, mut payload) = (Vec::with_capacity(2048), Vec::with_capacity(512));
    let mut n = 0;
    // 1,024 devices: each sends one frame from its own MAC and LAN address.
    let devices = config.naming.devices as u32;
    for d in 0..devices {
        let mac = [0x02, 0, 0, 0, (d >> 8) as u8, d as u8];
        udp(
            &mut buf,
            (mac, ROUTER_MAC),
            ([192, 168, (d >> 8) as u8, d as u8], [8, 8, 8, 8]),
            (40000, 9),
            b"x",
        );
        poll(&mut engine, &buf, &mut n, 0);
    }
    report(&format!("{devices} devices"));
    // DNS answers with distinct names: the answer cache and the name store fill up.
    let answers = config.naming.dns_entries as u32 + 4096;
    let phone = [0x02, 0, 0, 0, 0, 1];
    for i in 0..answers {
        let name = format!("host-{i:06}.telemetry-{:03}.example-vendor.com", i % 977);
        dns_response(
            &mut payload,
            i as u16,
            &name,
            [100 + (i >> 16) as u8 % 100, (i >> 8) as u8, i as u8, 7],
        );
        udp(
            &mut buf,
            (ROUTER_MAC, phone),
            ([192, 168, 0, 1], [192, 168, 0, 1]),
            (53, 50000),
            &payload,
        );
        poll(&mut engine, &buf, &mut n, 1);
    }
    let names = engine.naming();
    println!(
        "  naming: DNS cache {:?}; names {:?}",
        names.dns.counters(),
        names.names.counters()
    );
    report(&format!("{answers} DNS answers"));
    // 65,536 concurrent flows: one device to as many remote addresses and ports, each flow one
    // frame up and one down, all inside the idle timeout. The frame up starts like a QUIC long
    // header (that does not decrypt), so that every flow asks for a handshake reader and the
    // readers' pool fills up as it would with connections mid-handshake.
    let flows = config.flow_capacity as u32;
    for i in 0..flows {
        let d = i % devices;
        let mac = [0x02, 0, 0, 0, (d >> 8) as u8, d as u8];
        let local = [192, 168, (d >> 8) as u8, d as u8];
        let remote = [100 + (i >> 16) as u8 % 100, (i >> 8) as u8, i as u8, 7];
        let ms = 2 + u64::from(i) / 64;
        udp(
            &mut buf,
            (mac, ROUTER_MAC),
            (local, remote),
            (30000 + (i % 20000) as u16, 443),
            b"\xc0up",
        );
        poll(&mut engine, &buf, &mut n, ms);
        udp(
            &mut buf,
            (ROUTER_MAC, mac),
            (remote, local),
            (443, 30000 + (i % 20000) as u16),
            b"down",
        );
        poll(&mut engine, &buf, &mut n, ms);
    }
    println!(
        "  flows alive: {} (capacity {}), evicted {}",
        engine.live_flows(),
        config.flow_capacity,
        engine.flow_counters().evicted
    );
    println!("  handshake readers: {:?}", engine.reader_counters());
    report(&format!("{flows} concurrent flows"));
    println!(
        "  engine allocations: {:.1} MiB (fixed at start)",
        engine.memory_bytes() as f64 / (1024.0 * 1024.0)
    );
    drop(engine);
    report("engine dropped");
}
