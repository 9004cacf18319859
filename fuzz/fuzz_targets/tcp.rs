//! `wire::tcp::TcpPacket`: the checked view and every accessor; header, options and payload
//! must partition the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use telltale_firmware::wire::tcp::TcpPacket;

fuzz_target!(|data: &[u8]| {
    let Ok(tcp) = TcpPacket::new_checked(data) else {
        return;
    };
    let header_len = tcp.header_len();
    assert!((20..=60).contains(&header_len) && header_len <= data.len());
    assert_eq!(tcp.options().len(), header_len - 20);
    assert_eq!(tcp.payload().len(), data.len() - header_len);
    assert!(tcp.flags() <= 0xff);
    std::hint::black_box((
        tcp.src_port(),
        tcp.dst_port(),
        tcp.seq(),
        tcp.ack(),
        tcp.syn(),
        tcp.fin(),
        tcp.rst(),
        tcp.ack_flag(),
        tcp.window(),
        tcp.urgent(),
    ));
});
