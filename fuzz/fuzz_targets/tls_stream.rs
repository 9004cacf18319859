//! `wire::tls::scan_client_hello` on a client stream, as the engine calls it while segments
//! arrive: with a 16 KiB scratch on the whole stream and on every prefix of it (bounded), and
//! with a 64-byte scratch.
//!
//! Checked: `NeedMore` asks for more than it has; `Done` consumes bytes within the stream; a
//! prefix shorter than what the whole stream consumed asks for more (never gives up or errs),
//! and no more than that; a prefix at least that long gives the same answer; a small scratch
//! never finds a different ClientHello.
#![no_main]

use libfuzzer_sys::fuzz_target;
use telltale_firmware::wire::tls::{scan_client_hello, ClientHello, StreamStatus};

const SCRATCH_LEN: usize = 16 * 1024;

/// What a scan answered, owned so that it outlives the scratch it borrowed from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    NotTls,
    NeedMore(usize),
    TooLarge(usize),
    Done {
        version: u16,
        sni: Option<Vec<u8>>,
        ech: bool,
        extensions: u16,
        consumed: usize,
    },
    Error,
}

fn done(hello: ClientHello<'_>, consumed: usize) -> Answer {
    Answer::Done {
        version: hello.legacy_version,
        sni: hello.sni.map(<[u8]>::to_vec),
        ech: hello.ech,
        extensions: hello.extensions,
        consumed,
    }
}

fn scan(stream: &[u8], scratch: &mut [u8]) -> Answer {
    match scan_client_hello(stream, scratch) {
        Ok(StreamStatus::Done { hello, consumed }) => {
            assert!(
                consumed > 0 && consumed <= stream.len(),
                "consumed {consumed}"
            );
            done(hello, consumed)
        }
        Ok(StreamStatus::NeedMore { at_least }) => {
            assert!(at_least > stream.len(), "NeedMore asks for bytes it has");
            Answer::NeedMore(at_least)
        }
        Ok(StreamStatus::TooLarge { needed }) => Answer::TooLarge(needed),
        Ok(StreamStatus::NotTls) => Answer::NotTls,
        Err(_) => Answer::Error,
    }
}

fuzz_target!(|data: &[u8]| {
    let mut scratch = vec![0u8; SCRATCH_LEN];
    let whole = scan(data, &mut scratch);
    if let Answer::Done { consumed, .. } = whole {
        // Bounded so that large inputs stay fast: every cut up to 1024, then a few more.
        let cuts = (0..consumed.min(1024)).chain([consumed - 1, consumed, data.len()]);
        for cut in cuts {
            let prefix = scan(&data[..cut], &mut scratch);
            if cut < consumed {
                match prefix {
                    Answer::NeedMore(at_least) => assert!(
                        at_least <= consumed,
                        "prefix of {cut} asks for {at_least}, the hello ends at {consumed}"
                    ),
                    other => panic!("prefix of {cut} before the hello's end {consumed}: {other:?}"),
                }
            } else {
                assert_eq!(prefix, whole, "prefix of {cut} past the hello's end");
            }
        }
    } else {
        for cut in 0..data.len().min(1024) {
            scan(&data[..cut], &mut scratch);
        }
    }
    // A scratch too small for most ClientHellos.
    let mut small = [0u8; 64];
    let small_answer = scan(data, &mut small);
    if let Answer::Done { .. } = small_answer {
        assert_eq!(
            small_answer, whole,
            "a small scratch found another ClientHello"
        );
    }
});
