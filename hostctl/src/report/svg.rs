//! The report's two charts as inline SVG (no script, no external resource, so the page reads
//! offline and prints): upload per device over time as stacked bars, and the destinations that
//! received the most as horizontal bars coloured by verdict.

use std::fmt::Write;

use super::fmt::{bytes, cut, cut_front, time};
use super::html::escape;
use super::model::{Report, Series};

/// Colours for devices, in order; repeated when there are more devices.
pub const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f",
    "#bab0ac", "#e15759",
];

const WIDTH: f64 = 900.0;
const HEIGHT: f64 = 280.0;
const LEFT: f64 = 70.0;
const BOTTOM: f64 = 40.0;
const TOP: f64 = 10.0;

/// Characters of a destination's label that fit left of its bar at the label size.
const LABEL_CHARS: usize = 46;

/// `name (device)` short enough to fit: the device cut at its end, the name at its front (so
/// that a host name keeps its domain).
fn destination_label(name: &str, device: &str) -> String {
    let device = cut(device, 20);
    let room = LABEL_CHARS.saturating_sub(device.chars().count() + 3);
    format!("{} ({device})", cut_front(name, room))
}

/// A round axis maximum at or above `max`, and its tick step.
fn axis(max: u64) -> (u64, u64) {
    let max = max.max(1);
    let mut step = 1u64;
    while max / step > 5 {
        step = match step.to_string().as_bytes()[0] {
            b'1' => step * 2,
            b'2' => step / 2 * 5,
            _ => step * 2,
        };
    }
    (max.div_ceil(step) * step, step)
}

/// Upload per device over time, stacked.
pub fn upload_over_time(s: &Series) -> String {
    let totals: Vec<u64> = (0..s.starts.len())
        .map(|i| s.per_device.iter().map(|(_, v)| v[i]).sum())
        .collect();
    let (ymax, ystep) = axis(totals.iter().copied().max().unwrap_or(0));
    let plot_w = WIDTH - LEFT - 10.0;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let n = s.starts.len().max(1) as f64;
    let slot = plot_w / n;
    let bar_w = (slot * 0.8).max(1.0);
    let y = |v: u64| TOP + plot_h - plot_h * v as f64 / ymax as f64;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg id="upload-over-time" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="upload per device over time">"#
    );
    let mut tick = 0;
    while tick <= ymax {
        let _ = write!(
            out,
            r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end" class="tick">{}</text>"##,
            WIDTH - 10.0,
            LEFT - 6.0,
            y(tick) + 4.0,
            bytes(tick),
            y = y(tick)
        );
        tick += ystep;
    }
    let mut bars = 0;
    for (i, start) in s.starts.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar_w) / 2.0;
        let mut base = 0u64;
        for (d, (label, values)) in s.per_device.iter().enumerate() {
            let v = values[i];
            if v == 0 {
                continue;
            }
            let top = y(base + v);
            let h = y(base) - top;
            let _ = write!(
                out,
                r#"<rect class="bar" x="{x:.1}" y="{top:.1}" width="{bar_w:.1}" height="{:.1}" fill="{}"><title>{} {}: {} up</title></rect>"#,
                h.max(0.5),
                PALETTE[d % PALETTE.len()],
                escape(label),
                time(*start),
                bytes(v)
            );
            base += v;
            bars += 1;
        }
    }
    // Time labels: about eight along the axis; hourly buckets show the clock, with the date
    // under the first label and wherever the day changes.
    let every = (s.starts.len() / 8).max(1);
    let hourly = s.bucket_ms < 24 * 3_600_000;
    let mut last_date = String::new();
    for (i, start) in s.starts.iter().enumerate().step_by(every) {
        let x = LEFT + slot * (i as f64 + 0.5);
        let when = time(*start);
        let (date, clock) = when.split_once(' ').unwrap_or((&when, ""));
        let _ = write!(
            out,
            r#"<text x="{x:.1}" y="{}" text-anchor="middle" class="tick">{}"#,
            HEIGHT - BOTTOM + 16.0,
            escape(if hourly { clock } else { date })
        );
        if hourly && date != last_date {
            let _ = write!(out, r#"<tspan x="{x:.1}" dy="14">{}</tspan>"#, escape(date));
        }
        out.push_str("</text>");
        last_date = date.to_string();
    }
    if bars == 0 {
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" text-anchor="middle">no upload in this range</text>"#,
            WIDTH / 2.0,
            HEIGHT / 2.0
        );
    }
    out.push_str("</svg>");
    out
}

