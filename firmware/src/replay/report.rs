//! The readable per-file summary of `telltaled replay` (and its `--json` form): the devices
//! seen, the names they revealed, the flows, and every frame skipped with the reason.
//!
//! This sink keeps owned copies of what it reports, so it allocates; it is the report, not the
//! hot path.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;

use crate::event::{Event, FlowRecord, Meta, Sink};
use crate::flow::key::Addr;

use super::json::{mac_text, proto_name};

/// Flows listed in the text report, largest first.
const TOP_FLOWS: usize = 10;

/// A device: one hardware address and what it told about itself.
#[derive(Debug, Default, Serialize)]
pub struct DeviceReport {
    /// Hardware address.
    pub mac: String,
    /// True when the address is locally administered (randomised by the phone).
    pub randomised_mac: bool,
    /// Addresses this MAC sent from.
    pub addresses: BTreeSet<String>,
    /// DHCP hostnames (option 12).
    pub hostnames: BTreeSet<String>,
    /// DHCP vendor classes (option 60).
    pub vendor_classes: BTreeSet<String>,
    /// Names announced over mDNS from one of its addresses.
    pub mdns_names: BTreeSet<String>,
    /// Bytes it sent.
    pub bytes_sent: u64,
    /// Bytes sent to it.
    pub bytes_received: u64,
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
}

/// Collects a `FileReport` from events and flows.
#[derive(Debug, Default)]
pub struct ReportSink {
    /// The report being built.
    pub report: FileReport,
    flows: Vec<FlowLine>,
    mdns_by_addr: BTreeMap<Addr, BTreeSet<String>>,
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn is_local(addr: Addr) -> bool {
    match addr.ip() {
        core::net::IpAddr::V4(v4) => v4.is_private() || v4.is_link_local(),
        core::net::IpAddr::V6(v6) => {
            (v6.segments()[0] & 0xfe00) == 0xfc00 || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    }
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

    /// Completes the report: sorts flows, attaches mDNS names to devices.
    pub fn finish(mut self) -> FileReport {
        self.flows
            .sort_by_key(|f| std::cmp::Reverse(f.bytes_ab + f.bytes_ba));
        self.flows.truncate(TOP_FLOWS);
        self.report.top_flows = self.flows;
        for dev in self.report.devices.values_mut() {
            for (addr, names) in &self.mdns_by_addr {
                if dev.addresses.contains(&addr.to_string()) {
                    dev.mdns_names.extend(names.iter().cloned());
                }
            }
        }
        self.report
    }
}

impl Sink for ReportSink {
    fn event(&mut self, _meta: Meta, event: &Event<'_>) {
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
            Event::Mdns { src, names } => {
                let set = self.mdns_by_addr.entry(*src).or_default();
                set.extend(names.iter().map(|n| n.to_string()));
            }
        }
    }

    fn flow_end(&mut self, f: &FlowRecord<'_>) {
        match proto_name(f.proto) {
            "tcp" => self.report.tcp_flows += 1,
            _ => self.report.udp_flows += 1,
        }
        for (ep, mac, sent, received) in [
            (f.a, f.mac_a, f.bytes_ab, f.bytes_ba),
            (f.b, f.mac_b, f.bytes_ba, f.bytes_ab),
        ] {
            if let Some(mac) = mac {
                if is_local(ep.addr) && mac[0] & 0x01 == 0 {
                    let dev = self.device(mac);
                    dev.addresses.insert(ep.addr.to_string());
                    dev.bytes_sent += sent;
                    dev.bytes_received += received;
                }
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
        if !d.addresses.is_empty() {
            let list: Vec<&str> = d.addresses.iter().map(String::as_str).collect();
            let _ = write!(o, "  {}", list.join(", "));
        }
        let _ = writeln!(
            o,
            "  sent {}  received {}",
            human(d.bytes_sent),
            human(d.bytes_received)
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
