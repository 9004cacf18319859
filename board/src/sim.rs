//! Simulated LED backends: [`SimLeds`] records a timeline of changes for tests, and
//! [`TerminalLeds`] draws the three LEDs on one terminal line for `--leds sim` demos.

use std::io::Write;

use embassy_time::Instant;

use crate::clock::Clock;
use crate::led::{Led, LedError, LedStates, Leds};

/// One recorded change: at `at`, `led` went on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedChange {
    /// When the change happened, by the backend's clock.
    pub at: Instant,
    /// Which LED.
    pub led: Led,
    /// Its new state.
    pub on: bool,
}

/// LEDs that record every change with the time of its clock (give it a clone of the
/// [`crate::clock::MockClock`] the driver uses). Setting an LED to the state it is already in
/// records nothing, so the timeline holds only real transitions.
#[derive(Debug)]
pub struct SimLeds<C> {
    clock: C,
    states: LedStates,
    timeline: Vec<LedChange>,
}

impl<C: Clock> SimLeds<C> {
    /// All LEDs off, empty timeline.
    pub fn new(clock: C) -> Self {
        Self {
            clock,
            states: LedStates::OFF,
            timeline: Vec::new(),
        }
    }

    /// What is lit now.
    pub fn states(&self) -> LedStates {
        self.states
    }

    /// Every change so far, oldest first.
    pub fn timeline(&self) -> &[LedChange] {
        &self.timeline
    }

    /// The changes of one LED, oldest first, as (instant, on).
    pub fn changes_of(&self, led: Led) -> Vec<(Instant, bool)> {
        self.timeline
            .iter()
            .filter(|change| change.led == led)
            .map(|change| (change.at, change.on))
            .collect()
    }
}

impl<C: Clock> Leds for SimLeds<C> {
    fn set(&mut self, led: Led, on: bool) -> Result<(), LedError> {
        if self.states.get(led) != on {
            self.states = self.states.with(led, on);
            self.timeline.push(LedChange {
                at: self.clock.now(),
                led,
                on,
            });
        }
        Ok(())
    }
}

/// ANSI colour of each LED when lit.
const fn ansi_colour(led: Led) -> &'static str {
    match led {
        Led::Green => "\x1b[32m",
        Led::Amber => "\x1b[33m",
        Led::Red => "\x1b[31m",
    }
}

const ANSI_DIM: &str = "\x1b[2m";
const ANSI_RESET: &str = "\x1b[0m";

/// LEDs drawn on one terminal line, redrawn in place on every change: a coloured `●` for a lit
/// LED, a dim `○` for a dark one.
#[derive(Debug)]
pub struct TerminalLeds<W> {
    out: W,
    states: LedStates,
}

impl<W: Write> TerminalLeds<W> {
    /// Draws on `out` (usually `std::io::stderr()`).
    pub fn new(out: W) -> Self {
        Self {
            out,
            states: LedStates::OFF,
        }
    }

    /// The writer back (tests read what was drawn).
    pub fn into_inner(self) -> W {
        self.out
    }

    fn draw(&mut self) -> std::io::Result<()> {
        write!(self.out, "\rLEDs ")?;
        for led in Led::ALL {
            if self.states.get(led) {
                write!(self.out, " {}●{}", ansi_colour(led), ANSI_RESET)?;
            } else {
                write!(self.out, " {ANSI_DIM}○{ANSI_RESET}")?;
            }
        }
        self.out.flush()
    }
}

impl<W: Write> Leds for TerminalLeds<W> {
    fn set(&mut self, led: Led, on: bool) -> Result<(), LedError> {
        if self.states.get(led) == on {
            return Ok(());
        }
        self.states = self.states.with(led, on);
        self.draw().map_err(LedError::Terminal)
    }
}

#[cfg(test)]
mod tests {
    use embassy_time::Duration;

    use super::*;
    use crate::clock::MockClock;

    #[test]
    fn sim_leds_record_only_transitions() {
        let clock = MockClock::new();
        let mut leds = SimLeds::new(clock.clone());
        leds.set(Led::Green, true).unwrap();
        leds.set(Led::Green, true).unwrap();
        clock.advance(Duration::from_millis(40));
        leds.set(Led::Red, true).unwrap();
        leds.set(Led::Green, false).unwrap();
        leds.set(Led::Amber, false).unwrap();
        assert_eq!(
            leds.timeline(),
            &[
                LedChange {
                    at: Instant::from_millis(0),
                    led: Led::Green,
                    on: true
                },
                LedChange {
                    at: Instant::from_millis(40),
                    led: Led::Red,
                    on: true
                },
                LedChange {
                    at: Instant::from_millis(40),
                    led: Led::Green,
                    on: false
                },
            ]
        );
        assert_eq!(
            leds.states(),
            LedStates {
                green: false,
                amber: false,
                red: true
            }
        );
        assert_eq!(
            leds.changes_of(Led::Red),
            vec![(Instant::from_millis(40), true)]
        );
    }

    #[test]
    fn terminal_leds_draw_one_line_in_colour() {
        let mut leds = TerminalLeds::new(Vec::new());
        leds.show(LedStates {
            green: true,
            amber: false,
            red: true,
        })
        .unwrap();
        let drawn = String::from_utf8(leds.into_inner()).unwrap();
        let last = drawn.rsplit('\r').next().unwrap();
        assert_eq!(
            last,
            "LEDs  \x1b[32m●\x1b[0m \x1b[2m○\x1b[0m \x1b[31m●\x1b[0m"
        );
        assert!(!drawn.contains('\n'), "stays on one line");
        assert_eq!(
            drawn.matches('\r').count(),
            2,
            "one redraw per change, none for amber"
        );
    }
}
