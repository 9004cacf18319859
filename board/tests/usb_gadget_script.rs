//! `board/files/usb-gadget/telltale-usb-gadget` against a fake configfs and UDC list: what it
//! writes (the box's USB identity from `telltale_proto::usb`, the serial number, the ACM
//! function linked into the configuration, the binding), that running it again changes nothing,
//! that it takes the gadget apart in an order configfs accepts, and its one-line failures.
//! What needs the board itself (the kernel accepting the gadget, the laptop enumerating it) is
//! in docs/usb-gadget.md.

mod gadget;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use gadget::{text, FakeBoard, DT_SERIAL, UDC};
use telltale_proto::usb;

fn started(name: &str) -> FakeBoard {
    let board = FakeBoard::new(name);
    let out = board.run(&["start"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "start failed: {stderr}");
    assert_eq!(
        stdout,
        format!(
            "telltale-usb-gadget: bound to {UDC} as 0x{:04x}:0x{:04x} \"{}\", serial {DT_SERIAL}\n",
            usb::VENDOR_ID,
            usb::PRODUCT_ID,
            usb::PRODUCT
        )
    );
    board
}

/// Every file and link under `dir` with its content (or target) and modification time.
fn snapshot(dir: &Path) -> BTreeMap<String, (String, SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let p = entry.path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            let content = if meta.file_type().is_symlink() {
                format!("-> {}", std::fs::read_link(&p).unwrap().display())
            } else if meta.is_dir() {
                stack.push(p.clone());
                "dir".into()
            } else {
                std::fs::read_to_string(&p).unwrap()
            };
            out.insert(
                p.strip_prefix(dir).unwrap().display().to_string(),
                (content, meta.modified().unwrap()),
            );
        }
    }
    out
}

#[test]
fn start_writes_the_identity_the_function_and_the_binding() {
    let board = started("start");
    assert_eq!(board.attr("idVendor"), format!("0x{:04x}", usb::VENDOR_ID));
    assert_eq!(
        board.attr("idProduct"),
        format!("0x{:04x}", usb::PRODUCT_ID)
    );
    assert_eq!(board.attr("bcdUSB"), "0x0200");
    assert_eq!(board.attr("bDeviceClass"), "0xef");
    assert_eq!(board.attr("strings/0x409/manufacturer"), usb::MANUFACTURER);
    assert_eq!(board.attr("strings/0x409/product"), usb::PRODUCT);
    assert_eq!(board.attr("strings/0x409/serialnumber"), DT_SERIAL);
    assert_eq!(board.attr("configs/c.1/MaxPower"), "500");
    assert_eq!(board.attr("configs/c.1/bmAttributes"), "0x80");
    assert_eq!(
        board.attr("configs/c.1/strings/0x409/configuration"),
        "telltale link (CDC ACM)"
    );
    let function = board.gadget().join("functions/acm.usb0");
    assert!(function.is_dir(), "the ACM function exists");
    let link = board.gadget().join("configs/c.1/acm.usb0");
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::canonicalize(&link).unwrap(),
        std::fs::canonicalize(&function).unwrap(),
        "the configuration links the ACM function"
    );
    assert_eq!(board.attr("UDC"), UDC);
    assert_eq!(board.modprobe_log(), "", "libcomposite was loaded already");
}

