//! Ethernet II frames and the encapsulations found between the MAC header and the IP packet.
//!
//! This module owns:
//! - [`EthernetFrame`], the 14-byte Ethernet II header (IEEE 802.3 clause 3.2 with an EtherType);
//! - [`VlanTag`], one 802.1Q / 802.1ad / pre-standard 0x9100 tag (any depth: QinQ and deeper);
//! - [`MplsLabel`], one MPLS label stack entry (RFC 3032), walked to the bottom of the stack;
//! - [`PppoeSession`], the PPPoE session header (RFC 2516) and its PPP protocol field (RFC 1661);
//! - [`walk_encapsulation`], which strips all of the above from an EtherType and its payload and
//!   says what network-layer protocol is left, and [`dissect`], which does it for a whole frame.
//!
//! Frames whose type field is a length (IEEE 802.3 with LLC, values up to 1500) are refused with
//! `WireError::Unsupported`: nothing we name travels in them.

use core::ops::Range;

use super::{be16, be32, need, Result, WireError};

/// EtherType values (IEEE Registration Authority; RFC 7042 appendix B).
pub mod ethertype {
    /// Internet Protocol version 4.
    pub const IPV4: u16 = 0x0800;
    /// Address Resolution Protocol (RFC 826).
    pub const ARP: u16 = 0x0806;
    /// IEEE 802.1Q customer VLAN tag.
    pub const VLAN: u16 = 0x8100;
    /// IEEE 802.1ad service VLAN tag (QinQ outer tag).
    pub const QINQ: u16 = 0x88a8;
    /// Pre-standard QinQ outer tag used by some switches.
    pub const QINQ_LEGACY: u16 = 0x9100;
    /// Internet Protocol version 6.
    pub const IPV6: u16 = 0x86dd;
    /// MPLS unicast (RFC 3032).
    pub const MPLS_UNICAST: u16 = 0x8847;
    /// MPLS multicast (RFC 5332).
    pub const MPLS_MULTICAST: u16 = 0x8848;
    /// PPPoE discovery stage (RFC 2516).
    pub const PPPOE_DISCOVERY: u16 = 0x8863;
    /// PPPoE session stage (RFC 2516).
    pub const PPPOE_SESSION: u16 = 0x8864;
    /// Values up to this one are an IEEE 802.3 length, not an EtherType (IEEE 802.3 clause 3.2.6).
    pub const MAX_802_3_LENGTH: u16 = 1500;
    /// Smallest value that is an EtherType (IEEE 802.3 clause 3.2.6).
    pub const MIN_ETHERTYPE: u16 = 0x0600;
}

/// PPP protocol numbers we follow (RFC 1661 section 2; IANA "PPP DLL Protocol Numbers").
pub mod ppp_protocol {
    /// Internet Protocol version 4 (RFC 1332).
    pub const IPV4: u16 = 0x0021;
    /// Internet Protocol version 6 (RFC 5072).
    pub const IPV6: u16 = 0x0057;
}

/// Most encapsulation layers (tags, labels, PPPoE, pseudowires) walked before giving up.
pub const MAX_ENCAPSULATIONS: usize = 16;

/// A 48-bit MAC address as it appears on the wire.
pub type MacAddr = [u8; 6];

mod field {
    use core::ops::Range;
    /// IEEE 802.3 clause 3.2.3: destination address.
    pub const DESTINATION: Range<usize> = 0..6;
    /// IEEE 802.3 clause 3.2.4: source address.
    pub const SOURCE: Range<usize> = 6..12;
    /// IEEE 802.3 clause 3.2.6: Length/Type.
    pub const ETHERTYPE: usize = 12;
    /// First byte of the MAC client data.
    pub const PAYLOAD: usize = 14;

    /// IEEE 802.1Q clause 9.6: tag control information (PCP 3 bits, DEI 1 bit, VID 12 bits).
    pub const VLAN_TCI: usize = 0;
    /// The EtherType that follows the tag.
    pub const VLAN_ETHERTYPE: usize = 2;
    /// Length of a VLAN tag after its TPID.
    pub const VLAN_LEN: usize = 4;

