//! When summary windows open and close, on packet time.
//!
//! Windows are aligned on multiples of their length in time since the epoch (a 300 s window
//! runs 12:00:00-12:05:00, 12:05:00-12:10:00, ...). Time is the engine's virtual clock
//! (`engine::Clock`) placed on the epoch at the first frame: it follows every forward step of
//! the capture clock and ignores backward ones, so windows only move forward, never reopen and
//! never overlap.
//!
//! A window starts at its aligned boundary, or later when watching started or resumed inside
//! it: the first window starts at the first frame (rounded down to the millisecond), and the
//! window after an early close starts where that one ended. It ends at its aligned boundary,
//! or earlier when it is closed early (`flush_window`, end of input): then just after the last
//! frame, rounded up to the millisecond (a frame in that same millisecond that comes after the
//! close goes to the next window). No window is opened for a stretch without frames: after
//! a gap, the next window is the one the next frame falls in. Times are kept in nanoseconds on
//! whole milliseconds, so the records' millisecond times are exact.

use crate::capture::Timestamp;

const NS_PER_MS: u64 = 1_000_000;

/// One window, in nanoseconds since the epoch: `[start_ns, end_ns)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// First instant in the window.
    pub start_ns: u64,
    /// First instant after it.
    pub end_ns: u64,
}

impl Span {
    /// Start, ms since the epoch.
    pub fn start_ms(&self) -> u64 {
        self.start_ns / NS_PER_MS
    }

    /// End, ms since the epoch.
    pub fn end_ms(&self) -> u64 {
        self.end_ns / NS_PER_MS
    }
}

/// Opens and closes windows of one length.
#[derive(Debug, Clone, Copy)]
pub struct WindowSchedule {
    len_ns: u64,
    /// Epoch time of virtual time 0 (the first frame's timestamp).
    base_ns: Option<u64>,
    /// Epoch time of the last frame seen (on the virtual clock).
    last_ns: u64,
    open: Option<Span>,
    /// The next window starts no earlier than this (the end of the last one closed).
    floor_ns: u64,
}

impl WindowSchedule {
    /// Windows of `len_secs` seconds; 0 turns summaries off (nothing ever opens).
    pub fn new(len_secs: u64) -> Self {
        WindowSchedule {
            len_ns: len_secs.saturating_mul(1_000_000_000),
            base_ns: None,
            last_ns: 0,
            open: None,
            floor_ns: 0,
        }
    }

    /// True when windows are on.
    pub fn enabled(&self) -> bool {
        self.len_ns > 0
    }

    /// The window open now, if any.
    pub fn open(&self) -> Option<Span> {
        self.open
    }

    /// Takes a frame at virtual time `now` (capture time `ts`; only the first frame's is used,
    /// to place virtual time on the epoch). Returns the window the frame closes, if it falls at
    /// or past the open window's end; the window the frame falls in is then open.
    pub fn on_frame(&mut self, now: u64, ts: Timestamp) -> Option<Span> {
        if !self.enabled() {
            return None;
        }
        let base = match self.base_ns {
            Some(base) => base,
            None => {
                let base = ts.0.saturating_sub(now);
                self.base_ns = Some(base);
                // Watching starts here: the first window starts at this frame.
                self.floor_ns = (base.saturating_add(now) / NS_PER_MS) * NS_PER_MS;
                base
            }
        };
        let t = base.saturating_add(now);
        self.last_ns = t;
        let closed = match self.open {
            Some(w) if t >= w.end_ns => {
                self.floor_ns = w.end_ns;
                self.open = None;
                Some(w)
            }
            _ => None,
        };
        if self.open.is_none() {
            // A frame in the same millisecond as an early close (`t < floor_ns`) goes to the
            // window that starts there.
            let at = t.max(self.floor_ns);
            let aligned = at - at % self.len_ns;
            self.open = Some(Span {
                start_ns: aligned.max(self.floor_ns),
                end_ns: aligned.saturating_add(self.len_ns),
            });
        }
        closed
    }

