//! Frame sources: where frames come from, and the borrowed `Frame` view handed to the engine.
//!
//! A `Frame` borrows its bytes from the capture buffer (a memory-mapped file here; the kernel ring
//! on the box), so nothing on the hot path copies a frame.

pub mod bridge;
pub mod file;
pub mod file_source;
pub mod pcap;
pub mod pcapng;
pub mod pnet_source;
pub mod source;
pub mod tpacket;

use core::fmt;

/// Capture timestamp in nanoseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// Seconds since the epoch as a float, as printed in JSON events.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }

    /// Builds a timestamp from whole seconds and nanoseconds.
    pub fn from_parts(secs: u64, nanos: u64) -> Self {
        Timestamp(secs.saturating_mul(1_000_000_000).saturating_add(nanos))
    }
}

/// The link-layer header type of a capture (the pcap `LINKTYPE_*` values we dissect).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkType {
    /// LINKTYPE_ETHERNET (1).
    Ethernet,
    /// LINKTYPE_NULL (0): BSD loopback, 4-byte address family in host byte order.
    Null,
    /// LINKTYPE_LOOP (108): OpenBSD loopback, 4-byte address family in network byte order.
    Loop,
    /// LINKTYPE_RAW (101) and DLT_RAW (12 or 14 on some systems): a bare IPv4 or IPv6 packet.
    Raw,
    /// LINKTYPE_IPV4 (228).
    Ipv4,
    /// LINKTYPE_IPV6 (229).
    Ipv6,
    /// LINKTYPE_LINUX_SLL (113): Linux cooked capture v1.
    LinuxSll,
    /// LINKTYPE_LINUX_SLL2 (276): Linux cooked capture v2.
    LinuxSll2,
}

impl LinkType {
    /// Every link type we dissect.
    pub const ALL: [LinkType; 8] = [
        LinkType::Ethernet,
        LinkType::Null,
        LinkType::Loop,
        LinkType::Raw,
        LinkType::Ipv4,
        LinkType::Ipv6,
        LinkType::LinuxSll,
        LinkType::LinuxSll2,
    ];

    /// Maps a pcap/pcapng link-type number to a `LinkType`, or `None` for one we do not dissect.
    pub fn from_pcap(code: u32) -> Option<Self> {
        Some(match code {
            0 => LinkType::Null,
            1 => LinkType::Ethernet,
            12 | 14 | 101 => LinkType::Raw,
            108 => LinkType::Loop,
            113 => LinkType::LinuxSll,
            228 => LinkType::Ipv4,
            229 => LinkType::Ipv6,
            276 => LinkType::LinuxSll2,
            _ => return None,
        })
    }
}

impl fmt::Display for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            LinkType::Ethernet => "Ethernet",
            LinkType::Null => "BSD loopback (NULL)",
            LinkType::Loop => "OpenBSD loopback (LOOP)",
            LinkType::Raw => "raw IP",
            LinkType::Ipv4 => "raw IPv4",
            LinkType::Ipv6 => "raw IPv6",
            LinkType::LinuxSll => "Linux cooked (SLL)",
            LinkType::LinuxSll2 => "Linux cooked v2 (SLL2)",
        };
        f.write_str(name)
    }
}

/// Which bridge port a frame was captured on, when known (live capture). Files have no port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port {
    /// Access-point side: frames received here are the phones' uploads.
    Lan,
    /// Router side.
    Wan,
}

/// One captured frame, borrowed from the capture buffer.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// The captured bytes (may be shorter than `wire_len` when the capture was truncated).
    pub data: &'a [u8],
    /// The frame's length on the wire.
    pub wire_len: u32,
    /// Capture time.
    pub ts: Timestamp,
    /// Link-layer header type of `data`.
    pub link: LinkType,
    /// The port it was seen on, if the source knows.
    pub port: Option<Port>,
    /// An 802.1Q tag the capture removed from `data` (live capture: the kernel strips the
    /// outermost tag into the ring's metadata). `data` then dissects as an untagged frame;
    /// `wire_len` still counts the tag's 4 bytes.
    pub stripped_vlan: Option<VlanTag>,
}

/// A VLAN tag taken off a frame by the capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VlanTag {
    /// Tag protocol identifier (0x8100 or 0x88a8).
    pub tpid: u16,
    /// Tag control information: priority, DEI and the 12-bit VLAN id.
    pub tci: u16,
}

impl VlanTag {
    /// The VLAN id.
    pub fn vlan_id(self) -> u16 {
        self.tci & 0x0fff
    }
}
