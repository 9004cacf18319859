//! `wire::http::parse_request_head`, repeated over what follows each complete head (body
//! skipped by Content-Length) as a pipelining client would send it, and on every prefix of the
//! first head. Checked: a complete head consumes bytes within the input, its fields borrow from
//! it, heads stay under `MAX_HEAD_LEN`, and a prefix of a complete head is never `NotHttp` (the
//! engine gives up on a stream that says `NotHttp` while its first segments arrive).
#![no_main]

use libfuzzer_sys::fuzz_target;
use telltale_firmware::wire::http::{parse_request_head, HeadStatus, Request, MAX_HEAD_LEN};
use telltale_fuzz::is_within;

fn check_request(input: &[u8], request: &Request<'_>) {
    assert!(request.head_len > 0, "a complete head must consume bytes");
    assert!(request.head_len <= input.len(), "head_len past the input");
    let head = &input[..request.head_len];
    for field in [request.method, request.target, request.version] {
        assert!(
            !field.is_empty() && is_within(head, field),
            "request line field outside the head"
        );
    }
    if let Some(host) = request.host {
        assert!(is_within(head, host), "Host outside the head");
    }
}

fuzz_target!(|data: &[u8]| {
    let first = parse_request_head(data);
    if let Ok(HeadStatus::Complete(request)) = first {
        // Every prefix of a complete head is Incomplete (or already complete, for bare-LF
        // heads whose blank line comes early), never NotHttp or an error.
        // Every cut in the request line (where segments of a slow client end), and the two
        // just before the end; bounded so that long heads stay fast.
        let skip = data
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        let line_end = skip + data[skip..].iter().position(|&b| b == b'\n').unwrap_or(0);
        let cuts = (1..=line_end.min(1024)).chain([
            request.head_len.saturating_sub(2),
            request.head_len.saturating_sub(1),
        ]);
        for cut in cuts.filter(|&c| c > 0 && c < request.head_len) {
            match parse_request_head(&data[..cut]) {
                Ok(HeadStatus::Incomplete | HeadStatus::Complete(_)) => {}
                other => panic!("prefix of {cut} bytes of a complete head: {other:?}"),
            }
        }
    }
    let mut rest = data;
    let mut heads = 0usize;
    loop {
        match parse_request_head(rest) {
            Ok(HeadStatus::Complete(request)) => {
                heads += 1;
                check_request(rest, &request);
                // Leading blank lines (up to 16 KiB) count in head_len too.
                assert!(request.head_len <= 2 * MAX_HEAD_LEN + 1);
                std::hint::black_box((request.chunked, request.content_length));
                let body = if request.chunked {
                    0
                } else {
                    request.content_length.unwrap_or(0)
                };
                let skip = (request.head_len as u64).saturating_add(body);
                let skip = usize::try_from(skip).unwrap_or(usize::MAX).min(rest.len());
                rest = &rest[skip..];
            }
            Ok(HeadStatus::Incomplete | HeadStatus::NotHttp) | Err(_) => break,
        }
    }
    assert!(heads <= data.len());
});
