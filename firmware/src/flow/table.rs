//! The fixed-capacity flow table.
//!
//! All memory is allocated once in `FlowTable::new`: a slab of entries (key, LRU links and the
//! caller's per-flow value `V`) and an open-addressing index twice that size (linear probing,
//! backward-shift deletion, so no tombstones ever force a rebuild). Nothing allocates afterwards.
//!
//! Flows are kept in two least-recently-used lists, one per `FlowClass`, each with its own idle
//! timeout. Idleness is measured on a *virtual* clock supplied by the caller that only moves
//! forward (see `engine::Clock`), so a capture whose timestamps jump backwards neither
//! underflows nor expires flows early. When the table is full, the least recently used flow of
//! either list is evicted and handed to the caller first, and the eviction is counted.

use super::key::FlowKey;

/// Index of a flow in the table's slab; valid until that flow is removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowId(u32);

impl FlowId {
    /// The slab index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Which idle-timeout list a flow is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowClass {
    /// Connection-oriented (TCP): longer idle timeout.
    Stream = 0,
    /// Datagram (UDP and the rest): shorter idle timeout.
    Datagram = 1,
    /// A TCP connection seen to close (FIN both ways, or RST): it lingers briefly for the last
    /// acknowledgements and retransmissions, then ends.
    Closed = 2,
}

/// The number of flow classes (one LRU list each).
pub const CLASSES: usize = 3;

/// Why a flow left the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// Idle for longer than its class's timeout.
    Idle,
    /// A closed TCP connection whose linger time passed.
    Closed,
    /// Pushed out to make room for a new flow.
    Evicted,
    /// End of input (or shutdown).
    Flushed,
}

/// Counters of the table's life, for reports and drop accounting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableCounters {
    /// Flows created.
    pub created: u64,
    /// Flows ended by idle timeout.
    pub expired: u64,
    /// Flows evicted because the table was full.
    pub evicted: u64,
    /// Largest number of flows alive at once.
    pub peak: u64,
}

const NIL: u32 = u32::MAX;
const EMPTY: u32 = u32::MAX;

#[derive(Debug)]
struct Entry<V> {
    key: FlowKey,
    hash: u64,
    prev: u32,
    next: u32,
    last_seen: u64,
    class: FlowClass,
    live: bool,
    value: V,
}

#[derive(Debug, Clone, Copy)]
struct List {
    head: u32,
    tail: u32,
}

/// A fixed-capacity hash table of flows with per-class LRU expiry.
#[derive(Debug)]
pub struct FlowTable<V> {
    entries: Vec<Entry<V>>,
    index: Vec<u32>,
    mask: usize,
    free_head: u32,
    lists: [List; CLASSES],
    live: usize,
    seed: u64,
    counters: TableCounters,
}

impl<V: Default> FlowTable<V> {
    /// Allocates a table for `capacity` concurrent flows (at least 1). `seed` keys the hash.
    pub fn new(capacity: usize, seed: u64) -> Self {
        let capacity = capacity.clamp(1, (u32::MAX / 4) as usize);
        let index_len = (capacity * 2).next_power_of_two();
        let mut entries = Vec::with_capacity(capacity);
        for i in 0..capacity {
            entries.push(Entry {
                key: FlowKey::default(),
                hash: 0,
                prev: NIL,
                next: if i + 1 < capacity {
                    (i + 1) as u32
                } else {
                    NIL
                },
                last_seen: 0,
                class: FlowClass::Datagram,
                live: false,
                value: V::default(),
            });
        }
        FlowTable {
            entries,
            index: vec![EMPTY; index_len],
            mask: index_len - 1,
            free_head: 0,
            lists: [List {
                head: NIL,
                tail: NIL,
            }; CLASSES],
            live: 0,
            seed,
            counters: TableCounters::default(),
        }
    }

    /// Maximum number of concurrent flows.
    pub fn capacity(&self) -> usize {
        self.entries.len()
    }

