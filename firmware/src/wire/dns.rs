//! DNS and mDNS messages (RFC 1035, RFC 6762): a borrowed message view, question and
//! resource-record iteration, zero-copy names, and `DnsSummary`, the fixed-capacity set of facts
//! the engine takes from a response.
//!
//! Input is one DNS message: a UDP payload, or one TCP-framed message without its 2-byte length
//! prefix (the caller owns TCP framing and the port, so it also knows whether this is mDNS).
//!
//! Names: `Name` is a reference into the message; reading it follows compression pointers
//! (RFC 1035 section 4.1.4). Pointers may point forwards (tshark and most resolvers accept
//! that), so loops are stopped by bounding the number of jumps to `MAX_POINTER_JUMPS`. Label
//! length bytes with the top bits `01` or `10` (extended labels, RFC 6891 section 5; lengths above
//! 63) are `Malformed`. A name whose uncompressed form exceeds `MAX_NAME_WIRE_LEN` bytes is
//! parsed (its length in the message is still known, so the record after it can be read), is
//! flagged by `Name::is_too_long`, and refuses to decode.
//!
//! Text form (`Name::write_text`, used by `DnsSummary`), chosen to match tshark 4.0
//! (`expand_dns_name` then `format_text` in Wireshark) so our output can be diffed with the oracle:
//! - labels joined with `.`, no trailing dot; a `.` inside a label is not escaped (tshark does the
//!   same, so `a.b` as one label and as two labels print alike);
//! - printable ASCII as is (also `\`), control bytes as C escapes (`\n`, `\t`, ...) or three-digit
//!   octal (`\032` for 0x1a, `\177` for DEL); valid UTF-8 as is (tshark prints "Luca’s iMac");
//!   invalid UTF-8 as U+FFFD; non-printable non-ASCII characters as `\uXXXX`;
//! - a name longer than 253 characters (255 wire bytes) prints as `<Name too long>`, like tshark.
//!
//! Deliberate differences from tshark:
//! - the root name prints as the empty string (tshark: `<Root>`), so callers never mistake it for
//!   a host name;
//! - `DnsSummary` keeps the first question only (tshark lists all); the announced names leave
//!   out the root (the owner of an EDNS OPT record);
//! - a pointer loop is `Malformed` after `MAX_POINTER_JUMPS` jumps (tshark: the text
//!   `<Name contains a pointer that loops>` after 255 jumps, then it carries on);
//! - extended labels are `Malformed` (tshark prints `<Unknown extended label>` and goes on reading
//!   from a guessed offset, or renders RFC 2673 bit-string labels);
//! - an A or AAAA record whose RDLENGTH is not 4 or 16 gives no address (none in the corpus);
//! - a too-long name whose walk has passed a pointer stops there (bounding the work per name), so
//!   a pointer loop through long labels prints `<Name too long>` rather than tshark's loop text.
//!
//! Like tshark, `DnsSummary::fill` keeps every fact read before the first malformed byte: a
//! message cut short still yields its question and the answers before the cut.

use core::net::{Ipv4Addr, Ipv6Addr};
use core::ops::Range;

use heapless::{String, Vec};

use super::{be16, be32, need, Result, WireError};

/// Header field offsets (RFC 1035 section 4.1.1).
pub mod field {
    use core::ops::Range;
    /// ID: identifier copied from the query into the response.
    pub const ID: Range<usize> = 0..2;
    /// QR, Opcode, AA, TC, RD, RA, Z, AD, CD, RCODE.
    pub const FLAGS: Range<usize> = 2..4;
    /// QDCOUNT: number of entries in the question section.
    pub const QDCOUNT: Range<usize> = 4..6;
    /// ANCOUNT: number of resource records in the answer section.
    pub const ANCOUNT: Range<usize> = 6..8;
    /// NSCOUNT: number of name server resource records in the authority section.
    pub const NSCOUNT: Range<usize> = 8..10;
    /// ARCOUNT: number of resource records in the additional records section.
    pub const ARCOUNT: Range<usize> = 10..12;
}

