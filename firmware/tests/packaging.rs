//! The packaging and install files, checked without building a package (that is
//! `scripts/check-package.sh` and `scripts/check-install-doc.sh`, run by `scripts/test.sh`):
//! the scripts pass shellcheck, the Debian changelog names this version, every placeholder in a
//! package template is one `scripts/package.sh` fills in, every fenced block of the install
//! guide is tagged and every board step marked, and the links between the install documents
//! lead somewhere.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn shellcheck(shell: Option<&str>, files: &[&str]) {
    let mut cmd = Command::new("shellcheck");
    if let Some(shell) = shell {
        cmd.args(["--shell", shell]);
    }
    let out = cmd
        .args(files)
        .current_dir(repo())
        .output()
        .expect("shellcheck runs (Debian package shellcheck; scripts/install-test-deps.sh)");
    assert!(
        out.status.success(),
        "shellcheck {files:?}:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn the_scripts_pass_shellcheck() {
    shellcheck(
        None,
        &[
            "scripts/cross-toolchain.sh",
            "scripts/cross-test.sh",
            "scripts/package.sh",
            "scripts/debian-root.sh",
            "scripts/check-package.sh",
            "scripts/check-install-doc.sh",
        ],
    );
    // Maintainer scripts run under /bin/sh (dash on Debian).
    shellcheck(
        Some("sh"),
        &["packaging/postinst", "packaging/prerm", "packaging/postrm"],
    );
}

#[test]
fn the_changelog_names_this_version() {
    let changelog = read("packaging/changelog");
    let first = changelog.lines().next().unwrap_or_default();
    assert!(
        first.starts_with(&format!("telltale ({}) ", env!("CARGO_PKG_VERSION"))),
        "packaging/changelog starts with {first:?}: add an entry for {}",
        env!("CARGO_PKG_VERSION")
    );
}

/// The `@NAME@` placeholders in `text`.
fn placeholders(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('@') {
        let after = &rest[start + 1..];
        match after.find('@') {
            Some(end)
                if end > 0
                    && after[..end]
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b == b'_') =>
            {
                found.push(after[..end].to_string());
                rest = &after[end + 1..];
            }
            _ => rest = after,
        }
    }
    found
}

#[test]
fn every_placeholder_in_the_templates_is_filled_in() {
    let script = read("scripts/package.sh");
    let mut seen = 0;
    for template in [
        "packaging/control",
        "packaging/control-cli",
        "packaging/postinst",
        "packaging/prerm",
        "packaging/postrm",
        "packaging/man/telltaled.8",
        "packaging/man/telltale.1",
        "packaging/man/telltale-usb-gadget.8",
    ] {
        for name in placeholders(&read(template)) {
            seen += 1;
            assert!(
                script.contains(&format!("s/@{name}@/")),
                "{template}: @{name}@ is never replaced by scripts/package.sh"
            );
        }
    }
    // VERSION, ARCH, MAINTAINER, INSTALLED_SIZE, SHLIBS_DEPENDS, UNITS, STOP_ON_REMOVE, ...
    assert!(
        seen >= 10,
        "only {seen} placeholders found: the parser is off"
    );
    assert_eq!(
        placeholders("a @ b @ARCH@ c@x@ @SHLIBS_DEPENDS@"),
        ["ARCH", "SHLIBS_DEPENDS"]
    );
}

#[test]
fn the_install_guide_tags_every_block_and_marks_every_board_step() {
    let out = Command::new("bash")
        .arg(repo().join("scripts/check-install-doc.sh"))
        .arg("--list")
        .output()
        .expect("bash runs");
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "check-install-doc.sh --list:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let count = |tag: &str| listing.matches(&format!(" [{tag}]\n")).count();
    assert!(count("source") >= 1, "no build step:\n{listing}");
    assert!(count("box") >= 5, "too few box steps run in CI:\n{listing}");
    assert!(count("laptop") >= 1, "no laptop step:\n{listing}");
    assert!(count("hardware") >= 1, "no board step:\n{listing}");
    for must_run in [
        "scripts/package.sh arm64",
        "apt-get install -y ./telltale_",
        "systemctl enable telltale-usb-gadget",
        "systemctl enable systemd-networkd",
        "apt-get purge -y telltale",
    ] {
        assert!(
            listing.contains(must_run),
            "{must_run:?} is not in the guide:\n{listing}"
        );
    }
}

#[test]
fn links_between_the_install_documents_lead_somewhere() {
    let docs = repo().join("docs");
    for doc in [
        "install.md",
        "wiring.md",
        "threat-model.md",
        "troubleshooting.md",
        "cli-install.md",
        "packaging.md",
        "cross.md",
    ] {
        let text = read(&format!("docs/{doc}"));
        for (i, _) in text.match_indices("](") {
            let target = &text[i + 2..];
            let target = &target[..target.find(')').unwrap_or(target.len())];
            if target.contains("://") || target.starts_with('#') {
                continue;
            }
            let file = target.split('#').next().unwrap_or(target);
            assert!(
                docs.join(file).exists(),
                "docs/{doc}: link to {target} leads nowhere"
            );
        }
    }
}
