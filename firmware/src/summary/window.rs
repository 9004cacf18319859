//! The window table: what each device exchanged with each destination in the open window.
//!
//! The engine hands it one [`Sample`] per flow and window (what the flow carried since it was
//! last reported, see [`super::cursor`]); samples with the same [`WindowKey`] (device,
//! destination address, destination name, transport) add up. Everything is allocated at start:
//! a dense list of entries in first-seen order with an open-addressing index, and one slot per
//! device (indexed like the device table) holding the addresses the device used in the window.
//!
//! Overflow: when every entry is taken, a sample for a new key is merged into its device's
//! "other destinations" summary for its transport (kept in the device's slot, so it always has
//! room), and counted in [`WindowCounters::merged`]. Per-device totals stay exact; only the
//! split by destination is lost for the keys that did not fit. A sample that cannot be placed
//! at all (a device index beyond the table, a device slot still holding another MAC this
//! window, a third transport in one device's "other" summary) is dropped and counted in
//! [`WindowCounters::dropped`]; the engine produces neither of the last two in practice (its
//! flows are TCP or UDP, and a device is forgotten only when the device table is full).

use core::hash::{Hash, Hasher};

use crate::flow::key::Addr;
use crate::naming::devices::{DeviceId, ADDRS_PER_DEVICE};
use crate::naming::names::NameId;

use super::fired::Fired;

/// Transports one device's "other destinations" summary holds.
const OTHER_TRANSPORTS: usize = 2;
const EMPTY: u32 = u32::MAX;

/// What a summary is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WindowKey {
    /// The device (its index in the device table)...
    pub device: DeviceId,
    /// ...and its MAC, so that an index reused for another device is another key.
    pub mac: [u8; 6],
    /// The destination's address.
    pub remote: Addr,
    /// The destination's name, if it has one.
    pub name: Option<NameId>,
    /// IP protocol number.
    pub proto: u8,
}

/// Traffic and findings of one key in one window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Bytes from the device.
    pub bytes_up: u64,
    /// Bytes to the device.
    pub bytes_down: u64,
    /// Frames from the device.
    pub pkts_up: u64,
    /// Frames to the device.
    pub pkts_down: u64,
    /// Flows that carried frames in the window.
    pub flows: u32,
    /// Alerts raised.
    pub fired: Fired,
}

impl Totals {
    fn add(&mut self, other: &Totals) {
        self.bytes_up = self.bytes_up.saturating_add(other.bytes_up);
        self.bytes_down = self.bytes_down.saturating_add(other.bytes_down);
        self.pkts_up = self.pkts_up.saturating_add(other.pkts_up);
        self.pkts_down = self.pkts_down.saturating_add(other.pkts_down);
        self.flows = self.flows.saturating_add(other.flows);
        self.fired.merge(other.fired);
    }

    /// Bytes both ways.
    pub fn bytes(&self) -> u64 {
        self.bytes_up.saturating_add(self.bytes_down)
    }
}

/// What one flow carried in the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// Its key.
    pub key: WindowKey,
    /// The device's address on the flow.
    pub local: Addr,
    /// Its traffic (`flows` 1 when it carried frames, else 0) and the alerts raised on it.
    pub totals: Totals,
}

/// What could not be summarised by destination.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WindowCounters {
    /// Samples merged into a device's "other destinations" summary because the table was full.
    pub merged: u64,
    /// Samples dropped (see the module documentation)...
    pub dropped: u64,
    /// ...and their bytes.
    pub dropped_bytes: u64,
    /// Flows that ended without a known device end, in no summary...
    pub unattributed: u64,
    /// ...and their bytes.
    pub unattributed_bytes: u64,
}

impl WindowCounters {
    fn add(&mut self, other: &WindowCounters) {
        self.merged += other.merged;
        self.dropped += other.dropped;
        self.dropped_bytes += other.dropped_bytes;
        self.unattributed += other.unattributed;
        self.unattributed_bytes += other.unattributed_bytes;
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    key: WindowKey,
    hash: u64,
    totals: Totals,
}

/// One device's window: the addresses it used and its "other destinations" summaries.
#[derive(Debug, Clone, Copy, Default)]
struct DeviceSlot {
    mac: [u8; 6],
    used: bool,
    addrs: [Addr; ADDRS_PER_DEVICE],
    addr_count: u8,
    other: [(u8, Totals); OTHER_TRANSPORTS],
    other_count: u8,
}

impl DeviceSlot {
    fn addresses(&self) -> &[Addr] {
        &self.addrs[..usize::from(self.addr_count)]
    }

