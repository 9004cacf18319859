//! Devices on the LAN, known by their hardware address, with what they told about themselves:
//! the addresses they sent from, their DHCP hostname and vendor class, the names they announced
//! over mDNS. Fixed capacity, allocated at start; when full, the device seen least recently is
//! forgotten (counted).
//!
//! A hardware address that sends frames from addresses outside the local networks is a gateway
//! (the router forwarding the Internet's replies), not a device: it is marked as such and never
//! reported as a phone.

use crate::capture::Timestamp;
use crate::flow::key::Addr;

use super::names::NameId;

/// Addresses remembered per device (most recent first out when full).
pub const ADDRS_PER_DEVICE: usize = 6;
/// mDNS names remembered per device.
pub const MDNS_PER_DEVICE: usize = 6;

/// Index of a device in the table; stable while the device is remembered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeviceId(pub u16);

/// One device.
#[derive(Debug, Clone, Copy, Default)]
pub struct Device {
    /// Hardware address.
    pub mac: [u8; 6],
    /// Addresses it sent from, oldest first.
    pub addrs: [Addr; ADDRS_PER_DEVICE],
    /// How many of `addrs` are set.
    pub addr_count: u8,
    /// DHCP option 12.
    pub hostname: NameId,
    /// DHCP option 60.
    pub vendor_class: NameId,
    /// Names announced over mDNS.
    pub mdns: [NameId; MDNS_PER_DEVICE],
    /// How many of `mdns` are set.
    pub mdns_count: u8,
    /// First and last frame times.
    pub first_seen: Timestamp,
    /// Last frame time.
    pub last_seen: Timestamp,
    /// Virtual time first seen (for the learning period).
    pub first_seen_v: u64,
    /// Forwards traffic from outside the local networks: a router, not a device.
    pub gateway: bool,
    last_v: u64,
}

impl Device {
    /// True when the address is locally administered (a randomised, private Wi-Fi address).
    pub fn randomised_mac(&self) -> bool {
        self.mac[0] & 0x02 != 0
    }

    /// The addresses it sent from.
    pub fn addresses(&self) -> &[Addr] {
        &self.addrs[..usize::from(self.addr_count)]
    }

    /// Names it announced over mDNS.
    pub fn mdns_names(&self) -> &[NameId] {
        &self.mdns[..usize::from(self.mdns_count)]
    }

    fn add_addr(&mut self, a: Addr) {
        if self.addresses().contains(&a) {
            return;
        }
        let n = usize::from(self.addr_count);
        if n < ADDRS_PER_DEVICE {
            self.addrs[n] = a;
            self.addr_count += 1;
        } else {
            self.addrs.copy_within(1.., 0);
            self.addrs[ADDRS_PER_DEVICE - 1] = a;
        }
    }
}

/// Counters of the table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeviceCounters {
    /// Devices first seen.
    pub new: u64,
    /// Devices forgotten to make room.
    pub forgotten: u64,
}

/// What `Devices::observe` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observed {
    /// The device.
    pub id: DeviceId,
    /// First time this MAC was seen.
    pub new: bool,
}

const NO_DEVICE: u16 = u16::MAX;

/// The device table.
#[derive(Debug)]
pub struct Devices {
    list: Vec<Device>,
    /// Open-addressing index MAC -> position in `list` (`NO_DEVICE` when empty); rebuilt when a
    /// device is forgotten, which only happens when the table is full.
    index: Vec<u16>,
    /// Devices in use: always the first `len` of `list` (a device is only ever replaced).
    len: usize,
    counters: DeviceCounters,
}

fn mac_slot(mac: [u8; 6], mask: usize) -> usize {
    let mut v = [0u8; 8];
    v[..6].copy_from_slice(&mac);
    let z = u64::from_le_bytes(v).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (z >> 32) as usize & mask
}

