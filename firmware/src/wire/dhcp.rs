//! DHCPv4 and BOOTP messages (RFC 2131, RFC 951, options RFC 2132): a borrowed view of the fixed
//! header, an option walk (pad, end, and option overload into `file` and `sname`), and
//! `DhcpInfo`, the borrowed facts the engine uses to know a device (MAC, host name, vendor class,
//! client identifier, requested address).
//!
//! Option values are borrowed `&[u8]` as sent; the caller escapes them for JSON. Input is the
//! UDP payload of a datagram on port 67 or 68 (the caller checks the ports).
//!
//! Compared with tshark 4.0 (oracle `*.dhcp.tsv`): the same host name and vendor class on every
//! corpus frame. Deliberate differences: the first occurrence of an option wins (tshark lists
//! all occurrences; RFC 3396 long-option concatenation is not done, as no client in the corpus
//! needs it). A BOOTP message without the magic cookie has no options here.

use core::net::Ipv4Addr;

use super::{be32, need, Result, WireError};

/// Fixed-header field offsets (RFC 2131 section 2, figure 1).
pub mod field {
    use core::ops::Range;
    /// op: 1 = BOOTREQUEST, 2 = BOOTREPLY.
    pub const OP: usize = 0;
    /// htype: hardware address type (1 = Ethernet, "Assigned Numbers" RFC).
    pub const HTYPE: usize = 1;
    /// hlen: hardware address length (6 for Ethernet).
    pub const HLEN: usize = 2;
    /// hops: relay agent hop count.
    pub const HOPS: usize = 3;
    /// xid: transaction ID chosen by the client.
    pub const XID: Range<usize> = 4..8;
    /// secs: seconds since the client began acquisition.
    pub const SECS: Range<usize> = 8..10;
    /// flags: the broadcast bit.
    pub const FLAGS: Range<usize> = 10..12;
    /// ciaddr: client IP address, when the client already has one.
    pub const CIADDR: Range<usize> = 12..16;
    /// yiaddr: "your" (client) IP address, offered or assigned by the server.
    pub const YIADDR: Range<usize> = 16..20;
    /// siaddr: next server IP address.
    pub const SIADDR: Range<usize> = 20..24;
    /// giaddr: relay agent IP address.
    pub const GIADDR: Range<usize> = 24..28;
    /// chaddr: client hardware address (16 bytes, the first hlen used).
    pub const CHADDR: Range<usize> = 28..44;
    /// sname: server host name, or options when overloaded (RFC 2132 section 9.3).
    pub const SNAME: Range<usize> = 44..108;
    /// file: boot file name, or options when overloaded.
    pub const FILE: Range<usize> = 108..236;
    /// The magic cookie 99.130.83.99 that starts the options (RFC 2131 section 3).
    pub const MAGIC: Range<usize> = 236..240;
    /// Options, up to the end of the datagram.
    pub const OPTIONS: usize = 240;
}

/// Length of a BOOTP header without the cookie (RFC 951).
pub const BOOTP_LEN: usize = field::MAGIC.start;
/// The DHCP magic cookie (RFC 2131 section 3).
pub const MAGIC_COOKIE: [u8; 4] = [99, 130, 83, 99];

/// Option codes we read (RFC 2132).
pub mod opt {
    /// Pad (section 3.1): a single byte, no length.
    pub const PAD: u8 = 0;
    /// Host name (section 3.14).
    pub const HOSTNAME: u8 = 12;
    /// Requested IP address (section 9.1).
    pub const REQUESTED_IP: u8 = 50;
    /// Option overload (section 9.3): 1 = `file`, 2 = `sname`, 3 = both hold options.
    pub const OVERLOAD: u8 = 52;
    /// DHCP message type (section 9.6).
    pub const MESSAGE_TYPE: u8 = 53;
    /// Vendor class identifier (section 9.13).
    pub const VENDOR_CLASS: u8 = 60;
    /// Client identifier (section 9.14).
    pub const CLIENT_ID: u8 = 61;
    /// End (section 3.2): a single byte.
    pub const END: u8 = 255;
}

/// A borrowed, checked view of a BOOTP/DHCP message.
#[derive(Debug, Clone, Copy)]
pub struct Packet<'a> {
    buf: &'a [u8],
}

