//! Summary windows through the whole engine, on hand-made UDP frames between a phone and a
//! server: a flow spanning three windows is split exactly, flows are counted once per window,
//! time going backwards neither reopens a window nor counts twice, an early close is followed
//! by a contiguous window, alerts land in the window they fired in, destinations carry what the
//! geo/ASN table says, and overflow is reported.

use core::net::IpAddr;

use telltale_proto::{SummaryRecord, Transport, Verdict};

use crate::capture::{Frame, LinkType, Timestamp};
use crate::detect::policy::{Locate, NoPolicy, Place};
use crate::engine::{Engine, EngineConfig};
use crate::event::{Event, FlowRecord, Meta, Sink};

use super::to_record::{to_records, OTHER_DESTINATIONS_IP};
use super::view::WindowSummaries;

const PHONE_MAC: [u8; 6] = [0x64, 0x09, 0x80, 0x4c, 0x2e, 0x71];
const ROUTER_MAC: [u8; 6] = [0xd0, 0x37, 0x45, 0x8a, 0x10, 0x01];
const PHONE: [u8; 4] = [192, 168, 50, 118];
const SERVER: [u8; 4] = [203, 0, 113, 31];

/// Ethernet + IPv4 + UDP carrying `payload` zero bytes.
fn udp(up: bool, server: [u8; 4], sport: u16, payload: usize) -> Vec<u8> {
    let (smac, dmac, src, dst, sp, dp) = if up {
        (PHONE_MAC, ROUTER_MAC, PHONE, server, sport, 9000u16)
    } else {
        (ROUTER_MAC, PHONE_MAC, server, PHONE, 9000u16, sport)
    };
    let ip_len = (20 + 8 + payload) as u16;
    let mut f = Vec::new();
    f.extend_from_slice(&dmac);
    f.extend_from_slice(&smac);
    f.extend_from_slice(&[0x08, 0x00]); // IPv4
    f.extend_from_slice(&[0x45, 0x00]); // version 4, IHL 5
    f.extend_from_slice(&ip_len.to_be_bytes());
    f.extend_from_slice(&[0x00, 0x01, 0x40, 0x00, 0x40, 17, 0x00, 0x00]); // id, DF, TTL, UDP
    f.extend_from_slice(&src);
    f.extend_from_slice(&dst);
    f.extend_from_slice(&sp.to_be_bytes());
    f.extend_from_slice(&dp.to_be_bytes());
    f.extend_from_slice(&((8 + payload) as u16).to_be_bytes());
    f.extend_from_slice(&[0x00, 0x00]); // checksum (not checked)
    f.resize(f.len() + payload, 0);
    f
}

/// Keeps every window as owned records with its times, and every flow record's byte counts.
#[derive(Default)]
struct Collect {
    windows: Vec<(u64, u64, Vec<SummaryRecord>)>,
    /// (device side's bytes up, bytes down) of each flow that ended with a device.
    flows: Vec<(u64, u64)>,
    alerts: Vec<(u64, &'static str)>,
}

impl Sink for Collect {
    fn event(&mut self, meta: Meta, event: &Event<'_>) {
        if let Event::Alert(a) = event {
            self.alerts.push((meta.ts.0, a.rule.as_str()));
        }
    }
    fn flow_end(&mut self, f: &FlowRecord<'_>) {
        if let Some((_, device_is_a)) = f.device {
            self.flows.push(if device_is_a {
                (f.bytes_ab, f.bytes_ba)
            } else {
                (f.bytes_ba, f.bytes_ab)
            });
        }
    }
    fn window(&mut self, s: &WindowSummaries<'_>) {
        self.windows.push((s.start_ms(), s.end_ms(), to_records(s)));
    }
}

/// A geo/ASN table that knows the server's address only.
struct ServerGeo;

impl Locate for ServerGeo {
    fn locate(&self, ip: IpAddr) -> Place<'_> {
        if ip == IpAddr::from(SERVER) {
            Place {
                country: Some(*b"NL"),
                asn: Some(64_500),
                org: Some("Example Telemetry B.V."),
            }
        } else {
            Place::default()
        }
    }
}

