//! `wire::tls::client_hello_sni` on a handshake message; the SNI must borrow from the message
//! body the header declares, and parsing must ignore bytes after it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use telltale_firmware::wire::tls::client_hello_sni;
use telltale_fuzz::is_within;

fuzz_target!(|data: &[u8]| {
    let Ok(hello) = client_hello_sni(data) else {
        return;
    };
    let body_len = usize::from(data[1]) << 16 | usize::from(data[2]) << 8 | usize::from(data[3]);
    let message = &data[..4 + body_len];
    if let Some(sni) = hello.sni {
        assert!(is_within(&message[4..], sni), "SNI outside the message");
    }
    assert_eq!(
        client_hello_sni(message),
        Ok(hello),
        "trailing bytes changed the result"
    );
    std::hint::black_box((hello.legacy_version, hello.ech, hello.extensions));
});
