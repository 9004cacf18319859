//! The session's rules, request by request, against an in-memory backend.

use telltale_proto::crc32::crc32;
use telltale_proto::{
    AlertRecord, ErrorCode, JournalRange, PortState, PortStatus, Request, Response, RulesChunk,
    Status, SummaryRecord, PROTOCOL_VERSION,
};

use super::backend::{LinkBackend, Page};
use super::session::Session;

#[derive(Default)]
struct Fake {
    rules: Vec<u8>,
    applied: u32,
    clock: u64,
}

impl LinkBackend for Fake {
    fn box_id(&self) -> String {
        "fake".into()
    }
    fn status(&mut self) -> Status {
        let port = PortStatus {
            name: "x".into(),
            state: PortState::Up,
            frames: 0,
            drops: 0,
        };
        Status {
            firmware: String::new(),
            uptime_s: 0,
            clock_ms: self.clock,
            clock_set: false,
            indicator: "watching".into(),
            alert_latched: false,
            lan: port.clone(),
            wan: port,
            frames: 0,
            skipped: 0,
            devices: 0,
            flows: 0,
            alerts: 0,
            last_alert_seq: 0,
            journal: JournalRange::default(),
            rules_crc: 0,
        }
    }
    fn summaries_after(&mut self, _: u64, _: usize, _: usize) -> Page<SummaryRecord> {
        Page {
            records: Vec::new(),
            more: false,
        }
    }
    fn ack_summaries(&mut self, upto: u64) -> Result<u64, String> {
        Ok(upto)
    }
    fn alerts_after(&mut self, _: u64, _: usize, _: usize) -> Page<AlertRecord> {
        Page {
            records: Vec::new(),
            more: false,
        }
    }
    fn ack_alerts(&mut self, _: u64) -> Result<bool, String> {
        Ok(false)
    }
    fn set_time(&mut self, unix_ms: u64) -> Result<u64, String> {
        Ok(std::mem::replace(&mut self.clock, unix_ms))
    }
    fn check_rules(&mut self, text: &[u8]) -> Result<(), String> {
        if text.starts_with(b"bad") {
            Err("rules.toml:1: bad".into())
        } else {
            Ok(())
        }
    }
    fn apply_rules(&mut self, text: &[u8]) -> Result<(), String> {
        self.check_rules(text)?;
        self.rules = text.to_vec();
        self.applied += 1;
        Ok(())
    }
    fn rules(&mut self) -> Vec<u8> {
        self.rules.clone()
    }
}

fn hello(version: u16) -> Request {
    Request::Hello {
        version,
        client: "test".into(),
    }
}

fn chunks(text: &[u8], size: usize, apply: bool) -> Vec<Request> {
    let crc = crc32(text);
    text.chunks(size)
        .enumerate()
        .map(|(i, c)| {
            Request::PutRules(RulesChunk {
                offset: (i * size) as u32,
                total: text.len() as u32,
                crc,
                data: c.to_vec(),
                apply,
            })
        })
        .collect()
}

fn code(r: &Response) -> Option<ErrorCode> {
    match r {
        Response::Error { code, .. } => Some(*code),
        _ => None,
    }
}

#[test]
fn nothing_before_hello_and_nothing_after_a_wrong_version() {
    let mut b = Fake::default();
    let mut s = Session::new();
    assert_eq!(
        code(&s.handle(Request::Status, &mut b)),
        Some(ErrorCode::NoHello)
    );
    // The box answers a wrong version's Hello with its own version, then refuses.
    match s.handle(hello(PROTOCOL_VERSION + 1), &mut b) {
        Response::Hello { version, .. } => assert_eq!(version, PROTOCOL_VERSION),
        other => panic!("{other:?}"),
    }
    match s.handle(Request::Status, &mut b) {
        Response::Error {
            code: ErrorCode::Version,
            message,
        } => assert_eq!(
            message,
            format!(
                "the box speaks protocol version {PROTOCOL_VERSION}, the host spoke {}",
                PROTOCOL_VERSION + 1
            )
        ),
        other => panic!("{other:?}"),
    }
    s.handle(hello(PROTOCOL_VERSION), &mut b);
    assert!(matches!(
        s.handle(Request::Status, &mut b),
        Response::Status(_)
    ));
}

