//! Walks the config document table by table, in file order, into a [`Config`]; the first wrong
//! key or value in the file is the error. Combinations of keys are checked afterwards by
//! [`super::checks`], which needs the places of a few keys: [`Spans`] keeps them.

use std::ops::Range;
use std::path::{Path, PathBuf};

use telltale_board::{BoardProfile, LedLine};
use toml::de::DeTable;

use super::checks::{self, Spans};
use super::{
    AtEnd, CaptureBackend, Config, ConfigError, EmitSet, LedsBackend, OutputTarget, MAX_FLOWS,
    MAX_HEADER_GPIO,
};
use crate::capture::Port;
use crate::rules::format::{entries, join, Reader, Value};
use crate::rules::values;

/// The tables a config file may have.
const TABLES: &[&str] = &[
    "capture", "engine", "rules", "data", "leds", "button", "journal", "link", "output", "time",
];
const CAPTURE_KEYS: &[&str] = &[
    "lan",
    "wan",
    "backend",
    "file",
    "pace",
    "at_end",
    "ports_by_mac",
];
const ENGINE_KEYS: &[&str] = &["flows"];
const RULES_KEYS: &[&str] = &["path"];
const DATA_KEYS: &[&str] = &["dir"];
const LEDS_KEYS: &[&str] = &["backend", "profile", "sysfs_root", "green", "amber", "red"];
const BUTTON_KEYS: &[&str] = &["enabled", "pin"];
const JOURNAL_KEYS: &[&str] = &["path", "window"];
const LINK_KEYS: &[&str] = &["device", "enabled", "tcp"];
const OUTPUT_KEYS: &[&str] = &["events", "emit"];
const TIME_KEYS: &[&str] = &["utc_offset"];
/// Linux interface names are at most 15 bytes (IFNAMSIZ less the NUL).
const IFNAME_MAX: usize = 15;

/// The keys allowed in table `name`.
fn keys_of(name: &str) -> &'static [&'static str] {
    match name {
        "capture" => CAPTURE_KEYS,
        "engine" => ENGINE_KEYS,
        "rules" => RULES_KEYS,
        "data" => DATA_KEYS,
        "leds" => LEDS_KEYS,
        "button" => BUTTON_KEYS,
        "journal" => JOURNAL_KEYS,
        "link" => LINK_KEYS,
        "output" => OUTPUT_KEYS,
        _ => TIME_KEYS,
    }
}

/// What `[capture]` said about a file replay, before the backend is known to be `file`.
#[derive(Debug, Default)]
pub(super) struct FileKeys {
    pub path: Option<PathBuf>,
    pub pace: bool,
    pub at_end: Option<AtEnd>,
    pub ports_by_mac: Vec<([u8; 6], Port)>,
}

/// The config being read, with what the checks need.
struct Doc<'r, 'a> {
    reader: &'r Reader<'a>,
    base: &'r Path,
    config: Config,
    file: FileKeys,
    /// `[leds] green/amber/red` and `[button] pin` as given.
    pins: [Option<u8>; 4],
    spans: Spans,
}

/// Reads the whole document; `base` is the config file's folder.
pub(super) fn document(
    reader: &Reader<'_>,
    root: &DeTable<'_>,
    base: &Path,
) -> Result<Config, ConfigError> {
    let mut doc = Doc {
        reader,
        base,
        config: Config::defaults(reader.src.file),
        file: FileKeys::default(),
        pins: [None; 4],
        spans: Spans::default(),
    };
    for (key, value) in entries(root) {
        let name: &str = key.get_ref().as_ref();
        if !TABLES.contains(&name) {
            return Err(reader.unknown_key(key, "", TABLES));
        }
        let table = reader.table(value, name)?;
        doc.spans.tables.push((name.to_string(), key.span()));
        let expected = keys_of(name);
        for (key, value) in entries(table) {
            let field: &str = key.get_ref().as_ref();
            if !expected.contains(&field) {
                return Err(reader.unknown_key(key, name, expected));
            }
            doc.spans.keys.push((join(name, field), value.span()));
            doc.key(name, field, value)?;
        }
    }
    checks::capture(reader, &mut doc.config, doc.file, &doc.spans)?;
    checks::leds(reader, &mut doc.config, doc.pins, &doc.spans)?;
    checks::output(reader, &doc.config, &doc.spans)?;
    Ok(doc.config)
}

