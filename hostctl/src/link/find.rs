//! Finding the box's serial port by its USB identity ([`telltale_proto::usb`]): on Linux from
//! sysfs (`/sys/class/tty/ttyACM*` and their USB device's `product` string), elsewhere from the
//! operating system's list of USB serial ports.

use std::fs;
use std::path::{Path, PathBuf};

use telltale_proto::usb;

/// A serial port that looks like a box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundPort {
    /// The device to open (`/dev/ttyACM0`).
    pub path: PathBuf,
    /// The USB serial number, if any (tells boxes apart).
    pub serial: Option<String>,
}

/// Every box plugged in, found under `sys_class_tty` (normally `/sys/class/tty`).
pub fn find_in_sysfs(sys_class_tty: &Path) -> Vec<FoundPort> {
    let Ok(entries) = fs::read_dir(sys_class_tty) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("ttyACM") {
            continue;
        }
        // device -> the USB interface; its parent is the USB device with the strings.
        let Ok(interface) = fs::canonicalize(entry.path().join("device")) else {
            continue;
        };
        let Some(device) = interface.parent() else {
            continue;
        };
        let read = |file: &str| {
            fs::read_to_string(device.join(file))
                .ok()
                .map(|s| s.trim().to_string())
        };
        let id = |file: &str| read(file).and_then(|s| u16::from_str_radix(&s, 16).ok());
        if read("product").as_deref() == Some(usb::PRODUCT)
            || (id("idVendor") == Some(usb::VENDOR_ID)
                && id("idProduct") == Some(usb::PRODUCT_ID)
                && read("manufacturer").as_deref() == Some(usb::MANUFACTURER))
        {
            found.push(FoundPort {
                path: Path::new("/dev").join(&name),
                serial: read("serial"),
            });
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

/// Every box plugged in.
pub fn find_boxes() -> Vec<FoundPort> {
    if cfg!(target_os = "linux") {
        return find_in_sysfs(Path::new("/sys/class/tty"));
    }
    let Ok(ports) = serialport::available_ports() else {
        return Vec::new();
    };
    ports
        .into_iter()
        .filter_map(|p| match p.port_type {
            serialport::SerialPortType::UsbPort(info)
                if info.product.as_deref() == Some(usb::PRODUCT)
                    || (info.vid == usb::VENDOR_ID
                        && info.pid == usb::PRODUCT_ID
                        && info.manufacturer.as_deref() == Some(usb::MANUFACTURER)) =>
            {
                Some(FoundPort {
                    path: PathBuf::from(p.port_name),
                    serial: info.serial_number,
                })
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a fake sysfs: tty -> device symlink -> interface dir inside a USB device dir.
    fn fake_port(root: &Path, tty: &str, usb_dir: &str, strings: &[(&str, &str)]) {
        let dev = root.join("devices").join(usb_dir);
        let iface = dev.join(format!("{usb_dir}:1.0"));
        fs::create_dir_all(&iface).unwrap();
        for (file, value) in strings {
            fs::write(dev.join(file), format!("{value}\n")).unwrap();
        }
        let tty_dir = root.join("class/tty").join(tty);
        fs::create_dir_all(&tty_dir).unwrap();
        std::os::unix::fs::symlink(&iface, tty_dir.join("device")).unwrap();
    }

    #[test]
    fn finds_the_box_by_product_or_ids_and_ignores_other_modems() {
        let root = std::env::temp_dir().join(format!("telltale-find-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fake_port(
            &root,
            "ttyACM1",
            "1-1",
            &[("product", "telltale box"), ("serial", "b8:27:eb:01:02:03")],
        );
        fake_port(
            &root,
            "ttyACM0",
            "1-2",
            &[
                ("product", "Arduino Uno"),
                ("idVendor", "2341"),
                ("idProduct", "0043"),
            ],
        );
        fake_port(
            &root,
            "ttyACM2",
            "1-3",
            &[
                ("idVendor", "1d6b"),
                ("idProduct", "0104"),
                ("manufacturer", "telltale"),
                ("product", "renamed"),
            ],
        );
        fs::create_dir_all(root.join("class/tty/ttyS0")).unwrap();
        let found = find_in_sysfs(&root.join("class/tty"));
        assert_eq!(
            found,
            vec![
                FoundPort {
                    path: "/dev/ttyACM1".into(),
                    serial: Some("b8:27:eb:01:02:03".into())
                },
                FoundPort {
                    path: "/dev/ttyACM2".into(),
                    serial: None
                },
            ]
        );
        fs::remove_dir_all(&root).unwrap();
    }
}