/// Length of the fixed header (RFC 1035 section 4.1.1).
pub const HEADER_LEN: usize = field::ARCOUNT.end;
/// Most compression pointers followed while reading one name (loop protection).
pub const MAX_POINTER_JUMPS: usize = 64;
/// Longest uncompressed name in wire bytes, length octets and root included (RFC 1035 2.3.4).
pub const MAX_NAME_WIRE_LEN: usize = 255;
/// Longest label (RFC 1035 section 2.3.4).
pub const MAX_LABEL_LEN: usize = 63;
/// Capacity of one name in text form: 253 characters, each at most 4 bytes once escaped.
pub const NAME_TEXT_CAP: usize = 1024;
/// What tshark prints for a name over 255 wire bytes; we print the same.
pub const NAME_TOO_LONG_TEXT: &str = "<Name too long>";

/// Resource record types we look at (RFC 1035 3.2.2, RFC 3596, RFC 2782).
pub mod rtype {
    /// IPv4 host address.
    pub const A: u16 = 1;
    /// Canonical name.
    pub const CNAME: u16 = 5;
    /// Domain name pointer.
    pub const PTR: u16 = 12;
    /// IPv6 host address.
    pub const AAAA: u16 = 28;
    /// Service location.
    pub const SRV: u16 = 33;
}

/// A borrowed, checked view of one DNS message.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    buf: &'a [u8],
}

impl<'a> Message<'a> {
    /// Wraps `buf` after checking that it holds the 12-byte header.
    pub fn new_checked(buf: &'a [u8]) -> Result<Self> {
        need(buf, HEADER_LEN, "DNS header")?;
        Ok(Message { buf })
    }

    /// The whole message.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }
    /// Transaction ID.
    pub fn id(&self) -> u16 {
        be16(self.buf, field::ID.start)
    }
    /// The 16 flag bits.
    pub fn flags(&self) -> u16 {
        be16(self.buf, field::FLAGS.start)
    }
    /// QR bit: this is a response.
    pub fn is_response(&self) -> bool {
        self.flags() & 0x8000 != 0
    }
    /// Opcode (0 = QUERY).
    pub fn opcode(&self) -> u8 {
        ((self.flags() >> 11) & 0xf) as u8
    }
    /// TC bit: the message was truncated by the sender.
    pub fn is_truncated(&self) -> bool {
        self.flags() & 0x0200 != 0
    }
    /// Response code (0 = NOERROR, 3 = NXDOMAIN).
    pub fn rcode(&self) -> u8 {
        (self.flags() & 0xf) as u8
    }
    /// QDCOUNT.
    pub fn question_count(&self) -> u16 {
        be16(self.buf, field::QDCOUNT.start)
    }
    /// ANCOUNT.
    pub fn answer_count(&self) -> u16 {
        be16(self.buf, field::ANCOUNT.start)
    }
    /// NSCOUNT.
    pub fn authority_count(&self) -> u16 {
        be16(self.buf, field::NSCOUNT.start)
    }
    /// ARCOUNT.
    pub fn additional_count(&self) -> u16 {
        be16(self.buf, field::ARCOUNT.start)
    }

    /// Iterates over the question section; stops after the first error.
    pub fn questions(&self) -> Questions<'a> {
        Questions {
            msg: *self,
            at: HEADER_LEN,
            left: self.question_count(),
            failed: false,
        }
    }

    /// Iterates over the answer, authority and additional records (in that order), after
    /// skipping the questions; stops after the first error.
    pub fn records(&self) -> Records<'a> {
        Records {
            msg: *self,
            at: None,
            section: Section::Answer,
            left: self.answer_count(),
            failed: false,
        }
    }
}

/// A domain name inside a message: where it starts, and the message for following pointers.
#[derive(Debug, Clone, Copy)]
pub struct Name<'a> {
    msg: &'a [u8],
    start: usize,
    /// Uncompressed length in wire bytes (length octets and root octet included).
    wire_len: usize,
}

