//! The acknowledge button: a press clears the red latch and the pending notice.
//!
//! [`Button`] hides the input behind a trait, as the LEDs are: the GPIO button (rppal, falling
//! edge on a pull-up input, see [`crate::gpio`]) and [`SimButton`] for tests and demos both run
//! presses through the same [`Debouncer`].

use std::sync::mpsc::Sender;

use embassy_time::{Duration, Instant};

use crate::indicator::IndicatorEvent;
use crate::led::GpioError;

/// Called once per debounced press. The GPIO button calls it from rppal's interrupt thread.
pub type PressHandler = Box<dyn FnMut() + Send + 'static>;

/// Presses closer together than this after an accepted press are contact bounce.
pub const BUTTON_DEBOUNCE: Duration = Duration::from_millis(50);

/// Something that reports presses of the acknowledge button.
pub trait Button {
    /// Calls `handler` for every debounced press from now on (replacing an earlier handler).
    fn on_press(&mut self, handler: PressHandler) -> Result<(), ButtonError>;
}

/// Why the button could not be watched.
#[derive(Debug, thiserror::Error)]
pub enum ButtonError {
    /// The GPIO could not be opened or configured.
    #[error(transparent)]
    Gpio(#[from] GpioError),
    /// The board profile has no button.
    #[error("board profile {0} has no acknowledge button")]
    NoButton(&'static str),
}

/// Accepts a falling edge as a press unless it comes within the debounce time of the last
/// accepted press.
#[derive(Debug, Clone, Copy)]
pub struct Debouncer {
    debounce: Duration,
    last_press: Option<Instant>,
}

impl Debouncer {
    /// A debouncer that ignores edges within `debounce` of an accepted press.
    pub const fn new(debounce: Duration) -> Self {
        Self {
            debounce,
            last_press: None,
        }
    }

    /// A falling edge at `at`: returns whether it is a press.
    pub fn edge(&mut self, at: Instant) -> bool {
        let press = match self.last_press {
            None => true,
            // An edge stamped before the last press (clock stepped back) is taken as new.
            Some(last) => at
                .checked_duration_since(last)
                .is_none_or(|since| since >= self.debounce),
        };
        if press {
            self.last_press = Some(at);
        }
        press
    }
}

impl Default for Debouncer {
    fn default() -> Self {
        Self::new(BUTTON_DEBOUNCE)
    }
}

/// A handler that sends [`IndicatorEvent::Acknowledge`] to the LED driver's channel. A driver
/// that has stopped is not an error: the press is dropped.
pub fn acknowledge_on_press(events: Sender<IndicatorEvent>) -> PressHandler {
    Box::new(move || {
        let _ = events.send(IndicatorEvent::Acknowledge);
    })
}

/// A button pressed by calling [`SimButton::edge`] (tests, terminal demos).
#[derive(Default)]
pub struct SimButton {
    debouncer: Debouncer,
    handler: Option<PressHandler>,
}

impl std::fmt::Debug for SimButton {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimButton")
            .field("debouncer", &self.debouncer)
            .field("handler", &self.handler.is_some())
            .finish()
    }
}

impl SimButton {
    /// A button with the standard 50 ms debounce and no handler yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A falling edge at `at` (a press or a bounce); returns whether it counted as a press.
    pub fn edge(&mut self, at: Instant) -> bool {
        let press = self.debouncer.edge(at);
        if press {
            if let Some(handler) = self.handler.as_mut() {
                handler();
            }
        }
        press
    }
}

impl Button for SimButton {
    fn on_press(&mut self, handler: PressHandler) -> Result<(), ButtonError> {
        self.handler = Some(handler);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;
    use crate::indicator::{Indicator, IndicatorState};

    fn ms(millis: u64) -> Instant {
        Instant::from_millis(millis)
    }

    #[test]
    fn debouncer_drops_bounces_within_50_ms() {
        let mut debouncer = Debouncer::default();
        assert!(debouncer.edge(ms(1000)));
        assert!(!debouncer.edge(ms(1001)));
        assert!(!debouncer.edge(ms(1049)));
        assert!(
            debouncer.edge(ms(1050)),
            "exactly the debounce time later is a new press"
        );
        assert!(
            !debouncer.edge(ms(1080)),
            "bounce measured from the last accepted press"
        );
        assert!(debouncer.edge(ms(500)), "clock stepped back");
    }

    #[test]
    fn a_press_acknowledges_the_indicator() {
        let (events, received) = mpsc::channel();
        let mut button = SimButton::new();
        assert!(
            button.edge(ms(0)),
            "a press with no handler is still a press"
        );
        button.on_press(acknowledge_on_press(events)).unwrap();

        let mut indicator = Indicator::new(ms(0));
        indicator.on_health(ms(0), true, None);
        indicator.on_alert(ms(10));
        assert_eq!(indicator.state_at(ms(100)), IndicatorState::AlertLatched);

        assert!(button.edge(ms(100)));
        assert!(!button.edge(ms(120)));
        assert!(!button.edge(ms(140)));
        let delivered: Vec<_> = received.try_iter().collect();
        assert_eq!(
            delivered,
            vec![IndicatorEvent::Acknowledge],
            "bounces send nothing"
        );
        indicator.apply(ms(141), delivered[0]);
        assert_eq!(indicator.state_at(ms(141)), IndicatorState::Watching);
    }
}