#[test]
fn rules_arrive_in_chunks_and_apply_whole() {
    let mut b = Fake::default();
    let mut s = Session::new();
    s.handle(hello(PROTOCOL_VERSION), &mut b);
    let text: Vec<u8> = (0..40_000).map(|i| b'a' + (i % 26) as u8).collect();
    let reqs = chunks(&text, 16 * 1024, true);
    assert_eq!(reqs.len(), 3);
    assert_eq!(
        s.handle(reqs[0].clone(), &mut b),
        Response::RulesReceived { received: 16_384 }
    );
    // A repeated chunk (its answer was lost) is acknowledged again, not taken twice.
    assert_eq!(
        s.handle(reqs[0].clone(), &mut b),
        Response::RulesReceived { received: 16_384 }
    );
    s.handle(reqs[1].clone(), &mut b);
    assert_eq!(b.applied, 0, "nothing applied before the last byte");
    assert_eq!(
        s.handle(reqs[2].clone(), &mut b),
        Response::RulesApplied {
            bytes: 40_000,
            crc: crc32(&text)
        }
    );
    assert_eq!(b.rules, text);
    // The last chunk repeated (its answer was lost) gets the same answer, and is not applied
    // twice.
    assert_eq!(
        s.handle(reqs[2].clone(), &mut b),
        Response::RulesApplied {
            bytes: 40_000,
            crc: crc32(&text)
        }
    );
    assert_eq!(b.applied, 1);
}

#[test]
fn bad_rules_are_rejected_whole_and_a_check_applies_nothing() {
    let mut b = Fake::default();
    let mut s = Session::new();
    s.handle(hello(PROTOCOL_VERSION), &mut b);
    for r in chunks(b"bad rules", 4, true) {
        let answer = s.handle(r, &mut b);
        if let Response::RulesRejected { reason } = answer {
            assert_eq!(reason, "rules.toml:1: bad");
        }
    }
    assert_eq!(b.applied, 0);
    let good = b"# good\n";
    let answer = s.handle(chunks(good, 100, false)[0].clone(), &mut b);
    assert_eq!(
        answer,
        Response::RulesValid {
            bytes: good.len() as u32,
            crc: crc32(good)
        }
    );
    assert_eq!(b.applied, 0);
}

#[test]
fn chunks_out_of_order_or_of_another_file_are_refused() {
    let mut b = Fake::default();
    let mut s = Session::new();
    s.handle(hello(PROTOCOL_VERSION), &mut b);
    let text = vec![b'x'; 100];
    let reqs = chunks(&text, 40, true);
    // A middle chunk with no start.
    assert_eq!(
        code(&s.handle(reqs[1].clone(), &mut b)),
        Some(ErrorCode::BadRequest)
    );
    s.handle(reqs[0].clone(), &mut b);
    // A gap.
    assert_eq!(
        code(&s.handle(reqs[2].clone(), &mut b)),
        Some(ErrorCode::BadRequest)
    );
    // A chunk of another file (another CRC) ends the upload.
    let other = chunks(&[b'y'; 100], 40, true);
    assert_eq!(
        code(&s.handle(other[1].clone(), &mut b)),
        Some(ErrorCode::BadRequest)
    );
    assert_eq!(
        code(&s.handle(reqs[1].clone(), &mut b)),
        Some(ErrorCode::BadRequest)
    );
    // A file that arrives damaged (CRC mismatch at the end) is rejected.
    let mut damaged = chunks(&text, 100, true);
    if let Request::PutRules(c) = &mut damaged[0] {
        c.data[5] = b'z';
    }
    match s.handle(damaged[0].clone(), &mut b) {
        Response::RulesRejected { reason } => assert!(reason.contains("CRC"), "{reason}"),
        other => panic!("{other:?}"),
    }
    // Too large.
    let huge = Request::PutRules(RulesChunk {
        offset: 0,
        total: 5 * 1024 * 1024,
        crc: 0,
        data: Vec::new(),
        apply: true,
    });
    assert!(matches!(
        s.handle(huge, &mut b),
        Response::RulesRejected { .. }
    ));
    assert_eq!(b.applied, 0);
}

#[test]
fn get_rules_pages_through_the_file() {
    let mut b = Fake {
        rules: (0..40_000u32).map(|i| i as u8).collect(),
        ..Fake::default()
    };
    let mut s = Session::new();
    s.handle(hello(PROTOCOL_VERSION), &mut b);
    let mut got = Vec::new();
    loop {
        match s.handle(
            Request::GetRules {
                offset: got.len() as u32,
            },
            &mut b,
        ) {
            Response::Rules(c) => {
                assert_eq!(c.offset as usize, got.len());
                assert_eq!(c.crc, crc32(&b.rules));
                got.extend_from_slice(&c.data);
                if got.len() == c.total as usize {
                    break;
                }
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(got, b.rules);
}
