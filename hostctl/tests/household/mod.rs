//! A household's day as the box would report it, for the report tests: five devices (a Xiaomi
//! phone, an iPhone on a randomised MAC, a Samsung TV with quotes in its mDNS name, a laptop, a
//! guest phone on a randomised MAC with no name at all), about thirty destinations, 15-minute
//! summaries over 24 hours (2026-11-23, UTC) with quiet nights and busy evenings, a few alerts,
//! and records just outside the day that a correct range must leave out.
//!
//! Addresses are from the documentation ranges (RFC 5737); names, organisations, AS numbers,
//! countries and MAC vendors (IEEE OUI registry) are those of the real services and makers.

#![allow(dead_code)]

mod habits;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;

use chrono::NaiveDate;
use telltale_hostctl::store::Store;
use telltale_proto::{AlertRecord, DestinationInfo, DeviceInfo, SummaryRecord, Verdict};

pub use habits::{Dest, DEVICES, HABITS};

/// The box the records came from (a Raspberry Pi's bridge MAC).
pub const BOX_ID: &str = "dc:a6:32:1f:7e:90";

/// One hour, ms.
pub const HOUR: u64 = 3_600_000;

/// The box's summary window, ms.
pub const WINDOW: u64 = 15 * 60_000;

/// The first summary sequence number (a box that has been running for a while).
pub const FIRST_SEQ: u64 = 40_001;

/// 2026-11-23T00:00:00Z, ms since the epoch.
pub fn day_start() -> u64 {
    NaiveDate::from_ymd_opt(2026, 11, 23)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("a valid date")
        .and_utc()
        .timestamp_millis() as u64
}

/// The end of the day (exclusive).
pub fn day_end() -> u64 {
    day_start() + 24 * HOUR
}

/// The `--since` and `--until` arguments for the day, read in UTC (the tests run the binary
/// with `TZ=UTC`).
pub const SINCE: &str = "2026-11-23T00:00";
/// See [`SINCE`].
pub const UNTIL: &str = "2026-11-24T00:00";

/// A device of the household.
#[derive(Debug, Clone, Copy)]
pub struct Device {
    /// Its MAC.
    pub mac: [u8; 6],
    /// Its address on the LAN.
    pub ip: [u8; 4],
    /// DHCP or mDNS name.
    pub hostname: Option<&'static str>,
    /// OUI vendor.
    pub vendor: Option<&'static str>,
}

impl Device {
    /// As the box reports it.
    pub fn info(&self) -> DeviceInfo {
        DeviceInfo {
            mac: self.mac,
            ips: vec![IpAddr::from(self.ip)],
            hostname: self.hostname.map(str::to_string),
            vendor: self.vendor.map(str::to_string),
        }
    }

    /// `64:09:80:4c:2e:71`.
    pub fn mac_text(&self) -> String {
        self.mac
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    }

    /// The name a report shows for it: hostname, else vendor and the MAC's last three bytes,
    /// else the MAC.
    pub fn label(&self) -> String {
        match (self.hostname, self.vendor) {
            (Some(h), _) => h.to_string(),
            (None, Some(v)) => format!("{v} {}", &self.mac_text()[9..]),
            (None, None) => self.mac_text(),
        }
    }
}

impl Dest {
    /// As the box reports it.
    pub fn info(&self) -> DestinationInfo {
        DestinationInfo {
            name: self.name.map(str::to_string),
            ip: self.ip.parse().expect("a valid address"),
            asn: Some(self.asn),
            org: Some(self.org.to_string()),
            country: Some(*self.country),
        }
    }

    /// The name a report shows: the name, else the address.
    pub fn shown(&self) -> String {
        self.name
            .map_or_else(|| self.ip.to_string(), str::to_string)
    }
}

/// Spreads a habit's bytes over the day so that no two windows look alike: 70% to 130%.
fn vary(base: u64, habit: usize, window: u64) -> u64 {
    let wobble = (window * 7 + habit as u64 * 13 + window / 4 * 3) % 7;
    base * (7 + wobble) / 10
}

fn record(seq: u64, start: u64, device: &Device, dest: &Dest) -> SummaryRecord {
    SummaryRecord {
        seq,
        window_start: start,
        window_end: start + WINDOW,
        device: device.info(),
        destination: dest.info(),
        proto: dest.proto,
        bytes_up: 0,
        bytes_down: 0,
        pkts_up: 0,
        pkts_down: 0,
        flows: 1,
        verdict: Verdict::Ok,
        rules: Vec::new(),
    }
}

