//! The readable per-file summary of `telltaled replay` (and its `--json` form): the devices
//! seen, the names they revealed, the flows, and every frame skipped with the reason.
//!
//! This sink keeps owned copies of what it reports, so it allocates; it is the report, not the
//! hot path.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;

use crate::event::{Event, FlowRecord, Meta, Sink};
use crate::naming::{is_local_net, Naming};

use super::json::{mac_text, proto_name};

/// Flows listed in the text report, largest first.
const TOP_FLOWS: usize = 10;
/// Destinations listed per device in the text report, largest upload first.
const TOP_DESTINATIONS: usize = 12;

/// A device: one hardware address and what it told about itself.
#[derive(Debug, Default, Serialize)]
pub struct DeviceReport {
    /// Hardware address.
    pub mac: String,
    /// True when the address is locally administered (randomised by the phone).
    pub randomised_mac: bool,
    /// The MAC's vendor from the IEEE registry (none for a randomised address).
    pub vendor: Option<String>,
    /// Addresses this MAC sent from.
    pub addresses: BTreeSet<String>,
    /// DHCP hostnames (option 12).
    pub hostnames: BTreeSet<String>,
    /// DHCP vendor classes (option 60).
    pub vendor_classes: BTreeSet<String>,
    /// Names announced over mDNS from one of its addresses.
    pub mdns_names: BTreeSet<String>,
    /// Bytes it uploaded (sent outside the local networks).
    pub bytes_sent: u64,
    /// Bytes it downloaded (received from outside the local networks).
    pub bytes_received: u64,
    /// Bytes exchanged with the local network (other devices, the router, multicast), both ways.
    pub bytes_local: u64,
    /// Where it sent to, largest upload first.
    pub destinations: Vec<DestinationReport>,
    /// Its alerts, in order.
    pub alerts: Vec<AlertReport>,
    #[serde(skip)]
    by_destination: BTreeMap<String, DestinationReport>,
}

/// One alert of a device.
#[derive(Debug, Clone, Serialize)]
pub struct AlertReport {
    /// Frame that raised it.
    pub frame: u64,
    /// The signal.
    pub rule: &'static str,
    /// red or amber.
    pub severity: &'static str,
    /// The destination.
    pub destination: String,
    /// Why.
    pub reasons: Vec<String>,
    /// Bytes up in its window.
    pub bytes_up: u64,
    /// Bytes down in its window.
    pub bytes_down: u64,
}

/// One destination of a device.
#[derive(Debug, Default, Clone, Serialize)]
pub struct DestinationReport {
    /// Its name, or its address when it has none.
    pub name: String,
    /// How the name was learnt (sni, http, dns, none).
    pub named_by: &'static str,
    /// Its country.
    pub country: Option<String>,
    /// Its AS number.
    pub asn: Option<u32>,
    /// Bytes uploaded to it.
    pub bytes_up: u64,
    /// Bytes downloaded from it.
    pub bytes_down: u64,
    /// Flows.
    pub flows: u64,
}

/// A name and how it was learnt.
#[derive(Debug, Default, Serialize)]
pub struct NameReport {
    /// Seen as a DNS answer's question.
    pub dns: u64,
    /// Seen as TLS SNI.
    pub tls: u64,
    /// Seen as QUIC SNI.
    pub quic: u64,
    /// Seen as HTTP Host.
    pub http: u64,
}

/// One flow in the report.
#[derive(Debug, Serialize)]
pub struct FlowLine {
    /// `tcp` or `udp`.
    pub proto: &'static str,
    /// Side A `addr:port`.
    pub a: String,
    /// Side B `addr:port`.
    pub b: String,
    /// Bytes A to B.
    pub bytes_ab: u64,
    /// Bytes B to A.
    pub bytes_ba: u64,
    /// Frames both ways.
    pub frames: u64,
    /// Name bound to the flow.
    pub name: Option<String>,
}

/// The summary of one file.
#[derive(Debug, Default, Serialize)]
pub struct FileReport {
    /// The file as given.
    pub file: String,
    /// Its format and link types.
    pub format: String,
    /// Frames read.
    pub frames: u64,
    /// Wire bytes read.
    pub bytes: u64,
    /// Devices by MAC.
    pub devices: BTreeMap<String, DeviceReport>,
    /// Names by name.
    pub names: BTreeMap<String, NameReport>,
    /// TCP flows.
    pub tcp_flows: u64,
    /// UDP flows.
    pub udp_flows: u64,
    /// The largest flows.
    pub top_flows: Vec<FlowLine>,
    /// Frames skipped (or application data not usable), by reason.
    pub skipped: BTreeMap<String, u64>,
    /// The error that stopped the file early, if any.
    pub stopped_by: Option<String>,
    /// The simulated LEDs' changes during this file (`--leds sim`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leds: Option<Vec<super::leds::LedChange>>,
}

