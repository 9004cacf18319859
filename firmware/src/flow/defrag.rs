//! IPv4 (RFC 791 section 3.2) and IPv6 (RFC 8200 section 4.5) fragment reassembly in a fixed pool.
//!
//! This module owns [`Defragmenter`]. It allocates all its memory once in [`Defragmenter::new`]:
//! `slots` reassembly slots of `max_datagram` bytes each, plus per-slot bookkeeping with a fixed
//! number of received byte ranges ([`MAX_RANGES`]). Nothing is allocated per fragment.
//!
//! Policies (each counted in [`DefragCounters`]):
//! - Overlapping fragments: **first wins**. Bytes already received are kept; only the uncovered
//!   parts of a later fragment are copied. Any overlap bumps `overlaps` once per fragment. A
//!   fragment that contradicts the known end of the datagram (a second, different last fragment,
//!   or data past the end) is dropped and also counted as an overlap.
//! - A fragment ending past `max_datagram`: the whole datagram is abandoned (`oversize`); the slot
//!   is kept in a discarding state until it times out, so its later fragments are swallowed
//!   instead of starting a new, doomed datagram.
//! - More than [`MAX_RANGES`] disjoint received ranges (a pathological fragment order): the
//!   datagram is abandoned the same way (`too_fragmented`).
//! - Pool full: the slot started longest ago (insertion order, not timestamps) is evicted
//!   (`evicted`).
//! - Expiry: a slot is dropped when the packet time `now` is more than the timeout away from the
//!   slot's start **in either direction** (`timed_out`). Time may go backwards in a capture (files
//!   joined end to end): a slot whose start lies far in the "future" is expired too rather than
//!   living forever, and no subtraction can underflow.
//!
//! Accounting: tshark counts a fragmented UDP datagram as one frame (the one completing it) in its
//! flow statistics. [`Reassembled`] reports how many fragment frames and how many wire bytes (the
//! sum of every fragment's `wire_len`) made the datagram, so the engine can count them all.
//!
//! Callers pass only fragments whose bytes were fully captured (the IP view's `is_complete()`): a
//! fragment cut by the snap length would leave a hole filled with stale bytes.

use std::net::IpAddr;

use crate::capture::Timestamp;

/// Default reassembly timeout: 30 s (Linux `ipfrag_time`, RFC 8200 section 4.5 says 60 s max).
pub const DEFAULT_TIMEOUT_NS: u64 = 30_000_000_000;

/// Most disjoint byte ranges one datagram may have received at a time.
pub const MAX_RANGES: usize = 16;

/// Largest datagram IP can describe (the 16-bit length fields).
pub const MAX_IP_DATAGRAM: usize = 65_535;

/// Identifies one datagram being reassembled (RFC 791: source, destination, protocol,
/// identification; RFC 8200: source, destination, identification).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FragmentKey {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// Identification (16 bits for IPv4, 32 for IPv6).
    pub id: u32,
    /// Upper-layer protocol (IPv6: the Fragment header's Next Header).
    pub protocol: u8,
}

/// What the defragmenter did, since construction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DefragCounters {
    /// Fragments pushed.
    pub fragments: u64,
    /// Datagrams completed.
    pub reassembled: u64,
    /// Incomplete datagrams evicted because the pool was full.
    pub evicted: u64,
    /// Incomplete datagrams dropped by expiry.
    pub timed_out: u64,
    /// Fragments that overlapped bytes already received, or contradicted the datagram's end.
    pub overlaps: u64,
    /// Datagrams abandoned because they grew past `max_datagram`.
    pub oversize: u64,
    /// Datagrams abandoned because they had more than [`MAX_RANGES`] disjoint pieces.
    pub too_fragmented: u64,
}

/// A completed datagram, borrowed from the pool until the next call on the defragmenter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reassembled<'a> {
    /// The datagram's key.
    pub key: FragmentKey,
    /// The whole transport-layer datagram (e.g. UDP header and payload).
    pub payload: &'a [u8],
    /// Fragment frames that went into it (duplicates included).
    pub frames: u32,
    /// Sum of the `wire_len` of those frames.
    pub wire_bytes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SlotState {
    Free,
    Collecting,
    /// Abandoned (oversize or too fragmented): swallow fragments until it expires.
    Discarding,
}

