//! The report as a table in the terminal.

use std::fmt::Write;

use super::fmt::{bytes, count, cut, time};
use super::model::{Report, TOP_DESTINATIONS};

/// Renders the report for a terminal.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} to {}: {}, {}, {}",
        time(r.from_ms),
        time(r.to_ms),
        count(r.devices.len() as u64, "device", "devices"),
        count(r.summaries, "summary", "summaries"),
        count(r.alerts.len() as u64, "alert", "alerts")
    );
    if r.devices.is_empty() {
        out.push_str(
            "\nNothing stored for this range: run `telltale pull` with the box plugged in.\n",
        );
        return out;
    }
    for d in &r.devices {
        let _ = writeln!(out);
        // A device known by nothing but its MAC is shown by it once.
        let label = d.label();
        let name = if label == d.mac {
            String::new()
        } else {
            format!("{label}  ")
        };
        let _ = writeln!(
            out,
            "{name}{}{}  {}  up {}  down {}{}",
            d.mac,
            if d.randomised { " (randomised)" } else { "" },
            d.vendor.as_deref().unwrap_or("unknown vendor"),
            bytes(d.bytes_up),
            bytes(d.bytes_down),
            if d.alerts > 0 {
                format!("  {}", count(d.alerts, "alert", "alerts"))
            } else {
                String::new()
            }
        );
        let _ = writeln!(
            out,
            "  {:<40} {:<3} {:<28} {:>9} {:>9} {:>6}  verdict",
            "destination", "cc", "network", "up", "down", "flows"
        );
        for dest in d.destinations.iter().take(TOP_DESTINATIONS) {
            let network = match (dest.asn, &dest.org) {
                (Some(a), Some(o)) => format!("AS{a} {o}"),
                (Some(a), None) => format!("AS{a}"),
                _ => String::new(),
            };
            let verdict = if dest.rules.is_empty() {
                dest.verdict.to_string()
            } else {
                format!("{} ({})", dest.verdict, dest.rules.join(", "))
            };
            let _ = writeln!(
                out,
                "  {:<40} {:<3} {:<28} {:>9} {:>9} {:>6}  {}",
                cut(&dest.name, 40),
                dest.country.as_deref().unwrap_or("-"),
                cut(&network, 28),
                bytes(dest.bytes_up),
                bytes(dest.bytes_down),
                dest.flows,
                verdict
            );
        }
        if d.destinations.len() > TOP_DESTINATIONS {
            let _ = writeln!(
                out,
                "  ... and {} more destinations",
                d.destinations.len() - TOP_DESTINATIONS
            );
        }
    }
    if !r.alerts.is_empty() {
        let _ = writeln!(out, "\nAlerts");
        for a in &r.alerts {
            let _ = writeln!(
                out,
                "  {}  {:<10} {} -> {}{}  {} up: {}",
                time(a.ts),
                a.severity,
                a.device,
                a.destination,
                a.country
                    .as_deref()
                    .map(|c| format!(" ({c})"))
                    .unwrap_or_default(),
                bytes(a.bytes_up),
                a.reasons.join("; ")
            );
        }
    }
    out
}
