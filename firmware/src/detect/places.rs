//! The countries and organisations (autonomous systems) each device has uploaded to, so that a
//! first upload to a new one after the learning period can be noticed. Bounded per device; a
//! full set stops learning (and then nothing is "new" for that kind), which errs on the quiet
//! side.

use crate::naming::devices::DeviceId;

/// Countries remembered per device.
pub const COUNTRIES: usize = 32;
/// Autonomous systems remembered per device.
pub const ASNS: usize = 64;

#[derive(Debug, Clone, Copy)]
struct Known {
    countries: [[u8; 2]; COUNTRIES],
    n_countries: u8,
    asns: [u32; ASNS],
    n_asns: u8,
}

impl Default for Known {
    fn default() -> Self {
        Known {
            countries: [[0; 2]; COUNTRIES],
            n_countries: 0,
            asns: [0; ASNS],
            n_asns: 0,
        }
    }
}

/// What was new in a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewPlace {
    /// A country the device had not uploaded to.
    Country([u8; 2]),
    /// An organisation (AS) the device had not uploaded to.
    Asn(u32),
}

/// Places per device, indexed by `DeviceId`.
#[derive(Debug)]
pub struct Places {
    known: Vec<Known>,
}

impl Places {
    /// Room for `devices` devices.
    pub fn new(devices: usize) -> Self {
        Places {
            known: vec![Known::default(); devices],
        }
    }

    /// Bytes allocated, fixed at construction.
    pub fn memory_bytes(&self) -> usize {
        self.known.capacity() * size_of::<Known>()
    }

    /// Records an upload from `device` to a place; returns what was new (country first).
    pub fn record(
        &mut self,
        device: DeviceId,
        country: Option<[u8; 2]>,
        asn: Option<u32>,
    ) -> Option<NewPlace> {
        let k = self.known.get_mut(usize::from(device.0))?;
        let mut new = None;
        if let Some(c) = country {
            let n = usize::from(k.n_countries);
            if !k.countries[..n].contains(&c) && n < COUNTRIES {
                k.countries[n] = c;
                k.n_countries += 1;
                new = Some(NewPlace::Country(c));
            }
        }
        if let Some(a) = asn {
            let n = usize::from(k.n_asns);
            if !k.asns[..n].contains(&a) && n < ASNS {
                k.asns[n] = a;
                k.n_asns += 1;
                new = new.or(Some(NewPlace::Asn(a)));
            }
        }
        new
    }

    /// Forgets a device (its table slot was reused for another MAC).
    pub fn forget(&mut self, device: DeviceId) {
        if let Some(k) = self.known.get_mut(usize::from(device.0)) {
            *k = Known::default();
        }
    }
}
