//! The daemon's config file (`/etc/telltale/telltale.toml`): where frames come from, how big the
//! engine is, where the rules and data tables are, which LEDs and button to drive, what to write
//! out, and the box's timezone. Every key is documented in `docs/config.md`.
//!
//! The file is TOML, read with the same located reader as the rules file
//! ([`crate::rules`]): a bad value or an unknown key is one error naming the file, the line and
//! the dotted key (`telltale.toml:7: capture.backend: ...`). Relative paths are relative to the
//! config file's folder.

mod read;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use telltale_board::{BoardProfile, LedBackend, DEFAULT_SYSFS_LEDS_ROOT};
use toml::de::DeTable;

use crate::rules::error::Source;
use crate::rules::format::Reader;
use crate::rules::Timezone;

/// Where `telltaled run` and `telltaled check --config` look by default.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/telltale/telltale.toml";
/// The rules file when `[rules] path` is not given.
pub const DEFAULT_RULES_PATH: &str = "/etc/telltale/rules.toml";
/// The folder of `geo.ttdb` and `oui.ttdb` when `[data] dir` is not given.
pub const DEFAULT_DATA_DIR: &str = "/usr/share/telltale";
/// The most flows `[engine] flows` may ask for (each costs about 480 bytes).
pub const MAX_FLOWS: u32 = 1 << 24;

/// A config error: the same `FILE:LINE: KEY: MESSAGE` error as the rules file's.
pub type ConfigError = crate::rules::RulesError;

/// How frames are captured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureBackend {
    /// AF_PACKET TPACKET_V3 rings on both ports (the box).
    Tpacket,
    /// The `pnet` datalink channel (portable, slower).
    Pnet,
    /// A capture file (`[capture] file`), for tests and demos.
    File,
}

impl CaptureBackend {
    /// The name used in the config file.
    pub fn name(self) -> &'static str {
        match self {
            CaptureBackend::Tpacket => "tpacket",
            CaptureBackend::Pnet => "pnet",
            CaptureBackend::File => "file",
        }
    }
}

/// `[capture]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureConfig {
    /// The port towards the access point (the phones).
    pub lan: String,
    /// The port towards the router.
    pub wan: String,
    /// How frames are captured.
    pub backend: CaptureBackend,
    /// The capture to run on (backend `file` only).
    pub file: Option<PathBuf>,
    /// Replay the file at the pace of its timestamps (backend `file` only).
    pub pace: bool,
}

/// Which JSON lines `[output] events` receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmitSet {
    /// Name events (dns, sni, http, dhcp, mdns).
    pub events: bool,
    /// Flow records.
    pub flows: bool,
    /// Alerts.
    pub alerts: bool,
    /// Changes of the LEDs' state.
    pub leds: bool,
}

impl EmitSet {
    /// Everything.
    pub const ALL: EmitSet = EmitSet {
        events: true,
        flows: true,
        alerts: true,
        leds: true,
    };
}

/// Where the JSON lines go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputTarget {
    /// Standard output (`"-"`).
    Stdout,
    /// A file, appended to.
    File(PathBuf),
}

/// `[output]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputConfig {
    /// Where JSON lines go; `None`: nowhere.
    pub events: Option<OutputTarget>,
    /// What is written.
    pub emit: EmitSet,
}

/// `[leds]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedsConfig {
    /// The LED backend.
    pub backend: LedBackend,
    /// The board's pin map.
    pub profile: &'static BoardProfile,
    /// Where the Linux LED class lives (backend `sysfs`).
    pub sysfs_root: PathBuf,
}

/// The whole config, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The file it was read from (or the name given to [`Config::parse`]).
    pub file: PathBuf,
    /// `[capture]`.
    pub capture: CaptureConfig,
    /// `[engine] flows`: concurrent flows.
    pub flows: usize,
    /// `[rules] path`.
    pub rules: PathBuf,
    /// `[data] dir`: where `geo.ttdb` and `oui.ttdb` are.
    pub data_dir: PathBuf,
    /// `[leds]`.
    pub leds: LedsConfig,
    /// `[button] enabled`: watch the acknowledge button.
    pub button: bool,
    /// `[output]`.
    pub output: OutputConfig,
    /// `[time] utc_offset`: the timezone of quiet hours written in `local` time.
    pub utc_offset: Timezone,
}

impl Config {
    /// The defaults of `docs/config.md`, named `file`.
    pub fn defaults(file: &Path) -> Config {
        Config {
            file: file.to_path_buf(),
            capture: CaptureConfig {
                lan: "eth1".to_string(),
                wan: "eth0".to_string(),
                backend: CaptureBackend::Tpacket,
                file: None,
                pace: false,
            },
            flows: 65_536,
            rules: PathBuf::from(DEFAULT_RULES_PATH),
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            leds: LedsConfig {
                backend: LedBackend::Gpio,
                profile: BoardProfile::default_profile(),
                sysfs_root: PathBuf::from(DEFAULT_SYSFS_LEDS_ROOT),
            },
            button: false,
            output: OutputConfig {
                events: None,
                emit: EmitSet::ALL,
            },
            utc_offset: Timezone::Local,
        }
    }

    /// Reads and checks the config file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError::whole_file(path, format!("cannot read the config file: {e}"))
        })?;
        Config::parse(&text, path)
    }

    /// Checks a config held in `text`; `file` names it in errors and relative paths are taken
    /// from its folder.
    pub fn parse(text: &str, file: &Path) -> Result<Config, ConfigError> {
        let src = Source { file, text };
        let root = DeTable::parse(text).map_err(|e| src.syntax_error(&e))?;
        let base = file.parent().unwrap_or(Path::new(""));
        read::document(&Reader { src }, root.get_ref(), base)
    }

    /// The path of a data table (`geo.ttdb`, `oui.ttdb`) in `[data] dir`.
    pub fn table(&self, name: &str) -> PathBuf {
        self.data_dir.join(name)
    }

    /// A few lines saying what the config selects, for `telltaled check --config`.
    pub fn summary(&self) -> String {
        let c = &self.capture;
        let source = match (&c.backend, &c.file) {
            (CaptureBackend::File, Some(file)) => format!(
                "file {}{}",
                file.display(),
                if c.pace { " (paced)" } else { "" }
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
        let zone = match self.utc_offset {
            Timezone::Local => "local".to_string(),
            Timezone::Fixed(s) => {
                let sign = if s < 0 { '-' } else { '+' };
                let m = s.unsigned_abs() / 60;
                format!("{sign}{:02}:{:02}", m / 60, m % 60)
            }
        };
        format!(
            "{}: ok\n  capture: {source}\n  engine: {} flows\n  rules: {}\n  data: {}\n  leds: {:?} on {} ({})\n  button: {}\n  output: {output} ({})\n  time: {zone}\n",
            self.file.display(),
            self.flows,
            self.rules.display(),
            self.data_dir.display(),
            self.leds.backend,
            self.leds.profile.name,
            self.leds.sysfs_root.display(),
            if self.button { "enabled" } else { "disabled" },
            emit.join(", "),
        )
    }
}
