//! The box's answer to `Status`: what `telltale status` prints.

use alloc::string::String;

use serde::{Deserialize, Serialize};

/// The state of one bridge port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PortState {
    /// Open, link up.
    Up,
    /// Link down (no cable, or the other end off).
    Down,
    /// The interface does not exist.
    Missing,
}

/// One bridge port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortStatus {
    /// Interface name (`eth1`).
    pub name: String,
    /// Its state.
    pub state: PortState,
    /// Frames captured on it.
    pub frames: u64,
    /// Frames the kernel dropped from its ring.
    pub drops: u64,
}

/// The journal's extent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct JournalRange {
    /// Oldest summary still on the box (0 when empty).
    pub first_seq: u64,
    /// Newest summary (0 when none yet).
    pub last_seq: u64,
    /// Highest summary the host acknowledged.
    pub acked_seq: u64,
    /// Bytes used on disk.
    pub bytes: u64,
    /// Bytes allowed.
    pub cap_bytes: u64,
    /// Summaries dropped unpulled because the cap forced it.
    pub lost: u64,
}

/// The box's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// The daemon's version (`CARGO_PKG_VERSION`).
    pub firmware: String,
    /// Seconds since the daemon started.
    pub uptime_s: u64,
    /// The box's clock, ms since the epoch.
    pub clock_ms: u64,
    /// Whether the clock was set by a host or NTP since boot.
    pub clock_set: bool,
    /// The LED state's name (`watching`, `notice`, `alert latched`, ...).
    pub indicator: String,
    /// A suspicious upload happened since the last acknowledgement.
    pub alert_latched: bool,
    /// The access-point side port.
    pub lan: PortStatus,
    /// The router side port.
    pub wan: PortStatus,
    /// Frames seen in all.
    pub frames: u64,
    /// Frames skipped as malformed or unsupported.
    pub skipped: u64,
    /// Devices known.
    pub devices: u32,
    /// Flows in the table now.
    pub flows: u32,
    /// Alerts fired since start.
    pub alerts: u64,
    /// Highest alert sequence number.
    pub last_alert_seq: u64,
    /// The journal.
    pub journal: JournalRange,
    /// CRC-32 of the rules file in force.
    pub rules_crc: u32,
}
