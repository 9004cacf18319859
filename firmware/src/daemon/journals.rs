//! The daemon's two journals (summaries and alerts, `[journal] path`): opened at start (the
//! recovery report logged), appended from the engine thread, synced on their policy, served by
//! the link thread. Shared behind mutexes; every lock is short.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use telltale_proto::{AlertRecord, DestinationInfo, DeviceInfo, SummaryRecord, Verdict};

use crate::detect::thresholds::Severity;
use crate::event::AlertEvent;
use crate::link::journal_backend::Shared;
use crate::summary::journal::{open_pair, AlertJournal, JournalError, SummaryJournal};

/// Disk allowed for summaries.
pub const SUMMARY_CAP: u64 = 128 * 1024 * 1024;
/// Disk allowed for alerts.
pub const ALERT_CAP: u64 = 16 * 1024 * 1024;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The open journals.
#[derive(Debug, Clone)]
pub struct Journals {
    /// Per window, device and destination.
    pub summaries: Shared<SummaryJournal>,
    /// One record per alert.
    pub alerts: Shared<AlertJournal>,
    /// Whether a write failure was logged already (the fault is logged once).
    failed: Arc<Mutex<bool>>,
}

impl Journals {
    /// Opens (recovering) the journals under `dir`; every repair is logged.
    pub fn open(dir: &Path, log: &mut dyn FnMut(&str)) -> Result<Self, JournalError> {
        let (summaries, alerts) = open_pair(dir, SUMMARY_CAP, ALERT_CAP)?;
        for line in summaries
            .inner()
            .recovery()
            .lines()
            .into_iter()
            .chain(alerts.inner().recovery().lines())
        {
            log(&format!("journal: {line}"));
        }
        Ok(Journals {
            summaries: Arc::new(Mutex::new(summaries)),
            alerts: Arc::new(Mutex::new(alerts)),
            failed: Arc::new(Mutex::new(false)),
        })
    }

    fn report(&self, what: &str, result: Result<u64, JournalError>, log: &mut dyn FnMut(&str)) {
        if let Err(e) = result {
            let mut failed = lock(&self.failed);
            if !*failed {
                log(&format!("journal: {what}: {e} (further errors not shown)"));
                *failed = true;
            }
        }
    }

    /// Appends an alert; returns its sequence number.
    pub fn append_alert(&self, record: AlertRecord, log: &mut dyn FnMut(&str)) -> Option<u64> {
        let result = lock(&self.alerts).append(record);
        let seq = result.as_ref().ok().copied();
        self.report("appending an alert", result, log);
        seq
    }

    /// Appends a summary.
    pub fn append_summary(&self, record: SummaryRecord, log: &mut dyn FnMut(&str)) {
        let result = lock(&self.summaries).append(record);
        self.report("appending a summary", result, log);
    }

    /// Syncs what is due and logs what the journals noticed (records lost to the cap, ...).
    pub fn sync_if_due(&self, log: &mut dyn FnMut(&str)) {
        let now = Instant::now();
        let mut notices = Vec::new();
        {
            let mut s = lock(&self.summaries);
            let r = s.sync_if_due(now);
            notices.extend(s.inner_mut().take_notices());
            drop(s);
            self.report("syncing summaries", r, log);
        }
        {
            let mut a = lock(&self.alerts);
            let r = a.sync_if_due(now);
            notices.extend(a.inner_mut().take_notices());
            drop(a);
            self.report("syncing alerts", r, log);
        }
        for n in notices {
            log(&format!("journal: {n}"));
        }
    }

    /// Makes everything appended durable (on a stop).
    pub fn sync(&self, log: &mut dyn FnMut(&str)) {
        let r = lock(&self.summaries).sync();
        self.report("syncing summaries", r, log);
        let r = lock(&self.alerts).sync();
        self.report("syncing alerts", r, log);
    }

    /// The highest alert sequence number stored.
    pub fn last_alert_seq(&self) -> u64 {
        lock(&self.alerts).range().last_seq
    }

    /// Whether a write failed (the fault LED's "journal failing").
    pub fn failing(&self) -> bool {
        *lock(&self.failed)
    }
}

/// The journal's record of an alert at `ts_ms` (ms since the epoch). The device's addresses and
/// vendor are in the summaries; the alert carries what the engine said about it.
pub fn alert_record(a: &AlertEvent<'_>, ts_ms: u64) -> AlertRecord {
    AlertRecord {
        seq: 0,
        ts: ts_ms,
        device: DeviceInfo {
            mac: a.device,
            ips: Vec::new(),
            hostname: a.hostname.map(|h| String::from_utf8_lossy(h).into_owned()),
            vendor: None,
        },
        destination: DestinationInfo {
            name: matches!(a.named_by, "sni" | "http" | "dns").then(|| a.destination.to_string()),
            ip: a
                .ip
                .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |ip| ip.ip()),
            asn: a.asn,
            org: a.org.map(str::to_string),
            country: a.country,
        },
        rule: a.rule.as_str().to_string(),
        severity: match a.severity {
            Severity::Red => Verdict::Suspicious,
            Severity::Amber => Verdict::Notice,
        },
        reasons: a.reasons.iter().map(|r| (*r).to_string()).collect(),
        bytes_up: a.bytes_up,
        bytes_down: a.bytes_down,
    }
}
