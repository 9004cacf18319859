//! `wire::udp::UdpPacket`: the checked view and every accessor; the payload is bounded by both
//! Length and the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use telltale_firmware::wire::udp::UdpPacket;

fuzz_target!(|data: &[u8]| {
    let Ok(udp) = UdpPacket::new_checked(data) else {
        return;
    };
    let length = usize::from(udp.length());
    assert!(length >= 8);
    let payload = udp.payload();
    assert_eq!(payload.len(), length.min(data.len()) - 8);
    assert_eq!(udp.length_exceeds_data(), length > data.len());
    std::hint::black_box((udp.src_port(), udp.dst_port(), udp.checksum()));
});
