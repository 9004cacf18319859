//! JSON lines for `telltaled replay --emit`: one object per event or flow, written by hand into
//! a reused buffer so that emitting costs no allocation once the buffer has grown.
//!
//! Strings that come off the wire (names, hostnames) are bytes: valid UTF-8 is written as is
//! (escaped per RFC 8259), and each byte of an invalid sequence is written as `\u00XX`, so the
//! output is always valid JSON and nothing is silently dropped.

use std::io::{self, Write};

use crate::capture::Timestamp;
use crate::event::{AlertEvent, DnsEvent, Event, FlowRecord, Meta, Sink};
use crate::flow::key::{Addr, PROTO_TCP, PROTO_UDP};

/// Builds one JSON object at a time into a reused buffer.
#[derive(Debug, Default)]
pub struct JsonLine {
    buf: Vec<u8>,
    first: bool,
}

impl JsonLine {
    /// Starts a new object.
    pub fn begin(&mut self) {
        self.buf.clear();
        self.buf.push(b'{');
        self.first = true;
    }

    /// Ends the object and returns the line (with its newline).
    pub fn finish(&mut self) -> &[u8] {
        self.buf.extend_from_slice(b"}\n");
        &self.buf
    }

    fn key(&mut self, k: &str) {
        if !self.first {
            self.buf.push(b',');
        }
        self.first = false;
        self.buf.push(b'"');
        self.buf.extend_from_slice(k.as_bytes());
        self.buf.extend_from_slice(b"\":");
    }

    /// `"k": "v"` for text or wire bytes.
    pub fn str(&mut self, k: &str, v: &[u8]) {
        self.key(k);
        self.string(v);
    }

    /// `"k": n`.
    pub fn u64(&mut self, k: &str, v: u64) {
        self.key(k);
        let _ = write!(self.buf, "{v}");
    }

    /// `"k": true|false`.
    pub fn bool(&mut self, k: &str, v: bool) {
        self.key(k);
        self.buf
            .extend_from_slice(if v { b"true" } else { b"false" });
    }

    /// `"k": null`.
    pub fn null(&mut self, k: &str) {
        self.key(k);
        self.buf.extend_from_slice(b"null");
    }

    /// `"k": seconds.nanoseconds` (a JSON number).
    pub fn ts(&mut self, k: &str, ts: Timestamp) {
        self.key(k);
        let _ = write!(
            self.buf,
            "{}.{:09}",
            ts.0 / 1_000_000_000,
            ts.0 % 1_000_000_000
        );
    }

    /// `"k": "address"`.
    pub fn addr(&mut self, k: &str, a: Addr) {
        self.key(k);
        let _ = write!(self.buf, "\"{a}\"");
    }

    /// `"k": ["a", "b"]` from displayable items (each at most 1 KiB of text).
    pub fn list<T: core::fmt::Display>(&mut self, k: &str, items: impl IntoIterator<Item = T>) {
        self.key(k);
        self.buf.push(b'[');
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            let mut text: heapless::String<1024> = heapless::String::new();
            let _ = core::fmt::Write::write_fmt(&mut text, format_args!("{item}"));
            self.string(text.as_bytes());
        }
        self.buf.push(b']');
    }

    fn string(&mut self, v: &[u8]) {
        self.buf.push(b'"');
        let mut rest = v;
        while !rest.is_empty() {
            let (valid, bad) = match core::str::from_utf8(rest) {
                Ok(s) => (s, &[][..]),
                Err(e) => {
                    let (good, tail) = rest.split_at(e.valid_up_to());
                    (core::str::from_utf8(good).unwrap_or_default(), tail)
                }
            };
            for c in valid.chars() {
                match c {
                    '"' => self.buf.extend_from_slice(b"\\\""),
                    '\\' => self.buf.extend_from_slice(b"\\\\"),
                    '\n' => self.buf.extend_from_slice(b"\\n"),
                    '\r' => self.buf.extend_from_slice(b"\\r"),
                    '\t' => self.buf.extend_from_slice(b"\\t"),
                    c if (c as u32) < 0x20 || c == '\u{7f}' => {
                        let _ = write!(self.buf, "\\u{:04x}", c as u32);
                    }
                    c => {
                        let mut tmp = [0u8; 4];
                        self.buf
                            .extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
                    }
                }
            }
            if let Some((b, tail)) = bad.split_first() {
                let _ = write!(self.buf, "\\u{:04x}", b);
                rest = tail;
            } else {
                rest = &[];
            }
        }
        self.buf.push(b'"');
    }
}

/// What `--emit` asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Emit {
    /// Name events (dns, sni, http, dhcp, mdns).
    pub events: bool,
    /// Flow records.
    pub flows: bool,
    /// Alerts.
    pub alerts: bool,
}

