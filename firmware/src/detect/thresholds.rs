//! The signals of DESIGN.md's detection table and their thresholds, with the defaults. The rules
//! file overrides any of them; detection reads only this struct.

/// How bad an alert is: red lights the red LED (a suspicious upload), amber the amber one
/// (something new or unusual).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Something new or unusual.
    Amber,
    /// A suspicious upload.
    Red,
}

impl Severity {
    /// The name used in the rules file and in alerts.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Amber => "amber",
            Severity::Red => "red",
        }
    }
}

impl core::fmt::Display for Severity {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// Upload to a watchlisted domain, CIDR, ASN or country.
    WatchedUpload,
    /// A large upload with an upload/download ratio above the limit.
    AbnormalUpload,
    /// A very large upload over hours.
    LargeUpload,
    /// An upload during the quiet hours.
    QuietHoursUpload,
    /// The first upload to a watched destination, or to a country or organisation new for the
    /// device after its learning period.
    FirstContact,
    /// The same destination contacted at a regular interval.
    PeriodicBeacon,
    /// DNS that goes around the LAN's resolver.
    DnsBypass,
    /// A MAC never seen before.
    NewDevice,
}

impl Rule {
    /// The name used in alerts and in the rules file.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::WatchedUpload => "watched_upload",
            Rule::AbnormalUpload => "abnormal_upload",
            Rule::LargeUpload => "large_upload",
            Rule::QuietHoursUpload => "quiet_hours_upload",
            Rule::FirstContact => "first_contact",
            Rule::PeriodicBeacon => "periodic_beacon",
            Rule::DnsBypass => "dns_bypass",
            Rule::NewDevice => "new_device",
        }
    }
}

const MINUTE: u64 = 60_000_000_000;
const HOUR: u64 = 60 * MINUTE;

/// An upload threshold: at least `bytes` up within `window_ns`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UploadThreshold {
    /// Off when false.
    pub enabled: bool,
    /// Bytes up.
    pub bytes: u64,
    /// Window, nanoseconds.
    pub window_ns: u64,
    /// Severity of the alert.
    pub severity: Severity,
}

/// Quiet hours: minutes after local midnight, `start` to `end` (wrapping past midnight when
/// `end < start`), on the days in `days` (bit 0 = Monday).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuietHours {
    /// Off when false (the default: quiet hours must be configured).
    pub enabled: bool,
    /// Start, minutes after midnight.
    pub start_min: u16,
    /// End, minutes after midnight.
    pub end_min: u16,
    /// Days of the week, bit 0 = Monday.
    pub days: u8,
    /// Offset of local time from UTC, minutes.
    pub utc_offset_min: i32,
    /// Bytes up (per device and destination) within one quiet period.
    pub bytes: u64,
    /// Severity.
    pub severity: Severity,
}

impl QuietHours {
    /// Whether capture time `unix_ns` falls in the quiet hours; returns the quiet period's
    /// number (local day it started) if so.
    pub fn period(&self, unix_ns: u64) -> Option<u32> {
        if !self.enabled {
            return None;
        }
        let local_min = (unix_ns / MINUTE) as i64 + i64::from(self.utc_offset_min);
        let day = local_min.div_euclid(1440);
        let min = local_min.rem_euclid(1440) as u16;
        let (inside, start_day) = if self.start_min <= self.end_min {
            (min >= self.start_min && min < self.end_min, day)
        } else if min >= self.start_min {
            (true, day)
        } else {
            (min < self.end_min, day - 1)
        };
        // 1970-01-01 was a Thursday: weekday index with Monday = 0.
        let weekday = (start_day + 3).rem_euclid(7) as u8;
        (inside && self.days & (1 << weekday) != 0).then_some(start_day as u32)
    }
}

