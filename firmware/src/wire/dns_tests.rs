//! Tests of `dns` on annotated byte fixtures (kept apart to keep `dns.rs` short).

use super::*;

/// A response for www.example.com: CNAME to a.example.net, A and AAAA for it, an
/// authority NS record and an A glue record in the additional section.
#[rustfmt::skip]
const RESPONSE: &[u8] = &[
    0x12, 0x34,             // ID
    0x81, 0x80,             // QR=1, opcode 0, RD, RA, rcode 0
    0x00, 0x01,             // QDCOUNT 1
    0x00, 0x03,             // ANCOUNT 3
    0x00, 0x01,             // NSCOUNT 1
    0x00, 0x01,             // ARCOUNT 1
    // 12: question www.example.com A IN
    3, b'w', b'w', b'w', 7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 3, b'c', b'o', b'm', 0,
    0x00, 0x01, 0x00, 0x01,
    // 33: answer: name -> 12, CNAME IN TTL 60, RDLENGTH 9
    0xc0, 12, 0x00, 0x05, 0x00, 0x01, 0, 0, 0, 60, 0x00, 9,
    1, b'a', 0xc0, 16,      // 45: "a" then a pointer to "example.com" at 16
    3, b'n', b'e', b't', 0, // unused tail inside RDLENGTH (ignored)
    // 54: answer: name -> 45 (a.example.com), A 192.0.2.1
    0xc0, 45, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 60, 0x00, 4, 192, 0, 2, 1,
    // 70: answer: name -> 45, AAAA 2001:db8::1
    0xc0, 45, 0x00, 0x1c, 0x00, 0x01, 0, 0, 0, 60, 0x00, 16,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    // 98: authority: example.com NS ns.example.com (RDATA at 110)
    0xc0, 16, 0x00, 0x02, 0x00, 0x01, 0, 0, 0, 60, 0x00, 5, 2, b'n', b's', 0xc0, 16,
    // 115: additional: ns.example.com A 198.51.100.7 (glue)
    0xc0, 110, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 60, 0x00, 4, 198, 51, 100, 7,
];

fn text(name: &Name<'_>) -> NameText {
    let mut t = NameText::new();
    name.write_text(&mut t).unwrap();
    t
}

#[test]
fn header_questions_and_records() {
    let m = Message::new_checked(RESPONSE).unwrap();
    assert_eq!(m.id(), 0x1234);
    assert!(m.is_response());
    assert_eq!((m.opcode(), m.rcode()), (0, 0));
    assert_eq!(
        (
            m.question_count(),
            m.answer_count(),
            m.authority_count(),
            m.additional_count()
        ),
        (1, 3, 1, 1)
    );
    let q: Vec<Question<'_>, 4> = m.questions().map(|q| q.unwrap()).collect();
    assert_eq!(q.len(), 1);
    assert_eq!(text(&q[0].name), "www.example.com");
    assert_eq!(q[0].qtype, rtype::A);
    let r: Vec<Record<'_>, 8> = m.records().map(|r| r.unwrap()).collect();
    assert_eq!(r.len(), 5);
    assert_eq!(text(&r[0].target_name().unwrap().unwrap()), "a.example.com");
    assert_eq!(r[1].ipv4(), Some(Ipv4Addr::new(192, 0, 2, 1)));
    assert_eq!(text(&r[1].name), "a.example.com");
    assert_eq!(r[2].ipv6(), Some("2001:db8::1".parse().unwrap()));
    assert_eq!(r[3].section, Section::Authority);
    assert_eq!(r[4].section, Section::Additional);
    assert_eq!(text(&r[4].name), "ns.example.com");
    let mut raw = [0u8; 64];
    let n = r[4].name.decode_into(&mut raw).unwrap();
    assert_eq!(&raw[..n], b"ns.example.com");
    assert!(r[4].name.decode_into(&mut raw[..5]).is_err());
}

#[test]
fn summary_of_response() {
    let mut s = DnsSummary::default();
    s.fill(RESPONSE).unwrap();
    assert_eq!(s.question, "www.example.com");
    assert_eq!(s.qtype, Some(rtype::A));
    assert_eq!(s.cnames.len(), 1);
    assert_eq!(s.cnames[0], "a.example.com");
    let a: Vec<(Ipv4Addr, Section), 4> = s.a.iter().map(|a| (a.addr, a.section)).collect();
    assert_eq!(
        &a[..],
        &[
            (Ipv4Addr::new(192, 0, 2, 1), Section::Answer),
            (Ipv4Addr::new(198, 51, 100, 7), Section::Additional)
        ]
    );
    assert_eq!(s.aaaa.len(), 1);
    assert!(!s.overflow && s.error.is_none());
    // Owner names, de-duplicated: www.example.com, a.example.com, example.com, ns.example.com.
    assert_eq!(s.announced.len(), 4);
    s.clear();
    assert!(s.question.is_empty() && s.a.is_empty() && s.announced.is_empty());
}

