//! `--leds sim`: the LED timeline of a replay. The board crate's indicator state machine (the
//! one that drives the real LEDs on the box) is fed what the engine found, on the capture's
//! clock, and every change of state is recorded with the frame that caused it.

use serde::Serialize;
use telltale_board::{Indicator, IndicatorState, Instant};

use crate::capture::Timestamp;
use crate::detect::thresholds::Severity;
use crate::event::{Event, FlowRecord, Meta, Sink};

/// One change of the LEDs.
#[derive(Debug, Clone, Serialize)]
pub struct LedChange {
    /// The file the frame is in.
    pub file: String,
    /// The frame that caused it.
    pub frame: u64,
    /// Its capture time, seconds since the epoch.
    pub ts: f64,
    /// Seconds since the replay's first frame (its clock never goes back).
    pub at: f64,
    /// The state's name in DESIGN.md's LED table.
    pub state: &'static str,
    /// What it means.
    pub meaning: &'static str,
}

/// The indicator and the changes it went through.
#[derive(Debug)]
pub struct LedTimeline {
    indicator: Indicator,
    state: Option<IndicatorState>,
    upload: bool,
    red: bool,
    amber: bool,
    last: (u64, Timestamp, u64),
    file: String,
    /// Every change, in order.
    pub changes: Vec<LedChange>,
}

impl Default for LedTimeline {
    fn default() -> Self {
        LedTimeline {
            indicator: Indicator::new(Instant::from_micros(0)),
            state: None,
            upload: false,
            red: false,
            amber: false,
            last: (0, Timestamp(0), 0),
            file: String::new(),
            changes: Vec::new(),
        }
    }
}

fn instant(virtual_ns: u64) -> Instant {
    Instant::from_micros(virtual_ns / 1000)
}

impl LedTimeline {
    /// Names the file whose frames follow.
    pub fn set_file(&mut self, file: &str) {
        self.file.clear();
        self.file.push_str(file);
    }

    /// Applies what frame `meta` led to: alerts seen since the last frame, and whether a red
    /// upload is in progress at virtual time `now_ns`.
    pub fn after_frame(&mut self, meta: Meta, now_ns: u64, upload_in_progress: bool) {
        let now = instant(now_ns);
        if self.state.is_none() {
            // A replay has no ports to wait for: both are "up" from the first frame.
            self.indicator.on_health(now, true, None);
        }
        if self.amber {
            self.indicator.on_notice(now);
        }
        if upload_in_progress != self.upload {
            // The end of a red upload latches the alert (the indicator's rule).
            self.indicator
                .on_upload_in_progress(now, upload_in_progress);
            self.upload = upload_in_progress;
        } else if self.red && !upload_in_progress {
            self.indicator.on_alert(now);
        }
        self.red = false;
        self.amber = false;
        self.last = (meta.frame, meta.ts, now_ns);
        self.record(meta.frame, meta.ts, now_ns);
    }

    fn record(&mut self, frame: u64, ts: Timestamp, now_ns: u64) {
        let state = self.indicator.state_at(instant(now_ns));
        if self.state != Some(state) {
            let row = state.row();
            self.changes.push(LedChange {
                file: self.file.clone(),
                frame,
                ts: ts.as_secs_f64(),
                at: now_ns as f64 / 1e9,
                state: row.name,
                meaning: row.meaning,
            });
            self.state = Some(state);
        }
    }

    /// The end of the input (after the last frame of the last file): an upload still "in
    /// progress" is over, which latches the alert.
    pub fn finish(&mut self) {
        let (frame, ts, now_ns) = self.last;
        if self.upload {
            self.indicator.on_upload_in_progress(instant(now_ns), false);
            self.upload = false;
        }
        self.record(frame, ts, now_ns);
    }

    /// A sink that notes alerts for the timeline and passes everything on to `inner`.
    pub fn tap<'a>(&'a mut self, inner: &'a mut dyn Sink) -> LedTap<'a> {
        LedTap {
            timeline: self,
            inner,
        }
    }
}

/// The sink returned by `LedTimeline::tap`.
pub struct LedTap<'a> {
    timeline: &'a mut LedTimeline,
    inner: &'a mut dyn Sink,
}

impl core::fmt::Debug for LedTap<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LedTap").finish_non_exhaustive()
    }
}

/// What the replay loop does after each frame, besides feeding the sink.
pub trait AfterFrame: Sink {
    /// Frame `meta` was polled; the engine's virtual time is `now_ns`.
    fn after_frame(&mut self, meta: Meta, now_ns: u64, upload_in_progress: bool);
}

impl AfterFrame for LedTap<'_> {
    fn after_frame(&mut self, meta: Meta, now_ns: u64, upload_in_progress: bool) {
        self.timeline.after_frame(meta, now_ns, upload_in_progress);
    }
}

/// A sink with nothing to do after a frame.
pub struct Plain<'a>(pub &'a mut dyn Sink);

impl core::fmt::Debug for Plain<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Plain").finish_non_exhaustive()
    }
}

impl Sink for Plain<'_> {
    fn event(&mut self, meta: Meta, event: &Event<'_>) {
        self.0.event(meta, event);
    }
    fn flow_end(&mut self, flow: &FlowRecord<'_>) {
        self.0.flow_end(flow);
    }
}

impl AfterFrame for Plain<'_> {
    fn after_frame(&mut self, _meta: Meta, _now_ns: u64, _upload_in_progress: bool) {}
}

impl Sink for LedTap<'_> {
    fn event(&mut self, meta: Meta, event: &Event<'_>) {
        if let Event::Alert(a) = event {
            match a.severity {
                Severity::Red => self.timeline.red = true,
                Severity::Amber => self.timeline.amber = true,
            }
        }
        self.inner.event(meta, event);
    }

    fn flow_end(&mut self, flow: &FlowRecord<'_>) {
        self.inner.flow_end(flow);
    }
}