impl<'a> Packet<'a> {
    /// Wraps `buf` after checking that it holds the 236-byte BOOTP header.
    pub fn new_checked(buf: &'a [u8]) -> Result<Self> {
        need(buf, BOOTP_LEN, "BOOTP header")?;
        Ok(Packet { buf })
    }

    /// op: 1 = request (client to server), 2 = reply.
    pub fn op(&self) -> u8 {
        self.buf[field::OP]
    }
    /// htype.
    pub fn htype(&self) -> u8 {
        self.buf[field::HTYPE]
    }
    /// hlen.
    pub fn hlen(&self) -> u8 {
        self.buf[field::HLEN]
    }
    /// hops.
    pub fn hops(&self) -> u8 {
        self.buf[field::HOPS]
    }
    /// xid.
    pub fn xid(&self) -> u32 {
        be32(self.buf, field::XID.start)
    }
    fn addr(&self, at: usize) -> Ipv4Addr {
        Ipv4Addr::from(be32(self.buf, at))
    }
    /// ciaddr.
    pub fn ciaddr(&self) -> Ipv4Addr {
        self.addr(field::CIADDR.start)
    }
    /// yiaddr.
    pub fn yiaddr(&self) -> Ipv4Addr {
        self.addr(field::YIADDR.start)
    }
    /// siaddr.
    pub fn siaddr(&self) -> Ipv4Addr {
        self.addr(field::SIADDR.start)
    }
    /// giaddr.
    pub fn giaddr(&self) -> Ipv4Addr {
        self.addr(field::GIADDR.start)
    }
    /// The first `hlen` bytes of chaddr (at most its 16 bytes).
    pub fn chaddr(&self) -> &'a [u8] {
        let len = usize::from(self.hlen()).min(field::CHADDR.len());
        &self.buf[field::CHADDR.start..field::CHADDR.start + len]
    }
    /// The client MAC address, when htype is Ethernet (1) and hlen is 6.
    pub fn client_mac(&self) -> Option<[u8; 6]> {
        if self.htype() != 1 || self.hlen() != 6 {
            return None;
        }
        self.chaddr().try_into().ok()
    }
    /// True when the magic cookie is present, i.e. this is DHCP rather than plain BOOTP.
    pub fn has_magic_cookie(&self) -> bool {
        self.buf.get(field::MAGIC) == Some(&MAGIC_COOKIE[..])
    }

    /// Walks the options: the options field, then `file` and `sname` if option 52 says so.
    /// Empty for BOOTP without the magic cookie. Stops after the first error.
    pub fn options(&self) -> Options<'a> {
        let region = if self.has_magic_cookie() {
            Region::Options
        } else {
            Region::Done
        };
        Options {
            buf: self.buf,
            region,
            at: field::OPTIONS,
            overload: 0,
        }
    }

    /// Collects the options the engine uses. Values found before a malformed option are kept and
    /// the error is reported in `DhcpInfo::error`.
    pub fn info(&self) -> DhcpInfo<'a> {
        let mut info = DhcpInfo {
            client_mac: self.client_mac(),
            ..DhcpInfo::default()
        };
        for option in self.options() {
            let option = match option {
                Ok(o) => o,
                Err(e) => {
                    info.error = Some(e);
                    break;
                }
            };
            let v = option.value;
            match option.code {
                opt::MESSAGE_TYPE => {
                    if let [t] = v {
                        info.message_type.get_or_insert(*t);
                    }
                }
                opt::HOSTNAME => {
                    info.hostname.get_or_insert(v);
                }
                opt::VENDOR_CLASS => {
                    info.vendor_class.get_or_insert(v);
                }
                opt::CLIENT_ID => {
                    info.client_id.get_or_insert(v);
                }
                opt::REQUESTED_IP => {
                    if let Ok(b) = <[u8; 4]>::try_from(v) {
                        info.requested_ip.get_or_insert(Ipv4Addr::from(b));
                    }
                }
                _ => {}
            }
        }
        info
    }
}

/// One option: its code and borrowed value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DhcpOption<'a> {
    /// Option code.
    pub code: u8,
    /// Value bytes (the length octet not included).
    pub value: &'a [u8],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Region {
    Options,
    File,
    Sname,
    Done,
}

