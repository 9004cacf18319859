//! Network namespaces for the live capture tests and the capture benchmark: a small copy of the
//! project's topology (scripts/netns/topology.sh) built per test under a unique prefix,
//!
//! ```text
//!   [phone]  wlan0 ==veth== lan0 [box: br0 = lan0 + wan0] wan0 ==veth== eth0 [router]
//! ```
//!
//! with IPv6 off everywhere (no router solicitations, MLD or DAD frames: a test sees only the
//! traffic it makes), the phone at 198.51.100.2/24 and the router at 198.51.100.1/24
//! (documentation addresses that exist only inside these namespaces), and the box silent. The
//! namespaces are deleted when the `Topology` is dropped, also when a test fails.

#![allow(dead_code)]

use std::fs::File;
use std::os::fd::AsRawFd;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The phone's MAC (64-09-80: Xiaomi, as in the project topology).
pub const PHONE_MAC: [u8; 6] = [0x64, 0x09, 0x80, 0x4c, 0x2e, 0x71];
/// The router's MAC (D0-37-45: TP-Link).
pub const ROUTER_MAC: [u8; 6] = [0xd0, 0x37, 0x45, 0x8a, 0x10, 0x01];
/// The phone's address.
pub const PHONE_IP: [u8; 4] = [198, 51, 100, 2];
/// The router's address.
pub const ROUTER_IP: [u8; 4] = [198, 51, 100, 1];

/// True when the root-only tests should run: they need root (namespaces, CAP_NET_RAW). Without
/// root this panics with a clear message, unless TELLTALE_SKIP_ROOT_TESTS=1 asks to skip them.
pub fn require_root(test: &str) -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        return true;
    }
    if std::env::var("TELLTALE_SKIP_ROOT_TESTS").as_deref() == Ok("1") {
        eprintln!("{test}: skipped (not root, TELLTALE_SKIP_ROOT_TESTS=1)");
        return false;
    }
    panic!(
        "{test}: live capture tests need root (network namespaces, CAP_NET_RAW); run them as \
         root, or set TELLTALE_SKIP_ROOT_TESTS=1 to skip them"
    );
}