/// Collects a `FileReport` from events and flows.
#[derive(Debug, Default)]
pub struct ReportSink {
    /// The report being built.
    pub report: FileReport,
    flows: Vec<FlowLine>,
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl ReportSink {
    fn device(&mut self, mac: [u8; 6]) -> &mut DeviceReport {
        let key = mac_text(mac).to_string();
        self.report
            .devices
            .entry(key.clone())
            .or_insert_with(|| DeviceReport {
                mac: key,
                randomised_mac: mac[0] & 0x02 != 0,
                ..DeviceReport::default()
            })
    }

    /// Completes the report with what the engine learnt about the devices.
    pub fn finish(mut self, naming: &Naming) -> FileReport {
        self.flows
            .sort_by_key(|f| std::cmp::Reverse(f.bytes_ab + f.bytes_ba));
        self.flows.truncate(TOP_FLOWS);
        self.report.top_flows = self.flows;
        let name = |id| naming.names.get(id).map(text);
        for (_, d) in naming.devices.iter().filter(|(_, d)| d.gateway) {
            // A router forwarding the Internet's replies is not a device, even if it looked like
            // one before it forwarded anything.
            self.report.devices.remove(mac_text(d.mac).as_str());
        }
        for (_, d) in naming.devices.iter().filter(|(_, d)| !d.gateway) {
            let entry = self
                .report
                .devices
                .entry(mac_text(d.mac).to_string())
                .or_default();
            entry.mac = mac_text(d.mac).to_string();
            entry.randomised_mac = d.randomised_mac();
            entry.vendor = naming.vendor(d.mac).map(str::to_string);
            entry
                .addresses
                .extend(d.addresses().iter().map(|a| a.to_string()));
            entry.hostnames.extend(name(d.hostname));
            entry.vendor_classes.extend(name(d.vendor_class));
            entry
                .mdns_names
                .extend(d.mdns_names().iter().filter_map(|n| name(*n)));
        }
        for dev in self.report.devices.values_mut() {
            let mut dests: Vec<DestinationReport> = std::mem::take(&mut dev.by_destination)
                .into_values()
                .collect();
            dests.sort_by_key(|d| std::cmp::Reverse((d.bytes_up, d.bytes_down)));
            dev.destinations = dests;
        }
        self.report
    }
}

impl Sink for ReportSink {
    fn event(&mut self, meta: Meta, event: &Event<'_>) {
        let names = &mut self.report.names;
        match event {
            Event::Dns(d) => {
                if !d.mdns && !d.query.is_empty() {
                    names.entry(d.query.to_string()).or_default().dns += 1;
                }
            }
            Event::Sni {
                transport, name, ..
            } => {
                let n = names.entry(text(name)).or_default();
                match transport {
                    crate::event::SniTransport::Tls => n.tls += 1,
                    crate::event::SniTransport::Quic => n.quic += 1,
                }
            }
            Event::Http { host, .. } => names.entry(text(host)).or_default().http += 1,
            Event::Dhcp {
                mac,
                hostname,
                vendor_class,
                ..
            } => {
                let dev = self.device(*mac);
                if let Some(h) = hostname {
                    dev.hostnames.insert(text(h));
                }
                if let Some(v) = vendor_class {
                    dev.vendor_classes.insert(text(v));
                }
            }
            Event::Mdns { .. } => {}
            Event::Alert(a) => {
                let frame = meta.frame;
                self.device(a.device).alerts.push(AlertReport {
                    frame,
                    rule: a.rule.as_str(),
                    severity: a.severity.as_str(),
                    destination: a.destination.to_string(),
                    reasons: a.reasons.iter().map(|r| r.to_string()).collect(),
                    bytes_up: a.bytes_up,
                    bytes_down: a.bytes_down,
                });
            }
        }
    }

