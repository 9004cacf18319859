//! `telltaled replay` as a user runs it, on the sample recorded for the repository
//! (`samples/phone-sample.pcapng`, with the HTTPS server's own log beside it): the JSON lines
//! follow DESIGN.md's contract, the names and the device are all there, the upload is accounted,
//! and bad input gets one clear line and exit status 2.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn sample() -> PathBuf {
    repo().join("samples/phone-sample.pcapng")
}

fn telltaled(args: &[&str], files: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_telltaled"))
        .env("TELLTALE_DATA", repo().join("data"))
        .args(args)
        .args(files)
        .output()
        .expect("run telltaled")
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .expect("utf-8 output")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// The server's log of what it received: one JSON object per request.
fn server_log() -> Vec<Value> {
    let text = std::fs::read_to_string(repo().join("samples/phone-sample.server-log.jsonl"))
        .expect("server log beside the sample");
    text.lines()
        .map(|l| serde_json::from_str(l).expect("log line"))
        .collect()
}

fn strs(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn events_name_every_destination_and_the_device() {
    let out = telltaled(&["replay", "--emit", "events"], &[&sample()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let events = json_lines(&out);
    for e in &events {
        for field in ["kind", "frame", "ts", "file"] {
            assert!(!e[field].is_null(), "{field} missing in {e}");
        }
        assert!(e["frame"].as_u64().unwrap() >= 1);
        assert!(e["ts"].as_f64().unwrap() > 1.7e9);
    }
    let of = |kind: &'static str| events.iter().filter(move |e| e["kind"] == kind);

    // Every TLS server name the HTTPS server saw, named from the ClientHello.
    let served: BTreeSet<String> = server_log()
        .iter()
        .filter_map(|r| r["sni"].as_str().map(str::to_string))
        .collect();
    assert_eq!(served.len(), 6);
    let sni: BTreeSet<String> = of("sni")
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(sni, served);
    assert!(of("sni").all(|e| e["transport"] == "tls" && e["dport"] == 443));

    let hosts: BTreeSet<String> = of("http")
        .map(|e| e["host"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        hosts,
        BTreeSet::from(["connectivitycheck.gstatic.com".to_string()])
    );

    // The phone's DHCP identity.
    let dhcp = of("dhcp")
        .find(|e| e["hostname"] == "Redmi-Note-12")
        .expect("DHCP hostname");
    assert_eq!(dhcp["mac"], "64:09:80:4c:2e:71");
    assert_eq!(dhcp["vendor_class"], "android-dhcp-13");

    // DNS answers through a CNAME chain, and mDNS announcements.
    let wiki = of("dns")
        .find(|e| e["query"] == "www.wikipedia.org" && !strs(&e["aaaa"]).is_empty())
        .expect("AAAA answer for www.wikipedia.org");
    assert_eq!(
        strs(&wiki["cname"]),
        BTreeSet::from(["dyna.wikimedia.org".to_string()])
    );
    assert_eq!(
        strs(&wiki["aaaa"]),
        BTreeSet::from(["2001:db8:100::20".to_string()])
    );
    assert_eq!(wiki["mdns"], false);
    let mdns = of("mdns").next().expect("mDNS announcement");
    assert!(strs(&mdns["names"]).contains("Redmi-Note-12.local"));
}

#[test]
fn flows_account_the_upload_the_server_received() {
    let out = telltaled(&["replay", "--emit", "flows"], &[&sample()]);
    assert!(out.status.success());
    let flows = json_lines(&out);
    assert!(flows.iter().all(|f| f["kind"] == "flow"));
    for req in server_log() {
        let client = req["client"].as_str().unwrap();
        let (ip, port) = client.rsplit_once(':').unwrap();
        let ip = ip.trim_matches(|c| c == '[' || c == ']');
        let port: u64 = port.parse().unwrap();
        let flow = flows
            .iter()
            .find(|f| f["a"] == ip && f["aport"] == port)
            .unwrap_or_else(|| panic!("no flow from {client}"));
        // What the phone sent on the wire is the request plus TCP/IP/Ethernet framing (and TLS
        // records): never less than what the server read, and at most a few percent more.
        let sent = req["request_header_bytes"].as_u64().unwrap()
            + req["request_body_bytes"].as_u64().unwrap();
        let up = flow["bytes_ab"].as_u64().unwrap();
        assert!(
            up >= sent,
            "{client}: {up} bytes up < {sent} received by the server"
        );
        // The TCP payload the phone sent is the request plus TLS framing: within 1% of what
        // the server read for a large upload.
        let payload = flow["payload_ab"].as_u64().unwrap();
        assert!(
            payload >= sent && payload <= up,
            "{client}: payload {payload}, sent {sent}"
        );
        if sent > 1_000_000 {
            let tls = payload as f64 / sent as f64;
            assert!(
                tls < 1.01,
                "{client}: payload {payload} for {sent} received ({tls:.4})"
            );
            let overhead = up as f64 / sent as f64;
            assert!(
                overhead < 1.06,
                "{client}: {up} up for {sent} received ({overhead:.3})"
            );
            assert_eq!(
                flow["name"], req["sni"],
                "the upload flow is named by its SNI"
            );
        }
    }
}

#[test]
fn report_lists_the_phone_and_its_names() {
    let out = telltaled(&["replay"], &[&sample()]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "64:09:80:4c:2e:71",
        "hostname      Redmi-Note-12",
        "data.mistat.xiaomi.com",
        "192.168.50.118",
        "skipped:",
    ] {
        assert!(text.contains(needle), "report lacks {needle:?}:\n{text}");
    }
    let json = telltaled(&["replay", "--json"], &[&sample()]);
    let v: Value = serde_json::from_slice(&json.stdout).expect("--json report");
    assert_eq!(v[0]["frames"], 3960);
    assert!(v[0]["devices"]["64:09:80:4c:2e:71"]["hostnames"]
        .as_array()
        .unwrap()
        .contains(&Value::from("Redmi-Note-12")));
}

#[test]
fn bad_input_gets_one_clear_line_and_status_2() {
    let dir = std::env::temp_dir().join(format!("telltale-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    // Not a capture at all.
    let text = dir.join("notes.txt");
    std::fs::write(&text, b"this is not a capture file\n").unwrap();
    let out = telltaled(&["replay", "--emit", "events"], &[&text]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("notes.txt"), "{err}");

    // A link type we do not dissect (802.11), named in the message.
    let wifi = dir.join("wifi.pcap");
    let mut header = Vec::new();
    header.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes()); // magic, microseconds
    header.extend_from_slice(&2u16.to_le_bytes()); // version 2.4
    header.extend_from_slice(&4u16.to_le_bytes());
    header.extend_from_slice(&[0; 8]); // thiszone, sigfigs
    header.extend_from_slice(&65535u32.to_le_bytes()); // snaplen
    header.extend_from_slice(&105u32.to_le_bytes()); // LINKTYPE_IEEE802_11
    std::fs::write(&wifi, &header).unwrap();
    let out = telltaled(&["replay"], &[&wifi]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("wifi.pcap") && err.contains("105"), "{err}");

    // A capture cut in the middle: what comes before the cut is still reported.
    let bytes = std::fs::read(sample()).unwrap();
    let cut = dir.join("cut.pcapng");
    std::fs::write(&cut, &bytes[..bytes.len() / 2 + 7]).unwrap();
    let out = telltaled(&["replay", "--emit", "events"], &[&cut]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr.clone()).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("cut.pcapng") && err.contains("truncated"),
        "{err}"
    );
    let events = json_lines(&out);
    assert!(
        events.iter().any(|e| e["kind"] == "sni"),
        "events before the cut are kept"
    );

    // Several files: a bad one does not stop the good ones.
    let out = telltaled(&["replay", "--emit", "events"], &[&text, &sample()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(json_lines(&out).iter().any(|e| e["kind"] == "dhcp"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn shipped_rules_watch_the_telemetry_upload_and_check_explains_bad_rules() {
    let rules = repo().join("rules/default.toml");
    let rules = rules.to_str().unwrap();
    let out = telltaled(
        &["replay", "--rules", rules, "--emit", "alerts"],
        &[&sample()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let alerts = json_lines(&out);
    let watched = alerts
        .iter()
        .find(|a| a["rule"] == "watched_upload")
        .expect("watched_upload alert");
    assert_eq!(watched["severity"], "red");
    assert_eq!(watched["device"], "64:09:80:4c:2e:71");
    assert_eq!(watched["hostname"], "Redmi-Note-12");
    assert_eq!(watched["destination"], "data.mistat.xiaomi.com");
    assert!(watched["bytes_up"].as_u64().unwrap() >= 500_000);
    let reasons: Vec<&str> = watched["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(reasons
        .iter()
        .any(|r| r.starts_with("on watchlist xiaomi_telemetry (telemetry)")));
    // Nothing else of the phone's browsing is watched or abnormal.
    assert!(
        alerts
            .iter()
            .all(|a| a["destination"] == "data.mistat.xiaomi.com"),
        "{alerts:?}"
    );

    let check = telltaled(&["check", "--rules", rules], &[]);
    assert!(check.status.success());
    assert!(String::from_utf8_lossy(&check.stdout).contains("xiaomi_telemetry"));

    let dir = std::env::temp_dir().join(format!("telltale-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "hold_back = \"4h\"\n[thresholds.abnormal_upload]\nbytes = \"5 MB\"\n",
    )
    .unwrap();
    let check = telltaled(&["check", "--rules", bad.to_str().unwrap()], &[]);
    assert!(!check.status.success());
    let err = String::from_utf8(check.stderr).unwrap();
    assert!(
        err.trim_end().ends_with(
            "bad.toml:3: thresholds.abnormal_upload.bytes: \"5 MB\" is not a size (use e.g. 5MB or 5000000)"
        ),
        "{err}"
    );
    // A rejected rules file stops a replay before it starts.
    let out = telltaled(&["replay", "--rules", bad.to_str().unwrap()], &[&sample()]);
    assert!(!out.status.success() && out.stdout.is_empty());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn simulated_leds_go_from_watching_to_latched_alert() {
    let rules = repo().join("rules/default.toml");
    let out = telltaled(
        &[
            "replay",
            "--rules",
            rules.to_str().unwrap(),
            "--leds",
            "sim",
            "--emit",
            "alerts",
        ],
        &[&sample()],
    );
    assert!(out.status.success());
    let lines = json_lines(&out);
    let states: Vec<&str> = lines
        .iter()
        .filter(|l| l["kind"] == "led")
        .map(|l| l["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        vec![
            "watching",
            "notice",
            "suspicious upload now",
            "alert latched"
        ]
    );
    // The red upload state starts at the frame of the first red alert.
    let first_red = lines
        .iter()
        .find(|l| l["kind"] == "alert" && l["severity"] == "red")
        .unwrap();
    let upload = lines
        .iter()
        .find(|l| l["state"] == "suspicious upload now")
        .unwrap();
    assert_eq!(upload["frame"], first_red["frame"]);
}
