//! Pieces the benches share: the engine as the daemon builds it, and replaying the in-memory
//! bench capture through it.

#![allow(dead_code)] // each bench uses some of these

use std::path::{Path, PathBuf};

use telltale_firmware::capture::file::Frames;
use telltale_firmware::capture::Timestamp;
use telltale_firmware::engine::{Engine, EngineConfig};
use telltale_firmware::event::Sink;
use telltale_firmware::geo::GeoDb;
use telltale_firmware::rules::Rules;

/// The firmware crate's directory.
pub fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/bench/mixed-pass.pcap` beside the repository.
pub fn bench_capture() -> PathBuf {
    manifest().join("../../shared/bench/mixed-pass.pcap")
}

/// The shipped rules file.
pub fn rules_path() -> PathBuf {
    manifest().join("../rules/default.toml")
}

/// The compiled geo/ASN table.
pub fn geo_path() -> PathBuf {
    manifest().join("../data/geo.ttdb")
}

/// The engine configuration the daemon runs with: defaults, the shipped rules' thresholds and
/// 5-minute summary windows.
pub fn daemon_config(rules: &Rules) -> EngineConfig {
    EngineConfig {
        thresholds: rules.detect_thresholds(0),
        summary_window_secs: 300,
        ..EngineConfig::default()
    }
}

/// The whole pipeline as the daemon builds it: shipped rules, geo/ASN table, summaries on.
pub fn daemon_engine() -> Engine {
    let rules = Rules::load(rules_path()).expect("rules/default.toml");
    let config = daemon_config(&rules);
    let geo = GeoDb::open(geo_path()).expect("data/geo.ttdb");
    Engine::with_policy(config, Box::new(rules), Box::new(geo))
}

/// Polls every frame of the in-memory capture once, timestamps moved `shift_ns` later;
/// returns the number of frames.
pub fn replay_pass(
    engine: &mut Engine,
    bytes: &[u8],
    path: &Path,
    sink: &mut dyn Sink,
    shift_ns: u64,
) -> u64 {
    let mut it = Frames::from_bytes(bytes, path).expect("bench capture parses");
    let mut n = 0;
    while let Some(Ok(mut frame)) = it.next() {
        frame.ts = Timestamp(frame.ts.0 + shift_ns);
        engine.poll(&frame, it.frame_number(), sink);
        n += 1;
    }
    n
}

/// Time from the capture's earliest to its latest frame, plus an hour: shifting pass `k` by
/// `k` times this makes every flow of a pass new (the previous pass's flows have expired).
pub fn fresh_shift_ns(bytes: &[u8], path: &Path) -> u64 {
    let mut it = Frames::from_bytes(bytes, path).expect("bench capture parses");
    let (mut lo, mut hi) = (u64::MAX, 0);
    while let Some(Ok(frame)) = it.next() {
        lo = lo.min(frame.ts.0);
        hi = hi.max(frame.ts.0);
    }
    hi.saturating_sub(lo) + 3_600_000_000_000
}

/// A number from the environment, or `default`.
pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
