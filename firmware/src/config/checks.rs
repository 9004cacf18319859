//! The combinations of keys a config may not have, checked once the whole file is read: file
//! replay keys without backend `file`, the same port twice, an LED backend the board profile
//! cannot drive, pins moved on a profile without pins, two things on one GPIO, a button the
//! board does not have, and the `sim` LEDs with nowhere to write.

use std::ops::Range;

use telltale_board::LedLine;

use super::read::{drives_gpio, FileKeys};
use super::{AtEnd, CaptureBackend, Config, ConfigError, FileReplay, LedsBackend};
use crate::rules::format::Reader;

/// Where the tables and keys of the file are, to blame the right line.
#[derive(Debug, Default)]
pub(super) struct Spans {
    /// `(table, span of its header)`.
    pub tables: Vec<(String, Range<usize>)>,
    /// `(dotted key, span of its value)`.
    pub keys: Vec<(String, Range<usize>)>,
}

impl Spans {
    /// The span of `path`'s value, if the file sets it.
    pub fn key(&self, path: &str) -> Option<Range<usize>> {
        self.keys
            .iter()
            .find(|(k, _)| k == path)
            .map(|(_, s)| s.clone())
    }

    /// The span of table `name`'s header, if the file has it.
    fn table(&self, name: &str) -> Option<Range<usize>> {
        self.tables
            .iter()
            .find(|(t, _)| t == name)
            .map(|(_, s)| s.clone())
    }

    /// Of the keys given, the one latest in the file, with its span.
    fn last_of<'p>(&self, paths: &[&'p str]) -> Option<(&'p str, Range<usize>)> {
        paths
            .iter()
            .filter_map(|p| self.key(p).map(|s| (*p, s)))
            .max_by_key(|(_, s)| s.start)
    }
}

/// `[capture]`: the file replay keys only with backend `file` (which needs `file`), and two
/// different ports otherwise. Fills `config.capture.file`.
pub(super) fn capture(
    reader: &Reader<'_>,
    config: &mut Config,
    file: FileKeys,
    spans: &Spans,
) -> Result<(), ConfigError> {
    let c = &mut config.capture;
    if c.backend != CaptureBackend::File {
        if let Some(span) = spans.key("capture.file") {
            return Err(reader.error(
                span,
                "capture.file",
                format!(
                    "only read with backend = \"file\" (backend is \"{}\")",
                    c.backend.name()
                ),
            ));
        }
        for key in ["capture.pace", "capture.at_end", "capture.ports_by_mac"] {
            if let Some(span) = spans.key(key) {
                return Err(reader.error(span, key, "only used with backend = \"file\""));
            }
        }
        if c.lan == c.wan {
            let (path, span) = spans
                .last_of(&["capture.lan", "capture.wan"])
                .unwrap_or(("capture", spans.table("capture").unwrap_or_default()));
            return Err(reader.error(
                span,
                path,
                format!("lan and wan are the same port ({})", c.lan),
            ));
        }
        return Ok(());
    }
    let Some(path) = file.path else {
        let span = spans.key("capture.backend").unwrap_or_default();
        return Err(reader.missing(
            span,
            "capture",
            "file",
            " (the capture to run on, with backend = \"file\")",
        ));
    };
    c.file = Some(FileReplay {
        path,
        pace: file.pace,
        at_end: file.at_end.unwrap_or(AtEnd::Stop),
        ports_by_mac: file.ports_by_mac,
    });
    Ok(())
}

