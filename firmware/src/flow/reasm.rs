//! Bounded reassembly of the first bytes of a stream: TLS ClientHellos split over segments,
//! HTTP request heads split over segments, DNS-over-TCP messages, and QUIC CRYPTO frames spread
//! over several Initial packets.
//!
//! Buffers come from a `BufPool` allocated once at start (a fixed number of fixed-size slots);
//! a stream holds a slot only while a handshake is incomplete. An `Assembler` places data by its
//! stream offset (TCP sequence number relative to the first byte, or CRYPTO frame offset), keeps
//! a small fixed number of out-of-order ranges, ignores bytes it already has (retransmissions,
//! overlaps: first copy wins), and exposes the contiguous prefix.

/// Most out-of-order ranges one assembler remembers; more is reported as `Gave up`.
pub const MAX_RANGES: usize = 4;

/// Index of a slot in a `BufPool`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufHandle(u32);

/// Counters of the pool, for reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolCounters {
    /// Requests refused because every slot was in use.
    pub exhausted: u64,
    /// Most slots in use at once.
    pub peak: u64,
}

/// A fixed set of equally sized buffers, allocated once.
#[derive(Debug)]
pub struct BufPool {
    bytes: Vec<u8>,
    slot_size: usize,
    free: Vec<u32>,
    in_use: usize,
    counters: PoolCounters,
}

impl BufPool {
    /// Allocates `slots` buffers of `slot_size` bytes each (at most 65,535 bytes: stream
    /// positions inside a buffer are 16-bit).
    pub fn new(slots: usize, slot_size: usize) -> Self {
        let slots = slots.min(u32::MAX as usize);
        let slot_size = slot_size.min(u16::MAX as usize);
        BufPool {
            bytes: vec![0; slots * slot_size],
            slot_size,
            free: (0..slots as u32).rev().collect(),
            in_use: 0,
            counters: PoolCounters::default(),
        }
    }

    /// Size of each buffer.
    pub fn slot_size(&self) -> usize {
        self.slot_size
    }

    /// Bytes allocated for the buffers and their free list, fixed at construction.
    pub fn memory_bytes(&self) -> usize {
        self.bytes.capacity() + self.free.capacity() * size_of::<u32>()
    }

    /// Buffers in use now.
    pub fn in_use(&self) -> usize {
        self.in_use
    }

    /// Life counters.
    pub fn counters(&self) -> PoolCounters {
        self.counters
    }

    /// Takes a free buffer, or `None` (counted) when all are in use.
    pub fn alloc(&mut self) -> Option<BufHandle> {
        match self.free.pop() {
            Some(i) => {
                self.in_use += 1;
                self.counters.peak = self.counters.peak.max(self.in_use as u64);
                Some(BufHandle(i))
            }
            None => {
                self.counters.exhausted += 1;
                None
            }
        }
    }

    /// Returns a buffer to the pool.
    pub fn release(&mut self, h: BufHandle) {
        // `free` was allocated with room for every slot, so this push never reallocates.
        self.free.push(h.0);
        self.in_use -= 1;
    }

    fn slot(&self, h: BufHandle) -> &[u8] {
        let start = h.0 as usize * self.slot_size;
        &self.bytes[start..start + self.slot_size]
    }

    fn slot_mut(&mut self, h: BufHandle) -> &mut [u8] {
        let start = h.0 as usize * self.slot_size;
        &mut self.bytes[start..start + self.slot_size]
    }
}

/// What became of data handed to `Assembler::insert`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Insert {
    /// Stored (possibly only the part not already held).
    Stored,
    /// Entirely before the window or already held: nothing new.
    Duplicate,
    /// Part of it lies beyond the buffer, too many holes, or no buffer could be had: the
    /// caller should give up on this stream.
    GaveUp,
}

/// Places stream data by offset into one pooled buffer. Small and `Copy`, so it lives inside
/// per-flow state; the bytes live in the pool.
#[derive(Debug, Clone, Copy, Default)]
pub struct Assembler {
    buf: Option<BufHandle>,
    /// Stream offset of the buffer's first byte.
    base: u64,
    /// Held ranges, buffer-relative, sorted, non-overlapping, non-adjacent; `len` of them used.
    ranges: [(u16, u16); MAX_RANGES],
    len: u8,
}

