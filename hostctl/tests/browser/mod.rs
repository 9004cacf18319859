//! Headless Chromium for the HTML report tests, kept off the network: a proxy that refuses
//! every connection (loopback included), a host resolver that resolves nothing, and none of the
//! browser's own background traffic. [`dom`] reads the DOM it dumps; [`pixels`] reads its
//! screenshots.

#![allow(dead_code)]

pub mod dom;
pub mod pixels;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The Debian package that provides the browser.
pub const PACKAGE: &str = "chromium";

/// Set to `1` to skip the browser tests on a machine without Chromium.
pub const SKIP_VAR: &str = "TELLTALE_SKIP_BROWSER_TESTS";

/// How long one browser run may take.
const PATIENCE: Duration = Duration::from_secs(120);

/// Flags that make every network access fail: all requests go to a proxy on the discard port
/// (nothing listens there), loopback is not exempted from it, and no host name resolves.
pub const OFFLINE: [&str; 3] = [
    "--proxy-server=127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--host-resolver-rules=MAP * ~NOTFOUND",
];

/// Flags for a quiet, reproducible headless run: no sandbox (tests run as root in CI), no GPU,
/// one device pixel per CSS pixel, sRGB colours as written, no scrollbars, none of the
/// browser's own traffic (updates, sync, prefetching, first-run pages).
const BASE: [&str; 15] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--force-device-scale-factor=1",
    "--force-color-profile=srgb",
    "--hide-scrollbars",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--dns-prefetch-disable",
    "--no-pings",
];

/// A Chromium binary.
#[derive(Debug, Clone)]
pub struct Chromium {
    path: PathBuf,
}

/// The browser, or `None` when the tests are to be skipped; panics with what to install when
/// it is missing.
pub fn chromium() -> Option<Chromium> {
    if std::env::var(SKIP_VAR).as_deref() == Ok("1") {
        eprintln!("{SKIP_VAR}=1: browser test skipped");
        return None;
    }
    let on_path = |name: &str| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
        })
    };
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|n| on_path(n));
    match found {
        Some(path) => Some(Chromium { path }),
        None => panic!(
            "chromium not found on PATH: install the Debian package `{PACKAGE}` \
             (apt-get install {PACKAGE}), or set {SKIP_VAR}=1 to skip the browser tests"
        ),
    }
}

/// A `file://` URL for a local file.
pub fn file_url(path: &Path) -> String {
    let abs = std::fs::canonicalize(path).expect("the page exists");
    format!("file://{}", abs.display())
}

impl Chromium {
    /// Runs the browser on `page` with `flags` (after the base flags, and [`OFFLINE`] when
    /// `offline`); returns what it wrote to standard output. `work` holds its profile and
    /// output.
    pub fn run(&self, work: &Path, offline: bool, flags: &[&str], page: &Path) -> String {
        let profile = work.join("profile");
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).expect("create the browser profile folder");
        let out_path = work.join("browser.out");
        let err_path = work.join("browser.err");
        let mut cmd = Command::new(&self.path);
        cmd.args(BASE)
            .arg(format!("--user-data-dir={}", profile.display()));
        if offline {
            cmd.args(OFFLINE);
        }
        cmd.args(flags)
            .arg(file_url(page))
            .stdin(Stdio::null())
            .stdout(File::create(&out_path).expect("browser output file"))
            .stderr(File::create(&err_path).expect("browser error file"));
        let mut child = cmd.spawn().expect("start chromium");
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for chromium") {
                break status;
            }
            if started.elapsed() > PATIENCE {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium took more than {PATIENCE:?} on {}", page.display());
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let err = std::fs::read_to_string(&err_path).unwrap_or_default();
        assert!(status.success(), "chromium failed ({status}): {err}");
        std::fs::read_to_string(&out_path).expect("chromium's output")
    }

    /// The DOM of `page` after it loaded, as Chromium serialises it.
    pub fn dump_dom(&self, work: &Path, page: &Path) -> String {
        self.run(work, true, &["--dump-dom"], page)
    }

    /// A screenshot of `page` in a `width` x `height` window, saved as PNG at `png`.
    pub fn screenshot(&self, work: &Path, page: &Path, png: &Path, width: u32, height: u32) {
        let _ = std::fs::remove_file(png);
        self.run(
            work,
            true,
            &[
                &format!("--window-size={width},{height}"),
                &format!("--screenshot={}", png.display()),
            ],
            page,
        );
        assert!(
            png.is_file(),
            "chromium wrote no screenshot at {}",
            png.display()
        );
    }
}