    /// RFC 3032 section 2.1: label stack entry (label 20, TC 3, S 1, TTL 8).
    pub const MPLS_ENTRY_LEN: usize = 4;

    /// RFC 2516 section 4: VER (4 bits) and TYPE (4 bits), both 1.
    pub const PPPOE_VER_TYPE: usize = 0;
    /// RFC 2516 section 4: CODE, 0x00 in the session stage.
    pub const PPPOE_CODE: usize = 1;
    /// RFC 2516 section 4: SESSION_ID.
    pub const PPPOE_SESSION_ID: usize = 2;
    /// RFC 2516 section 4: LENGTH of the PPPoE payload (the PPP frame, protocol field included).
    pub const PPPOE_LENGTH: usize = 4;
    /// First byte of the PPP frame (its protocol field, RFC 1661 section 2).
    pub const PPPOE_PAYLOAD: usize = 6;
}

/// Borrowed, checked view of an Ethernet II header and its payload.
#[derive(Debug, Clone, Copy)]
pub struct EthernetFrame<'a> {
    buffer: &'a [u8],
}

impl<'a> EthernetFrame<'a> {
    /// Wraps `buffer` after checking it holds the 14-byte header.
    pub fn new_checked(buffer: &'a [u8]) -> Result<Self> {
        need(buffer, field::PAYLOAD, "Ethernet header")?;
        Ok(EthernetFrame { buffer })
    }

    /// Destination MAC address.
    pub fn dst(&self) -> MacAddr {
        mac_at(self.buffer, field::DESTINATION)
    }

    /// Source MAC address.
    pub fn src(&self) -> MacAddr {
        mac_at(self.buffer, field::SOURCE)
    }

    /// The Length/Type field: an EtherType when `>= 0x0600`, an 802.3 length when `<= 1500`.
    pub fn ethertype(&self) -> u16 {
        be16(self.buffer, field::ETHERTYPE)
    }

    /// Everything after the 14-byte header (may include link padding).
    pub fn payload(&self) -> &'a [u8] {
        &self.buffer[field::PAYLOAD..]
    }
}

fn mac_at(buf: &[u8], range: Range<usize>) -> MacAddr {
    let mut mac = [0u8; 6];
    mac.copy_from_slice(&buf[range]);
    mac
}

/// Borrowed, checked view of one VLAN tag (the 4 bytes after a 0x8100/0x88a8/0x9100 TPID).
#[derive(Debug, Clone, Copy)]
pub struct VlanTag<'a> {
    buffer: &'a [u8],
}

impl<'a> VlanTag<'a> {
    /// Wraps `buffer` after checking it holds the 4-byte tag.
    pub fn new_checked(buffer: &'a [u8]) -> Result<Self> {
        need(buffer, field::VLAN_LEN, "VLAN tag")?;
        Ok(VlanTag { buffer })
    }

    /// VLAN identifier (low 12 bits of the TCI).
    pub fn vlan_id(&self) -> u16 {
        be16(self.buffer, field::VLAN_TCI) & 0x0fff
    }

    /// Priority code point (top 3 bits of the TCI).
    pub fn priority(&self) -> u8 {
        (self.buffer[field::VLAN_TCI] >> 5) & 0x07
    }

    /// EtherType of what follows the tag.
    pub fn ethertype(&self) -> u16 {
        be16(self.buffer, field::VLAN_ETHERTYPE)
    }

    /// Bytes after the tag.
    pub fn payload(&self) -> &'a [u8] {
        &self.buffer[field::VLAN_LEN..]
    }
}

/// Borrowed, checked view of one MPLS label stack entry (RFC 3032 section 2.1).
#[derive(Debug, Clone, Copy)]
pub struct MplsLabel<'a> {
    buffer: &'a [u8],
}