    /// Closes the open window now, just after the last frame (rounded up to the millisecond,
    /// never past its aligned end). Returns it, or `None` when no window is open.
    pub fn close_early(&mut self) -> Option<Span> {
        let mut w = self.open.take()?;
        let after_last = (self.last_ns / NS_PER_MS + 1) * NS_PER_MS;
        w.end_ns = w.end_ns.min(after_last).max(w.start_ns);
        self.floor_ns = w.end_ns;
        Some(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000_000;

    /// Feeds capture times (seconds, fractional) through a clock and the schedule; returns the
    /// windows closed, as (start, end) in ms.
    fn run(len_secs: u64, times: &[f64]) -> (Vec<(u64, u64)>, WindowSchedule) {
        let mut clock = crate::engine::Clock::default();
        let mut s = WindowSchedule::new(len_secs);
        let mut closed = Vec::new();
        for t in times {
            // To the millisecond (ns since the epoch are beyond an f64's exact integers).
            let ts = Timestamp((t * 1e3).round() as u64 * 1_000_000);
            if let Some(w) = s.on_frame(clock.advance(ts), ts) {
                closed.push((w.start_ms(), w.end_ms()));
            }
        }
        (closed, s)
    }

    #[test]
    fn windows_are_aligned_and_the_first_starts_at_the_first_frame() {
        let (closed, mut s) = run(60, &[1_000_030.5, 1_000_070.0, 1_000_150.25]);
        // 1_000_020 is a multiple of 60: windows run [..020, ..080), [..080, ..140), ...
        assert_eq!(
            closed,
            [(1_000_030_500, 1_000_080_000)],
            "the second frame is in the first window"
        );
        // The third frame skips the empty window [..080, ..140) and opens [..140, ..200).
        assert_eq!(s.open().map(|w| w.start_ns), Some(1_000_140 * S));
        let last = s.close_early().expect("open");
        assert_eq!(
            (last.start_ms(), last.end_ms()),
            (1_000_140_000, 1_000_150_251)
        );
        assert!(
            s.close_early().is_none(),
            "nothing open after an early close"
        );
    }

    #[test]
    fn backward_time_never_reopens_or_overlaps() {
        // 100 s, 105 s, back to 95 s (ignored: virtual time stays), then +12 s.
        let (closed, s) = run(10, &[100.0, 105.0, 95.0, 107.0]);
        assert_eq!(closed, [(100_000, 110_000)]);
        // 107 s is 12 s after 95 s: virtual 17 s, epoch 117 s.
        assert_eq!(
            s.open(),
            Some(Span {
                start_ns: 110 * S,
                end_ns: 120 * S
            })
        );
    }

    #[test]
    fn an_early_close_is_followed_by_a_contiguous_window() {
        let mut clock = crate::engine::Clock::default();
        let mut s = WindowSchedule::new(10);
        let mut at = |s: &mut WindowSchedule, secs: f64| {
            let ts = Timestamp((secs * 1e3).round() as u64 * 1_000_000);
            s.on_frame(clock.advance(ts), ts)
        };
        assert_eq!(at(&mut s, 3.0), None);
        assert_eq!(at(&mut s, 4.2), None);
        let early = s.close_early().expect("open");
        assert_eq!((early.start_ms(), early.end_ms()), (3_000, 4_201));
        assert_eq!(at(&mut s, 6.0), None, "opens a window, closes none");
        assert_eq!(
            s.open(),
            Some(Span {
                start_ns: 4_201_000_000,
                end_ns: 10 * S
            })
        );
        let next = at(&mut s, 10.0).expect("10 s closes it");
        assert_eq!((next.start_ms(), next.end_ms()), (4_201, 10_000));
    }

    #[test]
    fn off_opens_nothing() {
        let (closed, mut s) = run(0, &[1.0, 500.0, 1000.0]);
        assert!(closed.is_empty() && s.open().is_none() && s.close_early().is_none());
    }
}
