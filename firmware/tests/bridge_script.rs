//! `scripts/bridge.sh`, the box's bridge built by hand on a Linux PC, run for real inside a
//! network namespace of the test's own (`unshare --user --map-root-user --net`: no root needed,
//! nothing outside the namespace is touched) over two veth pairs standing in for the ports.

use std::path::Path;
use std::process::Command;

fn script() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scripts/bridge.sh")
        .display()
        .to_string()
}

/// Runs `body` with bash in a fresh user and network namespace; returns (status, stdout, stderr).
fn in_namespace(body: &str) -> (i32, String, String) {
    let out = Command::new("unshare")
        .args(["--user", "--map-root-user", "--net", "bash", "-c"])
        .arg(format!(
            "set -u\nB={}\nip link add tl0 type veth peer name tl0p\nip link add tw0 type veth peer name tw0p\nip link set tl0p up\nip link set tw0p up\nethtool -K tl0 gro on\n{body}",
            script()
        ))
        .output()
        .expect("unshare (util-linux) runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn up_builds_an_invisible_bridge_twice_the_same_and_down_removes_it() {
    let (status, stdout, stderr) = in_namespace(
        "set -e\n$B up tl0 tw0\n$B status tl0 tw0\n$B up tl0 tw0\n$B status tl0 tw0\n\
         sleep 1\necho \"$(ip -o address show | grep -c inet6)\"\n\
         $B down tl0 tw0\n$B status tl0 tw0\n$B down tl0 tw0\necho done",
    );
    assert_eq!(status, 0, "{stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    let up = [
        "br0: UP, stp_state 0, addresses: 0",
        "tl0: master br0, addresses: 0, gro off, lro off [fixed]",
        "tw0: master br0, addresses: 0, gro off, lro off [fixed]",
    ];
    assert_eq!(lines[0..3], up, "{stdout}\n{stderr}");
    assert_eq!(lines[3..6], up, "the second `up` changes nothing");
    // Only the veth peers outside the bridge have a link-local address.
    assert_eq!(lines[6], "2", "{stdout}");
    assert_eq!(
        lines[7..],
        [
            "br0: absent",
            "tl0: master , addresses: 1, gro off, lro off [fixed]",
            "tw0: master , addresses: 1, gro off, lro off [fixed]",
            "done",
        ],
        "{stdout}\n{stderr}"
    );
}

#[test]
fn wrong_ports_are_refused_with_one_line() {
    let (status, _, stderr) = in_namespace("$B up tl0 tl0");
    assert_eq!(status, 2);
    assert!(
        stderr.ends_with("bridge.sh: LAN and WAN are the same port (tl0)\n"),
        "{stderr}"
    );
    let (status, _, stderr) = in_namespace("$B up tl0 eth9");
    assert_eq!(status, 1);
    assert!(
        stderr.ends_with("bridge.sh: eth9: no such network interface\n"),
        "{stderr}"
    );
    let (status, _, _) = in_namespace("$B sideways tl0 tw0");
    assert_eq!(status, 2);
}
