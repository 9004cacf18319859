//! A bounded store of names (DNS names, SNI, HTTP hosts, DHCP hostnames) referenced by small ids.
//!
//! Flows, the DNS cache and devices hold a `NameId` (8 bytes) instead of a copy of the name. The
//! store is one byte arena plus a hash index, both allocated at start. When the arena is full it
//! is cleared and its generation advances: every id of the previous generation then resolves to
//! `None` (the name is forgotten, never confused with another), and the clearing is counted.
//! Interning the same name twice returns the same id while its generation lives.

/// Longest name kept (a DNS name in text form is at most 253 bytes; SNI and Host are capped the
/// same way).
pub const MAX_NAME_LEN: usize = 255;

/// A reference to a stored name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NameId {
    offset: u32,
    len: u8,
    generation: u16,
    /// False for the default (no name) value.
    set: bool,
}

impl NameId {
    /// True when this id refers to a name (it may still be forgotten).
    pub fn is_set(self) -> bool {
        self.set
    }
}

/// Counters of the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NameCounters {
    /// Names added.
    pub interned: u64,
    /// Times the arena filled up and was cleared.
    pub resets: u64,
    /// Names refused because they were empty or longer than `MAX_NAME_LEN`.
    pub refused: u64,
}

const EMPTY: u32 = u32::MAX;

/// The name store.
#[derive(Debug)]
pub struct NameTable {
    arena: Vec<u8>,
    used: usize,
    /// Open-addressing index: offset of a name's length byte in the arena, or `EMPTY`.
    index: Vec<u32>,
    entries: usize,
    generation: u16,
    counters: NameCounters,
}

fn hash(name: &[u8]) -> u64 {
    // FNV-1a over the lower-cased bytes: names compare case-insensitively.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name {
        h ^= u64::from(b.to_ascii_lowercase());
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl NameTable {
    /// A store of `arena_bytes` of names (each name costs its length plus one byte).
    pub fn new(arena_bytes: usize) -> Self {
        let arena_bytes = arena_bytes.clamp(MAX_NAME_LEN + 1, u32::MAX as usize / 2);
        // At most one name per 2 bytes; index at most half full.
        let slots = (arena_bytes / 8).max(16).next_power_of_two() * 2;
        NameTable {
            arena: vec![0; arena_bytes],
            used: 0,
            index: vec![EMPTY; slots],
            entries: 0,
            generation: 1,
            counters: NameCounters::default(),
        }
    }

    /// Bytes allocated, fixed at construction.
    pub fn memory_bytes(&self) -> usize {
        self.arena.capacity() + self.index.capacity() * size_of::<u32>()
    }

    /// Life counters.
    pub fn counters(&self) -> NameCounters {
        self.counters
    }

    fn stored(&self, at: usize) -> &[u8] {
        let len = usize::from(self.arena[at]);
        &self.arena[at + 1..at + 1 + len]
    }

    /// Stores `name` (or finds it) and returns its id; `None` for an empty or overlong name.
    pub fn intern(&mut self, name: &[u8]) -> Option<NameId> {
        if name.is_empty() || name.len() > MAX_NAME_LEN {
            self.counters.refused += 1;
            return None;
        }
        let mask = self.index.len() - 1;
        let mut slot = hash(name) as usize & mask;
        loop {
            let at = self.index[slot];
            if at == EMPTY {
                break;
            }
            if self.stored(at as usize).eq_ignore_ascii_case(name) {
                return Some(self.id(at as usize, name.len()));
            }
            slot = (slot + 1) & mask;
        }
        if self.used + 1 + name.len() > self.arena.len() || self.entries * 2 >= self.index.len() {
            self.reset();
            return self.intern(name);
        }
        let at = self.used;
        self.arena[at] = name.len() as u8;
        self.arena[at + 1..at + 1 + name.len()].copy_from_slice(name);
        self.used += 1 + name.len();
        self.index[slot] = at as u32;
        self.entries += 1;
        self.counters.interned += 1;
        Some(self.id(at, name.len()))
    }

    fn id(&self, at: usize, len: usize) -> NameId {
        NameId {
            offset: at as u32,
            len: len as u8,
            generation: self.generation,
            set: true,
        }
    }

    fn reset(&mut self) {
        self.used = 0;
        self.entries = 0;
        self.index.fill(EMPTY);
        // Generation 0 is never used, so a default id never resolves.
        self.generation = self.generation.wrapping_add(1).max(1);
        self.counters.resets += 1;
    }

    /// The name of `id`, or `None` if it was never set or has been forgotten.
    pub fn get(&self, id: NameId) -> Option<&[u8]> {
        if !id.set || id.generation != self.generation {
            return None;
        }
        let at = id.offset as usize;
        (at < self.used && usize::from(self.arena[at]) == usize::from(id.len))
            .then(|| self.stored(at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_name_same_id_case_insensitive() {
        let mut t = NameTable::new(1024);
        let a = t.intern(b"tracking.miui.com").unwrap();
        let b = t.intern(b"Tracking.MIUI.com").unwrap();
        assert_eq!(a, b);
        assert_eq!(t.get(a), Some(&b"tracking.miui.com"[..]));
        assert_ne!(t.intern(b"data.mistat.xiaomi.com").unwrap(), a);
        assert_eq!(t.counters().interned, 2);
    }

    #[test]
    fn refuses_empty_and_overlong() {
        let mut t = NameTable::new(1024);
        assert!(t.intern(b"").is_none());
        assert!(t.intern(&[b'a'; MAX_NAME_LEN + 1]).is_none());
        assert!(t.intern(&[b'a'; MAX_NAME_LEN]).is_some());
        assert_eq!(t.counters().refused, 2);
        assert_eq!(t.get(NameId::default()), None);
    }

    #[test]
    fn full_arena_resets_and_old_ids_are_forgotten_not_confused() {
        let mut t = NameTable::new(300);
        let first = t.intern(&[b'x'; 200]).unwrap();
        let second = t.intern(&[b'y'; 200]).unwrap(); // does not fit: reset
        assert_eq!(t.counters().resets, 1);
        assert_eq!(t.get(first), None);
        assert_eq!(t.get(second), Some(&[b'y'; 200][..]));
        // A new name at the old offset does not make the old id valid again.
        let third = t.intern(b"zzz").unwrap();
        assert_eq!(t.get(first), None);
        assert_eq!(t.get(third), Some(&b"zzz"[..]));
    }
}
