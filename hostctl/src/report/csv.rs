//! The report as CSV: one row per device and destination (RFC 4180 quoting).

use super::fmt::time_iso;
use super::model::Report;

/// The column names.
pub const HEADER: &str = "device_mac,device_name,vendor,randomised,destination,ip,country,asn,org,bytes_up,bytes_down,flows,verdict,rules,from,to";

/// Renders the report as CSV.
pub fn render(r: &Report) -> String {
    let mut out = String::from(HEADER);
    out.push_str("\r\n");
    for d in &r.devices {
        for dest in &d.destinations {
            let fields = [
                d.mac.clone(),
                d.hostname.clone().unwrap_or_default(),
                d.vendor.clone().unwrap_or_default(),
                d.randomised.to_string(),
                dest.name.clone(),
                dest.ip.to_string(),
                dest.country.clone().unwrap_or_default(),
                dest.asn.map(|a| a.to_string()).unwrap_or_default(),
                dest.org.clone().unwrap_or_default(),
                dest.bytes_up.to_string(),
                dest.bytes_down.to_string(),
                dest.flows.to_string(),
                dest.verdict.to_string(),
                dest.rules.join(" "),
                time_iso(r.from_ms),
                time_iso(r.to_ms),
            ];
            let line: Vec<String> = fields.iter().map(|f| quote(f)).collect();
            out.push_str(&line.join(","));
            out.push_str("\r\n");
        }
    }
    out
}

/// Quotes a field when it holds a comma, a quote or a line break.
fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quoting() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("Example, Inc."), "\"Example, Inc.\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
