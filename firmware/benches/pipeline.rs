//! Throughput of the whole engine on real traffic, beside ndpiReader in the same run.
//!
//! Run: `cargo bench -p telltale-firmware --bench pipeline` (set `TELLTALE_BENCH_PASSES` to
//! change the number of passes; default 100, about one million frames).
//!
//! 1. In memory: `../shared/bench/mixed-pass.pcap` is read once and replayed through
//!    `Engine::poll` many times from the same buffer (frames borrowed, nothing copied); prints
//!    frames per second and nanoseconds per frame, single core.
//! 2. Peer: the same passes are written once to a temporary pcap (records repeated), and
//!    `ndpiReader -i FILE -q` reads it; we print its own "nDPI throughput" and its wall time, and
//!    `telltaled replay --emit none` on the same file for an end-to-end comparison (file read,
//!    mmap, process start included).
//!
//! This is a benchmark: it prints figures and asserts nothing about speed.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use telltale_firmware::capture::file::Frames;
use telltale_firmware::engine::{Engine, EngineConfig};
use telltale_firmware::event::NullSink;

fn main() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bench = manifest.join("../../shared/bench/mixed-pass.pcap");
    let bytes = fs::read(&bench).expect("read ../shared/bench/mixed-pass.pcap");
    let passes: u64 = std::env::var("TELLTALE_BENCH_PASSES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);

    // 1. In memory, through the whole engine.
    let mut engine = Engine::new(EngineConfig::default());
    let mut sink = NullSink;
    let mut frames = 0u64;
    let start = Instant::now();
    for _ in 0..passes {
        let mut it = Frames::from_bytes(&bytes, &bench).expect("bench capture parses");
        while let Some(Ok(frame)) = it.next() {
            engine.poll(&frame, it.frame_number(), &mut sink);
            frames += 1;
        }
    }
    engine.finish(&mut sink);
    let secs = start.elapsed().as_secs_f64();
    let ours_fps = frames as f64 / secs;
    println!("telltale engine (in memory, 1 core): {frames} frames in {secs:.3} s");
    println!(
        "  {:.0} frames/s, {:.0} ns/frame, {} flows created, {} evicted",
        ours_fps,
        secs * 1e9 / frames as f64,
        engine.flow_counters().created,
        engine.flow_counters().evicted
    );

    // 2. The same frames on disk, for the peers.
    let big = std::env::temp_dir().join(format!("telltale-bench-x{passes}.pcap"));
    write_repeated(&bytes, passes, &big);
    match run_ndpi(&big) {
        Some((wall, own)) => {
            println!(
                "ndpiReader 4.2 (file, 1 thread): {frames} frames in {wall:.3} s wall = {:.0} frames/s; \
                 its own figure: {own}",
                frames as f64 / wall
            );
            println!(
                "  telltale engine / ndpiReader (wall): {:.2}x",
                ours_fps / (frames as f64 / wall)
            );
        }
        None => println!("ndpiReader: not installed (apt-get install libndpi-bin) - peer skipped"),
    }
    let telltaled = manifest.join("../target/release/telltaled");
    if telltaled.exists() {
        let start = Instant::now();
        let status = Command::new(&telltaled)
            .args(["replay", "--emit", "none"])
            .arg(&big)
            .status();
        let wall = start.elapsed().as_secs_f64();
        if status.is_ok_and(|s| s.success()) {
            println!(
                "telltaled replay --emit none (file, end to end): {frames} frames in {wall:.3} s = {:.0} frames/s",
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

/// Runs ndpiReader on `file`; returns its wall time and its own throughput line.
fn run_ndpi(file: &Path) -> Option<(f64, String)> {
    let start = Instant::now();
    let out = Command::new("ndpiReader")
        .arg("-i")
        .arg(file)
        .arg("-q")
        .output()
        .ok()?;
    let wall = start.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&out.stdout);
    let own = text
        .lines()
        .find(|l| l.contains("nDPI throughput"))
        .map(|l| l.trim().to_string())
        .unwrap_or_else(|| "(no throughput line)".to_string());
    Some((wall, own))
}