impl<'a> MplsLabel<'a> {
    /// Wraps `buffer` after checking it holds a 4-byte entry.
    pub fn new_checked(buffer: &'a [u8]) -> Result<Self> {
        need(buffer, field::MPLS_ENTRY_LEN, "MPLS label")?;
        Ok(MplsLabel { buffer })
    }

    fn entry(&self) -> u32 {
        be32(self.buffer, 0)
    }

    /// The 20-bit label value.
    pub fn label(&self) -> u32 {
        self.entry() >> 12
    }

    /// The bottom-of-stack bit S.
    pub fn bottom_of_stack(&self) -> bool {
        self.entry() & 0x100 != 0
    }

    /// Time to live.
    pub fn ttl(&self) -> u8 {
        self.entry() as u8
    }

    /// Bytes after this entry.
    pub fn payload(&self) -> &'a [u8] {
        &self.buffer[field::MPLS_ENTRY_LEN..]
    }
}

/// Borrowed, checked view of a PPPoE session-stage header and its PPP protocol field.
#[derive(Debug, Clone, Copy)]
pub struct PppoeSession<'a> {
    buffer: &'a [u8],
}

impl<'a> PppoeSession<'a> {
    /// Wraps `buffer`, checking version/type 1/1, code 0 and that a PPP protocol field follows.
    ///
    /// The PPPoE length field bounds the PPP frame (dropping link padding); when the capture holds
    /// fewer bytes than it declares, the bytes present are used and the IP layer below reports the
    /// truncation.
    pub fn new_checked(buffer: &'a [u8]) -> Result<Self> {
        let buf = buffer;
        need(buf, field::PPPOE_PAYLOAD, "PPPoE header")?;
        if buf[field::PPPOE_VER_TYPE] != 0x11 {
            return Err(WireError::Unsupported("PPPoE version/type"));
        }
        if buf[field::PPPOE_CODE] != 0 {
            return Err(WireError::Malformed("PPPoE session code"));
        }
        let view = PppoeSession { buffer };
        // The PPP protocol field is 2 bytes, or 1 when compressed (odd first byte, RFC 1661 6.5).
        let frame = view.ppp_frame();
        need(frame, view.protocol_len(), "PPP protocol field")?;
        Ok(view)
    }

    /// Session identifier.
    pub fn session_id(&self) -> u16 {
        be16(self.buffer, field::PPPOE_SESSION_ID)
    }

    /// The PPP frame, bounded by the PPPoE length field (link padding dropped) and by the bytes
    /// captured.
    pub fn ppp_frame(&self) -> &'a [u8] {
        ppp_frame_of(self.buffer)
    }

    fn protocol_len(&self) -> usize {
        match self.ppp_frame().first() {
            Some(b) if b & 1 == 1 => 1,
            _ => 2,
        }
    }

    /// PPP protocol number (0x0021 IPv4, 0x0057 IPv6), expanding a compressed 1-byte field.
    pub fn ppp_protocol(&self) -> u16 {
        let frame = self.ppp_frame();
        if self.protocol_len() == 1 {
            u16::from(frame[0])
        } else {
            be16(frame, 0)
        }
    }

    /// The PPP information field (the network-layer packet).
    pub fn ppp_payload(&self) -> &'a [u8] {
        &self.ppp_frame()[self.protocol_len()..]
    }
}

/// The PPP frame inside a PPPoE session packet whose 6-byte header has been checked.
fn ppp_frame_of(buf: &[u8]) -> &[u8] {
    let length = usize::from(be16(buf, field::PPPOE_LENGTH));
    let end = buf.len().min(field::PPPOE_PAYLOAD + length);
    &buf[field::PPPOE_PAYLOAD..end]
}

/// VLAN tags seen on a frame.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VlanInfo {
    /// VLAN id of the outermost tag, if any.
    pub outer_id: Option<u16>,
    /// VLAN id of the innermost tag, if any (equals `outer_id` for a single tag).
    pub inner_id: Option<u16>,
    /// Number of VLAN tags stripped (2 for QinQ).
    pub tags: u8,
}

