//! What `telltaled check --config` prints about a valid config: one line per concern.

use telltale_board::LedLine;

use super::{CaptureBackend, Config, OutputTarget};

/// An LED line as the summary shows it.
fn line(l: LedLine) -> String {
    match l {
        LedLine::Gpio(pin) => format!("GPIO {pin}"),
        LedLine::Class(name) => name.to_string(),
        LedLine::Absent => "none".to_string(),
    }
}

/// `+01:00`, `-05:30`, `UTC`.
pub(crate) fn offset_text(seconds: i32) -> String {
    if seconds == 0 {
        return "UTC".to_string();
    }
    let sign = if seconds < 0 { '-' } else { '+' };
    let m = seconds.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

impl Config {
    /// A few lines saying what the config selects, for `telltaled check --config`.
    pub fn summary(&self) -> String {
        let c = &self.capture;
        let source = match (&c.backend, &c.file) {
            (CaptureBackend::File, Some(f)) => format!(
                "file {} ({}, at the end: {}{})",
                f.path.display(),
                if f.pace {
                    "paced"
                } else {
                    "as fast as possible"
                },
                f.at_end.name(),
                if f.ports_by_mac.is_empty() {
                    String::new()
                } else {
                    format!(", {} senders mapped to ports", f.ports_by_mac.len())
                }
            ),
            (backend, _) => format!("{} on lan {} and wan {}", backend.name(), c.lan, c.wan),
        };
        let output = match &self.output.events {
            None => "none".to_string(),
            Some(OutputTarget::Stdout) => "standard output".to_string(),
            Some(OutputTarget::File(p)) => p.display().to_string(),
        };
        let e = self.output.emit;
        let emit: Vec<&str> = [
            (e.events, "events"),
            (e.flows, "flows"),
            (e.alerts, "alerts"),
            (e.leds, "leds"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| *name)
        .collect();
        let data = match &self.data_dir {
            Some(dir) => dir.display().to_string(),
            None => "$TELLTALE_DATA or /usr/share/telltale".to_string(),
        };
        let leds = &self.leds;
        let p = &leds.profile;
        let button = match (leds.button, p.button) {
            (true, Some(pin)) => format!("GPIO {pin}"),
            _ => "disabled".to_string(),
        };
        format!(
            "{}: ok\n  capture: {source}\n  engine: {} flows\n  rules: {}\n  data: {data}\n  leds: {} on profile {} (green {}, amber {}, red {})\n  button: {button}\n  journal: {}\n  link: {}\n  output: {output} ({})\n  time: {}\n",
            self.file.display(),
            self.flows,
            self.rules.display(),
            leds.backend.name(),
            p.name,
            line(p.green),
            line(p.amber),
            line(p.red),
            self.journal.display(),
            match (&self.link.enabled, &self.link.tcp) {
                (false, _) => "off".to_string(),
                (true, None) => self.link.device.display().to_string(),
                (true, Some(tcp)) => format!("{} and tcp {tcp}", self.link.device.display()),
            },
            if emit.is_empty() { "nothing".to_string() } else { emit.join(", ") },
            offset_text(self.utc_offset),
        )
    }
}
