//! Walks the config document table by table, in file order, into a [`Config`]; the first wrong
//! key or value in the file is the error.

use std::ops::Range;
use std::path::{Path, PathBuf};

use telltale_board::{BoardProfile, LedBackend};
use toml::de::DeTable;

use super::{CaptureBackend, Config, ConfigError, EmitSet, OutputTarget, MAX_FLOWS};
use crate::rules::format::{entries, join, Reader, Value};
use crate::rules::{values, Timezone};

/// The tables a config file may have.
const TABLES: &[&str] = &[
    "capture", "engine", "rules", "data", "leds", "button", "output", "time",
];
const CAPTURE_KEYS: &[&str] = &["lan", "wan", "backend", "file", "pace"];
const ENGINE_KEYS: &[&str] = &["flows"];
const RULES_KEYS: &[&str] = &["path"];
const DATA_KEYS: &[&str] = &["dir"];
const LEDS_KEYS: &[&str] = &["backend", "profile", "sysfs_root"];
const BUTTON_KEYS: &[&str] = &["enabled"];
const OUTPUT_KEYS: &[&str] = &["events", "emit"];
const TIME_KEYS: &[&str] = &["utc_offset"];
/// Linux interface names are at most 15 bytes (IFNAMSIZ less the NUL).
const IFNAME_MAX: usize = 15;

/// Reads the whole document; `base` is the config file's folder.
pub(super) fn document(
    reader: &Reader<'_>,
    root: &DeTable<'_>,
    base: &Path,
) -> Result<Config, ConfigError> {
    let mut config = Config::defaults(reader.src.file);
    // Where `[capture] file` and `pace` were, to blame them when the backend is not `file`.
    let mut file_span = None;
    let mut pace_span = None;
    let mut backend_span = None;
    let mut capture_span = None;
    for (key, value) in entries(root) {
        let name: &str = key.get_ref().as_ref();
        if !TABLES.contains(&name) {
            return Err(reader.unknown_key(key, "", TABLES));
        }
        let table = reader.table(value, name)?;
        let expected = match name {
            "capture" => CAPTURE_KEYS,
            "engine" => ENGINE_KEYS,
            "rules" => RULES_KEYS,
            "data" => DATA_KEYS,
            "leds" => LEDS_KEYS,
            "button" => BUTTON_KEYS,
            "output" => OUTPUT_KEYS,
            _ => TIME_KEYS,
        };
        if name == "capture" {
            capture_span = Some(key.span());
        }
        for (key, value) in entries(table) {
            let field: &str = key.get_ref().as_ref();
            if !expected.contains(&field) {
                return Err(reader.unknown_key(key, name, expected));
            }
            let path = join(name, field);
            let path = path.as_str();
            match (name, field) {
                ("capture", "lan") => config.capture.lan = interface(reader, value, path)?,
                ("capture", "wan") => config.capture.wan = interface(reader, value, path)?,
                ("capture", "backend") => {
                    backend_span = Some(value.span());
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
                    file_span = Some(value.span());
                    config.capture.file = Some(path_value(reader, value, path, base)?);
                }
                ("capture", "pace") => {
                    pace_span = Some(value.span());
                    config.capture.pace = reader.boolean(value, path)?;
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
                ("rules", "path") => config.rules = path_value(reader, value, path, base)?,
                ("data", "dir") => config.data_dir = path_value(reader, value, path, base)?,
                ("leds", "backend") => {
                    config.leds.backend =
                        reader.parsed(value, path, |t| t.parse::<LedBackend>().map_err(why))?;
                }
                ("leds", "profile") => {
                    config.leds.profile =
                        reader.parsed(value, path, |t| BoardProfile::by_name(t).map_err(why))?;
                }
                ("leds", "sysfs_root") => {
                    config.leds.sysfs_root = path_value(reader, value, path, base)?;
                }
                ("button", "enabled") => config.button = reader.boolean(value, path)?,
                ("output", "events") => {
                    config.output.events = Some(match reader.string(value, path)? {
                        "-" => OutputTarget::Stdout,
                        _ => OutputTarget::File(path_value(reader, value, path, base)?),
                    });
                }
                ("output", "emit") => config.output.emit = emit(reader, value, path)?,
                _ => {
                    config.utc_offset = reader.parsed(value, path, |text| match text {
                        "local" => Ok(Timezone::Local),
                        other => values::utc_offset(other).map(Timezone::Fixed),
                    })?;
                }
            }
        }
    }
    check_capture(
        reader,
        &config,
        [file_span, pace_span, backend_span, capture_span],
    )?;
    Ok(config)
}

/// `reason` of a parse error as the message.
fn why(error: impl std::fmt::Display) -> String {
    error.to_string()
}

/// The combinations `[capture]` forbids: `file` without backend `file` and the reverse, `pace`
/// without a file, and the same port twice.
fn check_capture(
    reader: &Reader<'_>,
    config: &Config,
    [file_span, pace_span, backend_span, capture_span]: [Option<Range<usize>>; 4],
) -> Result<(), ConfigError> {
    let c = &config.capture;
    let is_file = c.backend == CaptureBackend::File;
    if let (false, Some(span)) = (is_file, file_span) {
        return Err(reader.error(
            span,
            "capture.file",
            format!(
                "only read with backend = \"file\" (backend is \"{}\")",
                c.backend.name()
            ),
        ));
    }
    if let (false, Some(span)) = (is_file, pace_span) {
        return Err(reader.error(
            span,
            "capture.pace",
            "only used with backend = \"file\"",
        ));
    }
    if is_file && c.file.is_none() {
        let span = backend_span.unwrap_or_default();
        return Err(reader.missing(
            span,
            "capture",
            "file",
            " (the capture to run on, with backend = \"file\")",
        ));
    }
    if !is_file && c.lan == c.wan {
        return Err(reader.error(
            capture_span.unwrap_or_default(),
            "capture",
            format!("lan and wan are the same port ({})", c.lan),
        ));
    }
    Ok(())
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

/// `emit = ["events", "flows", "alerts", "leds"]`: each at most once.
fn emit(reader: &Reader<'_>, value: &Value<'_>, path: &str) -> Result<EmitSet, ConfigError> {
    let names = reader.string_list(value, path, |text| match text {
        "events" | "flows" | "alerts" | "leds" => Ok(text.to_string()),
        other => Err(format!(
            "unknown output {other:?} (expected events, flows, alerts or leds)"
        )),
    })?;
    let mut set = EmitSet {
        events: false,
        flows: false,
        alerts: false,
        leds: false,
    };
    for (i, name) in names.iter().enumerate() {
        let slot = match name.as_str() {
            "events" => &mut set.events,
            "flows" => &mut set.flows,
            "alerts" => &mut set.alerts,
            _ => &mut set.leds,
        };
        if *slot {
            let items = reader.array(value, path)?;
            let span = items.get(i).map_or(value.span(), |item| item.span());
            return Err(reader.error(span, &format!("{path}[{i}]"), format!("{name} is listed twice")));
        }
        *slot = true;
    }
    Ok(set)
}
