//! Every message survives the framing, whole, in pieces and amid garbage; corrupt frames are
//! rejected, never delivered as something else.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use telltale_proto::frame::{self, MAX_PAYLOAD};
use telltale_proto::message::hello_version;
use telltale_proto::*;

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn device(i: u64) -> DeviceInfo {
    DeviceInfo {
        mac: [0x64, 0x09, 0x80, 0x4c, (i >> 8) as u8, i as u8],
        ips: vec![
            IpAddr::V4(Ipv4Addr::new(192, 168, 50, (i % 250) as u8 + 2)),
            IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0x50, 0, 0, 0, 0, i as u16)),
        ],
        hostname: Some(format!("Redmi-Note-{i}")),
        vendor: if i % 3 == 0 {
            None
        } else {
            Some("Xiaomi Communications Co Ltd".into())
        },
    }
}

fn destination(i: u64) -> DestinationInfo {
    DestinationInfo {
        name: Some(format!("tracking{i}.miui.com")),
        ip: IpAddr::V4(Ipv4Addr::new(203, 0, 113, (i % 200) as u8)),
        asn: Some(13335 + i as u32),
        org: Some("Example Org, \u{e9}t\u{e9} \u{1f4f1}".into()),
        country: Some(*b"SG"),
    }
}

fn summary(seq: u64) -> SummaryRecord {
    SummaryRecord {
        seq,
        window_start: 1_795_000_000_000 + seq * 60_000,
        window_end: 1_795_000_060_000 + seq * 60_000,
        device: device(seq),
        destination: destination(seq),
        proto: match seq % 3 {
            0 => Transport::Tcp,
            1 => Transport::Udp,
            _ => Transport::Other(47),
        },
        bytes_up: seq * 1_000_003,
        bytes_down: u64::MAX - seq,
        pkts_up: seq,
        pkts_down: seq * 2,
        flows: (seq % 17) as u32,
        verdict: [Verdict::Ok, Verdict::Notice, Verdict::Suspicious][(seq % 3) as usize],
        rules: if seq % 2 == 0 {
            vec![]
        } else {
            vec!["watched_upload".into(), "large_upload".into()]
        },
    }
}

fn alert(seq: u64) -> AlertRecord {
    AlertRecord {
        seq,
        ts: 1_795_000_000_000 + seq,
        device: device(seq),
        destination: destination(seq),
        rule: "watched_upload".into(),
        severity: Verdict::Suspicious,
        reasons: vec![
            "watched: xiaomi telemetry (tracking.miui.com)".into(),
            "509 kB up".into(),
        ],
        bytes_up: 509_000,
        bytes_down: 4_000,
    }
}

fn status() -> Status {
    Status {
        firmware: "telltaled 0.1.0".into(),
        uptime_s: 86_400,
        clock_ms: 1_795_000_000_000,
        clock_set: true,
        indicator: "alert latched".into(),
        alert_latched: true,
        lan: PortStatus {
            name: "eth1".into(),
            state: PortState::Up,
            frames: 10,
            drops: 0,
        },
        wan: PortStatus {
            name: "eth0".into(),
            state: PortState::Missing,
            frames: 0,
            drops: 3,
        },
        frames: 10,
        skipped: 1,
        devices: 4,
        flows: 60,
        alerts: 2,
        last_alert_seq: 2,
        journal: JournalRange {
            first_seq: 1,
            last_seq: 500,
            acked_seq: 400,
            bytes: 1 << 20,
            cap_bytes: 64 << 20,
            lost: 0,
        },
        rules_crc: 0xdead_beef,
    }
}

fn chunk(len: usize) -> RulesChunk {
    let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
    RulesChunk {
        offset: 16_384,
        total: 40_000,
        crc: 0x1234_5678,
        data,
        apply: len % 2 == 0,
    }
}

fn requests() -> Vec<Request> {
    vec![
        Request::Hello {
            version: PROTOCOL_VERSION,
            client: "telltale 0.1.0".into(),
        },
        Request::Status,
        Request::Pull {
            after_seq: u64::MAX - 1,
            max: 512,
        },
        Request::Ack { upto_seq: 0 },
        Request::Alerts { after: 7, max: 64 },
        Request::AckAlerts { upto: 9 },
        Request::SetTime {
            unix_ms: 1_795_000_000_123,
        },
        Request::PutRules(chunk(message::RULES_CHUNK)),
        Request::PutRules(chunk(0)),
        Request::GetRules { offset: 0 },
    ]
}