impl Devices {
    /// A table for `capacity` devices (at most 65,535).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.clamp(1, u16::MAX as usize - 1);
        Devices {
            list: vec![Device::default(); capacity],
            index: vec![NO_DEVICE; (capacity * 2).next_power_of_two()],
            len: 0,
            counters: DeviceCounters::default(),
        }
    }

    /// Bytes allocated, fixed at construction.
    pub fn memory_bytes(&self) -> usize {
        self.list.capacity() * size_of::<Device>() + self.index.capacity() * size_of::<u16>()
    }

    /// Life counters.
    pub fn counters(&self) -> DeviceCounters {
        self.counters
    }

    /// Looks a MAC up without creating it.
    pub fn find(&self, mac: [u8; 6]) -> Option<DeviceId> {
        let mask = self.index.len() - 1;
        let mut slot = mac_slot(mac, mask);
        loop {
            let i = self.index[slot];
            if i == NO_DEVICE {
                return None;
            }
            if self.list[usize::from(i)].mac == mac {
                return Some(DeviceId(i));
            }
            slot = (slot + 1) & mask;
        }
    }

    fn index_insert(&mut self, mac: [u8; 6], i: u16) {
        let mask = self.index.len() - 1;
        let mut slot = mac_slot(mac, mask);
        while self.index[slot] != NO_DEVICE {
            slot = (slot + 1) & mask;
        }
        self.index[slot] = i;
    }

    /// The device with `id`.
    pub fn get(&self, id: DeviceId) -> &Device {
        &self.list[usize::from(id.0)]
    }

    /// The device with `id`, to update.
    pub fn get_mut(&mut self, id: DeviceId) -> &mut Device {
        &mut self.list[usize::from(id.0)]
    }

    /// Every device remembered (gateways included; check `Device::gateway`).
    pub fn iter(&self) -> impl Iterator<Item = (DeviceId, &Device)> {
        self.list[..self.len]
            .iter()
            .enumerate()
            .map(|(i, d)| (DeviceId(i as u16), d))
    }

    /// Notes a frame sent by `mac` from `addr` (`local`: whether `addr` is in a local network).
    /// Group and broadcast addresses are not devices.
    pub fn observe(
        &mut self,
        mac: [u8; 6],
        addr: Option<Addr>,
        local: bool,
        ts: Timestamp,
        now: u64,
    ) -> Option<Observed> {
        if mac[0] & 0x01 != 0 || mac == [0; 6] {
            return None;
        }
        let (id, new) = match self.find(mac) {
            Some(id) => (id, false),
            None => (self.insert(mac, ts, now), true),
        };
        let d = self.get_mut(id);
        d.last_seen = ts;
        d.last_v = d.last_v.max(now);
        match addr {
            Some(a) if local => d.add_addr(a),
            Some(_) => d.gateway = true,
            None => {}
        }
        Some(Observed { id, new })
    }

    fn insert(&mut self, mac: [u8; 6], ts: Timestamp, now: u64) -> DeviceId {
        let (i, forgot) = if self.len < self.list.len() {
            self.len += 1;
            (self.len - 1, false)
        } else {
            self.counters.forgotten += 1;
            let i = self
                .list
                .iter()
                .enumerate()
                .min_by_key(|(_, d)| d.last_v)
                .map_or(0, |(i, _)| i);
            (i, true)
        };
        self.counters.new += 1;
        self.list[i] = Device {
            mac,
            first_seen: ts,
            last_seen: ts,
            first_seen_v: now,
            last_v: now,
            ..Device::default()
        };
        if forgot {
            self.index.fill(NO_DEVICE);
            for j in 0..self.list.len() {
                self.index_insert(self.list[j].mac, j as u16);
            }
        } else {
            self.index_insert(mac, i as u16);
        }
        DeviceId(i as u16)
    }

    /// The device that sent from local address `addr` most recently, if known.
    pub fn by_addr(&self, addr: Addr) -> Option<DeviceId> {
        if matches!(addr.ip(), core::net::IpAddr::V4(_)) && !super::is_local_net(addr) {
            // A device's IPv4 addresses are local ones (`Naming::observe`): an Internet
            // address is nobody's, without looking through every device.
            return None;
        }
        self.iter()
            .filter(|(_, d)| !d.gateway && d.addresses().contains(&addr))
            .max_by_key(|(_, d)| d.last_v)
            .map(|(id, _)| id)
    }

    /// Records an mDNS name announced by a device.
    pub fn add_mdns(&mut self, id: DeviceId, name: NameId) {
        let d = self.get_mut(id);
        if d.mdns_names().contains(&name) {
            return;
        }
        let n = usize::from(d.mdns_count);
        if n < MDNS_PER_DEVICE {
            d.mdns[n] = name;
            d.mdns_count += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PHONE: [u8; 6] = [0x64, 0x09, 0x80, 0x4c, 0x2e, 0x71];
    const ROUTER: [u8; 6] = [0xd0, 0x37, 0x45, 0x8a, 0x10, 0x01];

    #[test]
    fn phone_and_router_are_told_apart() {
        let mut d = Devices::new(8);
        let phone = d
            .observe(
                PHONE,
                Some(Addr::v4([192, 168, 50, 118])),
                true,
                Timestamp(1),
                1,
            )
            .unwrap();
        assert!(phone.new);
        let again = d
            .observe(
                PHONE,
                Some(Addr::v4([192, 168, 50, 118])),
                true,
                Timestamp(2),
                2,
            )
            .unwrap();
        assert!(!again.new);
        assert_eq!(d.get(phone.id).addresses().len(), 1);
        // The router forwards a server's reply: its MAC with an Internet source address.
        let r = d
            .observe(
                ROUTER,
                Some(Addr::v4([203, 0, 113, 31])),
                false,
                Timestamp(3),
                3,
            )
            .unwrap();
        assert!(d.get(r.id).gateway);
        assert!(!d.get(phone.id).gateway);
        assert_eq!(d.by_addr(Addr::v4([192, 168, 50, 118])), Some(phone.id));
        // Broadcast is nobody.
        assert!(d.observe([0xff; 6], None, true, Timestamp(4), 4).is_none());
    }

    #[test]
    fn randomised_mac_is_flagged() {
        let mut d = Devices::new(4);
        let id = d
            .observe([0x02, 1, 2, 3, 4, 5], None, true, Timestamp(0), 0)
            .unwrap()
            .id;
        assert!(d.get(id).randomised_mac());
        let id = d.observe(PHONE, None, true, Timestamp(0), 0).unwrap().id;
        assert!(!d.get(id).randomised_mac());
    }

    #[test]
    fn full_table_forgets_the_least_recent() {
        let mut d = Devices::new(2);
        d.observe([0, 0, 0, 0, 0, 1], None, true, Timestamp(0), 0);
        d.observe([0, 0, 0, 0, 0, 2], None, true, Timestamp(5), 5);
        d.observe([0, 0, 0, 0, 0, 3], None, true, Timestamp(9), 9);
        assert_eq!(d.counters().forgotten, 1);
        assert!(d.find([0, 0, 0, 0, 0, 1]).is_none());
        assert!(d.find([0, 0, 0, 0, 0, 2]).is_some());
    }
}