impl Assembler {
    /// An assembler whose window starts at stream offset `base`.
    pub fn at(base: u64) -> Self {
        Assembler {
            base,
            ..Assembler::default()
        }
    }

    /// Stream offset of the first byte not yet consumed.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// True when the assembler holds a pool buffer.
    pub fn holds_buffer(&self) -> bool {
        self.buf.is_some()
    }

    /// Stores `data` found at stream offset `offset`.
    pub fn insert(&mut self, pool: &mut BufPool, offset: u64, data: &[u8]) -> Insert {
        let end = offset.saturating_add(data.len() as u64);
        if end <= self.base || data.is_empty() {
            return Insert::Duplicate;
        }
        // Clip what lies before the window.
        let skip = self.base.saturating_sub(offset) as usize;
        let data = &data[skip..];
        let rel = (offset + skip as u64 - self.base) as usize;
        let rel_end = rel + data.len();
        if rel_end > pool.slot_size() {
            return Insert::GaveUp;
        }
        let h = match self.buf {
            Some(h) => h,
            None => match pool.alloc() {
                Some(h) => {
                    self.buf = Some(h);
                    h
                }
                None => return Insert::GaveUp,
            },
        };
        if self.covers(rel as u16, rel_end as u16) {
            return Insert::Duplicate;
        }
        // Copy only the gaps so that bytes already held stay as first received.
        let slot = pool.slot_mut(h);
        let mut at = rel;
        for i in 0..=self.len as usize {
            let (gap_end, next_start) = if i < self.len as usize {
                let (s, e) = self.ranges[i];
                (s as usize, e as usize)
            } else {
                (usize::MAX, usize::MAX)
            };
            if at < rel_end && at < gap_end {
                let stop = rel_end.min(gap_end);
                slot[at..stop].copy_from_slice(&data[at - rel..stop - rel]);
            }
            if next_start != usize::MAX {
                at = at.max(next_start);
            }
        }
        if self.add_range(rel as u16, rel_end as u16) {
            Insert::Stored
        } else {
            Insert::GaveUp
        }
    }

    fn covers(&self, start: u16, end: u16) -> bool {
        self.ranges[..self.len as usize]
            .iter()
            .any(|&(s, e)| s <= start && end <= e)
    }

    fn add_range(&mut self, start: u16, end: u16) -> bool {
        let mut merged = (start, end);
        let mut out = [(0u16, 0u16); MAX_RANGES + 1];
        let mut n = 0;
        let mut placed = false;
        for &(s, e) in &self.ranges[..self.len as usize] {
            if e < merged.0 {
                out[n] = (s, e);
                n += 1;
            } else if s > merged.1 {
                if !placed {
                    out[n] = merged;
                    n += 1;
                    placed = true;
                }
                out[n] = (s, e);
                n += 1;
            } else {
                merged = (merged.0.min(s), merged.1.max(e));
            }
        }
        if !placed {
            out[n] = merged;
            n += 1;
        }
        if n > MAX_RANGES {
            return false;
        }
        self.ranges[..n].copy_from_slice(&out[..n]);
        self.len = n as u8;
        true
    }