impl<'a> Name<'a> {
    /// Reads the name at `start` in `msg`, checking its whole pointer chain. Returns the name and
    /// the offset just after it in the message (after its first pointer or root octet).
    pub fn parse(msg: &'a [u8], start: usize) -> Result<(Self, usize)> {
        let mut at = start;
        let mut end_here: Option<usize> = None;
        let mut jumps = 0usize;
        let mut wire_len = 0usize;
        loop {
            let len = *msg.get(at).ok_or(WireError::Truncated {
                what: "DNS name",
                need: at + 1,
                have: msg.len(),
            })?;
            match len & 0xc0 {
                0x00 => {
                    wire_len += 1 + len as usize;
                    if len == 0 {
                        let next = end_here.unwrap_or(at + 1);
                        return Ok((
                            Name {
                                msg,
                                start,
                                wire_len,
                            },
                            next,
                        ));
                    }
                    // Too long, and past the first pointer so the end in the message is known:
                    // stop here, which bounds the work per name to about 255 bytes + 64 jumps.
                    if let Some(next) = end_here.filter(|_| wire_len > MAX_NAME_WIRE_LEN) {
                        return Ok((
                            Name {
                                msg,
                                start,
                                wire_len,
                            },
                            next,
                        ));
                    }
                    need(msg, at + 1 + len as usize, "DNS label")?;
                    at += 1 + len as usize;
                }
                0xc0 => {
                    need(msg, at + 2, "DNS compression pointer")?;
                    jumps += 1;
                    if jumps > MAX_POINTER_JUMPS {
                        return Err(WireError::Malformed("DNS name: pointer loop"));
                    }
                    end_here.get_or_insert(at + 2);
                    at = usize::from(be16(msg, at) & 0x3fff);
                }
                _ => return Err(WireError::Malformed("DNS name: extended label type")),
            }
        }
    }

    /// True for the root name (no labels).
    pub fn is_root(&self) -> bool {
        self.wire_len == 1
    }

    /// True when the uncompressed name exceeds `MAX_NAME_WIRE_LEN` bytes.
    pub fn is_too_long(&self) -> bool {
        self.wire_len > MAX_NAME_WIRE_LEN
    }

    /// Iterates over the labels, following pointers (already checked by `parse`).
    pub fn labels(&self) -> Labels<'a> {
        Labels {
            msg: self.msg,
            at: self.start,
            jumps: 0,
        }
    }

    /// Writes the labels joined by `.` (raw bytes, no trailing dot, empty for the root) into
    /// `out`; returns the length written. Errors if the name is too long or `out` too small.
    pub fn decode_into(&self, out: &mut [u8]) -> Result<usize> {
        if self.is_too_long() {
            return Err(WireError::Malformed("DNS name longer than 255 bytes"));
        }
        let mut n = 0usize;
        for label in self.labels() {
            let extra = usize::from(n != 0);
            need(out, n + extra + label.len(), "DNS name output buffer")?;
            if extra == 1 {
                out[n] = b'.';
            }
            out[n + extra..n + extra + label.len()].copy_from_slice(label);
            n += extra + label.len();
        }
        Ok(n)
    }

    /// Appends the tshark-style text form (see the module doc) to `out`; on overflow of `out`
    /// returns an error and leaves `out` holding a prefix.
    pub fn write_text<const N: usize>(&self, out: &mut String<N>) -> Result<()> {
        const FULL: WireError = WireError::Malformed("DNS name text buffer full");
        if self.is_too_long() {
            return out.push_str(NAME_TOO_LONG_TEXT).map_err(|()| FULL);
        }
        for (i, label) in self.labels().enumerate() {
            if i != 0 {
                out.push('.').map_err(|()| FULL)?;
            }
            push_escaped(label, out).map_err(|()| FULL)?;
        }
        Ok(())
    }
}

/// Appends `bytes` with tshark's `format_text` escaping.
fn push_escaped<const N: usize>(bytes: &[u8], out: &mut String<N>) -> core::result::Result<(), ()> {
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_ascii_graphic() || c == ' ' {
                out.push(c)?;
            } else if c.is_ascii() {
                let escape = match c {
                    '\x07' => Some('a'),
                    '\x08' => Some('b'),
                    '\x0c' => Some('f'),
                    '\n' => Some('n'),
                    '\r' => Some('r'),
                    '\t' => Some('t'),
                    '\x0b' => Some('v'),
                    _ => None,
                };
                out.push('\\')?;
                match escape {
                    Some(e) => out.push(e)?,
                    None => {
                        let b = c as u8;
                        for shift in [6u8, 3, 0] {
                            out.push(char::from(b'0' + ((b >> shift) & 7)))?;
                        }
                    }
                }
            } else if c.is_control() {
                core::fmt::Write::write_fmt(out, format_args!("\\u{:04x}", c as u32))
                    .map_err(|_| ())?;
            } else {
                out.push(c)?;
            }
        }
        if !chunk.invalid().is_empty() {
            out.push(char::REPLACEMENT_CHARACTER)?;
        }
    }
    Ok(())
}

