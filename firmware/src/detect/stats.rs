//! Per device, per destination upload statistics: sliding windows of bytes up and down,
//! totals, the quiet-hours sum, and the contact times that reveal a beacon.
//!
//! Fixed capacity, allocated at start: open addressing with a short probe window keyed by
//! (device, destination); when every slot of the window is taken, the least recently used entry
//! there is replaced (counted). A flow remembers its entry's slot and checks the key before use,
//! so a replaced entry is never updated by a stale flow.

use crate::flow::key::Addr;
use crate::naming::devices::DeviceId;
use crate::naming::names::NameId;

use super::window::SlidingSum;

/// Buckets of the short window (15 min by default: one per minute).
pub const SHORT_BUCKETS: usize = 15;
/// Buckets of the long window (4 h by default: one per 15 minutes).
pub const LONG_BUCKETS: usize = 16;
const PROBE: usize = 8;

/// What a destination is known by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DestKey {
    /// Nothing (an unused slot).
    #[default]
    None,
    /// A name (SNI, Host or DNS).
    Name(NameId),
    /// No name: the AS it is in.
    Asn(u32),
    /// No name, no AS: the address.
    Ip(Addr),
}

/// Statistics of one (device, destination).
#[derive(Debug, Clone, Copy, Default)]
pub struct DestStats {
    /// The device.
    pub device: Option<DeviceId>,
    /// The destination.
    pub key: DestKey,
    /// An address of the destination (the last flow's).
    pub ip: Addr,
    /// Bytes up in the short window.
    pub up_short: SlidingSum<SHORT_BUCKETS>,
    /// Bytes down in the short window.
    pub down_short: SlidingSum<SHORT_BUCKETS>,
    /// Bytes up in the long window.
    pub up_long: SlidingSum<LONG_BUCKETS>,
    /// Bytes up since first seen.
    pub total_up: u64,
    /// Bytes down since first seen.
    pub total_down: u64,
    /// Quiet period the quiet sum belongs to.
    pub quiet_period: Option<u32>,
    /// Bytes up in that quiet period.
    pub quiet_up: u64,
    /// Flows started to this destination.
    pub contacts: u32,
    /// Virtual time of the first and last contact.
    pub first_contact: u64,
    /// Virtual time of the last contact.
    pub last_contact: u64,
    /// Running mean and sum of squared deviations of the intervals between contacts (Welford).
    pub interval_mean: f64,
    /// See `interval_mean`.
    pub interval_m2: f64,
    /// Virtual time of the last byte up.
    pub last_up: u64,
    /// `total_up / CHECK_EVERY` when the thresholds were last checked.
    pub checked_step: u64,
    /// The first-contact check was made (it is made once per destination).
    pub first_contact_done: bool,
    /// What was new for the device at this destination's first upload, if anything.
    pub new_place: Option<super::places::NewPlace>,
    /// A red upload alert fired for this destination: further uploads keep "upload in progress".
    pub red_fired: bool,
    last_used: u64,
    /// Stamp of this occupant of the slot (changes whenever the slot is given to another key).
    stamp: u32,
}

impl DestStats {
    /// Notes a new flow to this destination at `now` (for beacon detection).
    pub fn contact(&mut self, now: u64) {
        if self.contacts == 0 {
            self.first_contact = now;
        } else {
            let interval = now.saturating_sub(self.last_contact) as f64;
            let n = f64::from(self.contacts); // intervals so far + 1
            let delta = interval - self.interval_mean;
            self.interval_mean += delta / n;
            self.interval_m2 += delta * (interval - self.interval_mean);
        }
        self.contacts += 1;
        self.last_contact = now;
    }

    /// Standard deviation of the intervals over their mean, once there are two intervals.
    pub fn interval_jitter(&self) -> Option<f64> {
        let intervals = self.contacts.checked_sub(1)?;
        if intervals < 2 || self.interval_mean <= 0.0 {
            return None;
        }
        let var = self.interval_m2 / f64::from(intervals);
        Some(var.sqrt() / self.interval_mean)
    }
}

/// Index of an entry, with the stamp of its occupant when handed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatsRef {
    slot: u32,
    stamp: u32,
}

/// Counters of the table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatsCounters {
    /// Entries created.
    pub created: u64,
    /// Entries replaced to make room.
    pub replaced: u64,
}

/// The statistics table.
#[derive(Debug)]
pub struct StatsTable {
    slots: Vec<DestStats>,
    mask: usize,
    next_stamp: u32,
    counters: StatsCounters,
}

fn home(device: DeviceId, key: &DestKey, mask: usize) -> usize {
    let k = match key {
        DestKey::None => 0u64,
        DestKey::Name(id) => {
            let mut h = std::hash::DefaultHasher::new();
            std::hash::Hash::hash(id, &mut h);
            std::hash::Hasher::finish(&h)
        }
        DestKey::Asn(a) => u64::from(*a) | 1 << 40,
        DestKey::Ip(a) => {
            let v = u128::from_ne_bytes(a.0);
            (v as u64) ^ ((v >> 64) as u64) ^ 2 << 40
        }
    };
    let z = (k ^ u64::from(device.0) << 48).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (z >> 24) as usize & mask
}

