//! The LED thread's JSON lines: the indicator's state changes (`kind: "led"`, the same object
//! `telltaled replay --leds sim` writes) and, for the `sim` backend, every switch of an LED
//! (`kind: "led_switch"`).
//!
//! [`ObservedInputs`] is the board driver's input source: it receives the engine's messages and,
//! to know the state the driver's [`Indicator`] is in, applies every input to a copy of it at
//! the same instant. The indicator is a pure function of its inputs and their instants, so the
//! copy goes through the same states, and each change is written as it happens.

use std::io::Write;
use std::sync::mpsc::{Receiver, RecvTimeoutError};

use telltale_board::{
    Clock, Indicator, IndicatorState, Inputs, Instant, Led, LedError, Leds, Next,
};

use crate::capture::Timestamp;
use crate::replay::json::{Emit, JsonLine, JsonSink};
use crate::replay::leds::LedChange;

use super::led_feed::{Cause, LedMsg};
use super::output::SharedOut;
use super::status::{self, SharedStatus};

/// Seconds since `start`, as the `at` field.
fn seconds_since(start: Instant, now: Instant) -> f64 {
    now.saturating_duration_since(start).as_micros() as f64 / 1e6
}

/// The wall clock now, for changes no frame caused.
fn wall_clock() -> Timestamp {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp(since.as_nanos() as u64)
}

/// The LED thread's inputs, writing each state change (see the module doc).
pub struct ObservedInputs {
    rx: Receiver<LedMsg>,
    shadow: Indicator,
    shown: Option<IndicatorState>,
    cause: Cause,
    start: Instant,
    file: String,
    lines: Option<JsonSink<SharedOut>>,
    status: Option<SharedStatus>,
}

impl core::fmt::Debug for ObservedInputs {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ObservedInputs")
            .field("shown", &self.shown)
            .field("cause", &self.cause)
            .finish_non_exhaustive()
    }
}

impl ObservedInputs {
    /// Inputs from `rx` for an indicator made at `start`; state changes are written to `out`
    /// when `write` is set, with `file` naming the source.
    pub fn new(
        rx: Receiver<LedMsg>,
        start: Instant,
        out: SharedOut,
        write: bool,
        file: String,
    ) -> Self {
        ObservedInputs {
            rx,
            shadow: Indicator::new(start),
            shown: None,
            cause: Cause::default(),
            start,
            file,
            lines: write.then(|| JsonSink::new(out, Emit::default())),
            status: None,
        }
    }

    /// Also publishes each state (and the red latch) to `status`.
    pub fn with_status(mut self, status: SharedStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Writes the state at `now` if it changed.
    fn report(&mut self, now: Instant) {
        let state = self.shadow.state_at(now);
        if self.shown == Some(state) {
            return;
        }
        self.shown = Some(state);
        if let Some(s) = &self.status {
            let mut s = status::lock(s);
            s.indicator = state.row().name;
            s.latched = self.shadow.alert_latched();
        }
        let Some(lines) = &mut self.lines else { return };
        let row = state.row();
        let ts = if self.cause.frame == 0 {
            wall_clock()
        } else {
            self.cause.ts
        };
        lines.led(&LedChange {
            file: self.file.clone(),
            frame: self.cause.frame,
            ts: ts.as_secs_f64(),
            at: seconds_since(self.start, now),
            state: row.name,
            meaning: row.meaning,
        });
        if let Err(e) = lines.finish() {
            eprintln!("telltaled: writing an LED line: {e}");
        }
    }
}

impl Inputs for ObservedInputs {
    fn next<C: Clock>(&mut self, clock: &mut C, deadline: Option<Instant>) -> Next {
        // A change that came with time alone (a notice expiring) is written before waiting.
        self.report(clock.now());
        let msg = match deadline {
            None => self.rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            Some(deadline) => {
                let wait = deadline.saturating_duration_since(clock.now());
                self.rx
                    .recv_timeout(std::time::Duration::from_micros(wait.as_micros()))
            }
        };
        match msg {
            Ok(LedMsg::Input(event, cause)) => {
                let now = clock.now();
                self.cause = cause;
                self.shadow.apply(now, event);
                self.report(now);
                Next::Event(event)
            }
            Ok(LedMsg::Stop) | Err(RecvTimeoutError::Disconnected) => {
                self.report(clock.now());
                Next::Closed
            }
            Err(RecvTimeoutError::Timeout) => {
                if let Some(deadline) = deadline {
                    // The channel's timer and embassy's clock may round apart.
                    clock.sleep_until(deadline);
                }
                Next::Timeout
            }
        }
    }
}

/// The `sim` backend: every switch of an LED is a JSON line on the output.
pub struct JsonLeds<C> {
    out: SharedOut,
    line: JsonLine,
    clock: C,
    start: Instant,
}

impl<C> core::fmt::Debug for JsonLeds<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("JsonLeds").finish_non_exhaustive()
    }
}

