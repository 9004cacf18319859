//! Throughput of the whole engine on real traffic, beside ndpiReader in the same run.
//!
//! Run: `cargo bench -p telltale-firmware --bench pipeline` (set `TELLTALE_BENCH_PASSES` to
//! change the number of passes; default 100, about one million frames).
//!
//! 1. In memory: `../shared/bench/mixed-pass.pcap` is read once and replayed through
//!    `Engine::poll` many times from the same buffer (frames borrowed, nothing copied); prints
//!    frames per second and nanoseconds per frame, single core. The engine is the whole
//!    pipeline: dissection, flows, naming, the geo/ASN table (`data/geo.ttdb`), the shipped rules
//!    (`rules/default.toml`) and detection.
//! 2. Peer: the same passes are written once to a temporary pcap (records repeated), and
//!    `ndpiReader -i FILE` reads it; we print its own packet-processing time and throughput
//!    (file reading and set-up excluded, like our in-memory figure) and its wall time, and
//!    `telltaled replay --emit none` on the same file for an end-to-end comparison (file read,
//!    mmap, process start included).
//!
//! This is a benchmark: it prints figures and asserts nothing about speed.

mod common;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use telltale_firmware::engine::EngineConfig;
use telltale_firmware::event::NullSink;
use telltale_firmware::geo::GeoDb;

fn main() {
    let manifest = common::manifest();
    let bench = common::bench_capture();
    let bytes = fs::read(&bench).expect("read ../shared/bench/mixed-pass.pcap");
    let passes = common::env_number("TELLTALE_BENCH_PASSES", 100);

    let rules_path = common::rules_path();
    let geo = GeoDb::open(common::geo_path()).expect("data/geo.ttdb");
    let geo_mib = geo.sizes().memory_bytes as f64 / (1024.0 * 1024.0);
    let geo_file_mib = geo.sizes().file_bytes as f64 / (1024.0 * 1024.0);
    drop(geo);
    // The engine as the daemon builds it: shipped rules, geo/ASN table, 5-minute summaries.
    let new_engine = common::daemon_engine;

    // 1. In memory, through the whole engine. Two ways: one engine for all passes (flows of a
    // pass meet their twins from the previous pass, as in a long capture), and a fresh engine
    // per pass (every flow new, every handshake dissected again: the conservative figure,
    // used for the comparison). Only the polling is timed.
    let mut engine = new_engine();
    let mut sink = NullSink;
    let mut frames = 0u64;
    let start = Instant::now();
    for _ in 0..passes {
        frames += common::replay_pass(&mut engine, &bytes, &bench, &mut sink, 0);
    }
    engine.finish(&mut sink);
    let warm = start.elapsed().as_secs_f64();
    println!(
        "telltale engine, in memory, 1 core, {frames} frames; engine memory {:.1} MiB for {} flows, \
         plus the geo/ASN index {geo_mib:.1} MiB over its {geo_file_mib:.1} MiB mapped file",
        engine.memory_bytes() as f64 / (1024.0 * 1024.0),
        EngineConfig::default().flow_capacity
    );
    println!(
        "  one engine for all passes:  {:.3} s, {:.0} frames/s, {:.0} ns/frame",
        warm,
        frames as f64 / warm,
        warm * 1e9 / frames as f64
    );
    // Fresh flows in a warm engine: every pass is shifted in time past the idle timeouts, so
    // its flows are new (every handshake dissected again) and the previous pass's flows expire
    // and are reported: the conservative figure, used for the comparison.
    let span = common::fresh_shift_ns(&bytes, &bench);
    let mut engine = new_engine();
    let start = Instant::now();
    for pass in 0..passes {
        common::replay_pass(&mut engine, &bytes, &bench, &mut sink, pass * span);
    }
    engine.finish(&mut sink);
    let fresh = start.elapsed().as_secs_f64();
    let ours_fps = frames as f64 / fresh;
    println!(
        "  fresh flows every pass:     {:.3} s, {:.0} frames/s, {:.0} ns/frame",
        fresh,
        ours_fps,
        fresh * 1e9 / frames as f64
    );
    // A new engine per pass: the same, plus the first touch of the engine's freshly mapped
    // tables (page faults), which a running box pays once at start.
    let mut cold = 0.0;
    for _ in 0..passes {
        let mut engine = new_engine();
        let start = Instant::now();
        common::replay_pass(&mut engine, &bytes, &bench, &mut sink, 0);
        engine.finish(&mut sink);
        cold += start.elapsed().as_secs_f64();
    }
    println!(
        "  new engine every pass:      {:.3} s, {:.0} frames/s, {:.0} ns/frame",
        cold,
        frames as f64 / cold,
        cold * 1e9 / frames as f64
    );

    // 2. The same frames on disk, for the peers.
    let big = std::env::temp_dir().join(format!("telltale-bench-x{passes}.pcap"));
    write_repeated(&bytes, passes, &big);
    match run_ndpi(&big) {
        Some(peer) => {
            println!(
                "ndpiReader (file, 1 thread): {frames} frames in {:.3} s wall = {:.0} frames/s end to end",
                peer.wall,
                frames as f64 / peer.wall
            );
            if let Some(ms) = peer.processing_ms {
                let fps = frames as f64 / (ms / 1000.0);
                println!(
                    "  its packet processing: {ms:.0} ms = {fps:.0} frames/s, {:.0} ns/frame ({})",
                    ms * 1e6 / frames as f64,
                    peer.throughput
                );
                println!(
                    "  telltale engine / ndpiReader processing: {:.2}x",
                    ours_fps / fps
                );
            }
        }
        None => println!("ndpiReader: not installed (apt-get install libndpi-bin) - peer skipped"),
    }
    let telltaled = manifest.join("../target/release/telltaled");
    if telltaled.exists() {
        let start = Instant::now();
        let status = Command::new(&telltaled)
            .args(["replay", "--emit", "none", "--rules"])
            .arg(&rules_path)
            .arg(&big)
            .env("TELLTALE_DATA", manifest.join("../data"))
            .status();
        let wall = start.elapsed().as_secs_f64();
        if status.is_ok_and(|s| s.success()) {
            println!(
                "telltaled replay --rules default --emit none (file, end to end, geo and OUI tables): {frames} frames in {wall:.3} s = {:.0} frames/s",
                frames as f64 / wall
            );
        }
    } else {
        println!("(build `cargo build --release` first to time telltaled end to end)");
    }
    let _ = fs::remove_file(&big);
}