    /// Flows alive now.
    pub fn len(&self) -> usize {
        self.live
    }

    /// True when no flow is alive.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Bytes allocated for the table (slab and index), fixed at construction.
    pub fn memory_bytes(&self) -> usize {
        self.entries.capacity() * size_of::<Entry<V>>() + self.index.capacity() * size_of::<u32>()
    }

    /// Life counters.
    pub fn counters(&self) -> TableCounters {
        self.counters
    }

    /// Finds the flow of `key`, if alive.
    pub fn find(&self, key: &FlowKey) -> Option<FlowId> {
        let hash = key.hash64(self.seed);
        self.find_slot(key, hash).map(|(_, e)| FlowId(e))
    }

    fn find_slot(&self, key: &FlowKey, hash: u64) -> Option<(usize, u32)> {
        let mut slot = hash as usize & self.mask;
        loop {
            let e = self.index[slot];
            if e == EMPTY {
                return None;
            }
            let entry = &self.entries[e as usize];
            if entry.hash == hash && entry.key == *key {
                return Some((slot, e));
            }
            slot = (slot + 1) & self.mask;
        }
    }

    /// Looks up `key`; if absent, creates it in `class` (evicting the least recently used flow
    /// through `on_end` if the table is full). Marks the flow used at virtual time `now`.
    /// Returns the flow and whether it was created by this call.
    pub fn get_or_insert(
        &mut self,
        key: &FlowKey,
        class: FlowClass,
        now: u64,
        on_end: &mut dyn FnMut(&FlowKey, &mut V, EndReason),
    ) -> (FlowId, bool) {
        let hash = key.hash64(self.seed);
        if let Some((_, e)) = self.find_slot(key, hash) {
            self.touch(e, now);
            return (FlowId(e), false);
        }
        if self.free_head == NIL {
            let victim = self.lru_victim();
            self.counters.evicted += 1;
            self.end(victim, EndReason::Evicted, on_end);
        }
        let e = self.free_head;
        let entry = &mut self.entries[e as usize];
        self.free_head = entry.next;
        entry.key = *key;
        entry.hash = hash;
        entry.class = class;
        entry.last_seen = now;
        entry.live = true;
        entry.value = V::default();
        let mut slot = hash as usize & self.mask;
        while self.index[slot] != EMPTY {
            slot = (slot + 1) & self.mask;
        }
        self.index[slot] = e;
        self.push_front(e);
        self.live += 1;
        self.counters.created += 1;
        self.counters.peak = self.counters.peak.max(self.live as u64);
        (FlowId(e), true)
    }

    /// The key of a live flow.
    pub fn key(&self, id: FlowId) -> &FlowKey {
        &self.entries[id.index()].key
    }

    /// The value of a live flow.
    pub fn value_mut(&mut self, id: FlowId) -> &mut V {
        &mut self.entries[id.index()].value
    }

    /// Moves a live flow to another class (a TCP connection that closed); it keeps its age.
    pub fn set_class(&mut self, id: FlowId, class: FlowClass) {
        let e = id.0;
        if self.entries[e as usize].class == class {
            return;
        }
        self.unlink(e);
        self.entries[e as usize].class = class;
        self.push_front(e);
    }

    /// Ends every flow idle for longer than its class's timeout at virtual time `now`
    /// (`timeouts[class]`, in the same unit as `now`).
    pub fn expire(
        &mut self,
        now: u64,
        timeouts: [u64; CLASSES],
        on_end: &mut dyn FnMut(&FlowKey, &mut V, EndReason),
    ) {
        for (class, timeout) in timeouts.into_iter().enumerate() {
            loop {
                let tail = self.lists[class].tail;
                if tail == NIL {
                    break;
                }
                if now.saturating_sub(self.entries[tail as usize].last_seen) <= timeout {
                    break;
                }
                self.counters.expired += 1;
                let why = if class == FlowClass::Closed as usize {
                    EndReason::Closed
                } else {
                    EndReason::Idle
                };
                self.end(tail, why, on_end);
            }
        }
    }