#[test]
fn without_announced_names_the_facts_and_errors_are_the_same() {
    let (mut with, mut without) = (DnsSummary::default(), DnsSummary::default());
    for len in 0..=RESPONSE.len() {
        with.clear();
        without.clear();
        let a = with.fill(&RESPONSE[..len]).is_ok();
        let b = without.fill_with(&RESPONSE[..len], false).is_ok();
        assert_eq!(a, b, "len {len}");
        assert_eq!(with.question, without.question);
        assert_eq!(
            (with.a.len(), with.aaaa.len()),
            (without.a.len(), without.aaaa.len())
        );
        assert_eq!(with.cnames, without.cnames);
        assert!(without.announced.is_empty());
    }
}

#[test]
fn every_truncation_is_an_error_and_keeps_earlier_facts() {
    let mut s = DnsSummary::default();
    for len in 0..RESPONSE.len() {
        s.clear();
        assert!(s.fill(&RESPONSE[..len]).is_err(), "len {len}");
        // The glue A record is last, so a cut message never has two addresses.
        assert!(s.a.len() <= 1);
        if len >= 70 {
            assert_eq!(s.a.len(), 1, "len {len}");
        }
    }
}

#[test]
fn pointer_loop_is_malformed() {
    // Header with one question whose name is a pointer to itself.
    let msg = [0, 0, 0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1];
    let m = Message::new_checked(&msg[..]).unwrap();
    let q = m.questions().next().unwrap();
    assert_eq!(
        q.unwrap_err(),
        WireError::Malformed("DNS name: pointer loop")
    );
    // Pointer beyond the end.
    let msg = [0, 0, 0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 200, 0, 1, 0, 1];
    assert!(Name::parse(&msg, 12).is_err());
}

#[test]
fn looping_name_with_long_labels_stops_as_too_long() {
    // A 63-byte label then a pointer back to it: the walk stops once past 255 bytes.
    let mut msg = [b'z'; 66];
    msg[0] = 63;
    msg[64..].copy_from_slice(&[0xc0, 0]);
    let (name, next) = Name::parse(&msg, 0).unwrap();
    assert_eq!(next, 66);
    assert!(name.is_too_long());
    assert_eq!(text(&name), NAME_TOO_LONG_TEXT);
}

#[test]
fn extended_label_is_malformed() {
    let msg = [0x41, 8, 0xff, 0];
    assert_eq!(
        Name::parse(&msg, 0).unwrap_err(),
        WireError::Malformed("DNS name: extended label type")
    );
}

#[test]
fn long_names_print_like_tshark() {
    // 4 labels of 63 bytes: 4 * 64 + 1 = 257 wire bytes, over the limit.
    let mut buf: Vec<u8, 300> = Vec::new();
    for _ in 0..4 {
        buf.push(63).unwrap();
        buf.extend_from_slice(&[b'x'; 63]).unwrap();
    }
    buf.push(0).unwrap();
    let (name, next) = Name::parse(&buf, 0).unwrap();
    assert_eq!(next, buf.len());
    assert!(name.is_too_long());
    assert_eq!(text(&name), NAME_TOO_LONG_TEXT);
    assert!(name.decode_into(&mut [0u8; 512]).is_err());
    // Cut to 3 labels + a 61-byte label: 3*64 + 62 + 1 = 255 bytes, allowed.
    let mut ok: Vec<u8, 300> = Vec::new();
    ok.extend_from_slice(&buf[..192]).unwrap();
    ok.push(61).unwrap();
    ok.extend_from_slice(&[b'y'; 61]).unwrap();
    ok.push(0).unwrap();
    let (name, _) = Name::parse(&ok, 0).unwrap();
    assert!(!name.is_too_long());
    assert_eq!(text(&name).len(), 253);
}

#[test]
fn odd_bytes_are_escaped_like_tshark() {
    // "in-a\x1adr", "Luca\xe2\x80\x99s iMac", "a\xffb", "x.y" (dot inside a label), root.
    #[rustfmt::skip]
    let msg = [
        7, b'i', b'n', b'-', b'a', 0x1a, b'd', b'r',
        14, b'L', b'u', b'c', b'a', 0xe2, 0x80, 0x99, b's', b' ', b'i', b'M', b'a', b'c', b'\n',
        3, b'a', 0xff, b'b',
        3, b'x', b'.', b'y', 0,
    ];
    let (name, _) = Name::parse(&msg, 0).unwrap();
    assert_eq!(text(&name), "in-a\\032dr.Luca’s iMac\\n.a\u{fffd}b.x.y");
    let (root, _) = Name::parse(&[0u8], 0).unwrap();
    assert!(root.is_root());
    assert_eq!(text(&root), "");
}

#[test]
fn overflow_sets_flag() {
    // One question-less response with MAX_ADDRS + 1 A records named by the root.
    let mut msg: Vec<u8, 1200> = Vec::new();
    msg.extend_from_slice(&[0, 0, 0x80, 0, 0, 0, 0, 65, 0, 0, 0, 0])
        .unwrap();
    for i in 0..=MAX_ADDRS as u8 {
        msg.extend_from_slice(&[0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 10, 0, 0, i])
            .unwrap();
    }
    let mut s = DnsSummary::default();
    s.fill(&msg).unwrap();
    assert_eq!(s.a.len(), MAX_ADDRS);
    assert!(s.overflow);
}
