//! The report's content: what every device sent where over a time range, built from the stored
//! summaries and alerts. The table, CSV, JSON and HTML renderings all read this one model.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::Serialize;
use telltale_proto::{AlertRecord, SummaryRecord, Verdict};

use crate::store::mac_text;

/// Destinations listed per device.
pub const TOP_DESTINATIONS: usize = 10;

/// One destination of one device.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DestinationRow {
    /// The name, or the address when the box saw none.
    pub name: String,
    /// The address (the last one seen for the name).
    pub ip: IpAddr,
    /// Country code.
    pub country: Option<String>,
    /// AS number.
    pub asn: Option<u32>,
    /// AS organisation.
    pub org: Option<String>,
    /// Bytes from the device.
    pub bytes_up: u64,
    /// Bytes to the device.
    pub bytes_down: u64,
    /// Flows.
    pub flows: u64,
    /// The worst verdict.
    pub verdict: &'static str,
    /// Rules that matched.
    pub rules: Vec<String>,
}

/// One device.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DeviceRow {
    /// `64:09:80:4c:2e:71`.
    pub mac: String,
    /// A randomised (locally administered) MAC.
    pub randomised: bool,
    /// DHCP or mDNS name.
    pub hostname: Option<String>,
    /// Maker.
    pub vendor: Option<String>,
    /// Addresses seen.
    pub ips: Vec<IpAddr>,
    /// Bytes up, all destinations.
    pub bytes_up: u64,
    /// Bytes down.
    pub bytes_down: u64,
    /// Destinations, most uploaded to first (all of them; renderings cut to the top ones).
    pub destinations: Vec<DestinationRow>,
    /// Alerts about this device in the range.
    pub alerts: u64,
}

impl DeviceRow {
    /// The name people know it by.
    pub fn label(&self) -> String {
        match (&self.hostname, &self.vendor) {
            (Some(h), _) => h.clone(),
            (None, Some(v)) => format!("{v} {}", &self.mac[9..]),
            (None, None) => self.mac.clone(),
        }
    }
}

/// Upload per time bucket, per device: the chart.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Series {
    /// Bucket length, ms.
    pub bucket_ms: u64,
    /// Bucket starts, ms since the epoch.
    pub starts: Vec<u64>,
    /// (device label, bytes up per bucket), the same order as `devices`.
    pub per_device: Vec<(String, Vec<u64>)>,
}

/// The report.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Report {
    /// Range start, ms since the epoch.
    pub from_ms: u64,
    /// Range end.
    pub to_ms: u64,
    /// Summaries read.
    pub summaries: u64,
    /// Devices, most uploading first.
    pub devices: Vec<DeviceRow>,
    /// Alerts, oldest first.
    pub alerts: Vec<AlertRow>,
    /// Upload over time.
    pub series: Series,
}

/// One alert.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AlertRow {
    /// When, ms since the epoch.
    pub ts: u64,
    /// The device's label.
    pub device: String,
    /// Its MAC.
    pub mac: String,
    /// The destination's name or address.
    pub destination: String,
    /// Country code.
    pub country: Option<String>,
    /// The rule.
    pub rule: String,
    /// `notice` or `suspicious`.
    pub severity: &'static str,
    /// Why.
    pub reasons: Vec<String>,
    /// Bytes up.
    pub bytes_up: u64,
}

/// A bucket length that gives a readable chart for the range: hours up to 3 days, else days.
fn bucket_for(range_ms: u64) -> u64 {
    const HOUR: u64 = 3_600_000;
    if range_ms <= 3 * 24 * HOUR {
        HOUR
    } else {
        24 * HOUR
    }
}

fn country(c: Option<[u8; 2]>) -> Option<String> {
    c.map(|c| String::from_utf8_lossy(&c).into_owned())
}

