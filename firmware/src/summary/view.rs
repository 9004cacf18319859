//! Borrowed views of a closed window's summaries, as the engine hands them to
//! `Sink::window`: everything a `telltale_proto::SummaryRecord` holds, read from the window
//! table, the naming tables (device hostname, vendor, destination name) and the geo/ASN table,
//! without copying or allocating. A sink that keeps them turns each into an owned record
//! ([`super::to_record::to_record`]).

use crate::detect::thresholds::Rule;
use crate::detect::Detector;
use crate::flow::key::Addr;
use crate::naming::Naming;

use super::fired::Fired;
use super::schedule::Span;
use super::window::{Row, WindowCounters, WindowTable};

/// The device of a summary.
#[derive(Debug, Clone, Copy)]
pub struct DeviceView<'a> {
    /// Its MAC.
    pub mac: [u8; 6],
    /// Addresses it used in the window.
    pub ips: &'a [Addr],
    /// The hostname it gave in DHCP, else the first name it announced over mDNS.
    pub hostname: Option<&'a [u8]>,
    /// Its maker, from the IEEE registry.
    pub vendor: Option<&'a str>,
}

/// The destination of a summary.
#[derive(Debug, Clone, Copy)]
pub struct DestinationView<'a> {
    /// Its name (SNI, HTTP Host or the DNS name asked for), if any.
    pub name: Option<&'a [u8]>,
    /// Its address; `None` for the "other destinations" of a device, merged because the window
    /// table was full.
    pub ip: Option<Addr>,
    /// Its autonomous system.
    pub asn: Option<u32>,
    /// The AS's organisation.
    pub org: Option<&'a str>,
    /// Its country, ISO 3166 alpha-2.
    pub country: Option<[u8; 2]>,
}

/// One summary: what one device exchanged with one destination over one transport in a window.
#[derive(Debug, Clone, Copy)]
pub struct SummaryView<'a> {
    /// Window start, ms since the epoch.
    pub window_start_ms: u64,
    /// Window end, ms since the epoch.
    pub window_end_ms: u64,
    /// The device.
    pub device: DeviceView<'a>,
    /// The destination.
    pub destination: DestinationView<'a>,
    /// IP protocol number.
    pub proto: u8,
    /// Bytes from the device (whole frames as on the wire).
    pub bytes_up: u64,
    /// Bytes to the device.
    pub bytes_down: u64,
    /// Frames from the device.
    pub pkts_up: u64,
    /// Frames to the device.
    pub pkts_down: u64,
    /// Flows that carried frames in the window.
    pub flows: u32,
    /// Rules whose alerts fired in the window, and the worst severity.
    pub fired: Fired,
}

impl SummaryView<'_> {
    /// The worst verdict of the window.
    pub fn verdict(&self) -> telltale_proto::Verdict {
        self.fired.verdict()
    }

    /// The rules that fired.
    pub fn rules(&self) -> impl Iterator<Item = Rule> {
        self.fired.rules()
    }
}

/// The summaries of one closed window.
#[derive(Clone, Copy)]
pub struct WindowSummaries<'a> {
    span: Span,
    table: &'a WindowTable,
    naming: &'a Naming,
    detector: &'a Detector,
}

impl core::fmt::Debug for WindowSummaries<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WindowSummaries")
            .field("span", &self.span)
            .field("summaries", &self.len())
            .field("counters", &self.counters())
            .finish()
    }
}

impl<'a> WindowSummaries<'a> {
    /// The summaries in `table` for the window `span`, named from `naming` and located by
    /// `detector`'s geo/ASN table.
    pub fn new(
        span: Span,
        table: &'a WindowTable,
        naming: &'a Naming,
        detector: &'a Detector,
    ) -> Self {
        WindowSummaries {
            span,
            table,
            naming,
            detector,
        }
    }

    /// Window start, ms since the epoch.
    pub fn start_ms(&self) -> u64 {
        self.span.start_ms()
    }

    /// Window end, ms since the epoch.
    pub fn end_ms(&self) -> u64 {
        self.span.end_ms()
    }

    /// How many summaries.
    pub fn len(&self) -> usize {
        self.table.row_count()
    }

    /// True when no device exchanged anything in the window.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What could not be summarised by destination in this window (merged into "other
    /// destinations", dropped, or without a device).
    pub fn counters(&self) -> WindowCounters {
        self.table.window_counters()
    }

    /// The summaries, in the table's order.
    pub fn iter(&self) -> impl Iterator<Item = SummaryView<'a>> + 'a {
        let this = *self;
        self.table.rows().map(move |row| this.view(&row))
    }

    fn view(&self, row: &Row<'a>) -> SummaryView<'a> {
        let place = row
            .remote
            .map(|ip| self.detector.locate(ip.ip()))
            .unwrap_or_default();
        let t = row.totals;
        SummaryView {
            window_start_ms: self.start_ms(),
            window_end_ms: self.end_ms(),
            device: DeviceView {
                mac: row.mac,
                ips: row.ips,
                hostname: self.hostname(row),
                vendor: self.naming.vendor(row.mac),
            },
            destination: DestinationView {
                name: row.name.and_then(|id| self.naming.names.get(id)),
                ip: row.remote,
                asn: place.asn,
                org: place.org,
                country: place.country,
            },
            proto: row.proto,
            bytes_up: t.bytes_up,
            bytes_down: t.bytes_down,
            pkts_up: t.pkts_up,
            pkts_down: t.pkts_down,
            flows: t.flows,
            fired: t.fired,
        }
    }

    /// The device's DHCP hostname, else its first mDNS name that is still remembered.
    fn hostname(&self, row: &Row<'a>) -> Option<&'a [u8]> {
        let devices = &self.naming.devices;
        let id = Some(row.device)
            .filter(|id| devices.get(*id).mac == row.mac)
            .or_else(|| devices.find(row.mac))?;
        let d = devices.get(id);
        let names = &self.naming.names;
        names
            .get(d.hostname)
            .or_else(|| d.mdns_names().iter().find_map(|n| names.get(*n)))
    }
}