/// Every threshold detection uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// >= 500 kB up in 15 min to a watched destination: red.
    pub watched: UploadThreshold,
    /// >= 1 MB up in 15 min to one destination with up/down above `abnormal_ratio`: red.
    pub abnormal: UploadThreshold,
    /// Upload/download ratio above which an upload is abnormal.
    pub abnormal_ratio: f64,
    /// >= 100 MB up in 4 h to one destination: red.
    pub large: UploadThreshold,
    /// >= 1 MB up during the quiet hours: red.
    pub quiet: QuietHours,
    /// First upload >= 100 kB to a watched destination or to a new country/organisation: amber.
    pub first_contact: UploadThreshold,
    /// How long a device is learnt before "new for this device" means anything.
    pub learning_ns: u64,
    /// Periodic beacon: contacts over at least `beacon_span_ns` ...
    pub beacon_span_ns: u64,
    /// ... at least this many ...
    pub beacon_min_contacts: u32,
    /// ... with interval standard deviation / mean at most this.
    pub beacon_max_jitter: f64,
    /// Beacon alerts on or off.
    pub beacon_enabled: bool,
    /// DNS bypass alerts on or off.
    pub dns_bypass_enabled: bool,
    /// New-device alerts on or off.
    pub new_device_enabled: bool,
    /// Devices seen within this long after start are the household, not new (ns).
    pub new_device_after_ns: u64,
    /// A repeat of the same alert (rule, device, destination) is held back this long.
    pub hold_back_ns: u64,
}

impl Default for Thresholds {
    fn default() -> Self {
        let up = |bytes, window_ns, severity| UploadThreshold {
            enabled: true,
            bytes,
            window_ns,
            severity,
        };
        Thresholds {
            watched: up(500_000, 15 * MINUTE, Severity::Red),
            abnormal: up(1_000_000, 15 * MINUTE, Severity::Red),
            abnormal_ratio: 1.5,
            large: up(100_000_000, 4 * HOUR, Severity::Red),
            quiet: QuietHours {
                enabled: false,
                start_min: 0,
                end_min: 6 * 60,
                days: 0x7f,
                utc_offset_min: 0,
                bytes: 1_000_000,
                severity: Severity::Red,
            },
            first_contact: up(100_000, 15 * MINUTE, Severity::Amber),
            learning_ns: 7 * 24 * HOUR,
            beacon_span_ns: HOUR,
            beacon_min_contacts: 6,
            beacon_max_jitter: 0.1,
            beacon_enabled: true,
            dns_bypass_enabled: true,
            new_device_enabled: true,
            new_device_after_ns: HOUR,
            hold_back_ns: 4 * HOUR,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-24 (a Tuesday) 00:00 UTC.
    const TUESDAY: u64 = 1_795_478_400 * 1_000_000_000;

    #[test]
    fn quiet_hours_wrap_midnight_and_honour_days_and_offset() {
        let q = QuietHours {
            enabled: true,
            start_min: 23 * 60,
            end_min: 6 * 60,
            days: 0b0000_0010, // periods starting on Tuesday only
            utc_offset_min: 60,
            bytes: 1,
            severity: Severity::Red,
        };
        // 22:30 UTC Tuesday = 23:30 local Tuesday: inside.
        assert!(q.period(TUESDAY + 22 * HOUR + 30 * MINUTE).is_some());
        // 03:00 UTC Wednesday = 04:00 local: still Tuesday's period.
        let p1 = q.period(TUESDAY + 27 * HOUR);
        assert_eq!(p1, q.period(TUESDAY + 22 * HOUR + 30 * MINUTE));
        // 06:30 local Wednesday: outside.
        assert!(q.period(TUESDAY + 29 * HOUR + 30 * MINUTE).is_none());
        // Wednesday night is not a quiet day here.
        assert!(q.period(TUESDAY + 46 * HOUR + 30 * MINUTE).is_none());
        assert!(QuietHours {
            enabled: false,
            ..q
        }
        .period(TUESDAY + 23 * HOUR)
        .is_none());
    }
}