impl Doc<'_, '_> {
    /// Reads one key of one table into the config.
    fn key(&mut self, table: &str, field: &str, value: &Value<'_>) -> Result<(), ConfigError> {
        let reader = self.reader;
        let path = join(table, field);
        let path = path.as_str();
        let config = &mut self.config;
        match (table, field) {
            ("capture", "lan") => config.capture.lan = interface(reader, value, path)?,
            ("capture", "wan") => config.capture.wan = interface(reader, value, path)?,
            ("capture", "backend") => {
                config.capture.backend = reader.parsed(value, path, |text| match text {
                    "tpacket" => Ok(CaptureBackend::Tpacket),
                    "pnet" => Ok(CaptureBackend::Pnet),
                    "file" => Ok(CaptureBackend::File),
                    other => Err(format!(
                        "unknown backend {other:?} (expected one of: tpacket, pnet, file)"
                    )),
                })?;
            }
            ("capture", "file") => {
                self.file.path = Some(path_value(reader, value, path, self.base)?);
            }
            ("capture", "pace") => self.file.pace = reader.boolean(value, path)?,
            ("capture", "at_end") => {
                self.file.at_end = Some(reader.parsed(value, path, |text| match text {
                    "stop" => Ok(AtEnd::Stop),
                    "hold" => Ok(AtEnd::Hold),
                    "loop" => Ok(AtEnd::Loop),
                    other => Err(format!(
                        "unknown end {other:?} (expected one of: stop, hold, loop)"
                    )),
                })?);
            }
            ("capture", "ports_by_mac") => {
                self.file.ports_by_mac = ports_by_mac(reader, value, path)?;
            }
            ("engine", "flows") => {
                let n = reader.count(value, path)?;
                if n > MAX_FLOWS {
                    return Err(reader.error(
                        value.span(),
                        path,
                        format!("{n} is more than the {MAX_FLOWS} flows the box can hold"),
                    ));
                }
                config.flows = n as usize;
            }
            ("rules", "path") => config.rules = path_value(reader, value, path, self.base)?,
            ("data", "dir") => config.data_dir = Some(path_value(reader, value, path, self.base)?),
            ("leds", "backend") => {
                config.leds.backend = reader.parsed(value, path, |text| {
                    LedsBackend::ALL
                        .iter()
                        .find(|(name, _)| *name == text)
                        .map(|(_, backend)| *backend)
                        .ok_or_else(|| {
                            format!("unknown LED backend {text:?} (expected one of: gpio, sysfs, sim, terminal, none)")
                        })
                })?;
            }
            ("leds", "profile") => {
                config.leds.profile = *reader.parsed(value, path, |text| {
                    BoardProfile::by_name(text).map_err(|e| e.to_string())
                })?;
            }
            ("leds", "sysfs_root") => {
                config.leds.sysfs_root = path_value(reader, value, path, self.base)?;
            }
            ("leds", led) => {
                let slot = match led {
                    "green" => 0,
                    "amber" => 1,
                    _ => 2,
                };
                self.pins[slot] = Some(gpio(reader, value, path)?);
            }
            ("button", "enabled") => config.leds.button = reader.boolean(value, path)?,
            ("button", _) => self.pins[3] = Some(gpio(reader, value, path)?),
            ("journal", "window") => {
                config.summary_window_secs = reader.parsed(value, path, |text| {
                    let d = values::duration(text)?;
                    if d.as_secs() < 10 || d.as_secs() > 86_400 {
                        return Err(format!(
                            "{text:?} is not between 10 s and 24 h (summaries are kept per window)"
                        ));
                    }
                    Ok(d.as_secs())
                })?;
            }
            ("journal", _) => config.journal = path_value(reader, value, path, self.base)?,
            ("link", "enabled") => config.link.enabled = reader.boolean(value, path)?,
            ("link", "tcp") => {
                config.link.tcp = Some(reader.parsed(value, path, |text| {
                    text.parse::<std::net::SocketAddr>().map_err(|_| {
                        format!("{text:?} is not an address and port (like \"0.0.0.0:7878\")")
                    })
                })?);
            }
            ("link", _) => config.link.device = path_value(reader, value, path, self.base)?,
            ("output", "events") => {
                config.output.events = Some(match reader.string(value, path)? {
                    "-" => OutputTarget::Stdout,
                    _ => OutputTarget::File(path_value(reader, value, path, self.base)?),
                });
            }
            ("output", _) => config.output.emit = emit(reader, value, path)?,
            _ => {
                config.utc_offset = reader.parsed(value, path, |text| {
                    values::utc_offset(text).map_err(|_| {
                        format!("{text:?} is not a UTC offset (use \"UTC\" or an offset like \"+01:00\")")
                    })
                })?;
            }
        }
        Ok(())
    }
}

