//! HTTP/1.x request heads (RFC 9112 sections 2-3 and 5, RFC 9110 section 7.2): enough to name a
//! destination by its `Host` header and to find where the next pipelined request starts. Also
//! SSDP (UPnP device discovery over UDP port 1900), which is HTTP/1.1 syntax with its own methods
//! (`M-SEARCH * HTTP/1.1`, `NOTIFY * HTTP/1.1`).
//!
//! `parse_request_head(buf)` looks at the start of a client-to-server byte stream (or one UDP
//! payload) and answers `Complete` (with borrowed method, target, version, Host, and the framing
//! headers), `Incomplete` (every byte so far fits a request head, more are needed), or `NotHttp`.
//! The caller owns reassembly: it calls again with more bytes, or after a complete request with
//! `&buf[head_len + body_len..]` for the next pipelined one.
//!
//! Leniency, like tshark and common servers: bare LF line ends; header names in any case;
//! obs-fold continuation lines (RFC 9112 section 5.2) are accepted and skipped, so a folded Host
//! keeps only its first line; header lines without a colon are skipped. `Host` is the first Host
//! header's value as sent, surrounding blanks trimmed (tshark's `http.host`, e.g.
//! `239.255.255.250:1900`). Heads over `MAX_HEAD_LEN` bytes are an error.

use super::{Result, WireError};

/// Largest request head accepted (request line, headers and the blank line).
pub const MAX_HEAD_LEN: usize = 16 * 1024;

/// Request methods recognised: RFC 9110 section 9, PATCH (RFC 5789), WebDAV (RFC 4918, 3253,
/// 3744, 4791, 5842), SSDP/GENA (UPnP), and others tshark's HTTP dissector knows.
pub const METHODS: &[&[u8]] = &[
    b"GET",
    b"POST",
    b"HEAD",
    b"PUT",
    b"DELETE",
    b"OPTIONS",
    b"CONNECT",
    b"TRACE",
    b"PATCH",
    b"M-SEARCH",
    b"NOTIFY",
    b"SUBSCRIBE",
    b"UNSUBSCRIBE",
    b"PROPFIND",
    b"PROPPATCH",
    b"MKCOL",
    b"COPY",
    b"MOVE",
    b"LOCK",
    b"UNLOCK",
    b"SEARCH",
    b"REPORT",
    b"CHECKOUT",
    b"CHECKIN",
    b"UNCHECKOUT",
    b"MERGE",
    b"MKACTIVITY",
    b"MKWORKSPACE",
    b"VERSION-CONTROL",
    b"BASELINE-CONTROL",
    b"UPDATE",
    b"LABEL",
    b"ORDERPATCH",
    b"ACL",
    b"MKCALENDAR",
    b"BIND",
    b"UNBIND",
    b"REBIND",
    b"POLL",
    b"BCOPY",
    b"BDELETE",
    b"BMOVE",
    b"BPROPFIND",
    b"BPROPPATCH",
    b"RPC_IN_DATA",
    b"RPC_OUT_DATA",
    b"PURGE",
];

/// A complete request head, borrowed from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    /// Method token, e.g. `GET` or `M-SEARCH`.
    pub method: &'a [u8],
    /// Request target as sent: `/path?q`, `*`, `host:port` (CONNECT) or an absolute URI.
    pub target: &'a [u8],
    /// Protocol version as sent, e.g. `HTTP/1.1`.
    pub version: &'a [u8],
    /// The first Host header's value, blanks trimmed.
    pub host: Option<&'a [u8]>,
    /// Bytes from the start of `buf` to just after the blank line ending the head.
    pub head_len: usize,
    /// Content-Length, if present.
    pub content_length: Option<u64>,
    /// True when the last transfer coding is `chunked` (then Content-Length is ignored).
    pub chunked: bool,
}

