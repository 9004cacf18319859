//! Holding back repeats: the same alert (rule, device, destination) fires at most once per
//! hold-back period (4 h by default). Fixed capacity: when full, the oldest memory in the probe
//! window is forgotten, which can only let a repeat through early, never suppress a new alert.

use super::stats::DestKey;
use super::thresholds::Rule;
use crate::naming::devices::DeviceId;

const PROBE: usize = 8;

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    key: Option<(Rule, DeviceId, DestKey)>,
    at: u64,
}

/// Remembers when each alert last fired.
#[derive(Debug)]
pub struct HoldBack {
    slots: Vec<Slot>,
    mask: usize,
    period: u64,
    held: u64,
}

fn home(rule: Rule, device: DeviceId, key: &DestKey, mask: usize) -> usize {
    let mut h = std::hash::DefaultHasher::new();
    std::hash::Hash::hash(&(rule, device, key), &mut h);
    std::hash::Hasher::finish(&h) as usize & mask
}

impl HoldBack {
    /// Remembers at least `capacity` alerts for `period_ns` each.
    pub fn new(capacity: usize, period_ns: u64) -> Self {
        let n = capacity.max(PROBE).next_power_of_two();
        HoldBack {
            slots: vec![Slot::default(); n],
            mask: n - 1,
            period: period_ns,
            held: 0,
        }
    }

    /// Bytes allocated, fixed at construction.
    pub fn memory_bytes(&self) -> usize {
        self.slots.capacity() * size_of::<Slot>()
    }

    /// Changes the hold-back period (new rules); alerts already remembered keep their time.
    pub fn set_period(&mut self, period_ns: u64) {
        self.period = period_ns;
    }

    /// Repeats held back so far.
    pub fn held(&self) -> u64 {
        self.held
    }

    /// True (and remembered) if this alert may fire at virtual time `now`; false if the same
    /// alert fired less than the hold-back period ago.
    pub fn allow(&mut self, rule: Rule, device: DeviceId, dest: DestKey, now: u64) -> bool {
        let key = Some((rule, device, dest));
        let h = home(rule, device, &dest, self.mask);
        let mut victim = h;
        for i in 0..PROBE {
            let s = (h + i) & self.mask;
            let slot = &self.slots[s];
            if slot.key == key {
                if now.saturating_sub(slot.at) < self.period {
                    self.held += 1;
                    return false;
                }
                victim = s;
                break;
            }
            if slot.key.is_none() {
                victim = s;
                break;
            }
            if slot.at < self.slots[victim].at {
                victim = s;
            }
        }
        self.slots[victim] = Slot { key, at: now };
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: u64 = 3_600_000_000_000;

    #[test]
    fn repeats_are_held_back_for_the_period() {
        let mut hb = HoldBack::new(64, 4 * HOUR);
        let d = DeviceId(3);
        let k = DestKey::Asn(64500);
        assert!(hb.allow(Rule::WatchedUpload, d, k, 0));
        assert!(!hb.allow(Rule::WatchedUpload, d, k, HOUR));
        // Another rule or destination is another alert.
        assert!(hb.allow(Rule::AbnormalUpload, d, k, HOUR));
        assert!(hb.allow(Rule::WatchedUpload, d, DestKey::Asn(1), HOUR));
        assert!(hb.allow(Rule::WatchedUpload, d, k, 4 * HOUR + 1));
        assert_eq!(hb.held(), 1);
    }
}