impl<C: Clock> JsonLeds<C> {
    /// Writes to `out`, timing switches by `clock` from `start`.
    pub fn new(out: SharedOut, clock: C, start: Instant) -> Self {
        JsonLeds {
            out,
            line: JsonLine::default(),
            clock,
            start,
        }
    }
}

impl<C: Clock> Leds for JsonLeds<C> {
    /// `{"kind":"led_switch","at":SECONDS,"led":"red","on":true}`.
    fn set(&mut self, led: Led, on: bool) -> Result<(), LedError> {
        let at = self.clock.now().saturating_duration_since(self.start);
        let l = &mut self.line;
        l.begin();
        l.str("kind", b"led_switch");
        l.ts("at", Timestamp(at.as_micros() * 1000));
        l.str("led", led.name().as_bytes());
        l.bool("on", on);
        let written = self
            .out
            .write_all(self.line.finish())
            .and_then(|()| self.out.flush());
        // The sim backend's only hardware is the output: failing to write is failing to light.
        written.map_err(LedError::Terminal)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use telltale_board::{run_indicator, IndicatorEvent, SystemClock};

    use super::*;
    use crate::config::OutputTarget;

    #[test]
    fn the_driver_writes_each_state_and_each_switch() {
        let path =
            std::env::temp_dir().join(format!("telltale-ledlines-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let out = SharedOut::open(Some(&OutputTarget::File(path.clone()))).unwrap();
        let (tx, rx) = mpsc::channel();
        let start = SystemClock.now();
        let cause = |frame| Cause {
            frame,
            ts: Timestamp(1_700_000_000_000_000_000 + frame),
        };
        let up = IndicatorEvent::Health {
            ports_up: true,
            fault: None,
        };
        tx.send(LedMsg::Input(up, cause(1))).unwrap();
        tx.send(LedMsg::Input(
            IndicatorEvent::UploadInProgress(true),
            cause(7),
        ))
        .unwrap();
        tx.send(LedMsg::Input(
            IndicatorEvent::UploadInProgress(false),
            cause(9),
        ))
        .unwrap();
        tx.send(LedMsg::Stop).unwrap();
        let mut leds = JsonLeds::new(out.clone(), SystemClock, start);
        let mut indicator = Indicator::new(start);
        let mut inputs = ObservedInputs::new(rx, start, out, true, "cap.pcap".into());
        run_indicator(&mut leds, &mut indicator, &mut SystemClock, &mut inputs).unwrap();

        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let states: Vec<(u64, &str)> = lines
            .iter()
            .filter(|l| l["kind"] == "led")
            .map(|l| (l["frame"].as_u64().unwrap(), l["state"].as_str().unwrap()))
            .collect();
        assert_eq!(
            states,
            [
                (0, "starting"),
                (1, "watching"),
                (7, "suspicious upload now"),
                (9, "alert latched")
            ]
        );
        let latched = lines.iter().find(|l| l["frame"] == 9).unwrap();
        assert_eq!(latched["file"], "cap.pcap");
        assert_eq!(latched["ts"].as_f64().unwrap(), 1_700_000_000.0);
        let red: Vec<bool> = lines
            .iter()
            .filter(|l| l["kind"] == "led_switch" && l["led"] == "red")
            .map(|l| l["on"].as_bool().unwrap())
            .collect();
        // Dark at start, lit by the upload (the blink starts lit), latched, dark at the end.
        assert_eq!(red.first(), Some(&false));
        assert!(red.contains(&true));
        assert_eq!(red.last(), Some(&false));
        std::fs::remove_file(path).ok();
    }
}
