//! `wire::quic::Frames` on raw plaintext (what a decrypted Initial holds). Checked: the walk
//! advances and stops after its first error, and CRYPTO data and CONNECTION_CLOSE reasons lie
//! inside the plaintext, within the 2^62 stream limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use telltale_firmware::wire::quic::{Frame, Frames, VARINT_MAX};
use telltale_fuzz::is_within;

fuzz_target!(|data: &[u8]| {
    let mut frames = Frames::new(data);
    let mut count = 0usize;
    let mut padding = 0usize;
    for frame in frames.by_ref() {
        count += 1;
        assert!(count <= data.len(), "frame walk does not advance");
        match frame {
            Ok(Frame::Padding { len }) => {
                assert!(len >= 1);
                padding += len;
                assert!(padding <= data.len(), "more padding than bytes");
            }
            Ok(Frame::Crypto {
                offset,
                data: chunk,
            }) => {
                assert!(is_within(data, chunk), "CRYPTO data outside the plaintext");
                assert!(offset + chunk.len() as u64 <= VARINT_MAX);
            }
            Ok(Frame::ConnectionClose { reason, .. }) => {
                assert!(is_within(data, reason), "reason outside the plaintext");
            }
            Ok(other) => {
                std::hint::black_box(other);
            }
            Err(_) => break,
        }
    }
    assert!(
        frames.next().is_none(),
        "the walk goes on after an error or the end"
    );
});
