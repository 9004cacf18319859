//! The detection thresholds: one `[thresholds.<signal>]` table per signal of DESIGN.md
//! "Detection", each with its defaults, plus the reader for those tables.

use std::time::Duration;

use toml::de::DeTable;

use super::error::RulesError;
use super::format::{entries, join, Reader};
use super::values::{self, Severity};

/// An upload threshold: at least `bytes` up to one destination within `window`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UploadRule {
    /// Whether the signal fires at all.
    pub enabled: bool,
    /// The LED it lights.
    pub severity: Severity,
    /// Bytes up (from the device) that trip the signal.
    pub bytes: u64,
    /// The sliding window the bytes are counted over.
    pub window: Duration,
}

/// The abnormal upload: `bytes` up within `window` and an up/down byte ratio above `ratio`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatioRule {
    /// Whether the signal fires at all.
    pub enabled: bool,
    /// The LED it lights.
    pub severity: Severity,
    /// Bytes up that trip the signal.
    pub bytes: u64,
    /// The sliding window the bytes are counted over.
    pub window: Duration,
    /// Bytes up divided by bytes down must be greater than this.
    pub ratio: f64,
}

/// A byte threshold without a window of its own (the quiet hours, or the first contact).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BytesRule {
    /// Whether the signal fires at all.
    pub enabled: bool,
    /// The LED it lights.
    pub severity: Severity,
    /// Bytes up that trip the signal.
    pub bytes: u64,
}

/// The periodic beacon: contacts to one destination at a regular interval for `window`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BeaconRule {
    /// Whether the signal fires at all.
    pub enabled: bool,
    /// The LED it lights.
    pub severity: Severity,
    /// How long the regular contacts must go on.
    pub window: Duration,
    /// Largest spread of the intervals, as a fraction of their mean (0.1 = 10 %).
    pub max_jitter: f64,
    /// Fewest contacts within `window` that count as a beacon.
    pub min_contacts: u32,
}

/// A signal with no numbers: it is on or off and has a severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SwitchRule {
    /// Whether the signal fires at all.
    pub enabled: bool,
    /// The LED it lights.
    pub severity: Severity,
}

/// Every threshold of the rules file. `Default` is the table in DESIGN.md "Detection".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// `watched_upload`: >= 500 kB in 15 min to a watchlisted destination, red.
    pub watched_upload: UploadRule,
    /// `abnormal_upload`: >= 1 MB in 15 min to one destination with up/down > 1.5, red.
    pub abnormal_upload: RatioRule,
    /// `large_upload`: >= 100 MB in 4 h to one destination, red.
    pub large_upload: UploadRule,
    /// `quiet_hours_upload`: >= 1 MB during the quiet hours, red.
    pub quiet_hours_upload: BytesRule,
    /// `first_contact`: a first upload >= 100 kB to a watched or new destination, amber.
    pub first_contact: BytesRule,
    /// `periodic_beacon`: regular contacts (jitter <= 10 %, >= 6 contacts) for 1 h, amber.
    pub periodic_beacon: BeaconRule,
    /// `dns_bypass`: DNS over TLS, known DoH resolvers, plain DNS to a non-LAN server, amber.
    pub dns_bypass: SwitchRule,
    /// `new_device`: a MAC never seen before, amber.
    pub new_device: SwitchRule,
}

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

impl Default for Thresholds {
    fn default() -> Self {
        use Severity::{Amber, Red};
        Thresholds {
            watched_upload: UploadRule {
                enabled: true,
                severity: Red,
                bytes: 500_000,
                window: MINUTE * 15,
            },
            abnormal_upload: RatioRule {
                enabled: true,
                severity: Red,
                bytes: 1_000_000,
                window: MINUTE * 15,
                ratio: 1.5,
            },
            large_upload: UploadRule {
                enabled: true,
                severity: Red,
                bytes: 100_000_000,
                window: HOUR * 4,
            },
            quiet_hours_upload: BytesRule {
                enabled: true,
                severity: Red,
                bytes: 1_000_000,
            },
            first_contact: BytesRule {
                enabled: true,
                severity: Amber,
                bytes: 100_000,
            },
            periodic_beacon: BeaconRule {
                enabled: true,
                severity: Amber,
                window: HOUR,
                max_jitter: 0.1,
                min_contacts: 6,
            },
            dns_bypass: SwitchRule {
                enabled: true,
                severity: Amber,
            },
            new_device: SwitchRule {
                enabled: true,
                severity: Amber,
            },
        }
    }
}

