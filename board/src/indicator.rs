//! The LED state machine: turns verdicts and capture health into what each LED shows.
//!
//! This module owns the LED table of DESIGN.md ("LEDs") as data ([`LED_TABLE`]) and the
//! [`Indicator`] that picks a row from its inputs. It is pure: every input and every question
//! takes the instant `now` from the caller, and nothing here reads a clock or touches hardware.
//! [`Indicator::leds_at`] says which LEDs are lit at an instant and [`Indicator::next_change`]
//! says when that may next change, so a driver can sleep exactly until then.
//!
//! Choices the table leaves open, made here:
//! - Amber (a notice) stays on until acknowledged or for [`IndicatorConfig::notice_hold`]
//!   (24 h by default) after the latest notice, whichever comes first, so a box nobody
//!   acknowledges does not keep amber lit for ever. The red latch has no such expiry.
//! - An upload that ends latches red; so does an alert without an upload phase.
//!   Acknowledging while an upload is still in progress clears the latch and the notice, but
//!   the upload latches red again when it ends.
//! - The traffic off-blink shows only in the `watching` state, as the table says: green goes
//!   off for 50 ms per traffic pulse, at most one pulse every 250 ms.
//! - Blinks start lit at the instant their state began, with a 50 % duty cycle.

use embassy_time::{Duration, Instant};

use crate::led::{Led, LedStates};

/// What an LED does in one state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// Dark.
    Off,
    /// Lit.
    On,
    /// Lit for half of each period, then dark, starting lit when the state begins.
    Blink {
        /// One on-off cycle.
        period: Duration,
    },
    /// Lit, with a brief dark blink for each traffic pulse (rate limited).
    OnTrafficBlink,
    /// Lit while a notice is pending (the table's "any" for amber).
    FollowsNotice,
}

/// The rows of the LED table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndicatorState {
    /// Daemon up, ports not yet both seen.
    Starting,
    /// Both ports up, nothing to report.
    Watching,
    /// Something new or unusual (new device, first contact with a watched destination, DNS
    /// bypass).
    Notice,
    /// An upload over a threshold is in progress.
    SuspiciousUpload,
    /// A suspicious upload happened since the last acknowledgement.
    AlertLatched,
    /// Capture down, ring drops above limit, journal full or failing.
    Fault,
}

/// One row of the LED table: a state, what each LED does in it, and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateRow {
    /// The state.
    pub state: IndicatorState,
    /// Its name in docs and status output.
    pub name: &'static str,
    /// The green LED.
    pub green: Pattern,
    /// The amber LED.
    pub amber: Pattern,
    /// The red LED.
    pub red: Pattern,
    /// What the state means.
    pub meaning: &'static str,
}

impl StateRow {
    /// The pattern of `led` in this state.
    pub const fn pattern(&self, led: Led) -> Pattern {
        match led {
            Led::Green => self.green,
            Led::Amber => self.amber,
            Led::Red => self.red,
        }
    }
}

/// Blink period of green while starting (2 Hz).
pub const STARTING_BLINK: Duration = Duration::from_hz(2);
/// Blink period of red during a suspicious upload (4 Hz).
pub const UPLOAD_BLINK: Duration = Duration::from_hz(4);
/// Blink period of red on a fault (1 Hz).
pub const FAULT_BLINK: Duration = Duration::from_hz(1);