fn responses() -> Vec<Response> {
    vec![
        Response::Hello {
            version: PROTOCOL_VERSION,
            firmware: "telltaled 0.1.0".into(),
            box_id: "02:74:74:00:00:03".into(),
        },
        Response::Status(Box::new(status())),
        Response::Batch {
            records: (1..=200).map(summary).collect(),
            last_seq: 200,
            more: true,
        },
        Response::Batch {
            records: vec![],
            last_seq: 200,
            more: false,
        },
        Response::Acked { upto_seq: 200 },
        Response::AlertBatch {
            alerts: (1..=5).map(alert).collect(),
            last: 5,
            more: false,
        },
        Response::AlertsAcked {
            upto: 5,
            latched: false,
        },
        Response::TimeSet { previous_ms: 0 },
        Response::RulesReceived { received: 16_384 },
        Response::RulesApplied {
            bytes: 40_000,
            crc: 1,
        },
        Response::RulesValid { bytes: 1, crc: 2 },
        Response::RulesRejected {
            reason: "rules.toml:12: watch.domains: \"\" is not a domain".into(),
        },
        Response::Rules(chunk(100)),
        Response::Error {
            code: ErrorCode::Version,
            message: "the box speaks protocol version 2".into(),
        },
    ]
}

/// Decodes every frame in `bytes` fed in pieces of the sizes `pieces` gives.
fn decode_all<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    mut pieces: impl FnMut() -> usize,
) -> (Vec<T>, Vec<FrameError>) {
    let mut decoder = FrameDecoder::new();
    let mut good = Vec::new();
    let mut bad = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let n = pieces().clamp(1, rest.len());
        decoder.feed(&rest[..n], |r| match r {
            Ok(payload) => good.push(decode_message::<T>(payload).expect("message decodes").1),
            Err(e) => bad.push(e),
        });
        rest = &rest[n..];
    }
    (good, bad)
}

#[test]
fn every_request_and_response_round_trips_whole() {
    for req in requests() {
        let bytes = encode(7, &req).unwrap();
        assert_eq!(bytes.iter().filter(|&&b| b == 0).count(), 2, "{req:?}");
        assert!(frame::encoded_len(&req).unwrap() >= bytes.len());
        let (got, bad) = decode_all::<Request>(&bytes, || usize::MAX);
        assert!(bad.is_empty());
        assert_eq!(got, vec![req]);
    }
    for resp in responses() {
        let bytes = encode(u32::MAX, &resp).unwrap();
        let (got, bad) = decode_all::<Response>(&bytes, || usize::MAX);
        assert!(bad.is_empty());
        assert_eq!(got, vec![resp]);
    }
}

#[test]
fn a_stream_decodes_the_same_in_any_pieces() {
    let all = responses();
    let mut stream = Vec::new();
    for r in &all {
        frame::encode_into(1, r, &mut stream).unwrap();
    }
    let (one_by_one, bad) = decode_all::<Response>(&stream, || 1);
    assert!(bad.is_empty());
    assert_eq!(one_by_one, all);
    let mut rng = Rng(0x5eed);
    for _ in 0..50 {
        let (got, bad) = decode_all::<Response>(&stream, || rng.below(300) as usize + 1);
        assert!(bad.is_empty());
        assert_eq!(got, all);
    }
}

#[test]
fn garbage_between_frames_is_reported_and_the_next_frame_is_clean() {
    let reqs = requests();
    let mut rng = Rng(42);
    let mut stream = Vec::new();
    for r in &reqs {
        // Garbage with no zero (a cable plugged mid-frame), then the frame (which starts with
        // a delimiter, so the garbage ends there as one rejected frame).
        for _ in 0..rng.below(40) + 1 {
            stream.push(rng.below(255) as u8 + 1);
        }
        frame::encode_into(1, r, &mut stream).unwrap();
    }
    let (got, bad) = decode_all::<Request>(&stream, || 7);
    assert_eq!(got, reqs, "every real frame survives");
    assert_eq!(
        bad.len(),
        reqs.len(),
        "each garbage run is one rejected frame"
    );
}

