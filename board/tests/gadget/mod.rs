//! A fake Raspberry Pi for `telltale-usb-gadget`: a configfs tree with `usb_gadget/` (as once
//! libcomposite is loaded), a UDC list, the board's serial number files, and stand-ins for
//! `modprobe` (records what it was asked, never loads anything on this machine) and for
//! configfs's `rmdir` semantics (an item's attributes go with it, but an item still holding a
//! symlink or a child item is "not empty").

#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The Pi 4's USB device controller.
pub const UDC: &str = "fe980000.usb";

/// The serial number in the fake device tree.
pub const DT_SERIAL: &str = "10000000abcdef01";

/// The script under test.
pub fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("files/usb-gadget/telltale-usb-gadget")
}

/// A fake board in a scratch folder.
#[derive(Debug)]
pub struct FakeBoard {
    /// The scratch folder.
    pub root: PathBuf,
    /// Extra environment for the script.
    pub env: Vec<(String, String)>,
}

const CONFIGFS_RMDIR: &str = r#"#!/bin/sh
# rmdir as configfs does it: attributes (files) and empty default groups go with the item; a
# symlink or a child item still inside makes it "not empty", and an item a symlink points at
# (a function linked into a configuration) is busy.
for d in "$@"; do
	if [ -n "$(find "$d" -mindepth 1 -type l)" ] || [ -n "$(find "$d" -mindepth 2 -type d)" ]; then
		echo "rmdir: failed to remove '$d': Directory not empty" >&2
		exit 1
	fi
	target=$(readlink -f "$d")
	find "$TELLTALE_CONFIGFS" -type l | while read -r link; do
		if [ "$(readlink -f "$link")" = "$target" ]; then
			echo "rmdir: failed to remove '$d': Device or resource busy" >&2
			exit 1
		fi
	done || exit 1
	rm -r "$d"
done
"#;

fn executable(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write a stand-in");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

impl FakeBoard {
    /// A Pi 4 with its controller registered, libcomposite loaded, and a device-tree serial.
    pub fn new(name: &str) -> Self {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("usb-gadget-{name}"));
        let _ = std::fs::remove_dir_all(&root);
        for dir in ["config/usb_gadget", "udc", "bin", "dt"] {
            std::fs::create_dir_all(root.join(dir)).expect("create the fake board");
        }
        let board = FakeBoard {
            env: vec![
                ("TELLTALE_CONFIGFS".into(), path(&root.join("config"))),
                ("TELLTALE_UDC_DIR".into(), path(&root.join("udc"))),
                ("TELLTALE_UDC_WAIT".into(), "0".into()),
                (
                    "TELLTALE_DT_SERIAL".into(),
                    path(&root.join("dt/serial-number")),
                ),
                ("TELLTALE_CPUINFO".into(), path(&root.join("cpuinfo"))),
                ("TELLTALE_MACHINE_ID".into(), path(&root.join("machine-id"))),
                ("TELLTALE_MODPROBE".into(), path(&root.join("bin/modprobe"))),
            ],
            root,
        };
        board.add_udc(UDC);
        std::fs::write(
            board.root.join("dt/serial-number"),
            format!("{DT_SERIAL}\0"),
        )
        .unwrap();
        std::fs::write(
            board.root.join("cpuinfo"),
            "processor\t: 0\nBogoMIPS\t: 108.00\n\nHardware\t: BCM2835\nRevision\t: d03114\n\
             Serial\t\t: 10000000ABCDEF02\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n",
        )
        .unwrap();
        std::fs::write(
            board.root.join("machine-id"),
            "4f1c0e9a7d2b4c8e9f3a6b5c1d2e3f40\n",
        )
        .unwrap();
        // modprobe: notes the request; "loads" libcomposite by making configfs's usb_gadget.
        executable(
            &board.root.join("bin/modprobe"),
            &format!(
                "#!/bin/sh\necho \"$@\" >> '{}'\nmkdir -p '{}'\n",
                path(&board.root.join("modprobe.log")),
                path(&board.root.join("config/usb_gadget"))
            ),
        );
        executable(&board.root.join("bin/rmdir"), CONFIGFS_RMDIR);
        board
    }

    /// Registers a USB device controller named `name`.
    pub fn add_udc(&self, name: &str) {
        let dir = self.root.join("udc").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("state"), "configured\n").unwrap();
    }

    /// Sets one variable of the script's environment.
    pub fn set(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
    }

    /// The command for `telltale-usb-gadget ARGS`, with the stand-ins first on PATH.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(script());
        cmd.args(args);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.env("PATH", self.path_var());
        cmd
    }

    /// PATH with the stand-ins first.
    pub fn path_var(&self) -> String {
        let system_path = std::env::var("PATH").unwrap_or_default();
        format!("{}:{system_path}", path(&self.root.join("bin")))
    }

    /// Runs `telltale-usb-gadget ARGS` to completion.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run the gadget script")
    }

    /// The gadget's folder in the fake configfs.
    pub fn gadget(&self) -> PathBuf {
        self.root.join("config/usb_gadget/telltale")
    }

    /// An attribute of the gadget, without the newline the script writes after it.
    pub fn attr(&self, rel: &str) -> String {
        let text = std::fs::read_to_string(self.gadget().join(rel))
            .unwrap_or_else(|e| panic!("{rel}: {e}"));
        text.strip_suffix('\n')
            .unwrap_or_else(|| panic!("{rel}: {text:?} without its newline"))
            .to_string()
    }

    /// What `modprobe` was asked, one request a line.
    pub fn modprobe_log(&self) -> String {
        std::fs::read_to_string(self.root.join("modprobe.log")).unwrap_or_default()
    }
}

fn path(p: &Path) -> String {
    p.to_str().expect("a UTF-8 path").to_string()
}

/// Standard output and error as text.
pub fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}
