//! Link layer: from a captured frame and its pcap link type to the network-layer packet.
//!
//! This module owns the per-link-type headers that are not Ethernet: BSD loopback (`NULL`,
//! address family in host byte order, either order accepted), OpenBSD loopback (`LOOP`, network
//! order), raw IP (version nibble), and Linux cooked captures v1 (`SLL`, 16 bytes) and v2 (`SLL2`,
//! 20 bytes). Ethernet and everything between it and IP lives in [`super::ethernet`];
//! [`decode_frame`] is the one entry point the engine calls: it is [`decode`] plus the VLAN tag
//! a live capture took off the frame (`Frame::stripped_vlan`), put back as the outermost tag.

use crate::capture::{Frame, LinkType};

use super::ethernet::{self, MacAddr, VlanInfo};
use super::{be16, be32, need, Result, WireError};

pub use super::ethernet::Network;

/// BSD address-family values found in NULL/LOOP headers (tcpdump's `af.h`).
pub mod address_family {
    /// AF_INET on every BSD and Linux.
    pub const INET: u32 = 2;
    /// AF_INET6 on NetBSD, OpenBSD and BSD/OS.
    pub const INET6_BSD: u32 = 24;
    /// AF_INET6 on FreeBSD and DragonFly.
    pub const INET6_FREEBSD: u32 = 28;
    /// AF_INET6 on macOS and iOS.
    pub const INET6_DARWIN: u32 = 30;
}

/// Linux ARPHRD_ETHER: the SLL/SLL2 address field holds a MAC address.
const ARPHRD_ETHER: u16 = 1;

mod field {
    /// LINKTYPE_NULL / LINKTYPE_LOOP: 4-byte address family.
    pub const LOOPBACK_LEN: usize = 4;

    /// LINKTYPE_LINUX_SLL: packet type (2), ARPHRD type (2), address length (2), address (8),
    /// protocol (2) (tcpdump.org linktypes/LINKTYPE_LINUX_SLL.html).
    pub const SLL_ARPHRD: usize = 2;
    /// SLL: link-layer address length.
    pub const SLL_ADDR_LEN: usize = 4;
    /// SLL: first byte of the 8-byte address field.
    pub const SLL_ADDR: usize = 6;
    /// SLL: protocol type (an EtherType for most ARPHRD types).
    pub const SLL_PROTOCOL: usize = 14;
    /// SLL: header length.
    pub const SLL_LEN: usize = 16;

    /// LINKTYPE_LINUX_SLL2: protocol (2), reserved (2), interface index (4), ARPHRD type (2),
    /// packet type (1), address length (1), address (8)
    /// (tcpdump.org linktypes/LINKTYPE_LINUX_SLL2.html).
    pub const SLL2_PROTOCOL: usize = 0;
    /// SLL2: ARPHRD type.
    pub const SLL2_ARPHRD: usize = 8;
    /// SLL2: link-layer address length.
    pub const SLL2_ADDR_LEN: usize = 11;
    /// SLL2: first byte of the 8-byte address field.
    pub const SLL2_ADDR: usize = 12;
    /// SLL2: header length.
    pub const SLL2_LEN: usize = 20;
}

/// A frame dissected down to its network layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L2<'a> {
    /// Source MAC (Ethernet; SLL/SLL2 when the address is a 6-byte Ethernet address).
    pub src: Option<MacAddr>,
    /// Destination MAC (Ethernet only).
    pub dst: Option<MacAddr>,
    /// VLAN tags stripped.
    pub vlan: VlanInfo,
    /// MPLS label stack entries stripped.
    pub mpls_labels: u8,
    /// PPPoE session id, if any.
    pub pppoe_session: Option<u16>,
    /// The network-layer packet (may carry link padding: the IP views trim it).
    pub network: Network<'a>,
}

impl<'a> L2<'a> {
    fn bare(network: Network<'a>) -> Self {
        L2 {
            src: None,
            dst: None,
            vlan: VlanInfo::default(),
            mpls_labels: 0,
            pppoe_session: None,
            network,
        }
    }

