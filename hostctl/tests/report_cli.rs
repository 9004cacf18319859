//! The `telltale` binary on a household's day in a local database: `report` as a table, JSON and
//! CSV checked against the records that went in, the one-line errors of bad time arguments and
//! of a missing port, and the bash completion script.

mod binary;
mod household;

use binary::{one_line_failure, scratch, stderr, stdout, telltale, telltale_db};
use chrono::DateTime;
use household::{Device, DEVICES, SINCE, UNTIL};
use serde_json::Value;
use telltale_hostctl::report::fmt::bytes;
use telltale_proto::AlertRecord;

/// `2026-11-23 14:31`, in UTC as the binary prints it under `TZ=UTC`.
fn utc(ms: u64) -> String {
    DateTime::from_timestamp_millis(ms as i64)
        .expect("a time in range")
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Runs `report` over the household's day in `format`; returns standard output.
fn report(test: &str, format: &str) -> (String, Vec<telltale_proto::SummaryRecord>) {
    let db = scratch(test).join("telltale.db");
    let day = household::write_database(&db);
    let out = telltale_db(
        &db,
        &[
            "report", "--since", SINCE, "--until", UNTIL, "--format", format,
        ],
    );
    assert!(out.status.success(), "report failed: {}", stderr(&out));
    (stdout(&out), day)
}

/// Runs of spaces made one, to compare a table's content without its padding.
fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn alerts_of(device: &Device) -> usize {
    household::day_alerts()
        .iter()
        .filter(|a| a.device.mac == device.mac)
        .count()
}

fn alert_line(a: &AlertRecord) -> String {
    let dest = a
        .destination
        .name
        .clone()
        .unwrap_or_else(|| a.destination.ip.to_string());
    let cc = a
        .destination
        .country
        .map(|c| format!(" ({})", String::from_utf8_lossy(&c)))
        .unwrap_or_default();
    format!(
        "{} {} {} -> {dest}{cc} {} up: {}",
        utc(a.ts),
        a.severity.name(),
        a.device
            .hostname
            .clone()
            .expect("alerting devices have names"),
        bytes(a.bytes_up),
        a.reasons.join("; ")
    )
}

#[test]
fn table_gives_each_device_its_totals_destinations_in_order_and_the_alerts() {
    let (text, day) = report("report-table", "table");
    let blocks: Vec<&str> = text.split("\n\n").collect();
    assert_eq!(
        blocks[0],
        format!(
            "2026-11-23 00:00 to 2026-11-24 00:00: 5 devices, {} summaries, 4 alerts",
            day.len()
        )
    );
    let totals = household::device_totals(&day);
    let devices = household::devices_in_order(&day);
    assert_eq!(
        blocks.len(),
        1 + devices.len() + 1,
        "header, devices, alerts"
    );
    for (block, d) in blocks[1..].iter().zip(&devices) {
        let lines: Vec<&str> = block.lines().collect();
        let (up, down) = totals[&d.mac];
        let alerts = match alerts_of(d) {
            0 => String::new(),
            1 => "  1 alert".to_string(),
            n => format!("  {n} alerts"),
        };
        // A device known only by its MAC shows it once.
        let name = if d.label() == d.mac_text() {
            String::new()
        } else {
            format!("{}  ", d.label())
        };
        assert_eq!(
            lines[0],
            format!(
                "{name}{}{}  {}  up {}  down {}{alerts}",
                d.mac_text(),
                if d.mac[0] & 2 != 0 {
                    " (randomised)"
                } else {
                    ""
                },
                d.vendor.unwrap_or("unknown vendor"),
                bytes(up),
                bytes(down)
            )
        );
        assert_eq!(
            squeeze(lines[1]),
            "destination cc network up down flows verdict"
        );
        let dests = household::destinations_in_order(&day, d);
        let shown = dests.len().min(10);
        for ((name, t), line) in dests.iter().zip(&lines[2..2 + shown]) {
            assert!(
                line.starts_with(&format!("  {name} ")),
                "{line:?} for {name}"
            );
            let verdict = match t.verdict.expect("a verdict").name() {
                v if t.rules.is_empty() => v.to_string(),
                v => format!("{v} ({})", t.rules.join(", ")),
            };
            assert!(
                squeeze(line).ends_with(&format!(
                    "{} {} {} {verdict}",
                    bytes(t.up),
                    bytes(t.down),
                    t.flows
                )),
                "{line:?} for {name}"
            );
        }
        if dests.len() > 10 {
            assert_eq!(
                lines[2 + shown],
                format!("  ... and {} more destinations", dests.len() - 10)
            );
        }
        assert_eq!(lines.len(), 2 + shown + usize::from(dests.len() > 10));
    }
    // Only the phone has more than ten destinations; make sure the cut was exercised.
    assert!(text.contains("  ... and 3 more destinations\n"));

    let alerts: Vec<&str> = blocks.last().unwrap().lines().collect();
    assert_eq!(alerts[0], "Alerts");
    let expected: Vec<String> = household::day_alerts().iter().map(alert_line).collect();
    let got: Vec<String> = alerts[1..].iter().map(|l| squeeze(l)).collect();
    assert_eq!(got, expected);
    assert!(
        !text.contains("guest-laptop"),
        "a device seen only after the range"
    );
}

#[test]
fn json_parses_and_matches_the_records() {
    let (text, day) = report("report-json", "json");
    let v: Value = serde_json::from_str(&text).expect("the JSON report parses");
    assert_eq!(v["from_ms"], household::day_start());
    assert_eq!(v["to_ms"], household::day_end());
    assert_eq!(v["summaries"], day.len() as u64);

    let totals = household::device_totals(&day);
    let devices = v["devices"].as_array().expect("devices");
    let order = household::devices_in_order(&day);
    assert_eq!(devices.len(), order.len());
    for (j, d) in devices.iter().zip(&order) {
        assert_eq!(j["mac"], d.mac_text());
        assert_eq!(j["randomised"], d.mac[0] & 2 != 0);
        assert_eq!(j["hostname"].as_str(), d.hostname);
        assert_eq!(j["vendor"].as_str(), d.vendor);
        assert_eq!(j["ips"], serde_json::json!([std::net::IpAddr::from(d.ip)]));
        assert_eq!(j["bytes_up"], totals[&d.mac].0);
        assert_eq!(j["bytes_down"], totals[&d.mac].1);
        assert_eq!(j["alerts"], alerts_of(d));
        let dests = household::destinations_in_order(&day, d);
        let got = j["destinations"].as_array().expect("destinations");
        assert_eq!(
            got.len(),
            dests.len(),
            "every destination, not only the top"
        );
        for (g, (name, t)) in got.iter().zip(&dests) {
            assert_eq!(g["name"], name.as_str());
            assert_eq!(g["bytes_up"], t.up, "{name}");
            assert_eq!(g["bytes_down"], t.down, "{name}");
            assert_eq!(g["flows"], t.flows, "{name}");
            assert_eq!(g["verdict"], t.verdict.unwrap().name(), "{name}");
            assert_eq!(g["rules"], serde_json::json!(t.rules), "{name}");
        }
    }
    // The unnamed destination is shown by its address, with its network.
    let unnamed = &devices[..]
        .iter()
        .flat_map(|d| d["destinations"].as_array().unwrap())
        .find(|t| t["name"] == "203.0.113.77")
        .expect("the unnamed destination");
    assert_eq!(unnamed["asn"], 37963);
    assert_eq!(unnamed["country"], "CN");

    let alerts = v["alerts"].as_array().expect("alerts");
    let expected = household::day_alerts();
    assert_eq!(alerts.len(), expected.len());
    for (j, a) in alerts.iter().zip(&expected) {
        assert_eq!(j["ts"], a.ts);
        assert_eq!(j["rule"], a.rule.as_str());
        assert_eq!(j["severity"], a.severity.name());
        assert_eq!(j["reasons"], serde_json::json!(a.reasons));
        assert_eq!(j["bytes_up"], a.bytes_up);
    }

    // The chart's series: 24 hourly buckets whose sums are the devices' uploads.
    let series = &v["series"];
    assert_eq!(series["bucket_ms"], household::HOUR);
    let starts = series["starts"].as_array().unwrap();
    assert_eq!(starts.len(), 24);
    assert_eq!(starts[0], household::day_start());
    for (pair, d) in series["per_device"].as_array().unwrap().iter().zip(&order) {
        assert_eq!(pair[0], d.label());
        let hours: Vec<u64> = pair[1]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_u64().unwrap())
            .collect();
        for (h, got) in hours.iter().enumerate() {
            let want: u64 = day
                .iter()
                .filter(|r| r.device.mac == d.mac)
                .filter(|r| (r.window_start - household::day_start()) / household::HOUR == h as u64)
                .map(|r| r.bytes_up)
                .sum();
            assert_eq!(*got, want, "{} hour {h}", d.label());
        }
    }
}