struct Replay {
    engine: Engine,
    sink: Collect,
    frames: u64,
}

impl Replay {
    fn new(window_secs: u64, capacity: usize) -> Self {
        Self::with_flows(window_secs, capacity, 64)
    }

    fn with_flows(window_secs: u64, capacity: usize, flows: usize) -> Self {
        let config = EngineConfig {
            flow_capacity: flows,
            summary_window_secs: window_secs,
            summary_capacity: capacity,
            ..EngineConfig::default()
        };
        Replay {
            engine: Engine::with_policy(config, Box::new(NoPolicy), Box::new(ServerGeo)),
            sink: Collect::default(),
            frames: 0,
        }
    }

    /// One frame at `secs` after the epoch (to the millisecond: nanoseconds since the epoch
    /// are beyond an f64's exact integers).
    fn frame(&mut self, secs: f64, bytes: &[u8]) {
        self.frames += 1;
        let frame = Frame {
            data: bytes,
            wire_len: bytes.len() as u32,
            ts: Timestamp((secs * 1e3).round() as u64 * 1_000_000),
            link: LinkType::Ethernet,
            // As in a replay: the device end is found from the MACs.
            port: None,
            stripped_vlan: None,
        };
        self.engine.poll(&frame, self.frames, &mut self.sink);
    }

    fn finish(mut self) -> Collect {
        self.engine.finish(&mut self.sink);
        self.sink
    }
}

/// (bytes up, bytes down, frames up, frames down, flows) of a record.
fn counts(r: &SummaryRecord) -> (u64, u64, u64, u64, u32) {
    (r.bytes_up, r.bytes_down, r.pkts_up, r.pkts_down, r.flows)
}

#[test]
fn a_flow_spanning_three_windows_is_split_exactly() {
    let mut r = Replay::new(10, 64);
    let (up, down) = (
        udp(true, SERVER, 40000, 100),
        udp(false, SERVER, 40000, 400),
    );
    let (u, d) = (up.len() as u64, down.len() as u64);
    r.frame(1_700_000_005.0, &up);
    r.frame(1_700_000_006.5, &down);
    r.frame(1_700_000_012.0, &up);
    r.frame(1_700_000_013.0, &up);
    r.frame(1_700_000_019.999, &down);
    r.frame(1_700_000_020.0, &down); // exactly on the boundary: the third window
    r.frame(1_700_000_027.25, &up);
    let c = r.finish();
    let times: Vec<(u64, u64)> = c.windows.iter().map(|w| (w.0, w.1)).collect();
    assert_eq!(
        times,
        [
            (1_700_000_005_000, 1_700_000_010_000),
            (1_700_000_010_000, 1_700_000_020_000),
            (1_700_000_020_000, 1_700_000_027_251),
        ]
    );
    let per_window: Vec<(u64, u64, u64, u64, u32)> =
        c.windows.iter().map(|w| counts(&w.2[0])).collect();
    assert_eq!(
        per_window,
        [(u, d, 1, 1, 1), (2 * u, d, 2, 1, 1), (u, d, 1, 1, 1)]
    );
    assert!(c.windows.iter().all(|w| w.2.len() == 1));
    // The three windows add up to the flow record, to the byte.
    let sum = per_window
        .iter()
        .fold((0, 0), |acc, w| (acc.0 + w.0, acc.1 + w.1));
    assert_eq!(c.flows, [sum]);
    let rec = &c.windows[0].2[0];
    assert_eq!(rec.device.mac, PHONE_MAC);
    assert_eq!(rec.device.ips, [IpAddr::from(PHONE)]);
    assert_eq!(rec.destination.ip, IpAddr::from(SERVER));
    assert_eq!(rec.destination.name, None);
    assert_eq!(rec.destination.country, Some(*b"NL"));
    assert_eq!(rec.destination.asn, Some(64_500));
    assert_eq!(
        rec.destination.org.as_deref(),
        Some("Example Telemetry B.V.")
    );
    assert_eq!(
        (rec.proto, rec.verdict, rec.seq),
        (Transport::Udp, Verdict::Ok, 0)
    );
    assert!(rec.rules.is_empty());
}