#[test]
fn starting_again_changes_nothing() {
    let board = started("again");
    let before = snapshot(&board.gadget());
    std::thread::sleep(Duration::from_millis(30));
    let out = board.run(&["start"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    // Writing UDC again while bound fails with EBUSY on a real configfs: it must not be tried.
    assert_eq!(
        stdout,
        format!("telltale-usb-gadget: already bound to {UDC}\n")
    );
    assert_eq!(
        snapshot(&board.gadget()),
        before,
        "no file written, none added"
    );
}

#[test]
fn a_gadget_with_another_identity_is_set_again() {
    let board = started("stale");
    std::fs::write(board.gadget().join("strings/0x409/product"), "old name\n").unwrap();
    let out = board.run(&["start"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.starts_with(&format!(
            "telltale-usb-gadget: bound to {UDC} with another identity; setting it again\n"
        )),
        "{stdout}"
    );
    assert_eq!(board.attr("strings/0x409/product"), usb::PRODUCT);
    assert_eq!(board.attr("UDC"), UDC);
}

#[test]
fn the_serial_number_falls_back_to_cpuinfo_then_the_machine_id() {
    let board = FakeBoard::new("serial-cpuinfo");
    std::fs::remove_file(board.root.join("dt/serial-number")).unwrap();
    assert!(board.run(&["start"]).status.success());
    assert_eq!(board.attr("strings/0x409/serialnumber"), "10000000abcdef02");

    let board = FakeBoard::new("serial-machine-id");
    std::fs::remove_file(board.root.join("dt/serial-number")).unwrap();
    std::fs::write(board.root.join("cpuinfo"), "processor\t: 0\n").unwrap();
    assert!(board.run(&["start"]).status.success());
    assert_eq!(board.attr("strings/0x409/serialnumber"), "4f1c0e9a7d2b4c8e");
}

#[test]
fn the_first_controller_is_bound_unless_one_is_named() {
    let board = FakeBoard::new("named-udc");
    board.add_udc("1000480000.usb");
    let out = board.run(&["start"]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(
        board.attr("UDC"),
        "1000480000.usb",
        "the first in name order"
    );

    let mut board = FakeBoard::new("named-udc-2");
    board.add_udc("1000480000.usb");
    board.set("TELLTALE_UDC", UDC);
    assert!(board.run(&["start"]).status.success());
    assert_eq!(board.attr("UDC"), UDC);
}

#[test]
fn no_controller_is_one_line_naming_the_overlay() {
    let board = FakeBoard::new("no-udc");
    std::fs::remove_dir_all(board.root.join("udc").join(UDC)).unwrap();
    let out = board.run(&["start"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout, "");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("telltale-usb-gadget: no USB device controller in ")
            && stderr.contains("dtoverlay=dwc2,dr_mode=peripheral"),
        "{stderr}"
    );
    assert!(!board.gadget().join("UDC").exists(), "nothing bound");
}

#[test]
fn start_waits_for_the_controller_at_boot() {
    let mut board = FakeBoard::new("wait-udc");
    std::fs::remove_dir_all(board.root.join("udc").join(UDC)).unwrap();
    board.set("TELLTALE_UDC_WAIT", "8");
    let child = board
        .command(&["start"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the script");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        !board.gadget().exists(),
        "nothing made before the controller is there"
    );
    board.add_udc(UDC);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(board.attr("UDC"), UDC);
}

#[test]
fn libcomposite_is_loaded_when_configfs_has_no_usb_gadget() {
    let board = FakeBoard::new("modprobe");
    std::fs::remove_dir(board.root.join("config/usb_gadget")).unwrap();
    let out = board.run(&["start"]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(board.modprobe_log(), "libcomposite\n");
    assert_eq!(board.attr("UDC"), UDC);

    let mut board = FakeBoard::new("modprobe-fails");
    std::fs::remove_dir(board.root.join("config/usb_gadget")).unwrap();
    board.set("TELLTALE_MODPROBE", "false");
    let out = board.run(&["start"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr,
        "telltale-usb-gadget: cannot load libcomposite (the kernel's USB gadget framework)\n"
    );
}

#[test]
fn stop_takes_the_gadget_apart_in_an_order_configfs_accepts() {
    let board = started("stop");
    // The stand-in rmdir refuses what configfs refuses: the check below would catch a wrong
    // order.
    let out = Command::new("rmdir")
        .arg(board.gadget())
        .env("PATH", board.path_var())
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "a bound gadget cannot be removed whole"
    );

    let out = board.run(&["stop"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "stop failed: {stderr}");
    assert_eq!(stdout, "telltale-usb-gadget: removed\n");
    assert!(!board.gadget().exists(), "the gadget is gone");
    assert!(board.root.join("config/usb_gadget").is_dir());

    let out = board.run(&["stop"]);
    assert!(out.status.success());
    assert_eq!(text(&out).0, "telltale-usb-gadget: not set up\n");
}

#[test]
fn status_says_what_is_bound_and_exits_three_when_nothing_is() {
    let board = FakeBoard::new("status");
    let out = board.run(&["status"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        text(&out).0,
        "telltale-usb-gadget: not set up (run: telltale-usb-gadget start)\n"
    );

    assert!(board.run(&["start"]).status.success());
    // The kernel numbers the ACM port when the function is made.
    std::fs::write(board.gadget().join("functions/acm.usb0/port_num"), "0\n").unwrap();
    let out = board.run(&["status"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    let gadget = board.gadget();
    assert_eq!(
        text(&out).0,
        format!(
            "gadget    {}\nidentity  0x{:04x}:0x{:04x} \"{}\" serial {DT_SERIAL}\n\
             function  acm.usb0 (/dev/ttyGS0)\nbound to  {UDC} (configured)\n",
            gadget.display(),
            usb::VENDOR_ID,
            usb::PRODUCT_ID,
            usb::PRODUCT
        )
    );

    std::fs::write(gadget.join("UDC"), "\n").unwrap();
    let out = board.run(&["status"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out).0.ends_with("bound to  nothing\n"));
}

#[test]
fn a_wrong_word_prints_the_usage() {
    let board = FakeBoard::new("usage");
    for args in [&[][..], &["restart"][..]] {
        let out = board.run(args);
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(
            text(&out).1,
            "usage: telltale-usb-gadget start|stop|status\n"
        );
    }
}
