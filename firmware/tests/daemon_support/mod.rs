//! Running the real `telltaled run` from a test: a scratch folder, the config, the process with
//! its standard error collected line by line, signals, and the JSON lines it wrote.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The recorded phone session.
pub fn sample() -> PathBuf {
    repo().join("samples/phone-sample.pcapng")
}

/// A folder of its own for one test, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("telltale-daemon-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Writes `text` to `name` atomically (a reader never sees half a file).
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        let tmp = self.path(&format!(".{name}.tmp"));
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A config replaying the sample with the sim LEDs into `out`; `capture` adds keys to
/// `[capture]`, `rules` is the rules file.
pub fn config(scratch: &Scratch, capture: &str, rules: &Path, out: &Path) -> PathBuf {
    let text = format!(
        "[capture]\nbackend = \"file\"\nfile = \"{}\"\n{capture}\n\
         [rules]\npath = \"{}\"\n\
         [data]\ndir = \"{}\"\n\
         [leds]\nbackend = \"sim\"\n\
         [journal]\npath = \"{}\"\n\
         [link]\nenabled = false\n\
         [output]\nevents = \"{}\"\n",
        sample().display(),
        rules.display(),
        repo().join("data").display(),
        scratch.path("journal").display(),
        out.display()
    );
    scratch.write("telltale.toml", &text)
}

/// A running `telltaled run`.
pub struct Daemon {
    child: Child,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Daemon {
    /// Starts `telltaled run --config CONFIG` with extra environment variables.
    pub fn start(config: &Path, env: &[(&str, &str)]) -> Daemon {
        let mut command = Command::new(env!("CARGO_BIN_EXE_telltaled"));
        command
            .args(["run", "--config"])
            .arg(config)
            .env_remove("NOTIFY_SOCKET")
            .env_remove("WATCHDOG_USEC")
            .env_remove("WATCHDOG_PID")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("start telltaled");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let pipe = child.stderr.take().unwrap();
        let lines = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                match line {
                    Ok(line) => lines.lock().unwrap().push(line),
                    Err(_) => break,
                }
            }
        });
        Daemon { child, stderr }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends a signal by name (`HUP`, `TERM`, `INT`) with kill(1).
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args(["-s", name, &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -s {name} failed");
    }

    /// What it wrote on standard error so far.
    pub fn stderr(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until a line of standard error satisfies `pred`, and returns it.
    pub fn wait_stderr(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        wait_for(what, Duration::from_secs(30), || {
            self.stderr().into_iter().find(|l| pred(l))
        })
        .unwrap_or_else(|| panic!("no {what} on standard error: {:#?}", self.stderr()))
    }

    /// Waits for the process to exit (at most `limit`).
    pub fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader thread take the last lines.
                std::thread::sleep(Duration::from_millis(50));
                return status;
            }
            if start.elapsed() > limit {
                panic!(
                    "telltaled still running after {limit:?}: {:#?}",
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Polls `probe` every 50 ms until it gives something or `limit` passes.
pub fn wait_for<T>(what: &str, limit: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        if let Some(found) = probe() {
            return Some(found);
        }
        if start.elapsed() > limit {
            eprintln!("gave up waiting for {what} after {limit:?}");
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The complete JSON lines of the output so far (a line still being written is left out).
pub fn lines(out: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(out).unwrap_or_default();
    let complete = match text.rfind('\n') {
        Some(end) => &text[..=end],
        None => "",
    };
    complete
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// The lines of one kind.
pub fn of_kind<'a>(lines: &'a [Value], kind: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["kind"] == kind).collect()
}

/// The LED states in the order they were entered.
pub fn led_states(lines: &[Value]) -> Vec<String> {
    of_kind(lines, "led")
        .iter()
        .map(|l| l["state"].as_str().unwrap().to_string())
        .collect()
}

/// True when the alert is a watched upload of the upload destination whose reasons name the
/// watchlist `list`.
pub fn watched_upload_from(alert: &Value, list: &str) -> bool {
    alert["rule"] == "watched_upload"
        && alert["destination"] == "data.mistat.xiaomi.com"
        && alert["reasons"].as_array().is_some_and(|reasons| {
            reasons.iter().any(|r| {
                r.as_str()
                    .is_some_and(|r| r.starts_with(&format!("on watchlist {list} ")))
            })
        })
}
