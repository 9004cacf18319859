//! Summary windows on the recorded phone capture (`samples/phone-sample.pcapng`: DHCP, DNS,
//! HTTPS browsing and a 4 MiB upload to a Xiaomi telemetry host, about 6.5 s straddling a
//! minute boundary; the upload itself takes about 0.1 s) with the shipped rules and the geo/ASN and vendor tables in `data/`:
//! - the windows add up, per (device, destination address), to exactly the flow records' bytes;
//! - the upload's summary carries its name, the `watched_upload` rule and verdict suspicious;
//! - windows are contiguous, non-overlapping, and hold every frame;
//! - the records written to a real summary journal read back equal;
//! - with summaries on, steady state still allocates nothing (the bench capture, 1 s windows).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use telltale_firmware::capture::file::CaptureFile;
use telltale_firmware::engine::{Engine, EngineConfig};
use telltale_firmware::event::{Event, FlowRecord, Meta, Sink};
use telltale_firmware::geo::GeoDb;
use telltale_firmware::naming::oui::OuiDb;
use telltale_firmware::rules::Rules;
use telltale_firmware::summary::journal::{JournalConfig, SummaryJournal};
use telltale_firmware::summary::to_record::to_records;
use telltale_firmware::summary::view::WindowSummaries;
use telltale_proto::{SummaryRecord, Transport, Verdict};

mod common;

#[global_allocator]
static GLOBAL: common::Counting = common::Counting;

const PHONE: [u8; 6] = [0x64, 0x09, 0x80, 0x4c, 0x2e, 0x71];
const UPLOAD_HOST: &str = "data.mistat.xiaomi.com";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// One closed window: its times and its records.
struct Window {
    start_ms: u64,
    end_ms: u64,
    records: Vec<SummaryRecord>,
}

/// Keeps the windows as owned records and, per (device, remote address), the flow records'
/// bytes up and down.
#[derive(Default)]
struct Collect {
    windows: Vec<Window>,
    flows: BTreeMap<([u8; 6], IpAddr), (u64, u64)>,
    alerts: Vec<&'static str>,
}

impl Sink for Collect {
    fn event(&mut self, _meta: Meta, event: &Event<'_>) {
        if let Event::Alert(a) = event {
            self.alerts.push(a.rule.as_str());
        }
    }
    fn flow_end(&mut self, f: &FlowRecord<'_>) {
        let Some((mac, device_is_a)) = f.device else {
            return;
        };
        let (remote, up, down) = if device_is_a {
            (f.b, f.bytes_ab, f.bytes_ba)
        } else {
            (f.a, f.bytes_ba, f.bytes_ab)
        };
        let sum = self.flows.entry((mac, remote.addr.ip())).or_default();
        sum.0 += up;
        sum.1 += down;
    }
    fn window(&mut self, s: &WindowSummaries<'_>) {
        let counters = s.counters();
        assert_eq!(
            (counters.merged, counters.dropped),
            (0, 0),
            "the table is big enough for this capture"
        );
        self.windows.push(Window {
            start_ms: s.start_ms(),
            end_ms: s.end_ms(),
            records: to_records(s),
        });
    }
}

struct Replayed {
    sink: Collect,
    /// Capture time of every frame, ms since the epoch.
    frame_ms: Vec<u64>,
    unattributed: u64,
}

/// Replays the sample as the daemon would see it, with summary windows of `window_secs`.
fn replay(window_secs: u64) -> Replayed {
    let rules = Rules::load(repo().join("rules/default.toml")).expect("shipped rules");
    let config = EngineConfig {
        thresholds: rules.detect_thresholds(0),
        summary_window_secs: window_secs,
        ..EngineConfig::default()
    };
    let geo = GeoDb::open(repo().join("data/geo.ttdb")).expect("data/geo.ttdb");
    let mut engine = Engine::with_policy(config, Box::new(rules), Box::new(geo));
    engine.set_oui(OuiDb::open(repo().join("data/oui.ttdb")).expect("data/oui.ttdb"));
    let file = CaptureFile::open(repo().join("samples/phone-sample.pcapng")).expect("sample");
    let mut sink = Collect::default();
    let mut frame_ms = Vec::new();
    let mut frames = file.frames();
    while let Some(Ok(frame)) = frames.next() {
        frame_ms.push(frame.ts.0 / 1_000_000);
        engine.poll(&frame, frames.frame_number(), &mut sink);
    }
    engine.finish(&mut sink);
    Replayed {
        sink,
        frame_ms,
        unattributed: engine.window_counters().unattributed,
    }
}