/// A network interface name: 1 to 15 bytes, no `/`, whitespace or NUL.
fn interface(reader: &Reader<'_>, value: &Value<'_>, path: &str) -> Result<String, ConfigError> {
    reader.parsed(value, path, |text| {
        if text.is_empty()
            || text.len() > IFNAME_MAX
            || text == "."
            || text == ".."
            || text
                .chars()
                .any(|c| c == '/' || c == '\0' || c.is_whitespace())
        {
            Err(format!(
                "{text:?} is not a network interface name (1 to {IFNAME_MAX} characters, no '/' or spaces)"
            ))
        } else {
            Ok(text.to_string())
        }
    })
}

/// A non-empty path; relative paths are joined to `base` (the config file's folder).
fn path_value(
    reader: &Reader<'_>,
    value: &Value<'_>,
    path: &str,
    base: &Path,
) -> Result<PathBuf, ConfigError> {
    let text = reader.string(value, path)?;
    if text.is_empty() {
        return Err(reader.error(value.span(), path, "is empty (expected a path)"));
    }
    Ok(base.join(text))
}

/// A BCM GPIO number on the 40-pin header (0 to 27).
fn gpio(reader: &Reader<'_>, value: &Value<'_>, path: &str) -> Result<u8, ConfigError> {
    let n = reader.integer(value, path)?;
    match u8::try_from(n) {
        Ok(pin) if pin <= MAX_HEADER_GPIO => Ok(pin),
        _ => Err(reader.error(
            value.span(),
            path,
            format!("{n} is not a header GPIO (BCM 0 to {MAX_HEADER_GPIO})"),
        )),
    }
}

/// `ports_by_mac = { "aa:bb:cc:dd:ee:ff" = "wan", ... }`.
fn ports_by_mac(
    reader: &Reader<'_>,
    value: &Value<'_>,
    path: &str,
) -> Result<Vec<([u8; 6], Port)>, ConfigError> {
    let table = reader.table(value, path)?;
    let mut out: Vec<([u8; 6], Port)> = Vec::new();
    for (key, port) in entries(table) {
        let text: &str = key.get_ref().as_ref();
        let key_path = format!("{path}.\"{text}\"");
        let mac = values::mac(text).map_err(|why| reader.error(key.span(), &key_path, why))?;
        if out.iter().any(|(m, _)| *m == mac) {
            return Err(reader.error(key.span(), &key_path, "is listed twice"));
        }
        let port = reader.parsed(port, &key_path, |text| match text {
            "lan" => Ok(Port::Lan),
            "wan" => Ok(Port::Wan),
            other => Err(format!("unknown port {other:?} (expected lan or wan)")),
        })?;
        out.push((mac, port));
    }
    Ok(out)
}

/// `emit = ["events", "flows", "alerts", "leds"]`: each at most once.
fn emit(reader: &Reader<'_>, value: &Value<'_>, path: &str) -> Result<EmitSet, ConfigError> {
    let names = reader.string_list(value, path, |text| match text {
        "events" | "flows" | "alerts" | "leds" => Ok(text.to_string()),
        other => Err(format!(
            "unknown output {other:?} (expected events, flows, alerts or leds)"
        )),
    })?;
    let items = reader.array(value, path)?;
    let mut set = EmitSet::NONE;
    for (i, name) in names.iter().enumerate() {
        let slot = match name.as_str() {
            "events" => &mut set.events,
            "flows" => &mut set.flows,
            "alerts" => &mut set.alerts,
            _ => &mut set.leds,
        };
        if *slot {
            let span: Range<usize> = items.get(i).map_or(value.span(), |item| item.span());
            return Err(reader.error(
                span,
                &format!("{path}[{i}]"),
                format!("{name} is listed twice"),
            ));
        }
        *slot = true;
    }
    Ok(set)
}

/// True when every LED of `profile` is a GPIO line (or absent).
pub(super) fn drives_gpio(profile: &BoardProfile) -> bool {
    [profile.green, profile.amber, profile.red]
        .iter()
        .all(|line| matches!(line, LedLine::Gpio(_) | LedLine::Absent))
}
