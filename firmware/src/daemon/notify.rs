//! systemd's notify protocol, spoken directly (no libsystemd): state lines such as `READY=1`,
//! `STATUS=...`, `WATCHDOG=1` and `STOPPING=1` sent as one datagram each to the unix socket named
//! by `$NOTIFY_SOCKET` (a path, or an abstract name written with a leading `@`).
//!
//! The watchdog is enabled when `$WATCHDOG_USEC` is set (and `$WATCHDOG_PID`, if set, is this
//! process); the daemon's loop then sends `WATCHDOG=1` every half of that period, and only while
//! it is running, so a stuck loop gets the daemon restarted. Without `$NOTIFY_SOCKET` (not run
//! by systemd) every call does nothing.

use std::ffi::OsStr;
use std::io;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The socket and where to send.
#[derive(Debug)]
struct Target {
    socket: UnixDatagram,
    addr: SocketAddr,
    /// A send failed once already (warned about).
    failed: AtomicBool,
}

/// Sends state changes to systemd; clones share the socket.
#[derive(Debug, Clone, Default)]
pub struct Notifier {
    target: Option<Arc<Target>>,
    watchdog: Option<Duration>,
}

impl Notifier {
    /// The notifier systemd's environment asks for (`NOTIFY_SOCKET`, `WATCHDOG_USEC`,
    /// `WATCHDOG_PID`); a notifier that does nothing outside systemd.
    pub fn from_env() -> io::Result<Notifier> {
        let socket = std::env::var_os("NOTIFY_SOCKET");
        let usec = std::env::var("WATCHDOG_USEC").ok();
        let pid = std::env::var("WATCHDOG_PID").ok();
        Notifier::from_vars(
            socket.as_deref(),
            usec.as_deref(),
            pid.as_deref(),
            std::process::id(),
        )
    }

    /// The notifier for these variables' values, in process `own_pid`.
    pub fn from_vars(
        notify_socket: Option<&OsStr>,
        watchdog_usec: Option<&str>,
        watchdog_pid: Option<&str>,
        own_pid: u32,
    ) -> io::Result<Notifier> {
        let Some(name) = notify_socket.filter(|n| !n.is_empty()) else {
            return Ok(Notifier::default());
        };
        let bytes = name.as_bytes();
        let addr = match bytes.split_first() {
            Some((b'@', abstract_name)) => SocketAddr::from_abstract_name(abstract_name)?,
            _ => SocketAddr::from_pathname(name)?,
        };
        let for_us = watchdog_pid.is_none_or(|pid| pid.trim().parse::<u32>() == Ok(own_pid));
        let watchdog = watchdog_usec
            .and_then(|usec| usec.trim().parse::<u64>().ok())
            .filter(|usec| *usec > 0 && for_us)
            .map(|usec| Duration::from_micros(usec / 2));
        let socket = UnixDatagram::unbound()?;
        // A manager that does not read its socket must not stall the capture loop: a full
        // queue drops the message (and is reported once) instead of blocking.
        socket.set_nonblocking(true)?;
        Ok(Notifier {
            target: Some(Arc::new(Target {
                socket,
                addr,
                failed: AtomicBool::new(false),
            })),
            watchdog,
        })
    }

    /// True when run by systemd with a notify socket.
    pub fn is_active(&self) -> bool {
        self.target.is_some()
    }

    /// How often to send `WATCHDOG=1` (half of `WATCHDOG_USEC`), if the watchdog is on.
    pub fn watchdog_interval(&self) -> Option<Duration> {
        self.watchdog
    }

    /// Sends `state` (newline-separated `KEY=VALUE` lines) without blocking. A failure is
    /// reported once on standard error; the notify socket is best effort for the daemon.
    pub fn send(&self, state: &str) {
        let Some(target) = &self.target else { return };
        if let Err(e) = target.socket.send_to_addr(state.as_bytes(), &target.addr) {
            if !target.failed.swap(true, Ordering::Relaxed) {
                eprintln!("telltaled: warning: cannot notify systemd: {e}");
            }
        }
    }

    /// `READY=1` with a status line.
    pub fn ready(&self, status: &str) {
        self.send(&format!("READY=1\nSTATUS={}", one_line(status)));
    }

    /// `STATUS=...`.
    pub fn status(&self, status: &str) {
        self.send(&format!("STATUS={}", one_line(status)));
    }

    /// `WATCHDOG=1`.
    pub fn watchdog(&self) {
        self.send("WATCHDOG=1");
    }

    /// `STOPPING=1` with a status line.
    pub fn stopping(&self, status: &str) {
        self.send(&format!("STOPPING=1\nSTATUS={}", one_line(status)));
    }
}

/// A status is one line: newlines would start new `KEY=VALUE` assignments.
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receive(socket: &UnixDatagram) -> String {
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut buf = [0u8; 512];
        let n = socket.recv(&mut buf).unwrap();
        String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    #[test]
    fn states_go_to_a_socket_path() {
        let path =
            std::env::temp_dir().join(format!("telltale-notify-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let listener = UnixDatagram::bind(&path).unwrap();
        let n = Notifier::from_vars(Some(path.as_os_str()), None, None, 1).unwrap();
        assert!(n.is_active());
        assert_eq!(n.watchdog_interval(), None);
        n.ready("capturing\non eth1");
        assert_eq!(receive(&listener), "READY=1\nSTATUS=capturing on eth1");
        n.watchdog();
        assert_eq!(receive(&listener), "WATCHDOG=1");
        n.stopping("bye");
        assert_eq!(receive(&listener), "STOPPING=1\nSTATUS=bye");
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn an_at_sign_names_an_abstract_socket() {
        let name = format!("telltale-notify-test-{}", std::process::id());
        let listener =
            UnixDatagram::bind_addr(&SocketAddr::from_abstract_name(name.as_bytes()).unwrap())
                .unwrap();
        let n = Notifier::from_vars(Some(OsStr::new(&format!("@{name}"))), None, None, 1).unwrap();
        n.status("hello");
        assert_eq!(receive(&listener), "STATUS=hello");
    }

    #[test]
    fn the_watchdog_runs_at_half_its_period_for_this_process_only() {
        let sock = Some(OsStr::new("/run/none.sock"));
        let n = Notifier::from_vars(sock, Some("30000000"), None, 42).unwrap();
        assert_eq!(n.watchdog_interval(), Some(Duration::from_secs(15)));
        let n = Notifier::from_vars(sock, Some("30000000"), Some("42"), 42).unwrap();
        assert_eq!(n.watchdog_interval(), Some(Duration::from_secs(15)));
        let n = Notifier::from_vars(sock, Some("30000000"), Some("43"), 42).unwrap();
        assert_eq!(n.watchdog_interval(), None, "meant for another process");
        let n = Notifier::from_vars(sock, Some("soon"), None, 42).unwrap();
        assert_eq!(n.watchdog_interval(), None);
        let n = Notifier::from_vars(None, Some("30000000"), None, 42).unwrap();
        assert!(!n.is_active());
        assert_eq!(n.watchdog_interval(), None, "no socket, nobody to ping");
        n.ready("nobody listens");
    }
}
