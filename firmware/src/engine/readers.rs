//! The handshake readers of flows (TCP stream readers, QUIC Initial readers), kept in a fixed
//! pool beside the flow table rather than in every flow entry: most flows finish reading after
//! their first few packets (the ClientHello, the first request), and a flow holds a reader
//! only until then. A flow entry keeps a 4-byte [`ReaderRef`]; 96 bytes of reader state per
//! flow would be 6 MiB at 65,536 flows.
//!
//! The pool is allocated once (its capacity reserved at start, its slots written on first
//! use); a flow that finds it full is not read (counted as `Skip::ReassemblyGaveUp`, and in
//! [`ReaderCounters::refused`]) and is still accounted, named by DNS and checked by detection.

use crate::flow::reasm::BufPool;

use super::{Counters, Skip};

use super::datagram::QuicFlow;
use super::stream::StreamDir;

/// Reading state of one flow, by transport.
#[derive(Debug)]
pub(crate) enum Reader {
    /// TCP: one stream reader per direction (by `KeyDir`).
    Tcp([StreamDir; 2]),
    /// UDP: the QUIC Initial reader.
    Quic(QuicFlow),
}

impl Reader {
    fn release(&mut self, pool: &mut BufPool) {
        match self {
            Reader::Tcp(streams) => streams.iter_mut().for_each(|s| s.release(pool)),
            Reader::Quic(quic) => quic.release(pool),
        }
    }
}

/// A flow's hold on the pool: none yet, a slot, or finished (reading is over for the flow).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ReaderRef(u32);

impl ReaderRef {
    const NONE: u32 = 0;
    const FINISHED: u32 = u32::MAX;

    fn slot(self) -> Option<usize> {
        (self.0 != Self::NONE && self.0 != Self::FINISHED).then(|| self.0 as usize - 1)
    }

    /// True once the flow's reading is over (its reader was given back).
    pub(crate) fn finished(self) -> bool {
        self.0 == Self::FINISHED
    }
}

/// Counters of the pool, for reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReaderCounters {
    /// Readers in use now.
    pub in_use: usize,
    /// Most readers in use at once.
    pub peak: usize,
    /// Flows not read because every reader was taken.
    pub refused: u64,
}

/// The fixed pool of readers, and the reassembly buffers they borrow.
#[derive(Debug)]
pub(crate) struct Readers {
    /// Reassembly buffers, for handshakes that span packets.
    pub(crate) pool: BufPool,
    slots: Vec<Reader>,
    free: Vec<u32>,
    capacity: usize,
    counters: ReaderCounters,
}

impl Readers {
    /// Reserves room for `capacity` readers (at least 1) beside `pool`.
    pub(crate) fn new(capacity: usize, pool: BufPool) -> Self {
        let capacity = capacity.clamp(1, (u32::MAX - 2) as usize);
        Readers {
            pool,
            slots: Vec::with_capacity(capacity),
            free: Vec::with_capacity(capacity),
            capacity,
            counters: ReaderCounters::default(),
        }
    }

    /// The flow's TCP stream readers, taking a slot on first use; `None` when the flow's
    /// reading is over, it holds a QUIC reader, or the pool is full (counted).
    pub(crate) fn tcp(
        &mut self,
        r: &mut ReaderRef,
        counters: &mut Counters,
    ) -> Option<(&mut [StreamDir; 2], &mut BufPool)> {
        let i = self.take(r, counters, || Reader::Tcp(Default::default()))?;
        match &mut self.slots[i] {
            Reader::Tcp(s) => Some((s, &mut self.pool)),
            Reader::Quic(_) => None,
        }
    }

    /// The flow's QUIC Initial reader, taking a slot on first use (as `tcp`).
    pub(crate) fn quic(
        &mut self,
        r: &mut ReaderRef,
        counters: &mut Counters,
    ) -> Option<(&mut QuicFlow, &mut BufPool)> {
        let i = self.take(r, counters, || Reader::Quic(QuicFlow::default()))?;
        match &mut self.slots[i] {
            Reader::Quic(q) => Some((q, &mut self.pool)),
            Reader::Tcp(_) => None,
        }
    }

    fn take(
        &mut self,
        r: &mut ReaderRef,
        counters: &mut Counters,
        fresh: impl FnOnce() -> Reader,
    ) -> Option<usize> {
        if let Some(i) = r.slot() {
            return Some(i);
        }
        if r.finished() {
            return None;
        }
        let i = if let Some(i) = self.free.pop() {
            self.slots[i as usize] = fresh();
            i as usize
        } else if self.slots.len() < self.capacity {
            self.slots.push(fresh());
            self.slots.len() - 1
        } else {
            self.counters.refused += 1;
            counters.skip(Skip::ReassemblyGaveUp);
            *r = ReaderRef(ReaderRef::FINISHED);
            return None;
        };
        *r = ReaderRef(i as u32 + 1);
        self.counters.peak = self.counters.peak.max(self.in_use());
        Some(i)
    }

    /// Gives the flow's reader (and its reassembly buffers) back; the flow reads no more.
    pub(crate) fn finish(&mut self, r: &mut ReaderRef) {
        if let Some(i) = r.slot() {
            self.slots[i].release(&mut self.pool);
            self.free.push(i as u32);
        }
        *r = ReaderRef(ReaderRef::FINISHED);
    }

    /// Readers held by flows now.
    fn in_use(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    /// Counters.
    pub(crate) fn counters(&self) -> ReaderCounters {
        ReaderCounters {
            in_use: self.in_use(),
            ..self.counters
        }
    }

    /// Bytes reserved for the readers and the reassembly buffers.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.capacity * (size_of::<Reader>() + size_of::<u32>()) + self.pool.memory_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flow_keeps_its_slot_until_it_finishes_and_the_slot_is_reused() {
        let mut n = Counters::default();
        let n = &mut n;
        let mut readers = Readers::new(2, BufPool::new(1, 64));
        let (mut a, mut b, mut c) = (
            ReaderRef::default(),
            ReaderRef::default(),
            ReaderRef::default(),
        );
        assert!(readers.tcp(&mut a, n).is_some());
        assert!(readers.quic(&mut b, n).is_some());
        assert_eq!(readers.counters().in_use, 2);
        // Full: the third flow is refused, counted, and not asked again.
        assert!(readers.tcp(&mut c, n).is_none());
        assert!(c.finished());
        assert_eq!(readers.counters().refused, 1);
        assert_eq!(n.skipped(Skip::ReassemblyGaveUp), 1);
        // The same flow gets the same reader back, not a fresh one.
        readers.tcp(&mut a, n).unwrap().0[0] = StreamDir::done();
        assert!(readers.tcp(&mut a, n).unwrap().0[0].is_done());
        // A QUIC flow asked for TCP readers gets none (a flow is one or the other).
        assert!(readers.tcp(&mut b, n).is_none());
        readers.finish(&mut a);
        assert!(a.finished());
        assert!(
            readers.tcp(&mut a, n).is_none(),
            "a finished flow reads no more"
        );
        let mut d = ReaderRef::default();
        let (s, _) = readers.tcp(&mut d, n).expect("the freed slot");
        assert!(!s[0].is_done(), "a reused slot starts fresh");
        assert_eq!(readers.counters().in_use, 2);
        assert_eq!(readers.counters().peak, 2);
    }
}
