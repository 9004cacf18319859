//! `telltaled run` as the box runs it, without root and without network ports: the real binary
//! on a config with capture backend `file` (the recorded phone session), the repository's rules
//! and data tables, the `sim` LEDs writing their timeline to the output file. What the tests
//! read is what an outside observer can: the JSON lines, standard error, the exit status, and
//! systemd's notify socket.

mod daemon_support;

use std::collections::BTreeSet;
use std::os::unix::net::UnixDatagram;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use daemon_support::{
    config, led_states, lines, of_kind, repo, sample, wait_for, watched_upload_from, Daemon,
    Scratch,
};

const PHONE: &str = "64:09:80:4c:2e:71";

/// A rules file watching the Xiaomi telemetry pack as list `list`, repeats held back 1 s.
fn rules_watching(list: &str) -> String {
    format!(
        "hold_back = \"1s\"\n\n[[import]]\npath = \"{}\"\nformat = \"domains\"\nlist = \"{list}\"\ncategory = \"telemetry\"\nsource = \"test\"\n",
        repo().join("rules/packs/xiaomi-telemetry.txt").display()
    )
}

/// The flows of the upload: the phone's TLS connection to data.mistat.xiaomi.com.
fn upload_flows(lines: &[Value]) -> Vec<&Value> {
    of_kind(lines, "flow")
        .into_iter()
        .filter(|f| f["name"] == "data.mistat.xiaomi.com" && f["device"] == PHONE)
        .collect()
}

#[test]
fn a_capture_runs_to_its_end_with_names_alerts_flows_and_leds() {
    let scratch = Scratch::new("end");
    let out = scratch.path("events.jsonl");
    let config = config(&scratch, "", &repo().join("rules/default.toml"), &out);
    let mut daemon = Daemon::start(&config, &[]);
    let status = daemon.wait_exit(Duration::from_secs(60));
    assert!(status.success(), "{status}: {:#?}", daemon.stderr());
    let stderr = daemon.stderr();
    assert!(
        stderr
            .iter()
            .any(|l| l == &format!("telltaled: capturing from {}", sample().display())),
        "{stderr:#?}"
    );
    assert!(
        stderr
            .iter()
            .any(|l| l == "telltaled: end of the capture: 3960 frames, 3 alerts; flows flushed"),
        "{stderr:#?}"
    );

    let lines = lines(&out);
    for l in &lines {
        assert!(l["kind"].is_string(), "{l}");
    }
    // The phone, by its DHCP name.
    assert!(of_kind(&lines, "dhcp")
        .iter()
        .any(|d| d["mac"] == PHONE && d["hostname"] == "Redmi-Note-12"));
    // Every destination it named.
    let names: BTreeSet<&str> = of_kind(&lines, "sni")
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .chain(
            of_kind(&lines, "http")
                .iter()
                .map(|h| h["host"].as_str().unwrap()),
        )
        .collect();
    let expected: BTreeSet<&str> = [
        "connectivitycheck.gstatic.com",
        "www.wikipedia.org",
        "www.example-news.test",
        "static.example-news.test",
        "tracking.miui.com",
        "api.ad.xiaomi.com",
        "data.mistat.xiaomi.com",
    ]
    .into();
    assert_eq!(names, expected);
    // The watched upload, red, from the phone, with its watchlist.
    let alerts = of_kind(&lines, "alert");
    assert_eq!(alerts.len(), 3, "{alerts:#?}");
    let watched: Vec<_> = alerts
        .iter()
        .filter(|a| watched_upload_from(a, "xiaomi_telemetry"))
        .collect();
    assert_eq!(watched.len(), 1, "{alerts:#?}");
    assert_eq!(watched[0]["severity"], "red");
    assert_eq!(watched[0]["device"], PHONE);
    assert_eq!(watched[0]["hostname"], "Redmi-Note-12");
    // The upload's flow, flushed at the end, with the 4 MiB body on its way up.
    let flows = upload_flows(&lines);
    assert_eq!(flows.len(), 1, "{flows:#?}");
    let up = flows[0]["payload_ab"].as_u64().unwrap();
    assert!(up > 4_194_304 && up < 4_300_000, "{up}");
    // The LEDs: watching, the first contact's notice, the upload, then the latch at the end.
    assert_eq!(
        led_states(&lines),
        [
            "starting",
            "watching",
            "notice",
            "suspicious upload now",
            "alert latched"
        ]
    );
    let red: Vec<bool> = of_kind(&lines, "led_switch")
        .iter()
        .filter(|s| s["led"] == "red")
        .map(|s| s["on"].as_bool().unwrap())
        .collect();
    assert_eq!(red.first(), Some(&false), "dark at start: {red:?}");
    assert!(red.contains(&true), "lit for the upload: {red:?}");
    assert_eq!(
        red.last(),
        Some(&false),
        "dark once the daemon ends: {red:?}"
    );
}

