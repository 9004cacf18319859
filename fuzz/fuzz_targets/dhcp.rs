//! `wire::dhcp`: the checked packet view, every accessor, the option walk (with overload into
//! `file` and `sname`) and `info`. Checked: the walk advances and ends after its first error,
//! every value lies inside the packet, and `info` reports exactly what the walk found first.
#![no_main]

use libfuzzer_sys::fuzz_target;
use telltale_firmware::wire::dhcp::Packet;
use telltale_fuzz::is_within;

fuzz_target!(|data: &[u8]| {
    let Ok(packet) = Packet::new_checked(data) else {
        return;
    };
    std::hint::black_box((
        packet.op(),
        packet.hops(),
        packet.xid(),
        packet.ciaddr(),
        packet.yiaddr(),
        packet.siaddr(),
        packet.giaddr(),
    ));
    let chaddr = packet.chaddr();
    assert!(is_within(data, chaddr) && chaddr.len() <= 16);
    if let Some(mac) = packet.client_mac() {
        assert!(packet.htype() == 1 && packet.hlen() == 6);
        assert_eq!(mac.as_slice(), chaddr);
    }
    let mut walked = 0usize;
    let mut error = None;
    let mut hostname = None;
    let mut message_type = None;
    let mut options = packet.options();
    for option in options.by_ref() {
        walked += 1;
        // Each option takes at least 2 bytes of a 64 KiB packet: a longer walk is a loop.
        assert!(walked <= data.len(), "DHCP option walk does not advance");
        match option {
            Ok(option) => {
                assert!(
                    is_within(data, option.value),
                    "option value outside the packet"
                );
                match (option.code, option.value) {
                    (12, v) => {
                        hostname.get_or_insert(v);
                    }
                    (53, [t]) => {
                        message_type.get_or_insert(*t);
                    }
                    _ => {}
                }
            }
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    assert!(
        error.is_none() || options.next().is_none(),
        "the walk goes on after an error"
    );
    if !packet.has_magic_cookie() {
        assert_eq!(walked, 0, "BOOTP without the cookie has no options");
    }
    let info = packet.info();
    assert_eq!(info.client_mac, packet.client_mac());
    assert_eq!(info.error, error);
    assert_eq!(info.hostname, hostname);
    assert_eq!(info.message_type, message_type);
    std::hint::black_box((info.vendor_class, info.client_id, info.requested_ip));
});