/// The signal names allowed under `[thresholds]`.
pub const SIGNALS: &[&str] = &[
    "watched_upload",
    "abnormal_upload",
    "large_upload",
    "quiet_hours_upload",
    "first_contact",
    "periodic_beacon",
    "dns_bypass",
    "new_device",
];

/// The keys one `[thresholds.<signal>]` table may hold, in the order documented.
fn keys_of(signal: &str) -> &'static [&'static str] {
    match signal {
        "watched_upload" | "large_upload" => &["enabled", "severity", "bytes", "window"],
        "abnormal_upload" => &["enabled", "severity", "bytes", "window", "ratio"],
        "quiet_hours_upload" | "first_contact" => &["enabled", "severity", "bytes"],
        "periodic_beacon" => &[
            "enabled",
            "severity",
            "window",
            "max_jitter",
            "min_contacts",
        ],
        _ => &["enabled", "severity"],
    }
}

/// Every field a signal table can set; each signal reads the ones it has.
struct Fields<'a> {
    enabled: &'a mut bool,
    severity: &'a mut Severity,
    bytes: Option<&'a mut u64>,
    window: Option<&'a mut Duration>,
    ratio: Option<&'a mut f64>,
    max_jitter: Option<&'a mut f64>,
    min_contacts: Option<&'a mut u32>,
}

/// Reads `[thresholds]` over `thresholds` (which starts as the defaults).
pub(crate) fn read(
    reader: &Reader<'_>,
    table: &DeTable<'_>,
    thresholds: &mut Thresholds,
) -> Result<(), RulesError> {
    for (key, value) in entries(table) {
        let signal: &str = key.get_ref();
        let path = join("thresholds", signal);
        let t = &mut *thresholds;
        let fields = match signal {
            "watched_upload" | "large_upload" => {
                let rule = if signal == "watched_upload" {
                    &mut t.watched_upload
                } else {
                    &mut t.large_upload
                };
                Fields {
                    enabled: &mut rule.enabled,
                    severity: &mut rule.severity,
                    bytes: Some(&mut rule.bytes),
                    window: Some(&mut rule.window),
                    ratio: None,
                    max_jitter: None,
                    min_contacts: None,
                }
            }
            "abnormal_upload" => {
                let rule = &mut t.abnormal_upload;
                Fields {
                    enabled: &mut rule.enabled,
                    severity: &mut rule.severity,
                    bytes: Some(&mut rule.bytes),
                    window: Some(&mut rule.window),
                    ratio: Some(&mut rule.ratio),
                    max_jitter: None,
                    min_contacts: None,
                }
            }
            "quiet_hours_upload" | "first_contact" => {
                let rule = if signal == "first_contact" {
                    &mut t.first_contact
                } else {
                    &mut t.quiet_hours_upload
                };
                Fields {
                    enabled: &mut rule.enabled,
                    severity: &mut rule.severity,
                    bytes: Some(&mut rule.bytes),
                    window: None,
                    ratio: None,
                    max_jitter: None,
                    min_contacts: None,
                }
            }
            "periodic_beacon" => {
                let rule = &mut t.periodic_beacon;
                Fields {
                    enabled: &mut rule.enabled,
                    severity: &mut rule.severity,
                    bytes: None,
                    window: Some(&mut rule.window),
                    ratio: None,
                    max_jitter: Some(&mut rule.max_jitter),
                    min_contacts: Some(&mut rule.min_contacts),
                }
            }
            "dns_bypass" | "new_device" => {
                let rule = if signal == "dns_bypass" {
                    &mut t.dns_bypass
                } else {
                    &mut t.new_device
                };
                Fields {
                    enabled: &mut rule.enabled,
                    severity: &mut rule.severity,
                    bytes: None,
                    window: None,
                    ratio: None,
                    max_jitter: None,
                    min_contacts: None,
                }
            }
            _ => {
                return Err(reader.error(
                    key.span(),
                    &path,
                    format!("unknown signal (expected one of: {})", SIGNALS.join(", ")),
                ))
            }
        };
        let signal_table = reader.table(value, &path)?;
        read_signal(reader, signal_table, &path, keys_of(signal), fields)?;
    }
    Ok(())
}