#[test]
fn sighup_reloads_good_rules_keeps_old_ones_on_a_bad_file_and_sigterm_flushes() {
    let scratch = Scratch::new("reload");
    let out = scratch.path("events.jsonl");
    let rules = scratch.write("rules.toml", &rules_watching("xiaomi_telemetry"));
    // Paced and looped: the upload comes back every 7.5 s, and the daemon stays up.
    let config = config(&scratch, "pace = true\nat_end = \"loop\"", &rules, &out);
    let mut daemon = Daemon::start(&config, &[]);
    let alerts_after = |from: usize, list: &str| {
        wait_for(list, Duration::from_secs(40), || {
            let lines = lines(&out);
            lines
                .get(from..)
                .unwrap_or_default()
                .iter()
                .any(|l| l["kind"] == "alert" && watched_upload_from(l, list))
                .then_some(lines.len())
        })
    };
    alerts_after(0, "xiaomi_telemetry").expect("the first pass's watched upload");
    let flows_before = of_kind(&lines(&out), "flow").len();

    // A rules file with a syntax error on line 3 is rejected whole, with its place.
    scratch.write(
        "rules.toml",
        "hold_back = \"1s\"\n[[import]]\npath = packs/none.txt\n",
    );
    daemon.signal("HUP");
    let rejected = daemon.wait_stderr("the rejection", |l| l.contains("reload rejected"));
    assert!(
        rejected.starts_with(&format!(
            "telltaled: reload rejected, the previous rules stay: {}:3:8: invalid TOML: ",
            rules.display()
        )),
        "{rejected}"
    );
    // The old rules still fire on the next pass.
    let seen = lines(&out).len();
    alerts_after(seen, "xiaomi_telemetry").expect("the old rules after a rejected reload");

    // A good file is applied: the same upload is now reported under the new list's name.
    scratch.write("rules.toml", &rules_watching("reloaded_watch"));
    daemon.signal("HUP");
    let applied = daemon.wait_stderr("the reload", |l| l.contains("rules reloaded"));
    assert_eq!(
        applied,
        format!(
            "telltaled: rules reloaded from {}: watchlists 1, watched domains 18",
            rules.display()
        )
    );
    let seen = lines(&out).len();
    alerts_after(seen, "reloaded_watch").expect("the new rules after a good reload");

    // SIGTERM: the batch ends, every flow is written, exit 0.
    daemon.signal("TERM");
    let status = daemon.wait_exit(Duration::from_secs(10));
    assert!(status.success(), "{status}: {:#?}", daemon.stderr());
    assert!(
        daemon
            .stderr()
            .iter()
            .any(|l| l.starts_with("telltaled: stopped: ") && l.ends_with("; flows flushed")),
        "{:#?}",
        daemon.stderr()
    );
    let lines = lines(&out);
    let flows_after = of_kind(&lines, "flow").len();
    assert!(
        flows_after > flows_before,
        "{flows_before} -> {flows_after}"
    );
    // Each pass of the loop is a new connection for the upload; a closed connection is reported
    // 5 s after its FINs, the last one at the latest by the flush.
    // The stop may cut a pass's upload short: at least one whole upload was reported.
    let uploads = upload_flows(&lines);
    assert!(
        uploads
            .iter()
            .any(|f| f["payload_ab"].as_u64().unwrap() > 4_000_000),
        "{uploads:#?}"
    );
}

