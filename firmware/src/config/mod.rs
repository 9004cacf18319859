//! The daemon's config file (`/etc/telltale/telltale.toml`): where frames come from, how big the
//! engine is, where the rules and data tables are, which LEDs and button to drive, where the
//! journal and the host link are, what to write out, and the box's UTC offset. Every key is
//! documented in `docs/config.md`; `board/files/telltale.toml` is the shipped file.
//!
//! The file is TOML, read with the same located reader as the rules file ([`crate::rules`]): a
//! bad value, an unknown key or a forbidden combination is one error naming the file, the line
//! and the dotted key (`telltale.toml:7: capture.backend: ...`). Relative paths are relative to
//! the config file's folder.
//!
//! Files: `read` (the tables and keys, in file order), `checks` (combinations of keys),
//! `summary` (what `telltaled check --config` prints).

mod checks;
mod read;
mod summary;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_errors;

use std::path::{Path, PathBuf};

use telltale_board::{BoardProfile, DEFAULT_SYSFS_LEDS_ROOT};
use toml::de::DeTable;

pub use crate::capture::file_source::AtEnd;
use crate::capture::file_source::FileSourceOptions;
use crate::capture::Port;
use crate::rules::error::Source;
use crate::rules::format::Reader;

/// Where `telltaled run` and `telltaled check --config` look by default.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/telltale/telltale.toml";
/// The rules file when `[rules] path` is not given.
pub const DEFAULT_RULES_PATH: &str = "/etc/telltale/rules.toml";
/// The journal when `[journal] path` is not given (the systemd unit's `StateDirectory`).
pub const DEFAULT_JOURNAL_PATH: &str = "/var/lib/telltale/journal";
/// The host link's serial device when `[link] device` is not given (the USB gadget's port).
pub const DEFAULT_LINK_DEVICE: &str = "/dev/ttyGS0";
/// The most flows `[engine] flows` may ask for (each costs about 480 bytes).
pub const MAX_FLOWS: u32 = 1 << 24;
/// The highest BCM GPIO number on the 40-pin header of every supported board.
pub const MAX_HEADER_GPIO: u8 = 27;

/// A config error: the same `FILE:LINE: KEY: MESSAGE` error as the rules file's.
pub type ConfigError = crate::rules::RulesError;

/// `[link]`: the host link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkConfig {
    /// `enabled`: serve the link at all.
    pub enabled: bool,
    /// `device`: the serial device (the USB gadget's port), reopened when it comes and goes.
    pub device: PathBuf,
    /// `tcp`: also serve the link on this address (off unless set).
    pub tcp: Option<std::net::SocketAddr>,
}

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

/// A capture file replayed as if it were the ports (backend `file`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReplay {
    /// The pcap or pcapng file.
    pub path: PathBuf,
    /// Hand frames out at the pace of their timestamps (otherwise as fast as possible).
    pub pace: bool,
    /// What happens at the end of the file.
    pub at_end: AtEnd,
    /// The port a frame is taken to have come in on, by its sender's MAC address; frames from
    /// other senders have no port (the engine then tells devices apart as a replay does).
    pub ports_by_mac: Vec<([u8; 6], Port)>,
}

impl FileReplay {
    /// The options of the file source.
    pub fn options(&self) -> FileSourceOptions {
        FileSourceOptions {
            pace: self.pace,
            at_end: self.at_end,
            ports_by_mac: self.ports_by_mac.clone(),
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
    /// The file to replay, with backend `file` (and only then).
    pub file: Option<FileReplay>,
}

/// Which LEDs the daemon drives (`[leds] backend`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedsBackend {
    /// GPIO outputs through rppal (the profile's GPIO lines).
    Gpio,
    /// The Linux LED class under `[leds] sysfs_root` (the profile's LED-class lines).
    Sysfs,
    /// No hardware: every switch of an LED is a JSON line on `[output] events`.
    Sim,
    /// The three LEDs drawn on standard error, for trying the daemon on a PC.
    Terminal,
    /// No LEDs.
    None,
}

impl LedsBackend {
    /// Every backend by its name in the config file.
    pub const ALL: [(&'static str, LedsBackend); 5] = [
        ("gpio", LedsBackend::Gpio),
        ("sysfs", LedsBackend::Sysfs),
        ("sim", LedsBackend::Sim),
        ("terminal", LedsBackend::Terminal),
        ("none", LedsBackend::None),
    ];

    /// The name used in the config file.
    pub fn name(self) -> &'static str {
        LedsBackend::ALL
            .iter()
            .find(|(_, b)| *b == self)
            .map_or("none", |(name, _)| name)
    }
}

/// `[leds]` and `[button]`: the backend, and the board profile with any pins the config moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedsConfig {
    /// The LED backend.
    pub backend: LedsBackend,
    /// The board's pin map, with `[leds] green/amber/red` and `[button] pin` applied.
    pub profile: BoardProfile,
    /// Where the Linux LED class lives (backend `sysfs`).
    pub sysfs_root: PathBuf,
    /// `[button] enabled`: watch the acknowledge button (on `profile.button`).
    pub button: bool,
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
    /// Nothing.
    pub const NONE: EmitSet = EmitSet {
        events: false,
        flows: false,
        alerts: false,
        leds: false,
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
    /// `[data] dir`: where `geo.ttdb` and `oui.ttdb` are; `None`: `$TELLTALE_DATA`, then
    /// `/usr/share/telltale` (see [`crate::geo::locate::find_table`]).
    pub data_dir: Option<PathBuf>,
    /// `[leds]` and `[button]`.
    pub leds: LedsConfig,
    /// `[journal] path`: the summary and alert journals' directory.
    pub journal: PathBuf,
    /// `[journal] window`: the length of a summary window, seconds.
    pub summary_window_secs: u64,
    /// `[link]`: the host link.
    pub link: LinkConfig,
    /// `[output]`.
    pub output: OutputConfig,
    /// `[time] utc_offset`: the box's local time, seconds east of UTC (quiet hours written
    /// with `timezone = "local"` use it).
    pub utc_offset: i32,
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
            },
            flows: 65_536,
            rules: PathBuf::from(DEFAULT_RULES_PATH),
            data_dir: None,
            leds: LedsConfig {
                backend: LedsBackend::Gpio,
                profile: *BoardProfile::default_profile(),
                sysfs_root: PathBuf::from(DEFAULT_SYSFS_LEDS_ROOT),
                button: false,
            },
            journal: PathBuf::from(DEFAULT_JOURNAL_PATH),
            summary_window_secs: 300,
            link: LinkConfig {
                enabled: true,
                device: PathBuf::from(DEFAULT_LINK_DEVICE),
                tcp: None,
            },
            output: OutputConfig {
                events: None,
                emit: EmitSet::ALL,
            },
            utc_offset: 0,
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

    /// The path of a data table (`geo.ttdb`, `oui.ttdb`): in `[data] dir` when it is set,
    /// otherwise where `telltaled replay` looks.
    pub fn table(&self, name: &str) -> PathBuf {
        match &self.data_dir {
            Some(dir) => dir.join(name),
            None => crate::geo::locate::find_table(name),
        }
    }
}