/// The LED table of DESIGN.md, one row per state, in the order of [`IndicatorState`]. This is
/// the one place the mapping lives.
pub const LED_TABLE: [StateRow; 6] = [
    StateRow {
        state: IndicatorState::Starting,
        name: "starting",
        green: Pattern::Blink {
            period: STARTING_BLINK,
        },
        amber: Pattern::Off,
        red: Pattern::Off,
        meaning: "daemon up, ports not yet both seen",
    },
    StateRow {
        state: IndicatorState::Watching,
        name: "watching",
        green: Pattern::OnTrafficBlink,
        amber: Pattern::Off,
        red: Pattern::Off,
        meaning: "both ports up, nothing to report",
    },
    StateRow {
        state: IndicatorState::Notice,
        name: "notice",
        green: Pattern::On,
        amber: Pattern::On,
        red: Pattern::Off,
        meaning: "something new or unusual (new device, first contact with a watched destination, DNS bypass)",
    },
    StateRow {
        state: IndicatorState::SuspiciousUpload,
        name: "suspicious upload now",
        green: Pattern::On,
        amber: Pattern::FollowsNotice,
        red: Pattern::Blink {
            period: UPLOAD_BLINK,
        },
        meaning: "an upload over a threshold is in progress",
    },
    StateRow {
        state: IndicatorState::AlertLatched,
        name: "alert latched",
        green: Pattern::On,
        amber: Pattern::FollowsNotice,
        red: Pattern::On,
        meaning: "a suspicious upload happened since the last acknowledgement",
    },
    StateRow {
        state: IndicatorState::Fault,
        name: "fault",
        green: Pattern::Off,
        amber: Pattern::Off,
        red: Pattern::Blink {
            period: FAULT_BLINK,
        },
        meaning: "capture down, ring drops above limit, journal full or failing",
    },
];

impl IndicatorState {
    /// This state's row of [`LED_TABLE`].
    pub const fn row(self) -> &'static StateRow {
        &LED_TABLE[self as usize]
    }
}

/// Why the box is in the fault state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// A capture port is down or its ring could not be opened.
    CaptureDown,
    /// Ring drops are above the configured limit.
    RingDrops,
    /// The journal is full or failing.
    Journal,
}

/// An input to the indicator, for drivers that receive inputs from elsewhere (a channel).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndicatorEvent {
    /// See [`Indicator::on_health`].
    Health {
        /// Both capture ports have been seen up.
        ports_up: bool,
        /// A fault, if any.
        fault: Option<FaultKind>,
    },
    /// See [`Indicator::on_traffic`].
    Traffic,
    /// See [`Indicator::on_notice`].
    Notice,
    /// See [`Indicator::on_upload_in_progress`].
    UploadInProgress(bool),
    /// See [`Indicator::on_alert`].
    Alert,
    /// See [`Indicator::acknowledge`].
    Acknowledge,
}

/// Timings of the indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndicatorConfig {
    /// How long green goes dark for one traffic pulse.
    pub traffic_blink: Duration,
    /// The least time between the starts of two traffic blinks.
    pub traffic_blink_gap: Duration,
    /// How long amber stays lit after the latest notice unless acknowledged first.
    pub notice_hold: Duration,
}

impl Default for IndicatorConfig {
    fn default() -> Self {
        Self {
            traffic_blink: Duration::from_millis(50),
            traffic_blink_gap: Duration::from_millis(250),
            notice_hold: Duration::from_secs(24 * 60 * 60),
        }
    }
}

/// The part of the state that anchors blinking; a notice coming or going does not restart a
/// blink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Fault,
    Starting,
    Upload,
    Latched,
    Quiet,
}

/// The LED state machine. Feed it inputs with their instant; ask it what to show.
#[derive(Debug, Clone)]
pub struct Indicator {
    config: IndicatorConfig,
    ports_up: bool,
    fault: Option<FaultKind>,
    upload_active: bool,
    alert_latched: bool,
    notice_until: Option<Instant>,
    traffic_blink_start: Option<Instant>,
    mode: Mode,
    mode_since: Instant,
}

impl Indicator {
    /// A fresh indicator in the starting state since `now`.
    pub fn new(now: Instant) -> Self {
        Self::with_config(IndicatorConfig::default(), now)
    }

    /// A fresh indicator with other timings.
    pub fn with_config(config: IndicatorConfig, now: Instant) -> Self {
        Self {
            config,
            ports_up: false,
            fault: None,
            upload_active: false,
            alert_latched: false,
            notice_until: None,
            traffic_blink_start: None,
            mode: Mode::Starting,
            mode_since: now,
        }
    }

    /// Capture health: whether both ports have been seen up, and a fault if there is one. A
    /// fault overrides every other state until it clears.
    pub fn on_health(&mut self, now: Instant, ports_up: bool, fault: Option<FaultKind>) {
        self.ports_up = ports_up;
        self.fault = fault;
        self.refresh(now);
    }

