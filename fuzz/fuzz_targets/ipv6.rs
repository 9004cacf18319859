//! `wire::ipv6`: the checked packet view, every accessor, `upper_layer`, and
//! `walk_extension_headers` directly (first byte = next header, rest = headers). Payloads must
//! lie inside the input, payload plus missing bytes must equal Payload Length, and the walk must
//! respect its header limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use telltale_firmware::wire::ipv6::{self, Ipv6Packet, UpperLayer, MAX_EXTENSION_HEADERS};
use telltale_fuzz::is_within;

fn check_upper(bytes: &[u8], upper: &UpperLayer<'_>) {
    assert!(
        is_within(bytes, upper.payload),
        "upper layer outside its input"
    );
    assert!(usize::from(upper.extension_headers) <= MAX_EXTENSION_HEADERS + 1);
    if let Some(fragment) = upper.fragment {
        assert!(fragment.offset % 8 == 0 && fragment.offset < 1 << 16);
        assert!(upper.extension_headers >= 1);
        std::hint::black_box((fragment.id, fragment.more_fragments));
    }
}

fuzz_target!(|data: &[u8]| {
    if let Some((&next, rest)) = data.split_first() {
        if let Ok(upper) = ipv6::walk_extension_headers(next, rest) {
            check_upper(rest, &upper);
        }
    }
    let Ok(ip) = Ipv6Packet::new_checked(data) else {
        return;
    };
    let payload = ip.payload();
    assert!(
        is_within(&data[40..], payload),
        "payload outside the packet"
    );
    assert_eq!(
        payload.len() + ip.missing_bytes(),
        ip.declared_payload_len()
    );
    assert_eq!(ip.is_complete(), ip.missing_bytes() == 0);
    assert!(ip.flow_label() < 1 << 20);
    if ip.payload_len() != 0 {
        assert_eq!(ip.declared_payload_len(), usize::from(ip.payload_len()));
    }
    std::hint::black_box((
        ip.traffic_class(),
        ip.next_header(),
        ip.hop_limit(),
        ip.src(),
        ip.dst(),
    ));
    if let Ok(upper) = ip.upper_layer() {
        check_upper(payload, &upper);
        assert_eq!(
            ipv6::walk_extension_headers(ip.next_header(), payload),
            Ok(upper)
        );
    }
});