/// Every summary of the day, in window order, sequence numbers from [`FIRST_SEQ`].
pub fn day_summaries() -> Vec<SummaryRecord> {
    let day = day_start();
    let mut out = Vec::new();
    for window in 0..24 * 4 {
        let hour = window / 4;
        let start = day + window * WINDOW;
        for (k, h) in HABITS.iter().enumerate() {
            if !h.active(hour, window % 4) {
                continue;
            }
            let seq = FIRST_SEQ + out.len() as u64;
            let mut r = record(seq, start, &DEVICES[h.device], &h.dest);
            r.bytes_up = vary(h.up, k, window);
            r.bytes_down = vary(h.down, k, window + 1);
            r.pkts_up = r.bytes_up / 1200 + 3;
            r.pkts_down = r.bytes_down / 1300 + 2;
            r.flows = 1 + (window % 3) as u32;
            if let Some((hours, verdict, rule)) = h.flag {
                if hours.contains(&hour) {
                    r.verdict = verdict;
                    r.rules = vec![rule.to_string()];
                }
            }
            out.push(r);
        }
    }
    out
}

/// Records just outside the day: the window before it and the one starting where it ends (the
/// range is `[since, until)`), a large upload each, and a device seen only then.
pub fn outside_summaries(next_seq: u64) -> Vec<SummaryRecord> {
    let outsider = Device {
        mac: [0xf0, 0x2f, 0x74, 0x03, 0x9a, 0x41],
        ip: [192, 168, 50, 99],
        hostname: Some("guest-laptop"),
        vendor: Some("ASUSTek COMPUTER INC."),
    };
    let h = &HABITS[0];
    let mut before = record(next_seq, day_start() - WINDOW, &DEVICES[h.device], &h.dest);
    before.bytes_up = 77_000_000;
    let mut after = record(next_seq + 1, day_end(), &outsider, &h.dest);
    after.bytes_up = 55_000_000;
    vec![before, after]
}

/// The alerts: four in the day, one the evening before.
pub fn alerts() -> Vec<AlertRecord> {
    let day = day_start();
    assert_eq!(
        HABITS[habits::MIUI_NIGHT].dest.name,
        Some("tracker.miui.com")
    );
    assert_eq!(HABITS[habits::ALIYUN_UNNAMED].dest.name, None);
    assert_eq!(
        HABITS[habits::TV_ACR].dest.name,
        Some("log-config.samsungacr.com")
    );
    assert_eq!(
        HABITS[habits::DROPBOX].dest.name,
        Some("content.dropboxapi.com")
    );
    let alert = |seq: u64,
                 ts: u64,
                 habit: usize,
                 severity: Verdict,
                 rule: &str,
                 reasons: &[&str],
                 up: u64| {
        let h = &HABITS[habit];
        AlertRecord {
            seq,
            ts,
            device: DEVICES[h.device].info(),
            destination: h.dest.info(),
            rule: rule.to_string(),
            severity,
            reasons: reasons.iter().map(|r| r.to_string()).collect(),
            bytes_up: up,
            bytes_down: up / 40,
        }
    };
    vec![
        alert(
            311,
            day - 2 * HOUR,
            habits::TV_ACR,
            Verdict::Notice,
            "periodic_beacon",
            &["96 connections to log-config.samsungacr.com, one every 15 min (jitter 2%)"],
            0,
        ),
        alert(
            312,
            day + 2 * HOUR + 14 * 60_000,
            habits::MIUI_NIGHT,
            Verdict::Suspicious,
            "quiet_hours_upload",
            &[
                "3.12 MB up during the quiet hours to tracker.miui.com (threshold 1.00 MB)",
                "78.0 kB down in the same window: up/down ratio 40.0",
                "on watchlist vendor-telemetry (xiaomi): tracker.miui.com matches miui.com [source: docs/rules.md]",
                "destination in SG AS45102 Alibaba (US) Technology Co., Ltd.",
            ],
            3_120_000,
        ),
        alert(
            313,
            day + 5 * HOUR + 2 * 60_000,
            habits::ALIYUN_UNNAMED,
            Verdict::Notice,
            "first_contact",
            &[
                "first upload to Hangzhou Alibaba Advertising Co.,Ltd.: 214.0 kB (threshold 100.0 kB)",
                "country CN is new for this device after its learning period",
            ],
            214_000,
        ),
        alert(
            314,
            day + 14 * HOUR + 31 * 60_000,
            habits::DROPBOX,
            Verdict::Suspicious,
            "large_upload",
            &[
                "141.30 MB up in 4 h to content.dropboxapi.com (threshold 100.00 MB)",
                "1.20 MB down in the same window: up/down ratio 117.8",
            ],
            141_300_000,
        ),
        alert(
            315,
            day + 21 * HOUR,
            habits::TV_ACR,
            Verdict::Notice,
            "periodic_beacon",
            &["84 connections to log-config.samsungacr.com, one every 15 min (jitter 1%)"],
            0,
        ),
    ]
}

