//! LEDs and the acknowledge button on the Raspberry Pi's GPIO header, through rppal 0.22
//! (Pi 4 and CM4 through `/dev/gpiomem`, Pi 5 through the RP1).
//!
//! rppal builds on any Linux; off a Pi, opening the GPIO fails, and this module turns that into
//! one line: "GPIO not available: this is not a Raspberry Pi (no /dev/gpiomem)". rppal's author
//! retired it in 2025, which is why it stays behind [`Leds`] and [`Button`].

use std::path::Path;

use embassy_time::Instant;
use rppal::gpio::{Gpio, OutputPin, Trigger};

use crate::button::{Button, ButtonError, Debouncer, PressHandler};
use crate::led::{GpioError, Led, LedError, Leds};
use crate::profile::{BoardProfile, LedLine};

/// The device nodes whose absence means "not a Raspberry Pi".
const GPIO_MEMORY_DEVICES: [&str; 2] = ["/dev/gpiomem", "/dev/gpiomem0"];

/// Opens the GPIO, with rppal's errors turned into [`GpioError`].
fn open_gpio() -> Result<Gpio, GpioError> {
    Gpio::new().map_err(|error| gpio_error(error, None))
}

/// Describes an rppal error in one line. `pin` is the pin being set up, if any.
fn gpio_error(error: rppal::gpio::Error, pin: Option<u8>) -> GpioError {
    use rppal::gpio::Error;
    match error {
        Error::UnknownModel => {
            if GPIO_MEMORY_DEVICES
                .iter()
                .any(|dev| Path::new(dev).exists())
            {
                GpioError::UnknownModel
            } else {
                GpioError::NotARaspberryPi
            }
        }
        Error::PermissionDenied(path) => GpioError::PermissionDenied(path),
        Error::PinUsed(pin) => GpioError::PinInUse(pin),
        Error::PinNotAvailable(pin) => GpioError::PinNotAvailable(pin),
        other => match pin {
            Some(pin) => GpioError::Other(format!("GPIO {pin}: {other}")),
            None => GpioError::Other(other.to_string()),
        },
    }
}

/// The three LEDs on GPIO outputs (active high, 330 ohm to ground).
#[derive(Debug)]
pub struct GpioLeds {
    green: Option<OutputPin>,
    amber: Option<OutputPin>,
    red: Option<OutputPin>,
}

impl GpioLeds {
    /// Claims the profile's LED pins as outputs, all off. Pins are released (and left as they
    /// were) when this is dropped.
    pub fn open(profile: &'static BoardProfile) -> Result<Self, LedError> {
        let gpio = open_gpio()?;
        let output = |led: Led| -> Result<Option<OutputPin>, LedError> {
            match profile.line(led) {
                LedLine::Absent => Ok(None),
                LedLine::Class(_) => Err(LedError::WrongBackend {
                    profile: profile.name,
                    backend: "gpio",
                    led,
                }),
                LedLine::Gpio(pin) => {
                    let pin_handle = gpio
                        .get(pin)
                        .map_err(|error| gpio_error(error, Some(pin)))?;
                    Ok(Some(pin_handle.into_output_low()))
                }
            }
        };
        Ok(Self {
            green: output(Led::Green)?,
            amber: output(Led::Amber)?,
            red: output(Led::Red)?,
        })
    }
}

impl Leds for GpioLeds {
    fn set(&mut self, led: Led, on: bool) -> Result<(), LedError> {
        let pin = match led {
            Led::Green => &mut self.green,
            Led::Amber => &mut self.amber,
            Led::Red => &mut self.red,
        };
        if let Some(pin) = pin {
            if on {
                pin.set_high();
            } else {
                pin.set_low();
            }
        }
        Ok(())
    }
}

/// The acknowledge button: a GPIO input with the internal pull-up, the button shorting it to
/// ground, so a press is a falling edge. Edges are stamped by the kernel and debounced by
/// [`Debouncer`] (50 ms).
#[derive(Debug)]
pub struct GpioButton {
    pin: rppal::gpio::InputPin,
}

impl GpioButton {
    /// Claims the profile's button pin as a pulled-up input.
    pub fn open(profile: &'static BoardProfile) -> Result<Self, ButtonError> {
        let pin = profile.button.ok_or(ButtonError::NoButton(profile.name))?;
        let gpio = open_gpio()?;
        let input = gpio
            .get(pin)
            .map_err(|error| gpio_error(error, Some(pin)))?
            .into_input_pullup();
        Ok(Self { pin: input })
    }
}

impl Button for GpioButton {
    fn on_press(&mut self, mut handler: PressHandler) -> Result<(), ButtonError> {
        let number = self.pin.pin();
        let mut debouncer = Debouncer::default();
        self.pin
            .set_async_interrupt(Trigger::FallingEdge, None, move |event| {
                // The kernel's timestamp (since boot) spaces the edges; only differences matter.
                let at = Instant::from_micros(event.timestamp.as_micros() as u64);
                if debouncer.edge(at) {
                    handler();
                }
            })
            .map_err(|error| ButtonError::Gpio(gpio_error(error, Some(number))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn off_a_pi() -> bool {
        !GPIO_MEMORY_DEVICES
            .iter()
            .any(|dev| Path::new(dev).exists())
    }

    #[test]
    fn off_a_pi_the_leds_say_so_in_one_line() {
        if !off_a_pi() {
            eprintln!("skipped: this machine has a GPIO memory device");
            return;
        }
        let error = GpioLeds::open(BoardProfile::by_name("pi4").unwrap()).unwrap_err();
        assert!(
            matches!(error, LedError::Gpio(GpioError::NotARaspberryPi)),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "GPIO not available: this is not a Raspberry Pi (no /dev/gpiomem)"
        );
    }

    #[test]
    fn off_a_pi_the_button_says_so_in_one_line() {
        if !off_a_pi() {
            eprintln!("skipped: this machine has a GPIO memory device");
            return;
        }
        let error = GpioButton::open(BoardProfile::by_name("pi5").unwrap()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "GPIO not available: this is not a Raspberry Pi (no /dev/gpiomem)"
        );
    }

    #[test]
    fn a_profile_without_a_button_is_refused_before_touching_the_gpio() {
        let error = GpioButton::open(BoardProfile::by_name("sysfs-onboard").unwrap()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "board profile sysfs-onboard has no acknowledge button"
        );
    }

    #[test]
    fn rppal_errors_become_one_line_each() {
        use rppal::gpio::Error;
        assert_eq!(
            gpio_error(Error::PinUsed(17), Some(17)).to_string(),
            "GPIO 17 is already in use"
        );
        assert_eq!(
            gpio_error(Error::PinNotAvailable(99), Some(99)).to_string(),
            "GPIO 99 does not exist on this board"
        );
        assert_eq!(
            gpio_error(Error::PermissionDenied("/dev/gpiomem".into()), None).to_string(),
            "GPIO permission denied on /dev/gpiomem: run as root or add the user to the gpio group"
        );
        let io = gpio_error(Error::Io(std::io::Error::other("boom")), Some(22)).to_string();
        assert!(io.starts_with("GPIO error: GPIO 22: "), "{io}");
        assert!(!io.contains('\n'));
    }
}
