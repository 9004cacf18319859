//! TCP: per-direction stream state, and the handshakes and heads we read from a stream
//! (TLS ClientHello, HTTP/1.x request heads, DNS over TCP).
//!
//! Each direction looks at its first payload bytes once and decides what it carries. While a
//! handshake or head is incomplete the bytes are reassembled by sequence number in a pooled
//! buffer; once it is read (or the stream is something else) the direction is `Done` and
//! further segments cost only their accounting. A segment that arrives in order while nothing
//! is buffered is parsed in place, without a copy.

use crate::event::{Event, SniTransport};
use crate::flow::key::{Endpoint, KeyDir};
use crate::flow::reasm::{Assembler, BufPool, Insert};
use crate::wire::{http, tls};

use super::datagram::emit_dns;
use super::readers::Readers;
use super::{Counters, FlowState, Out, Skip};
use crate::naming::NameSource;

/// What a direction of a TCP stream carries, as far as we read it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Mode {
    /// No payload seen yet.
    #[default]
    Unseen,
    /// A TLS handshake: looking for the ClientHello.
    Tls,
    /// HTTP/1.x requests: reading heads, skipping bodies.
    Http,
    /// DNS over TCP: length-prefixed messages.
    Dns,
    /// Nothing more to read in this direction.
    Done,
}

/// One direction of a TCP stream.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct StreamDir {
    mode: Mode,
    /// Sequence number of stream offset 0.
    isn: u32,
    seen_start: bool,
    asm: Assembler,
}

impl StreamDir {
    /// True once the direction has nothing more to read.
    pub(crate) fn is_done(&self) -> bool {
        self.mode == Mode::Done
    }

    /// A direction with nothing more to read (for tests).
    #[cfg(test)]
    pub(crate) fn done() -> Self {
        StreamDir {
            mode: Mode::Done,
            ..StreamDir::default()
        }
    }

    /// Gives a held reassembly buffer back.
    pub(crate) fn release(&mut self, pool: &mut BufPool) {
        self.asm.release(pool);
    }
}

/// The parts of a TCP segment the stream logic needs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Segment<'a> {
    pub(crate) src: Endpoint,
    pub(crate) dst: Endpoint,
    pub(crate) seq: u32,
    pub(crate) syn: bool,
    pub(crate) payload: &'a [u8],
}

/// How far a parse got through the bytes it was given.
enum Progress {
    /// Move the window forward by this many bytes (may exceed what was given: a body to skip)
    /// and keep reading.
    Advance(u64),
    /// Need more bytes before anything can be decided.
    NeedMore,
    /// Stop reading this direction.
    Stop,
}

/// Handles one TCP segment of a flow going `dir`.
pub(crate) fn on_segment(
    st: &mut FlowState,
    dir: KeyDir,
    seg: Segment<'_>,
    readers: &mut Readers,
    out: &mut Out<'_>,
) {
    let d = dir as usize;
    if seg.syn {
        // Where the direction's bytes start, kept in the flow: a connection takes a reader only
        // once it carries bytes (a scan's SYNs, unanswered or reset, never take one).
        st.stream_start[d] = seg.seq.wrapping_add(1);
        st.syn_seen |= 1 << d;
        return;
    }
    if seg.payload.is_empty() {
        return; // nothing to read: no reader taken for a bare acknowledgement
    }
    let Some((streams, pool)) = readers.tcp(&mut st.reader, out.counters) else {
        return;
    };
    let start = (st.syn_seen & 1 << d != 0).then_some(st.stream_start[d]);
    on_stream(st, &mut streams[d], start, seg, pool, out);
    if streams.iter().all(StreamDir::is_done) {
        // Both directions read all they will: the reader goes back to the pool.
        readers.finish(&mut st.reader);
    }
}

/// Reads a segment with payload into its direction's stream `sd`, which starts at sequence
/// number `start` when the SYN was seen (else at this segment: joined mid-stream).
fn on_stream(
    st: &mut FlowState,
    sd: &mut StreamDir,
    start: Option<u32>,
    seg: Segment<'_>,
    pool: &mut BufPool,
    out: &mut Out<'_>,
) {
    if sd.mode == Mode::Done {
        return;
    }
    if !sd.seen_start {
        sd.isn = start.unwrap_or(seg.seq);
        sd.seen_start = true;
        sd.asm = Assembler::at(0);
    }
    // Offset of this segment relative to the window, tolerant of sequence wrap-around.
    let base = sd.asm.base();
    let delta = seg.seq.wrapping_sub(sd.isn.wrapping_add(base as u32)) as i32;
    let (offset, data) = if delta >= 0 {
        (base + delta as u64, seg.payload)
    } else {
        let behind = delta.unsigned_abs() as usize;
        if behind >= seg.payload.len() {
            return; // retransmission of bytes already read
        }
        (base, &seg.payload[behind..])
    };

    // Fast path: in order, nothing buffered: parse the segment where it lies.
    if offset == base && !sd.asm.holds_buffer() {
        let mut pos = 0usize;
        loop {
            match read(st, sd, &seg, &data[pos..], out) {
                Progress::Advance(n) => {
                    sd.asm.reset_to(pool, sd.asm.base() + n);
                    let avail = (data.len() - pos) as u64;
                    if n >= avail || sd.mode == Mode::Done {
                        return;
                    }
                    pos += n as usize;
                }
                Progress::NeedMore => {
                    let at = sd.asm.base();
                    if sd.asm.insert(pool, at, &data[pos..]) == Insert::GaveUp {
                        give_up(sd, pool, out.counters);
                    }
                    return;
                }
                Progress::Stop => {
                    sd.mode = Mode::Done;
                    return;
                }
            }
        }
    }

    // Slow path: place the bytes, then read whatever is contiguous.
    match sd.asm.insert(pool, offset, data) {
        Insert::GaveUp => return give_up(sd, pool, out.counters),
        Insert::Duplicate => return,
        Insert::Stored => {}
    }
    loop {
        let asm = sd.asm;
        let bytes = asm.contiguous(pool);
        if bytes.is_empty() {
            return;
        }
        let have = bytes.len() as u64;
        match read(st, sd, &seg, bytes, out) {
            Progress::Advance(n) => {
                if n >= have {
                    let to = sd.asm.base() + n;
                    sd.asm.reset_to(pool, to);
                    return;
                }
                sd.asm.consume(pool, n as usize);
                if sd.mode == Mode::Done {
                    sd.asm.release(pool);
                    return;
                }
            }
            Progress::NeedMore => return,
            Progress::Stop => {
                sd.mode = Mode::Done;
                sd.asm.release(pool);
                return;
            }
        }
    }
}