    /// Ends every flow (end of input), least recently used first.
    pub fn flush(&mut self, on_end: &mut dyn FnMut(&FlowKey, &mut V, EndReason)) {
        while let Some(victim) = self.oldest_tail() {
            self.end(victim, EndReason::Flushed, on_end);
        }
    }

    /// Visits every live flow without ending it (each class's flows, most recently used first).
    pub fn for_each_live(&mut self, visit: &mut dyn FnMut(&FlowKey, &mut V)) {
        for class in 0..self.lists.len() {
            let mut e = self.lists[class].head;
            while e != NIL {
                let entry = &mut self.entries[e as usize];
                visit(&entry.key, &mut entry.value);
                e = entry.next;
            }
        }
    }

    /// The key and value of flow `id` if it is alive (an id kept from earlier may have ended).
    pub fn live_mut(&mut self, id: FlowId) -> Option<(&FlowKey, &mut V)> {
        let entry = self.entries.get_mut(id.index())?;
        entry.live.then_some((&entry.key, &mut entry.value))
    }

    /// Removes one flow explicitly (e.g. a TCP connection seen to close), without reporting it.
    pub fn remove(&mut self, id: FlowId) {
        self.end(id.0, EndReason::Flushed, &mut |_, _, _| {});
    }

    fn oldest_tail(&self) -> Option<u32> {
        self.lists
            .iter()
            .map(|l| l.tail)
            .filter(|&t| t != NIL)
            .min_by_key(|&t| self.entries[t as usize].last_seen)
    }

    fn lru_victim(&self) -> u32 {
        // A closed connection goes first; then the least recently used flow. The table is
        // full, so at least one list is non-empty.
        let closed = self.lists[FlowClass::Closed as usize].tail;
        if closed != NIL {
            return closed;
        }
        self.oldest_tail().unwrap_or(0)
    }

    fn end(
        &mut self,
        e: u32,
        reason: EndReason,
        on_end: &mut dyn FnMut(&FlowKey, &mut V, EndReason),
    ) {
        let (key, hash) = {
            let entry = &mut self.entries[e as usize];
            on_end(&entry.key, &mut entry.value, reason);
            (entry.key, entry.hash)
        };
        self.unlink(e);
        if let Some((slot, _)) = self.find_slot(&key, hash) {
            self.remove_slot(slot);
        }
        let entry = &mut self.entries[e as usize];
        entry.live = false;
        entry.next = self.free_head;
        entry.prev = NIL;
        self.free_head = e;
        self.live -= 1;
    }

    /// Backward-shift deletion (Knuth 6.4 algorithm R): pulls later members of the probe run
    /// into the hole so that lookups never need tombstones.
    fn remove_slot(&mut self, mut hole: usize) {
        self.index[hole] = EMPTY;
        let mut slot = (hole + 1) & self.mask;
        loop {
            let e = self.index[slot];
            if e == EMPTY {
                return;
            }
            let home = self.entries[e as usize].hash as usize & self.mask;
            // Move `e` into the hole if its home is not cyclically within (hole, slot].
            let dist_slot = slot.wrapping_sub(home) & self.mask;
            let dist_hole = hole.wrapping_sub(home) & self.mask;
            if dist_hole < dist_slot {
                self.index[hole] = e;
                self.index[slot] = EMPTY;
                hole = slot;
            }
            slot = (slot + 1) & self.mask;
        }
    }

    fn touch(&mut self, e: u32, now: u64) {
        let entry = &mut self.entries[e as usize];
        entry.last_seen = entry.last_seen.max(now);
        let class = entry.class as usize;
        if self.lists[class].head != e {
            self.unlink(e);
            self.push_front(e);
        }
    }

