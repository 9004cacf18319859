//! The LED driver loop: applies inputs to the [`Indicator`], shows its LEDs on a [`Leds`]
//! backend, and sleeps exactly until the next change or the next input.
//!
//! Inputs arrive through [`Inputs`]: a `std::sync::mpsc::Receiver<IndicatorEvent>` on the box
//! (the engine, the link server's `telltale ack` and the button's handler hold the senders), or
//! [`ScriptedInputs`] in tests, which advances a [`crate::clock::MockClock`] from event to event.

use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};

use embassy_time::Instant;

use crate::clock::{to_std_duration, Clock};
use crate::indicator::{Indicator, IndicatorEvent};
use crate::led::{Led, LedError, LedStates, Leds};

/// What waiting for an input gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// An input arrived (the clock reads its arrival time).
    Event(IndicatorEvent),
    /// The deadline passed first.
    Timeout,
    /// No input will ever come again: the driver stops.
    Closed,
}

/// A source of indicator inputs that can wait for one until a deadline.
pub trait Inputs {
    /// Waits until an input arrives or `deadline` passes (`None`: wait for ever).
    fn next<C: Clock>(&mut self, clock: &mut C, deadline: Option<Instant>) -> Next;
}

impl Inputs for Receiver<IndicatorEvent> {
    fn next<C: Clock>(&mut self, clock: &mut C, deadline: Option<Instant>) -> Next {
        match self.try_recv() {
            Ok(event) => return Next::Event(event),
            Err(TryRecvError::Disconnected) => return Next::Closed,
            Err(TryRecvError::Empty) => {}
        }
        let Some(deadline) = deadline else {
            return self.recv().map_or(Next::Closed, Next::Event);
        };
        let wait = deadline.saturating_duration_since(clock.now());
        match self.recv_timeout(to_std_duration(wait)) {
            Ok(event) => Next::Event(event),
            Err(RecvTimeoutError::Disconnected) => Next::Closed,
            Err(RecvTimeoutError::Timeout) => {
                // recv_timeout and the embassy clock are both monotonic but may round apart:
                // make sure the deadline has really passed by the driver's clock.
                clock.sleep_until(deadline);
                Next::Timeout
            }
        }
    }
}

/// Inputs at fixed instants, for tests: waiting advances the clock to the next input or the
/// deadline, whichever comes first, and the script closes at `end`.
#[derive(Debug, Clone)]
pub struct ScriptedInputs {
    events: Vec<(Instant, IndicatorEvent)>,
    next_index: usize,
    end: Instant,
}

impl ScriptedInputs {
    /// `events` in time order; the driver stops at `end`.
    pub fn new(mut events: Vec<(Instant, IndicatorEvent)>, end: Instant) -> Self {
        events.sort_by_key(|(at, _)| *at);
        Self {
            events,
            next_index: 0,
            end,
        }
    }
}

impl Inputs for ScriptedInputs {
    fn next<C: Clock>(&mut self, clock: &mut C, deadline: Option<Instant>) -> Next {
        let limit = deadline.map_or(self.end, |deadline| deadline.min(self.end));
        match self.events.get(self.next_index) {
            Some(&(at, event)) if at <= limit => {
                self.next_index += 1;
                clock.sleep_until(at);
                Next::Event(event)
            }
            _ => {
                clock.sleep_until(limit);
                if deadline.is_some_and(|deadline| deadline <= self.end) {
                    Next::Timeout
                } else {
                    Next::Closed
                }
            }
        }
    }
}

