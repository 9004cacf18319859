//! A flow's place in the summaries: the frames and bytes it already handed to a window, and the
//! alerts raised on it since. Each flow keeps one; at a window's close and when the flow ends,
//! what it accumulated since is taken (and only that), so a long flow is split across windows
//! exactly and nothing is counted twice.

use crate::detect::thresholds::{Rule, Severity};

use super::fired::Fired;

/// What a flow carried since it was last taken, by direction (the flow's own indexing).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pending {
    /// Frames, by direction.
    pub frames: [u64; 2],
    /// Bytes, by direction.
    pub bytes: [u64; 2],
    /// Alerts raised on the flow.
    pub fired: Fired,
}

impl Pending {
    /// True when the flow carried at least one frame.
    pub fn active(&self) -> bool {
        self.frames[0] + self.frames[1] > 0
    }

    /// True when there is nothing to hand over.
    pub fn is_empty(&self) -> bool {
        !self.active() && self.fired.is_empty()
    }
}

/// What a flow already reported.
#[derive(Debug, Clone, Copy, Default)]
pub struct FlowCursor {
    frames: [u64; 2],
    bytes: [u64; 2],
    fired: Fired,
}

impl FlowCursor {
    /// Notes an alert raised on the flow.
    pub fn note(&mut self, rule: Rule, severity: Severity) {
        self.fired.note(rule, severity);
    }

    /// What the flow's running totals (`frames`, `bytes`) hold beyond what was reported, and the
    /// alerts noted since; the cursor then counts them as reported.
    pub fn take(&mut self, frames: [u64; 2], bytes: [u64; 2]) -> Pending {
        let pending = Pending {
            frames: [
                frames[0].saturating_sub(self.frames[0]),
                frames[1].saturating_sub(self.frames[1]),
            ],
            bytes: [
                bytes[0].saturating_sub(self.bytes[0]),
                bytes[1].saturating_sub(self.bytes[1]),
            ],
            fired: self.fired,
        };
        self.frames = frames;
        self.bytes = bytes;
        self.fired = Fired::default();
        pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_only_what_is_new() {
        let mut c = FlowCursor::default();
        let p = c.take([3, 1], [300, 60]);
        assert_eq!((p.frames, p.bytes), ([3, 1], [300, 60]));
        c.note(Rule::WatchedUpload, Severity::Red);
        let p = c.take([5, 1], [500, 60]);
        assert_eq!((p.frames, p.bytes), ([2, 0], [200, 0]));
        assert!(p.fired.contains(Rule::WatchedUpload));
        let p = c.take([5, 1], [500, 60]);
        assert!(p.is_empty() && !p.active());
    }
}