/// Builds the report for `[from_ms, to_ms)`.
pub fn build(
    from_ms: u64,
    to_ms: u64,
    summaries: &[SummaryRecord],
    alerts: &[AlertRecord],
) -> Report {
    let mut devices: BTreeMap<[u8; 6], DeviceRow> = BTreeMap::new();
    let mut dests: BTreeMap<([u8; 6], String), (DestinationRow, Verdict)> = BTreeMap::new();
    for s in summaries {
        let d = devices.entry(s.device.mac).or_insert_with(|| DeviceRow {
            mac: mac_text(&s.device.mac),
            randomised: s.device.is_randomised(),
            hostname: None,
            vendor: None,
            ips: Vec::new(),
            bytes_up: 0,
            bytes_down: 0,
            destinations: Vec::new(),
            alerts: 0,
        });
        // Later summaries carry the newer name.
        if s.device.hostname.is_some() {
            d.hostname.clone_from(&s.device.hostname);
        }
        if s.device.vendor.is_some() {
            d.vendor.clone_from(&s.device.vendor);
        }
        for ip in &s.device.ips {
            if !d.ips.contains(ip) {
                d.ips.push(*ip);
            }
        }
        d.bytes_up += s.bytes_up;
        d.bytes_down += s.bytes_down;
        let name = s
            .destination
            .name
            .clone()
            .unwrap_or_else(|| s.destination.ip.to_string());
        let (row, worst) = dests
            .entry((s.device.mac, name.clone()))
            .or_insert_with(|| {
                (
                    DestinationRow {
                        name,
                        ip: s.destination.ip,
                        country: None,
                        asn: None,
                        org: None,
                        bytes_up: 0,
                        bytes_down: 0,
                        flows: 0,
                        verdict: "ok",
                        rules: Vec::new(),
                    },
                    Verdict::Ok,
                )
            });
        row.ip = s.destination.ip;
        row.country = country(s.destination.country).or(row.country.take());
        row.asn = s.destination.asn.or(row.asn);
        if s.destination.org.is_some() {
            row.org.clone_from(&s.destination.org);
        }
        row.bytes_up += s.bytes_up;
        row.bytes_down += s.bytes_down;
        row.flows += u64::from(s.flows);
        *worst = (*worst).max(s.verdict);
        row.verdict = worst.name();
        for r in &s.rules {
            if !row.rules.contains(r) {
                row.rules.push(r.clone());
            }
        }
    }
    for ((mac, _), (row, _)) in dests {
        if let Some(d) = devices.get_mut(&mac) {
            d.destinations.push(row);
        }
    }
    for a in alerts {
        if let Some(d) = devices.get_mut(&a.device.mac) {
            d.alerts += 1;
        }
    }
    let mut devices: Vec<DeviceRow> = devices.into_values().collect();
    for d in &mut devices {
        d.destinations.sort_by(|a, b| {
            b.bytes_up
                .cmp(&a.bytes_up)
                .then_with(|| a.name.cmp(&b.name))
        });
    }
    devices.sort_by(|a, b| b.bytes_up.cmp(&a.bytes_up).then_with(|| a.mac.cmp(&b.mac)));

    let bucket_ms = bucket_for(to_ms.saturating_sub(from_ms));
    let first = from_ms / bucket_ms * bucket_ms;
    let count = (to_ms.saturating_sub(first))
        .div_ceil(bucket_ms)
        .clamp(1, 400) as usize;
    let starts: Vec<u64> = (0..count as u64).map(|i| first + i * bucket_ms).collect();
    let index: BTreeMap<String, usize> = devices
        .iter()
        .enumerate()
        .map(|(i, d)| (d.mac.clone(), i))
        .collect();
    let mut per_device: Vec<(String, Vec<u64>)> = devices
        .iter()
        .map(|d| (d.label(), vec![0; count]))
        .collect();
    for s in summaries {
        let b = ((s.window_start.saturating_sub(first)) / bucket_ms) as usize;
        if let (Some(&i), true) = (index.get(&mac_text(&s.device.mac)), b < count) {
            per_device[i].1[b] += s.bytes_up;
        }
    }

    let label_of = |mac: &[u8; 6]| {
        devices
            .iter()
            .find(|d| d.mac == mac_text(mac))
            .map_or_else(|| mac_text(mac), DeviceRow::label)
    };
    let alerts = alerts
        .iter()
        .map(|a| AlertRow {
            ts: a.ts,
            device: a
                .device
                .hostname
                .clone()
                .unwrap_or_else(|| label_of(&a.device.mac)),
            mac: mac_text(&a.device.mac),
            destination: a
                .destination
                .name
                .clone()
                .unwrap_or_else(|| a.destination.ip.to_string()),
            country: country(a.destination.country),
            rule: a.rule.clone(),
            severity: a.severity.name(),
            reasons: a.reasons.clone(),
            bytes_up: a.bytes_up,
        })
        .collect();
    Report {
        from_ms,
        to_ms,
        summaries: summaries.len() as u64,
        devices,
        alerts,
        series: Series {
            bucket_ms,
            starts,
            per_device,
        },
    }
}