/// What `parse_request_head` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadStatus<'a> {
    /// A whole request head.
    Complete(Request<'a>),
    /// Everything so far fits a request head; more bytes are needed.
    Incomplete,
    /// These bytes cannot start an HTTP/1.x request.
    NotHttp,
}

/// Parses the request head at the start of `buf`. Errors: a head longer than `MAX_HEAD_LEN`, or a
/// Content-Length that is not a number (or two that disagree), since the caller could not find
/// the next request after it.
pub fn parse_request_head(buf: &[u8]) -> Result<HeadStatus<'_>> {
    // RFC 9112 section 2.2: ignore empty lines before the request line (some clients send a
    // CRLF after a POST body). They count in `head_len`.
    let skip = buf
        .iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .count();
    if skip > MAX_HEAD_LEN {
        return Err(WireError::Malformed("HTTP head longer than 16 KiB"));
    }
    Ok(match parse_head_at(&buf[skip..])? {
        HeadStatus::Complete(r) => HeadStatus::Complete(Request {
            head_len: r.head_len + skip,
            ..r
        }),
        other => other,
    })
}

fn parse_head_at(buf: &[u8]) -> Result<HeadStatus<'_>> {
    let (line, mut at) = match next_line(buf, 0) {
        Some(found) => found,
        None => {
            if buf.len() >= MAX_HEAD_LEN {
                return Err(WireError::Malformed("HTTP request line longer than 16 KiB"));
            }
            return Ok(if could_start_request_line(buf) {
                HeadStatus::Incomplete
            } else {
                HeadStatus::NotHttp
            });
        }
    };
    let Some((method, target, version)) = split_request_line(line) else {
        return Ok(HeadStatus::NotHttp);
    };
    let mut request = Request {
        method,
        target,
        version,
        host: None,
        head_len: 0,
        content_length: None,
        chunked: false,
    };
    loop {
        let Some((line, next)) = next_line(buf, at) else {
            if buf.len() >= MAX_HEAD_LEN {
                return Err(WireError::Malformed("HTTP head longer than 16 KiB"));
            }
            return Ok(HeadStatus::Incomplete);
        };
        if next > MAX_HEAD_LEN {
            return Err(WireError::Malformed("HTTP head longer than 16 KiB"));
        }
        at = next;
        if line.is_empty() {
            request.head_len = at;
            return Ok(HeadStatus::Complete(request));
        }
        if line[0] == b' ' || line[0] == b'\t' {
            continue; // obs-fold continuation of the previous header
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], trim(&line[colon + 1..]));
        if name.eq_ignore_ascii_case(b"host") {
            request.host.get_or_insert(value);
        } else if name.eq_ignore_ascii_case(b"content-length") {
            let length = parse_decimal(value)
                .ok_or(WireError::Malformed("HTTP Content-Length not a number"))?;
            if request.content_length.is_some_and(|l| l != length) {
                return Err(WireError::Malformed("HTTP Content-Length values differ"));
            }
            request.content_length = Some(length);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            let last = value.rsplit(|&b| b == b',').next().unwrap_or(value);
            request.chunked = trim(last).eq_ignore_ascii_case(b"chunked");
        }
    }
}

/// The line starting at `from` (without CR LF or LF) and the offset after its LF.
fn next_line(buf: &[u8], from: usize) -> Option<(&[u8], usize)> {
    let rest = buf.get(from..)?;
    let lf = rest.iter().position(|&b| b == b'\n')?;
    let line = &rest[..lf];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Some((line, from + lf + 1))
}