    fn push_front(&mut self, e: u32) {
        let class = self.entries[e as usize].class as usize;
        let old = self.lists[class].head;
        {
            let entry = &mut self.entries[e as usize];
            entry.prev = NIL;
            entry.next = old;
        }
        if old != NIL {
            self.entries[old as usize].prev = e;
        } else {
            self.lists[class].tail = e;
        }
        self.lists[class].head = e;
    }

    fn unlink(&mut self, e: u32) {
        let (prev, next, class) = {
            let entry = &self.entries[e as usize];
            (entry.prev, entry.next, entry.class as usize)
        };
        if prev != NIL {
            self.entries[prev as usize].next = next;
        } else {
            self.lists[class].head = next;
        }
        if next != NIL {
            self.entries[next as usize].prev = prev;
        } else {
            self.lists[class].tail = prev;
        }
        let entry = &mut self.entries[e as usize];
        entry.prev = NIL;
        entry.next = NIL;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::key::{Addr, Endpoint, PROTO_UDP};

    fn key(n: u32) -> FlowKey {
        let a = Endpoint {
            addr: Addr::v4([10, 0, 0, 1]),
            port: (n % 60000) as u16 + 1024,
        };
        let b = Endpoint {
            addr: Addr::v4((0x0a00_0000 | (n / 60000 + 2)).to_be_bytes()),
            port: 53,
        };
        FlowKey::new(PROTO_UDP, a, b).0
    }

    type Ends = Vec<(FlowKey, u32, EndReason)>;

    fn recorder(ends: &mut Ends) -> impl FnMut(&FlowKey, &mut u32, EndReason) + '_ {
        move |k, v, r| ends.push((*k, *v, r))
    }

    #[test]
    fn insert_find_and_keep_values() {
        let mut t: FlowTable<u32> = FlowTable::new(8, 1);
        let mut ends = Vec::new();
        let (id, new) = t.get_or_insert(&key(1), FlowClass::Datagram, 0, &mut recorder(&mut ends));
        assert!(new);
        *t.value_mut(id) = 42;
        let (id2, new2) =
            t.get_or_insert(&key(1), FlowClass::Datagram, 1, &mut recorder(&mut ends));
        assert!(!new2);
        assert_eq!(id, id2);
        assert_eq!(*t.value_mut(id2), 42);
        assert_eq!(t.find(&key(2)), None);
        assert!(ends.is_empty());
    }

    #[test]
    fn full_table_evicts_least_recently_used() {
        let mut t: FlowTable<u32> = FlowTable::new(3, 9);
        let mut ends = Vec::new();
        for n in 0..3 {
            let (id, _) = t.get_or_insert(
                &key(n),
                FlowClass::Datagram,
                u64::from(n),
                &mut recorder(&mut ends),
            );
            *t.value_mut(id) = n;
        }
        // Use flow 0 again so that flow 1 is the least recently used.
        t.get_or_insert(&key(0), FlowClass::Datagram, 10, &mut recorder(&mut ends));
        t.get_or_insert(&key(3), FlowClass::Datagram, 11, &mut recorder(&mut ends));
        assert_eq!(ends, vec![(key(1), 1, EndReason::Evicted)]);
        assert_eq!(t.counters().evicted, 1);
        assert_eq!(t.len(), 3);
        assert!(t.find(&key(1)).is_none());
        for n in [0, 2, 3] {
            assert!(t.find(&key(n)).is_some(), "flow {n} lost");
        }
    }

    #[test]
    fn idle_flows_expire_per_class() {
        let mut t: FlowTable<u32> = FlowTable::new(16, 3);
        let mut ends = Vec::new();
        t.get_or_insert(&key(1), FlowClass::Datagram, 0, &mut recorder(&mut ends));
        t.get_or_insert(&key(2), FlowClass::Stream, 0, &mut recorder(&mut ends));
        t.get_or_insert(&key(3), FlowClass::Datagram, 50, &mut recorder(&mut ends));
        t.expire(70, [300, 60, 5], &mut recorder(&mut ends));
        assert_eq!(ends, vec![(key(1), 0, EndReason::Idle)]);
        t.expire(301, [300, 60, 5], &mut recorder(&mut ends));
        assert_eq!(ends.len(), 3);
        assert!(t.is_empty());
    }

