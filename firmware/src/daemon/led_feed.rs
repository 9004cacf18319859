//! What the engine thread tells the LED thread: the indicator's inputs, sent only when they
//! change, each with the frame that caused it.
//!
//! - capture health: both ports up, or a fault once a port that was up goes down;
//! - traffic: a pulse when a batch had frames (at most one per [`TRAFFIC_EVERY`]);
//! - notices: an amber alert;
//! - a suspicious upload in progress, as the detector says (on the engine's clock, which the
//!   daemon moves on by the real time that passed since the last frame, so an upload ends when
//!   the traffic stops); its end latches red;
//! - alerts: a red alert with no upload in progress latches red at once.

use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use telltale_board::{FaultKind, IndicatorEvent};

use crate::capture::source::PortHealth;
use crate::capture::Timestamp;
use crate::event::Meta;

use super::tap::BatchAlerts;

/// The least time between two traffic pulses sent to the LEDs.
pub const TRAFFIC_EVERY: Duration = Duration::from_millis(100);

/// The frame behind an LED input: its number since the daemon started and its capture time
/// (frame 0: none yet).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cause {
    /// 1-based frame number, 0 for none.
    pub frame: u64,
    /// Capture time of that frame.
    pub ts: Timestamp,
}

impl From<Meta> for Cause {
    fn from(meta: Meta) -> Cause {
        Cause {
            frame: meta.frame,
            ts: meta.ts,
        }
    }
}

/// How long a port may stay down after start (links coming up at boot) before it is a fault.
pub const DOWN_GRACE: Duration = Duration::from_secs(10);

/// A message to the LED thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedMsg {
    /// An input for the indicator.
    Input(IndicatorEvent, Cause),
    /// Write the last state, switch the LEDs off and end the thread.
    Stop,
}

/// The engine side of the LEDs: remembers what was sent, sends what changed.
#[derive(Debug)]
pub struct LedFeed {
    tx: Sender<LedMsg>,
    started: Instant,
    health: Option<(bool, Option<FaultKind>)>,
    seen_up: bool,
    upload: bool,
    last_traffic: Option<Instant>,
}

impl LedFeed {
    /// Feeds the LED thread behind `tx`.
    pub fn new(tx: Sender<LedMsg>) -> Self {
        LedFeed {
            tx,
            started: Instant::now(),
            health: None,
            seen_up: false,
            upload: false,
            last_traffic: None,
        }
    }

    fn send(&self, event: IndicatorEvent, cause: Cause) {
        // A stopped LED thread is not the engine's problem: the daemon is ending.
        let _ = self.tx.send(LedMsg::Input(event, cause));
    }

    /// The ports' health. Both up: watching. A port whose interface does not exist, a port down
    /// after both were up, or a port still down [`DOWN_GRACE`] after start: a fault. Otherwise
    /// (links still coming up at boot): starting.
    pub fn health(&mut self, lan: PortHealth, wan: PortHealth, cause: Cause) {
        let up = lan == PortHealth::Up && wan == PortHealth::Up;
        self.seen_up |= up;
        let missing = lan == PortHealth::Missing || wan == PortHealth::Missing;
        let late = self.started.elapsed() >= DOWN_GRACE;
        let fault = (!up && (self.seen_up || missing || late)).then_some(FaultKind::CaptureDown);
        self.set_health(up, fault, cause);
    }

    /// The capture failed: a fault until the daemon ends.
    pub fn capture_failed(&mut self, cause: Cause) {
        self.set_health(false, Some(FaultKind::CaptureDown), cause);
    }

    fn set_health(&mut self, ports_up: bool, fault: Option<FaultKind>, cause: Cause) {
        if self.health != Some((ports_up, fault)) {
            self.health = Some((ports_up, fault));
            self.send(IndicatorEvent::Health { ports_up, fault }, cause);
        }
    }