    fn from_encapsulation(
        src: Option<MacAddr>,
        dst: Option<MacAddr>,
        enc: ethernet::Encapsulation<'a>,
    ) -> Self {
        L2 {
            src,
            dst,
            vlan: enc.vlan,
            mpls_labels: enc.mpls_labels,
            pppoe_session: enc.pppoe_session,
            network: enc.network,
        }
    }
}

/// Dissects a captured frame down to its network layer, with the VLAN tag the capture stripped
/// (if any) restored as the outermost tag: a frame read from a live ring dissects to the same
/// VLAN ids as the same frame read from a file written by tcpdump.
pub fn decode_frame<'a>(frame: &Frame<'a>) -> Result<L2<'a>> {
    let mut l2 = decode(frame.link, frame.data)?;
    if let Some(tag) = frame.stripped_vlan {
        l2.vlan = l2.vlan.with_outer(tag.vlan_id());
    }
    Ok(l2)
}

/// Dissects `frame`, captured with link type `link`, down to its network layer.
pub fn decode(link: LinkType, frame: &[u8]) -> Result<L2<'_>> {
    match link {
        LinkType::Ethernet => {
            let info = ethernet::dissect(frame)?;
            Ok(L2::from_encapsulation(
                Some(info.src),
                Some(info.dst),
                info.encapsulation,
            ))
        }
        LinkType::Null => decode_loopback(frame, true),
        LinkType::Loop => decode_loopback(frame, false),
        LinkType::Raw => raw_ip(frame).map(L2::bare),
        LinkType::Ipv4 => match raw_ip(frame)? {
            net @ Network::Ipv4(_) => Ok(L2::bare(net)),
            _ => Err(WireError::Malformed(
                "IPv4 link type with a non-IPv4 packet",
            )),
        },
        LinkType::Ipv6 => match raw_ip(frame)? {
            net @ Network::Ipv6(_) => Ok(L2::bare(net)),
            _ => Err(WireError::Malformed(
                "IPv6 link type with a non-IPv6 packet",
            )),
        },
        LinkType::LinuxSll => {
            need(frame, field::SLL_LEN, "Linux cooked (SLL) header")?;
            let src = sll_mac(
                be16(frame, field::SLL_ARPHRD),
                be16(frame, field::SLL_ADDR_LEN),
                &frame[field::SLL_ADDR..field::SLL_ADDR + 8],
            );
            cooked(
                src,
                be16(frame, field::SLL_PROTOCOL),
                &frame[field::SLL_LEN..],
            )
        }
        LinkType::LinuxSll2 => {
            need(frame, field::SLL2_LEN, "Linux cooked v2 (SLL2) header")?;
            let src = sll_mac(
                be16(frame, field::SLL2_ARPHRD),
                u16::from(frame[field::SLL2_ADDR_LEN]),
                &frame[field::SLL2_ADDR..field::SLL2_ADDR + 8],
            );
            cooked(
                src,
                be16(frame, field::SLL2_PROTOCOL),
                &frame[field::SLL2_LEN..],
            )
        }
    }
}

/// The source MAC of a cooked header, when the device is Ethernet-like with a 6-byte address.
fn sll_mac(arphrd: u16, addr_len: u16, addr: &[u8]) -> Option<MacAddr> {
    if arphrd != ARPHRD_ETHER || addr_len != 6 {
        return None;
    }
    let mut mac = [0u8; 6];
    mac.copy_from_slice(&addr[..6]);
    Some(mac)
}

/// SLL/SLL2 payloads: the protocol field is an EtherType (VLAN tags may follow when the kernel
/// did not strip them); values below 0x0600 are Linux pseudo-protocols (802.2 LLC, CAN, ...).
fn cooked(src: Option<MacAddr>, protocol: u16, payload: &[u8]) -> Result<L2<'_>> {
    if protocol < ethernet::ethertype::MIN_ETHERTYPE {
        return Ok(L2 {
            src,
            ..L2::bare(Network::Other(protocol))
        });
    }
    let enc = ethernet::walk_encapsulation(protocol, payload)?;
    Ok(L2::from_encapsulation(src, None, enc))
}