    fn others(&self) -> &[(u8, Totals)] {
        &self.other[..usize::from(self.other_count)]
    }

    /// Notes an address; beyond `ADDRS_PER_DEVICE` in one window, later ones are not listed.
    /// The unspecified address (a DHCP client before its lease) is nobody's and is not listed.
    fn note_addr(&mut self, a: Addr) {
        let n = usize::from(self.addr_count);
        if n < ADDRS_PER_DEVICE && !a.ip().is_unspecified() && !self.addresses().contains(&a) {
            self.addrs[n] = a;
            self.addr_count += 1;
        }
    }

    fn other_for(&mut self, proto: u8) -> Option<&mut Totals> {
        let n = usize::from(self.other_count);
        let i = match self.other[..n].iter().position(|(p, _)| *p == proto) {
            Some(i) => i,
            None if n < OTHER_TRANSPORTS => {
                self.other[n] = (proto, Totals::default());
                self.other_count += 1;
                n
            }
            None => return None,
        };
        Some(&mut self.other[i].1)
    }
}

/// One summary of the window, as the table holds it.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    /// The device's index in the device table.
    pub device: DeviceId,
    /// Its MAC.
    pub mac: [u8; 6],
    /// Addresses the device used in the window.
    pub ips: &'a [Addr],
    /// The destination's address; `None` for the device's "other destinations".
    pub remote: Option<Addr>,
    /// The destination's name.
    pub name: Option<NameId>,
    /// IP protocol number.
    pub proto: u8,
    /// Traffic and findings.
    pub totals: &'a Totals,
}

/// A mixing hasher for window keys (multiply-rotate, seeded at start).
struct Mix(u64);

