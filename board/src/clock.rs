//! Where the LED driver's time comes from: the embassy-time clock on the box, or a mock clock
//! that tests advance by hand (in the spirit of embassy's `MockDriver`).
//!
//! The indicator state machine never reads a clock; only the driver loop
//! ([`crate::driver::run_indicator`]) does, through this trait.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use embassy_time::{Duration, Instant, Timer};

/// A monotonic clock the LED driver reads and sleeps on.
pub trait Clock {
    /// The current instant.
    fn now(&self) -> Instant;

    /// Returns once `deadline` has passed (at once if it already has).
    fn sleep_until(&mut self, deadline: Instant);
}

impl<C: Clock + ?Sized> Clock for &mut C {
    fn now(&self) -> Instant {
        (**self).now()
    }

    fn sleep_until(&mut self, deadline: Instant) {
        (**self).sleep_until(deadline);
    }
}

/// The real clock: embassy-time's `std` driver (a monotonic clock since the first use, 1 MHz
/// ticks), sleeping on an embassy [`Timer`] woken by the driver's generic timer queue.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep_until(&mut self, deadline: Instant) {
        if deadline > Instant::now() {
            embassy_futures::block_on(Timer::at(deadline));
        }
    }
}

/// Converts an embassy duration to a std one (for `recv_timeout` and friends).
pub fn to_std_duration(duration: Duration) -> std::time::Duration {
    std::time::Duration::from_micros(duration.as_micros())
}

/// A clock that only moves when told to. Clones share the same time, so a test can hand one
/// clone to the driver and one to [`crate::sim::SimLeds`] and both see the same instant.
#[derive(Debug, Clone, Default)]
pub struct MockClock {
    ticks: Arc<AtomicU64>,
}

impl MockClock {
    /// A clock reading `Instant::from_ticks(0)`.
    pub fn new() -> Self {
        Self::default()
    }

    /// A clock reading `start`.
    pub fn starting_at(start: Instant) -> Self {
        let clock = Self::default();
        clock.set(start);
        clock
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        self.ticks.fetch_add(by.as_ticks(), Ordering::SeqCst);
    }

    /// Sets the clock to `to` (forward or backward: tests of time going backwards need both).
    pub fn set(&self, to: Instant) {
        self.ticks.store(to.as_ticks(), Ordering::SeqCst);
    }
}

impl Clock for MockClock {
    fn now(&self) -> Instant {
        Instant::from_ticks(self.ticks.load(Ordering::SeqCst))
    }

    /// Jumps straight to `deadline` if it lies ahead; never moves backwards.
    fn sleep_until(&mut self, deadline: Instant) {
        self.ticks.fetch_max(deadline.as_ticks(), Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mock_clock_moves_only_when_told() {
        let mut clock = MockClock::new();
        let shared = clock.clone();
        assert_eq!(clock.now(), Instant::from_ticks(0));
        clock.advance(Duration::from_millis(250));
        assert_eq!(shared.now(), Instant::from_millis(250));
        clock.sleep_until(Instant::from_millis(1000));
        assert_eq!(shared.now(), Instant::from_millis(1000));
        clock.sleep_until(Instant::from_millis(10));
        assert_eq!(
            clock.now(),
            Instant::from_millis(1000),
            "sleeping never goes back"
        );
        shared.set(Instant::from_millis(5));
        assert_eq!(clock.now(), Instant::from_millis(5), "set may go back");
    }

    #[test]
    fn system_clock_sleeps_on_an_embassy_timer() {
        let mut clock = SystemClock;
        let start = clock.now();
        let deadline = start + Duration::from_millis(30);
        clock.sleep_until(deadline);
        let woke = clock.now();
        assert!(woke >= deadline, "woke at {woke}, deadline {deadline}");
        assert!(
            woke < start + Duration::from_secs(2),
            "overslept: {}",
            woke - start
        );
        // A deadline in the past returns at once.
        clock.sleep_until(start);
    }
}