/// NULL (host byte order: `either_order`) and LOOP (network byte order) headers.
fn decode_loopback(frame: &[u8], either_order: bool) -> Result<L2<'_>> {
    need(frame, field::LOOPBACK_LEN, "loopback header")?;
    let network_order = be32(frame, 0);
    let family = if either_order && !is_known_family(network_order) {
        u32::from_le_bytes([frame[0], frame[1], frame[2], frame[3]])
    } else {
        network_order
    };
    let packet = &frame[field::LOOPBACK_LEN..];
    let network = match family {
        address_family::INET => Network::Ipv4(packet),
        address_family::INET6_BSD
        | address_family::INET6_FREEBSD
        | address_family::INET6_DARWIN => Network::Ipv6(packet),
        _ => return Err(WireError::Unsupported("loopback address family")),
    };
    Ok(L2::bare(network))
}

fn is_known_family(family: u32) -> bool {
    matches!(
        family,
        address_family::INET
            | address_family::INET6_BSD
            | address_family::INET6_FREEBSD
            | address_family::INET6_DARWIN
    )
}

/// Raw IP: the version nibble (RFC 791 section 3.1, RFC 8200 section 3) picks the protocol.
fn raw_ip(frame: &[u8]) -> Result<Network<'_>> {
    need(frame, 1, "raw IP packet")?;
    match frame[0] >> 4 {
        4 => Ok(Network::Ipv4(frame)),
        6 => Ok(Network::Ipv6(frame)),
        _ => Err(WireError::Unsupported("IP version")),
    }
}

/// Test access to the shared corpus through the real capture reader, as owned records.
#[cfg(test)]
pub(crate) mod test_pcap {
    use crate::capture::file::CaptureFile;
    use crate::capture::{LinkType, Timestamp};

    /// One record: timestamp, original length, captured bytes.
    pub(crate) struct Record {
        pub ts: Timestamp,
        pub wire_len: u32,
        pub data: Vec<u8>,
    }

    /// A corpus capture: `shared/corpus/pcaps` beside the repository. Its absence fails the
    /// test (the test command checks for it up front).
    pub(crate) fn corpus_file(name: &str) -> Option<std::path::PathBuf> {
        let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let path = manifest.join("../../shared/corpus/pcaps").join(name);
        assert!(path.exists(), "corpus file {} missing", path.display());
        Some(path)
    }