/// Runs the LEDs until the inputs close: show what the indicator wants now, sleep until it
/// changes or an input arrives, apply the input at the instant it arrived, repeat. Only LEDs
/// whose state changes are written. When the inputs close, all LEDs go dark.
pub fn run_indicator<L: Leds, C: Clock, I: Inputs>(
    leds: &mut L,
    indicator: &mut Indicator,
    clock: &mut C,
    inputs: &mut I,
) -> Result<(), LedError> {
    let mut shown: Option<LedStates> = None;
    loop {
        let now = clock.now();
        let wanted = indicator.leds_at(now);
        for led in Led::ALL {
            if shown.is_none_or(|shown| shown.get(led) != wanted.get(led)) {
                leds.set(led, wanted.get(led))?;
            }
        }
        shown = Some(wanted);
        match inputs.next(clock, indicator.next_change(now)) {
            Next::Event(event) => indicator.apply(clock.now(), event),
            Next::Timeout => {}
            Next::Closed => return leds.show(LedStates::OFF),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use embassy_time::Duration;

    use super::*;
    use crate::clock::{MockClock, SystemClock};
    use crate::indicator::FaultKind;
    use crate::sim::SimLeds;

    fn ms(millis: u64) -> Instant {
        Instant::from_millis(millis)
    }

    const UP: IndicatorEvent = IndicatorEvent::Health {
        ports_up: true,
        fault: None,
    };

    /// Runs a script from t = 0 to `end_ms` and returns the LEDs with their timeline.
    fn run(script: Vec<(u64, IndicatorEvent)>, end_ms: u64) -> SimLeds<MockClock> {
        let mut clock = MockClock::new();
        let mut leds = SimLeds::new(clock.clone());
        let mut indicator = Indicator::new(clock.now());
        let events = script
            .into_iter()
            .map(|(at, event)| (ms(at), event))
            .collect();
        let mut inputs = ScriptedInputs::new(events, ms(end_ms));
        run_indicator(&mut leds, &mut indicator, &mut clock, &mut inputs).unwrap();
        assert_eq!(clock.now(), ms(end_ms));
        leds
    }

    /// The changes of `led` within [from, to) ms, as (ms, on).
    fn changes(leds: &SimLeds<MockClock>, led: Led, from: u64, to: u64) -> Vec<(u64, bool)> {
        leds.changes_of(led)
            .into_iter()
            .map(|(at, on)| (at.as_millis(), on))
            .filter(|(at, _)| (from..to).contains(at))
            .collect()
    }

    #[test]
    fn starting_blinks_green_at_two_hertz_on_the_timeline() {
        let leds = run(vec![], 1600);
        assert_eq!(
            changes(&leds, Led::Green, 0, 1600),
            vec![
                (0, true),
                (250, false),
                (500, true),
                (750, false),
                (1000, true),
                (1250, false),
                (1500, true),
                // the script's end darkens everything
            ]
        );
        assert!(leds.changes_of(Led::Amber).is_empty());
        assert!(leds.changes_of(Led::Red).is_empty());
        assert_eq!(leds.states(), LedStates::OFF, "dark once the inputs close");
    }

    #[test]
    fn watching_off_blinks_on_traffic() {
        let leds = run(
            vec![
                (600, UP),
                (1000, IndicatorEvent::Traffic),
                (1020, IndicatorEvent::Traffic), // inside the blink: nothing
                (1100, IndicatorEvent::Traffic), // too soon after: nothing
                (1400, IndicatorEvent::Traffic),
            ],
            2000,
        );
        assert_eq!(
            changes(&leds, Led::Green, 0, 2000),
            vec![
                (0, true),
                (250, false),
                (500, true),
                // 600: ports up, green stays on (no change recorded)
                (1000, false),
                (1050, true),
                (1400, false),
                (1450, true),
            ]
        );
    }

    #[test]
    fn notice_upload_latch_and_acknowledge() {
        let leds = run(
            vec![
                (0, UP),
                (1000, IndicatorEvent::Notice),
                (2000, IndicatorEvent::UploadInProgress(true)),
                (2600, IndicatorEvent::UploadInProgress(false)),
                (4000, IndicatorEvent::Acknowledge),
            ],
            5000,
        );
        assert_eq!(changes(&leds, Led::Green, 0, 5000), vec![(0, true)]);
        assert_eq!(
            changes(&leds, Led::Amber, 0, 5000),
            vec![(1000, true), (4000, false)]
        );
        assert_eq!(
            changes(&leds, Led::Red, 0, 5000),
            vec![
                // 4 Hz from the upload's start
                (2000, true),
                (2125, false),
                (2250, true),
                (2375, false),
                (2500, true),
                // 2600: the upload ended while red was lit: it stays lit, latched
                (4000, false),
            ]
        );
    }

    #[test]
    fn latch_after_an_upload_that_ends_dark() {
        let leds = run(
            vec![
                (0, UP),
                (100, IndicatorEvent::UploadInProgress(true)),
                (300, IndicatorEvent::UploadInProgress(false)),
            ],
            1000,
        );
        assert_eq!(
            changes(&leds, Led::Red, 0, 1000),
            vec![(100, true), (225, false), (300, true)]
        );
    }

    #[test]
    fn fault_overrides_and_recovery_returns_to_the_latch() {
        let fault = IndicatorEvent::Health {
            ports_up: true,
            fault: Some(FaultKind::CaptureDown),
        };
        let leds = run(
            vec![
                (0, UP),
                (100, IndicatorEvent::Notice),
                (200, IndicatorEvent::Alert),
                (1000, fault),
                (3200, UP),
            ],
            4000,
        );
        assert_eq!(
            changes(&leds, Led::Green, 0, 4000),
            vec![(0, true), (1000, false), (3200, true)]
        );
        assert_eq!(
            changes(&leds, Led::Amber, 0, 4000),
            vec![(100, true), (1000, false), (3200, true)]
        );
        assert_eq!(
            changes(&leds, Led::Red, 0, 4000),
            vec![
                (200, true),
                // fault at 1000: red was on and the 1 Hz blink starts lit, so no change until
                (1500, false),
                (2000, true),
                (2500, false),
                (3000, true),
                // 3200: recovered into the latch: red steady
            ]
        );
        assert_eq!(
            leds.timeline().last().map(|c| c.at),
            Some(ms(4000)),
            "dark at the end"
        );
    }

    #[test]
    fn recovery_from_a_fault_before_the_ports_came_up_is_starting_again() {
        let fault = IndicatorEvent::Health {
            ports_up: false,
            fault: Some(FaultKind::Journal),
        };
        let healthy_but_down = IndicatorEvent::Health {
            ports_up: false,
            fault: None,
        };
        let leds = run(vec![(100, fault), (1100, healthy_but_down)], 1700);
        assert_eq!(
            changes(&leds, Led::Green, 0, 1700),
            vec![
                (0, true),
                (100, false),
                (1100, true),
                (1350, false),
                (1600, true)
            ]
        );
        // Red: the 1 Hz fault blink, then dark from the recovery at 1100 (already dark then).
        assert_eq!(
            changes(&leds, Led::Red, 0, 1700),
            vec![(100, true), (600, false)]
        );
    }

    #[test]
    fn the_driver_stops_when_every_sender_is_gone() {
        let (events, received) = mpsc::channel();
        events.send(UP).unwrap();
        events.send(IndicatorEvent::Alert).unwrap();
        drop(events);
        let mut clock = SystemClock;
        let mut leds = SimLeds::new(SystemClock);
        let mut indicator = Indicator::new(clock.now());
        let mut inputs = received;
        run_indicator(&mut leds, &mut indicator, &mut clock, &mut inputs).unwrap();
        let red: Vec<bool> = leds
            .changes_of(Led::Red)
            .into_iter()
            .map(|(_, on)| on)
            .collect();
        assert_eq!(red, vec![true, false], "latched, then dark at the end");
        assert_eq!(
            indicator.state_at(clock.now()),
            crate::indicator::IndicatorState::AlertLatched
        );
    }

    #[test]
    fn the_real_clock_wakes_for_a_blink_edge() {
        let (events, received) = mpsc::channel::<IndicatorEvent>();
        let mut clock = SystemClock;
        let start = clock.now();
        let mut leds = SimLeds::new(SystemClock);
        let mut indicator = Indicator::new(start);
        let sender = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(400));
            drop(events);
        });
        let mut inputs = received;
        run_indicator(&mut leds, &mut indicator, &mut clock, &mut inputs).unwrap();
        sender.join().unwrap();
        let green = leds.changes_of(Led::Green);
        // on at start, off at +250 ms (by the real clock), off at the end.
        assert_eq!(green.len(), 2, "{green:?}");
        let off_after = green[1].0 - start;
        assert!(off_after >= Duration::from_millis(250), "{off_after}");
        assert!(off_after < Duration::from_millis(400), "{off_after}");
    }
}
