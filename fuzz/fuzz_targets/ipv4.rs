//! `wire::ipv4::Ipv4Packet`: the checked view and every accessor, with the length arithmetic
//! checked: header, options and payload inside the input, payload plus missing bytes equal to
//! what Total Length declares.
#![no_main]

use libfuzzer_sys::fuzz_target;
use telltale_firmware::wire::ipv4::Ipv4Packet;
use telltale_fuzz::is_within;

fuzz_target!(|data: &[u8]| {
    let Ok(ip) = Ipv4Packet::new_checked(data) else {
        return;
    };
    let header_len = ip.header_len();
    assert!((20..=60).contains(&header_len) && header_len <= data.len());
    assert_eq!(ip.options().len(), header_len - 20);
    let payload = ip.payload();
    assert!(
        is_within(&data[header_len..], payload),
        "payload outside the packet"
    );
    assert_eq!(
        payload.len() + ip.missing_bytes(),
        ip.declared_payload_len()
    );
    assert_eq!(ip.is_complete(), ip.missing_bytes() == 0);
    if ip.total_len() != 0 {
        assert_eq!(
            ip.declared_payload_len(),
            usize::from(ip.total_len()) - header_len
        );
    }
    let fragment = ip.fragment();
    assert!(fragment.offset % 8 == 0 && fragment.offset <= 0x1fff * 8);
    assert_eq!(
        fragment.is_fragment(),
        fragment.offset != 0 || fragment.more_fragments
    );
    std::hint::black_box((
        ip.protocol(),
        ip.ttl(),
        ip.src(),
        ip.dst(),
        fragment.id,
        fragment.dont_fragment,
    ));
});
