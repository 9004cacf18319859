//! Small formatting helpers shared by the renderings.

use chrono::{Local, TimeZone};

/// `4.2 MB`, `509 kB`, `312 B` (decimal units, as network tools count).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1000.0;
    let mut unit = 0;
    while v >= 1000.0 && unit < UNITS.len() - 1 {
        v /= 1000.0;
        unit += 1;
    }
    if v < 10.0 {
        format!("{v:.1} {}", UNITS[unit])
    } else {
        format!("{v:.0} {}", UNITS[unit])
    }
}

/// Local time, `2026-11-24 21:05`.
pub fn time(ms: u64) -> String {
    match Local.timestamp_millis_opt(ms as i64).single() {
        Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
        None => format!("{ms} ms"),
    }
}

/// Local time with seconds and the offset, for exports: `2026-11-24T21:05:09+01:00`.
pub fn time_iso(ms: u64) -> String {
    match Local.timestamp_millis_opt(ms as i64).single() {
        Some(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        None => ms.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts_read_well() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1000), "1.0 kB");
        assert_eq!(bytes(509_123), "509 kB");
        assert_eq!(bytes(4_200_760), "4.2 MB");
        assert_eq!(bytes(12_000_000_000), "12 GB");
    }
}
