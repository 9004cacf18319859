//! The engine's notion of time: capture timestamps passed in, never read from a clock.
//!
//! Captures can go back in time (merged files, a clock step on the box). Idle expiry therefore
//! runs on a virtual clock that advances by each forward step of the capture clock and ignores
//! backward steps: a flow is idle for as long as the capture says time moved forward since it
//! was last seen, and a jump back neither underflows nor expires anything.

use crate::capture::Timestamp;

/// Virtual monotonic time derived from capture timestamps.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    last: Option<Timestamp>,
    virtual_ns: u64,
    backward_steps: u64,
}

impl Clock {
    /// Takes the next capture timestamp and returns the virtual time (ns) it corresponds to.
    pub fn advance(&mut self, ts: Timestamp) -> u64 {
        match self.last {
            Some(last) if ts.0 >= last.0 => self.virtual_ns += ts.0 - last.0,
            Some(_) => self.backward_steps += 1,
            None => {}
        }
        self.last = Some(ts);
        self.virtual_ns
    }

    /// Moves time on by `ns` with no frame (a quiet network, live); returns the capture time it
    /// stands for, or `None` before the first frame.
    pub fn idle(&mut self, ns: u64) -> Option<Timestamp> {
        let last = self.last?;
        let ts = Timestamp(last.0.saturating_add(ns));
        self.last = Some(ts);
        self.virtual_ns += ns;
        Some(ts)
    }

    /// Virtual time now (ns since the first frame).
    pub fn now(&self) -> u64 {
        self.virtual_ns
    }

    /// How many times the capture clock went backwards.
    pub fn backward_steps(&self) -> u64 {
        self.backward_steps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_steps_add_and_backward_steps_are_ignored() {
        let mut c = Clock::default();
        assert_eq!(c.advance(Timestamp(1_000)), 0);
        assert_eq!(c.advance(Timestamp(1_500)), 500);
        // Back by a lot (a merged capture from years earlier): virtual time stays.
        assert_eq!(c.advance(Timestamp(10)), 500);
        assert_eq!(c.advance(Timestamp(110)), 600);
        assert_eq!(c.backward_steps(), 1);
    }
}