impl Hasher for Mix {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut v = [0u8; 8];
            v[..chunk.len()].copy_from_slice(chunk);
            self.0 =
                (self.0.rotate_left(5) ^ u64::from_le_bytes(v)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// The window table.
#[derive(Debug)]
pub struct WindowTable {
    entries: Vec<Entry>,
    capacity: usize,
    index: Vec<u32>,
    mask: usize,
    seed: u64,
    devices: Vec<DeviceSlot>,
    /// Device slots used this window, in first-use order.
    touched: Vec<u16>,
    window: WindowCounters,
    total: WindowCounters,
}

impl WindowTable {
    /// A table of `capacity` keys for a device table of `devices` entries, hashing with `seed`.
    pub fn new(capacity: usize, devices: usize, seed: u64) -> Self {
        let devices = devices.min(usize::from(u16::MAX));
        let index_len = (capacity * 2).next_power_of_two();
        WindowTable {
            entries: Vec::with_capacity(capacity),
            capacity,
            index: vec![EMPTY; index_len],
            mask: index_len - 1,
            seed,
            devices: vec![DeviceSlot::default(); devices],
            touched: Vec::with_capacity(devices),
            window: WindowCounters::default(),
            total: WindowCounters::default(),
        }
    }

    /// Bytes allocated, fixed at construction.
    pub fn memory_bytes(&self) -> usize {
        self.entries.capacity() * size_of::<Entry>()
            + self.index.capacity() * size_of::<u32>()
            + self.devices.capacity() * size_of::<DeviceSlot>()
            + self.touched.capacity() * size_of::<u16>()
    }

    /// Keys with their own entry this window.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing was added this window.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.touched.is_empty()
    }

    /// What could not be summarised by destination this window.
    pub fn window_counters(&self) -> WindowCounters {
        self.window
    }

    /// The same, over every window so far (the open one included).
    pub fn total_counters(&self) -> WindowCounters {
        let mut t = self.total;
        t.add(&self.window);
        t
    }

    fn hash(&self, key: &WindowKey) -> u64 {
        let mut h = Mix(self.seed);
        key.hash(&mut h);
        h.finish()
    }

    /// The device slot of `key`, claimed for its MAC if free this window.
    fn device_slot(&mut self, key: &WindowKey) -> Option<&mut DeviceSlot> {
        let i = usize::from(key.device.0);
        let slot = self.devices.get_mut(i)?;
        if !slot.used {
            *slot = DeviceSlot {
                mac: key.mac,
                used: true,
                ..DeviceSlot::default()
            };
            self.touched.push(i as u16);
        }
        (slot.mac == key.mac).then_some(slot)
    }

    /// Adds one flow's sample.
    pub fn add(&mut self, s: &Sample) {
        if let Some(slot) = self.device_slot(&s.key) {
            slot.note_addr(s.local);
        }
        let hash = self.hash(&s.key);
        let mut at = hash as usize & self.mask;
        loop {
            let e = self.index[at];
            if e == EMPTY {
                break;
            }
            let entry = &mut self.entries[e as usize];
            if entry.hash == hash && entry.key == s.key {
                entry.totals.add(&s.totals);
                return;
            }
            at = (at + 1) & self.mask;
        }
        if self.entries.len() < self.capacity {
            self.index[at] = self.entries.len() as u32;
            self.entries.push(Entry {
                key: s.key,
                hash,
                totals: s.totals,
            });
            return;
        }
        let other = self
            .device_slot(&s.key)
            .and_then(|slot| slot.other_for(s.key.proto));
        match other {
            Some(totals) => {
                totals.add(&s.totals);
                self.window.merged += 1;
            }
            None => {
                self.window.dropped += 1;
                self.window.dropped_bytes += s.totals.bytes();
            }
        }
    }

    /// Counts a flow that ended without a known device end.
    pub fn note_unattributed(&mut self, bytes: u64) {
        self.window.unattributed += 1;
        self.window.unattributed_bytes += bytes;
    }

    /// Every summary of the window: the keys in first-seen order, then each device's "other
    /// destinations", devices in first-seen order.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> + '_ {
        let keyed = self.entries.iter().map(|e| Row {
            device: e.key.device,
            mac: e.key.mac,
            ips: self.addresses_of(&e.key),
            remote: Some(e.key.remote),
            name: e.key.name,
            proto: e.key.proto,
            totals: &e.totals,
        });
        let others = self.touched.iter().flat_map(move |&i| {
            let slot = &self.devices[usize::from(i)];
            slot.others().iter().map(move |(proto, totals)| Row {
                device: DeviceId(i),
                mac: slot.mac,
                ips: slot.addresses(),
                remote: None,
                name: None,
                proto: *proto,
                totals,
            })
        });
        keyed.chain(others)
    }

    /// Summaries in the window (what `rows` yields).
    pub fn row_count(&self) -> usize {
        self.entries.len()
            + self
                .touched
                .iter()
                .map(|&i| self.devices[usize::from(i)].others().len())
                .sum::<usize>()
    }

    fn addresses_of(&self, key: &WindowKey) -> &[Addr] {
        match self.devices.get(usize::from(key.device.0)) {
            Some(slot) if slot.used && slot.mac == key.mac => slot.addresses(),
            _ => &[],
        }
    }

    /// Index slots in use (tests check that clearing empties them all).
    #[cfg(test)]
    pub(super) fn index_used(&self) -> usize {
        self.index.iter().filter(|&&e| e != EMPTY).count()
    }

    /// Empties the table for the next window (keeps every allocation).
    pub fn clear(&mut self) {
        if self.entries.len() * 8 >= self.index.len() {
            self.index.fill(EMPTY);
        } else {
            // A few keys in a large index: empty only the probe runs they sit in. From each
            // key's home slot, clear until an empty slot. A key lies between its home and the
            // end of its run, and a walk that stops early stops on a slot cleared by an earlier
            // walk, which went on to the end of that same run: every key's slot is cleared.
            for e in &self.entries {
                let mut at = e.hash as usize & self.mask;
                while self.index[at] != EMPTY {
                    self.index[at] = EMPTY;
                    at = (at + 1) & self.mask;
                }
            }
        }
        self.entries.clear();
        for &i in &self.touched {
            self.devices[usize::from(i)].used = false;
        }
        self.touched.clear();
        self.total.add(&self.window);
        self.window = WindowCounters::default();
    }
}