    /// The bytes held contiguously from the window start.
    pub fn contiguous<'p>(&self, pool: &'p BufPool) -> &'p [u8] {
        match self.buf {
            Some(h) if self.len > 0 && self.ranges[0].0 == 0 => {
                &pool.slot(h)[..self.ranges[0].1 as usize]
            }
            _ => &[],
        }
    }

    /// Drops the first `n` contiguous bytes, moving the window forward. When nothing is held
    /// afterwards, the buffer goes back to the pool.
    pub fn consume(&mut self, pool: &mut BufPool, n: usize) {
        let have = self.contiguous(pool).len();
        let n = n.min(have) as u16;
        if n == 0 {
            return;
        }
        self.base += u64::from(n);
        let Some(h) = self.buf else { return };
        let last_end = self.ranges[self.len as usize - 1].1 as usize;
        pool.slot_mut(h).copy_within(n as usize..last_end, 0);
        for r in &mut self.ranges[..self.len as usize] {
            *r = (r.0.saturating_sub(n), r.1 - n);
        }
        if self.ranges[0].0 == self.ranges[0].1 {
            self.ranges.copy_within(1..self.len as usize, 0);
            self.len -= 1;
        }
        if self.len == 0 {
            self.release(pool);
        }
    }

    /// Moves the window to `base`, forgetting everything held (e.g. to skip a message body).
    pub fn reset_to(&mut self, pool: &mut BufPool, base: u64) {
        self.release(pool);
        self.base = base;
    }

    /// Gives the buffer back and forgets what was held.
    pub fn release(&mut self, pool: &mut BufPool) {
        if let Some(h) = self.buf.take() {
            pool.release(h);
        }
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_pieces_join() {
        let mut pool = BufPool::new(2, 64);
        let mut a = Assembler::at(1000);
        assert_eq!(a.insert(&mut pool, 1000, b"GET / HT"), Insert::Stored);
        assert_eq!(a.insert(&mut pool, 1008, b"TP/1.1\r\n"), Insert::Stored);
        assert_eq!(a.contiguous(&pool), b"GET / HTTP/1.1\r\n");
        assert_eq!(pool.in_use(), 1);
        a.release(&mut pool);
        assert_eq!(pool.in_use(), 0);
    }

    #[test]
    fn out_of_order_fills_hole_and_first_copy_wins() {
        let mut pool = BufPool::new(1, 64);
        let mut a = Assembler::at(0);
        assert_eq!(a.insert(&mut pool, 6, b"world"), Insert::Stored);
        assert_eq!(a.contiguous(&pool), b"");
        // An overlapping retransmission with different bytes does not overwrite what is held.
        assert_eq!(a.insert(&mut pool, 0, b"hello XXXXX!"), Insert::Stored);
        assert_eq!(a.contiguous(&pool), b"hello world!");
        assert_eq!(a.insert(&mut pool, 2, b"llo"), Insert::Duplicate);
    }

    #[test]
    fn consume_moves_window_and_frees_buffer() {
        let mut pool = BufPool::new(1, 32);
        let mut a = Assembler::at(0);
        a.insert(&mut pool, 0, b"abcdef");
        a.insert(&mut pool, 10, b"klm");
        a.consume(&mut pool, 4);
        assert_eq!(a.base(), 4);
        assert_eq!(a.contiguous(&pool), b"ef");
        a.insert(&mut pool, 6, b"ghij");
        assert_eq!(a.contiguous(&pool), b"efghijklm");
        a.consume(&mut pool, 9);
        assert_eq!(a.base(), 13);
        assert!(!a.holds_buffer());
        assert_eq!(pool.in_use(), 0);
        // Data before the window is old news.
        assert_eq!(a.insert(&mut pool, 0, b"abc"), Insert::Duplicate);
    }

    #[test]
    fn bounds_are_enforced() {
        let mut pool = BufPool::new(1, 8);
        let mut a = Assembler::at(0);
        assert_eq!(a.insert(&mut pool, 4, b"12345"), Insert::GaveUp);
        let mut b = Assembler::at(0);
        // Pool has one slot; a second stream cannot get one.
        assert_eq!(a.insert(&mut pool, 0, b"1"), Insert::Stored);
        assert_eq!(b.insert(&mut pool, 0, b"1"), Insert::GaveUp);
        assert_eq!(pool.counters().exhausted, 1);
    }

    #[test]
    fn too_many_holes_gives_up() {
        let mut pool = BufPool::new(1, 64);
        let mut a = Assembler::at(0);
        for i in 0..MAX_RANGES as u64 {
            assert_eq!(a.insert(&mut pool, 2 + i * 4, b"x"), Insert::Stored);
        }
        assert_eq!(a.insert(&mut pool, 40, b"y"), Insert::GaveUp);
        // Filling holes still works and merges ranges.
        assert_eq!(a.insert(&mut pool, 0, b"0123456789abcdef"), Insert::Stored);
        assert_eq!(a.contiguous(&pool).len(), 16);
    }
}