/// Iterator over the options of a message (pad skipped, stops at end).
#[derive(Debug, Clone)]
pub struct Options<'a> {
    buf: &'a [u8],
    region: Region,
    at: usize,
    overload: u8,
}

impl<'a> Options<'a> {
    /// RFC 2131 section 4.1: options field first, then `file`, then `sname`.
    fn next_region(&mut self) {
        let (region, at) = match self.region {
            Region::Options if self.overload & 1 != 0 => (Region::File, field::FILE.start),
            Region::Options | Region::File if self.overload & 2 != 0 => {
                (Region::Sname, field::SNAME.start)
            }
            _ => (Region::Done, 0),
        };
        self.region = region;
        self.at = at;
    }

    fn region_end(&self) -> usize {
        match self.region {
            Region::Options => self.buf.len(),
            Region::File => field::FILE.end,
            Region::Sname => field::SNAME.end,
            Region::Done => 0,
        }
    }
}

impl<'a> Iterator for Options<'a> {
    type Item = Result<DhcpOption<'a>>;
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.region == Region::Done {
                return None;
            }
            let end = self.region_end();
            let Some(&code) = self.buf.get(self.at).filter(|_| self.at < end) else {
                // Ran off the field without an End option: tolerated, go on to the next field.
                self.next_region();
                continue;
            };
            match code {
                opt::PAD => self.at += 1,
                opt::END => self.next_region(),
                _ => {
                    let Some(&len) = self.buf.get(self.at + 1).filter(|_| self.at + 1 < end) else {
                        self.region = Region::Done;
                        return Some(Err(WireError::Truncated {
                            what: "DHCP option length",
                            need: self.at + 2,
                            have: end,
                        }));
                    };
                    let value_at = self.at + 2;
                    let value_end = value_at + usize::from(len);
                    if value_end > end {
                        self.region = Region::Done;
                        return Some(Err(WireError::Truncated {
                            what: "DHCP option value",
                            need: value_end,
                            have: end,
                        }));
                    }
                    let value = &self.buf[value_at..value_end];
                    self.at = value_end;
                    // Only the options field may carry the overload option (RFC 2132 9.3).
                    if code == opt::OVERLOAD && self.region == Region::Options {
                        if let [v] = value {
                            self.overload = *v & 3;
                        }
                    }
                    return Some(Ok(DhcpOption { code, value }));
                }
            }
        }
    }
}

