//! Board profiles: which line drives each LED and the button on each supported board.
//!
//! A profile is chosen by name in the daemon's config (`board = "pi4"`). GPIO numbers are BCM
//! numbers, the same on the Pi 4, the Pi 5 (rppal drives the RP1 there) and the CM4 IO board.

use std::fmt;

use crate::led::Led;

/// How one LED is driven on a board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedLine {
    /// A GPIO output, by BCM number, through rppal.
    Gpio(u8),
    /// A Linux LED-class device: the directory name under `/sys/class/leds`.
    Class(&'static str),
    /// The board has no LED for this colour; switching it does nothing.
    Absent,
}

/// The pin map of one board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoardProfile {
    /// The name the config selects it by.
    pub name: &'static str,
    /// One line for `telltaled check` and the docs.
    pub description: &'static str,
    /// The green LED's line.
    pub green: LedLine,
    /// The amber LED's line.
    pub amber: LedLine,
    /// The red LED's line.
    pub red: LedLine,
    /// The acknowledge button's GPIO (BCM), wired to ground, if the board has one.
    pub button: Option<u8>,
}

/// Default BCM GPIO of the green LED (DESIGN.md, "The hardware").
pub const DEFAULT_GREEN_GPIO: u8 = 17;
/// Default BCM GPIO of the amber LED.
pub const DEFAULT_AMBER_GPIO: u8 = 27;
/// Default BCM GPIO of the red LED.
pub const DEFAULT_RED_GPIO: u8 = 22;
/// Default BCM GPIO of the acknowledge button (to ground, internal pull-up).
pub const DEFAULT_BUTTON_GPIO: u8 = 23;

const fn header_profile(name: &'static str, description: &'static str) -> BoardProfile {
    BoardProfile {
        name,
        description,
        green: LedLine::Gpio(DEFAULT_GREEN_GPIO),
        amber: LedLine::Gpio(DEFAULT_AMBER_GPIO),
        red: LedLine::Gpio(DEFAULT_RED_GPIO),
        button: Some(DEFAULT_BUTTON_GPIO),
    }
}

/// Every profile the box knows, the default (`pi4`) first.
pub const PROFILES: [BoardProfile; 5] = [
    header_profile("pi4", "Raspberry Pi 4B: LEDs on GPIO 17/27/22, button on GPIO 23"),
    header_profile("pi5", "Raspberry Pi 5 (RP1): LEDs on GPIO 17/27/22, button on GPIO 23"),
    header_profile("cm4", "Compute Module 4 on its IO board: LEDs on GPIO 17/27/22, button on GPIO 23"),
    BoardProfile {
        name: "sysfs-onboard",
        description: "the on-board LEDs through /sys/class/leds: ACT as green, PWR as red, no amber, no button",
        green: LedLine::Class("ACT"),
        amber: LedLine::Absent,
        red: LedLine::Class("PWR"),
        button: None,
    },
    BoardProfile {
        name: "sysfs-overlay",
        description: "LEDs on GPIO 17/27/22 owned by the kernel (dtoverlay=gpio-led, labels telltale-green/-amber/-red), button on GPIO 23",
        green: LedLine::Class("telltale-green"),
        amber: LedLine::Class("telltale-amber"),
        red: LedLine::Class("telltale-red"),
        button: Some(DEFAULT_BUTTON_GPIO),
    },
];

impl BoardProfile {
    /// The profile named `name`, or an error that lists the known names.
    pub fn by_name(name: &str) -> Result<&'static BoardProfile, UnknownProfile> {
        PROFILES
            .iter()
            .find(|profile| profile.name == name)
            .ok_or_else(|| UnknownProfile {
                name: name.to_owned(),
            })
    }

    /// The default profile (`pi4`).
    pub const fn default_profile() -> &'static BoardProfile {
        &PROFILES[0]
    }

    /// The line that drives `led`.
    pub const fn line(&self, led: Led) -> LedLine {
        match led {
            Led::Green => self.green,
            Led::Amber => self.amber,
            Led::Red => self.red,
        }
    }
}

/// A profile name that is not in [`PROFILES`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown board profile \"{name}\": known profiles are {}", KnownNames)]
pub struct UnknownProfile {
    /// The name asked for.
    pub name: String,
}

struct KnownNames;

impl fmt::Display for KnownNames {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, profile) in PROFILES.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            f.write_str(profile.name)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pi_profiles_use_the_documented_pins() {
        for name in ["pi4", "pi5", "cm4"] {
            let profile = BoardProfile::by_name(name).unwrap();
            assert_eq!(profile.line(Led::Green), LedLine::Gpio(17), "{name}");
            assert_eq!(profile.line(Led::Amber), LedLine::Gpio(27), "{name}");
            assert_eq!(profile.line(Led::Red), LedLine::Gpio(22), "{name}");
            assert_eq!(profile.button, Some(23), "{name}");
        }
        assert_eq!(BoardProfile::default_profile().name, "pi4");
    }

    #[test]
    fn onboard_profile_uses_act_and_pwr() {
        let profile = BoardProfile::by_name("sysfs-onboard").unwrap();
        assert_eq!(profile.green, LedLine::Class("ACT"));
        assert_eq!(profile.amber, LedLine::Absent);
        assert_eq!(profile.red, LedLine::Class("PWR"));
        assert_eq!(profile.button, None);
    }

    #[test]
    fn unknown_profile_names_the_known_ones() {
        let error = BoardProfile::by_name("pi3").unwrap_err();
        assert_eq!(error.name, "pi3");
        assert_eq!(
            error.to_string(),
            "unknown board profile \"pi3\": known profiles are pi4, pi5, cm4, sysfs-onboard, sysfs-overlay"
        );
        assert!(BoardProfile::by_name("").is_err());
        assert!(BoardProfile::by_name("PI4").is_err(), "names are exact");
    }

    #[test]
    fn profile_names_are_unique() {
        for (i, a) in PROFILES.iter().enumerate() {
            for b in &PROFILES[i + 1..] {
                assert_ne!(a.name, b.name);
            }
        }
    }
}