#[test]
fn systemd_hears_ready_the_watchdog_and_stopping() {
    let scratch = Scratch::new("notify");
    let out = scratch.path("events.jsonl");
    let socket_path = scratch.path("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    // Everything systemd would hear, collected as it comes.
    let heard = Arc::new(Mutex::new(Vec::<String>::new()));
    let listening = Arc::new(AtomicBool::new(true));
    let listener = {
        let (heard, listening) = (Arc::clone(&heard), Arc::clone(&listening));
        std::thread::spawn(move || {
            let mut buf = [0u8; 1024];
            while listening.load(Ordering::SeqCst) {
                if let Ok(n) = socket.recv(&mut buf) {
                    let text = String::from_utf8(buf[..n].to_vec()).unwrap();
                    heard.lock().unwrap().push(text);
                }
            }
        })
    };
    let config = config(
        &scratch,
        "at_end = \"hold\"",
        &repo().join("rules/default.toml"),
        &out,
    );
    let mut daemon = Daemon::start(
        &config,
        &[
            ("NOTIFY_SOCKET", socket_path.to_str().unwrap()),
            ("WATCHDOG_USEC", "200000"),
        ],
    );
    let heard_now = || heard.lock().unwrap().clone();
    let pings = |m: &[String]| m.iter().filter(|m| *m == "WATCHDOG=1").count();
    wait_for("three watchdog pings", Duration::from_secs(30), || {
        (pings(&heard_now()) >= 3).then_some(())
    })
    .unwrap_or_else(|| panic!("{:#?}", heard_now()));
    let messages = heard_now();
    let ready = messages
        .iter()
        .position(|m| m.starts_with("READY=1\n"))
        .expect("READY=1");
    assert_eq!(
        messages[ready],
        format!("READY=1\nSTATUS=capturing from {}", sample().display())
    );
    let first_ping = messages.iter().position(|m| m == "WATCHDOG=1").unwrap();
    assert!(first_ping > ready, "{messages:#?}");

    // Held at the end of the file, the upload stops: ten seconds later it is over, and the
    // LEDs latch the alert while the daemon still runs.
    let latched = wait_for("the latch", Duration::from_secs(30), || {
        led_states(&lines(&out))
            .contains(&"alert latched".to_string())
            .then_some(())
    });
    assert!(latched.is_some(), "{:#?}", led_states(&lines(&out)));
    assert_eq!(
        led_states(&lines(&out)),
        [
            "starting",
            "watching",
            "notice",
            "suspicious upload now",
            "alert latched"
        ]
    );
    // Pinged all along, about every 100 ms (half of WATCHDOG_USEC).
    assert!(pings(&heard_now()) >= 50, "{}", pings(&heard_now()));

    daemon.signal("INT");
    let status = daemon.wait_exit(Duration::from_secs(10));
    assert!(status.success(), "{status}: {:#?}", daemon.stderr());
    wait_for("STOPPING=1", Duration::from_secs(5), || {
        heard_now()
            .iter()
            .any(|m| m.starts_with("STOPPING=1\n"))
            .then_some(())
    })
    .unwrap_or_else(|| panic!("{:#?}", heard_now()));
    listening.store(false, Ordering::SeqCst);
    listener.join().unwrap();
}

#[test]
fn a_bad_config_or_rules_file_is_one_line_and_status_2() {
    let scratch = Scratch::new("bad");
    let config = scratch.write("telltale.toml", "[capture]\nbackend = \"afpacket\"\n");
    let mut daemon = Daemon::start(&config, &[]);
    assert_eq!(daemon.wait_exit(Duration::from_secs(10)).code(), Some(2));
    assert_eq!(
        daemon.stderr(),
        [format!(
            "telltaled: {}:2: capture.backend: unknown backend \"afpacket\" (expected one of: tpacket, pnet, file)",
            config.display()
        )]
    );

    let rules = scratch.write("rules.toml", "hold_back = \"4h\"\nlearning_period = 7\n");
    let out = scratch.path("events.jsonl");
    let config = daemon_support::config(&scratch, "", &rules, &out);
    let mut daemon = Daemon::start(&config, &[]);
    assert_eq!(daemon.wait_exit(Duration::from_secs(10)).code(), Some(2));
    let stderr = daemon.stderr();
    assert_eq!(stderr.len(), 1, "{stderr:#?}");
    assert!(
        stderr[0].starts_with(&format!(
            "telltaled: {}:2: learning_period: ",
            rules.display()
        )),
        "{stderr:#?}"
    );

    // `check` says the same, and describes what is valid.
    let check = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_telltaled"))
            .arg("check")
            .args(args)
            .output()
            .unwrap()
    };
    let bad = check(&["--config", config.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains(":2: learning_period: "));
    let good = check(&[
        "--config",
        config.to_str().unwrap(),
        "--rules",
        repo().join("rules/default.toml").to_str().unwrap(),
    ]);
    assert!(good.status.success(), "{good:?}");
    let text = String::from_utf8(good.stdout).unwrap();
    assert!(
        text.starts_with(&format!("{}: ok\n", config.display())),
        "{text}"
    );
    assert!(text.contains("  leds: sim on profile pi4"), "{text}");
    assert!(text.contains("watchlists: "), "{text}");
}

/// A config capturing with the rings on ports `tl0` (lan) and `tw0` (wan), sim LEDs to `out`.
fn live_config(scratch: &Scratch, out: &std::path::Path) -> std::path::PathBuf {
    scratch.write(
        "telltale.toml",
        &format!(
            "[capture]\nlan = \"tl0\"\nwan = \"tw0\"\nbackend = \"tpacket\"\n[rules]\npath = \"{}\"\n[data]\ndir = \"{}\"\n[leds]\nbackend = \"sim\"\n[journal]\npath = \"{}\"\n[link]\nenabled = false\n[output]\nevents = \"{}\"\n",
            repo().join("rules/default.toml").display(),
            repo().join("data").display(),
            scratch.path("journal").display(),
            out.display()
        ),
    )
}

/// Runs the shell `script` in a network namespace of its own (root in a user namespace, so no
/// privilege is needed), asserts that it succeeded, and returns what it wrote to stderr.
fn in_own_netns(script: &str) -> String {
    let run = Command::new("unshare")
        .args(["--user", "--map-root-user", "--net", "bash", "-c", script])
        .output()
        .expect("unshare (util-linux) runs");
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    assert!(run.status.success(), "{stderr}");
    stderr
}

#[test]
fn missing_ports_are_a_fault_until_they_appear_then_watching_without_a_restart() {
    // The daemon starts before its ports exist (a USB adapter not plugged in yet): it says so,
    // lights the fault, and opens the rings when the interfaces appear, in a network namespace
    // of the test's own.
    let scratch = Scratch::new("missing");
    let out = scratch.path("events.jsonl");
    let config = live_config(&scratch, &out);
    let script = format!(
        "set -e\n\
         {bin} run --config {config} & pid=$!\n\
         sleep 2\n\
         ip link add tl0 type veth peer name tl0p\nip link add tw0 type veth peer name tw0p\n\
         ip link set tl0p up\nip link set tw0p up\n\
         {bridge} up tl0 tw0\n\
         sleep 3\n\
         kill -TERM $pid\nwait $pid\n",
        bridge = repo().join("scripts/bridge.sh").display(),
        bin = env!("CARGO_BIN_EXE_telltaled"),
        config = config.display()
    );
    let stderr = in_own_netns(&script);
    for port in ["tl0", "tw0"] {
        assert!(
            stderr.contains(&format!(
                "telltaled: capture: {port}: no such network interface; waiting for it (fault LED until it appears)\n"
            )),
            "{stderr}"
        );
    }
    assert!(stderr.contains("telltaled: stopped: "), "{stderr}");
    let lines = lines(&out);
    assert_eq!(led_states(&lines), ["starting", "fault", "watching"]);
}

#[test]
fn live_ports_on_a_bridge_a_port_lost_is_a_fault_and_its_return_is_watching() {
    // A network namespace of the test's own: two veth pairs as the ports, bridged by
    // scripts/bridge.sh, captured with the TPACKET_V3 rings; one port's peer goes down and up.
    let scratch = Scratch::new("live");
    let out = scratch.path("events.jsonl");
    let config = live_config(&scratch, &out);
    let script = format!(
        "set -e\n\
         ip link add tl0 type veth peer name tl0p\nip link add tw0 type veth peer name tw0p\n\
         ip link set tl0p up\nip link set tw0p up\n\
         {bridge} up tl0 tw0\n\
         {bin} run --config {config} & pid=$!\n\
         sleep 2\nip link set tw0p down\nsleep 2.5\nip link set tw0p up\nsleep 2.5\n\
         kill -TERM $pid\nwait $pid\n",
        bridge = repo().join("scripts/bridge.sh").display(),
        bin = env!("CARGO_BIN_EXE_telltaled"),
        config = config.display()
    );
    let stderr = in_own_netns(&script);
    assert!(
        stderr.contains("telltaled: capturing from tpacket:tl0,tw0\n"),
        "{stderr}"
    );
    assert!(stderr.contains("telltaled: stopped: "), "{stderr}");
    let lines = lines(&out);
    assert_eq!(
        led_states(&lines),
        ["starting", "watching", "fault", "watching"]
    );
    assert!(of_kind(&lines, "led")
        .iter()
        .all(|l| l["file"] == "tpacket:tl0,tw0"));
}
