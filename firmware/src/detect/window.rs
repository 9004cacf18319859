//! Sliding sums over time: the bytes of the last 15 minutes or 4 hours, kept as a ring of
//! fixed-width buckets on the engine's virtual clock (which never goes back).

/// A sum over the last `N` buckets of `width` nanoseconds each (the bucket being filled
/// included). Buckets hold `u32` (saturating): 4 GB per bucket is beyond any home link.
#[derive(Debug, Clone, Copy)]
pub struct SlidingSum<const N: usize> {
    buckets: [u32; N],
    /// Index (time / width) of the newest bucket.
    head: u64,
}

impl<const N: usize> Default for SlidingSum<N> {
    fn default() -> Self {
        SlidingSum {
            buckets: [0; N],
            head: 0,
        }
    }
}

impl<const N: usize> SlidingSum<N> {
    fn advance(&mut self, now: u64, width: u64) {
        let idx = now / width;
        if idx <= self.head {
            return;
        }
        let steps = idx - self.head;
        if steps >= N as u64 {
            self.buckets = [0; N];
        } else {
            for i in 1..=steps {
                self.buckets[((self.head + i) % N as u64) as usize] = 0;
            }
        }
        self.head = idx;
    }

    /// Adds `bytes` at virtual time `now`.
    pub fn add(&mut self, now: u64, width: u64, bytes: u64) {
        self.advance(now, width);
        let b = &mut self.buckets[(self.head % N as u64) as usize];
        *b = b.saturating_add(bytes.min(u64::from(u32::MAX)) as u32);
    }

    /// The sum over the window ending at `now`.
    pub fn sum(&mut self, now: u64, width: u64) -> u64 {
        self.advance(now, width);
        self.buckets.iter().map(|b| u64::from(*b)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: u64 = 60_000_000_000;

    #[test]
    fn sums_the_last_window_and_forgets_older_buckets() {
        let mut w: SlidingSum<15> = SlidingSum::default();
        w.add(0, MIN, 100);
        w.add(MIN / 2, MIN, 50);
        w.add(14 * MIN, MIN, 1);
        assert_eq!(w.sum(14 * MIN, MIN), 151);
        // One minute later the first bucket has slid out.
        assert_eq!(w.sum(15 * MIN, MIN), 1);
        assert_eq!(w.sum(100 * MIN, MIN), 0);
    }

    #[test]
    fn saturates_instead_of_wrapping() {
        let mut w: SlidingSum<2> = SlidingSum::default();
        w.add(0, MIN, u64::MAX);
        w.add(0, MIN, 10);
        assert_eq!(w.sum(0, MIN), u64::from(u32::MAX));
    }
}
