//! telltale-board: the hardware side of the box.
//!
//! It owns the three indicator LEDs and the acknowledge button:
//! - [`led`]: the [`Leds`] trait every backend implements, and its errors;
//! - [`indicator`]: the LED table of DESIGN.md as data and the pure state machine that turns
//!   verdicts and capture health into LED states and the instant of the next change;
//! - [`driver`]: the loop that runs the state machine on a [`Clock`] and a backend;
//! - [`clock`]: embassy-time's clock on the box, a mock clock in tests;
//! - backends: [`gpio`] (rppal, feature `gpio`), [`sysfs`] (Linux LED class), [`sim`]
//!   (recorded timeline, terminal drawing), chosen by name in [`backend`];
//! - [`button`]: the acknowledge button; [`profile`]: the pin map of each board.
//!
//! It depends only on `telltale-proto`, whose protocol version it re-exports so that every board
//! profile reports the version its daemon speaks.

pub mod backend;
pub mod button;
pub mod clock;
pub mod driver;
#[cfg(feature = "gpio")]
pub mod gpio;
pub mod indicator;
pub mod led;
pub mod profile;
pub mod sim;
pub mod sysfs;

pub use backend::{open_leds, LedBackend, UnknownLedBackend};
pub use button::{acknowledge_on_press, Button, ButtonError, Debouncer, PressHandler, SimButton};
pub use clock::{Clock, MockClock, SystemClock};
pub use driver::{run_indicator, Inputs, Next, ScriptedInputs};
pub use embassy_time::{Duration, Instant};
#[cfg(feature = "gpio")]
pub use gpio::{GpioButton, GpioLeds};
pub use indicator::{
    FaultKind, Indicator, IndicatorConfig, IndicatorEvent, IndicatorState, Pattern, StateRow,
    LED_TABLE,
};
pub use led::{GpioError, Led, LedError, LedStates, Leds, NoLeds};
pub use profile::{BoardProfile, LedLine, UnknownProfile, PROFILES};
pub use sim::{LedChange, SimLeds, TerminalLeds};
pub use sysfs::{SysfsLeds, DEFAULT_SYSFS_LEDS_ROOT};
pub use telltale_proto::PROTOCOL_VERSION;