fn give_up(sd: &mut StreamDir, pool: &mut BufPool, counters: &mut Counters) {
    counters.skip(Skip::ReassemblyGaveUp);
    sd.mode = Mode::Done;
    sd.asm.release(pool);
}

/// Reads what `bytes` (the stream from the window start) holds, per the direction's mode.
fn read(
    st: &mut FlowState,
    sd: &mut StreamDir,
    seg: &Segment<'_>,
    bytes: &[u8],
    out: &mut Out<'_>,
) -> Progress {
    if sd.mode == Mode::Unseen {
        sd.mode = detect(seg, bytes);
    }
    match sd.mode {
        Mode::Unseen | Mode::Done => Progress::Stop,
        Mode::Tls => read_tls(st, seg, bytes, out),
        Mode::Http => read_http(st, seg, bytes, out),
        Mode::Dns => read_dns(seg, bytes, out),
    }
}

/// Decides what a direction carries from its first bytes (and the ports, for DNS).
fn detect(seg: &Segment<'_>, bytes: &[u8]) -> Mode {
    let dns_port = |p: u16| p == 53 || p == 5353;
    if dns_port(seg.src.port) || dns_port(seg.dst.port) {
        return Mode::Dns;
    }
    match bytes.first() {
        Some(0x16) => Mode::Tls,
        Some(b) if b.is_ascii_uppercase() => Mode::Http,
        _ => Mode::Done,
    }
}

fn read_tls(st: &mut FlowState, seg: &Segment<'_>, bytes: &[u8], out: &mut Out<'_>) -> Progress {
    match tls::scan_client_hello(bytes, &mut out.scratch.tls) {
        Ok(tls::StreamStatus::NeedMore { .. }) => Progress::NeedMore,
        Ok(tls::StreamStatus::Done { hello, .. }) => {
            if let Some(name) = hello.sni {
                st.bind_name(&mut out.naming.names, name, NameSource::Sni);
                out.sink.event(
                    out.meta,
                    &Event::Sni {
                        transport: SniTransport::Tls,
                        src: seg.src,
                        dst: seg.dst,
                        name,
                    },
                );
            }
            Progress::Stop
        }
        Ok(tls::StreamStatus::NotTls) => Progress::Stop,
        Ok(tls::StreamStatus::TooLarge { .. }) => {
            out.counters.skip(Skip::ReassemblyGaveUp);
            Progress::Stop
        }
        Err(_) => {
            out.counters.skip(Skip::TlsMalformed);
            Progress::Stop
        }
    }
}

fn read_http(st: &mut FlowState, seg: &Segment<'_>, bytes: &[u8], out: &mut Out<'_>) -> Progress {
    match http::parse_request_head(bytes) {
        Ok(http::HeadStatus::Complete(req)) => {
            if let Some(host) = req.host {
                st.bind_name(&mut out.naming.names, host, NameSource::Http);
                out.sink.event(
                    out.meta,
                    &Event::Http {
                        src: seg.src,
                        dst: seg.dst,
                        host,
                    },
                );
            }
            if req.chunked {
                // Chunked bodies are not followed: later requests on this connection go unread.
                return Progress::Stop;
            }
            Progress::Advance(req.head_len as u64 + req.content_length.unwrap_or(0))
        }
        Ok(http::HeadStatus::Incomplete) => Progress::NeedMore,
        Ok(http::HeadStatus::NotHttp) => Progress::Stop,
        Err(_) => {
            out.counters.skip(Skip::HttpMalformed);
            Progress::Stop
        }
    }
}

fn read_dns(seg: &Segment<'_>, bytes: &[u8], out: &mut Out<'_>) -> Progress {
    // RFC 1035 4.2.2: each message is preceded by a two-byte length.
    if bytes.len() < 2 {
        return Progress::NeedMore;
    }
    let len = usize::from(u16::from_be_bytes([bytes[0], bytes[1]]));
    if bytes.len() < 2 + len {
        return Progress::NeedMore;
    }
    emit_dns(seg.src, seg.dst, &bytes[2..2 + len], false, out);
    Progress::Advance(2 + len as u64)
}
