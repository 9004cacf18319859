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
        self.fill_with(msg, true)
    }

    /// Like [`fill`](Self::fill); `announced` false leaves `announced` empty (names announced
    /// only matter for mDNS, and writing every owner name out as text is most of the work on a
    /// large unicast response). Errors are the same either way.
    pub fn fill_with(&mut self, msg: &[u8], announced: bool) -> Result<()> {
        let result = self.fill_inner(msg, announced);
        if let Err(e) = result {
            self.error = Some(e);
        }
        result
    }

    fn fill_inner(&mut self, buf: &[u8], announced: bool) -> Result<()> {
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
            if announced {
                self.add_announced(&record.name)?;
            }
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
                        let target = target?;
                        if announced {
                            self.add_announced(&target)?;
                        }
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
#[path = "dns_tests.rs"]
mod tests;
