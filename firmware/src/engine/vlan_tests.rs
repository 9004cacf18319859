//! The engine on frames whose VLAN tag a live capture stripped (`Frame::stripped_vlan`): they
//! must be accounted exactly like the same frames with the tag still in their bytes.

use super::*;
use crate::capture::{LinkType, Port, VlanTag};
use crate::event::{Event, FlowRecord};

/// Keeps the (frames, bytes, payload) of side A of every flow that ends.
#[derive(Default)]
struct Flows(Vec<(u64, u64, u64)>);

impl Sink for Flows {
    fn event(&mut self, _meta: Meta, _event: &Event<'_>) {}
    fn flow_end(&mut self, flow: &FlowRecord<'_>) {
        self.0
            .push((flow.frames_ab, flow.bytes_ab, flow.payload_ab));
    }
}

/// A TCP segment in a frame tagged VLAN 42 whose IPv4 header declares 4 bytes more than the
/// frame holds (a lying or cut-on-the-wire header, not a capture snap length).
fn tagged_frame() -> Vec<u8> {
    let mut f = vec![
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, // destination MAC
        0x64, 0x09, 0x80, 0x4c, 0x2e, 0x71, // source MAC
        0x81, 0x00, 0x00, 0x2a, // 802.1Q, VLAN 42
        0x08, 0x00, // IPv4
        0x45, 0x00, 0x00, 0x36, // version 4, IHL 5; total length 54 = 20 + 20 + 10 + 4 extra
        0x00, 0x01, 0x40, 0x00, // id 1, DF
        0x40, 0x06, 0x00, 0x00, // TTL 64, TCP, checksum (not checked)
        192, 168, 50, 10, // source
        198, 51, 100, 10, // destination
        0xc0, 0x00, 0x01, 0xbb, // ports 49152 -> 443
        0x00, 0x00, 0x00, 0x01, // sequence
        0x00, 0x00, 0x00, 0x00, // acknowledgement
        0x50, 0x18, 0xff, 0xff, // data offset 5, PSH ACK, window
        0x00, 0x00, 0x00, 0x00, // checksum, urgent pointer
    ];
    f.extend_from_slice(b"0123456789"); // 10 bytes of payload
    f
}

fn run(frame: &Frame<'_>) -> (Vec<(u64, u64, u64)>, Counters) {
    let mut engine = Engine::new(EngineConfig {
        flow_capacity: 64,
        ..EngineConfig::default()
    });
    let mut sink = Flows::default();
    engine.poll(frame, 1, &mut sink);
    engine.finish(&mut sink);
    (sink.0, *engine.counters())
}

#[test]
fn stripped_tag_is_accounted_like_a_tag_in_the_bytes() {
    let tagged = tagged_frame();
    let in_bytes = Frame {
        data: &tagged,
        wire_len: tagged.len() as u32,
        ts: Timestamp(1_000_000_000),
        link: LinkType::Ethernet,
        port: Some(Port::Lan),
        stripped_vlan: None,
    };
    let mut untagged = tagged[..12].to_vec();
    untagged.extend_from_slice(&tagged[16..]);
    let from_ring = Frame {
        data: &untagged,
        stripped_vlan: Some(VlanTag {
            tpid: 0x8100,
            tci: 42,
        }),
        ..in_bytes
    };
    let (flows_tagged, counters_tagged) = run(&in_bytes);
    let (flows_ring, counters_ring) = run(&from_ring);
    // One frame of 68 bytes on the wire; the 4 bytes the header claims beyond the frame were
    // not cut by the capture, so they are not payload either way.
    assert_eq!(flows_tagged, [(1, 68, 10)]);
    assert_eq!(flows_ring, flows_tagged);
    assert_eq!(counters_ring, counters_tagged);
}
