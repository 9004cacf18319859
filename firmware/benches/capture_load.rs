//! Live capture under load: our TPACKET_V3 ring with the real engine on every frame, beside
//! tcpdump on the same port in the same run.
//!
//! Run as root: `cargo bench -p telltale-firmware --bench capture_load`
//! (`TELLTALE_BENCH_LOOPS`, default 10: times tcpreplay loops the capture;
//! `TELLTALE_BENCH_MBPS`, default 100: the rate of the fixed-rate run).
//!
//! Builds the namespace topology (phone - box with br0 over lan0/wan0 - router), opens our rings
//! on lan0 and wan0 in the box with the whole engine (shipped rules, geo/ASN table) polling every
//! frame, starts `tcpdump -i lan0 -w /dev/null` on the same port, and replays
//! `../shared/bench/mixed-pass.pcap` from the phone into lan0 with `tcpreplay`, once at
//! `--topspeed` and once at a fixed `--mbps`. Prints, per run: frames sent (tcpreplay's own
//! count), frames our ring handed to the engine on lan0, the kernel's drops and queue freezes
//! for our ring, and tcpdump's "packets captured" and "packets dropped by kernel".
//!
//! This is a benchmark: it prints figures and asserts nothing. The machine's other work (two
//! cores shared by tcpreplay, tcpdump, the engine and anything else running) shows in them.

#[path = "../tests/netns/mod.rs"]
mod netns;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use netns::Topology;
use telltale_firmware::capture::source::FrameSource;
use telltale_firmware::capture::tpacket::{TpacketConfig, TpacketSource};
use telltale_firmware::capture::Port;
use telltale_firmware::engine::{Engine, EngineConfig};
use telltale_firmware::event::NullSink;
use telltale_firmware::geo::GeoDb;
use telltale_firmware::rules::Rules;

/// What one run measured.
#[derive(Debug, Default)]
struct Figures {
    sent: Option<u64>,
    failed: Option<u64>,
    rated: String,
    ring_seen: u64,
    ring_kernel_packets: u64,
    ring_drops: u64,
    ring_freezes: u64,
    engine_ns_per_frame: f64,
    tcpdump_captured: Option<u64>,
    tcpdump_dropped: Option<u64>,
}