    fn flow_end(&mut self, f: &FlowRecord<'_>) {
        match proto_name(f.proto) {
            "tcp" => self.report.tcp_flows += 1,
            _ => self.report.udp_flows += 1,
        }
        if let Some((mac, device_is_a)) = f.device {
            let (up, down, remote) = if device_is_a {
                (f.bytes_ab, f.bytes_ba, f.b)
            } else {
                (f.bytes_ba, f.bytes_ab, f.a)
            };
            let dev = self.device(mac);
            if is_local_net(remote.addr) {
                dev.bytes_local += up + down;
            } else {
                // A destination is its name, else its AS's organisation, else its address.
                let (dest, named_by) = match (f.name, f.org) {
                    (Some(n), _) => (text(n), f.name_from.as_str()),
                    (None, Some(org)) => (org.to_string(), "asn"),
                    (None, None) => (remote.addr.to_string(), "none"),
                };
                dev.bytes_sent += up;
                dev.bytes_received += down;
                let d = dev.by_destination.entry(dest.clone()).or_default();
                d.name = dest;
                d.named_by = named_by;
                d.country = f.country.map(|c| text(&c));
                d.asn = f.asn;
                d.bytes_up += up;
                d.bytes_down += down;
                d.flows += 1;
            }
        }
        let ep = |e: crate::flow::key::Endpoint| match e.addr.ip() {
            core::net::IpAddr::V6(_) => format!("[{}]:{}", e.addr, e.port),
            core::net::IpAddr::V4(_) => format!("{}:{}", e.addr, e.port),
        };
        self.flows.push(FlowLine {
            proto: proto_name(f.proto),
            a: ep(f.a),
            b: ep(f.b),
            bytes_ab: f.bytes_ab,
            bytes_ba: f.bytes_ba,
            frames: f.frames_ab + f.frames_ba,
            name: f.name.map(text),
        });
    }
}

/// Human-readable byte count.
fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Renders a report as text for a terminal.
pub fn render(r: &FileReport) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "== {} ({})", r.file, r.format);
    let _ = writeln!(o, "frames {}  bytes {}", r.frames, human(r.bytes));
    if let Some(e) = &r.stopped_by {
        let _ = writeln!(o, "stopped early: {e}");
    }
    let _ = writeln!(o, "\ndevices ({})", r.devices.len());
    for d in r.devices.values() {
        let _ = write!(o, "  {}", d.mac);
        if d.randomised_mac {
            let _ = write!(o, " (randomised)");
        }
        if let Some(v) = &d.vendor {
            let _ = write!(o, " {v}");
        }
        if !d.addresses.is_empty() {
            let list: Vec<&str> = d.addresses.iter().map(String::as_str).collect();
            let _ = write!(o, "  {}", list.join(", "));
        }
        let _ = writeln!(
            o,
            "  up {}  down {}  local {}",
            human(d.bytes_sent),
            human(d.bytes_received),
            human(d.bytes_local)
        );
        for h in &d.hostnames {
            let _ = writeln!(o, "      hostname      {h}");
        }
        for v in &d.vendor_classes {
            let _ = writeln!(o, "      vendor class  {v}");
        }
        for m in &d.mdns_names {
            let _ = writeln!(o, "      mDNS          {m}");
        }
        for dest in d.destinations.iter().take(TOP_DESTINATIONS) {
            let mut place = String::new();
            if let Some(c) = &dest.country {
                place.push_str(c);
            }
            if let Some(a) = dest.asn {
                let _ = write!(place, " AS{a}");
            }
            let _ = writeln!(
                o,
                "      -> {:<40} {:<10} up {:>9} down {:>9}  {} flow(s), named by {}",
                dest.name,
                place.trim(),
                human(dest.bytes_up),
                human(dest.bytes_down),
                dest.flows,
                dest.named_by
            );
        }
        for a in &d.alerts {
            let _ = writeln!(
                o,
                "      ALERT {} {} -> {} (frame {})",
                a.severity.to_uppercase(),
                a.rule,
                a.destination,
                a.frame
            );
            for r in &a.reasons {
                let _ = writeln!(o, "            {r}");
            }
        }
        if d.destinations.len() > TOP_DESTINATIONS {
            let _ = writeln!(
                o,
                "      ... {} more destinations",
                d.destinations.len() - TOP_DESTINATIONS
            );
        }
    }
    let _ = writeln!(o, "\nnames ({})", r.names.len());
    for (name, n) in &r.names {
        let mut how = Vec::new();
        for (count, label) in [
            (n.dns, "dns"),
            (n.tls, "tls"),
            (n.quic, "quic"),
            (n.http, "http"),
        ] {
            if count > 0 {
                how.push(format!("{label}x{count}"));
            }
        }
        let _ = writeln!(o, "  {name:<50} {}", how.join(" "));
    }
    let _ = writeln!(
        o,
        "\nflows: {} tcp, {} udp; largest:",
        r.tcp_flows, r.udp_flows
    );
    for f in &r.top_flows {
        let _ = writeln!(
            o,
            "  {:<3} {:<45} -> {:<45} up {:>9} down {:>9}  {}",
            f.proto,
            f.a,
            f.b,
            human(f.bytes_ab),
            human(f.bytes_ba),
            f.name.as_deref().unwrap_or("")
        );
    }
    if let Some(leds) = &r.leds {
        let _ = writeln!(o, "\nLED timeline (simulated):");
        for c in leds {
            let _ = writeln!(
                o,
                "  +{:>9.3} s  frame {:>7}  {:<22} {}",
                c.at, c.frame, c.state, c.meaning
            );
        }
    }
    if r.skipped.is_empty() {
        let _ = writeln!(o, "\nskipped: none");
    } else {
        let _ = writeln!(o, "\nskipped:");
        for (why, n) in &r.skipped {
            let _ = writeln!(o, "  {why:<22} {n}");
        }
    }
    o
}