#[test]
fn flows_are_counted_once_per_window() {
    let mut r = Replay::new(60, 64);
    let a = udp(true, SERVER, 40001, 50);
    let b = udp(true, SERVER, 40002, 50);
    // Flow A sends five frames in the first window and one in the second; flow B one frame in
    // the first window only.
    for i in 0..5 {
        r.frame(1_700_000_100.0 + f64::from(i), &a);
    }
    r.frame(1_700_000_110.0, &b);
    r.frame(1_700_000_170.0, &a);
    let c = r.finish();
    assert_eq!(c.windows.len(), 2);
    assert_eq!(
        c.windows[0].2.len(),
        1,
        "one key: same device, address, transport"
    );
    assert_eq!(c.windows[0].2[0].flows, 2);
    assert_eq!(c.windows[0].2[0].pkts_up, 6);
    assert_eq!(c.windows[1].2[0].flows, 1);
    assert_eq!(c.windows[1].2[0].pkts_up, 1);
}

#[test]
fn time_going_backwards_counts_nothing_twice() {
    let mut r = Replay::new(10, 64);
    let up = udp(true, SERVER, 40003, 200);
    let n = up.len() as u64;
    for secs in [
        1_700_000_100.0,
        1_700_000_105.0,
        1_700_000_095.0,
        1_700_000_107.0,
    ] {
        r.frame(secs, &up);
    }
    let c = r.finish();
    // Virtual time: 0, 5, 5 (the step back is ignored), 17 s after the first frame.
    let times: Vec<(u64, u64)> = c.windows.iter().map(|w| (w.0, w.1)).collect();
    assert_eq!(
        times,
        [
            (1_700_000_100_000, 1_700_000_110_000),
            (1_700_000_110_000, 1_700_000_117_001)
        ]
    );
    assert_eq!(c.windows[0].2[0].pkts_up, 3);
    assert_eq!(c.windows[1].2[0].pkts_up, 1);
    assert_eq!(c.flows, [(4 * n, 0)]);
}

#[test]
fn an_early_close_is_followed_by_a_contiguous_window_and_idle_flows_are_reported_once() {
    // 1_700_000_100 is a multiple of 300: the aligned window is [T, T + 300 s).
    let t = 1_700_000_100.0;
    let mut r = Replay::new(300, 64);
    let up = udp(true, SERVER, 40004, 80);
    let n = up.len() as u64;
    r.frame(t + 1.0, &up);
    r.engine.flush_window(&mut r.sink);
    r.engine.flush_window(&mut r.sink); // nothing open: nothing more
    assert_eq!(r.sink.windows.len(), 1);
    assert_eq!(r.sink.windows[0].2[0].pkts_up, 1);
    // The flow goes idle (UDP: 120 s) and ends while the next window is open.
    r.frame(t + 2.0, &up);
    let other = udp(true, [198, 51, 100, 10], 40005, 10);
    r.frame(t + 200.0, &other);
    let c = r.finish();
    let times: Vec<(u64, u64)> = c.windows.iter().map(|w| (w.0, w.1)).collect();
    assert_eq!(
        times,
        [
            (1_700_000_101_000, 1_700_000_101_001),
            (1_700_000_101_001, 1_700_000_300_001)
        ]
    );
    let second = &c.windows[1].2;
    assert_eq!(second.len(), 2);
    assert_eq!(counts(&second[0]), (n, 0, 1, 0, 1));
    assert_eq!(second[1].destination.ip, IpAddr::from([198, 51, 100, 10]));
    assert!(c.flows.contains(&(2 * n, 0)));
}

