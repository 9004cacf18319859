//! Flow keys: the transport 5-tuple in a canonical (direction-free) order.
//!
//! A key is the same for both directions of a conversation; `FlowKey::new` also says which way
//! the frame went relative to the canonical order, so a flow can keep "side A" (the sender of
//! the first frame seen) without storing two keys.

use core::fmt;
use core::hash::{Hash, Hasher};
use core::net::IpAddr;

/// IP protocol number of TCP.
pub const PROTO_TCP: u8 = 6;
/// IP protocol number of UDP.
pub const PROTO_UDP: u8 = 17;

/// An address as 16 bytes (IPv4 mapped into `::ffff:a.b.c.d`), cheap to compare and hash.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Addr(pub [u8; 16]);

impl Addr {
    /// Converts a std address.
    pub fn from_ip(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => Addr(v4.to_ipv6_mapped().octets()),
            IpAddr::V6(v6) => Addr(v6.octets()),
        }
    }

    /// Builds from the four bytes of an IPv4 address.
    pub fn v4(b: [u8; 4]) -> Self {
        let mut o = [0u8; 16];
        o[10] = 0xff;
        o[11] = 0xff;
        o[12..].copy_from_slice(&b);
        Addr(o)
    }

    /// Builds from the sixteen bytes of an IPv6 address.
    pub fn v6(b: [u8; 16]) -> Self {
        Addr(b)
    }

    /// Back to a std address (IPv4-mapped ones become IPv4).
    pub fn ip(self) -> IpAddr {
        let v6 = core::net::Ipv6Addr::from(self.0);
        match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        }
    }
}

impl fmt::Debug for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.ip())
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.ip())
    }
}

/// One end of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Endpoint {
    /// Address.
    pub addr: Addr,
    /// Transport port (0 for protocols without ports).
    pub port: u16,
}

/// Canonical flow key: `lo` is the smaller endpoint, `hi` the larger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FlowKey {
    /// IP protocol number.
    pub proto: u8,
    /// Smaller endpoint.
    pub lo: Endpoint,
    /// Larger endpoint.
    pub hi: Endpoint,
}

/// Which way a frame went, relative to the key's canonical order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyDir {
    /// From `lo` to `hi`.
    LoToHi,
    /// From `hi` to `lo`.
    HiToLo,
}

impl FlowKey {
    /// Builds the key of a frame from `src` to `dst` and the direction it went.
    pub fn new(proto: u8, src: Endpoint, dst: Endpoint) -> (Self, KeyDir) {
        // The derived order (address bytes, then port), as two integer comparisons: the bytes
        // read big-endian order like the byte-wise comparison.
        let order = |e: &Endpoint| (u128::from_be_bytes(e.addr.0), e.port);
        if order(&src) <= order(&dst) {
            (
                FlowKey {
                    proto,
                    lo: src,
                    hi: dst,
                },
                KeyDir::LoToHi,
            )
        } else {
            (
                FlowKey {
                    proto,
                    lo: dst,
                    hi: src,
                },
                KeyDir::HiToLo,
            )
        }
    }

    /// The sender and receiver of a frame that went `dir`.
    pub fn ends(&self, dir: KeyDir) -> (Endpoint, Endpoint) {
        match dir {
            KeyDir::LoToHi => (self.lo, self.hi),
            KeyDir::HiToLo => (self.hi, self.lo),
        }
    }

    /// A 64-bit hash of the key mixed with `seed` (FxHash-style multiply-rotate; the seed is
    /// chosen at start so that a LAN host cannot aim collisions at a known function).
    pub fn hash64(&self, seed: u64) -> u64 {
        let mut h = KeyHasher(seed);
        Hash::hash(self, &mut h);
        // Final avalanche (splitmix64) so that the low bits used as table index are well mixed.
        let mut z = h.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

impl Hash for FlowKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let lo = u128::from_ne_bytes(self.lo.addr.0);
        let hi = u128::from_ne_bytes(self.hi.addr.0);
        state.write_u64(lo as u64);
        state.write_u64((lo >> 64) as u64);
        state.write_u64(hi as u64);
        state.write_u64((hi >> 64) as u64);
        state.write_u64(
            u64::from(self.proto) << 32 | u64::from(self.lo.port) << 16 | u64::from(self.hi.port),
        );
    }
}

struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(a: [u8; 4], port: u16) -> Endpoint {
        Endpoint {
            addr: Addr::v4(a),
            port,
        }
    }

    #[test]
    fn both_directions_share_one_key() {
        let phone = ep([192, 168, 1, 20], 51000);
        let server = ep([93, 184, 216, 34], 443);
        let (k1, d1) = FlowKey::new(PROTO_TCP, phone, server);
        let (k2, d2) = FlowKey::new(PROTO_TCP, server, phone);
        assert_eq!(k1, k2);
        assert_ne!(d1, d2);
        assert_eq!(k1.hash64(7), k2.hash64(7));
        assert_eq!(k1.ends(d1), (phone, server));
        assert_eq!(k2.ends(d2), (server, phone));
    }

    #[test]
    fn the_canonical_order_is_the_derived_order() {
        let ends = [
            ep([10, 0, 0, 1], 1000),
            ep([10, 0, 0, 1], 999),
            ep([10, 0, 1, 0], 1),
            ep([9, 255, 255, 255], 65535),
            Endpoint {
                addr: Addr::v6([0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
                port: 443,
            },
            Endpoint {
                addr: Addr::v6([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
                port: 5353,
            },
        ];
        for a in ends {
            for b in ends {
                let (k, d) = FlowKey::new(PROTO_TCP, a, b);
                let lo_first = a <= b;
                assert_eq!(d == KeyDir::LoToHi, lo_first, "{a:?} {b:?}");
                assert_eq!((k.lo, k.hi), if lo_first { (a, b) } else { (b, a) });
            }
        }
    }

    #[test]
    fn v4_round_trips_and_prints() {
        let a = Addr::v4([10, 0, 0, 1]);
        assert_eq!(a.to_string(), "10.0.0.1");
        let b = Addr::v6([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(b.to_string(), "2001:db8::1");
    }

    #[test]
    fn ports_and_protocol_separate_keys() {
        let a = ep([10, 0, 0, 1], 1000);
        let b = ep([10, 0, 0, 2], 53);
        let c = ep([10, 0, 0, 2], 54);
        assert_ne!(
            FlowKey::new(PROTO_UDP, a, b).0,
            FlowKey::new(PROTO_UDP, a, c).0
        );
        assert_ne!(
            FlowKey::new(PROTO_UDP, a, b).0,
            FlowKey::new(PROTO_TCP, a, b).0
        );
    }
}
