//! `wire::link::decode` under every `LinkType`: the first input byte picks the link type, the
//! rest is the frame. Every field of the result is read, the network layer is opened with the
//! IP views, and the borrowed network bytes must lie inside the frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use telltale_firmware::capture::LinkType;
use telltale_firmware::wire::ethernet::MAX_ENCAPSULATIONS;
use telltale_firmware::wire::link::{self, Network};
use telltale_firmware::wire::{ipv4::Ipv4Packet, ipv6::Ipv6Packet};
use telltale_fuzz::is_within;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, frame)) = data.split_first() else {
        return;
    };
    let link = LinkType::ALL[usize::from(selector) % LinkType::ALL.len()];
    let Ok(l2) = link::decode(link, frame) else {
        return;
    };
    std::hint::black_box((l2.src, l2.dst, l2.mpls_labels, l2.pppoe_session));
    assert!(usize::from(l2.vlan.tags) <= MAX_ENCAPSULATIONS);
    assert_eq!(
        l2.vlan.tags == 0,
        l2.vlan.outer_id.is_none(),
        "{:?}",
        l2.vlan
    );
    assert_eq!(l2.vlan.outer_id.is_some(), l2.vlan.inner_id.is_some());
    if link != LinkType::Ethernet {
        assert!(l2.dst.is_none(), "only Ethernet has a destination MAC");
    }
    match l2.network {
        Network::Ipv4(bytes) => {
            assert!(is_within(frame, bytes), "IPv4 bytes outside the frame");
            if let Ok(ip) = Ipv4Packet::new_checked(bytes) {
                assert!(is_within(bytes, ip.payload()));
                std::hint::black_box((ip.fragment(), ip.missing_bytes()));
            }
        }
        Network::Ipv6(bytes) => {
            assert!(is_within(frame, bytes), "IPv6 bytes outside the frame");
            if let Ok(ip) = Ipv6Packet::new_checked(bytes) {
                assert!(is_within(bytes, ip.payload()));
                if let Ok(upper) = ip.upper_layer() {
                    assert!(is_within(bytes, upper.payload));
                }
                std::hint::black_box(ip.missing_bytes());
            }
        }
        Network::Arp(bytes) => {
            assert!(is_within(frame, bytes), "ARP bytes outside the frame");
        }
        Network::Other(ethertype) => {
            std::hint::black_box(ethertype);
        }
    }
});
