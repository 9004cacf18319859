//! The in-memory replay the instruction counts are taken on: `../shared/bench/mixed-pass.pcap`
//! read once, then replayed N times from the same buffer through the whole pipeline as the
//! daemon runs it (shipped rules, geo/ASN table, detection, 5-minute summary windows).
//!
//! Run: `cargo bench -p telltale-firmware --bench replay -- N [fresh|same] [FILE.pcap]`
//! (N passes, default 10). `fresh` (the default) moves each pass's timestamps past the idle
//! timeouts, so every flow of a pass is new and every handshake is read again; `same` replays
//! the same timestamps, so a pass meets the flows of the previous one. FILE replaces the bench
//! capture: `scripts/bench.sh` gives the engine and ndpiReader the same file, written by
//! `scripts/pcap-passes.py` (the capture repeated, as is or with new addresses each pass).
//!
//! Start-up (reading the rules, the geo table, allocating the engine) is the same for any N: run
//! it under `valgrind --tool=callgrind` for N and 2N passes and divide the difference in
//! instructions by the difference in frames to get the steady-state cost of one frame
//! (`scripts/bench.sh` does). Prints the frames and the time of the polling; asserts nothing.

mod common;

use std::time::Instant;

use telltale_firmware::event::NullSink;

fn main() {
    let mut passes = 10u64;
    let mut fresh = true;
    let mut path = common::bench_capture();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "fresh" => fresh = true,
            "same" => fresh = false,
            a if a.starts_with('-') => {} // `--bench` from cargo
            a if a.ends_with(".pcap") || a.ends_with(".pcapng") => path = a.into(),
            a => passes = a.parse().expect("passes: a number"),
        }
    }
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("replay: cannot read {}: {e}", path.display()));
    let shift = if fresh {
        common::fresh_shift_ns(&bytes, &path)
    } else {
        0
    };
    let mut engine = common::daemon_engine();
    let mut sink = NullSink;
    let mut frames = 0;
    let start = Instant::now();
    for pass in 0..passes {
        frames += common::replay_pass(&mut engine, &bytes, &path, &mut sink, pass * shift);
    }
    engine.finish(&mut sink);
    let secs = start.elapsed().as_secs_f64();
    println!(
        "replay: {passes} passes ({}), {frames} frames, {secs:.3} s, {:.0} frames/s, {:.1} ns/frame",
        if fresh { "fresh flows" } else { "same flows" },
        frames as f64 / secs,
        secs * 1e9 / frames as f64
    );
}
