//! The last addresses looked up, remembered: a flow's remote address is located several times
//! over its life (its statistics key, its first upload, each detection check, its end
//! report), and a lookup in the mapped table costs hundreds of instructions (a binary search,
//! then varints decoded in place). A small direct-mapped table keyed by address answers the
//! repeats. It holds no reference into the table: the organisation is kept as its place in
//! the mapped payload and read back from there. The table sits behind a lock that is only
//! ever tried (so that a `GeoDb` can still be shared between threads): a lookup that finds it
//! taken goes to the mapped table instead, never waits.

use core::net::IpAddr;
use std::sync::Mutex;

use super::GeoInfo;

/// Entries (a power of two).
const ENTRIES: usize = 512;

#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    /// The address as `u128` (IPv4 mapped), and whether the entry holds one.
    key: u128,
    used: bool,
    country: Option<[u8; 2]>,
    asn: Option<u32>,
    /// The organisation's bytes in the payload: offset and length.
    org: Option<(u32, u32)>,
}

/// Recently located addresses.
#[derive(Debug)]
pub(super) struct Recent {
    entries: Mutex<Box<[Entry]>>,
}

impl Default for Recent {
    fn default() -> Self {
        Recent {
            entries: Mutex::new(vec![Entry::default(); ENTRIES].into_boxed_slice()),
        }
    }
}

fn key(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u128::from(a.to_ipv6_mapped()),
        IpAddr::V6(a) => u128::from(a),
    }
}

fn slot(key: u128) -> usize {
    let folded = (key as u64) ^ ((key >> 64) as u64);
    (folded.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as usize & (ENTRIES - 1)
}

impl Recent {
    /// What `ip` was found to be, if it is remembered; the organisation is read from `payload`.
    pub(super) fn get<'a>(&self, ip: IpAddr, payload: &'a [u8]) -> Option<GeoInfo<'a>> {
        let k = key(ip);
        let e = self.entries.try_lock().ok()?[slot(k)];
        if !e.used || e.key != k {
            return None;
        }
        let org = match e.org {
            None => None,
            Some((at, len)) => {
                let bytes = payload.get(at as usize..(at as usize).checked_add(len as usize)?)?;
                Some(core::str::from_utf8(bytes).ok()?)
            }
        };
        Some(GeoInfo {
            country: e.country,
            asn: e.asn,
            org,
        })
    }

    /// Remembers what `ip` was found to be; `info.org` must lie in `payload`.
    pub(super) fn put(&self, ip: IpAddr, info: &GeoInfo<'_>, payload: &[u8]) {
        let org = match info.org {
            None => None,
            Some(s) => {
                let at = (s.as_ptr() as usize).wrapping_sub(payload.as_ptr() as usize);
                if at
                    .checked_add(s.len())
                    .is_none_or(|end| end > payload.len())
                {
                    return; // not from the payload: not remembered
                }
                Some((at as u32, s.len() as u32))
            }
        };
        let k = key(ip);
        if let Ok(mut entries) = self.entries.try_lock() {
            entries[slot(k)] = Entry {
                key: k,
                used: true,
                country: info.country,
                asn: info.asn,
                org,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_what_was_put_and_nothing_else() {
        let payload = b"..Example Org..";
        let recent = Recent::default();
        let a: IpAddr = "192.0.2.7".parse().unwrap();
        let b: IpAddr = "::ffff:192.0.2.8".parse().unwrap();
        assert!(recent.get(a, payload).is_none());
        let info = GeoInfo {
            country: Some(*b"NL"),
            asn: Some(64_500),
            org: Some(core::str::from_utf8(&payload[2..13]).unwrap()),
        };
        recent.put(a, &info, payload);
        let got = recent.get(a, payload).expect("remembered");
        assert_eq!(got.country, Some(*b"NL"));
        assert_eq!(got.asn, Some(64_500));
        assert_eq!(got.org, Some("Example Org"));
        assert!(
            recent.get(b, payload).is_none(),
            "another address is not answered"
        );
        // An organisation that is not in the payload is not remembered.
        let elsewhere = GeoInfo {
            org: Some("not in it"),
            ..info
        };
        recent.put(b, &elsewhere, payload);
        assert!(recent.get(b, payload).is_none());
        // A later address in the same slot replaces the earlier one.
        let none = GeoInfo {
            country: None,
            asn: None,
            org: None,
        };
        for i in 0..=255u8 {
            let c = IpAddr::from([198, 51, 100, i]);
            recent.put(c, &none, payload);
            assert_eq!(recent.get(c, payload).unwrap().asn, None);
        }
    }
}
