//! What `telltale status` shows, kept current by the engine thread (about once a second) and the
//! LED thread (on every state change), read by the link thread.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use telltale_proto::{JournalRange, PortState, PortStatus, Status};

use crate::capture::source::{PortHealth, SourceStats};

/// The live figures.
#[derive(Debug)]
pub struct LiveStatus {
    started: Instant,
    /// Frames polled.
    pub frames: u64,
    /// Frames skipped as malformed or unsupported.
    pub skipped: u64,
    /// Devices known.
    pub devices: u32,
    /// Flows in the table.
    pub flows: u32,
    /// Alerts since start.
    pub alerts: u64,
    /// Per port: interface, health, counters.
    pub ports: [(String, PortHealth, SourceStats); 2],
    /// The LED state's name.
    pub indicator: &'static str,
    /// The red latch.
    pub latched: bool,
    /// CRC-32 of the rules file in force.
    pub rules_crc: u32,
}

/// The status shared between threads.
pub type SharedStatus = Arc<Mutex<LiveStatus>>;

/// A status for a daemon capturing on `lan` and `wan`.
pub fn shared(lan: &str, wan: &str, rules_crc: u32) -> SharedStatus {
    Arc::new(Mutex::new(LiveStatus {
        started: Instant::now(),
        frames: 0,
        skipped: 0,
        devices: 0,
        flows: 0,
        alerts: 0,
        ports: [
            (lan.to_string(), PortHealth::Missing, SourceStats::default()),
            (wan.to_string(), PortHealth::Missing, SourceStats::default()),
        ],
        indicator: "starting",
        latched: false,
        rules_crc,
    }))
}

/// Locks the status (a panicked holder leaves plain numbers behind: carry on).
pub fn lock(s: &SharedStatus) -> MutexGuard<'_, LiveStatus> {
    s.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn port(p: &(String, PortHealth, SourceStats)) -> PortStatus {
    PortStatus {
        name: p.0.clone(),
        state: match p.1 {
            PortHealth::Up => PortState::Up,
            PortHealth::Down => PortState::Down,
            PortHealth::Missing => PortState::Missing,
        },
        frames: p.2.frames,
        drops: p.2.kernel_drops,
    }
}

impl LiveStatus {
    /// The link's `Status`, with the box's clock and the alert journal's last number.
    pub fn to_link(&self, clock_ms: u64, clock_set: bool, last_alert_seq: u64) -> Status {
        Status {
            firmware: concat!("telltaled ", env!("CARGO_PKG_VERSION")).to_string(),
            uptime_s: self.started.elapsed().as_secs(),
            clock_ms,
            clock_set,
            indicator: self.indicator.to_string(),
            alert_latched: self.latched,
            lan: port(&self.ports[0]),
            wan: port(&self.ports[1]),
            frames: self.frames,
            skipped: self.skipped,
            devices: self.devices,
            flows: self.flows,
            alerts: self.alerts,
            last_alert_seq,
            journal: JournalRange::default(),
            rules_crc: self.rules_crc,
        }
    }
}