impl VlanInfo {
    /// These tags with one more tag, `id`, outside them (a tag the capture took off the frame
    /// before the bytes we walked).
    pub fn with_outer(self, id: u16) -> VlanInfo {
        VlanInfo {
            outer_id: Some(id),
            inner_id: self.inner_id.or(Some(id)),
            tags: self.tags.saturating_add(1),
        }
    }
}

/// The network-layer protocol an encapsulation walk ended at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network<'a> {
    /// An IPv4 packet (may carry link padding after its total length).
    Ipv4(&'a [u8]),
    /// An IPv6 packet (may carry link padding after its payload length).
    Ipv6(&'a [u8]),
    /// An ARP packet.
    Arp(&'a [u8]),
    /// Some other EtherType (or a PPP protocol mapped to none), not dissected further.
    Other(u16),
}

/// What [`walk_encapsulation`] found between an EtherType and the network layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encapsulation<'a> {
    /// VLAN tags stripped.
    pub vlan: VlanInfo,
    /// MPLS label stack entries stripped.
    pub mpls_labels: u8,
    /// PPPoE session id, if the packet was in a PPPoE session.
    pub pppoe_session: Option<u16>,
    /// True when an Ethernet pseudowire (with control word) inside MPLS was opened; the inner MAC
    /// addresses are not reported, the outer ones are the ones seen on our link.
    pub pseudowire: bool,
    /// The network-layer packet.
    pub network: Network<'a>,
}

/// Strips VLAN tags, MPLS label stacks, PPPoE sessions and Ethernet pseudowires from `payload`
/// (which follows an EtherType field holding `ethertype`) and returns the network layer.
///
/// Errors: `Truncated` when a tag/label/header is cut short, `Unsupported` for an 802.3 length
/// field (LLC frame), an MPLS payload that is neither IP nor a pseudowire with control word, or
/// more than [`MAX_ENCAPSULATIONS`] layers.
pub fn walk_encapsulation(mut ethertype: u16, mut payload: &[u8]) -> Result<Encapsulation<'_>> {
    let mut out = Encapsulation {
        vlan: VlanInfo::default(),
        mpls_labels: 0,
        pppoe_session: None,
        pseudowire: false,
        network: Network::Other(ethertype),
    };
    for _ in 0..MAX_ENCAPSULATIONS {
        match ethertype {
            ethertype::IPV4 => {
                out.network = Network::Ipv4(payload);
                return Ok(out);
            }
            ethertype::IPV6 => {
                out.network = Network::Ipv6(payload);
                return Ok(out);
            }
            ethertype::ARP => {
                out.network = Network::Arp(payload);
                return Ok(out);
            }
            ethertype::VLAN | ethertype::QINQ | ethertype::QINQ_LEGACY => {
                let tag = VlanTag::new_checked(payload)?;
                let id = tag.vlan_id();
                if out.vlan.outer_id.is_none() {
                    out.vlan.outer_id = Some(id);
                }
                out.vlan.inner_id = Some(id);
                out.vlan.tags = out.vlan.tags.saturating_add(1);
                ethertype = tag.ethertype();
                payload = &payload[field::VLAN_LEN..];
            }
            ethertype::MPLS_UNICAST | ethertype::MPLS_MULTICAST => {
                let (labels, rest) = strip_mpls_stack(payload)?;
                out.mpls_labels = out.mpls_labels.saturating_add(labels);
                // RFC 4385 section 3 / RFC 4448: the first nibble tells IP from a control word.
                match rest.first().map(|b| b >> 4) {
                    Some(4) => ethertype = ethertype::IPV4,
                    Some(6) => ethertype = ethertype::IPV6,
                    Some(0) => {
                        // Ethernet pseudowire with the 4-byte control word, then a whole frame.
                        need(rest, 4, "MPLS pseudowire control word")?;
                        let inner = EthernetFrame::new_checked(&rest[4..])?;
                        out.pseudowire = true;
                        ethertype = inner.ethertype();
                        payload = &rest[4 + field::PAYLOAD..];
                        check_is_ethertype(ethertype)?;
                        continue;
                    }
                    Some(_) => return Err(WireError::Unsupported("MPLS payload")),
                    None => {
                        return Err(WireError::Truncated {
                            what: "MPLS payload",
                            need: 1,
                            have: 0,
                        })
                    }
                }
                payload = rest;
            }
            ethertype::PPPOE_SESSION => {
                let session = PppoeSession::new_checked(payload)?;
                out.pppoe_session = Some(session.session_id());
                let protocol = session.ppp_protocol();
                let inner = session.ppp_payload();
                match protocol {
                    ppp_protocol::IPV4 => out.network = Network::Ipv4(inner),
                    ppp_protocol::IPV6 => out.network = Network::Ipv6(inner),
                    // PPP control protocols (LCP, IPCP, ...): reported with the PPPoE EtherType.
                    _ => out.network = Network::Other(ethertype::PPPOE_SESSION),
                }
                return Ok(out);
            }
            other => {
                check_is_ethertype(other)?;
                out.network = Network::Other(other);
                return Ok(out);
            }
        }
    }
    Err(WireError::Unsupported("too many encapsulation layers"))
}

