//! LEDs through the Linux LED class (`/sys/class/leds/NAME/{trigger,brightness}`): the
//! on-board ACT/PWR LEDs, or LEDs the kernel owns through `dtoverlay=gpio-led`.
//!
//! Opening sets each LED's `trigger` to `none` (so the kernel stops blinking it for disk or
//! heartbeat activity) and switches it off; `set` writes `max_brightness` or `0` to
//! `brightness`.

use std::fs;
use std::path::{Path, PathBuf};

use crate::led::{Led, LedError, Leds};
use crate::profile::{BoardProfile, LedLine};

/// Where the kernel exposes the LED class.
pub const DEFAULT_SYSFS_LEDS_ROOT: &str = "/sys/class/leds";

#[derive(Debug)]
struct ClassLed {
    brightness: PathBuf,
    on_value: String,
}

/// LEDs driven through the Linux LED class.
#[derive(Debug)]
pub struct SysfsLeds {
    green: Option<ClassLed>,
    amber: Option<ClassLed>,
    red: Option<ClassLed>,
}

impl SysfsLeds {
    /// Opens the LED-class devices `profile` names under `root` (normally
    /// [`DEFAULT_SYSFS_LEDS_ROOT`]). LEDs the profile marks absent are skipped; a GPIO line is
    /// an error (use the GPIO backend for that profile).
    pub fn open(root: &Path, profile: &'static BoardProfile) -> Result<Self, LedError> {
        let open = |led: Led| -> Result<Option<ClassLed>, LedError> {
            match profile.line(led) {
                LedLine::Absent => Ok(None),
                LedLine::Gpio(_) => Err(LedError::WrongBackend {
                    profile: profile.name,
                    backend: "sysfs",
                    led,
                }),
                LedLine::Class(name) => open_class_led(&root.join(name)).map(Some),
            }
        };
        let mut leds = Self {
            green: open(Led::Green)?,
            amber: open(Led::Amber)?,
            red: open(Led::Red)?,
        };
        for led in Led::ALL {
            leds.set(led, false)?;
        }
        Ok(leds)
    }
}

fn open_class_led(dir: &Path) -> Result<ClassLed, LedError> {
    let brightness = dir.join("brightness");
    if !brightness.exists() {
        return Err(LedError::SysfsMissing {
            path: dir.to_path_buf(),
        });
    }
    let trigger = dir.join("trigger");
    if trigger.exists() {
        write_attribute(&trigger, "none")?;
    }
    // An LED without max_brightness (or with garbage in it) is driven with 1.
    let on_value = fs::read_to_string(dir.join("max_brightness"))
        .ok()
        .and_then(|text| text.trim().parse::<u32>().ok())
        .filter(|max| *max > 0)
        .unwrap_or(1)
        .to_string();
    Ok(ClassLed {
        brightness,
        on_value,
    })
}

fn write_attribute(path: &Path, value: &str) -> Result<(), LedError> {
    fs::write(path, value).map_err(|source| LedError::SysfsWrite {
        path: path.to_path_buf(),
        source,
    })
}

