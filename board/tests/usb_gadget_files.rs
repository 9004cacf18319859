//! The USB gadget's board files checked with the tools that read them: the script by
//! `shellcheck` (Debian package `shellcheck`), the systemd unit by `systemd-analyze verify`
//! when systemd is there, the laptop's udev rule against `telltale_proto::usb` (and by
//! `udevadm verify` where udev is new enough to have it), the config.txt and modules-load
//! snippets for what they must say.

use std::path::{Path, PathBuf};
use std::process::Command;

use telltale_proto::usb;

fn file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("files/usb-gadget")
        .join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(file(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Whether `program` runs at all here.
fn available(program: &str, probe: &[&str]) -> bool {
    Command::new(program)
        .args(probe)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_script_passes_shellcheck() {
    assert!(
        available("shellcheck", &["--version"]),
        "shellcheck not found: install the Debian package `shellcheck` (apt-get install shellcheck)"
    );
    let out = Command::new("shellcheck")
        .args(["--shell=sh", "--severity=style"])
        .arg(file("telltale-usb-gadget"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn the_unit_is_a_oneshot_before_the_daemon_and_systemd_accepts_it() {
    let unit = read("telltale-usb-gadget.service");
    let lines: Vec<&str> = unit.lines().map(str::trim).collect();
    for want in [
        "Type=oneshot",
        "RemainAfterExit=yes",
        "Requires=sys-kernel-config.mount",
        "Before=telltaled.service",
        "ExecStart=/usr/sbin/telltale-usb-gadget start",
        "ExecStop=/usr/sbin/telltale-usb-gadget stop",
        "WantedBy=multi-user.target",
    ] {
        assert!(lines.contains(&want), "the unit lacks {want}");
    }
    assert!(lines
        .iter()
        .any(|l| l.starts_with("After=") && l.contains("sys-kernel-config.mount")));

    if !available("systemd-analyze", &["--version"]) {
        eprintln!("systemd-analyze not found: the unit was not verified by systemd");
        return;
    }
    // systemd checks that ExecStart= exists: point it at the script in the repository.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("usb-gadget-unit");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("telltale-usb-gadget.service");
    let script = file("telltale-usb-gadget");
    std::fs::write(
        &copy,
        unit.replace(
            "/usr/sbin/telltale-usb-gadget",
            script.to_str().expect("a UTF-8 path"),
        ),
    )
    .unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "systemd-analyze verify: {said}");
    // Unknown keys and bad values are only warnings to systemd: here they fail.
    assert_eq!(said.trim(), "", "systemd-analyze verify warned");
}

/// The `KEY{attr}` op `"value"` pairs of one rule line.
fn rule_pairs(line: &str) -> Vec<(String, String, String)> {
    let mut pairs = Vec::new();
    let mut rest = line.trim();
    while !rest.is_empty() {
        let op_at = rest
            .find(['=', '!', '+', '-', ':'])
            .unwrap_or_else(|| panic!("no operator in {rest:?}"));
        let key = rest[..op_at].trim().to_string();
        assert!(
            key.chars()
                .all(|c| c.is_ascii_alphanumeric() || "{}_".contains(c)),
            "bad key {key:?}"
        );
        let after = &rest[op_at..];
        let op_len = after
            .find('"')
            .unwrap_or_else(|| panic!("no value for {key}"));
        let op = after[..op_len].to_string();
        assert!(
            ["==", "!=", "=", "+=", "-=", ":="].contains(&op.as_str()),
            "bad operator {op:?} after {key}"
        );
        let value_and_rest = &after[op_len + 1..];
        let end = value_and_rest
            .find('"')
            .unwrap_or_else(|| panic!("unclosed value for {key}"));
        pairs.push((key, op, value_and_rest[..end].to_string()));
        rest = value_and_rest[end + 1..].trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    pairs
}

#[test]
fn the_udev_rule_matches_the_box_and_gives_the_seat_its_port() {
    let name = "70-telltale.rules";
    let number: u32 = name[..2].parse().unwrap();
    assert!(
        number < 73,
        "uaccess must be tagged before 73-seat-late.rules"
    );
    let text = read(name);
    let rules: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .collect();
    assert_eq!(rules.len(), 1, "one rule");
    let pairs = rule_pairs(rules[0]);
    let has = |key: &str, op: &str, value: &str| {
        pairs
            .iter()
            .any(|(k, o, v)| k == key && o == op && v == value)
    };
    assert!(has("SUBSYSTEM", "==", "tty"));
    assert!(has(
        "ATTRS{idVendor}",
        "==",
        &format!("{:04x}", usb::VENDOR_ID)
    ));
    assert!(has(
        "ATTRS{idProduct}",
        "==",
        &format!("{:04x}", usb::PRODUCT_ID)
    ));
    assert!(has("ATTRS{product}", "==", usb::PRODUCT));
    assert!(has("SYMLINK", "+=", "telltale"));
    assert!(has("TAG", "+=", "uaccess"));
    assert!(has("ENV{ID_MM_DEVICE_IGNORE}", "=", "1"));

    // udevadm verify came with systemd 254; Debian 12 has 252.
    if available("udevadm", &["verify", "--help"]) {
        let out = Command::new("udevadm")
            .arg("verify")
            .arg(file(name))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "udevadm verify: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn config_txt_puts_the_port_in_device_mode_and_the_modules_load() {
    let config = read("config.txt");
    let active: Vec<&str> = config
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(active, ["[all]", "dtoverlay=dwc2,dr_mode=peripheral"]);
    let modules = read("telltale-usb-gadget.conf");
    let active: Vec<&str> = modules
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(active, ["dwc2", "libcomposite"]);
}