/// The alerts inside the day.
pub fn day_alerts() -> Vec<AlertRecord> {
    alerts()
        .into_iter()
        .filter(|a| (day_start()..day_end()).contains(&a.ts))
        .collect()
}

/// Writes the household (day, outside records, alerts) into a new database at `path`; returns
/// the day's summaries.
pub fn write_database(path: &Path) -> Vec<SummaryRecord> {
    let _ = std::fs::remove_file(path);
    let mut store = Store::open(path).expect("open the test database");
    let day = day_summaries();
    let outside = outside_summaries(FIRST_SEQ + day.len() as u64);
    let stored = store.insert_summaries(BOX_ID, &day).expect("store");
    assert_eq!(stored.inserted, day.len() as u64);
    store.insert_summaries(BOX_ID, &outside).expect("store");
    store.insert_alerts(BOX_ID, &alerts()).expect("store");
    store
        .note_box(BOX_ID, "telltaled 0.1.0", day_end() + HOUR)
        .expect("store");
    day
}

/// Totals of one (device, destination) over the day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PairTotal {
    /// Bytes up.
    pub up: u64,
    /// Bytes down.
    pub down: u64,
    /// Flows.
    pub flows: u64,
    /// The worst verdict.
    pub verdict: Option<Verdict>,
    /// Rules seen.
    pub rules: Vec<String>,
}

/// Totals per MAC and destination as shown, computed straight from the records.
pub fn pair_totals(day: &[SummaryRecord]) -> BTreeMap<(String, String), PairTotal> {
    let mut out: BTreeMap<(String, String), PairTotal> = BTreeMap::new();
    for r in day {
        let dev = DEVICES
            .iter()
            .find(|d| d.mac == r.device.mac)
            .expect("a household device");
        let name = r
            .destination
            .name
            .clone()
            .unwrap_or_else(|| r.destination.ip.to_string());
        let t = out.entry((dev.mac_text(), name)).or_default();
        t.up += r.bytes_up;
        t.down += r.bytes_down;
        t.flows += u64::from(r.flows);
        t.verdict = Some(t.verdict.map_or(r.verdict, |v| v.max(r.verdict)));
        for rule in &r.rules {
            if !t.rules.contains(rule) {
                t.rules.push(rule.clone());
            }
        }
    }
    out
}

/// Bytes (up, down) per device over the day.
pub fn device_totals(day: &[SummaryRecord]) -> BTreeMap<[u8; 6], (u64, u64)> {
    let mut out = BTreeMap::new();
    for r in day {
        let t = out.entry(r.device.mac).or_insert((0, 0));
        t.0 += r.bytes_up;
        t.1 += r.bytes_down;
    }
    out
}

/// A device's destinations as a report lists them: most uploaded to first, then by name.
pub fn destinations_in_order(day: &[SummaryRecord], device: &Device) -> Vec<(String, PairTotal)> {
    let mac = device.mac_text();
    let mut rows: Vec<(String, PairTotal)> = pair_totals(day)
        .into_iter()
        .filter(|((m, _), _)| *m == mac)
        .map(|((_, name), t)| (name, t))
        .collect();
    rows.sort_by(|a, b| b.1.up.cmp(&a.1.up).then_with(|| a.0.cmp(&b.0)));
    rows
}

/// The devices as a report orders them: most uploading first.
pub fn devices_in_order(day: &[SummaryRecord]) -> Vec<Device> {
    let totals = device_totals(day);
    let mut devices: Vec<Device> = DEVICES.to_vec();
    devices.sort_by(|a, b| {
        totals[&b.mac]
            .0
            .cmp(&totals[&a.mac].0)
            .then_with(|| a.mac_text().cmp(&b.mac_text()))
    });
    devices
}