/// Writes the classic-pcap `bytes` with its records repeated `times` times.
fn write_repeated(bytes: &[u8], times: u64, out: &PathBuf) {
    const GLOBAL_HEADER: usize = 24;
    let mut f = std::io::BufWriter::new(fs::File::create(out).expect("create temp pcap"));
    f.write_all(&bytes[..GLOBAL_HEADER]).expect("write");
    for _ in 0..times {
        f.write_all(&bytes[GLOBAL_HEADER..]).expect("write");
    }
    f.flush().expect("flush");
}

/// What ndpiReader said about one run.
struct Peer {
    wall: f64,
    /// Its "Packet Processing Time" (excludes set-up and, mostly, file reading).
    processing_ms: Option<f64>,
    /// Its "nDPI throughput" line.
    throughput: String,
}

/// Runs ndpiReader on `file` and reads its own timing lines.
fn run_ndpi(file: &Path) -> Option<Peer> {
    let start = Instant::now();
    let out = Command::new("ndpiReader")
        .arg("-i")
        .arg(file)
        .output()
        .ok()?;
    let wall = start.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = |key: &str| {
        text.lines()
            .find(|l| l.contains(key))
            .map(|l| l.trim().to_string())
    };
    let processing_ms = line("Packet Processing Time")
        .and_then(|l| l.split_whitespace().find_map(|w| w.parse::<f64>().ok()));
    Some(Peer {
        wall,
        processing_ms,
        throughput: line("nDPI throughput").unwrap_or_else(|| "no throughput line".into()),
    })
}