    /// A traffic pulse (frames seen since the last pulse): a brief dark blink of green while
    /// watching, at most one per [`IndicatorConfig::traffic_blink_gap`].
    pub fn on_traffic(&mut self, now: Instant) {
        if self.state_at(now).row().green != Pattern::OnTrafficBlink {
            return;
        }
        let spaced = match self.traffic_blink_start {
            None => true,
            // Time went backwards: start afresh rather than wait for the old gap.
            Some(start) => match now.checked_duration_since(start) {
                Some(since) => since >= self.config.traffic_blink_gap,
                None => true,
            },
        };
        if spaced {
            self.traffic_blink_start = Some(now);
        }
    }

    /// Something new or unusual: lights amber until acknowledged or
    /// [`IndicatorConfig::notice_hold`] after this notice.
    pub fn on_notice(&mut self, now: Instant) {
        self.notice_until = Some(now.saturating_add(self.config.notice_hold));
        self.refresh(now);
    }

    /// Whether an upload over a threshold is in progress. An upload that ends latches red.
    pub fn on_upload_in_progress(&mut self, now: Instant, active: bool) {
        if self.upload_active && !active {
            self.alert_latched = true;
        }
        self.upload_active = active;
        self.refresh(now);
    }

    /// A suspicious upload happened: latches red until acknowledged.
    pub fn on_alert(&mut self, now: Instant) {
        self.alert_latched = true;
        self.refresh(now);
    }

    /// The button or `telltale ack`: clears the red latch and the pending notice.
    pub fn acknowledge(&mut self, now: Instant) {
        self.alert_latched = false;
        self.notice_until = None;
        self.refresh(now);
    }

    /// Applies one [`IndicatorEvent`].
    pub fn apply(&mut self, now: Instant, event: IndicatorEvent) {
        match event {
            IndicatorEvent::Health { ports_up, fault } => self.on_health(now, ports_up, fault),
            IndicatorEvent::Traffic => self.on_traffic(now),
            IndicatorEvent::Notice => self.on_notice(now),
            IndicatorEvent::UploadInProgress(active) => self.on_upload_in_progress(now, active),
            IndicatorEvent::Alert => self.on_alert(now),
            IndicatorEvent::Acknowledge => self.acknowledge(now),
        }
    }

    /// The current fault, if any.
    pub fn fault(&self) -> Option<FaultKind> {
        self.fault
    }

    /// Whether a suspicious upload happened since the last acknowledgement (the red latch).
    pub fn alert_latched(&self) -> bool {
        self.alert_latched
    }

    /// The state (row of the table) at `now`.
    pub fn state_at(&self, now: Instant) -> IndicatorState {
        match self.mode {
            Mode::Fault => IndicatorState::Fault,
            Mode::Starting => IndicatorState::Starting,
            Mode::Upload => IndicatorState::SuspiciousUpload,
            Mode::Latched => IndicatorState::AlertLatched,
            Mode::Quiet if self.notice_active(now) => IndicatorState::Notice,
            Mode::Quiet => IndicatorState::Watching,
        }
    }

    /// Which LEDs are lit at `now`.
    pub fn leds_at(&self, now: Instant) -> LedStates {
        let row = self.state_at(now).row();
        let mut states = LedStates::OFF;
        for led in Led::ALL {
            states = states.with(led, self.pattern_lit(row.pattern(led), now));
        }
        states
    }

    /// The next instant after `now` at which [`Self::leds_at`] may change without a new input,
    /// or `None` if nothing changes until the next input.
    pub fn next_change(&self, now: Instant) -> Option<Instant> {
        let row = self.state_at(now).row();
        let mut next = None;
        for led in Led::ALL {
            next = earliest(next, self.pattern_next_change(row.pattern(led), now));
        }
        if let Some(until) = self.notice_until.filter(|until| *until > now) {
            next = earliest(next, Some(until));
        }
        next
    }

    fn mode(&self) -> Mode {
        if self.fault.is_some() {
            Mode::Fault
        } else if !self.ports_up {
            Mode::Starting
        } else if self.upload_active {
            Mode::Upload
        } else if self.alert_latched {
            Mode::Latched
        } else {
            Mode::Quiet
        }
    }