/// A sink that writes JSON lines to `out`.
#[derive(Debug)]
pub struct JsonSink<W: Write> {
    out: W,
    line: JsonLine,
    file: String,
    emit: Emit,
    error: Option<io::Error>,
}

impl<W: Write> JsonSink<W> {
    /// Writes what `emit` selects to `out`.
    pub fn new(out: W, emit: Emit) -> Self {
        JsonSink {
            out,
            line: JsonLine::default(),
            file: String::new(),
            emit,
            error: None,
        }
    }

    /// Sets the `file` field of what follows.
    pub fn set_file(&mut self, file: &str) {
        self.file.clear();
        self.file.push_str(file);
    }

    /// Flushes and returns the first write error, if any (e.g. a closed pipe).
    pub fn finish(&mut self) -> io::Result<()> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.out.flush()
    }

    /// Writes one change of the simulated LEDs (`--leds sim`).
    pub fn led(&mut self, change: &super::leds::LedChange) {
        self.line.begin();
        self.line.str("kind", b"led");
        self.line.u64("frame", change.frame);
        self.line.key("ts");
        let _ = write!(self.line.buf, "{}", change.ts);
        self.line.str("file", change.file.as_bytes());
        self.line.key("at");
        let _ = write!(self.line.buf, "{}", change.at);
        self.line.str("state", change.state.as_bytes());
        self.line.str("meaning", change.meaning.as_bytes());
        self.write_line();
    }

    fn head(&mut self, kind: &str, meta: Meta) {
        self.line.begin();
        self.line.str("kind", kind.as_bytes());
        self.line.u64("frame", meta.frame);
        self.line.ts("ts", meta.ts);
        self.line.str("file", self.file.as_bytes());
    }

    fn write_line(&mut self) {
        if self.error.is_some() {
            return;
        }
        if let Err(e) = self.out.write_all(self.line.finish()) {
            self.error = Some(e);
        }
    }

    fn dns(&mut self, d: &DnsEvent<'_>) {
        let l = &mut self.line;
        l.addr("client", d.client);
        l.addr("server", d.server);
        if d.query.is_empty() {
            // mDNS announcements carry no question.
            l.null("query");
        } else {
            l.str("query", d.query.as_bytes());
        }
        l.list("a", d.a.iter());
        l.list("aaaa", d.aaaa.iter());
        l.list("cname", d.cname.iter());
        l.bool("mdns", d.mdns);
    }
}

impl<W: Write> JsonSink<W> {
    fn alert(&mut self, a: &AlertEvent<'_>) {
        let l = &mut self.line;
        l.str("device", mac_text(a.device).as_bytes());
        opt_str(l, "hostname", a.hostname);
        l.str("destination", a.destination.as_bytes());
        l.str("named_by", a.named_by.as_bytes());
        match a.ip {
            Some(ip) => l.addr("ip", ip),
            None => l.null("ip"),
        }
        l.str("rule", a.rule.as_str().as_bytes());
        l.str("severity", a.severity.as_str().as_bytes());
        l.list("reasons", a.reasons.iter());
        l.u64("bytes_up", a.bytes_up);
        l.u64("bytes_down", a.bytes_down);
        l.u64("window_secs", a.window_secs);
        match a.country {
            Some(c) => l.str("country", &c),
            None => l.null("country"),
        }
        match a.asn {
            Some(n) => l.u64("asn", u64::from(n)),
            None => l.null("asn"),
        }
        opt_str(l, "org", a.org.map(str::as_bytes));
    }
}

fn opt_str(l: &mut JsonLine, k: &str, v: Option<&[u8]>) {
    match v {
        Some(v) => l.str(k, v),
        None => l.null(k),
    }
}

/// Formats a MAC address as `aa:bb:cc:dd:ee:ff` into a fixed buffer.
pub fn mac_text(mac: [u8; 6]) -> heapless::String<17> {
    let mut s = heapless::String::new();
    for (i, b) in mac.iter().enumerate() {
        if i > 0 {
            let _ = s.push(':');
        }
        let _ = core::fmt::Write::write_fmt(&mut s, format_args!("{b:02x}"));
    }
    s
}

/// The JSON name of an IP protocol.
pub fn proto_name(proto: u8) -> &'static str {
    match proto {
        PROTO_TCP => "tcp",
        PROTO_UDP => "udp",
        _ => "other",
    }
}

