//! The DNS answer cache: which name a device asked for to get an address.
//!
//! Each A/AAAA address of a response is stored against the response's question name: the name
//! the phone asked for, not the CNAME targets the resolver followed (DESIGN.md: "following
//! CNAMEs back to the name the phone asked for"). A flow to that address is then named by it.
//!
//! Fixed capacity, allocated at start: open addressing with a short probe window; when every
//! slot of the window is taken, the least recently answered entry there is replaced (counted).
//! Entries older than the maximum age are ignored. The most recent answer for an address wins.

use crate::flow::key::Addr;

use super::names::NameId;

/// Slots probed for one address.
const PROBE: usize = 8;

/// Counters of the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheCounters {
    /// Addresses stored (new or refreshed).
    pub stored: u64,
    /// Entries replaced to make room.
    pub replaced: u64,
    /// Lookups that found a live name.
    pub hits: u64,
    /// Lookups that found nothing (or only a stale entry).
    pub misses: u64,
}

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    addr: Addr,
    name: NameId,
    /// Virtual time of the answer (ns).
    at: u64,
    used: bool,
}

/// Address -> asked name.
#[derive(Debug)]
pub struct DnsCache {
    slots: Vec<Slot>,
    mask: usize,
    max_age: u64,
    counters: CacheCounters,
}

fn slot_of(addr: &Addr, mask: usize) -> usize {
    let v = u128::from_ne_bytes(addr.0);
    let mut z = (v as u64) ^ ((v >> 64) as u64).rotate_left(29);
    z = (z ^ (z >> 31)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (z ^ (z >> 29)) as usize & mask
}

impl DnsCache {
    /// A cache of at least `capacity` addresses; answers older than `max_age_ns` are ignored.
    pub fn new(capacity: usize, max_age_ns: u64) -> Self {
        let n = capacity.max(PROBE).next_power_of_two();
        DnsCache {
            slots: vec![Slot::default(); n],
            mask: n - 1,
            max_age: max_age_ns,
            counters: CacheCounters::default(),
        }
    }

    /// Bytes allocated, fixed at construction.
    pub fn memory_bytes(&self) -> usize {
        self.slots.capacity() * size_of::<Slot>()
    }

    /// Life counters.
    pub fn counters(&self) -> CacheCounters {
        self.counters
    }

    /// Records that `addr` was given in an answer to a question for `name` at virtual time `now`.
    pub fn insert(&mut self, addr: Addr, name: NameId, now: u64) {
        let home = slot_of(&addr, self.mask);
        let mut victim = home;
        for i in 0..PROBE {
            let s = (home + i) & self.mask;
            let slot = &self.slots[s];
            if !slot.used || slot.addr == addr {
                victim = s;
                break;
            }
            if slot.at < self.slots[victim].at {
                victim = s;
            }
            if i == PROBE - 1 {
                self.counters.replaced += 1;
            }
        }
        self.slots[victim] = Slot {
            addr,
            name,
            at: now,
            used: true,
        };
        self.counters.stored += 1;
    }

    /// The name most recently answered for `addr`, if not older than the maximum age.
    pub fn lookup(&mut self, addr: Addr, now: u64) -> Option<NameId> {
        let home = slot_of(&addr, self.mask);
        for i in 0..PROBE {
            let slot = &self.slots[(home + i) & self.mask];
            if slot.used && slot.addr == addr && now.saturating_sub(slot.at) <= self.max_age {
                self.counters.hits += 1;
                return Some(slot.name);
            }
        }
        self.counters.misses += 1;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::naming::names::NameTable;

    const HOUR: u64 = 3_600_000_000_000;

    #[test]
    fn latest_answer_wins_and_old_answers_age_out() {
        let mut names = NameTable::new(4096);
        let mut cache = DnsCache::new(64, 24 * HOUR);
        let cdn = Addr::v4([203, 0, 113, 31]);
        let a = names.intern(b"data.mistat.xiaomi.com").unwrap();
        let b = names.intern(b"tracking.miui.com").unwrap();
        cache.insert(cdn, a, 0);
        assert_eq!(cache.lookup(cdn, HOUR), Some(a));
        cache.insert(cdn, b, 2 * HOUR);
        assert_eq!(cache.lookup(cdn, 3 * HOUR), Some(b));
        assert_eq!(
            cache.lookup(cdn, 27 * HOUR),
            None,
            "older than the maximum age"
        );
        assert_eq!(cache.lookup(Addr::v4([8, 8, 8, 8]), 0), None);
    }

    #[test]
    fn full_cache_replaces_the_oldest_and_counts_it() {
        let mut names = NameTable::new(4096);
        let n = names.intern(b"x.test").unwrap();
        let mut cache = DnsCache::new(8, u64::MAX);
        for i in 0..100u8 {
            cache.insert(Addr::v4([10, 0, 0, i]), n, u64::from(i));
        }
        assert!(cache.counters().replaced > 0);
        // The newest answers are still there.
        assert_eq!(cache.lookup(Addr::v4([10, 0, 0, 99]), 100), Some(n));
        let live = (0..100u8)
            .filter(|i| cache.lookup(Addr::v4([10, 0, 0, *i]), 100).is_some())
            .count();
        assert!(live <= 8);
    }
}