fn check_is_ethertype(value: u16) -> Result<()> {
    if value < ethertype::MIN_ETHERTYPE {
        Err(WireError::Unsupported(
            "IEEE 802.3 length field (LLC/SNAP frame), not an EtherType",
        ))
    } else {
        Ok(())
    }
}

/// Skips label stack entries up to and including the bottom of stack; returns their count.
fn strip_mpls_stack(mut buf: &[u8]) -> Result<(u8, &[u8])> {
    for count in 1..=MAX_ENCAPSULATIONS as u8 {
        let entry = MplsLabel::new_checked(buf)?;
        let bottom = entry.bottom_of_stack();
        buf = &buf[field::MPLS_ENTRY_LEN..];
        if bottom {
            return Ok((count, buf));
        }
    }
    Err(WireError::Unsupported("MPLS label stack too deep"))
}

/// A dissected Ethernet frame: addresses plus what [`walk_encapsulation`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EthernetInfo<'a> {
    /// Destination MAC address.
    pub dst: MacAddr,
    /// Source MAC address.
    pub src: MacAddr,
    /// Tags, labels, PPPoE session and the network layer.
    pub encapsulation: Encapsulation<'a>,
}

/// Dissects an Ethernet II frame down to its network layer.
pub fn dissect(frame: &[u8]) -> Result<EthernetInfo<'_>> {
    let eth = EthernetFrame::new_checked(frame)?;
    let ethertype = eth.ethertype();
    check_is_ethertype(ethertype)?;
    let encapsulation = walk_encapsulation(ethertype, &frame[field::PAYLOAD..])?;
    Ok(EthernetInfo {
        dst: eth.dst(),
        src: eth.src(),
        encapsulation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// zeek__pppoe-over-qinq.pcap frame 3: QinQ (two 0x8100 tags), PPPoE session, IPv4 TCP ACK.
    const PPPOE_QINQ: [u8; 70] = [
        0x00, 0x00, 0x00, 0x00, 0x00, 0x01, // destination MAC
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // source MAC
        0x81, 0x00, // TPID 802.1Q
        0x0e, 0x78, // TCI: PCP 0, VID 3704
        0x81, 0x00, // inner TPID 802.1Q
        0x09, 0xaa, // TCI: VID 2474
        0x88, 0x64, // EtherType PPPoE session
        0x11, // PPPoE version 1, type 1
        0x00, // code 0 (session data)
        0x0f, 0x07, // session id 0x0f07
        0x00, 0x2a, // PPPoE length 42 (PPP protocol 2 + IPv4 40)
        0x00, 0x21, // PPP protocol IPv4
        0x45, 0x00, 0x00, 0x28, // IPv4: IHL 5, total length 40
        0x00, 0x00, 0x40, 0x00, // id 0, DF
        0x3f, 0x06, 0x35, 0xcb, // TTL 63, TCP, checksum
        0x01, 0x01, 0x01, 0x01, // src 1.1.1.1
        0x02, 0x02, 0x02, 0x02, // dst 2.2.2.2
        0x4f, 0xaa, 0x01, 0xbb, // TCP 20394 -> 443
        0xd7, 0xa8, 0x41, 0x56, // seq
        0xfc, 0x90, 0xa2, 0xff, // ack
        0x50, 0x10, 0x10, 0x00, // data offset 5, ACK, window
        0x8f, 0xda, 0x00, 0x00, // checksum, urgent
    ];

    /// zeek__mixed-vlan-mpls.pcap frame 2: one MPLS label (29, bottom of stack), then IPv4.
    const MPLS_IPV4: [u8; 60] = [
        0x00, 0x30, 0x96, 0xe6, 0xfc, 0x39, // destination MAC
        0x00, 0x30, 0x96, 0x05, 0x28, 0x38, // source MAC
        0x88, 0x47, // EtherType MPLS unicast
        0x00, 0x01, 0xdd, 0xff, // label 29, TC 6, S 1, TTL 255
        0x45, 0xc0, 0x00, 0x28, // IPv4 IHL 5, total length 40
        0x00, 0x01, 0x00, 0x00, 0xff, 0x06, 0xa4, 0xea, // id, flags, TTL, TCP, checksum
        0x0a, 0x01, 0x02, 0x01, // src 10.1.2.1
        0x0a, 0x22, 0x00, 0x01, // dst 10.34.0.1
        0x2a, 0xf9, 0x00, 0x17, 0x98, 0x32, 0x0f, 0xfc, // TCP 11001 -> 23, seq
        0x8d, 0xd5, 0x8e, 0xa5, 0x50, 0x10, 0x10, 0x20, // ack, offset 5, ACK, window
        0x99, 0xd6, 0x00, 0x00, // checksum, urgent
        0x00, 0x00, // Ethernet padding
    ];

    #[test]
    fn pppoe_over_qinq_reaches_ipv4() {
        let info = dissect(&PPPOE_QINQ).expect("valid frame");
        assert_eq!(info.dst, [0, 0, 0, 0, 0, 1]);
        let enc = info.encapsulation;
        assert_eq!(enc.vlan.outer_id, Some(3704));
        assert_eq!(enc.vlan.inner_id, Some(2474));
        assert_eq!(enc.vlan.tags, 2);
        assert_eq!(enc.pppoe_session, Some(0x0f07));
        match enc.network {
            Network::Ipv4(ip) => {
                assert_eq!(ip.len(), 40);
                assert_eq!(ip[0], 0x45);
            }
            other => panic!("expected IPv4, got {other:?}"),
        }
    }

    #[test]
    fn mpls_single_label_reaches_ipv4() {
        let info = dissect(&MPLS_IPV4).expect("valid frame");
        assert_eq!(info.encapsulation.mpls_labels, 1);
        assert_eq!(info.encapsulation.vlan.tags, 0);
        assert_eq!(info.src, [0x00, 0x30, 0x96, 0x05, 0x28, 0x38]);
        let label = MplsLabel::new_checked(&MPLS_IPV4[14..]).unwrap();
        assert_eq!(label.label(), 29);
        assert!(label.bottom_of_stack());
        assert_eq!(label.ttl(), 255);
        match info.encapsulation.network {
            // The walker hands over padding too: IPv4 trims by total length.
            Network::Ipv4(ip) => assert_eq!(ip.len(), 42),
            other => panic!("expected IPv4, got {other:?}"),
        }
    }

    #[test]
    fn mpls_stack_of_two_then_ipv6() {
        let mut frame = [0u8; 14 + 8 + 1];
        frame[12..14].copy_from_slice(&[0x88, 0x47]);
        frame[14..18].copy_from_slice(&[0x00, 0x01, 0x00, 0x40]); // label 16, S 0
        frame[18..22].copy_from_slice(&[0x00, 0x02, 0x01, 0x40]); // label 32, S 1
        frame[22] = 0x60; // IPv6 first nibble
        let info = dissect(&frame).unwrap();
        assert_eq!(info.encapsulation.mpls_labels, 2);
        assert_eq!(info.encapsulation.network, Network::Ipv6(&[0x60]));
    }

    #[test]
    fn mpls_ethernet_pseudowire_with_control_word() {
        let mut frame = [0u8; 14 + 4 + 4 + 14 + 4 + 1];
        frame[12..14].copy_from_slice(&[0x88, 0x47]);
        frame[14..18].copy_from_slice(&[0x00, 0x01, 0x01, 0x40]); // label 16, S 1
                                                                  // control word 0x00000000 at 18..22, inner Ethernet at 22..36
        frame[34..36].copy_from_slice(&[0x81, 0x00]); // inner 802.1Q tag
        frame[36..40].copy_from_slice(&[0x00, 0x07, 0x08, 0x00]); // VID 7, IPv4
        frame[40] = 0x45;
        let info = dissect(&frame).unwrap();
        let enc = info.encapsulation;
        assert!(enc.pseudowire);
        assert_eq!(enc.vlan.outer_id, Some(7));
        assert_eq!(enc.network, Network::Ipv4(&[0x45]));
    }

    #[test]
    fn mpls_unknown_payload_is_unsupported() {
        let mut frame = [0u8; 14 + 4 + 1];
        frame[12..14].copy_from_slice(&[0x88, 0x47]);
        frame[14..18].copy_from_slice(&[0x00, 0x01, 0x01, 0x40]);
        frame[18] = 0x20;
        assert_eq!(dissect(&frame), Err(WireError::Unsupported("MPLS payload")));
    }

    #[test]
    fn llc_length_field_is_refused_with_reason() {
        let mut frame = [0u8; 20];
        frame[12..14].copy_from_slice(&[0x00, 0x26]); // 802.3 length 38
        frame[14..17].copy_from_slice(&[0x42, 0x42, 0x03]); // LLC: STP
        match dissect(&frame) {
            Err(WireError::Unsupported(reason)) => assert!(reason.contains("LLC")),
            other => panic!("expected Unsupported, got {other:?}"),
        }
    }

    #[test]
    fn arp_and_other_ethertypes() {
        let mut frame = [0u8; 16];
        frame[12..14].copy_from_slice(&[0x08, 0x06]);
        assert_eq!(
            dissect(&frame).unwrap().encapsulation.network,
            Network::Arp(&[0, 0])
        );
        frame[12..14].copy_from_slice(&[0x88, 0xcc]); // LLDP
        assert_eq!(
            dissect(&frame).unwrap().encapsulation.network,
            Network::Other(0x88cc)
        );
    }

    #[test]
    fn endless_vlan_tags_are_bounded() {
        let mut frame = [0u8; 14 + 4 * 40];
        frame[12..14].copy_from_slice(&[0x81, 0x00]);
        for i in 0..40 {
            frame[14 + 4 * i + 2..14 + 4 * i + 4].copy_from_slice(&[0x88, 0xa8]);
        }
        assert_eq!(
            dissect(&frame),
            Err(WireError::Unsupported("too many encapsulation layers"))
        );
    }

    #[test]
    fn pppoe_control_protocol_is_other() {
        let mut frame = PPPOE_QINQ;
        frame[28..30].copy_from_slice(&[0xc0, 0x21]); // LCP
        assert_eq!(
            dissect(&frame).unwrap().encapsulation.network,
            Network::Other(ethertype::PPPOE_SESSION)
        );
    }

    #[test]
    fn truncation_at_every_length_is_an_error() {
        for fixture in [&PPPOE_QINQ[..], &MPLS_IPV4[..]] {
            // Cutting inside the headers (before the IP packet) must fail; after that the walker
            // hands the partial IP packet on, and the IP layer reports truncation.
            let headers = if fixture.len() == 70 { 30 } else { 19 };
            for len in 0..headers {
                let cut = &fixture[..len];
                assert!(dissect(cut).is_err(), "length {len} accepted");
            }
        }
    }
}
