//! The three indicator LEDs: which LED, what a backend must do to light one, and what can go
//! wrong doing it.
//!
//! Every backend (GPIO through rppal, the Linux LED class, the simulated timeline and the
//! terminal drawing) implements [`Leds`]; nothing above this module knows which one it drives.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// One of the three indicator LEDs of the box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Led {
    /// Green: the box is alive and watching.
    Green,
    /// Amber: something new or unusual was noticed.
    Amber,
    /// Red: a suspicious upload is in progress (blinking) or happened (steady).
    Red,
}

impl Led {
    /// All three LEDs, in the order they sit on the box.
    pub const ALL: [Led; 3] = [Led::Green, Led::Amber, Led::Red];

    /// The lower-case name used in profiles, messages and docs.
    pub const fn name(self) -> &'static str {
        match self {
            Led::Green => "green",
            Led::Amber => "amber",
            Led::Red => "red",
        }
    }
}

impl fmt::Display for Led {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether each LED is lit at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LedStates {
    /// Green lit.
    pub green: bool,
    /// Amber lit.
    pub amber: bool,
    /// Red lit.
    pub red: bool,
}

impl LedStates {
    /// All three off.
    pub const OFF: LedStates = LedStates {
        green: false,
        amber: false,
        red: false,
    };

    /// Whether `led` is lit.
    pub const fn get(self, led: Led) -> bool {
        match led {
            Led::Green => self.green,
            Led::Amber => self.amber,
            Led::Red => self.red,
        }
    }

    /// Returns a copy with `led` set to `on`.
    #[must_use]
    pub const fn with(mut self, led: Led, on: bool) -> LedStates {
        match led {
            Led::Green => self.green = on,
            Led::Amber => self.amber = on,
            Led::Red => self.red = on,
        }
        self
    }
}

/// Something that can switch the three LEDs on and off.
///
/// Implementations switch the hardware at once and keep no timing of their own: blinking is
/// the indicator's job (see [`crate::indicator`]).
pub trait Leds {
    /// Switches `led` on or off.
    fn set(&mut self, led: Led, on: bool) -> Result<(), LedError>;

    /// Switches all three LEDs to `states`.
    fn show(&mut self, states: LedStates) -> Result<(), LedError> {
        for led in Led::ALL {
            self.set(led, states.get(led))?;
        }
        Ok(())
    }
}

impl<L: Leds + ?Sized> Leds for &mut L {
    fn set(&mut self, led: Led, on: bool) -> Result<(), LedError> {
        (**self).set(led, on)
    }
}

impl<L: Leds + ?Sized> Leds for Box<L> {
    fn set(&mut self, led: Led, on: bool) -> Result<(), LedError> {
        (**self).set(led, on)
    }
}

/// A backend that lights nothing (`--leds none`, or a box without LEDs).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLeds;

impl Leds for NoLeds {
    fn set(&mut self, _led: Led, _on: bool) -> Result<(), LedError> {
        Ok(())
    }
}

/// Why an LED backend could not be opened or could not switch an LED. Each message is one line
/// that says what to do.
#[derive(Debug, thiserror::Error)]
pub enum LedError {
    /// Opening or driving the GPIO failed.
    #[error(transparent)]
    Gpio(#[from] GpioError),
    /// The board profile drives this LED through another kind of backend.
    #[error("board profile {profile} has no {backend} line for the {led} LED")]
    WrongBackend {
        /// Profile name.
        profile: &'static str,
        /// The backend asked for (`gpio` or `sysfs`).
        backend: &'static str,
        /// The LED without a line of that kind.
        led: Led,
    },
    /// An LED-class device named by the profile does not exist.
    #[error("LED class device {} not found (is the gpio-led overlay loaded?)", .path.display())]
    SysfsMissing {
        /// The directory that should exist.
        path: PathBuf,
    },
    /// Writing an LED-class attribute failed.
    #[error("writing {}: {source}", .path.display())]
    SysfsWrite {
        /// The attribute file.
        path: PathBuf,
        /// What the kernel said.
        source: io::Error,
    },
    /// Drawing on the terminal failed.
    #[error("drawing the LEDs on the terminal: {0}")]
    Terminal(io::Error),
}

/// Why the GPIO (LEDs or button) could not be used. Each message is one line.
#[derive(Debug, thiserror::Error)]
pub enum GpioError {
    /// rppal could not identify a Raspberry Pi and there is no GPIO memory device.
    #[error("GPIO not available: this is not a Raspberry Pi (no /dev/gpiomem)")]
    NotARaspberryPi,
    /// There is a GPIO memory device but rppal does not know this board model.
    #[error("GPIO not available: rppal does not recognise this Raspberry Pi model")]
    UnknownModel,
    /// Opening the GPIO devices was refused.
    #[error("GPIO permission denied on {0}: run as root or add the user to the gpio group")]
    PermissionDenied(String),
    /// Another process or another part of the daemon holds the pin.
    #[error("GPIO {0} is already in use")]
    PinInUse(u8),
    /// The board has no GPIO line with this BCM number.
    #[error("GPIO {0} does not exist on this board")]
    PinNotAvailable(u8),
    /// Any other GPIO failure, with rppal's description.
    #[error("GPIO error: {0}")]
    Other(String),
    /// The crate was built without the `gpio` feature.
    #[error("GPIO support is not built in: rebuild telltale-board with the `gpio` feature")]
    NotBuilt,
}
