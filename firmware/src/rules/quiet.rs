//! Quiet hours: the local times (and days) when nobody uses the phones, so uploads stand out.
//!
//! A period runs from `start` to `end` local time; when `end` is earlier than `start` it ends on
//! the next day. `days` names the days on which a period *starts*.

use toml::de::DeTable;

use super::error::RulesError;
use super::format::{entries, join, Reader};
use super::values;
use crate::detect::thresholds::{self as detect, Severity};

/// Which clock the quiet hours are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timezone {
    /// The box's local time (its offset is passed in by the caller, from the system).
    Local,
    /// A fixed offset, seconds east of UTC.
    Fixed(i32),
}

/// The configured quiet hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    /// Minutes after local midnight when the period starts.
    pub start_minute: u16,
    /// Minutes after local midnight when the period ends (exclusive).
    pub end_minute: u16,
    /// Bit `d` set when a period starts on day `d` (0 = Monday .. 6 = Sunday).
    pub days: u8,
    /// The clock `start` and `end` are written in.
    pub timezone: Timezone,
}

/// Day names in bit order.
const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const ALL_DAYS: u8 = 0b111_1111;

impl QuietHours {
    /// True when the instant `unix_seconds` (UTC) falls in a quiet period. `local_offset_seconds`
    /// is the box's offset from UTC, used when the timezone is `local`.
    pub fn contains(&self, unix_seconds: i64, local_offset_seconds: i32) -> bool {
        let ns = u64::try_from(unix_seconds)
            .unwrap_or(0)
            .saturating_mul(1_000_000_000);
        self.for_detection(local_offset_seconds, 0, Severity::Red)
            .period(ns)
            .is_some()
    }

    /// The detector's form of these quiet hours, alerting at `bytes` with `severity`.
    pub fn for_detection(
        &self,
        local_offset_seconds: i32,
        bytes: u64,
        severity: Severity,
    ) -> detect::QuietHours {
        let offset = match self.timezone {
            Timezone::Local => local_offset_seconds,
            Timezone::Fixed(offset) => offset,
        };
        detect::QuietHours {
            enabled: true,
            start_min: self.start_minute,
            end_min: self.end_minute,
            days: self.days,
            utc_offset_min: offset / 60,
            bytes,
            severity,
        }
    }

    /// The day names of `days`, for summaries.
    pub fn day_names(&self) -> Vec<&'static str> {
        DAY_NAMES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.days & (1 << i) != 0)
            .map(|(_, n)| *n)
            .collect()
    }
}

const KEYS: &[&str] = &["start", "end", "days", "timezone"];

/// Parses one `days` element: a day name, or `all`, `weekdays`, `weekends`.
fn day_bits(text: &str) -> Result<u8, String> {
    match text {
        "all" => Ok(ALL_DAYS),
        "weekdays" => Ok(0b001_1111),
        "weekends" => Ok(0b110_0000),
        _ => DAY_NAMES
            .iter()
            .position(|&name| name == text)
            .map(|i| 1 << i)
            .ok_or_else(|| format!("{text:?} is not a day (use mon, tue, wed, thu, fri, sat, sun, all, weekdays or weekends)")),
    }
}