#[derive(Debug, Clone)]
struct Slot {
    state: SlotState,
    key: Option<FragmentKey>,
    started: Timestamp,
    /// Insertion order, for evicting the oldest regardless of timestamps.
    sequence: u64,
    /// Datagram length, known once the last fragment (MF/M = 0) arrived.
    total_len: Option<usize>,
    /// Sorted, disjoint, non-adjacent received ranges `[start, end)`.
    ranges: heapless::Vec<(usize, usize), MAX_RANGES>,
    frames: u32,
    wire_bytes: u64,
}

impl Slot {
    fn free() -> Self {
        Slot {
            state: SlotState::Free,
            key: None,
            started: Timestamp(0),
            sequence: 0,
            total_len: None,
            ranges: heapless::Vec::new(),
            frames: 0,
            wire_bytes: 0,
        }
    }
}

/// Fixed-pool fragment reassembler for IPv4 and IPv6.
#[derive(Debug)]
pub struct Defragmenter {
    slots: Vec<Slot>,
    data: Vec<u8>,
    max_datagram: usize,
    timeout_ns: u64,
    next_sequence: u64,
    counters: DefragCounters,
}

impl Defragmenter {
    /// Allocates `slots` datagrams of up to `max_datagram` bytes each (at least 1 slot; the size
    /// is capped at [`MAX_IP_DATAGRAM`]), with the default 30 s timeout.
    pub fn new(slots: usize, max_datagram: usize) -> Self {
        Self::with_timeout(slots, max_datagram, DEFAULT_TIMEOUT_NS)
    }

    /// Bytes allocated for the slots and their data, fixed at construction.
    pub fn memory_bytes(&self) -> usize {
        self.slots.capacity() * size_of::<Slot>() + self.data.capacity()
    }

    /// Like [`Defragmenter::new`] with a timeout in nanoseconds.
    pub fn with_timeout(slots: usize, max_datagram: usize, timeout_ns: u64) -> Self {
        let slots = slots.max(1);
        let max_datagram = max_datagram.min(MAX_IP_DATAGRAM);
        Defragmenter {
            slots: vec![Slot::free(); slots],
            data: vec![0; slots * max_datagram],
            max_datagram,
            timeout_ns,
            next_sequence: 0,
            counters: DefragCounters::default(),
        }
    }

    /// What happened so far.
    pub fn counters(&self) -> DefragCounters {
        self.counters
    }