/// Labels of a name, pointers followed. Yields raw label bytes.
#[derive(Debug, Clone)]
pub struct Labels<'a> {
    msg: &'a [u8],
    at: usize,
    jumps: usize,
}

impl<'a> Iterator for Labels<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        loop {
            let len = *self.msg.get(self.at)?;
            match len & 0xc0 {
                0x00 if len == 0 => return None,
                0x00 => {
                    let label = self.msg.get(self.at + 1..self.at + 1 + len as usize)?;
                    self.at += 1 + len as usize;
                    return Some(label);
                }
                0xc0 => {
                    self.jumps += 1;
                    if self.jumps > MAX_POINTER_JUMPS || self.at + 2 > self.msg.len() {
                        return None;
                    }
                    self.at = usize::from(be16(self.msg, self.at) & 0x3fff);
                }
                _ => return None,
            }
        }
    }
}

/// One question entry (RFC 1035 section 4.1.2).
#[derive(Debug, Clone, Copy)]
pub struct Question<'a> {
    /// QNAME.
    pub name: Name<'a>,
    /// QTYPE.
    pub qtype: u16,
    /// QCLASS (for mDNS the top bit is the unicast-response bit).
    pub qclass: u16,
}

/// Iterator over the question section.
#[derive(Debug, Clone)]
pub struct Questions<'a> {
    msg: Message<'a>,
    at: usize,
    left: u16,
    failed: bool,
}

impl<'a> Questions<'a> {
    /// Offset just after the questions read so far.
    pub fn offset(&self) -> usize {
        self.at
    }
}

impl<'a> Iterator for Questions<'a> {
    type Item = Result<Question<'a>>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.left == 0 {
            return None;
        }
        self.left -= 1;
        let item = parse_question(self.msg.buf, self.at);
        match item {
            Ok((q, next)) => {
                self.at = next;
                Some(Ok(q))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

fn parse_question(buf: &[u8], at: usize) -> Result<(Question<'_>, usize)> {
    let (name, at) = Name::parse(buf, at)?;
    need(buf, at + 4, "DNS question")?;
    let q = Question {
        name,
        qtype: be16(buf, at),
        qclass: be16(buf, at + 2),
    };
    Ok((q, at + 4))
}

/// The section a resource record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Answer section.
    Answer,
    /// Authority section.
    Authority,
    /// Additional section.
    Additional,
}

/// One resource record (RFC 1035 section 4.1.3).
#[derive(Debug, Clone)]
pub struct Record<'a> {
    /// Which section it was in.
    pub section: Section,
    /// Owner NAME.
    pub name: Name<'a>,
    /// TYPE.
    pub rtype: u16,
    /// CLASS (for mDNS the top bit is cache-flush).
    pub class: u16,
    /// TTL in seconds.
    pub ttl: u32,
    /// Where RDATA lies in the message (names in RDATA may point anywhere in it).
    pub rdata: Range<usize>,
    msg: &'a [u8],
}

impl<'a> Record<'a> {
    /// The RDATA bytes.
    pub fn rdata_bytes(&self) -> &'a [u8] {
        self.msg.get(self.rdata.clone()).unwrap_or(&[])
    }
    /// The address of an A record with a 4-byte RDATA.
    pub fn ipv4(&self) -> Option<Ipv4Addr> {
        let b: [u8; 4] = self.rdata_bytes().try_into().ok()?;
        (self.rtype == rtype::A).then(|| Ipv4Addr::from(b))
    }
    /// The address of an AAAA record with a 16-byte RDATA.
    pub fn ipv6(&self) -> Option<Ipv6Addr> {
        let b: [u8; 16] = self.rdata_bytes().try_into().ok()?;
        (self.rtype == rtype::AAAA).then(|| Ipv6Addr::from(b))
    }
    /// The target of a CNAME or PTR record (the name at the start of RDATA).
    pub fn target_name(&self) -> Option<Result<Name<'a>>> {
        let at = match self.rtype {
            rtype::CNAME | rtype::PTR => self.rdata.start,
            // RFC 2782: priority, weight, port, then the target.
            rtype::SRV => self.rdata.start + 6,
            _ => return None,
        };
        if at >= self.rdata.end {
            return Some(Err(WireError::Malformed("DNS RDATA too short for a name")));
        }
        Some(Name::parse(self.msg, at).map(|(name, _)| name))
    }
}