/// Reads the `[quiet_hours]` table that starts at `span`.
pub(crate) fn read(
    reader: &Reader<'_>,
    table: &DeTable<'_>,
    span: std::ops::Range<usize>,
) -> Result<QuietHours, RulesError> {
    let path = "quiet_hours";
    let mut start = None;
    let mut end = None;
    let mut days = ALL_DAYS;
    let mut timezone = Timezone::Local;
    for (key, value) in entries(table) {
        let key_path = join(path, key.get_ref());
        match key.get_ref().as_ref() {
            "start" => {
                start = Some((
                    reader.parsed(value, &key_path, values::time_of_day)?,
                    value.span(),
                ))
            }
            "end" => end = Some(reader.parsed(value, &key_path, values::time_of_day)?),
            "days" => {
                days = reader
                    .string_list(value, &key_path, day_bits)?
                    .into_iter()
                    .fold(0, |a, b| a | b);
                if days == 0 {
                    return Err(reader.error(value.span(), &key_path, "names no day"));
                }
            }
            "timezone" => {
                timezone = reader.parsed(value, &key_path, |text| match text {
                    "local" => Ok(Timezone::Local),
                    other => values::utc_offset(other).map(Timezone::Fixed),
                })?
            }
            _ => return Err(reader.unknown_key(key, path, KEYS)),
        }
    }
    let hint = " (a time of day like \"00:30\")";
    let (start_minute, start_span) =
        start.ok_or_else(|| reader.missing(span.clone(), path, "start", hint))?;
    let end_minute = end.ok_or_else(|| reader.missing(span, path, "end", hint))?;
    if start_minute == end_minute {
        return Err(reader.error(start_span, path, "start and end are the same time"));
    }
    Ok(QuietHours {
        start_minute,
        end_minute,
        days,
        timezone,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-23 was a Monday; midnight UTC of that day.
    const MONDAY_UTC: i64 = 1_795_392_000;

    fn hours(start: u16, end: u16, days: u8, timezone: Timezone) -> QuietHours {
        QuietHours {
            start_minute: start,
            end_minute: end,
            days,
            timezone,
        }
    }

    #[test]
    fn the_reference_monday_is_a_monday() {
        // 1_795_392_000 / 86_400 = 20_780 days after a Thursday: 20_780 % 7 = 4 -> Monday.
        assert_eq!(MONDAY_UTC % 86_400, 0);
        assert_eq!((MONDAY_UTC / 86_400 + 3) % 7, 0);
    }

    #[test]
    fn same_day_period() {
        let q = hours(60, 300, ALL_DAYS, Timezone::Fixed(0));
        assert!(!q.contains(MONDAY_UTC + 59 * 60, 0));
        assert!(q.contains(MONDAY_UTC + 60 * 60, 0));
        assert!(q.contains(MONDAY_UTC + 299 * 60 + 59, 0));
        assert!(!q.contains(MONDAY_UTC + 300 * 60, 0));
    }

    #[test]
    fn period_across_midnight_belongs_to_its_start_day() {
        // 23:00 -> 06:30, Mondays only.
        let q = hours(23 * 60, 6 * 60 + 30, 1, Timezone::Fixed(0));
        assert!(q.contains(MONDAY_UTC + 23 * 3600, 0)); // Monday 23:00
        assert!(q.contains(MONDAY_UTC + 86_400 + 3600, 0)); // Tuesday 01:00, started Monday
        assert!(!q.contains(MONDAY_UTC + 3600, 0)); // Monday 01:00 started on Sunday
        assert!(!q.contains(MONDAY_UTC + 86_400 + 23 * 3600, 0)); // Tuesday 23:00
    }

    #[test]
    fn offsets_fixed_and_local() {
        // 00:30 -> 06:30 at +01:00 is 23:30 -> 05:30 UTC.
        let fixed = hours(30, 390, ALL_DAYS, Timezone::Fixed(3600));
        assert!(fixed.contains(MONDAY_UTC - 1800, 0));
        assert!(!fixed.contains(MONDAY_UTC + 6 * 3600, 0));
        let local = hours(30, 390, ALL_DAYS, Timezone::Local);
        assert!(local.contains(MONDAY_UTC - 1800, 3600));
        assert!(!local.contains(MONDAY_UTC - 1800, 0));
    }

    #[test]
    fn day_groups() {
        assert_eq!(day_bits("weekdays"), Ok(0b001_1111));
        assert_eq!(day_bits("sun"), Ok(0b100_0000));
        assert!(day_bits("monday").is_err());
        assert_eq!(
            hours(0, 1, 0b110_0000, Timezone::Local).day_names(),
            ["sat", "sun"]
        );
    }
}
