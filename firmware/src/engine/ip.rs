//! The IP layer of the pipeline: IPv4 and IPv6 (with extension headers) peeled off down to the
//! transport bytes, fragments reassembled on the defragmenter's fixed pool, and the frames and
//! wire bytes that went into each datagram counted for the flow.

use core::net::IpAddr;

use crate::capture::Timestamp;
use crate::flow::defrag::{Defragmenter, FragmentKey};
use crate::flow::key::Addr;
use crate::wire::{ipv4, ipv6};

use super::Skip;

/// What the transport layer of a frame looks like once IP is peeled off (and reassembled).
pub(super) struct Transport<'a> {
    pub(super) proto: u8,
    pub(super) src: Addr,
    pub(super) dst: Addr,
    pub(super) bytes: &'a [u8],
    /// Bytes of the datagram the capture cut off (snap length): `bytes` plus these is what
    /// the IP header declares.
    pub(super) missing: usize,
    pub(super) frames: u64,
    pub(super) wire_bytes: u64,
}

/// What the capture says about the frame around an IP packet.
#[derive(Debug, Clone, Copy)]
pub(super) struct FrameLen {
    /// The frame's length on the wire.
    pub(super) wire: u32,
    /// Bytes of it the capture did not keep (snap length).
    pub(super) cut: usize,
}

/// Peels IPv4 off a packet (reassembling fragments) down to its transport bytes.
pub(super) fn ipv4_transport<'a>(
    bytes: &'a [u8],
    defrag: &'a mut Defragmenter,
    ts: Timestamp,
    len: FrameLen,
) -> Result<Transport<'a>, Skip> {
    let ip = ipv4::Ipv4Packet::new_checked(bytes).map_err(|_| Skip::Ipv4Malformed)?;
    let frag = ip.fragment();
    let fragment = frag.is_fragment().then_some(Fragment {
        id: u32::from(frag.id),
        offset: frag.offset,
        more: frag.more_fragments,
        complete: ip.is_complete(),
    });
    // Bytes the IP header declares but the frame lacks: only what the capture cut counts; a
    // length beyond the frame on the wire (a lying header, or padding a lower layer trimmed) is
    // not payload.
    let missing = ip.missing_bytes().min(len.cut);
    let (src, dst) = (IpAddr::V4(ip.src()), IpAddr::V4(ip.dst()));
    let datagram = Datagram {
        src,
        dst,
        proto: ip.protocol(),
        payload: ip.payload(),
        missing,
    };
    transport(datagram, fragment, defrag, ts, len.wire)
}

/// Peels IPv6 and its extension headers off a packet (reassembling fragments).
pub(super) fn ipv6_transport<'a>(
    bytes: &'a [u8],
    defrag: &'a mut Defragmenter,
    ts: Timestamp,
    len: FrameLen,
) -> Result<Transport<'a>, Skip> {
    let ip = ipv6::Ipv6Packet::new_checked(bytes).map_err(|_| Skip::Ipv6Malformed)?;
    let upper = ip.upper_layer().map_err(|_| Skip::Ipv6Malformed)?;
    let fragment = upper.fragment.map(|f| Fragment {
        id: f.id,
        offset: f.offset,
        more: f.more_fragments,
        complete: ip.is_complete(),
    });
    // Bytes the IP header declares but the frame lacks: only what the capture cut counts; a
    // length beyond the frame on the wire (a lying header, or padding a lower layer trimmed) is
    // not payload.
    let missing = ip.missing_bytes().min(len.cut);
    let (src, dst) = (IpAddr::V6(ip.src()), IpAddr::V6(ip.dst()));
    let datagram = Datagram {
        src,
        dst,
        proto: upper.protocol,
        payload: upper.payload,
        missing,
    };
    transport(datagram, fragment, defrag, ts, len.wire)
}

/// The fragment fields common to IPv4 and IPv6.
struct Fragment {
    id: u32,
    offset: usize,
    more: bool,
    /// False when the capture cut the fragment short (snap length): not reassembled.
    complete: bool,
}

/// An IP packet's addresses, protocol and payload, as the IP view gave them.
struct Datagram<'a> {
    src: IpAddr,
    dst: IpAddr,
    proto: u8,
    payload: &'a [u8],
    missing: usize,
}

fn transport<'a>(
    d: Datagram<'a>,
    fragment: Option<Fragment>,
    defrag: &'a mut Defragmenter,
    ts: Timestamp,
    wire_len: u32,
) -> Result<Transport<'a>, Skip> {
    let (bytes, missing, frames, wire_bytes) = match fragment {
        None => (d.payload, d.missing, 1, u64::from(wire_len)),
        // A first fragment cut short by the capture's snap length cannot be reassembled, but it
        // holds the transport header: dissect what is there (tshark does the same).
        Some(f) if !f.complete && f.offset == 0 => (d.payload, d.missing, 1, u64::from(wire_len)),
        Some(f) if !f.complete => return Err(Skip::FragmentTruncated),
        Some(f) => {
            let key = FragmentKey {
                src: d.src,
                dst: d.dst,
                id: f.id,
                protocol: d.proto,
            };
            let r = defrag
                .push(ts, key, f.offset, f.more, d.payload, wire_len)
                .ok_or(Skip::FragmentHeld)?;
            (r.payload, 0, u64::from(r.frames), r.wire_bytes)
        }
    };
    Ok(Transport {
        proto: d.proto,
        src: Addr::from_ip(d.src),
        dst: Addr::from_ip(d.dst),
        bytes,
        missing,
        frames,
        wire_bytes,
    })
}