impl Leds for SysfsLeds {
    fn set(&mut self, led: Led, on: bool) -> Result<(), LedError> {
        let class_led = match led {
            Led::Green => &self.green,
            Led::Amber => &self.amber,
            Led::Red => &self.red,
        };
        match class_led {
            None => Ok(()),
            Some(class_led) => {
                let value = if on { class_led.on_value.as_str() } else { "0" };
                write_attribute(&class_led.brightness, value)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory under the system temp dir that mimics /sys/class/leds, removed on drop.
    struct FakeLedClass {
        root: PathBuf,
    }

    impl FakeLedClass {
        fn new(test: &str) -> Self {
            let root =
                std::env::temp_dir().join(format!("telltale-board-{test}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&root);
            fs::create_dir_all(&root).unwrap();
            Self { root }
        }

        /// An LED as the kernel shows it: heartbeat trigger, lit, with a max brightness.
        fn add(&self, name: &str, max_brightness: Option<&str>) {
            let dir = self.root.join(name);
            fs::create_dir_all(&dir).unwrap();
            fs::write(dir.join("trigger"), "none [heartbeat] mmc0").unwrap();
            fs::write(dir.join("brightness"), "255").unwrap();
            if let Some(max) = max_brightness {
                fs::write(dir.join("max_brightness"), max).unwrap();
            }
        }

        fn read(&self, name: &str, attribute: &str) -> String {
            fs::read_to_string(self.root.join(name).join(attribute)).unwrap()
        }
    }

    impl Drop for FakeLedClass {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.root);
        }
    }

    #[test]
    fn onboard_profile_drives_act_and_pwr() {
        let class = FakeLedClass::new("onboard");
        class.add("ACT", Some("255\n"));
        class.add("PWR", None);
        let profile = BoardProfile::by_name("sysfs-onboard").unwrap();
        let mut leds = SysfsLeds::open(&class.root, profile).unwrap();

        // Opening took the LEDs from the kernel's trigger and switched them off.
        assert_eq!(class.read("ACT", "trigger"), "none");
        assert_eq!(class.read("PWR", "trigger"), "none");
        assert_eq!(class.read("ACT", "brightness"), "0");
        assert_eq!(class.read("PWR", "brightness"), "0");

        leds.set(Led::Green, true).unwrap();
        assert_eq!(
            class.read("ACT", "brightness"),
            "255",
            "max_brightness when lit"
        );
        leds.set(Led::Red, true).unwrap();
        assert_eq!(
            class.read("PWR", "brightness"),
            "1",
            "1 without max_brightness"
        );
        leds.set(Led::Amber, true).unwrap(); // absent on this profile: no-op
        leds.set(Led::Green, false).unwrap();
        assert_eq!(class.read("ACT", "brightness"), "0");
        assert_eq!(class.read("PWR", "brightness"), "1");
    }

    #[test]
    fn overlay_profile_needs_all_three_devices() {
        let class = FakeLedClass::new("overlay");
        class.add("telltale-green", Some("1"));
        class.add("telltale-amber", Some("1"));
        let profile = BoardProfile::by_name("sysfs-overlay").unwrap();
        let error = SysfsLeds::open(&class.root, profile).unwrap_err();
        assert!(matches!(error, LedError::SysfsMissing { .. }), "{error:?}");
        let message = error.to_string();
        assert!(message.starts_with("LED class device "), "{message}");
        assert!(message.contains("telltale-red not found"), "{message}");

        class.add("telltale-red", Some("1"));
        let mut leds = SysfsLeds::open(&class.root, profile).unwrap();
        leds.set(Led::Amber, true).unwrap();
        assert_eq!(class.read("telltale-amber", "brightness"), "1");
        assert_eq!(class.read("telltale-red", "brightness"), "0");
    }

    #[test]
    fn gpio_profile_is_refused() {
        let class = FakeLedClass::new("gpio-profile");
        let error =
            SysfsLeds::open(&class.root, BoardProfile::by_name("pi5").unwrap()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "board profile pi5 has no sysfs line for the green LED"
        );
    }

    #[test]
    fn unwritable_brightness_is_reported_with_its_path() {
        let class = FakeLedClass::new("unwritable");
        class.add("ACT", Some("1"));
        class.add("PWR", Some("1"));
        // A directory where the brightness file should be cannot be written.
        fs::remove_file(class.root.join("PWR/brightness")).unwrap();
        fs::create_dir(class.root.join("PWR/brightness")).unwrap();
        let error = SysfsLeds::open(&class.root, BoardProfile::by_name("sysfs-onboard").unwrap())
            .unwrap_err();
        assert!(matches!(error, LedError::SysfsWrite { .. }), "{error:?}");
        assert!(error.to_string().contains("PWR/brightness"), "{error}");
    }
}
