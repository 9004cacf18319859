//! `capture::file::Frames::from_bytes` (pcap and pcapng) over arbitrary bytes, iterated to the
//! end, every frame's fields read. Checked: frames borrow from the file, files carry no port or
//! stripped VLAN tag, numbering counts the frames, the iterator ends after its one error, the
//! offset never passes the end (nor goes back), and errors are one line.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use telltale_firmware::capture::file::Frames;
use telltale_fuzz::is_within;

fuzz_target!(|data: &[u8]| {
    let mut frames = match Frames::from_bytes(data, Path::new("fuzz-input")) {
        Ok(frames) => frames,
        Err(e) => {
            assert!(!e.to_string().contains('\n'), "multi-line error: {e}");
            return;
        }
    };
    let mut count = 0u64;
    let mut offset = frames.offset();
    let mut failed = false;
    while let Some(frame) = frames.next() {
        assert!(!failed, "a frame after an error");
        match frame {
            Ok(frame) => {
                count += 1;
                assert!(is_within(data, frame.data), "frame bytes outside the file");
                assert!(frame.port.is_none() && frame.stripped_vlan.is_none());
                std::hint::black_box((frame.wire_len, frame.ts, frame.link));
            }
            Err(e) => {
                failed = true;
                assert!(!e.to_string().contains('\n'), "multi-line error: {e}");
            }
        }
        assert_eq!(frames.frame_number(), count);
        let now = frames.offset();
        assert!(now >= offset, "offset went back from {offset} to {now}");
        offset = now;
    }
    assert!(frames.next().is_none(), "the iterator is not fused");
    assert_eq!(frames.frame_number(), count);
    assert!(
        frames.offset() <= data.len() as u64,
        "offset past the input"
    );
});