    /// After a batch of `frames` frames with these alerts; `upload` is whether the detector
    /// has an upload in progress now; `last` is the batch's last frame.
    pub fn after_batch(&mut self, frames: usize, alerts: BatchAlerts, upload: bool, last: Cause) {
        if frames > 0
            && self
                .last_traffic
                .is_none_or(|t| t.elapsed() >= TRAFFIC_EVERY)
        {
            self.last_traffic = Some(Instant::now());
            self.send(IndicatorEvent::Traffic, last);
        }
        if let Some(meta) = alerts.amber {
            self.send(IndicatorEvent::Notice, meta.into());
        }
        if upload != self.upload {
            // The end of an upload latches red (the indicator's rule).
            let cause = alerts.red.map_or(last, Cause::from);
            self.send(IndicatorEvent::UploadInProgress(upload), cause);
            self.upload = upload;
        } else if let (Some(meta), false) = (alerts.red, upload) {
            self.send(IndicatorEvent::Alert, meta.into());
        }
    }

    /// The end of the input (a capture file that stopped): an upload in progress is over.
    pub fn end_of_input(&mut self, last: Cause) {
        if self.upload {
            self.upload = false;
            self.send(IndicatorEvent::UploadInProgress(false), last);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    fn meta(frame: u64) -> Meta {
        Meta {
            frame,
            ts: Timestamp(frame * 1000),
        }
    }

    fn inputs(rx: &mpsc::Receiver<LedMsg>) -> Vec<(IndicatorEvent, u64)> {
        rx.try_iter()
            .map(|m| match m {
                LedMsg::Input(e, c) => (e, c.frame),
                LedMsg::Stop => panic!("no stop from the feed"),
            })
            .collect()
    }

    #[test]
    fn health_is_sent_on_change_and_a_port_lost_is_a_fault() {
        let (tx, rx) = mpsc::channel();
        let mut feed = LedFeed::new(tx);
        let none = Cause::default();
        // A link still coming up at start is "starting"; a missing interface is a fault at once.
        feed.health(PortHealth::Up, PortHealth::Down, none);
        feed.health(PortHealth::Up, PortHealth::Down, none);
        feed.health(PortHealth::Up, PortHealth::Missing, none);
        feed.health(PortHealth::Up, PortHealth::Up, none);
        feed.health(PortHealth::Up, PortHealth::Up, none);
        feed.health(PortHealth::Down, PortHealth::Up, none);
        feed.health(PortHealth::Up, PortHealth::Up, none);
        let health = |ports_up, fault| IndicatorEvent::Health { ports_up, fault };
        assert_eq!(
            inputs(&rx),
            vec![
                (health(false, None), 0),
                (health(false, Some(FaultKind::CaptureDown)), 0),
                (health(true, None), 0),
                (health(false, Some(FaultKind::CaptureDown)), 0),
                (health(true, None), 0),
            ]
        );
    }

    #[test]
    fn notices_uploads_and_alerts() {
        let (tx, rx) = mpsc::channel();
        let mut feed = LedFeed::new(tx);
        // A notice and the start of an upload in one batch; then more of the upload.
        let alerts = BatchAlerts {
            red: Some(meta(677)),
            amber: Some(meta(299)),
            count: 2,
        };
        feed.after_batch(700, alerts, true, meta(700).into());
        feed.after_batch(0, BatchAlerts::default(), true, meta(700).into());
        feed.end_of_input(meta(900).into());
        feed.end_of_input(meta(900).into());
        // A red alert with no upload phase.
        let red = BatchAlerts {
            red: Some(meta(950)),
            ..BatchAlerts::default()
        };
        feed.after_batch(0, red, false, meta(950).into());
        assert_eq!(
            inputs(&rx),
            vec![
                (IndicatorEvent::Traffic, 700),
                (IndicatorEvent::Notice, 299),
                (IndicatorEvent::UploadInProgress(true), 677),
                (IndicatorEvent::UploadInProgress(false), 900),
                (IndicatorEvent::Alert, 950),
            ]
        );
    }

    #[test]
    fn traffic_pulses_are_spaced() {
        let (tx, rx) = mpsc::channel();
        let mut feed = LedFeed::new(tx);
        for _ in 0..5 {
            feed.after_batch(10, BatchAlerts::default(), false, meta(1).into());
        }
        assert_eq!(inputs(&rx).len(), 1);
        std::thread::sleep(TRAFFIC_EVERY);
        feed.after_batch(10, BatchAlerts::default(), false, meta(2).into());
        assert_eq!(inputs(&rx), vec![(IndicatorEvent::Traffic, 2)]);
    }
}