/// Iterator over answer, authority and additional records.
#[derive(Debug, Clone)]
pub struct Records<'a> {
    msg: Message<'a>,
    /// `None` until the questions have been skipped.
    at: Option<usize>,
    section: Section,
    left: u16,
    failed: bool,
}

impl<'a> Records<'a> {
    fn start(&mut self) -> Result<usize> {
        let mut questions = self.msg.questions();
        for q in questions.by_ref() {
            q?;
        }
        Ok(questions.offset())
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let at = match self.at {
            Some(at) => at,
            None => match self.start() {
                Ok(at) => at,
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            },
        };
        while self.left == 0 {
            (self.section, self.left) = match self.section {
                Section::Answer => (Section::Authority, self.msg.authority_count()),
                Section::Authority => (Section::Additional, self.msg.additional_count()),
                Section::Additional => return None,
            };
        }
        self.left -= 1;
        match parse_record(self.msg.buf, at, self.section) {
            Ok((r, next)) => {
                self.at = Some(next);
                Some(Ok(r))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

fn parse_record(buf: &[u8], at: usize, section: Section) -> Result<(Record<'_>, usize)> {
    let (name, at) = Name::parse(buf, at)?;
    need(buf, at + 10, "DNS resource record")?;
    let rdlength = usize::from(be16(buf, at + 8));
    let rdata = at + 10..at + 10 + rdlength;
    need(buf, rdata.end, "DNS RDATA")?;
    let next = rdata.end;
    let record = Record {
        section,
        name,
        rtype: be16(buf, at),
        class: be16(buf, at + 2),
        ttl: be32(buf, at + 4),
        rdata,
        msg: buf,
    };
    Ok((record, next))
}

/// Most A (and, separately, AAAA) addresses kept per message.
pub const MAX_ADDRS: usize = 64;
/// Most CNAME targets kept per message.
pub const MAX_CNAMES: usize = 16;
/// Most distinct announced names kept per message.
pub const MAX_ANNOUNCED: usize = 32;

/// A name in text form (see the module doc).
pub type NameText = String<NAME_TEXT_CAP>;

/// An address and the section it was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Addr<T> {
    /// The address.
    pub addr: T,
    /// Answer, authority or additional (glue) section.
    pub section: Section,
}

/// The facts the engine wants from one message. Reuse one: `clear()`, then `fill(msg)`.
/// It is about 51 KB (names are stored inline at `NAME_TEXT_CAP`): keep one per engine, boxed.
#[derive(Debug, Clone, Default)]
pub struct DnsSummary {
    /// Transaction ID.
    pub id: u16,
    /// QR bit.
    pub is_response: bool,
    /// Opcode.
    pub opcode: u8,
    /// RCODE.
    pub rcode: u8,
    /// QDCOUNT.
    pub question_count: u16,
    /// Text of the first question's name, empty when there is none (or it is the root).
    pub question: NameText,
    /// QTYPE of the first question, if one was read.
    pub qtype: Option<u16>,
    /// A records from all sections (tshark's `dns.a` does the same), in message order.
    pub a: Vec<Addr<Ipv4Addr>, MAX_ADDRS>,
    /// AAAA records from all sections, in message order.
    pub aaaa: Vec<Addr<Ipv6Addr>, MAX_ADDRS>,
    /// CNAME targets from all sections, in message order (not de-duplicated, like tshark).
    pub cnames: Vec<NameText, MAX_CNAMES>,
    /// For mDNS: distinct owner names of all records, PTR targets and SRV targets.
    pub announced: Vec<NameText, MAX_ANNOUNCED>,
    /// A list above was full and facts were dropped.
    pub overflow: bool,
    /// The message was malformed or truncated after the facts above were read.
    pub error: Option<WireError>,
}

impl DnsSummary {
    /// Empties every field, keeping the storage.
    pub fn clear(&mut self) {
        self.id = 0;
        self.is_response = false;
        self.opcode = 0;
        self.rcode = 0;
        self.question_count = 0;
        self.question.clear();
        self.qtype = None;
        self.a.clear();
        self.aaaa.clear();
        self.cnames.clear();
        self.announced.clear();
        self.overflow = false;
        self.error = None;
    }

    /// Reads `msg` into this (cleared) summary. Facts found before an error are kept; the error is
    /// also stored in `self.error`. A message of 4 to 11 bytes still yields ID and flags.
    pub fn fill(&mut self, msg: &[u8]) -> Result<()> {
        let result = self.fill_inner(msg);
        if let Err(e) = result {
            self.error = Some(e);
        }
        result
    }

    fn fill_inner(&mut self, buf: &[u8]) -> Result<()> {
        // Like tshark, take the ID and flags from a message too short for the whole header.
        if buf.len() >= field::FLAGS.end {
            self.id = be16(buf, field::ID.start);
            let flags = be16(buf, field::FLAGS.start);
            self.is_response = flags & 0x8000 != 0;
            self.opcode = ((flags >> 11) & 0xf) as u8;
            self.rcode = (flags & 0xf) as u8;
        }
        let msg = Message::new_checked(buf)?;
        self.question_count = msg.question_count();
        for (i, q) in msg.questions().enumerate() {
            let q = q?;
            if i == 0 {
                self.qtype = Some(q.qtype);
                q.name.write_text(&mut self.question)?;
            }
        }
        for record in msg.records() {
            let record = record?;
            self.add_announced(&record.name)?;
            match record.rtype {
                rtype::A => {
                    if let Some(addr) = record.ipv4() {
                        let item = Addr {
                            addr,
                            section: record.section,
                        };
                        self.overflow |= self.a.push(item).is_err();
                    }
                }
                rtype::AAAA => {
                    if let Some(addr) = record.ipv6() {
                        let item = Addr {
                            addr,
                            section: record.section,
                        };
                        self.overflow |= self.aaaa.push(item).is_err();
                    }
                }
                rtype::CNAME => {
                    if let Some(target) = record.target_name() {
                        let mut text = NameText::new();
                        target?.write_text(&mut text)?;
                        self.overflow |= self.cnames.push(text).is_err();
                    }
                }
                rtype::PTR | rtype::SRV => {
                    if let Some(target) = record.target_name() {
                        self.add_announced(&target?)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn add_announced(&mut self, name: &Name<'_>) -> Result<()> {
        let mut text = NameText::new();
        name.write_text(&mut text)?;
        if text.is_empty() || self.announced.contains(&text) {
            return Ok(());
        }
        self.overflow |= self.announced.push(text).is_err();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A response for www.example.com: CNAME to a.example.net, A and AAAA for it, an
    /// authority NS record and an A glue record in the additional section.
    #[rustfmt::skip]
    const RESPONSE: &[u8] = &[
        0x12, 0x34,             // ID
        0x81, 0x80,             // QR=1, opcode 0, RD, RA, rcode 0
        0x00, 0x01,             // QDCOUNT 1
        0x00, 0x03,             // ANCOUNT 3
        0x00, 0x01,             // NSCOUNT 1
        0x00, 0x01,             // ARCOUNT 1
        // 12: question www.example.com A IN
        3, b'w', b'w', b'w', 7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 3, b'c', b'o', b'm', 0,
        0x00, 0x01, 0x00, 0x01,
        // 33: answer: name -> 12, CNAME IN TTL 60, RDLENGTH 9
        0xc0, 12, 0x00, 0x05, 0x00, 0x01, 0, 0, 0, 60, 0x00, 9,
        1, b'a', 0xc0, 16,      // 45: "a" then a pointer to "example.com" at 16
        3, b'n', b'e', b't', 0, // unused tail inside RDLENGTH (ignored)
        // 54: answer: name -> 45 (a.example.com), A 192.0.2.1
        0xc0, 45, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 60, 0x00, 4, 192, 0, 2, 1,
        // 70: answer: name -> 45, AAAA 2001:db8::1
        0xc0, 45, 0x00, 0x1c, 0x00, 0x01, 0, 0, 0, 60, 0x00, 16,
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
        // 98: authority: example.com NS ns.example.com (RDATA at 110)
        0xc0, 16, 0x00, 0x02, 0x00, 0x01, 0, 0, 0, 60, 0x00, 5, 2, b'n', b's', 0xc0, 16,
        // 115: additional: ns.example.com A 198.51.100.7 (glue)
        0xc0, 110, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 60, 0x00, 4, 198, 51, 100, 7,
    ];

    fn text(name: &Name<'_>) -> NameText {
        let mut t = NameText::new();
        name.write_text(&mut t).unwrap();
        t
    }

    #[test]
    fn header_questions_and_records() {
        let m = Message::new_checked(RESPONSE).unwrap();
        assert_eq!(m.id(), 0x1234);
        assert!(m.is_response());
        assert_eq!((m.opcode(), m.rcode()), (0, 0));
        assert_eq!(
            (
                m.question_count(),
                m.answer_count(),
                m.authority_count(),
                m.additional_count()
            ),
            (1, 3, 1, 1)
        );
        let q: Vec<Question<'_>, 4> = m.questions().map(|q| q.unwrap()).collect();
        assert_eq!(q.len(), 1);
        assert_eq!(text(&q[0].name), "www.example.com");
        assert_eq!(q[0].qtype, rtype::A);
        let r: Vec<Record<'_>, 8> = m.records().map(|r| r.unwrap()).collect();
        assert_eq!(r.len(), 5);
        assert_eq!(text(&r[0].target_name().unwrap().unwrap()), "a.example.com");
        assert_eq!(r[1].ipv4(), Some(Ipv4Addr::new(192, 0, 2, 1)));
        assert_eq!(text(&r[1].name), "a.example.com");
        assert_eq!(r[2].ipv6(), Some("2001:db8::1".parse().unwrap()));
        assert_eq!(r[3].section, Section::Authority);
        assert_eq!(r[4].section, Section::Additional);
        assert_eq!(text(&r[4].name), "ns.example.com");
        let mut raw = [0u8; 64];
        let n = r[4].name.decode_into(&mut raw).unwrap();
        assert_eq!(&raw[..n], b"ns.example.com");
        assert!(r[4].name.decode_into(&mut raw[..5]).is_err());
    }

    #[test]
    fn summary_of_response() {
        let mut s = DnsSummary::default();
        s.fill(RESPONSE).unwrap();
        assert_eq!(s.question, "www.example.com");
        assert_eq!(s.qtype, Some(rtype::A));
        assert_eq!(s.cnames.len(), 1);
        assert_eq!(s.cnames[0], "a.example.com");
        let a: Vec<(Ipv4Addr, Section), 4> = s.a.iter().map(|a| (a.addr, a.section)).collect();
        assert_eq!(
            &a[..],
            &[
                (Ipv4Addr::new(192, 0, 2, 1), Section::Answer),
                (Ipv4Addr::new(198, 51, 100, 7), Section::Additional)
            ]
        );
        assert_eq!(s.aaaa.len(), 1);
        assert!(!s.overflow && s.error.is_none());
        // Owner names, de-duplicated: www.example.com, a.example.com, example.com, ns.example.com.
        assert_eq!(s.announced.len(), 4);
        s.clear();
        assert!(s.question.is_empty() && s.a.is_empty() && s.announced.is_empty());
    }

    #[test]
    fn every_truncation_is_an_error_and_keeps_earlier_facts() {
        let mut s = DnsSummary::default();
        for len in 0..RESPONSE.len() {
            s.clear();
            assert!(s.fill(&RESPONSE[..len]).is_err(), "len {len}");
            // The glue A record is last, so a cut message never has two addresses.
            assert!(s.a.len() <= 1);
            if len >= 70 {
                assert_eq!(s.a.len(), 1, "len {len}");
            }
        }
    }

    #[test]
    fn pointer_loop_is_malformed() {
        // Header with one question whose name is a pointer to itself.
        let msg = [0, 0, 0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1];
        let m = Message::new_checked(&msg[..]).unwrap();
        let q = m.questions().next().unwrap();
        assert_eq!(
            q.unwrap_err(),
            WireError::Malformed("DNS name: pointer loop")
        );
        // Pointer beyond the end.
        let msg = [0, 0, 0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 200, 0, 1, 0, 1];
        assert!(Name::parse(&msg, 12).is_err());
    }

    #[test]
    fn looping_name_with_long_labels_stops_as_too_long() {
        // A 63-byte label then a pointer back to it: the walk stops once past 255 bytes.
        let mut msg = [b'z'; 66];
        msg[0] = 63;
        msg[64..].copy_from_slice(&[0xc0, 0]);
        let (name, next) = Name::parse(&msg, 0).unwrap();
        assert_eq!(next, 66);
        assert!(name.is_too_long());
        assert_eq!(text(&name), NAME_TOO_LONG_TEXT);
    }

    #[test]
    fn extended_label_is_malformed() {
        let msg = [0x41, 8, 0xff, 0];
        assert_eq!(
            Name::parse(&msg, 0).unwrap_err(),
            WireError::Malformed("DNS name: extended label type")
        );
    }

    #[test]
    fn long_names_print_like_tshark() {
        // 4 labels of 63 bytes: 4 * 64 + 1 = 257 wire bytes, over the limit.
        let mut buf: Vec<u8, 300> = Vec::new();
        for _ in 0..4 {
            buf.push(63).unwrap();
            buf.extend_from_slice(&[b'x'; 63]).unwrap();
        }
        buf.push(0).unwrap();
        let (name, next) = Name::parse(&buf, 0).unwrap();
        assert_eq!(next, buf.len());
        assert!(name.is_too_long());
        assert_eq!(text(&name), NAME_TOO_LONG_TEXT);
        assert!(name.decode_into(&mut [0u8; 512]).is_err());
        // Cut to 3 labels + a 61-byte label: 3*64 + 62 + 1 = 255 bytes, allowed.
        let mut ok: Vec<u8, 300> = Vec::new();
        ok.extend_from_slice(&buf[..192]).unwrap();
        ok.push(61).unwrap();
        ok.extend_from_slice(&[b'y'; 61]).unwrap();
        ok.push(0).unwrap();
        let (name, _) = Name::parse(&ok, 0).unwrap();
        assert!(!name.is_too_long());
        assert_eq!(text(&name).len(), 253);
    }

    #[test]
    fn odd_bytes_are_escaped_like_tshark() {
        // "in-a\x1adr", "Luca\xe2\x80\x99s iMac", "a\xffb", "x.y" (dot inside a label), root.
        #[rustfmt::skip]
        let msg = [
            7, b'i', b'n', b'-', b'a', 0x1a, b'd', b'r',
            14, b'L', b'u', b'c', b'a', 0xe2, 0x80, 0x99, b's', b' ', b'i', b'M', b'a', b'c', b'\n',
            3, b'a', 0xff, b'b',
            3, b'x', b'.', b'y', 0,
        ];
        let (name, _) = Name::parse(&msg, 0).unwrap();
        assert_eq!(text(&name), "in-a\\032dr.Luca’s iMac\\n.a\u{fffd}b.x.y");
        let (root, _) = Name::parse(&[0u8], 0).unwrap();
        assert!(root.is_root());
        assert_eq!(text(&root), "");
    }

    #[test]
    fn overflow_sets_flag() {
        // One question-less response with MAX_ADDRS + 1 A records named by the root.
        let mut msg: Vec<u8, 1200> = Vec::new();
        msg.extend_from_slice(&[0, 0, 0x80, 0, 0, 0, 0, 65, 0, 0, 0, 0])
            .unwrap();
        for i in 0..=MAX_ADDRS as u8 {
            msg.extend_from_slice(&[0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 10, 0, 0, i])
                .unwrap();
        }
        let mut s = DnsSummary::default();
        s.fill(&msg).unwrap();
        assert_eq!(s.a.len(), MAX_ADDRS);
        assert!(s.overflow);
    }
}
