//! Between the wire's records and the database's columns.

use std::net::IpAddr;

use telltale_proto::{Transport, Verdict};

/// `64:09:80:4c:2e:71`.
pub fn mac_text(mac: &[u8; 6]) -> String {
    let [a, b, c, d, e, f] = mac;
    format!("{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{f:02x}")
}

/// Parses `64:09:80:4c:2e:71`.
pub fn parse_mac(text: &str) -> Option<[u8; 6]> {
    let mut out = [0u8; 6];
    let mut parts = text.split(':');
    for byte in &mut out {
        *byte = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    parts.next().is_none().then_some(out)
}

/// Addresses as one space-separated column.
pub fn ips_text(ips: &[IpAddr]) -> String {
    ips.iter()
        .map(IpAddr::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The reverse of [`ips_text`]; unreadable entries are skipped.
pub fn parse_ips(text: &str) -> Vec<IpAddr> {
    text.split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// `tcp`, `udp` or the protocol number.
pub fn proto_text(p: Transport) -> String {
    match p {
        Transport::Tcp => "tcp".into(),
        Transport::Udp => "udp".into(),
        Transport::Other(n) => n.to_string(),
    }
}

/// The reverse of [`proto_text`].
pub fn parse_proto(text: &str) -> Transport {
    match text {
        "tcp" => Transport::Tcp,
        "udp" => Transport::Udp,
        n => Transport::Other(n.parse().unwrap_or(0)),
    }
}

/// The reverse of [`Verdict::name`].
pub fn parse_verdict(text: &str) -> Verdict {
    match text {
        "suspicious" => Verdict::Suspicious,
        "notice" => Verdict::Notice,
        _ => Verdict::Ok,
    }
}

/// `SG` from `[b'S', b'G']`.
pub fn country_text(c: Option<[u8; 2]>) -> Option<String> {
    c.map(|c| String::from_utf8_lossy(&c).into_owned())
}

/// The reverse of [`country_text`].
pub fn parse_country(text: Option<String>) -> Option<[u8; 2]> {
    let t = text?;
    let b = t.as_bytes();
    (b.len() == 2).then(|| [b[0], b[1]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let mac = [0x64, 0x09, 0x80, 0x4c, 0x2e, 0x71];
        assert_eq!(mac_text(&mac), "64:09:80:4c:2e:71");
        assert_eq!(parse_mac("64:09:80:4c:2e:71"), Some(mac));
        assert_eq!(parse_mac("64:09:80:4c:2e"), None);
        assert_eq!(parse_mac("64:09:80:4c:2e:71:00"), None);
        let ips: Vec<IpAddr> = vec![
            "192.168.50.2".parse().unwrap(),
            "2001:db8::1".parse().unwrap(),
        ];
        assert_eq!(parse_ips(&ips_text(&ips)), ips);
        for p in [Transport::Tcp, Transport::Udp, Transport::Other(47)] {
            assert_eq!(parse_proto(&proto_text(p)), p);
        }
        for v in [Verdict::Ok, Verdict::Notice, Verdict::Suspicious] {
            assert_eq!(parse_verdict(v.name()), v);
        }
        assert_eq!(parse_country(country_text(Some(*b"SG"))), Some(*b"SG"));
    }
}