    fn refresh(&mut self, now: Instant) {
        let mode = self.mode();
        if mode != self.mode {
            self.mode = mode;
            self.mode_since = now;
            self.traffic_blink_start = None;
        }
    }

    fn notice_active(&self, now: Instant) -> bool {
        self.notice_until.is_some_and(|until| now < until)
    }

    fn traffic_blink_end(&self, now: Instant) -> Option<Instant> {
        let start = self.traffic_blink_start?;
        let end = start.saturating_add(self.config.traffic_blink);
        (start <= now && now < end).then_some(end)
    }

    fn pattern_lit(&self, pattern: Pattern, now: Instant) -> bool {
        match pattern {
            Pattern::Off => false,
            Pattern::On => true,
            Pattern::Blink { period } => blink_edge(period, self.mode_since, now).0,
            Pattern::OnTrafficBlink => self.traffic_blink_end(now).is_none(),
            Pattern::FollowsNotice => self.notice_active(now),
        }
    }

    fn pattern_next_change(&self, pattern: Pattern, now: Instant) -> Option<Instant> {
        match pattern {
            Pattern::Off | Pattern::On | Pattern::FollowsNotice => None,
            Pattern::Blink { period } => Some(blink_edge(period, self.mode_since, now).1),
            Pattern::OnTrafficBlink => self.traffic_blink_end(now),
        }
    }
}

/// Whether a blink of `period` that started lit at `since` is lit at `now`, and the next edge
/// after `now`. Before `since` (time went backwards) it counts as just started.
fn blink_edge(period: Duration, since: Instant, now: Instant) -> (bool, Instant) {
    let period = period.as_ticks().max(2);
    let half = period / 2;
    let elapsed = now.saturating_duration_since(since).as_ticks();
    let phase = elapsed % period;
    if phase < half {
        (true, now + Duration::from_ticks(half - phase))
    } else {
        (false, now + Duration::from_ticks(period - phase))
    }
}

fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(millis: u64) -> Instant {
        Instant::from_millis(millis)
    }

    fn lit(green: bool, amber: bool, red: bool) -> LedStates {
        LedStates { green, amber, red }
    }

    fn watching_at(at: u64) -> Indicator {
        let mut indicator = Indicator::new(ms(0));
        indicator.on_health(ms(at), true, None);
        indicator
    }

    #[test]
    fn table_rows_are_in_state_order() {
        for (index, row) in LED_TABLE.iter().enumerate() {
            assert_eq!(row.state as usize, index, "{}", row.name);
            assert_eq!(row.state.row(), row);
        }
        assert_eq!(STARTING_BLINK, Duration::from_millis(500));
        assert_eq!(UPLOAD_BLINK, Duration::from_millis(250));
        assert_eq!(FAULT_BLINK, Duration::from_millis(1000));
    }

    #[test]
    fn starting_blinks_green_at_two_hertz() {
        let indicator = Indicator::new(ms(1000));
        assert_eq!(indicator.state_at(ms(1000)), IndicatorState::Starting);
        assert_eq!(indicator.leds_at(ms(1000)), lit(true, false, false));
        assert_eq!(indicator.next_change(ms(1000)), Some(ms(1250)));
        assert_eq!(indicator.leds_at(ms(1249)), lit(true, false, false));
        assert_eq!(indicator.leds_at(ms(1250)), lit(false, false, false));
        assert_eq!(indicator.next_change(ms(1250)), Some(ms(1500)));
        assert_eq!(indicator.next_change(ms(1400)), Some(ms(1500)));
        assert_eq!(indicator.leds_at(ms(1500)), lit(true, false, false));
        // Time before the start (a clock stepped back) counts as just started.
        assert_eq!(indicator.leds_at(ms(10)), lit(true, false, false));
        assert_eq!(indicator.next_change(ms(10)), Some(ms(260)));
    }

    #[test]
    fn watching_is_steady_green_with_traffic_off_blinks() {
        let mut indicator = watching_at(700);
        assert_eq!(indicator.state_at(ms(700)), IndicatorState::Watching);
        assert_eq!(indicator.leds_at(ms(700)), lit(true, false, false));
        assert_eq!(indicator.next_change(ms(700)), None, "nothing to wake for");

        indicator.on_traffic(ms(1000));
        assert_eq!(indicator.leds_at(ms(1000)), lit(false, false, false));
        assert_eq!(indicator.next_change(ms(1000)), Some(ms(1050)));
        assert_eq!(indicator.leds_at(ms(1049)), lit(false, false, false));
        assert_eq!(indicator.leds_at(ms(1050)), lit(true, false, false));
        assert_eq!(indicator.next_change(ms(1050)), None);

        // Rate limited: a pulse 100 ms after the last blink began does nothing...
        indicator.on_traffic(ms(1100));
        assert_eq!(indicator.leds_at(ms(1100)), lit(true, false, false));
        // ...one 250 ms after does.
        indicator.on_traffic(ms(1250));
        assert_eq!(indicator.leds_at(ms(1260)), lit(false, false, false));
    }

    #[test]
    fn traffic_does_not_blink_outside_watching() {
        let mut indicator = Indicator::new(ms(0));
        indicator.on_traffic(ms(100)); // starting: ignored
        indicator.on_health(ms(200), true, None);
        assert_eq!(indicator.leds_at(ms(200)), lit(true, false, false));
        indicator.on_notice(ms(300));
        indicator.on_traffic(ms(400));
        assert_eq!(indicator.leds_at(ms(410)), lit(true, true, false));
    }

    #[test]
    fn notice_lights_amber_until_acknowledged_or_a_day_later() {
        let mut indicator = watching_at(0);
        indicator.on_notice(ms(5000));
        assert_eq!(indicator.state_at(ms(5000)), IndicatorState::Notice);
        assert_eq!(indicator.leds_at(ms(5000)), lit(true, true, false));
        let day_later = ms(5000) + Duration::from_secs(86_400);
        assert_eq!(indicator.next_change(ms(5000)), Some(day_later));
        assert_eq!(
            indicator.leds_at(day_later - Duration::from_millis(1)),
            lit(true, true, false)
        );
        assert_eq!(indicator.state_at(day_later), IndicatorState::Watching);
        assert_eq!(indicator.leds_at(day_later), lit(true, false, false));

        indicator.on_notice(ms(9000));
        indicator.acknowledge(ms(9500));
        assert_eq!(indicator.leds_at(ms(9500)), lit(true, false, false));
        assert_eq!(indicator.next_change(ms(9500)), None);
    }

    #[test]
    fn upload_blinks_red_at_four_hertz_then_latches() {
        let mut indicator = watching_at(0);
        indicator.on_upload_in_progress(ms(2000), true);
        assert_eq!(
            indicator.state_at(ms(2000)),
            IndicatorState::SuspiciousUpload
        );
        assert_eq!(indicator.leds_at(ms(2000)), lit(true, false, true));
        assert_eq!(indicator.next_change(ms(2000)), Some(ms(2125)));
        assert_eq!(indicator.leds_at(ms(2125)), lit(true, false, false));
        assert_eq!(indicator.next_change(ms(2125)), Some(ms(2250)));
        assert_eq!(indicator.leds_at(ms(2250)), lit(true, false, true));
        // A repeated "still active" does not restart the blink.
        indicator.on_upload_in_progress(ms(2300), true);
        assert_eq!(indicator.leds_at(ms(2375)), lit(true, false, false));

        indicator.on_upload_in_progress(ms(3000), false);
        assert_eq!(indicator.state_at(ms(3000)), IndicatorState::AlertLatched);
        assert_eq!(indicator.leds_at(ms(3000)), lit(true, false, true));
        assert_eq!(indicator.next_change(ms(3000)), None);
        assert_eq!(indicator.leds_at(ms(999_999)), lit(true, false, true));

        indicator.acknowledge(ms(4000));
        assert_eq!(indicator.state_at(ms(4000)), IndicatorState::Watching);
        assert_eq!(indicator.leds_at(ms(4000)), lit(true, false, false));
    }

    #[test]
    fn amber_follows_the_notice_while_red_shows() {
        let mut indicator = watching_at(0);
        indicator.on_notice(ms(100));
        indicator.on_alert(ms(200));
        assert_eq!(indicator.state_at(ms(200)), IndicatorState::AlertLatched);
        assert_eq!(indicator.leds_at(ms(200)), lit(true, true, true));
        indicator.on_upload_in_progress(ms(300), true);
        assert_eq!(indicator.leds_at(ms(300)), lit(true, true, true));
        indicator.acknowledge(ms(400));
        // Still uploading: red keeps blinking (in phase), amber goes out.
        assert_eq!(
            indicator.state_at(ms(400)),
            IndicatorState::SuspiciousUpload
        );
        assert_eq!(indicator.leds_at(ms(400)), lit(true, false, true));
        assert_eq!(indicator.leds_at(ms(450)), lit(true, false, false));
        indicator.on_upload_in_progress(ms(500), false);
        assert_eq!(
            indicator.state_at(ms(500)),
            IndicatorState::AlertLatched,
            "the end latches again"
        );
    }

    #[test]
    fn fault_overrides_everything_and_recovery_restores_the_state() {
        let mut indicator = watching_at(0);
        indicator.on_notice(ms(100));
        indicator.on_alert(ms(200));
        indicator.on_health(ms(1000), true, Some(FaultKind::RingDrops));
        assert_eq!(indicator.fault(), Some(FaultKind::RingDrops));
        assert_eq!(indicator.state_at(ms(1000)), IndicatorState::Fault);
        assert_eq!(indicator.leds_at(ms(1000)), lit(false, false, true));
        assert_eq!(indicator.next_change(ms(1000)), Some(ms(1500)));
        assert_eq!(indicator.leds_at(ms(1500)), lit(false, false, false));
        assert_eq!(indicator.leds_at(ms(2000)), lit(false, false, true));
        // Inputs during the fault are remembered, not shown.
        indicator.on_upload_in_progress(ms(2100), true);
        indicator.on_traffic(ms(2200));
        assert_eq!(indicator.leds_at(ms(2600)), lit(false, false, false));

        indicator.on_health(ms(3000), true, None);
        assert_eq!(
            indicator.state_at(ms(3000)),
            IndicatorState::SuspiciousUpload
        );
        assert_eq!(indicator.leds_at(ms(3000)), lit(true, true, true));
        indicator.on_upload_in_progress(ms(3100), false);
        assert_eq!(indicator.leds_at(ms(3100)), lit(true, true, true));
        assert_eq!(indicator.state_at(ms(3100)), IndicatorState::AlertLatched);
    }

    #[test]
    fn ports_down_without_a_fault_is_starting() {
        let mut indicator = watching_at(0);
        indicator.on_health(ms(500), false, None);
        assert_eq!(indicator.state_at(ms(500)), IndicatorState::Starting);
        assert_eq!(indicator.leds_at(ms(750)), lit(false, false, false));
    }

    #[test]
    fn every_state_matches_its_table_row() {
        let table = [
            (
                IndicatorState::Starting,
                [
                    Pattern::Blink {
                        period: STARTING_BLINK,
                    },
                    Pattern::Off,
                    Pattern::Off,
                ],
            ),
            (
                IndicatorState::Watching,
                [Pattern::OnTrafficBlink, Pattern::Off, Pattern::Off],
            ),
            (
                IndicatorState::Notice,
                [Pattern::On, Pattern::On, Pattern::Off],
            ),
            (
                IndicatorState::SuspiciousUpload,
                [
                    Pattern::On,
                    Pattern::FollowsNotice,
                    Pattern::Blink {
                        period: UPLOAD_BLINK,
                    },
                ],
            ),
            (
                IndicatorState::AlertLatched,
                [Pattern::On, Pattern::FollowsNotice, Pattern::On],
            ),
            (
                IndicatorState::Fault,
                [
                    Pattern::Off,
                    Pattern::Off,
                    Pattern::Blink {
                        period: FAULT_BLINK,
                    },
                ],
            ),
        ];
        for (state, [green, amber, red]) in table {
            let row = state.row();
            assert_eq!(
                (row.green, row.amber, row.red),
                (green, amber, red),
                "{}",
                row.name
            );
        }
    }
}
