//! `wire::ethernet`: `dissect`, the frame view and its accessors, the tag views (VLAN, MPLS,
//! PPPoE) applied directly to the payload, and `walk_encapsulation` from an EtherType taken from
//! the input. Every borrowed slice must lie inside the input, and `dissect` must agree with the
//! frame view and `walk_encapsulation` it is built on.
#![no_main]

use libfuzzer_sys::fuzz_target;
use telltale_firmware::wire::be16;
use telltale_firmware::wire::ethernet::{
    self, EthernetFrame, MplsLabel, Network, PppoeSession, VlanTag, MAX_ENCAPSULATIONS,
};
use telltale_fuzz::is_within;

fn network_within(outer: &[u8], network: Network<'_>) -> bool {
    match network {
        Network::Ipv4(b) | Network::Ipv6(b) | Network::Arp(b) => is_within(outer, b),
        Network::Other(_) => true,
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = ethernet::dissect(data) {
        let enc = info.encapsulation;
        assert!(
            network_within(data, enc.network),
            "network outside the frame"
        );
        assert!(usize::from(enc.vlan.tags) <= MAX_ENCAPSULATIONS);
        let frame = EthernetFrame::new_checked(data).expect("dissect accepted the frame");
        assert_eq!((info.dst, info.src), (frame.dst(), frame.src()));
        assert_eq!(
            ethernet::walk_encapsulation(frame.ethertype(), frame.payload()),
            Ok(enc),
            "dissect disagrees with walk_encapsulation"
        );
    }
    if let Ok(frame) = EthernetFrame::new_checked(data) {
        std::hint::black_box((frame.dst(), frame.src(), frame.ethertype()));
        let payload = frame.payload();
        assert!(is_within(data, payload));
        if let Ok(tag) = VlanTag::new_checked(payload) {
            assert!(tag.vlan_id() < 4096 && tag.priority() < 8);
            assert!(is_within(payload, tag.payload()));
            std::hint::black_box(tag.ethertype());
        }
        if let Ok(label) = MplsLabel::new_checked(payload) {
            assert!(label.label() < 1 << 20);
            assert!(is_within(payload, label.payload()));
            std::hint::black_box((label.bottom_of_stack(), label.ttl()));
        }
        if let Ok(session) = PppoeSession::new_checked(payload) {
            assert!(is_within(payload, session.ppp_frame()));
            assert!(is_within(payload, session.ppp_payload()));
            std::hint::black_box((session.session_id(), session.ppp_protocol()));
        }
    }
    if data.len() >= 2 {
        let rest = &data[2..];
        if let Ok(enc) = ethernet::walk_encapsulation(be16(data, 0), rest) {
            assert!(
                network_within(rest, enc.network),
                "network outside the input"
            );
        }
    }
});
