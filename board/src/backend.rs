//! Choosing an LED backend by name (`--leds gpio|sysfs|sim|none` and the config's `leds =`).

use std::path::Path;
use std::str::FromStr;

use crate::led::{LedError, Leds, NoLeds};
use crate::profile::BoardProfile;
use crate::sim::TerminalLeds;
use crate::sysfs::SysfsLeds;

/// The LED backends the daemon can drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedBackend {
    /// GPIO outputs through rppal ([`crate::gpio::GpioLeds`], feature `gpio`).
    Gpio,
    /// The Linux LED class ([`SysfsLeds`]).
    Sysfs,
    /// Drawn on the terminal's standard error ([`TerminalLeds`]).
    Sim,
    /// No LEDs.
    None,
}

/// A backend name that is not one of `gpio`, `sysfs`, `sim`, `none`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown LED backend \"{0}\": choose gpio, sysfs, sim or none")]
pub struct UnknownLedBackend(pub String);

impl FromStr for LedBackend {
    type Err = UnknownLedBackend;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "gpio" => Ok(LedBackend::Gpio),
            "sysfs" => Ok(LedBackend::Sysfs),
            "sim" => Ok(LedBackend::Sim),
            "none" => Ok(LedBackend::None),
            other => Err(UnknownLedBackend(other.to_owned())),
        }
    }
}

/// Opens `backend` for `profile`; `sysfs_root` is where the LED class lives (normally
/// [`crate::sysfs::DEFAULT_SYSFS_LEDS_ROOT`]).
pub fn open_leds(
    backend: LedBackend,
    profile: &'static BoardProfile,
    sysfs_root: &Path,
) -> Result<Box<dyn Leds + Send>, LedError> {
    match backend {
        LedBackend::Gpio => open_gpio_leds(profile),
        LedBackend::Sysfs => Ok(Box::new(SysfsLeds::open(sysfs_root, profile)?)),
        LedBackend::Sim => Ok(Box::new(TerminalLeds::new(std::io::stderr()))),
        LedBackend::None => Ok(Box::new(NoLeds)),
    }
}

#[cfg(feature = "gpio")]
fn open_gpio_leds(profile: &'static BoardProfile) -> Result<Box<dyn Leds + Send>, LedError> {
    Ok(Box::new(crate::gpio::GpioLeds::open(profile)?))
}

#[cfg(not(feature = "gpio"))]
fn open_gpio_leds(_profile: &'static BoardProfile) -> Result<Box<dyn Leds + Send>, LedError> {
    Err(crate::led::GpioError::NotBuilt.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_names_parse() {
        assert_eq!("gpio".parse(), Ok(LedBackend::Gpio));
        assert_eq!("sysfs".parse(), Ok(LedBackend::Sysfs));
        assert_eq!("sim".parse(), Ok(LedBackend::Sim));
        assert_eq!("none".parse(), Ok(LedBackend::None));
        let error = "blinkenlights".parse::<LedBackend>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown LED backend \"blinkenlights\": choose gpio, sysfs, sim or none"
        );
    }

    #[test]
    fn asking_for_gpio_off_a_pi_is_one_line() {
        if Path::new("/dev/gpiomem").exists() || Path::new("/dev/gpiomem0").exists() {
            return;
        }
        let profile = BoardProfile::default_profile();
        let Err(error) = open_leds(LedBackend::Gpio, profile, Path::new("/nonexistent")) else {
            panic!("GPIO opened off a Pi");
        };
        let message = error.to_string();
        #[cfg(feature = "gpio")]
        assert_eq!(
            message,
            "GPIO not available: this is not a Raspberry Pi (no /dev/gpiomem)"
        );
        #[cfg(not(feature = "gpio"))]
        assert_eq!(
            message,
            "GPIO support is not built in: rebuild telltale-board with the `gpio` feature"
        );
    }

    #[test]
    fn the_none_backend_accepts_everything() {
        let mut leds = open_leds(
            LedBackend::None,
            BoardProfile::default_profile(),
            Path::new("/nonexistent"),
        )
        .unwrap();
        leds.show(crate::led::LedStates {
            green: true,
            amber: true,
            red: true,
        })
        .unwrap();
    }
}