/// Runs a command, panicking with its output if it fails.
pub fn run(program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {}: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs a command and ignores its failure (optional tuning such as ethtool offloads).
pub fn try_run(program: &str, args: &[&str]) {
    let _ = Command::new(program).args(args).output();
}

/// Three namespaces wired as the box sits between an access point and a router.
#[derive(Debug)]
pub struct Topology {
    /// Name of the phone namespace.
    pub phone: String,
    /// Name of the box namespace (the bridge and the capture ports).
    pub boxed: String,
    /// Name of the router namespace.
    pub router: String,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl Topology {
    /// Builds a fresh topology named `ttcap-<pid>-<n>-<tag>-{phone,box,router}`.
    pub fn new(tag: &str) -> Topology {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let prefix = format!("ttcap-{}-{n}-{tag}-", std::process::id());
        let topo = Topology {
            phone: format!("{prefix}phone"),
            boxed: format!("{prefix}box"),
            router: format!("{prefix}router"),
        };
        // From here on, `Drop` cleans up whatever was made, even if a step fails.
        for ns in [&topo.phone, &topo.boxed, &topo.router] {
            run("ip", &["netns", "add", ns]);
            run("ip", &["-n", ns, "link", "set", "lo", "up"]);
            for key in ["all", "default"] {
                let setting = format!("net.ipv6.conf.{key}.disable_ipv6=1");
                run("ip", &["netns", "exec", ns, "sysctl", "-qw", &setting]);
            }
        }
        let (phone_mac, router_mac) = (mac_text(PHONE_MAC), mac_text(ROUTER_MAC));
        topo.veth(
            &topo.phone,
            "wlan0",
            &phone_mac,
            "lan0",
            "02:74:74:00:00:01",
        );
        topo.veth(
            &topo.router,
            "eth0",
            &router_mac,
            "wan0",
            "02:74:74:00:00:02",
        );
        let b = topo.boxed.as_str();
        run(
            "ip",
            &[
                "-n",
                b,
                "link",
                "add",
                "br0",
                "address",
                "02:74:74:00:00:03",
                "type",
                "bridge",
                "stp_state",
                "0",
                "forward_delay",
                "0",
            ],
        );
        for port in ["lan0", "wan0"] {
            run("ip", &["-n", b, "link", "set", port, "master", "br0"]);
            // Captured frames must be real frames: no receive offload on the members.
            try_run(
                "ip",
                &[
                    "netns", "exec", b, "ethtool", "-K", port, "gro", "off", "lro", "off",
                ],
            );
        }
        for dev in ["lan0", "wan0", "br0"] {
            run("ip", &["-n", b, "link", "set", dev, "up"]);
        }
        topo.host(&topo.phone, "wlan0", "198.51.100.2/24");
        topo.host(&topo.router, "eth0", "198.51.100.1/24");
        topo
    }

    fn veth(&self, ns: &str, dev: &str, mac: &str, peer: &str, peer_mac: &str) {
        run(
            "ip",
            &[
                "-n",
                ns,
                "link",
                "add",
                dev,
                "address",
                mac,
                "type",
                "veth",
                "peer",
                "name",
                peer,
                "address",
                peer_mac,
                "netns",
                &self.boxed,
            ],
        );
    }

    fn host(&self, ns: &str, dev: &str, addr: &str) {
        // Real-wire-like frames from the end hosts: no segmentation or checksum offload.
        try_run(
            "ip",
            &[
                "netns",
                "exec",
                ns,
                "ethtool",
                "-K",
                dev,
                "tso",
                "off",
                "gso",
                "off",
                "gro",
                "off",
                "tx-checksumming",
                "off",
            ],
        );
        run("ip", &["-n", ns, "addr", "add", addr, "dev", dev]);
        run("ip", &["-n", ns, "link", "set", dev, "up"]);
    }

    /// Runs `f` on a thread inside namespace `ns` (sockets it opens live there for good).
    pub fn in_ns<T: Send>(&self, ns: &str, f: impl FnOnce() -> T + Send) -> T {
        std::thread::scope(|s| {
            s.spawn(|| {
                enter(ns);
                f()
            })
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }

    /// Runs `ip -n <ns> ARGS...`.
    pub fn ip(&self, ns: &str, args: &[&str]) {
        let mut all = vec!["-n", ns];
        all.extend_from_slice(args);
        run("ip", &all);
    }

    /// Connects a fresh veth `wan0` to the bridge again (after a test removed it), with the
    /// router's end `eth0` as before.
    pub fn replug_wan(&self) {
        self.veth(
            &self.router,
            "eth0",
            &mac_text(ROUTER_MAC),
            "wan0",
            "02:74:74:00:00:02",
        );
        self.ip(&self.boxed, &["link", "set", "wan0", "master", "br0"]);
        self.ip(&self.boxed, &["link", "set", "wan0", "up"]);
        self.host(&self.router, "eth0", "198.51.100.1/24");
    }
}

impl Drop for Topology {
    fn drop(&mut self) {
        for ns in [&self.phone, &self.boxed, &self.router] {
            try_run("ip", &["netns", "del", ns]);
        }
    }
}

/// Moves the calling thread into network namespace `ns`.
pub fn enter(ns: &str) {
    let path = format!("/run/netns/{ns}");
    let file = File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    // SAFETY: setns with a namespace file descriptor we hold open; it changes only the calling
    // thread's network namespace.
    let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
    assert_eq!(rc, 0, "setns({path}): {}", std::io::Error::last_os_error());
}

/// `aa:bb:cc:dd:ee:ff`.
pub fn mac_text(mac: [u8; 6]) -> String {
    mac.map(|b| format!("{b:02x}")).join(":")
}