/// Sum over every window of (bytes up, bytes down) per (device, destination address).
fn window_sums(windows: &[Window]) -> BTreeMap<([u8; 6], IpAddr), (u64, u64)> {
    let mut sums: BTreeMap<_, (u64, u64)> = BTreeMap::new();
    for r in windows.iter().flat_map(|w| &w.records) {
        let sum = sums.entry((r.device.mac, r.destination.ip)).or_default();
        sum.0 += r.bytes_up;
        sum.1 += r.bytes_down;
    }
    sums
}

fn check_windows_tile_the_capture(r: &Replayed) {
    let w = &r.sink.windows;
    assert!(!w.is_empty());
    for pair in w.windows(2) {
        assert_eq!(
            pair[0].end_ms, pair[1].start_ms,
            "contiguous (the capture has no gap as long as a window)"
        );
    }
    for win in w {
        assert!(win.start_ms < win.end_ms);
        for rec in &win.records {
            assert_eq!(
                (rec.window_start, rec.window_end),
                (win.start_ms, win.end_ms)
            );
        }
    }
    let (first, last) = (w[0].start_ms, w[w.len() - 1].end_ms);
    assert!(
        r.frame_ms.iter().all(|t| (first..last).contains(t)),
        "every frame is inside the windows"
    );
}

#[test]
fn minute_windows_add_up_to_the_flows_and_flag_the_upload() {
    let r = replay(60);
    let windows = &r.sink.windows;
    // 18:26:59.03 to 18:27:05.52: the first window ends on the minute.
    assert_eq!(windows.len(), 2, "one window each side of 18:27:00");
    assert_eq!(windows[0].end_ms % 60_000, 0);
    check_windows_tile_the_capture(&r);
    assert_eq!(window_sums(windows), r.sink.flows);
    assert!(r.sink.flows.len() > 5, "{:?}", r.sink.flows);

    let upload: Vec<&SummaryRecord> = windows
        .iter()
        .flat_map(|w| &w.records)
        .filter(|s| s.destination.name.as_deref() == Some(UPLOAD_HOST))
        .collect();
    assert_eq!(upload.len(), 1, "{upload:#?}");
    let u = upload[0];
    assert!(u.rules.iter().any(|r| r == "watched_upload"), "{u:?}");
    assert_eq!(u.verdict, Verdict::Suspicious);
    assert_eq!(u.proto, Transport::Tcp);
    assert_eq!(u.flows, 1);
    assert!(u.bytes_up > 4_194_304, "the 4 MiB body and its framing");
    assert!(u.bytes_down < u.bytes_up / 10);
    assert_eq!(u.destination.ip, "203.0.113.31".parse::<IpAddr>().unwrap());
    assert_eq!(u.device.mac, PHONE);
    assert_eq!(u.device.hostname.as_deref(), Some("Redmi-Note-12"));
    let vendor = u.device.vendor.as_deref().unwrap_or_default();
    assert!(vendor.to_ascii_lowercase().contains("xiaomi"), "{vendor}");
    assert!(u
        .device
        .ips
        .contains(&"192.168.50.118".parse::<IpAddr>().unwrap()));
    // Every rule that fired is in some summary, and only the upload is suspicious.
    for rule in &r.sink.alerts {
        if *rule != "new_device" {
            assert!(
                windows
                    .iter()
                    .flat_map(|w| &w.records)
                    .any(|s| s.rules.iter().any(|x| x == rule)),
                "{rule}"
            );
        }
    }
    for s in windows.iter().flat_map(|w| &w.records) {
        if s.destination.name.as_deref() != Some(UPLOAD_HOST) {
            assert_ne!(s.verdict, Verdict::Suspicious, "{s:?}");
        }
    }
}