    #[test]
    fn closed_connections_linger_briefly_and_are_evicted_first() {
        let mut t: FlowTable<u32> = FlowTable::new(3, 4);
        let mut ends = Vec::new();
        let (a, _) = t.get_or_insert(&key(1), FlowClass::Stream, 0, &mut recorder(&mut ends));
        t.get_or_insert(&key(2), FlowClass::Stream, 1, &mut recorder(&mut ends));
        t.get_or_insert(&key(3), FlowClass::Stream, 2, &mut recorder(&mut ends));
        // Flow 1 closes at time 10 (its last frame); flows 2 and 3 stay open.
        t.get_or_insert(&key(1), FlowClass::Stream, 10, &mut recorder(&mut ends));
        t.set_class(a, FlowClass::Closed);
        t.expire(14, [300, 60, 5], &mut recorder(&mut ends));
        assert!(ends.is_empty(), "still lingering at 4 s");
        t.expire(16, [300, 60, 5], &mut recorder(&mut ends));
        assert_eq!(ends, vec![(key(1), 0, EndReason::Closed)]);
        // When the table is full, a closed flow is the victim even if it is the newest.
        let (b, _) = t.get_or_insert(&key(4), FlowClass::Stream, 20, &mut recorder(&mut ends));
        t.set_class(b, FlowClass::Closed);
        t.get_or_insert(&key(5), FlowClass::Stream, 21, &mut recorder(&mut ends));
        assert_eq!(ends[1], (key(4), 0, EndReason::Evicted));
        assert!(t.find(&key(2)).is_some() && t.find(&key(3)).is_some());
    }

    #[test]
    fn many_inserts_and_removals_keep_index_consistent() {
        // Churn far past capacity: every live flow stays findable, every evicted one is gone.
        let cap = 64;
        let mut t: FlowTable<u32> = FlowTable::new(cap, 12345);
        let mut ends = Vec::new();
        for n in 0..5000u32 {
            let (id, _) = t.get_or_insert(
                &key(n),
                FlowClass::Datagram,
                u64::from(n),
                &mut recorder(&mut ends),
            );
            *t.value_mut(id) = n;
            if n % 7 == 0 {
                t.remove(id);
            }
        }
        let live: Vec<u32> = (0..5000).filter(|n| t.find(&key(*n)).is_some()).collect();
        assert_eq!(live.len(), t.len());
        assert!(t.len() <= cap);
        // The survivors are the most recent ones that were not removed.
        assert!(live
            .iter()
            .all(|n| *n >= 5000 - 2 * cap as u32 && n % 7 != 0));
        // Visiting the live flows finds exactly these, once each, and ends none.
        let mut visited = Vec::new();
        t.for_each_live(&mut |k, v| visited.push((*k, *v)));
        visited.sort_by_key(|(_, v)| *v);
        let expected: Vec<(FlowKey, u32)> = live.iter().map(|n| (key(*n), *n)).collect();
        assert_eq!(visited, expected);
        assert_eq!(t.len(), live.len());
        for n in live {
            let id = t.find(&key(n)).expect("live");
            assert_eq!(*t.value_mut(id), n);
        }
    }

    #[test]
    fn flush_ends_everything_oldest_first() {
        let mut t: FlowTable<u32> = FlowTable::new(8, 5);
        let mut ends = Vec::new();
        t.get_or_insert(&key(1), FlowClass::Stream, 5, &mut recorder(&mut ends));
        t.get_or_insert(&key(2), FlowClass::Datagram, 3, &mut recorder(&mut ends));
        t.flush(&mut recorder(&mut ends));
        let order: Vec<FlowKey> = ends.iter().map(|e| e.0).collect();
        assert_eq!(order, vec![key(2), key(1)]);
        assert!(ends.iter().all(|e| e.2 == EndReason::Flushed));
    }
}