/// Reads RFC 4180 CSV strictly: CRLF after every record, quotes only around whole fields, a
/// quote inside a quoted field doubled, and no comma, quote or line break in an unquoted one.
fn read_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => {
                quoted = false;
                assert!(
                    matches!(chars.peek(), Some(',' | '\r')),
                    "a closing quote ends its field"
                );
            }
            (true, c) => field.push(c),
            (false, '"') => {
                assert!(field.is_empty(), "a quote inside an unquoted field");
                quoted = true;
            }
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (false, '\r') => {
                assert_eq!(chars.next(), Some('\n'), "CR LF ends a record");
                fields.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut fields));
            }
            (false, '\n') => panic!("a bare LF ends a record"),
            (false, c) => field.push(c),
        }
    }
    assert!(!quoted, "an unterminated quoted field");
    assert!(
        field.is_empty() && fields.is_empty(),
        "the last record ends with CR LF"
    );
    records
}

#[test]
fn csv_has_one_quoted_row_per_device_and_destination() {
    let (text, day) = report("report-csv", "csv");
    let rows = read_csv(&text);
    assert_eq!(
        rows[0].join(","),
        "device_mac,device_name,vendor,randomised,destination,ip,country,asn,org,bytes_up,bytes_down,flows,verdict,rules,from,to"
    );
    let pairs = household::pair_totals(&day);
    assert_eq!(
        rows.len() - 1,
        pairs.len(),
        "one row per device and destination"
    );
    let mut expected = Vec::new();
    for d in household::devices_in_order(&day) {
        for (name, t) in household::destinations_in_order(&day, &d) {
            let dest = household::HABITS
                .iter()
                .map(|h| h.dest)
                .find(|x| x.shown() == name)
                .expect("a household destination");
            expected.push(vec![
                d.mac_text(),
                d.hostname.unwrap_or("").to_string(),
                d.vendor.unwrap_or("").to_string(),
                (d.mac[0] & 2 != 0).to_string(),
                name.clone(),
                dest.ip.to_string(),
                String::from_utf8_lossy(dest.country).into_owned(),
                dest.asn.to_string(),
                dest.org.to_string(),
                t.up.to_string(),
                t.down.to_string(),
                t.flows.to_string(),
                t.verdict.unwrap().name().to_string(),
                t.rules.join(" "),
                "2026-11-23T00:00:00+00:00".to_string(),
                "2026-11-24T00:00:00+00:00".to_string(),
            ]);
        }
    }
    assert_eq!(rows[1..], expected[..]);
    // Fields with commas and quotes arrive quoted as RFC 4180 says.
    assert!(text.contains(",\"Living room \"\"Frame\"\" TV\",\"Samsung Electronics Co.,Ltd\","));
    assert!(text.contains(",\"Alibaba (US) Technology Co., Ltd.\","));
    // Each record is one line: the TV's name did not break a row.
    assert_eq!(text.matches("\r\n").count(), rows.len());
    assert!(DEVICES.iter().all(|d| text.contains(&d.mac_text())));
}

