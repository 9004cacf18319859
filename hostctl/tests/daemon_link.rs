//! The real `telltaled run` (replaying the recorded phone session, its link on a pty) and the
//! real `telltale` CLI on the other end of the cable: status, pull, ack, rules check/push/get,
//! time sync, as a user would type them.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{Faults, PtyCable};
use telltale_hostctl::store::Store;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The daemon binary, built beside this test's binary by `cargo test --workspace`.
fn telltaled() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_telltale")).with_file_name("telltaled");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build --bin telltaled` (cargo test --workspace builds it)",
        bin.display()
    );
    bin
}

struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn telltale(port: &Path, db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_telltale"))
        .arg("--port")
        .arg(port)
        .arg("--db")
        .arg(db)
        .args(["--timeout", "1"])
        .args(args)
        .output()
        .expect("run telltale")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `telltale ARGS` until its output satisfies `ok` (the daemon needs a moment to replay).
fn until(port: &Path, db: &Path, args: &[&str], ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let o = telltale(port, db, args);
        let out = stdout(&o);
        if o.status.success() && ok(&out) {
            return out;
        }
        assert!(
            Instant::now() < deadline,
            "telltale {args:?}: {}\n{}",
            out,
            stderr(&o)
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn the_cli_talks_to_the_real_daemon_over_a_serial_cable() {
    let dir = std::env::temp_dir().join(format!("telltale-daemon-link-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let rules = dir.join("rules.toml");
    std::fs::copy(repo().join("rules/default.toml"), &rules).unwrap();
    // The shipped rules import lists relative to their folder.
    let packs = repo().join("rules/packs");
    let text = std::fs::read_to_string(&rules)
        .unwrap()
        .replace("\"packs/", &format!("\"{}/", packs.display()));
    std::fs::write(&rules, &text).unwrap();
    let wire = PtyCable::new(Faults::default());
    let config = dir.join("telltale.toml");
    std::fs::write(
        &config,
        format!(
            "[capture]\nbackend = \"file\"\nfile = \"{}\"\nat_end = \"hold\"\n\
             [rules]\npath = \"{}\"\n[data]\ndir = \"{}\"\n[leds]\nbackend = \"none\"\n\
             [journal]\npath = \"{}\"\nwindow = \"10s\"\n[link]\ndevice = \"{}\"\n",
            repo().join("samples/phone-sample.pcapng").display(),
            rules.display(),
            repo().join("data").display(),
            dir.join("journal").display(),
            wire.box_port.display()
        ),
    )
    .unwrap();
    let _daemon = Daemon(
        Command::new(telltaled())
            .args(["run", "--config"])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start telltaled"),
    );
    let port = wire.host_port.clone();
    let db = dir.join("telltale.db");

    // Status: the replay is done, its three alerts are in the journal, and the upload's end
    // (10 s without its traffic) has latched the red LED.
    let status = until(&port, &db, &["status"], |s| {
        s.contains("3 alerts (last #3)") && s.contains("LEDs     alert latched")
    });
    assert!(status.contains("box      telltale"), "{status}");
    assert!(
        status.contains("traffic  3960 frames"),
        "frames counted: {status}"
    );

    // Pull: the alerts arrive with their reasons and go into the database.
    let pulled = stdout(&telltale(&port, &db, &["pull"]));
    assert!(pulled.contains("3 new alerts"), "{pulled}");
    assert!(pulled.contains(" new summaries (up to #"), "{pulled}");
    assert!(pulled.contains("data.mistat.xiaomi.com"), "{pulled}");
    let again = stdout(&telltale(&port, &db, &["pull"]));
    assert!(again.starts_with("nothing new"), "{again}");
    let store = Store::open(&db).unwrap();
    let alerts = store.alerts(0, u64::MAX).unwrap();
    assert_eq!(alerts.len(), 3);
    let summaries = store.summaries(0, u64::MAX).unwrap();
    assert!(
        summaries.iter().any(
            |s| s.destination.name.as_deref() == Some("data.mistat.xiaomi.com")
                && s.bytes_up > 4_000_000
                && s.rules.iter().any(|r| r == "watched_upload")
        ),
        "the upload summary: {summaries:#?}"
    );
    assert!(alerts.iter().any(|a| a.rule == "watched_upload"));

    // Ack clears the red latch.
    let acked = stdout(&telltale(&port, &db, &["ack"]));
    assert!(acked.contains("latch is cleared"), "{acked}");
    until(&port, &db, &["status"], |s| !s.contains("alert latched"));

    // Rules: a bad file is rejected whole with its place, and nothing changes on the box.
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "hold_back = \"4h\"\n[[watch]]\nname = 3\n").unwrap();
    let o = telltale(&port, &db, &["rules", "push", bad.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("rejected, the box keeps its rules"), "{err}");
    assert!(err.contains(":3:"), "the reason names the line: {err}");
    let got = stdout(&telltale(&port, &db, &["rules", "get"]));
    assert_eq!(got, text, "the box's rules are unchanged");
    let o = telltale(&port, &db, &["rules", "check", bad.to_str().unwrap()]);
    assert!(!o.status.success());

    // A good file is checked, then put in force and read back.
    let good = dir.join("good.toml");
    let new_text = format!("{text}\n# pushed by the test\n");
    std::fs::write(&good, &new_text).unwrap();
    let o = telltale(&port, &db, &["rules", "check", good.to_str().unwrap()]);
    assert!(stdout(&o).contains("valid"), "{}", stderr(&o));
    let o = telltale(&port, &db, &["rules", "push", good.to_str().unwrap()]);
    assert!(stdout(&o).contains("in force on the box"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&rules).unwrap(), new_text);
    assert_eq!(stdout(&telltale(&port, &db, &["rules", "get"])), new_text);

    // Time sync: sets the clock (root) or says which capability is missing.
    let o = telltale(&port, &db, &["time", "sync"]);
    if o.status.success() {
        assert!(stdout(&o).contains("box clock set"), "{}", stdout(&o));
    } else {
        assert!(stderr(&o).contains("CAP_SYS_TIME"), "{}", stderr(&o));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
