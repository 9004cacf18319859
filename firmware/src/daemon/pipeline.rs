//! The engine thread: pulls batches from the frame source, polls the engine with each frame,
//! writes the JSON lines (flushed after every batch), feeds the LEDs, applies reloaded rules
//! between batches, pings systemd's watchdog while it runs, and on a stop request or the end of
//! the capture ends every flow (`Engine::finish`) and flushes.

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use crate::capture::source::{FrameSource, PortHealth, SourceError};
use crate::capture::Port;
use crate::engine::Engine;
use crate::event::Meta;
use crate::replay::json::JsonSink;
use crate::rules::Rules;

use super::journals::Journals;
use super::led_feed::LedFeed;
use super::notify::Notifier;
use super::output::SharedOut;
use super::signals::Signals;
use super::status::{self, SharedStatus};
use super::tap::AlertTap;

/// The longest the loop waits for frames before it looks at signals, rules and the watchdog.
pub const POLL_TIMEOUT: Duration = Duration::from_millis(100);
/// How often the ports' health is asked for.
const HEALTH_EVERY: Duration = Duration::from_secs(1);
/// How often the systemd status line is refreshed.
const STATUS_EVERY: Duration = Duration::from_secs(10);

/// How the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// SIGTERM or SIGINT.
    Stopped,
    /// The capture file ended (`at_end = "stop"`).
    Finished,
}

/// What the loop did, for the last log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    /// How it ended.
    pub ended: Ended,
    /// Frames polled.
    pub frames: u64,
    /// Alerts raised.
    pub alerts: u64,
}

/// Everything the engine thread owns.
pub struct Pipeline {
    /// The engine, with its rules and tables.
    pub engine: Engine,
    /// Where frames come from.
    pub source: Box<dyn FrameSource + Send>,
    /// The JSON lines.
    pub sink: JsonSink<SharedOut>,
    /// The LED thread's inputs.
    pub leds: LedFeed,
    /// Rules loaded by the main thread after a SIGHUP.
    pub new_rules: Receiver<Rules>,
    /// The stop request.
    pub signals: Signals,
    /// systemd.
    pub notifier: Notifier,
    /// `[time] utc_offset`, for reloaded rules' quiet hours.
    pub utc_offset: i32,
    /// A name for the source in status lines.
    pub source_name: String,
    /// The summary and alert journals.
    pub journals: Journals,
    /// The figures `telltale status` shows.
    pub status: SharedStatus,
}

impl core::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pipeline")
            .field("source_name", &self.source_name)
            .finish_non_exhaustive()
    }
}

impl Pipeline {
    /// Runs until a stop request, the end of a capture file, or a capture failure (returned
    /// after the flows were ended and the output flushed).
    pub fn run(mut self) -> Result<Totals, SourceError> {
        let mut frames = 0u64;
        let mut alerts = 0u64;
        let mut last = Meta::default();
        let mut last_tick: Option<Instant> = None;
        let mut output_failed = false;
        let mut next_health = Instant::now();
        let mut next_status = Instant::now() + STATUS_EVERY;
        let mut next_watchdog = Instant::now();
        let outcome = loop {
            if self.signals.stop_requested() {
                break Ok(Ended::Stopped);
            }
            while let Ok(rules) = self.new_rules.try_recv() {
                let thresholds = rules.detect_thresholds(self.utc_offset);
                self.engine.set_rules(Box::new(rules), thresholds);
            }
            let now = Instant::now();
            if let Some(every) = self.notifier.watchdog_interval() {
                if now >= next_watchdog {
                    self.notifier.watchdog();
                    next_watchdog = now + every;
                }
            }
            if now >= next_health {
                let lan = self.source.health(Port::Lan);
                let wan = self.source.health(Port::Wan);
                self.leds.health(lan, wan, last.into());
                self.publish_status(frames, alerts, [lan, wan]);
                next_health = now + HEALTH_EVERY;
            }
            self.journals
                .sync_if_due(&mut |l| eprintln!("telltaled: {l}"));
            if now >= next_status {
                self.notifier.status(&format!(
                    "capturing from {}: {frames} frames, {} flows live, {alerts} alerts",
                    self.source_name,
                    self.engine.live_flows()
                ));
                next_status = now + STATUS_EVERY;
            }
            let mut tap = AlertTap::with_journals(&mut self.sink, &self.journals);
            let engine = &mut self.engine;
            let batch = self.source.next_batch(POLL_TIMEOUT, &mut |frame| {
                frames += 1;
                engine.poll(frame, frames, &mut tap);
                last = Meta {
                    frame: frames,
                    ts: frame.ts,
                };
            });
            let batch_alerts = tap.alerts;
            alerts += batch_alerts.count;
            let n = match batch {
                Ok(n) => n,
                Err(SourceError::Finished) => break Ok(Ended::Finished),
                Err(e) => break Err(e),
            };
            // The engine's clock moves with the frames; on a quiet network real time moves it on,
            // so idle flows end, summary windows close and an upload stops being "in progress".
            let now = Instant::now();
            if n > 0 {
                last_tick = Some(now);
            } else if let Some(t) = last_tick {
                let mut tap = AlertTap::with_journals(&mut self.sink, &self.journals);
                self.engine
                    .idle(now.duration_since(t).as_nanos() as u64, &mut tap);
                alerts += tap.alerts.count;
                last_tick = Some(now);
            }
            let upload = self.engine.detector().upload_in_progress(self.engine.now());
            self.leds.after_batch(n, batch_alerts, upload, last.into());
            if n > 0 {
                flush(&mut self.sink, &mut output_failed);
            }
        };
        let mut tap = AlertTap::with_journals(&mut self.sink, &self.journals);
        self.engine.finish(&mut tap);
        alerts += tap.alerts.count;
        self.journals.sync(&mut |l| eprintln!("telltaled: {l}"));
        match &outcome {
            Ok(Ended::Finished) => self.leds.end_of_input(last.into()),
            Err(_) => self.leds.capture_failed(last.into()),
            Ok(Ended::Stopped) => {}
        }
        flush(&mut self.sink, &mut output_failed);
        outcome.map(|ended| Totals {
            ended,
            frames,
            alerts,
        })
    }
}

impl Pipeline {
    /// Copies the engine's and the source's figures into the shared status.
    fn publish_status(&mut self, frames: u64, alerts: u64, health: [PortHealth; 2]) {
        let _ = self.source.stats();
        let ports = [
            self.source.port_stats(Port::Lan),
            self.source.port_stats(Port::Wan),
        ];
        let counters = self.engine.counters();
        let devices = self.engine.naming().devices.counters();
        let mut s = status::lock(&self.status);
        s.frames = frames;
        s.skipped = counters.nonzero().map(|(_, n)| n).sum();
        s.devices = devices.new.saturating_sub(devices.forgotten) as u32;
        s.flows = self.engine.live_flows() as u32;
        s.alerts = alerts;
        for (i, port) in ports.into_iter().enumerate() {
            s.ports[i].1 = health[i];
            if let Some(stats) = port {
                s.ports[i].2 = stats;
            }
        }
    }
}

/// Flushes the JSON lines; the first failure is reported (the daemon keeps watching).
fn flush(sink: &mut JsonSink<SharedOut>, failed: &mut bool) {
    if let Err(e) = sink.finish() {
        if !*failed {
            eprintln!("telltaled: warning: writing the output: {e} (further errors not shown)");
            *failed = true;
        }
    }
}
