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

/// `1 alert`, `4 alerts`, `0 summaries`: a count with its noun, plural unless it is one.
pub fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Shortens `s` to `n` characters, ending it with an ellipsis when it was longer.
pub fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('\u{2026}');
        t
    }
}

/// Shortens `s` to `n` characters from the front, starting it with an ellipsis when it was
/// longer: host names keep the domain (`\u{2026}oca.nflxvideo.net`).
pub fn cut_front(s: &str, n: usize) -> String {
    let len = s.chars().count();
    if len <= n {
        s.to_string()
    } else {
        let mut t = String::from('\u{2026}');
        t.extend(s.chars().skip(len + 1 - n.max(1)));
        t
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

    #[test]
    fn cuts_keep_the_length_and_mark_the_cut() {
        assert_eq!(cut("github.com", 10), "github.com");
        assert_eq!(cut("github.com", 7), "github\u{2026}");
        assert_eq!(cut_front("github.com", 10), "github.com");
        assert_eq!(
            cut_front("ipv4-c001-ams001-ix.1.oca.nflxvideo.net", 18),
            "\u{2026}oca.nflxvideo.net"
        );
        assert_eq!(cut_front("abc", 1), "\u{2026}");
    }

    #[test]
    fn counts_agree_with_their_number() {
        assert_eq!(count(0, "alert", "alerts"), "0 alerts");
        assert_eq!(count(1, "alert", "alerts"), "1 alert");
        assert_eq!(count(1, "summary", "summaries"), "1 summary");
        assert_eq!(count(709, "summary", "summaries"), "709 summaries");
    }
}
