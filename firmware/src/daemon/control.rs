//! The daemon's answers to the host link ([`BoxControl`]): status from the live figures, the
//! clock, the alert latch (through the LED thread), and the rules file (checked, written
//! atomically, handed to the engine thread like a SIGHUP reload).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use telltale_board::IndicatorEvent;
use telltale_proto::crc32::crc32;
use telltale_proto::Status;

use crate::link::journal_backend::BoxControl;
use crate::rules::Rules;

use super::journals::Journals;
use super::led_feed::{Cause, LedMsg};
use super::status::{self, SharedStatus};

/// The daemon's side of the link.
pub struct DaemonControl {
    /// The rules file in force (`[rules] path`).
    pub rules_path: PathBuf,
    /// New rules for the engine thread.
    pub rules_tx: Sender<Rules>,
    /// The LED thread (acknowledgements).
    pub leds: Sender<LedMsg>,
    /// Live figures.
    pub status: SharedStatus,
    /// The journals (the last alert's number).
    pub journals: Journals,
    /// Whether a host set the clock since start.
    pub clock_set: Arc<AtomicBool>,
}

impl core::fmt::Debug for DaemonControl {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DaemonControl")
            .field("rules_path", &self.rules_path)
            .finish_non_exhaustive()
    }
}

/// Milliseconds since the epoch on the system clock.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// This box's identity: `telltale-` and the first 12 hex digits of `/etc/machine-id`, or the
/// host name when there is no machine id.
pub fn box_id() -> String {
    let id = std::fs::read_to_string("/etc/machine-id")
        .ok()
        .map(|s| s.trim().chars().take(12).collect::<String>())
        .filter(|s| s.len() == 12);
    match id {
        Some(id) => format!("telltale-{id}"),
        None => std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "telltale".into()),
    }
}

fn parse_rules(text: &[u8], path: &Path) -> Result<Rules, String> {
    let text = std::str::from_utf8(text)
        .map_err(|e| format!("{}: not UTF-8 text: {e}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    Rules::parse(text, path, base).map_err(|e| e.to_string())
}

/// Replaces `path` with `bytes` atomically (temporary file, fsync, rename, fsync the folder).
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.new",
        path.file_name()
            .map_or("rules".into(), |n| n.to_string_lossy())
    ));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)?;
    std::fs::File::open(dir)?.sync_all()
}

impl BoxControl for DaemonControl {
    fn box_id(&self) -> String {
        box_id()
    }

    fn status(&mut self) -> Status {
        let last_alert = self.journals.last_alert_seq();
        status::lock(&self.status).to_link(
            now_ms(),
            self.clock_set.load(Ordering::Relaxed),
            last_alert,
        )
    }

    fn ack_alerts(&mut self, upto: u64) -> bool {
        let newer = self.journals.last_alert_seq() > upto;
        if !newer {
            let _ = self
                .leds
                .send(LedMsg::Input(IndicatorEvent::Acknowledge, Cause::default()));
            // The LED thread updates the status when it has cleared the latch; say what it
            // will be.
            status::lock(&self.status).latched = false;
        }
        newer
    }

    fn set_time(&mut self, unix_ms: u64) -> Result<u64, String> {
        let previous = now_ms();
        let ts = libc::timespec {
            tv_sec: (unix_ms / 1000) as libc::time_t,
            tv_nsec: ((unix_ms % 1000) * 1_000_000) as libc::c_long,
        };
        // SAFETY: `ts` is a valid timespec that lives across the call; clock_settime only
        // reads it.
        let rc = unsafe { libc::clock_settime(libc::CLOCK_REALTIME, &ts) };
        if rc != 0 {
            let e = std::io::Error::last_os_error();
            return Err(format!(
                "setting the box's clock: {e} (telltaled needs CAP_SYS_TIME; the systemd unit grants it)"
            ));
        }
        self.clock_set.store(true, Ordering::Relaxed);
        Ok(previous)
    }

    fn check_rules(&mut self, text: &[u8]) -> Result<(), String> {
        parse_rules(text, &self.rules_path).map(|_| ())
    }

    fn apply_rules(&mut self, text: &[u8]) -> Result<(), String> {
        let rules = parse_rules(text, &self.rules_path)?;
        write_atomically(&self.rules_path, text)
            .map_err(|e| format!("{}: cannot be written: {e}", self.rules_path.display()))?;
        self.rules_tx
            .send(rules)
            .map_err(|_| "the engine is stopping; try again after the restart".to_string())?;
        status::lock(&self.status).rules_crc = crc32(text);
        eprintln!(
            "telltaled: rules replaced by the host link ({} bytes, {})",
            text.len(),
            self.rules_path.display()
        );
        Ok(())
    }

    fn rules(&mut self) -> Vec<u8> {
        std::fs::read(&self.rules_path).unwrap_or_default()
    }
}
