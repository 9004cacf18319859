//! The records the box keeps and the host pulls: one summary per (window, device, destination)
//! and one record per alert (DESIGN.md, "Summary record").
//!
//! Times are milliseconds since the Unix epoch on the box's clock (set by the host with
//! `SetTime`; the Pi has no real-time clock).

use alloc::string::String;
use alloc::vec::Vec;
use core::net::IpAddr;

use serde::{Deserialize, Serialize};

/// A device on the access-point side, as the box knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// Its MAC address.
    pub mac: [u8; 6],
    /// Addresses it used in the window.
    pub ips: Vec<IpAddr>,
    /// The hostname it gave in DHCP, or an mDNS name.
    pub hostname: Option<String>,
    /// The maker, from the IEEE OUI registry (`None` for randomised MACs).
    pub vendor: Option<String>,
}

impl DeviceInfo {
    /// True when the MAC is locally administered (a randomised, private address).
    pub fn is_randomised(&self) -> bool {
        self.mac[0] & 0x02 != 0
    }
}

/// A remote end, as the box named it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DestinationInfo {
    /// The name (SNI, HTTP Host or DNS answer), if any.
    pub name: Option<String>,
    /// Its address.
    pub ip: IpAddr,
    /// Autonomous system number.
    pub asn: Option<u32>,
    /// The AS organisation.
    pub org: Option<String>,
    /// ISO 3166 country code, two upper-case letters.
    pub country: Option<[u8; 2]>,
}

/// The transport of a summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Transport {
    /// TCP.
    Tcp,
    /// UDP (QUIC included).
    Udp,
    /// Any other IP protocol, by number.
    Other(u8),
}

/// How bad a summary or an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Verdict {
    /// Nothing to report.
    Ok,
    /// Something new or unusual (amber LED).
    Notice,
    /// A suspicious upload (red LED).
    Suspicious,
}

impl Verdict {
    /// The lower-case name used in reports and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Notice => "notice",
            Verdict::Suspicious => "suspicious",
        }
    }
}

/// What one device exchanged with one destination over one window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryRecord {
    /// Journal sequence number: strictly increasing, never reused.
    pub seq: u64,
    /// Window start, ms since the epoch.
    pub window_start: u64,
    /// Window end, ms since the epoch.
    pub window_end: u64,
    /// The device.
    pub device: DeviceInfo,
    /// The destination.
    pub destination: DestinationInfo,
    /// The transport.
    pub proto: Transport,
    /// Bytes from the device.
    pub bytes_up: u64,
    /// Bytes to the device.
    pub bytes_down: u64,
    /// Frames from the device.
    pub pkts_up: u64,
    /// Frames to the device.
    pub pkts_down: u64,
    /// Flows in the window.
    pub flows: u32,
    /// The worst verdict of the window.
    pub verdict: Verdict,
    /// The rules that matched (`watched_upload`, `large_upload`, ...).
    pub rules: Vec<String>,
}

/// One alert, with its reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRecord {
    /// Alert sequence number: strictly increasing, never reused.
    pub seq: u64,
    /// When it fired, ms since the epoch.
    pub ts: u64,
    /// The device.
    pub device: DeviceInfo,
    /// The destination.
    pub destination: DestinationInfo,
    /// The rule that fired.
    pub rule: String,
    /// Notice (amber) or suspicious (red).
    pub severity: Verdict,
    /// Why, in words (`"watched: xiaomi telemetry (tracker.miui.com)"`, ...).
    pub reasons: Vec<String>,
    /// Bytes up in the flow or window that fired.
    pub bytes_up: u64,
    /// Bytes down.
    pub bytes_down: u64,
}