#[test]
fn a_report_written_to_a_file_says_where() {
    let dir = scratch("report-output");
    let db = dir.join("telltale.db");
    household::write_database(&db);
    let file = dir.join("day.csv");
    let out = telltale_db(
        &db,
        &[
            "report",
            "--since",
            SINCE,
            "--until",
            UNTIL,
            "--format",
            "csv",
            "-o",
            file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert_eq!(stderr(&out), format!("wrote {}\n", file.display()));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("device_mac,"));
}

#[test]
fn an_empty_range_says_how_to_fill_it() {
    let db = scratch("report-empty").join("telltale.db");
    household::write_database(&db);
    let out = telltale_db(
        &db,
        &["report", "--since", "2026-11-20", "--until", "2026-11-21"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "2026-11-20 00:00 to 2026-11-21 00:00: 0 devices, 0 summaries, 0 alerts\n\n\
         Nothing stored for this range: run `telltale pull` with the box plugged in.\n"
    );
}

#[test]
fn a_bad_time_is_one_line_and_status_one() {
    let db = scratch("report-bad-time").join("telltale.db");
    for (flag, value) in [("--since", "yesterday"), ("--until", "2026-13-01")] {
        let out = telltale_db(&db, &["report", flag, value]);
        assert_eq!(
            one_line_failure(&out),
            format!(
                "telltale: {flag} \"{value}\": not a time; use 24h, 7d, 30m, 2026-11-20, \
                 2026-11-20T18:00, now or all"
            )
        );
    }
}

#[test]
fn until_must_come_after_since() {
    let db = scratch("report-backwards").join("telltale.db");
    for (since, until) in [(UNTIL, SINCE), (SINCE, SINCE), ("2h", "3h")] {
        let out = telltale_db(&db, &["report", "--since", since, "--until", until]);
        assert_eq!(
            one_line_failure(&out),
            format!("telltale: --until \"{until}\" is not after --since \"{since}\"")
        );
    }
}

#[test]
fn a_missing_port_is_one_clear_line() {
    let out = telltale(&["--port", "/nonexistent", "status"]);
    let line = one_line_failure(&out);
    assert!(line.contains("/nonexistent"), "{line}");
    assert!(line.contains("No such file or directory"), "{line}");
}

/// What bash offers after `words` (the last one being completed), with the script loaded.
fn bash_offers(script: &str, words: &[&str]) -> Vec<String> {
    let dir = scratch(&format!("completions-{}", words.len()));
    let file = dir.join("telltale.bash");
    std::fs::write(&file, script).unwrap();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let prev = words[words.len().saturating_sub(2)];
    let program = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; _telltale telltale '{}' '{prev}'; \
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        file.display(),
        quoted.join(" "),
        words.len() - 1,
        words[words.len() - 1],
    );
    let out = std::process::Command::new("bash")
        .args(["--norc", "-c", &program])
        .output()
        .expect("run bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(&out).lines().map(str::to_string).collect()
}

#[test]
fn bash_completion_offers_every_subcommand() {
    use clap::CommandFactory;
    let out = telltale(&["completions", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let script = stdout(&out);
    let cli = telltale_hostctl::cli::Cli::command();
    let top: Vec<&str> = cli.get_subcommands().map(|c| c.get_name()).collect();
    assert!(top.len() >= 8, "{top:?}");
    let offered = bash_offers(&script, &["telltale", ""]);
    for name in &top {
        assert!(
            offered.iter().any(|o| o == name),
            "{name} not offered: {offered:?}"
        );
    }
    for parent in cli.get_subcommands().filter(|c| c.has_subcommands()) {
        let offered = bash_offers(&script, &["telltale", parent.get_name(), ""]);
        for sub in parent.get_subcommands() {
            assert!(
                offered.iter().any(|o| o == sub.get_name()),
                "{} {} not offered: {offered:?}",
                parent.get_name(),
                sub.get_name()
            );
        }
    }
}
