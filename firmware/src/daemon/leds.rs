//! The LED thread: opens the configured backend (and the acknowledge button), then runs the
//! board crate's driver ([`telltale_board::run_indicator`]) on embassy-time's clock, fed by the
//! engine thread through a channel of [`LedMsg`]. It stops when told to ([`LedThread::stop`]),
//! with every LED dark.

use std::sync::mpsc::{self, Sender};
use std::thread::JoinHandle;

use telltale_board::{
    open_leds, BoardProfile, Button, Clock, Indicator, IndicatorEvent, LedBackend, LedError, Leds,
    NoLeds, SystemClock, TerminalLeds,
};

use crate::config::{LedsBackend, LedsConfig};

use super::error::DaemonError;
use super::led_feed::{Cause, LedMsg};
use super::led_lines::{JsonLeds, ObservedInputs};
use super::output::SharedOut;
use super::status::SharedStatus;

/// The running LED thread.
pub struct LedThread {
    tx: Sender<LedMsg>,
    /// The LEDs are drawn on standard error (end the line when done).
    terminal: bool,
    handle: JoinHandle<Result<(), LedError>>,
    /// Kept so that its interrupt stays armed.
    _button: Option<Box<dyn Button>>,
}

impl core::fmt::Debug for LedThread {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LedThread").finish_non_exhaustive()
    }
}

/// The profile as the board crate wants it (`'static`): the built-in one when the config did not
/// move any pin, otherwise a copy that lives as long as the process (made once per daemon).
fn static_profile(profile: &BoardProfile) -> &'static BoardProfile {
    match BoardProfile::by_name(profile.name) {
        Ok(builtin) if builtin == profile => builtin,
        _ => Box::leak(Box::new(*profile)),
    }
}

/// Opens the backend `config` names.
fn open_backend(
    config: &LedsConfig,
    profile: &'static BoardProfile,
    out: &SharedOut,
    start: telltale_board::Instant,
) -> Result<Box<dyn Leds + Send>, LedError> {
    match config.backend {
        LedsBackend::Gpio => open_leds(LedBackend::Gpio, profile, &config.sysfs_root),
        LedsBackend::Sysfs => open_leds(LedBackend::Sysfs, profile, &config.sysfs_root),
        LedsBackend::Sim => Ok(Box::new(JsonLeds::new(out.clone(), SystemClock, start))),
        LedsBackend::Terminal => Ok(Box::new(TerminalLeds::new(std::io::stderr()))),
        LedsBackend::None => Ok(Box::new(NoLeds)),
    }
}

/// Watches the acknowledge button on the profile's GPIO (rppal); a press acknowledges.
fn open_button(
    profile: &'static BoardProfile,
    tx: Sender<LedMsg>,
) -> Result<Box<dyn Button>, DaemonError> {
    let mut button = telltale_board::GpioButton::open(profile)?;
    button.on_press(Box::new(move || {
        let _ = tx.send(LedMsg::Input(IndicatorEvent::Acknowledge, Cause::default()));
    }))?;
    Ok(Box::new(button))
}

impl LedThread {
    /// Opens the LEDs and the button and starts the thread. State changes are written to `out`
    /// when `write_states` is set; `file` names the source in those lines.
    pub fn spawn(
        config: &LedsConfig,
        out: SharedOut,
        write_states: bool,
        file: String,
        status: SharedStatus,
    ) -> Result<LedThread, DaemonError> {
        let profile = static_profile(&config.profile);
        let start = SystemClock.now();
        let mut leds = open_backend(config, profile, &out, start)?;
        let (tx, rx) = mpsc::channel();
        let button = if config.button {
            Some(open_button(profile, tx.clone())?)
        } else {
            None
        };
        let handle = std::thread::Builder::new()
            .name("telltale-leds".into())
            .spawn(move || {
                let mut clock = SystemClock;
                let mut indicator = Indicator::new(start);
                let mut inputs =
                    ObservedInputs::new(rx, start, out, write_states, file).with_status(status);
                telltale_board::run_indicator(&mut leds, &mut indicator, &mut clock, &mut inputs)
            })
            .map_err(DaemonError::Thread)?;
        Ok(LedThread {
            tx,
            terminal: config.backend == LedsBackend::Terminal,
            handle,
            _button: button,
        })
    }

    /// A sender for the engine thread.
    pub fn sender(&self) -> Sender<LedMsg> {
        self.tx.clone()
    }

    /// Writes the last state, switches the LEDs off and waits for the thread.
    pub fn stop(self) -> Result<(), DaemonError> {
        let _ = self.tx.send(LedMsg::Stop);
        let result = match self.handle.join() {
            Ok(result) => result.map_err(DaemonError::from),
            Err(_) => Err(DaemonError::Panicked("LED")),
        };
        if self.terminal {
            // The drawing stays on its line; what is logged next starts on a new one.
            eprintln!();
        }
        result
    }
}
