//! From a borrowed [`SummaryView`] to the owned [`SummaryRecord`] the summary journal keeps and
//! the host pulls. `seq` is left 0: the journal assigns it on append.
//!
//! Names are stored as received (not validated); bytes that are not UTF-8 become U+FFFD. A
//! device's "other destinations" (keys merged because the window table was full) have no
//! address: the record says so with the unspecified address `0.0.0.0` and no name.

use core::net::{IpAddr, Ipv4Addr};

use telltale_proto::{DestinationInfo, DeviceInfo, SummaryRecord, Transport};

use crate::flow::key::{PROTO_TCP, PROTO_UDP};

use super::view::{SummaryView, WindowSummaries};

/// The address a record of "other destinations" carries.
pub const OTHER_DESTINATIONS_IP: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The record's transport for an IP protocol number.
pub fn transport(proto: u8) -> Transport {
    match proto {
        PROTO_TCP => Transport::Tcp,
        PROTO_UDP => Transport::Udp,
        other => Transport::Other(other),
    }
}

/// The owned record of one summary, with `seq` 0.
pub fn to_record(view: &SummaryView<'_>) -> SummaryRecord {
    let d = &view.device;
    let dest = &view.destination;
    SummaryRecord {
        seq: 0,
        window_start: view.window_start_ms,
        window_end: view.window_end_ms,
        device: DeviceInfo {
            mac: d.mac,
            ips: d.ips.iter().map(|a| a.ip()).collect(),
            hostname: d.hostname.map(text),
            vendor: d.vendor.map(str::to_owned),
        },
        destination: DestinationInfo {
            name: dest.name.map(text),
            ip: dest.ip.map_or(OTHER_DESTINATIONS_IP, |a| a.ip()),
            asn: dest.asn,
            org: dest.org.map(str::to_owned),
            country: dest.country,
        },
        proto: transport(view.proto),
        bytes_up: view.bytes_up,
        bytes_down: view.bytes_down,
        pkts_up: view.pkts_up,
        pkts_down: view.pkts_down,
        flows: view.flows,
        verdict: view.verdict(),
        rules: view.rules().map(|r| r.as_str().to_owned()).collect(),
    }
}

/// Every summary of a window as owned records, in the window's order.
pub fn to_records(summaries: &WindowSummaries<'_>) -> Vec<SummaryRecord> {
    summaries.iter().map(|v| to_record(&v)).collect()
}