/// The destinations that received the most, across devices.
pub fn top_destinations(r: &Report, count: usize) -> String {
    let mut rows: Vec<(String, String, u64, &str)> = r
        .devices
        .iter()
        .flat_map(|d| {
            d.destinations
                .iter()
                .map(move |t| (t.name.clone(), d.label(), t.bytes_up, t.verdict))
        })
        .filter(|row| row.2 > 0)
        .collect();
    rows.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    rows.truncate(count);
    let row_h = 22.0;
    let label_w = 330.0;
    let height = TOP + row_h * rows.len().max(1) as f64 + 10.0;
    let max = rows.first().map_or(1, |r| r.2).max(1);
    let plot_w = WIDTH - label_w - 90.0;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg id="top-destinations" class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="destinations by upload">"#
    );
    for (i, (name, device, up, verdict)) in rows.iter().enumerate() {
        let y = TOP + row_h * i as f64;
        let w = (plot_w * *up as f64 / max as f64).max(1.0);
        let colour = match *verdict {
            "suspicious" => "#d62728",
            "notice" => "#f0a500",
            _ => "#4e79a7",
        };
        let _ = write!(
            out,
            r#"<text x="{}" y="{:.1}" text-anchor="end" class="label"><title>{}</title>{}</text><rect class="bar" x="{label_w}" y="{y:.1}" width="{w:.1}" height="{:.1}" fill="{colour}"><title>{} from {}: {} up ({verdict})</title></rect><text x="{:.1}" y="{:.1}" class="tick">{}</text>"#,
            label_w - 8.0,
            y + row_h * 0.65,
            escape(&format!("{name} ({device})")),
            escape(&destination_label(name, device)),
            row_h * 0.75,
            escape(name),
            escape(device),
            bytes(*up),
            label_w + w + 6.0,
            y + row_h * 0.65,
            bytes(*up)
        );
    }
    if rows.is_empty() {
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" text-anchor="middle">no upload in this range</text>"#,
            WIDTH / 2.0,
            TOP + 12.0
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::{axis, destination_label, upload_over_time, LABEL_CHARS};
    use crate::report::fmt::time;
    use crate::report::model::Series;

    const HOUR: u64 = 3_600_000;

    fn series(bucket_ms: u64, count: u64) -> Series {
        let first = 1_795_392_000_000;
        Series {
            bucket_ms,
            starts: (0..count).map(|i| first + i * bucket_ms).collect(),
            per_device: vec![("phone".into(), vec![1000; count as usize])],
        }
    }

    #[test]
    fn hourly_axis_labels_show_the_clock_and_each_date_once() {
        let s = series(HOUR, 72);
        let svg = upload_over_time(&s);
        let labelled: Vec<u64> = s.starts.iter().copied().step_by(9).collect();
        let mut dates: Vec<String> = labelled
            .iter()
            .map(|&t| time(t)[..10].to_string())
            .collect();
        dates.dedup();
        assert_eq!(svg.matches("<tspan").count(), dates.len(), "{svg}");
        for date in &dates {
            assert_eq!(
                svg.matches(&format!(">{date}</tspan>")).count(),
                1,
                "{date}"
            );
        }
        for &t in &labelled {
            let clock = &time(t)[11..];
            assert!(svg.contains(&format!("class=\"tick\">{clock}")), "{clock}");
        }
    }

    #[test]
    fn daily_axis_labels_are_dates() {
        let s = series(24 * HOUR, 30);
        let svg = upload_over_time(&s);
        assert!(!svg.contains("<tspan"));
        for &t in s.starts.iter().step_by(3) {
            assert!(svg.contains(&format!("class=\"tick\">{}</text>", &time(t)[..10])));
        }
    }

    #[test]
    fn long_destination_labels_are_cut_to_fit() {
        assert_eq!(
            destination_label("github.com", "thinkpad-x1"),
            "github.com (thinkpad-x1)"
        );
        let long = destination_label(
            "ipv4-c001-ams001-ix.1.oca.nflxvideo.net",
            "Living room \"Frame\" TV",
        );
        assert_eq!(long.chars().count(), LABEL_CHARS);
        assert!(long.starts_with('\u{2026}'), "{long}");
        assert!(
            long.ends_with(".nflxvideo.net (Living room \"Frame\"\u{2026})"),
            "{long}"
        );
    }

    #[test]
    fn axes_are_round() {
        assert_eq!(axis(0), (1, 1));
        assert_eq!(axis(7), (8, 2));
        assert_eq!(axis(4_200_760), (5_000_000, 1_000_000));
        assert_eq!(axis(26), (30, 5));
    }
}