fn main() {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("capture_load: needs root (network namespaces, CAP_NET_RAW); run it as root");
        std::process::exit(1);
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let pcap = manifest.join("../../shared/bench/mixed-pass.pcap");
    assert!(pcap.exists(), "{} not found", pcap.display());
    if !have("tcpreplay") {
        eprintln!("capture_load: tcpreplay not found: apt-get install tcpreplay");
        std::process::exit(1);
    }
    let tcpdump = have("tcpdump");
    if !tcpdump {
        eprintln!("capture_load: tcpdump not found (apt-get install tcpdump): peer skipped");
    }
    let loops: u64 = env_number("TELLTALE_BENCH_LOOPS", 10);
    let mbps: u64 = env_number("TELLTALE_BENCH_MBPS", 100);
    let config = TpacketConfig::default();

    let topo = Topology::new("bench");
    // Large frames in the capture must fit: raise the MTU along the path.
    for (ns, dev) in [
        (&topo.phone, "wlan0"),
        (&topo.boxed, "lan0"),
        (&topo.boxed, "wan0"),
        (&topo.boxed, "br0"),
        (&topo.router, "eth0"),
    ] {
        topo.ip(ns, &["link", "set", dev, "mtu", "9000"]);
    }
    // A deliberately small ring (4 blocks of 4 pages) shows the drop and freeze counters at work.
    let page = telltale_firmware::capture::tpacket::page_size();
    let small = TpacketConfig {
        block_size: 4 * page,
        block_count: 4,
        ..config
    };
    let small_label = format!("--topspeed, ring 4x{}K", 4 * page / 1024);
    let runs = [
        ("--topspeed".to_owned(), "--topspeed".to_owned(), config),
        (format!("--mbps {mbps}"), format!("--mbps={mbps}"), config),
        (small_label, "--topspeed".to_owned(), small),
    ];
    let mut results = Vec::new();
    for (label, arg, ring) in &runs {
        let figures = one_run(&topo, &pcap, manifest, ring, loops, arg, tcpdump);
        results.push((label.clone(), figures));
    }
    drop(topo);

    println!(
        "capture_load: {} x{loops} (tcpreplay from the phone namespace into lan0 through the \
         bridge); our ring (unless the run says otherwise): {} blocks of {} KiB per port, \
         retire {} ms, the engine with the \
         shipped rules and geo table on every frame; tcpdump -i lan0 -w /dev/null (its default \
         buffer) on the same port at the same time",
        pcap.display(),
        config.block_count,
        config.block_size / 1024,
        config.retire_timeout.as_millis()
    );
    println!(
        "{:<24} {:>10} {:>8} {:>30} | {:>10} {:>10} {:>8} {:>8} {:>9} | {:>10} {:>10}",
        "run",
        "sent",
        "failed",
        "rate (tcpreplay)",
        "ring seen",
        "kernel",
        "drops",
        "freezes",
        "ns/frame",
        "tcpdump",
        "dropped"
    );
    for (label, f) in &results {
        println!(
            "{:<24} {:>10} {:>8} {:>30} | {:>10} {:>10} {:>8} {:>8} {:>9.0} | {:>10} {:>10}",
            label,
            show(f.sent),
            show(f.failed),
            f.rated,
            f.ring_seen,
            f.ring_kernel_packets,
            f.ring_drops,
            f.ring_freezes,
            f.engine_ns_per_frame,
            show(f.tcpdump_captured),
            show(f.tcpdump_dropped)
        );
    }
    println!(
        "sent: tcpreplay's \"Actual\" packets; ring seen: frames our ring handed to the engine on \
         lan0; kernel: tp_packets (seen + dropped); drops: tp_drops; freezes: tp_freeze_q_cnt; \
         ns/frame: engine time per frame (poll only); tcpdump/dropped: its \"packets captured\" \
         and \"packets dropped by kernel\""
    );
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn show(v: Option<u64>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

/// The engine the daemon runs: shipped rules, geo/ASN table.
fn engine(manifest: &Path) -> Engine {
    let rules = Rules::load(manifest.join("../rules/default.toml")).expect("rules/default.toml");
    let config = EngineConfig {
        thresholds: rules.detect_thresholds(0),
        ..EngineConfig::default()
    };
    let geo = GeoDb::open(manifest.join("../data/geo.ttdb")).expect("data/geo.ttdb");
    Engine::with_policy(config, Box::new(rules), Box::new(geo))
}

/// Our side of a run: rings opened in the box, the engine on every frame until told to stop.
struct RingRun {
    seen_lan: u64,
    kernel_packets: u64,
    drops: u64,
    freezes: u64,
    engine_secs: f64,
    frames: u64,
}

fn one_run(
    topo: &Topology,
    pcap: &Path,
    manifest: &Path,
    config: &TpacketConfig,
    loops: u64,
    rate: &str,
    with_tcpdump: bool,
) -> Figures {
    let stop = Arc::new(AtomicBool::new(false));
    let (ready_tx, ready_rx) = mpsc::channel();
    let ring = {
        let (boxed, stop, config, manifest) = (
            topo.boxed.clone(),
            stop.clone(),
            *config,
            manifest.to_path_buf(),
        );
        thread::spawn(move || ring_side(&boxed, &manifest, &config, &stop, ready_tx))
    };
    ready_rx.recv().expect("ring thread ready");

    let mut dump = with_tcpdump.then(|| start_tcpdump(&topo.boxed));

    let out = Command::new("ip")
        .args(["netns", "exec", &topo.phone, "tcpreplay", "-i", "wlan0"])
        .arg(format!("--loop={loops}"))
        .arg(rate)
        .arg(pcap)
        .output()
        .expect("run tcpreplay");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        eprintln!("tcpreplay {rate} failed:\n{text}");
    }
    // Both captures hand over partly filled blocks on a timeout (ours 20 ms, tcpdump's 1 s):
    // wait past both before stopping them, so that neither loses its last frames.
    thread::sleep(Duration::from_millis(1500));
    stop.store(true, Ordering::Relaxed);
    let ours = ring.join().expect("ring thread");
    let (captured, dropped) = dump.as_mut().map_or((None, None), stop_tcpdump);

    Figures {
        sent: number_after(&text, "Actual: "),
        failed: number_after(&text, "Failed packets:"),
        rated: text
            .lines()
            .find_map(|l| l.trim().strip_prefix("Rated: "))
            .map(|r| r.split(", ").skip(1).collect::<Vec<_>>().join(", "))
            .unwrap_or_default(),
        ring_seen: ours.seen_lan,
        ring_kernel_packets: ours.kernel_packets,
        ring_drops: ours.drops,
        ring_freezes: ours.freezes,
        engine_ns_per_frame: ours.engine_secs * 1e9 / ours.frames.max(1) as f64,
        tcpdump_captured: captured,
        tcpdump_dropped: dropped,
    }
}

fn ring_side(
    boxed: &str,
    manifest: &Path,
    config: &TpacketConfig,
    stop: &AtomicBool,
    ready: mpsc::Sender<()>,
) -> RingRun {
    netns::enter(boxed);
    let mut engine = engine(manifest);
    let mut source = TpacketSource::open("lan0", "wan0", config).expect("open rings");
    ready.send(()).expect("main thread waits");
    let mut sink = NullSink;
    let (mut seen_lan, mut frames, mut engine_secs) = (0u64, 0u64, 0.0);
    loop {
        let n = source
            .next_batch(Duration::from_millis(20), &mut |f| {
                frames += 1;
                if f.port == Some(Port::Lan) {
                    seen_lan += 1;
                }
                let start = Instant::now();
                engine.poll(f, frames, &mut sink);
                engine_secs += start.elapsed().as_secs_f64();
            })
            .expect("next_batch");
        if n == 0 && stop.load(Ordering::Relaxed) {
            break;
        }
    }
    source.stats();
    let lan = source.port_stats(Port::Lan);
    RingRun {
        seen_lan,
        kernel_packets: lan.kernel.packets,
        drops: lan.kernel.drops,
        freezes: lan.kernel.freezes,
        engine_secs,
        frames,
    }
}

/// A running tcpdump and the lines it writes to stderr.
struct Tcpdump {
    child: std::process::Child,
    lines: mpsc::Receiver<String>,
}

fn start_tcpdump(boxed: &str) -> Tcpdump {
    let mut child = Command::new("ip")
        .args([
            "netns",
            "exec",
            boxed,
            "tcpdump",
            "-n",
            "-i",
            "lan0",
            "-w",
            "/dev/null",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tcpdump");
    let stderr = child.stderr.take().expect("tcpdump stderr");
    let (tx, lines) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Wait until it listens.
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        match lines.recv_timeout(Duration::from_millis(100)) {
            Ok(line) if line.contains("listening on") => break,
            _ => {}
        }
    }
    Tcpdump { child, lines }
}

/// Stops tcpdump with SIGINT and reads its closing counts.
fn stop_tcpdump(dump: &mut Tcpdump) -> (Option<u64>, Option<u64>) {
    // `ip netns exec` executes tcpdump in its own process: the child's pid is tcpdump's.
    let pid = dump.child.id() as libc::pid_t;
    // SAFETY: kill(2) sends a signal to the child we started; no memory is involved.
    unsafe { libc::kill(pid, libc::SIGINT) };
    let _ = dump.child.wait();
    // The reader thread ends (and the channel closes) when tcpdump's stderr does.
    let mut text = String::new();
    while let Ok(line) = dump.lines.recv_timeout(Duration::from_secs(5)) {
        text.push_str(&line);
        text.push('\n');
    }
    let count = |suffix: &str| {
        text.lines()
            .find(|l| l.ends_with(suffix))
            .and_then(|l| l.split_whitespace().next()?.parse().ok())
    };
    (
        count("packets captured"),
        count("packets dropped by kernel"),
    )
}

/// The number after `key` in tcpreplay's output ("Actual: 100 packets", "Failed packets: 0").
fn number_after(text: &str, key: &str) -> Option<u64> {
    let at = text.find(key)? + key.len();
    text[at..].split_whitespace().next()?.parse().ok()
}