    /// Reads every record of a corpus file with the link type of its first frame.
    pub(crate) fn read(name: &str) -> Option<(LinkType, Vec<Record>)> {
        let file = CaptureFile::open(corpus_file(name)?).expect("corpus file opens");
        let mut link = LinkType::Ethernet;
        let records = file
            .frames()
            .map_while(Result::ok)
            .map(|f| {
                link = f.link;
                Record {
                    ts: f.ts,
                    wire_len: f.wire_len,
                    data: f.data.to_vec(),
                }
            })
            .collect();
        Some((link, records))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IPV4_STUB: [u8; 2] = [0x45, 0x00];
    const IPV6_STUB: [u8; 2] = [0x60, 0x00];

    #[test]
    fn null_accepts_both_byte_orders_and_all_inet6_values() {
        // AF_INET = 2 little-endian (written by an x86 host), then the IPv4 packet.
        let le = [0x02, 0x00, 0x00, 0x00, 0x45, 0x00];
        assert_eq!(
            decode(LinkType::Null, &le).unwrap().network,
            Network::Ipv4(&IPV4_STUB)
        );
        // AF_INET = 2 big-endian (written by a big-endian host).
        let be = [0x00, 0x00, 0x00, 0x02, 0x45, 0x00];
        assert_eq!(
            decode(LinkType::Null, &be).unwrap().network,
            Network::Ipv4(&IPV4_STUB)
        );
        for family in [24u8, 28, 30] {
            let le6 = [family, 0, 0, 0, 0x60, 0x00];
            assert_eq!(
                decode(LinkType::Null, &le6).unwrap().network,
                Network::Ipv6(&IPV6_STUB)
            );
            let be6 = [0, 0, 0, family, 0x60, 0x00];
            assert_eq!(
                decode(LinkType::Null, &be6).unwrap().network,
                Network::Ipv6(&IPV6_STUB)
            );
        }
        let unknown = [0x07, 0x00, 0x00, 0x00, 0x45];
        assert!(decode(LinkType::Null, &unknown).is_err());
    }

    #[test]
    fn loop_is_network_order_only() {
        let be = [0x00, 0x00, 0x00, 0x18, 0x60, 0x00]; // AF_INET6 = 24
        assert_eq!(
            decode(LinkType::Loop, &be).unwrap().network,
            Network::Ipv6(&IPV6_STUB)
        );
        let le = [0x18, 0x00, 0x00, 0x00, 0x60, 0x00];
        assert!(decode(LinkType::Loop, &le).is_err());
    }

    #[test]
    fn raw_ip_by_version_nibble() {
        assert_eq!(
            decode(LinkType::Raw, &IPV4_STUB).unwrap().network,
            Network::Ipv4(&IPV4_STUB)
        );
        assert_eq!(
            decode(LinkType::Raw, &IPV6_STUB).unwrap().network,
            Network::Ipv6(&IPV6_STUB)
        );
        assert!(decode(LinkType::Raw, &[0x50]).is_err());
        assert!(decode(LinkType::Ipv4, &IPV6_STUB).is_err());
        assert!(decode(LinkType::Ipv6, &IPV4_STUB).is_err());
        assert!(decode(LinkType::Ipv6, &IPV6_STUB).is_ok());
    }

    /// Linux cooked v1 header for a frame sent by us (packet type 4), Ethernet device.
    const SLL_IPV4: [u8; 18] = [
        0x00, 0x04, // packet type: outgoing
        0x00, 0x01, // ARPHRD_ETHER
        0x00, 0x06, // address length 6
        0x02, 0x42, 0xac, 0x11, 0x00, 0x02, 0x00, 0x00, // address + 2 bytes unused
        0x08, 0x00, // protocol IPv4
        0x45, 0x00, // start of the IPv4 packet
    ];

    #[test]
    fn linux_sll_gives_source_mac_and_protocol() {
        let l2 = decode(LinkType::LinuxSll, &SLL_IPV4).unwrap();
        assert_eq!(l2.src, Some([0x02, 0x42, 0xac, 0x11, 0x00, 0x02]));
        assert_eq!(l2.dst, None);
        assert_eq!(l2.network, Network::Ipv4(&IPV4_STUB));
        for len in 0..16 {
            assert!(decode(LinkType::LinuxSll, &SLL_IPV4[..len]).is_err());
        }
    }

    /// Linux cooked v2 header: protocol first, then interface index and the address.
    const SLL2_VLAN_IPV6: [u8; 26] = [
        0x81, 0x00, // protocol: 802.1Q tag follows (not stripped by the kernel)
        0x00, 0x00, // reserved
        0x00, 0x00, 0x00, 0x03, // interface index 3
        0x00, 0x01, // ARPHRD_ETHER
        0x00, // packet type: to us
        0x06, // address length 6
        0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x00, // address
        0x00, 0x0a, 0x86, 0xdd, // VLAN 10, then IPv6
        0x60, 0x00, // start of the IPv6 packet
    ];

    #[test]
    fn linux_sll2_walks_vlan_tags() {
        let l2 = decode(LinkType::LinuxSll2, &SLL2_VLAN_IPV6).unwrap();
        assert_eq!(l2.src, Some([0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]));
        assert_eq!(l2.vlan.outer_id, Some(10));
        assert_eq!(l2.vlan.tags, 1);
        assert_eq!(l2.network, Network::Ipv6(&IPV6_STUB));
        for len in 0..24 {
            assert!(decode(LinkType::LinuxSll2, &SLL2_VLAN_IPV6[..len]).is_err());
        }
    }

    /// An Ethernet frame with one 802.1Q tag (VLAN 42, priority 3) around an IPv4 stub.
    const TAGGED: [u8; 20] = [
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, // destination
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // source
        0x81, 0x00, // TPID 802.1Q
        0x60, 0x2a, // TCI: PCP 3, DEI 0, VID 42
        0x08, 0x00, // EtherType IPv4
        0x45, 0x00, // start of the IPv4 packet
    ];

    fn live_frame<'a>(data: &'a [u8], stripped: Option<crate::capture::VlanTag>) -> Frame<'a> {
        Frame {
            data,
            wire_len: 20,
            ts: crate::capture::Timestamp(0),
            link: LinkType::Ethernet,
            port: Some(crate::capture::Port::Lan),
            stripped_vlan: stripped,
        }
    }

    #[test]
    fn stripped_vlan_tag_is_restored_as_outermost() {
        let tagged = decode_frame(&live_frame(&TAGGED, None)).unwrap();
        // The same frame as a ring hands it: the tag in metadata, the bytes untagged.
        let mut untagged = Vec::from(&TAGGED[..12]);
        untagged.extend_from_slice(&TAGGED[16..]);
        let tag = crate::capture::VlanTag {
            tpid: 0x8100,
            tci: 0x602a,
        };
        let stripped = decode_frame(&live_frame(&untagged, Some(tag))).unwrap();
        assert_eq!(stripped, tagged);
        assert_eq!(stripped.vlan.outer_id, Some(42));
        assert_eq!(stripped.vlan.inner_id, Some(42));
        assert_eq!(stripped.vlan.tags, 1);
        assert_eq!(stripped.network, Network::Ipv4(&IPV4_STUB));
        // QinQ: the kernel strips the outer (service) tag, the inner one stays in the bytes.
        let outer = crate::capture::VlanTag {
            tpid: 0x88a8,
            tci: 7,
        };
        let qinq = decode_frame(&live_frame(&TAGGED, Some(outer))).unwrap();
        assert_eq!(qinq.vlan.outer_id, Some(7));
        assert_eq!(qinq.vlan.inner_id, Some(42));
        assert_eq!(qinq.vlan.tags, 2);
        // No tag anywhere: nothing invented.
        let plain = decode_frame(&live_frame(&untagged, None)).unwrap();
        assert_eq!(plain.vlan, VlanInfo::default());
    }

    #[test]
    fn empty_frames_are_errors_for_every_link_type() {
        for link in LinkType::ALL {
            assert!(decode(link, &[]).is_err(), "{link}");
        }
    }

    /// Decodes every frame of a corpus file; returns (vlan outer ids, tag counts, networks).
    fn corpus_summary(name: &str) -> Option<Vec<L2Summary>> {
        let (link, records) = test_pcap::read(name)?;
        Some(
            records
                .iter()
                .map(|r| {
                    let l2 = decode(link, &r.data).expect("corpus frame decodes");
                    L2Summary {
                        outer_vlan: l2.vlan.outer_id,
                        tags: l2.vlan.tags,
                        mpls: l2.mpls_labels,
                        pppoe: l2.pppoe_session,
                        kind: match l2.network {
                            Network::Ipv4(ip) if ip.first() == Some(&0x45) => 4,
                            Network::Ipv6(ip) if ip.first().map(|b| b >> 4) == Some(6) => 6,
                            _ => 0,
                        },
                    }
                })
                .collect(),
        )
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    struct L2Summary {
        outer_vlan: Option<u16>,
        tags: u8,
        mpls: u8,
        pppoe: Option<u16>,
        kind: u8,
    }

    #[test]
    fn corpus_mixed_vlan_mpls() {
        // tshark: 22 plain IPv4, 11 MPLS (label 29) IPv4, 14 single-VLAN IPv4.
        let Some(frames) = corpus_summary("zeek__mixed-vlan-mpls.pcap") else {
            return;
        };
        assert_eq!(frames.len(), 47);
        assert!(frames.iter().all(|f| f.kind == 4));
        assert_eq!(frames.iter().filter(|f| f.mpls == 1).count(), 11);
        assert_eq!(frames.iter().filter(|f| f.tags == 1).count(), 14);
        assert_eq!(
            frames.iter().filter(|f| f.tags == 0 && f.mpls == 0).count(),
            22
        );
    }

    #[test]
    fn corpus_pppoe_over_qinq() {
        // tshark: 86 frames, all QinQ (outer VLAN 3704) + PPPoE session 0x0f07 + IPv4.
        let Some(frames) = corpus_summary("zeek__pppoe-over-qinq.pcap") else {
            return;
        };
        assert_eq!(frames.len(), 86);
        for f in &frames {
            assert_eq!(f.tags, 2);
            assert_eq!(f.outer_vlan, Some(3704));
            assert_eq!(f.pppoe, Some(0x0f07));
            assert_eq!(f.kind, 4);
        }
    }

    #[test]
    fn corpus_http_qinq() {
        // tshark: 14 frames, two tags both with VLAN id 0 (priority tags), IPv4.
        let Some(frames) = corpus_summary("zeek__http-qinq-0.pcap") else {
            return;
        };
        assert_eq!(frames.len(), 14);
        for f in &frames {
            assert_eq!((f.tags, f.outer_vlan, f.kind), (2, Some(0), 4));
        }
    }

    #[test]
    fn corpus_ndpi_dns_partly_tagged() {
        // tshark: frames 1-3 untagged; 4-5 with two tags (outer VLAN 421, inner 785) and a
        // PPPoE session.
        let Some(frames) = corpus_summary("nDPI__dns.pcap") else {
            return;
        };
        let tags: Vec<_> = frames.iter().map(|f| (f.tags, f.outer_vlan)).collect();
        assert_eq!(
            tags,
            [
                (0, None),
                (0, None),
                (0, None),
                (2, Some(421)),
                (2, Some(421))
            ]
        );
        assert!(frames.iter().all(|f| f.kind == 4));
        let sessions: Vec<_> = frames.iter().map(|f| f.pppoe).collect();
        assert_eq!(sessions, [None, None, None, Some(0x556a), Some(0x556a)]);
    }
}