/// `[leds]` and `[button]`: the backend matches the profile, pins move only GPIO lines, no GPIO
/// is used twice, an enabled button exists. Applies the pins to `config.leds.profile`.
pub(super) fn leds(
    reader: &Reader<'_>,
    config: &mut Config,
    pins: [Option<u8>; 4],
    spans: &Spans,
) -> Result<(), ConfigError> {
    let leds = &mut config.leds;
    let gpio_profile = drives_gpio(&leds.profile);
    let blame = |spans: &Spans| {
        spans
            .last_of(&["leds.backend", "leds.profile"])
            .unwrap_or(("leds.backend", 0..0))
    };
    match leds.backend {
        LedsBackend::Gpio if !gpio_profile => {
            let (path, span) = blame(spans);
            return Err(reader.error(
                span,
                path,
                format!(
                    "backend gpio needs a GPIO profile (pi4, pi5, cm4); profile {} drives LEDs through the LED class",
                    leds.profile.name
                ),
            ));
        }
        LedsBackend::Sysfs if gpio_profile => {
            let (path, span) = blame(spans);
            return Err(reader.error(
                span,
                path,
                format!(
                    "backend sysfs needs an LED-class profile (sysfs-onboard, sysfs-overlay); profile {} drives GPIO lines",
                    leds.profile.name
                ),
            ));
        }
        _ => {}
    }
    let names = ["leds.green", "leds.amber", "leds.red", "button.pin"];
    for (slot, pin) in pins.iter().enumerate().take(3) {
        let Some(pin) = *pin else { continue };
        if !gpio_profile {
            let span = spans.key(names[slot]).unwrap_or_default();
            return Err(reader.error(
                span,
                names[slot],
                format!(
                    "profile {} drives its LEDs through the LED class, not GPIO numbers",
                    leds.profile.name
                ),
            ));
        }
        let line = LedLine::Gpio(pin);
        match slot {
            0 => leds.profile.green = line,
            1 => leds.profile.amber = line,
            _ => leds.profile.red = line,
        }
    }
    if let Some(pin) = pins[3] {
        leds.profile.button = Some(pin);
    }
    if leds.button && leds.profile.button.is_none() {
        let span = spans.key("button.enabled").unwrap_or_default();
        return Err(reader.error(
            span,
            "button.enabled",
            format!(
                "profile {} has no button (set button.pin to its GPIO)",
                leds.profile.name
            ),
        ));
    }
    // Two things on one GPIO: blame the later key in the file.
    let mut used: Vec<(u8, &str)> = Vec::new();
    let gpio_of = |line: LedLine| match line {
        LedLine::Gpio(pin) => Some(pin),
        _ => None,
    };
    let lines = [
        (gpio_of(leds.profile.green), "the green LED", names[0]),
        (gpio_of(leds.profile.amber), "the amber LED", names[1]),
        (gpio_of(leds.profile.red), "the red LED", names[2]),
        (
            leds.profile.button.filter(|_| leds.button),
            "the button",
            names[3],
        ),
    ];
    for (pin, what, key) in lines {
        let Some(pin) = pin else { continue };
        if let Some((_, other)) = used.iter().find(|(p, _)| *p == pin) {
            let (path, span) = spans
                .last_of(&[key, other_key(other, &lines)])
                .unwrap_or((key, spans.table("leds").unwrap_or_default()));
            return Err(reader.error(
                span,
                path,
                format!("GPIO {pin} drives both {other} and {what}"),
            ));
        }
        used.push((pin, what));
    }
    Ok(())
}

/// The key of the line described as `what`.
fn other_key<'a>(what: &str, lines: &[(Option<u8>, &str, &'a str)]) -> &'a str {
    lines
        .iter()
        .find(|(_, w, _)| *w == what)
        .map_or("leds", |(_, _, key)| key)
}

/// `[output]`: the `sim` LEDs write to `[output] events`, which must be set.
pub(super) fn output(
    reader: &Reader<'_>,
    config: &Config,
    spans: &Spans,
) -> Result<(), ConfigError> {
    if config.leds.backend == LedsBackend::Sim && config.output.events.is_none() {
        let span = spans.key("leds.backend").unwrap_or_default();
        return Err(reader.error(
            span,
            "leds.backend",
            "sim writes every LED switch to [output] events, which is not set",
        ));
    }
    Ok(())
}
