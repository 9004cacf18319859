//! `flow::defrag::Defragmenter`: a sequence of fragments decoded from the input, pushed into a
//! small pool (2 slots, 4 KiB datagrams, 50 ms timeout), with timestamps that may go backwards.
//!
//! Byte 0 picks the mode: bit 0 set = "pattern" mode, where every fragment's data is the bytes
//! of a fixed per-key pattern at its offset (so any datagram completed must equal the pattern:
//! this checks the copying of overlaps and holes); clear = data taken from the input (so
//! fragments disagree and first-wins is exercised).
//!
//! Then each fragment is 5 header bytes (and, in data mode, `length` bytes of data):
//! `flags` (bit 0 MF, bit 1 IPv6, bits 2-3 which of 4 keys), `offset` (u16 BE, bytes),
//! `time step` (i8, milliseconds, negative goes backwards), `length` (u8).
//!
//! Checked: completed datagrams have the key and length asked for, fit the pool, count at least
//! one frame and their frames' wire bytes; the counters add up; at most 2 are in progress.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use telltale_firmware::capture::Timestamp;
use telltale_firmware::flow::defrag::{Defragmenter, FragmentKey};

const MAX_DATAGRAM: usize = 4096;
/// Link and IP header bytes added to each fragment's data to make its wire length.
const HEADERS: u32 = 34;

fn pattern(which: u8, position: usize) -> u8 {
    (position.wrapping_mul(7) ^ (position >> 8) ^ usize::from(which) * 31) as u8
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, mut rest)) = data.split_first() else {
        return;
    };
    let pattern_mode = mode & 1 != 0;
    let mut defrag = Defragmenter::with_timeout(2, MAX_DATAGRAM, 50_000_000);
    let mut now: u64 = 1_000_000_000;
    let (mut pushed, mut completed) = (0u64, 0u64);
    let mut buffer = Vec::with_capacity(256);
    while let [flags, off_hi, off_lo, step, len, tail @ ..] = rest {
        let offset = usize::from(u16::from_be_bytes([*off_hi, *off_lo]));
        let which = (flags >> 2) & 3;
        let payload: &[u8] = if pattern_mode {
            rest = tail;
            buffer.clear();
            buffer.extend((offset..offset + usize::from(*len)).map(|p| pattern(which, p)));
            &buffer
        } else {
            let len = usize::from(*len).min(tail.len());
            let (payload, after) = tail.split_at(len);
            rest = after;
            payload
        };
        now = now.saturating_add_signed(i64::from(*step as i8) * 1_000_000);
        let (src, dst) = if flags & 2 != 0 {
            (
                IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, u16::from(which))),
                IpAddr::V6(Ipv6Addr::LOCALHOST),
            )
        } else {
            (
                IpAddr::V4(Ipv4Addr::new(10, 0, 0, which)),
                IpAddr::V4(Ipv4Addr::new(10, 0, 0, 99)),
            )
        };
        let key = FragmentKey {
            src,
            dst,
            id: u32::from(which),
            protocol: 17,
        };
        let more = flags & 1 != 0;
        pushed += 1;
        let wire_len = payload.len() as u32 + HEADERS;
        if let Some(done) = defrag.push(Timestamp(now), key, offset, more, payload, wire_len) {
            completed += 1;
            assert_eq!(done.key, key);
            assert!(done.payload.len() <= MAX_DATAGRAM);
            // The last fragment fixes the end; a completing fragment ends at or before it.
            assert!(offset + payload.len() <= done.payload.len());
            if !more {
                assert_eq!(offset + payload.len(), done.payload.len());
            }
            assert!(done.frames >= 1);
            assert!(
                done.wire_bytes
                    >= done.payload.len() as u64 + u64::from(HEADERS) * u64::from(done.frames),
                "wire bytes {} below the datagram's {} in {} frames",
                done.wire_bytes,
                done.payload.len(),
                done.frames
            );
            if pattern_mode {
                for (position, &byte) in done.payload.iter().enumerate() {
                    assert_eq!(
                        byte,
                        pattern(which, position),
                        "byte {position} of the datagram"
                    );
                }
            }
        }
        assert!(defrag.in_progress() <= 2);
        let counters = defrag.counters();
        assert_eq!(counters.fragments, pushed);
        assert_eq!(counters.reassembled, completed);
    }
    defrag.expire(Timestamp(now));
    let counters = defrag.counters();
    // Every datagram started ends once: completed, evicted, timed out, abandoned, or in progress.
    assert!(counters.evicted + counters.timed_out + counters.reassembled <= counters.fragments);
    std::hint::black_box(counters);
});