#[test]
fn second_windows_split_conversations_and_still_add_up() {
    let r = replay(1);
    check_windows_tile_the_capture(&r);
    assert!(r.sink.windows.len() >= 7, "6.5 s in 1 s windows");
    assert_eq!(window_sums(&r.sink.windows), r.sink.flows);
    let minute = replay(60);
    // Some conversations (the mDNS announcements, the browsing connections) run over several
    // seconds: cut into 1 s windows, their pieces still add up to the flow records above.
    let mut windows_per_pair: BTreeMap<([u8; 6], IpAddr), usize> = BTreeMap::new();
    for w in &r.sink.windows {
        for s in &w.records {
            *windows_per_pair
                .entry((s.device.mac, s.destination.ip))
                .or_default() += 1;
        }
    }
    let split = windows_per_pair.values().filter(|n| **n >= 2).count();
    assert!(split >= 2, "{windows_per_pair:?}");
    // The same traffic, cut finer: per-device totals agree with the minute windows.
    let total = |w: &[Window]| -> (u64, u64) {
        w.iter()
            .flat_map(|w| &w.records)
            .fold((0, 0), |a, s| (a.0 + s.bytes_up, a.1 + s.bytes_down))
    };
    assert_eq!(total(&r.sink.windows), total(&minute.sink.windows));
    assert_eq!(r.unattributed, minute.unattributed);
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "telltale-summary-windows-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn summaries_written_to_the_journal_read_back_equal() {
    let r = replay(1);
    let records: Vec<SummaryRecord> = r.sink.windows.into_iter().flat_map(|w| w.records).collect();
    assert!(records.iter().all(|s| s.seq == 0));
    let tmp = TempDir::new("journal");
    let dir = tmp.0.join("summaries");
    let mut journal =
        SummaryJournal::open(JournalConfig::new(&dir, 0)).expect("open the summary journal");
    for (i, rec) in records.iter().enumerate() {
        assert_eq!(journal.append(rec.clone()).expect("append"), i as u64 + 1);
    }
    journal.sync().expect("sync");
    journal.close().expect("close");

    // Read back after reopening, in batches as the link server would pull them.
    let mut journal = SummaryJournal::open(JournalConfig::new(&dir, 0)).expect("reopen");
    let mut back = Vec::new();
    let mut after = 0;
    loop {
        let batch = journal.read_after(after, 16, 8 * 1024).expect("read");
        back.extend(batch.records);
        after = batch.last_seq;
        if !batch.more {
            break;
        }
    }
    assert_eq!(back.len(), records.len());
    for (i, (got, mut want)) in back.into_iter().zip(records).enumerate() {
        want.seq = i as u64 + 1;
        assert_eq!(got, want);
    }
}

/// Counts windows and summaries through the borrowed views, keeping nothing.
#[derive(Default)]
struct CountingSink {
    windows: u64,
    summaries: u64,
    bytes: u64,
}

impl Sink for CountingSink {
    fn event(&mut self, _meta: Meta, _event: &Event<'_>) {}
    fn flow_end(&mut self, _flow: &FlowRecord<'_>) {}
    fn window(&mut self, s: &WindowSummaries<'_>) {
        self.windows += 1;
        for v in s.iter() {
            self.summaries += 1;
            self.bytes += v.bytes_up + v.bytes_down;
            self.bytes += v.destination.name.map_or(0, |n| n.len() as u64);
        }
    }
}

#[test]
fn summaries_on_allocate_nothing_in_steady_state() {
    let path = repo().join("../shared/bench/mixed-pass.pcap");
    let file = CaptureFile::open(&path).expect("bench capture beside the repository");
    let mut engine = Engine::new(EngineConfig {
        summary_window_secs: 1,
        ..EngineConfig::default()
    });
    let mut sink = CountingSink::default();
    let pass = |engine: &mut Engine, sink: &mut CountingSink| {
        let mut frames = file.frames();
        while let Some(Ok(frame)) = frames.next() {
            engine.poll(&frame, frames.frame_number(), sink);
        }
        engine.flush_window(sink);
    };
    pass(&mut engine, &mut sink);
    let warm_windows = sink.windows;
    let before = common::allocations();
    for _ in 0..3 {
        pass(&mut engine, &mut sink);
    }
    let allocs = common::allocations() - before;
    assert!(warm_windows >= 2, "the bench capture spans several seconds");
    assert!(sink.windows > warm_windows && sink.summaries > 0 && sink.bytes > 0);
    assert_eq!(
        allocs, 0,
        "heap allocations in steady state with summaries on"
    );
}