#[test]
fn any_single_corrupt_byte_is_rejected_never_misread() {
    let resp = Response::Batch {
        records: (1..=3).map(summary).collect(),
        last_seq: 3,
        more: false,
    };
    let good = encode(300, &resp).unwrap();
    let follower = encode(301, &Response::Acked { upto_seq: 3 }).unwrap();
    let mut rng = Rng(7);
    for at in 0..good.len() {
        for _ in 0..3 {
            let mut bytes = good.clone();
            let flip = (rng.below(255) + 1) as u8;
            bytes[at] ^= flip;
            bytes.extend_from_slice(&follower);
            let mut decoder = FrameDecoder::new();
            let mut delivered = Vec::new();
            decoder.feed(&bytes, |r| {
                if let Ok(p) = r {
                    let (_, msg) =
                        decode_message::<Response>(p).expect("a delivered frame decodes");
                    delivered.push(msg);
                }
            });
            // The corrupted frame is never delivered (a CRC-32 catches every single-byte error),
            // and the frame after it always is.
            assert_eq!(
                delivered.last(),
                Some(&Response::Acked { upto_seq: 3 }),
                "byte {at}"
            );
            assert!(!delivered.contains(&resp), "corrupt byte {at} got through");
            assert!(delivered.len() <= 2);
        }
    }
}

#[test]
fn over_long_frames_are_dropped_and_counted() {
    let mut stream = vec![0u8];
    stream.extend(std::iter::repeat_n(0x55, MAX_PAYLOAD * 2));
    frame::encode_into(1, &Request::Status, &mut stream).unwrap();
    let mut decoder = FrameDecoder::new();
    let mut errors = Vec::new();
    let mut good = Vec::new();
    for piece in stream.chunks(4096) {
        decoder.feed(piece, |r| match r {
            Ok(p) => good.push(decode_message::<Request>(p).unwrap().1),
            Err(e) => errors.push(e),
        });
    }
    assert_eq!(good, vec![Request::Status]);
    assert_eq!(
        errors,
        vec![FrameError::TooLong {
            dropped: MAX_PAYLOAD * 2
        }]
    );
    assert_eq!(decoder.stats().frames, 1);
    assert_eq!(decoder.stats().rejected, 1);
}

#[test]
fn errors_read_as_one_line() {
    let mut decoder = FrameDecoder::new();
    let mut msgs = Vec::new();
    // A frame whose CRC is wrong: COBS of [1, 2, 3, 4, 5] (payload [1], CRC bytes 2..5).
    decoder.feed(&[0x06, 1, 2, 3, 4, 5, 0], |r| {
        msgs.push(r.unwrap_err().to_string())
    });
    decoder.feed(&[0x03, 1, 2, 0], |r| msgs.push(r.unwrap_err().to_string()));
    decoder.feed(&[0x05, 1, 0], |r| msgs.push(r.unwrap_err().to_string()));
    assert_eq!(
        msgs,
        [
            "corrupt frame: CRC a505df1b does not match the 05040302 it carries",
            "frame of 2 bytes is too short to hold its CRC",
            "bad frame encoding: COBS code byte at 0 runs past the end of the frame",
        ]
    );
}

#[test]
fn hello_version_reads_any_version() {
    for version in [0u16, 1, 127, 128, 300, u16::MAX] {
        let req = Request::Hello {
            version,
            client: "x".into(),
        };
        let payload = postcard::to_allocvec(&(70_000u32, &req)).unwrap();
        assert_eq!(hello_version(&payload), Some((70_000, version)));
        let resp = Response::Hello {
            version,
            firmware: "y".into(),
            box_id: "z".into(),
        };
        let payload = postcard::to_allocvec(&(1u32, &resp)).unwrap();
        assert_eq!(hello_version(&payload), Some((1, version)));
    }
    let status = postcard::to_allocvec(&(1u32, Request::Status)).unwrap();
    assert_eq!(hello_version(&status), None);
    // A future Hello (id 5) with fields we do not know still yields its version.
    let future = [5u8, 0, 0x82, 0x01, 0xff, 0xff, 0x13];
    assert_eq!(hello_version(&future), Some((5, 130)));
}

#[test]
fn a_record_batch_of_a_thousand_fits_in_one_frame() {
    let resp = Response::Batch {
        records: (1..=1000).map(summary).collect(),
        last_seq: 1000,
        more: false,
    };
    let bytes = encode(u32::MAX, &resp).unwrap();
    assert!(bytes.len() < MAX_PAYLOAD, "{} bytes", bytes.len());
    let (got, _) = decode_all::<Response>(&bytes, || 4096);
    assert_eq!(got, vec![resp]);
}