fn read_signal(
    reader: &Reader<'_>,
    table: &DeTable<'_>,
    path: &str,
    allowed: &[&str],
    mut fields: Fields<'_>,
) -> Result<(), RulesError> {
    for (key, value) in entries(table) {
        let name: &str = key.get_ref();
        let key_path = join(path, name);
        match (name, &mut fields) {
            ("enabled", f) => *f.enabled = reader.boolean(value, &key_path)?,
            ("severity", f) => *f.severity = reader.parsed(value, &key_path, values::severity)?,
            (
                "bytes",
                Fields {
                    bytes: Some(bytes), ..
                },
            ) => **bytes = reader.size(value, &key_path)?,
            (
                "window",
                Fields {
                    window: Some(window),
                    ..
                },
            ) => **window = reader.duration(value, &key_path)?,
            (
                "ratio",
                Fields {
                    ratio: Some(ratio), ..
                },
            ) => **ratio = reader.positive_number(value, &key_path)?,
            (
                "max_jitter",
                Fields {
                    max_jitter: Some(jitter),
                    ..
                },
            ) => **jitter = reader.positive_number(value, &key_path)?,
            (
                "min_contacts",
                Fields {
                    min_contacts: Some(count),
                    ..
                },
            ) => **count = reader.count(value, &key_path)?,
            _ => return Err(reader.unknown_key(key, path, allowed)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::error::Source;
    use std::path::Path;

    fn read_doc(doc: &str) -> Result<Thresholds, String> {
        let root = DeTable::parse(doc).unwrap();
        let reader = Reader {
            src: Source {
                file: Path::new("r.toml"),
                text: doc,
            },
        };
        let mut thresholds = Thresholds::default();
        let (_, value) = entries(root.get_ref())[0];
        read(
            &reader,
            reader.table(value, "thresholds").unwrap(),
            &mut thresholds,
        )
        .map_err(|e| e.to_string())?;
        Ok(thresholds)
    }

    #[test]
    fn defaults_follow_the_design_table() {
        let t = Thresholds::default();
        assert_eq!(
            (t.watched_upload.bytes, t.watched_upload.window.as_secs()),
            (500_000, 900)
        );
        assert_eq!(
            (t.abnormal_upload.bytes, t.abnormal_upload.ratio),
            (1_000_000, 1.5)
        );
        assert_eq!(
            (t.large_upload.bytes, t.large_upload.window.as_secs()),
            (100_000_000, 14_400)
        );
        assert_eq!(t.quiet_hours_upload.bytes, 1_000_000);
        assert_eq!(
            (t.first_contact.bytes, t.first_contact.severity),
            (100_000, Severity::Amber)
        );
        assert_eq!(t.periodic_beacon.window.as_secs(), 3600);
        assert_eq!(t.new_device.severity, Severity::Amber);
    }

    #[test]
    fn overrides_only_what_is_written() {
        let t = read_doc(
            "[thresholds.abnormal_upload]\nbytes = \"5MB\"\nratio = 3\n[thresholds.new_device]\nenabled = false\n",
        )
        .unwrap();
        assert_eq!(
            (t.abnormal_upload.bytes, t.abnormal_upload.ratio),
            (5_000_000, 3.0)
        );
        assert_eq!(t.abnormal_upload.window.as_secs(), 900);
        assert!(!t.new_device.enabled);
        assert!(t.dns_bypass.enabled);
    }

    #[test]
    fn a_key_of_another_signal_is_unknown_here() {
        assert_eq!(
            read_doc("[thresholds.large_upload]\nratio = 2\n").unwrap_err(),
            "r.toml:2: thresholds.large_upload.ratio: unknown key (expected one of: enabled, severity, bytes, window)"
        );
        assert_eq!(
            read_doc("[thresholds.beacon]\n").unwrap_err(),
            format!(
                "r.toml:1: thresholds.beacon: unknown signal (expected one of: {})",
                SIGNALS.join(", ")
            )
        );
    }
}