impl<W: Write> Sink for JsonSink<W> {
    fn event(&mut self, meta: Meta, event: &Event<'_>) {
        let wanted = match event {
            Event::Alert(_) => self.emit.alerts,
            _ => self.emit.events,
        };
        if !wanted {
            return;
        }
        match event {
            Event::Alert(a) => {
                self.head("alert", meta);
                self.alert(a);
            }
            Event::Dns(d) => {
                self.head("dns", meta);
                self.dns(d);
            }
            Event::Sni {
                transport,
                src,
                dst,
                name,
            } => {
                self.head("sni", meta);
                let l = &mut self.line;
                l.str("transport", transport.as_str().as_bytes());
                l.addr("src", src.addr);
                l.u64("sport", u64::from(src.port));
                l.addr("dst", dst.addr);
                l.u64("dport", u64::from(dst.port));
                l.str("name", name);
            }
            Event::Http { src, dst, host } => {
                self.head("http", meta);
                let l = &mut self.line;
                l.addr("src", src.addr);
                l.u64("sport", u64::from(src.port));
                l.addr("dst", dst.addr);
                l.u64("dport", u64::from(dst.port));
                l.str("host", host);
            }
            Event::Dhcp {
                mac,
                hostname,
                vendor_class,
                client_id,
                requested_ip,
            } => {
                self.head("dhcp", meta);
                let l = &mut self.line;
                l.str("mac", mac_text(*mac).as_bytes());
                opt_str(l, "hostname", *hostname);
                opt_str(l, "vendor_class", *vendor_class);
                match client_id {
                    Some(id) => {
                        let mut hex: heapless::String<512> = heapless::String::new();
                        for b in id.iter().take(255) {
                            let _ = core::fmt::Write::write_fmt(&mut hex, format_args!("{b:02x}"));
                        }
                        l.str("client_id", hex.as_bytes());
                    }
                    None => l.null("client_id"),
                }
                match requested_ip {
                    Some(ip) => {
                        let mut t: heapless::String<16> = heapless::String::new();
                        let _ = core::fmt::Write::write_fmt(&mut t, format_args!("{ip}"));
                        l.str("requested_ip", t.as_bytes());
                    }
                    None => l.null("requested_ip"),
                }
            }
            Event::Mdns { src, names } => {
                self.head("mdns", meta);
                let l = &mut self.line;
                l.addr("src", *src);
                l.list("names", names.iter());
            }
        }
        self.write_line();
    }

    fn flow_end(&mut self, f: &FlowRecord<'_>) {
        if !self.emit.flows {
            return;
        }
        self.head("flow", f.first);
        let l = &mut self.line;
        l.str("proto", proto_name(f.proto).as_bytes());
        l.addr("a", f.a.addr);
        l.u64("aport", u64::from(f.a.port));
        l.addr("b", f.b.addr);
        l.u64("bport", u64::from(f.b.port));
        l.u64("frames_ab", f.frames_ab);
        l.u64("bytes_ab", f.bytes_ab);
        l.u64("frames_ba", f.frames_ba);
        l.u64("bytes_ba", f.bytes_ba);
        l.u64("payload_ab", f.payload_ab);
        l.u64("payload_ba", f.payload_ba);
        match f.device {
            Some((mac, _)) => l.str("device", mac_text(mac).as_bytes()),
            None => l.null("device"),
        }
        opt_str(l, "name", f.name);
        l.str("name_from", f.name_from.as_str().as_bytes());
        match f.country {
            Some(c) => l.str("country", &c),
            None => l.null("country"),
        }
        match f.asn {
            Some(n) => l.u64("asn", u64::from(n)),
            None => l.null("asn"),
        }
        opt_str(l, "org", f.org.map(str::as_bytes));
        l.ts("last_ts", f.last_ts);
        self.write_line();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_and_invalid_utf8_kept_as_escapes() {
        let mut l = JsonLine::default();
        l.begin();
        l.str("name", b"a\"b\\c\n\x01\xffok\xc3\xa9");
        let line = String::from_utf8(l.finish().to_vec()).unwrap();
        assert_eq!(
            line,
            "{\"name\":\"a\\\"b\\\\c\\n\\u0001\\u00ffok\u{e9}\"}\n"
        );
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["name"], "a\"b\\c\n\u{1}\u{ff}ok\u{e9}");
    }

    #[test]
    fn timestamps_are_exact_numbers() {
        let mut l = JsonLine::default();
        l.begin();
        l.ts("ts", Timestamp(1_700_000_000_000_000_123));
        l.list("a", ["1.2.3.4", "q\"x"]);
        let line = String::from_utf8(l.finish().to_vec()).unwrap();
        assert_eq!(
            line,
            "{\"ts\":1700000000.000000123,\"a\":[\"1.2.3.4\",\"q\\\"x\"]}\n"
        );
    }
}