#[test]
fn an_alert_marks_the_window_it_fired_in() {
    // About 1.4 MB up in 1,000 frames: over the abnormal-upload threshold (1 MB in 15 min, ratio
    // above 1.5).
    let mut r = Replay::new(10, 64);
    let up = udp(true, SERVER, 40006, 1400);
    r.frame(1_700_000_000.0, &udp(true, SERVER, 40006, 10));
    for i in 0..1000 {
        r.frame(1_700_000_011.0 + f64::from(i) * 0.001, &up);
    }
    r.frame(1_700_000_025.0, &up);
    let c = r.finish();
    assert_eq!(c.alerts.len(), 1, "{:?}", c.alerts);
    assert_eq!(c.alerts[0].1, "abnormal_upload");
    let verdicts: Vec<(Verdict, Vec<String>)> = c
        .windows
        .iter()
        .map(|w| (w.2[0].verdict, w.2[0].rules.clone()))
        .collect();
    assert_eq!(
        verdicts,
        [
            (Verdict::Ok, vec![]),
            (Verdict::Suspicious, vec!["abnormal_upload".to_string()]),
            (Verdict::Ok, vec![]),
        ]
    );
}

#[test]
fn overflow_goes_to_other_destinations_and_is_counted() {
    let mut r = Replay::new(60, 2);
    for i in 1..=4u8 {
        r.frame(
            1_700_000_000.0 + f64::from(i),
            &udp(true, [198, 51, 100, i], 40010, 20),
        );
    }
    let frame_len = udp(true, SERVER, 1, 20).len() as u64;
    let counters_before = r.engine.window_counters();
    assert_eq!(
        counters_before.merged, 0,
        "nothing reported before the window closes"
    );
    let c = {
        let mut r = r;
        r.engine.finish(&mut r.sink);
        assert_eq!(r.engine.window_counters().merged, 2);
        r.sink
    };
    let recs = &c.windows[0].2;
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[2].destination.ip, OTHER_DESTINATIONS_IP);
    assert_eq!(recs[2].destination.name, None);
    assert_eq!(counts(&recs[2]), (2 * frame_len, 0, 2, 0, 2));
    let up: u64 = recs.iter().map(|r| r.bytes_up).sum();
    assert_eq!(up, 4 * frame_len);
}

#[test]
fn summaries_off_call_no_window() {
    let mut r = Replay::new(0, 64);
    r.frame(1_700_000_000.0, &udp(true, SERVER, 40020, 20));
    r.frame(1_700_001_000.0, &udp(true, SERVER, 40020, 20));
    r.engine.flush_window(&mut r.sink);
    let c = r.finish();
    assert!(c.windows.is_empty());
    assert_eq!(
        c.flows.len(),
        2,
        "the flow went idle once, then ended at the finish"
    );
}

#[test]
fn windows_add_up_to_the_flows_when_flows_come_and_go_within_a_window() {
    // Four flow slots, twelve flows: flows are evicted and their slots reused inside a window
    // (the window's list of active flows then holds stale ids), and one window has more active
    // flows than slots (the close visits the whole table instead).
    let mut r = Replay::with_flows(10, 64, 4);
    let mut t = 1_700_000_000.0;
    for round in 0..3u16 {
        let flows = if round == 1 { 9 } else { 3 };
        for i in 0..flows {
            let port = 41000 + round * 16 + i;
            r.frame(t, &udp(true, SERVER, port, 10 + usize::from(i)));
            r.frame(t + 0.5, &udp(false, SERVER, port, 30));
            t += 0.7;
        }
        // A flow that lives on into the next window.
        r.frame(t, &udp(true, SERVER, 40999, 5));
        t = 1_700_000_000.0 + 10.0 * f64::from(round + 1) + 1.0;
    }
    let c = r.finish();
    assert!(c.windows.len() >= 3);
    let (mut up, mut down) = (0, 0);
    for w in &c.windows {
        for rec in &w.2 {
            up += rec.bytes_up;
            down += rec.bytes_down;
        }
    }
    let flows = c
        .flows
        .iter()
        .fold((0, 0), |acc, f| (acc.0 + f.0, acc.1 + f.1));
    assert_eq!((up, down), flows);
    assert!(c.flows.len() >= 16, "every flow reported (3 + 9 + 3 + 1)");
}
