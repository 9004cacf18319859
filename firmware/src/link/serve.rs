//! Serving the link on a byte stream (the USB serial gadget, a pty in tests, a TCP connection):
//! read bytes, delimit and check frames, answer each request, write the answer.
//!
//! A corrupt or unreadable frame gets no answer: the host times out and asks again, which every
//! request allows (pulls are idempotent, acks are monotonic, rules chunks are re-acknowledged).

use std::io::{self, ErrorKind, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use telltale_proto::frame::{self, FrameDecoder};
use telltale_proto::{Request, Response};

use super::backend::LinkBackend;
use super::session::Session;

/// Counters of one served connection, for the daemon's log and status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServeStats {
    /// Requests answered.
    pub requests: u64,
    /// Frames rejected (corrupt, too long, undecodable).
    pub rejected: u64,
}

/// Why serving a stream ended.
#[derive(Debug)]
pub enum Ended {
    /// The stop flag was raised.
    Stopped,
    /// The other end went away (end of file, hang-up).
    Disconnected,
}

/// Serves requests on `stream` until `stop` is raised, the stream ends, or it fails. The stream
/// must have a read timeout (so the stop flag is checked); a timeout is not an error.
pub fn serve_stream<S: Read + Write>(
    stream: &mut S,
    backend: &mut dyn LinkBackend,
    stop: &AtomicBool,
    stats: &mut ServeStats,
) -> io::Result<Ended> {
    let mut session = Session::new();
    let mut decoder = FrameDecoder::new();
    let mut buf = vec![0u8; 16 * 1024];
    let mut out = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let n = match stream.read(&mut buf) {
            Ok(0) => return Ok(Ended::Disconnected),
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => continue,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        out.clear();
        decoder.feed(&buf[..n], |result| {
            let Ok(payload) = result else {
                stats.rejected += 1;
                return;
            };
            let (id, request) = match frame::decode_message::<Request>(payload) {
                Ok(r) => r,
                Err(_) => {
                    stats.rejected += 1;
                    // A Hello from another protocol version still gets our Hello back, so
                    // the host can say which version the box speaks.
                    if let Some((id, v)) = telltale_proto::message::hello_version(payload) {
                        let hello = Request::Hello {
                            version: v,
                            client: String::new(),
                        };
                        answer(&mut session, id, hello, backend, &mut out, stats);
                    }
                    return;
                }
            };
            answer(&mut session, id, request, backend, &mut out, stats);
        });
        if !out.is_empty() {
            stream.write_all(&out)?;
            stream.flush()?;
        }
    }
    Ok(Ended::Stopped)
}

fn answer(
    session: &mut Session,
    id: u32,
    request: Request,
    backend: &mut dyn LinkBackend,
    out: &mut Vec<u8>,
    stats: &mut ServeStats,
) {
    let response = session.handle(request, backend);
    stats.requests += 1;
    if let Err(e) = frame::encode_into(id, &response, out) {
        // A response too large for a frame is a bug in batch sizing; say so to the host.
        let fallback = Response::Error {
            code: telltale_proto::ErrorCode::Internal,
            message: format!("response not sent: {e}"),
        };
        frame::encode_into(id, &fallback, out).expect("a short error always encodes");
    }
}