impl StatsTable {
    /// A table of at least `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        let n = capacity.max(PROBE).next_power_of_two();
        StatsTable {
            slots: vec![DestStats::default(); n],
            mask: n - 1,
            next_stamp: 1,
            counters: StatsCounters::default(),
        }
    }

    /// Bytes allocated, fixed at construction.
    pub fn memory_bytes(&self) -> usize {
        self.slots.capacity() * size_of::<DestStats>()
    }

    /// Life counters.
    pub fn counters(&self) -> StatsCounters {
        self.counters
    }

    /// Finds or creates the entry of (`device`, `key`).
    pub fn entry(&mut self, device: DeviceId, key: DestKey, ip: Addr, now: u64) -> StatsRef {
        let h = home(device, &key, self.mask);
        let mut victim = h;
        let mut found = None;
        for i in 0..PROBE {
            let s = (h + i) & self.mask;
            let e = &self.slots[s];
            if e.device == Some(device) && e.key == key {
                found = Some(s);
                break;
            }
            if e.device.is_none() {
                victim = s;
                break;
            }
            if e.last_used < self.slots[victim].last_used {
                victim = s;
            }
        }
        let slot = match found {
            Some(s) => s,
            None => {
                if self.slots[victim].device.is_some() {
                    self.counters.replaced += 1;
                }
                self.counters.created += 1;
                // Stamps only need to differ from the previous occupant's; 0 is never used.
                self.next_stamp = self.next_stamp.wrapping_add(1).max(1);
                self.slots[victim] = DestStats {
                    device: Some(device),
                    key,
                    stamp: self.next_stamp,
                    ..DestStats::default()
                };
                victim
            }
        };
        let e = &mut self.slots[slot];
        e.ip = ip;
        e.last_used = now;
        StatsRef {
            slot: slot as u32,
            stamp: e.stamp,
        }
    }

    /// Empties every entry's sliding windows (totals and contacts stay): their buckets are only
    /// meaningful for the bucket width they were filled with, and new rules may change it.
    pub fn clear_windows(&mut self) {
        for e in &mut self.slots {
            e.up_short = SlidingSum::default();
            e.down_short = SlidingSum::default();
            e.up_long = SlidingSum::default();
        }
    }

    /// The entry `r` refers to, unless it was replaced since.
    pub fn get_mut(&mut self, r: StatsRef, now: u64) -> Option<&mut DestStats> {
        let e = &mut self.slots[r.slot as usize];
        (e.device.is_some() && e.stamp == r.stamp).then(|| {
            e.last_used = now;
            e
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000_000;

    #[test]
    fn clearing_the_windows_keeps_the_totals() {
        let mut table = StatsTable::new(8);
        let ip = Addr::from_ip("203.0.113.31".parse().unwrap());
        let r = table.entry(DeviceId(0), DestKey::Ip(ip), ip, 0);
        let e = table.get_mut(r, 0).unwrap();
        e.up_short.add(0, 60 * S, 1000);
        e.up_long.add(0, 900 * S, 1000);
        e.total_up = 1000;
        table.clear_windows();
        let e = table.get_mut(r, 0).unwrap();
        assert_eq!(e.up_short.sum(0, 60 * S), 0);
        assert_eq!(e.up_long.sum(0, 900 * S), 0);
        assert_eq!(e.total_up, 1000);
    }

    #[test]
    fn beacon_intervals_have_low_jitter() {
        let mut e = DestStats::default();
        for i in 0..10u64 {
            e.contact(i * 60 * S + if i % 2 == 0 { S } else { 0 });
        }
        let j = e.interval_jitter().unwrap();
        assert!(j < 0.05, "{j}");
        let mut f = DestStats::default();
        for t in [0u64, 5, 300, 310, 2000, 2001] {
            f.contact(t * S);
        }
        assert!(f.interval_jitter().unwrap() > 0.5);
    }

    #[test]
    fn entries_are_found_again_and_stale_refs_refused() {
        let mut t = StatsTable::new(8);
        let ip = Addr::v4([203, 0, 113, 31]);
        let r = t.entry(DeviceId(1), DestKey::Asn(64500), ip, 0);
        t.get_mut(r, 1).unwrap().total_up = 7;
        let again = t.entry(DeviceId(1), DestKey::Asn(64500), ip, 2);
        assert_eq!(r, again);
        assert_eq!(t.get_mut(again, 3).unwrap().total_up, 7);
        // Fill the table until r's slot is reused: the old ref must no longer resolve.
        for n in 0..200u32 {
            t.entry(DeviceId(2), DestKey::Asn(n), ip, 10 + u64::from(n));
        }
        assert!(t.counters().replaced > 0);
        let live = t.get_mut(r, 1000).is_some();
        let found_again = t.entry(DeviceId(1), DestKey::Asn(64500), ip, 1001);
        assert!(!live || found_again == r);
    }
}