fn trim(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

fn parse_decimal(v: &[u8]) -> Option<u64> {
    if v.is_empty() {
        return None;
    }
    v.iter().try_fold(0u64, |n, &b| {
        b.is_ascii_digit().then_some(())?;
        n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

fn is_method(token: &[u8]) -> bool {
    METHODS.contains(&token)
}

/// A request target: visible ASCII or non-ASCII bytes, no blanks or controls.
fn is_target_byte(b: u8) -> bool {
    b > b' ' && b != 0x7f
}

/// `HTTP/` DIGIT `.` DIGIT (RFC 9112 section 2.3).
fn is_version(v: &[u8]) -> bool {
    matches!(v, [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
        if major.is_ascii_digit() && minor.is_ascii_digit())
}

/// `method SP target SP version`, tolerating several blanks between the parts and after the
/// version, but none before the method (a line starting with a blank is not a request line).
fn split_request_line(line: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    if line.first() == Some(&b' ') {
        return None;
    }
    let mut parts = line.split(|&b| b == b' ').filter(|p| !p.is_empty());
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    let ok = parts.next().is_none()
        && is_method(method)
        && target.iter().all(|&b| is_target_byte(b))
        && is_version(version);
    ok.then_some((method, target, version))
}

/// True when `partial` (no LF yet) is a prefix of some valid request line.
fn could_start_request_line(partial: &[u8]) -> bool {
    let partial = partial.strip_suffix(b"\r").unwrap_or(partial);
    let Some(sp) = partial.iter().position(|&b| b == b' ') else {
        return METHODS.iter().any(|m| m.starts_with(partial));
    };
    if !is_method(&partial[..sp]) {
        return false;
    }
    let rest = &partial[sp..];
    let rest = &rest[rest.iter().take_while(|&&b| b == b' ').count()..];
    let Some(sp) = rest.iter().position(|&b| b == b' ') else {
        return rest.iter().all(|&b| is_target_byte(b));
    };
    if !rest[..sp].iter().all(|&b| is_target_byte(b)) {
        return false;
    }
    let version = &rest[sp..];
    let version = &version[version.iter().take_while(|&&b| b == b' ').count()..];
    // Blanks after the version end the line's tokens (`split_request_line` skips them): the
    // version before them must then be whole, and nothing else may follow.
    if let Some(blank) = version.iter().position(|&b| b == b' ') {
        return is_version(&version[..blank]) && version[blank..].iter().all(|&b| b == b' ');
    }
    let template = b"HTTP/1.1";
    version.len() <= template.len()
        && version
            .iter()
            .zip(template)
            .enumerate()
            .all(|(i, (&b, &t))| {
                if i == 5 || i == 7 {
                    b.is_ascii_digit()
                } else {
                    b == t
                }
            })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// zeek__pipelined-requests.pcap frames 4 and 6: two GETs, sent back to back on one
    /// connection (concatenated here as they arrive in the reassembled stream).
    const PIPELINED: &[u8] = b"GET /style/enhanced.css HTTP/1.1\r\n\
Host: www.mozilla.org\r\n\
User-Agent: Mozilla/5.0 (Windows; U; Windows NT 5.1; en-US; rv:1.9.1.5) Gecko/20091102 Firefox/3.5.5\r\n\
Accept: text/css,*/*;q=0.1\r\n\
Accept-Language: en-us,en;q=0.5\r\n\
Accept-Encoding: gzip,deflate\r\n\
Accept-Charset: ISO-8859-1,utf-8;q=0.7,*;q=0.7\r\n\
Keep-Alive: 300\r\n\
Connection: keep-alive\r\n\
Referer: http://www.mozilla.org/projects/calendar/\r\n\
\r\n\
GET /script/urchin.js HTTP/1.1\r\n\
Host: www.mozilla.org\r\n\
User-Agent: Mozilla/5.0 (Windows; U; Windows NT 5.1; en-US; rv:1.9.1.5) Gecko/20091102 Firefox/3.5.5\r\n\
Accept: */*\r\n\
Accept-Language: en-us,en;q=0.5\r\n\
Accept-Encoding: gzip,deflate\r\n\
Accept-Charset: ISO-8859-1,utf-8;q=0.7,*;q=0.7\r\n\
Keep-Alive: 300\r\n\
Connection: keep-alive\r\n\
Referer: http://www.mozilla.org/projects/calendar/\r\n\
\r\n";

    /// nDPI__http-lines-split.pcap: frame 4 (38 bytes) and frame 6 (29 bytes) of one request.
    const SPLIT_1: &[u8] = b"GET / HTTP/1.1\r\nHost: toni.lan:31337\r\n";
    const SPLIT_2: &[u8] = b"User-Agent: uclient-fetch\r\n\r\n";

    /// zeek__home-multicast-short.pcap frame 5: an SSDP search over UDP 1900.
    const SSDP: &[u8] = b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n\
MAN: \"ssdp:discover\"\r\nMX: 1\r\nST: urn:dial-multiscreen-org:service:dial:1\r\n\r\n";

    fn complete(buf: &[u8]) -> Request<'_> {
        match parse_request_head(buf) {
            Ok(HeadStatus::Complete(r)) => r,
            other => panic!("not complete: {other:?}"),
        }
    }

    #[test]
    fn pipelined_requests_one_after_another() {
        let first = complete(PIPELINED);
        assert_eq!(first.method, b"GET");
        assert_eq!(first.target, b"/style/enhanced.css");
        assert_eq!(first.version, b"HTTP/1.1");
        assert_eq!(first.host, Some(&b"www.mozilla.org"[..]));
        assert_eq!(first.head_len, 394); // frame 4's TCP payload length
        assert_eq!((first.content_length, first.chunked), (None, false));
        let second = complete(&PIPELINED[first.head_len..]);
        assert_eq!(second.target, b"/script/urchin.js");
        assert_eq!(second.head_len, 377); // frame 6's TCP payload length
        assert_eq!(first.head_len + second.head_len, PIPELINED.len());
    }

    #[test]
    fn split_head_is_incomplete_until_the_blank_line() {
        let mut stream: heapless::Vec<u8, 128> = heapless::Vec::new();
        stream.extend_from_slice(SPLIT_1).unwrap();
        // Every prefix of the request, including frame 4 alone, needs more bytes.
        for len in 0..=SPLIT_1.len() {
            assert_eq!(
                parse_request_head(&stream[..len]),
                Ok(HeadStatus::Incomplete),
                "{len}"
            );
        }
        stream.extend_from_slice(SPLIT_2).unwrap();
        for len in SPLIT_1.len()..stream.len() {
            assert_eq!(
                parse_request_head(&stream[..len]),
                Ok(HeadStatus::Incomplete),
                "{len}"
            );
        }
        let r = complete(&stream);
        assert_eq!(r.host, Some(&b"toni.lan:31337"[..]));
        assert_eq!(r.head_len, stream.len());
    }

    #[test]
    fn ssdp_search_and_every_prefix() {
        let r = complete(SSDP);
        assert_eq!(r.method, b"M-SEARCH");
        assert_eq!(r.target, b"*");
        assert_eq!(r.host, Some(&b"239.255.255.250:1900"[..]));
        for len in 0..SSDP.len() {
            assert_eq!(parse_request_head(&SSDP[..len]), Ok(HeadStatus::Incomplete));
        }
    }

    #[test]
    fn bare_lf_case_blanks_and_fold() {
        let buf = b"NOTIFY * HTTP/1.1\nhOsT:   example.org:8080 \t\nX-Fold: a\n b\nnocolon\n\nrest";
        let r = complete(buf);
        assert_eq!(r.host, Some(&b"example.org:8080"[..]));
        assert_eq!(r.head_len, buf.len() - 4);
        // A folded Host keeps its first line.
        let r = complete(b"GET / HTTP/1.0\r\nHost: a.example\r\n .b\r\n\r\n");
        assert_eq!(r.host, Some(&b"a.example"[..]));
    }

    #[test]
    fn empty_lines_before_the_request_are_skipped() {
        let r = complete(b"\r\n\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
        assert_eq!(
            (r.method, r.host, r.head_len),
            (&b"GET"[..], Some(&b"h"[..]), 3 + 16 + 9 + 2)
        );
        assert_eq!(parse_request_head(b"\r\n"), Ok(HeadStatus::Incomplete));
    }

    #[test]
    fn framing_headers() {
        let r = complete(b"POST /x HTTP/1.1\r\nContent-Length: 12\r\ncontent-length: 12\r\n\r\n");
        assert_eq!(r.content_length, Some(12));
        let r = complete(b"POST /x HTTP/1.1\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n");
        assert!(r.chunked);
        let bad = parse_request_head(b"POST /x HTTP/1.1\r\nContent-Length: 1x\r\n\r\n");
        assert!(bad.is_err());
        let bad = parse_request_head(
            b"POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        );
        assert!(bad.is_err());
        let huge =
            parse_request_head(b"POST /x HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n");
        assert!(huge.is_err());
    }

    #[test]
    fn not_http() {
        for buf in [
            &b"\x16\x03\x01\x02\x00"[..], // a TLS record
            b"HTTP/1.1 200 OK\r\n\r\n",   // a response
            b"GETS / HTTP/1.1\r\n",       // unknown method
            b"GET /a b HTTP/1.1\r\n",     // blank inside the target
            b"GET / HTTP/x.1\r\n",        // bad version
            b"GET / FTP/1.0",             // bad version, line not finished
            b"get / HTTP/1.1\r\n\r\n",    // methods are case-sensitive
            b"GET /\x01 HTTP/1.1",        // control byte in the target
        ] {
            assert_eq!(parse_request_head(buf), Ok(HeadStatus::NotHttp), "{buf:?}");
        }
    }

    /// Found by the `http` fuzz target: a request line with blanks after the version is a
    /// valid head, but a segment ending in those blanks was taken for "not HTTP", so the engine
    /// stopped reading the stream before its Host header.
    #[test]
    fn prefix_ending_in_blanks_after_the_version_is_incomplete() {
        let head = b"GET /generate_204 HTTP/1.1  \r\nHost: h\r\n\r\n";
        assert_eq!(complete(head).host, Some(&b"h"[..]));
        for cut in 1..head.len() {
            assert_eq!(
                parse_request_head(&head[..cut]),
                Ok(HeadStatus::Incomplete),
                "{:?}",
                String::from_utf8_lossy(&head[..cut])
            );
        }
        // Blanks after an unfinished version, or a fourth token, still end the request.
        assert_eq!(
            parse_request_head(b"GET / HTTP/1 "),
            Ok(HeadStatus::NotHttp)
        );
        assert_eq!(
            parse_request_head(b"GET / HTTP/1.1 x"),
            Ok(HeadStatus::NotHttp)
        );
    }

    /// Found by the `http` fuzz target: blanks before the method were accepted in a whole line
    /// but refused in a partial one (so the answer depended on where a segment ended). A
    /// request line starts with its method.
    #[test]
    fn blanks_before_the_method_are_not_http() {
        for buf in [&b" "[..], b"  GET", b" GET / HTTP/1.1\r\n\r\n"] {
            assert_eq!(parse_request_head(buf), Ok(HeadStatus::NotHttp), "{buf:?}");
        }
    }

    #[test]
    fn oversized_head_is_an_error() {
        let mut buf = [b'a'; MAX_HEAD_LEN + 64];
        buf[..18].copy_from_slice(b"GET / HTTP/1.1\r\nX:");
        assert!(parse_request_head(&buf).is_err());
        // The same head cut below the limit is still only incomplete.
        assert_eq!(parse_request_head(&buf[..1000]), Ok(HeadStatus::Incomplete));
        // A target that never ends.
        let mut long = [b'a'; MAX_HEAD_LEN];
        long[..4].copy_from_slice(b"GET ");
        assert!(parse_request_head(&long).is_err());
    }
}