/// The whole dissection chain (link, IP, TCP/UDP) over every corpus capture, and over every
/// prefix of the first frames of each: nothing may panic.
#[cfg(test)]
mod corpus_sweep {
    use super::*;
    use crate::wire::ipv4::{protocol, Ipv4Packet};
    use crate::wire::ipv6::Ipv6Packet;
    use crate::wire::tcp::TcpPacket;
    use crate::wire::udp::UdpPacket;

    #[derive(Debug, Default)]
    struct Tally {
        frames: usize,
        link_errors: usize,
        ip_errors: usize,
        tcp: usize,
        udp: usize,
        later_fragments: usize,
    }

    fn dissect(link: LinkType, frame: &[u8], tally: &mut Tally) {
        tally.frames += 1;
        let Ok(l2) = decode(link, frame) else {
            tally.link_errors += 1;
            return;
        };
        let (proto, payload, later_fragment) = match l2.network {
            Network::Ipv4(bytes) => match Ipv4Packet::new_checked(bytes) {
                Ok(ip) => (ip.protocol(), ip.payload(), ip.fragment().offset != 0),
                Err(_) => {
                    tally.ip_errors += 1;
                    return;
                }
            },
            Network::Ipv6(bytes) => {
                match Ipv6Packet::new_checked(bytes).and_then(|ip| ip.upper_layer()) {
                    Ok(upper) => (
                        upper.protocol,
                        upper.payload,
                        upper.fragment.is_some_and(|f| f.offset != 0),
                    ),
                    Err(_) => {
                        tally.ip_errors += 1;
                        return;
                    }
                }
            }
            _ => return,
        };
        if later_fragment {
            tally.later_fragments += 1;
            return;
        }
        match proto {
            protocol::TCP if TcpPacket::new_checked(payload).is_ok() => tally.tcp += 1,
            protocol::UDP if UdpPacket::new_checked(payload).is_ok() => tally.udp += 1,
            _ => {}
        }
    }

    #[test]
    fn every_corpus_file_and_prefix() {
        let Some(dir) = test_pcap::corpus_file("nDPI__dns.pcap")
            .and_then(|p| p.parent().map(std::path::Path::to_path_buf))
        else {
            return;
        };
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .expect("corpus dir")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".pcap") || n.ends_with(".pcapng"))
            .collect();
        names.sort();
        assert!(names.len() >= 50, "corpus has {} files", names.len());
        for name in names {
            let Some((link, records)) = test_pcap::read(&name) else {
                continue;
            };
            let mut tally = Tally::default();
            for record in &records {
                dissect(link, &record.data, &mut tally);
            }
            let mut scratch = Tally::default();
            for record in records.iter().take(20) {
                for len in 0..record.data.len() {
                    dissect(link, &record.data[..len], &mut scratch);
                }
            }
            eprintln!("sweep\t{name}\t{tally:?}");
        }
    }
}
