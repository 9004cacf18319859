//! Counters of everything the engine skipped or could not use, by reason, so that a report can
//! say exactly what was lost and why (DESIGN.md: "malformed frames are counted and skipped").

use core::fmt;

/// Why a frame (or the application data in it) was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// The link-layer header was cut short or invalid.
    LinkMalformed,
    /// ARP, LLC, or another non-IP protocol: not an error, just not ours.
    NotIp,
    /// An IPv4 header was invalid or cut short.
    Ipv4Malformed,
    /// An IPv6 header or extension header chain was invalid or cut short.
    Ipv6Malformed,
    /// A TCP header was invalid or cut short.
    TcpMalformed,
    /// A UDP header was invalid or cut short.
    UdpMalformed,
    /// ICMP, IGMP, ESP and other protocols without ports: counted, not dissected.
    OtherTransport,
    /// A fragment waiting for the rest of its datagram.
    FragmentHeld,
    /// A later fragment cut short by the capture's snap length: it cannot be reassembled.
    FragmentTruncated,
    /// A DNS message that could not be parsed.
    DnsMalformed,
    /// A DHCP message that could not be parsed.
    DhcpMalformed,
    /// An HTTP request head that could not be parsed.
    HttpMalformed,
    /// A TLS handshake that could not be parsed.
    TlsMalformed,
    /// A QUIC Initial that could not be decrypted or parsed.
    QuicUndecryptable,
    /// A stream handshake bigger than the reassembly buffer, or no buffer or handshake reader
    /// free.
    ReassemblyGaveUp,
}

impl Skip {
    /// Every reason, in report order.
    pub const ALL: [Skip; 15] = [
        Skip::LinkMalformed,
        Skip::NotIp,
        Skip::Ipv4Malformed,
        Skip::Ipv6Malformed,
        Skip::TcpMalformed,
        Skip::UdpMalformed,
        Skip::OtherTransport,
        Skip::FragmentHeld,
        Skip::FragmentTruncated,
        Skip::DnsMalformed,
        Skip::DhcpMalformed,
        Skip::HttpMalformed,
        Skip::TlsMalformed,
        Skip::QuicUndecryptable,
        Skip::ReassemblyGaveUp,
    ];

    /// A short machine-friendly name.
    pub fn name(self) -> &'static str {
        match self {
            Skip::LinkMalformed => "link_malformed",
            Skip::NotIp => "not_ip",
            Skip::Ipv4Malformed => "ipv4_malformed",
            Skip::Ipv6Malformed => "ipv6_malformed",
            Skip::TcpMalformed => "tcp_malformed",
            Skip::UdpMalformed => "udp_malformed",
            Skip::OtherTransport => "other_transport",
            Skip::FragmentHeld => "fragment_held",
            Skip::FragmentTruncated => "fragment_truncated",
            Skip::DnsMalformed => "dns_malformed",
            Skip::DhcpMalformed => "dhcp_malformed",
            Skip::HttpMalformed => "http_malformed",
            Skip::TlsMalformed => "tls_malformed",
            Skip::QuicUndecryptable => "quic_undecryptable",
            Skip::ReassemblyGaveUp => "reassembly_gave_up",
        }
    }
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Frame and skip counters of one engine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Frames polled.
    pub frames: u64,
    /// Wire bytes polled.
    pub bytes: u64,
    /// Frames whose transport flow was accounted.
    pub flow_frames: u64,
    skips: [u64; Skip::ALL.len()],
}

impl Counters {
    /// Counts one skip.
    pub fn skip(&mut self, why: Skip) {
        self.skips[why as usize] += 1;
    }

    /// How many times `why` happened.
    pub fn skipped(&self, why: Skip) -> u64 {
        self.skips[why as usize]
    }

    /// What was counted after `earlier` was taken (both from the same engine).
    pub fn since(&self, earlier: &Counters) -> Counters {
        let mut d = Counters {
            frames: self.frames - earlier.frames,
            bytes: self.bytes - earlier.bytes,
            flow_frames: self.flow_frames - earlier.flow_frames,
            skips: [0; Skip::ALL.len()],
        };
        for (i, n) in d.skips.iter_mut().enumerate() {
            *n = self.skips[i] - earlier.skips[i];
        }
        d
    }

    /// Every non-zero reason with its count.
    pub fn nonzero(&self) -> impl Iterator<Item = (Skip, u64)> + '_ {
        Skip::ALL
            .iter()
            .map(|s| (*s, self.skips[*s as usize]))
            .filter(|(_, n)| *n > 0)
    }
}