    /// Datagrams currently being collected.
    pub fn in_progress(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| s.state == SlotState::Collecting)
            .count()
    }

    /// Drops every slot more than the timeout away from `now` (either direction).
    pub fn expire(&mut self, now: Timestamp) {
        for slot in &mut self.slots {
            if slot.state != SlotState::Free && now.0.abs_diff(slot.started.0) > self.timeout_ns {
                if slot.state == SlotState::Collecting {
                    self.counters.timed_out += 1;
                }
                *slot = Slot::free();
            }
        }
    }

    /// Adds one fragment: `offset` in bytes into the datagram, `more_fragments` the MF/M flag,
    /// `payload` the fragment's data (after the IP header / Fragment header), `wire_len` the
    /// frame's length on the wire. Returns the datagram when this fragment completes it.
    ///
    /// An unfragmented packet (offset 0, no more fragments) completes at once.
    pub fn push(
        &mut self,
        now: Timestamp,
        key: FragmentKey,
        offset: usize,
        more_fragments: bool,
        payload: &[u8],
        wire_len: u32,
    ) -> Option<Reassembled<'_>> {
        self.counters.fragments += 1;
        self.expire(now);
        let index = match self.find(&key) {
            Some(index) => index,
            None => self.allocate(now, key),
        };
        let slot = &mut self.slots[index];
        if slot.state == SlotState::Discarding {
            return None;
        }
        slot.frames = slot.frames.saturating_add(1);
        slot.wire_bytes = slot.wire_bytes.saturating_add(u64::from(wire_len));

        let start = offset;
        let end = offset.saturating_add(payload.len());
        if end > self.max_datagram {
            self.counters.oversize += 1;
            slot.state = SlotState::Discarding;
            return None;
        }
        // The end of the datagram: fixed by the first last fragment seen (first wins).
        let contradicts_end = match (slot.total_len, more_fragments) {
            (Some(total), false) => end != total,
            (Some(total), true) => end > total,
            (None, false) => slot.ranges.last().is_some_and(|r| r.1 > end),
            (None, true) => false,
        };
        if contradicts_end {
            self.counters.overlaps += 1;
            return None;
        }
        if !more_fragments {
            slot.total_len = Some(end);
        }

        // Copy the parts of [start, end) no earlier fragment covered (first wins).
        let base = index * self.max_datagram;
        let region = &mut self.data[base..base + self.max_datagram];
        let mut overlapped = false;
        let mut cursor = start;
        for &(r_start, r_end) in &slot.ranges {
            if r_end <= cursor {
                continue;
            }
            if r_start >= end {
                break;
            }
            overlapped = true;
            if r_start > cursor {
                region[cursor..r_start].copy_from_slice(&payload[cursor - start..r_start - start]);
            }
            cursor = cursor.max(r_end);
        }
        if cursor < end {
            region[cursor..end].copy_from_slice(&payload[cursor - start..]);
        }
        if overlapped {
            self.counters.overlaps += 1;
        }
        if start < end && !insert_range(&mut slot.ranges, start, end) {
            self.counters.too_fragmented += 1;
            slot.state = SlotState::Discarding;
            return None;
        }

        let total = slot.total_len?;
        let complete = match slot.ranges.as_slice() {
            [] => total == 0,
            [(0, e)] => *e == total,
            _ => false,
        };
        if !complete {
            return None;
        }
        let done = Reassembled {
            key,
            payload: &self.data[base..base + total],
            frames: slot.frames,
            wire_bytes: slot.wire_bytes,
        };
        *slot = Slot::free();
        self.counters.reassembled += 1;
        Some(done)
    }

    fn find(&self, key: &FragmentKey) -> Option<usize> {
        self.slots
            .iter()
            .position(|s| s.state != SlotState::Free && s.key.as_ref() == Some(key))
    }

    /// A free slot, or the oldest one evicted; initialised for `key`.
    fn allocate(&mut self, now: Timestamp, key: FragmentKey) -> usize {
        let index = match self.slots.iter().position(|s| s.state == SlotState::Free) {
            Some(free) => free,
            None => {
                let oldest = self
                    .slots
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, s)| s.sequence)
                    .map_or(0, |(i, _)| i);
                if self.slots[oldest].state == SlotState::Collecting {
                    self.counters.evicted += 1;
                }
                oldest
            }
        };
        let slot = &mut self.slots[index];
        *slot = Slot::free();
        slot.state = SlotState::Collecting;
        slot.key = Some(key);
        slot.started = now;
        slot.sequence = self.next_sequence;
        self.next_sequence += 1;
        index
    }
}

