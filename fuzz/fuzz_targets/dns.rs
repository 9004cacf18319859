//! `wire::dns`: the message view and its header accessors, every question and record (with
//! their names decoded every way, into roomy and into tiny buffers), RDATA accessors,
//! `Name::parse` at every offset of a short message, and `DnsSummary::fill`.
//!
//! Checked: a name within 255 wire bytes decodes to at most 253 bytes, always fits a `NameText`
//! (the capacity is sized for the worst escaping), agrees with its labels, and a short buffer
//! gets a prefix or an error; `fill` reports its error both ways and gives the same summary
//! after `clear`, with lists within their capacities.
#![no_main]

use heapless::String;
use libfuzzer_sys::fuzz_target;
use telltale_firmware::wire::dns::{
    DnsSummary, Message, Name, NameText, MAX_ADDRS, MAX_ANNOUNCED, MAX_CNAMES, MAX_NAME_WIRE_LEN,
    NAME_TOO_LONG_TEXT,
};

/// Decodes a name every way the crate offers and checks that the ways agree; returns its text.
fn exercise_name(name: &Name<'_>) -> NameText {
    let mut joined = Vec::new();
    for (i, label) in name.labels().enumerate() {
        if i != 0 {
            joined.push(b'.');
        }
        joined.extend_from_slice(label);
    }
    let mut roomy = [0u8; MAX_NAME_WIRE_LEN + 1];
    let decoded = name.decode_into(&mut roomy);
    let mut text = NameText::new();
    let written = name.write_text(&mut text);
    if name.is_too_long() {
        assert!(decoded.is_err(), "a name over 255 bytes decoded");
        assert_eq!(text.as_str(), NAME_TOO_LONG_TEXT);
    } else {
        let n = decoded.expect("a name within 255 wire bytes decodes");
        assert!(n <= MAX_NAME_WIRE_LEN - 2, "decoded name of {n} bytes");
        assert_eq!(
            &roomy[..n],
            joined.as_slice(),
            "decode_into disagrees with labels"
        );
        assert_eq!(name.is_root(), n == 0 && joined.is_empty());
        assert!(
            written.is_ok(),
            "a name within 255 wire bytes must fit NameText"
        );
    }
    let mut tiny = [0u8; 7];
    if let Ok(n) = name.decode_into(&mut tiny) {
        assert_eq!(&tiny[..n], &roomy[..n]);
    }
    let mut short_text = String::<9>::new();
    let short = name.write_text(&mut short_text);
    assert!(
        text.starts_with(short_text.as_str()),
        "short text is not a prefix"
    );
    if short.is_ok() {
        assert_eq!(short_text.as_str(), text.as_str());
    }
    text
}

fn same_summary(a: &DnsSummary, b: &DnsSummary) -> bool {
    (
        a.id,
        a.is_response,
        a.opcode,
        a.rcode,
        a.question_count,
        a.qtype,
    ) == (
        b.id,
        b.is_response,
        b.opcode,
        b.rcode,
        b.question_count,
        b.qtype,
    ) && a.question == b.question
        && a.a == b.a
        && a.aaaa == b.aaaa
        && a.cnames == b.cnames
        && a.announced == b.announced
        && a.overflow == b.overflow
        && a.error == b.error
}

fuzz_target!(|data: &[u8]| {
    let mut first_question = None;
    if let Ok(msg) = Message::new_checked(data) {
        std::hint::black_box((
            msg.as_bytes(),
            msg.id(),
            msg.flags(),
            msg.is_response(),
            msg.opcode(),
            msg.is_truncated(),
            msg.rcode(),
            msg.answer_count(),
            msg.authority_count(),
            msg.additional_count(),
        ));
        let mut questions = msg.questions();
        let mut read = 0u16;
        for question in questions.by_ref() {
            let Ok(question) = question else { break };
            read += 1;
            let text = exercise_name(&question.name);
            first_question.get_or_insert(text);
            std::hint::black_box((question.qtype, question.qclass));
        }
        assert!(read <= msg.question_count());
        assert!(questions.offset() <= data.len());
        for record in msg.records() {
            let Ok(record) = record else { break };
            exercise_name(&record.name);
            assert!(record.rdata.end <= data.len(), "RDATA past the message");
            assert_eq!(record.rdata_bytes().len(), record.rdata.len());
            std::hint::black_box((record.section, record.class, record.ttl));
            if let Some(a) = record.ipv4() {
                assert_eq!(record.rdata_bytes(), a.octets());
            }
            if let Some(aaaa) = record.ipv6() {
                assert_eq!(record.rdata_bytes(), aaaa.octets());
            }
            if let Some(Ok(target)) = record.target_name() {
                exercise_name(&target);
            }
        }
    }
    // Names may start anywhere a pointer can aim; bound the work on large inputs (every way of
    // decoding for the first 64 offsets, the cheap one up to 512).
    for start in 0..data.len().min(512) {
        if let Ok((name, next)) = Name::parse(data, start) {
            assert!(
                next > start && next <= data.len(),
                "name end {next} from {start}"
            );
            if start < 64 {
                exercise_name(&name);
            } else {
                let mut roomy = [0u8; MAX_NAME_WIRE_LEN + 1];
                assert_eq!(name.decode_into(&mut roomy).is_ok(), !name.is_too_long());
            }
        }
    }
    let mut summary = Box::<DnsSummary>::default();
    let result = summary.fill(data);
    assert_eq!(
        result.err(),
        summary.error,
        "fill's error and summary.error differ"
    );
    assert!(summary.a.len() <= MAX_ADDRS && summary.aaaa.len() <= MAX_ADDRS);
    assert!(summary.cnames.len() <= MAX_CNAMES && summary.announced.len() <= MAX_ANNOUNCED);
    if let Some(text) = &first_question {
        assert_eq!(
            &summary.question, text,
            "summary question differs from the view's"
        );
    }
    let mut again = summary.clone();
    again.clear();
    let _ = again.fill(data);
    assert!(same_summary(&summary, &again), "fill after clear differs");
});
