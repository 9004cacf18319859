//! Reading `--since` / `--until`: relative (`24h`, `7d`, `30m`), a local date or date and time,
//! `now` or `all`.

use chrono::{Local, NaiveDate, NaiveDateTime, TimeZone};

/// A time argument that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{flag} {value:?}: not a time; use 24h, 7d, 30m, 2026-11-20, 2026-11-20T18:00, now or all")]
pub struct BadTime {
    /// `--since` or `--until`.
    pub flag: &'static str,
    /// What was given.
    pub value: String,
}

/// Milliseconds since the epoch for `value`, relative to `now_ms`.
pub fn parse(flag: &'static str, value: &str, now_ms: u64) -> Result<u64, BadTime> {
    let bad = || BadTime {
        flag,
        value: value.to_string(),
    };
    let v = value.trim();
    match v {
        "now" => return Ok(now_ms),
        "all" => return Ok(0),
        _ => {}
    }
    if let Some(unit) = v.chars().last().filter(|c| "smhdw".contains(*c)) {
        if let Ok(n) = v[..v.len() - 1].parse::<u64>() {
            let ms = match unit {
                's' => 1_000,
                'm' => 60_000,
                'h' => 3_600_000,
                'd' => 86_400_000,
                _ => 7 * 86_400_000,
            };
            return Ok(now_ms.saturating_sub(n.saturating_mul(ms)));
        }
    }
    let local = if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        d.and_hms_opt(0, 0, 0).ok_or_else(bad)?
    } else {
        [
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%d %H:%M:%S",
        ]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(v, f).ok())
        .ok_or_else(bad)?
    };
    let t = Local
        .from_local_datetime(&local)
        .earliest()
        .ok_or_else(bad)?;
    u64::try_from(t.timestamp_millis()).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_and_keywords() {
        let now = 1_795_000_000_000;
        assert_eq!(parse("--since", "24h", now).unwrap(), now - 86_400_000);
        assert_eq!(parse("--since", "7d", now).unwrap(), now - 7 * 86_400_000);
        assert_eq!(parse("--since", "30m", now).unwrap(), now - 1_800_000);
        assert_eq!(parse("--since", "all", now).unwrap(), 0);
        assert_eq!(parse("--until", "now", now).unwrap(), now);
    }

    #[test]
    fn dates_are_local_midnight() {
        let t = parse("--since", "2026-11-20", 0).unwrap();
        let back = Local.timestamp_millis_opt(t as i64).unwrap();
        assert_eq!(
            back.format("%Y-%m-%d %H:%M").to_string(),
            "2026-11-20 00:00"
        );
        let t = parse("--since", "2026-11-20T18:05", 0).unwrap();
        let back = Local.timestamp_millis_opt(t as i64).unwrap();
        assert_eq!(
            back.format("%Y-%m-%d %H:%M").to_string(),
            "2026-11-20 18:05"
        );
    }

    #[test]
    fn nonsense_is_named() {
        let e = parse("--since", "yesterday", 0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--since \"yesterday\": not a time; use 24h, 7d, 30m, 2026-11-20, 2026-11-20T18:00, now or all"
        );
    }
}