/// The facts the engine takes from one DHCP message, borrowed from it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DhcpInfo<'a> {
    /// chaddr as a MAC, when htype is Ethernet and hlen 6.
    pub client_mac: Option<[u8; 6]>,
    /// Option 53: 1 DISCOVER, 2 OFFER, 3 REQUEST, 4 DECLINE, 5 ACK, 6 NAK, 7 RELEASE, 8 INFORM.
    pub message_type: Option<u8>,
    /// Option 12, as sent.
    pub hostname: Option<&'a [u8]>,
    /// Option 60, as sent.
    pub vendor_class: Option<&'a [u8]>,
    /// Option 61, as sent (usually a type byte and a MAC).
    pub client_id: Option<&'a [u8]>,
    /// Option 50.
    pub requested_ip: Option<Ipv4Addr>,
    /// The option walk stopped here; the fields above hold what came before.
    pub error: Option<WireError>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A DHCPREQUEST modelled on tcpdump__dhcp-mud.pcap frame 1 (its MAC and host name, fewer
    /// options), with `file` overloaded to carry one more option.
    fn request() -> [u8; 240 + 31] {
        let mut m = [0u8; 240 + 31];
        m[field::OP] = 1; // BOOTREQUEST
        m[field::HTYPE] = 1; // Ethernet
        m[field::HLEN] = 6;
        m[field::XID].copy_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
        m[field::CIADDR].copy_from_slice(&[192, 168, 1, 20]);
        m[field::CHADDR][..6].copy_from_slice(&[0x00, 0x23, 0xeb, 0x10, 0x2c, 0x29]);
        // `file` holds options because of option 52 below: vendor class "v1", then End.
        m[field::FILE][..5].copy_from_slice(&[60, 2, b'v', b'1', 255]);
        m[field::MAGIC].copy_from_slice(&MAGIC_COOKIE);
        #[rustfmt::skip]
        let options = [
            53, 1, 3,                                       // message type REQUEST
            0,                                              // pad
            50, 4, 192, 168, 1, 20,                         // requested IP
            12, 11, b'r', b'a', b's', b'p', b'b', b'e', b'r', b'r', b'y', b'p', b'i', // host name
            52, 1, 1,                                       // overload: file holds options
            61, 2, 1, 7,                                    // client identifier (short)
            255,                                            // end
        ];
        m[field::OPTIONS..].copy_from_slice(&options);
        m
    }

    #[test]
    fn header_fields() {
        let m = request();
        let p = Packet::new_checked(&m[..]).unwrap();
        assert_eq!((p.op(), p.htype(), p.hlen(), p.hops()), (1, 1, 6, 0));
        assert_eq!(p.xid(), 0xdeadbeef);
        assert_eq!(p.ciaddr(), Ipv4Addr::new(192, 168, 1, 20));
        assert_eq!(p.yiaddr(), Ipv4Addr::UNSPECIFIED);
        assert_eq!(p.client_mac(), Some([0x00, 0x23, 0xeb, 0x10, 0x2c, 0x29]));
        assert!(p.has_magic_cookie());
    }

    #[test]
    fn options_with_overload() {
        let m = request();
        let p = Packet::new_checked(&m[..]).unwrap();
        let codes: heapless::Vec<u8, 8> = p.options().map(|o| o.unwrap().code).collect();
        assert_eq!(&codes[..], &[53, 50, 12, 52, 61, 60]);
        let info = p.info();
        assert_eq!(info.message_type, Some(3));
        assert_eq!(info.hostname, Some(&b"raspberrypi"[..]));
        assert_eq!(info.vendor_class, Some(&b"v1"[..]));
        assert_eq!(info.client_id, Some(&[1u8, 7][..]));
        assert_eq!(info.requested_ip, Some(Ipv4Addr::new(192, 168, 1, 20)));
        assert_eq!(info.error, None);
    }

    #[test]
    fn no_overload_means_file_is_not_read() {
        let mut m = request();
        m[field::OPTIONS + 25] = 0; // overload value 0
        let info = Packet::new_checked(&m[..]).unwrap().info();
        assert_eq!(info.vendor_class, None);
        assert_eq!(info.hostname, Some(&b"raspberrypi"[..]));
    }

    #[test]
    fn bootp_without_cookie_has_no_options() {
        let mut m = request();
        m[field::MAGIC].copy_from_slice(&[0, 0, 0, 0]);
        let p = Packet::new_checked(&m[..]).unwrap();
        assert_eq!(p.options().count(), 0);
        assert_eq!(p.info().client_mac, p.client_mac());
    }

    #[test]
    fn non_ethernet_chaddr_is_not_a_mac() {
        let mut m = request();
        m[field::HLEN] = 200; // bogus: chaddr is clamped to its 16 bytes
        let p = Packet::new_checked(&m[..]).unwrap();
        assert_eq!(p.client_mac(), None);
        assert_eq!(p.chaddr().len(), 16);
    }

    #[test]
    fn every_truncation_is_safe() {
        let m = request();
        for len in 0..m.len() {
            let Ok(p) = Packet::new_checked(&m[..len]) else {
                assert!(len < BOOTP_LEN);
                continue;
            };
            let info = p.info();
            // Option boundaries (offsets from the options field): a cut there loses nothing.
            let boundaries = [0, 3, 4, 10, 23, 26, 30];
            if let Some(cut) = len.checked_sub(field::OPTIONS) {
                assert_eq!(info.error.is_none(), boundaries.contains(&cut), "len {len}");
                assert_eq!(info.message_type.is_some(), cut >= 3, "len {len}");
                assert_eq!(info.hostname.is_some(), cut >= 23, "len {len}");
            }
        }
    }

    #[test]
    fn option_running_past_end_is_truncated() {
        let mut m = request();
        m[field::OPTIONS + 11] = 200; // host name length beyond the datagram
        let info = Packet::new_checked(&m[..]).unwrap().info();
        assert_eq!(info.hostname, None);
        assert!(matches!(info.error, Some(WireError::Truncated { .. })));
        assert_eq!(info.requested_ip, Some(Ipv4Addr::new(192, 168, 1, 20)));
    }
}