/// Merges `[start, end)` into the sorted range list; false when it would need more than
/// [`MAX_RANGES`] entries.
fn insert_range(
    ranges: &mut heapless::Vec<(usize, usize), MAX_RANGES>,
    start: usize,
    end: usize,
) -> bool {
    let mut merged: heapless::Vec<(usize, usize), MAX_RANGES> = heapless::Vec::new();
    let mut new = (start, end);
    let mut placed = false;
    for &r in ranges.iter() {
        if r.1 < new.0 {
            if merged.push(r).is_err() {
                return false;
            }
        } else if r.0 > new.1 {
            if !placed {
                if merged.push(new).is_err() {
                    return false;
                }
                placed = true;
            }
            if merged.push(r).is_err() {
                return false;
            }
        } else {
            // Overlapping or adjacent: absorb.
            new = (new.0.min(r.0), new.1.max(r.1));
        }
    }
    if !placed && merged.push(new).is_err() {
        return false;
    }
    *ranges = merged;
    true
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;
    use crate::wire::ipv4::Ipv4Packet;
    use crate::wire::ipv6::Ipv6Packet;
    use crate::wire::link::{self, test_pcap, Network};
    use crate::wire::udp::UdpPacket;

    const SECOND: u64 = 1_000_000_000;

    fn key(id: u32) -> FragmentKey {
        FragmentKey {
            src: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
            dst: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)),
            id,
            protocol: 17,
        }
    }

    fn at(secs: u64) -> Timestamp {
        Timestamp(secs * SECOND)
    }

    /// 24 bytes 0, 1, 2, ... cut into three 8-byte fragments.
    fn datagram() -> [u8; 24] {
        core::array::from_fn(|i| i as u8)
    }

    #[test]
    fn in_order_fragments_reassemble() {
        let d = datagram();
        let mut defrag = Defragmenter::new(4, 1500);
        assert!(defrag.push(at(1), key(7), 0, true, &d[0..8], 60).is_none());
        assert!(defrag.push(at(1), key(7), 8, true, &d[8..16], 60).is_none());
        assert_eq!(defrag.in_progress(), 1);
        let done = defrag
            .push(at(1), key(7), 16, false, &d[16..24], 70)
            .unwrap();
        assert_eq!(done.payload, &d[..]);
        assert_eq!(done.frames, 3);
        assert_eq!(done.wire_bytes, 190);
        assert_eq!(done.key, key(7));
        assert_eq!(defrag.in_progress(), 0);
        assert_eq!(defrag.counters().reassembled, 1);
        assert_eq!(defrag.counters().fragments, 3);
    }

    #[test]
    fn out_of_order_and_unfragmented() {
        let d = datagram();
        let mut defrag = Defragmenter::new(4, 1500);
        assert!(defrag
            .push(at(1), key(1), 16, false, &d[16..24], 1)
            .is_none());
        assert!(defrag.push(at(1), key(1), 0, true, &d[0..8], 1).is_none());
        let done = defrag.push(at(1), key(1), 8, true, &d[8..16], 1).unwrap();
        assert_eq!(done.payload, &d[..]);
        // offset 0 and no more fragments: complete at once.
        let whole = defrag.push(at(1), key(2), 0, false, &d[..5], 9).unwrap();
        assert_eq!((whole.payload, whole.frames), (&d[..5], 1));
    }

    #[test]
    fn overlap_first_wins_and_is_counted() {
        let d = datagram();
        let mut defrag = Defragmenter::new(4, 1500);
        assert!(defrag.push(at(1), key(1), 0, true, &d[0..16], 1).is_none());
        // A later fragment rewrites bytes 8..16 with 0xff and brings 16..24.
        let mut evil = [0xffu8; 16];
        evil[8..].copy_from_slice(&d[16..24]);
        let done = defrag.push(at(1), key(1), 8, false, &evil, 1).unwrap();
        assert_eq!(done.payload, &d[..]);
        assert_eq!(defrag.counters().overlaps, 1);
    }

    #[test]
    fn contradicting_last_fragment_is_dropped() {
        let d = datagram();
        let mut defrag = Defragmenter::new(4, 1500);
        assert!(defrag
            .push(at(1), key(1), 16, false, &d[16..24], 1)
            .is_none());
        // A second "last" fragment ending elsewhere, and data past the end: both ignored.
        assert!(defrag.push(at(1), key(1), 8, false, &d[8..16], 1).is_none());
        assert!(defrag.push(at(1), key(1), 24, true, &d[0..8], 1).is_none());
        assert_eq!(defrag.counters().overlaps, 2);
        assert!(defrag.push(at(1), key(1), 8, true, &d[8..16], 1).is_none());
        let done = defrag.push(at(1), key(1), 0, true, &d[0..8], 1).unwrap();
        assert_eq!(done.payload, &d[..]);
        assert_eq!(done.frames, 5);
    }

    #[test]
    fn oversize_datagram_is_abandoned_once() {
        let mut defrag = Defragmenter::new(2, 16);
        let chunk = [0u8; 8];
        assert!(defrag.push(at(1), key(1), 0, true, &chunk, 1).is_none());
        assert!(defrag.push(at(1), key(1), 16, true, &chunk, 1).is_none());
        assert!(defrag.push(at(1), key(1), 8, false, &chunk, 1).is_none());
        assert_eq!(defrag.counters().oversize, 1);
        assert_eq!(defrag.counters().reassembled, 0);
        assert_eq!(defrag.in_progress(), 0);
    }

    #[test]
    fn full_pool_evicts_the_oldest() {
        let chunk = [0u8; 8];
        let mut defrag = Defragmenter::new(2, 64);
        assert!(defrag.push(at(5), key(1), 0, true, &chunk, 1).is_none());
        // Time going backwards must not make key 2 look older than key 1.
        assert!(defrag.push(at(4), key(2), 0, true, &chunk, 1).is_none());
        assert!(defrag.push(at(6), key(3), 0, true, &chunk, 1).is_none());
        assert_eq!(defrag.counters().evicted, 1);
        // Key 2 survived and completes.
        assert!(defrag.push(at(6), key(2), 8, false, &chunk, 1).is_some());
        // Key 1 was evicted: its last fragment alone does not complete anything.
        assert!(defrag.push(at(6), key(1), 8, false, &chunk, 1).is_none());
        assert_eq!(defrag.in_progress(), 2);
    }

    #[test]
    fn expiry_by_packet_time_in_both_directions() {
        let chunk = [0u8; 8];
        let mut defrag = Defragmenter::new(4, 64);
        assert!(defrag.push(at(100), key(1), 0, true, &chunk, 1).is_none());
        assert!(defrag.push(at(100), key(2), 0, true, &chunk, 1).is_none());
        // 30 s later is still in time.
        defrag.expire(at(130));
        assert_eq!(defrag.in_progress(), 2);
        // Time jumps back by more than the timeout: both slots go, no underflow.
        defrag.expire(at(10));
        assert_eq!(defrag.in_progress(), 0);
        assert_eq!(defrag.counters().timed_out, 2);
        // A slot started at 10 expires at 41.
        assert!(defrag.push(at(10), key(3), 0, true, &chunk, 1).is_none());
        assert!(defrag.push(at(41), key(3), 8, false, &chunk, 1).is_none());
        assert_eq!(defrag.counters().timed_out, 3);
    }

    #[test]
    fn too_many_holes_is_abandoned() {
        let chunk = [0u8; 8];
        let mut defrag = Defragmenter::new(1, 4096);
        for i in 0..MAX_RANGES {
            assert!(defrag
                .push(at(1), key(1), i * 16, true, &chunk, 1)
                .is_none());
        }
        assert_eq!(defrag.counters().too_fragmented, 0);
        assert!(defrag
            .push(at(1), key(1), MAX_RANGES * 16, true, &chunk, 1)
            .is_none());
        assert_eq!(defrag.counters().too_fragmented, 1);
    }

    #[test]
    fn range_merging() {
        let mut ranges = heapless::Vec::new();
        assert!(insert_range(&mut ranges, 16, 24));
        assert!(insert_range(&mut ranges, 0, 8));
        assert_eq!(ranges.as_slice(), &[(0, 8), (16, 24)]);
        assert!(insert_range(&mut ranges, 8, 16));
        assert_eq!(ranges.as_slice(), &[(0, 24)]);
        assert!(insert_range(&mut ranges, 30, 40));
        assert!(insert_range(&mut ranges, 20, 35));
        assert_eq!(ranges.as_slice(), &[(0, 40)]);
    }

    /// One reassembled datagram from a corpus file.
    #[derive(Debug, PartialEq, Eq)]
    struct Done {
        frame: usize,
        len: usize,
        frames: u32,
        wire_bytes: u64,
        udp_len: u16,
    }

    /// Feeds every IPv4/IPv6 fragment of a corpus file into a defragmenter.
    fn reassemble_corpus(name: &str) -> Option<(Vec<Done>, DefragCounters)> {
        let (link_type, records) = test_pcap::read(name)?;
        let mut defrag = Defragmenter::new(8, MAX_IP_DATAGRAM);
        let mut done = Vec::new();
        for (i, record) in records.iter().enumerate() {
            let l2 = link::decode(link_type, &record.data).expect("frame decodes");
            let pushed = match l2.network {
                Network::Ipv4(bytes) => {
                    let ip = Ipv4Packet::new_checked(bytes).expect("IPv4");
                    let frag = ip.fragment();
                    if !frag.is_fragment() {
                        continue;
                    }
                    assert!(ip.is_complete());
                    let key = FragmentKey {
                        src: ip.src().into(),
                        dst: ip.dst().into(),
                        id: u32::from(frag.id),
                        protocol: ip.protocol(),
                    };
                    defrag
                        .push(
                            record.ts,
                            key,
                            frag.offset,
                            frag.more_fragments,
                            ip.payload(),
                            record.wire_len,
                        )
                        .map(|r| (r.payload.to_vec(), r.frames, r.wire_bytes))
                }
                Network::Ipv6(bytes) => {
                    let ip = Ipv6Packet::new_checked(bytes).expect("IPv6");
                    let upper = ip.upper_layer().expect("IPv6 headers");
                    let Some(frag) = upper.fragment else {
                        continue;
                    };
                    let key = FragmentKey {
                        src: ip.src().into(),
                        dst: ip.dst().into(),
                        id: frag.id,
                        protocol: upper.protocol,
                    };
                    defrag
                        .push(
                            record.ts,
                            key,
                            frag.offset,
                            frag.more_fragments,
                            upper.payload,
                            record.wire_len,
                        )
                        .map(|r| (r.payload.to_vec(), r.frames, r.wire_bytes))
                }
                _ => continue,
            };
            if let Some((payload, frames, wire_bytes)) = pushed {
                let udp = UdpPacket::new_checked(&payload[..]).expect("reassembled UDP");
                assert!(!udp.length_exceeds_data());
                done.push(Done {
                    frame: i + 1,
                    len: payload.len(),
                    frames,
                    wire_bytes,
                    udp_len: udp.length(),
                });
            }
        }
        Some((done, defrag.counters()))
    }

    fn done(frame: usize, len: usize, frames: u32, wire_bytes: u64) -> Done {
        Done {
            frame,
            len,
            frames,
            wire_bytes,
            udp_len: len as u16,
        }
    }

    #[test]
    fn corpus_ndpi_dns_fragmented() {
        // tshark: ip.reassembled.length / ipv6.reassembled.length at frames 3, 6, 9, 12, 17, 39,
        // 42; fragment frame lengths from `tshark -T fields -e frame.len`.
        let Some((got, counters)) = reassemble_corpus("nDPI__dns_fragmented.pcap") else {
            return;
        };
        let expected = [
            done(3, 1710, 2, 1514 + 264),
            done(6, 1509, 2, 1510 + 123),
            done(9, 1498, 2, 1510 + 112),
            done(12, 1498, 2, 1514 + 52),
            done(17, 1710, 2, 1514 + 264),
            done(39, 1738, 2, 1494 + 368),
            done(42, 1738, 2, 1514 + 292),
        ];
        assert_eq!(got, expected);
        assert_eq!(counters.reassembled, 7);
        assert_eq!(counters.fragments, 14);
        assert_eq!(counters.overlaps, 0);
    }

    #[test]
    fn corpus_zeek_ipv6_fragmented_dns() {
        // tshark: frame 4 is a lone last fragment (id 1) never completed; frames 6, 7, 8
        // (id 2) reassemble to a 3238-byte UDP datagram at frame 8.
        let Some((got, counters)) = reassemble_corpus("zeek__ipv6-fragmented-dns.pcap") else {
            return;
        };
        assert_eq!(got, [done(8, 3238, 3, 1494 + 1494 + 436)]);
        assert_eq!(counters.reassembled, 1);
        assert_eq!(counters.fragments, 4);
    }
}
