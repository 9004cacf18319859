//! QUIC long-header packets and the frames of client Initials (RFC 9000, RFC 9369).
//!
//! This module owns the parsing of a UDP payload as coalesced long-header packets (RFC 9000
//! 12.2, 17.2), the variable-length integer encoding (RFC 9000 16), and the frames that may
//! appear in an Initial packet (RFC 9000 19: PADDING, PING, ACK, CRYPTO, CONNECTION_CLOSE).
//! [`for_each_client_initial`] ties these to [`super::quic_crypto`]: it opens each client Initial
//! of a supported version (v1, v2, draft-29) with keys derived from that packet's own DCID and
//! hands every CRYPTO frame to the caller, who reassembles the TLS ClientHello by offset across
//! datagrams and gives it to [`super::tls::client_hello_sni`]. Nothing here allocates.

pub use super::quic_crypto::{InitialKeys, Opened, QuicScratch, QuicVersion};
use super::{be32, need, Result, WireError};

/// Largest connection ID length in QUIC v1 and v2 (RFC 9000 17.2).
pub const MAX_CID_LEN: usize = 20;
/// Largest value of a variable-length integer (RFC 9000 16).
pub const VARINT_MAX: u64 = (1 << 62) - 1;

/// Offsets of the fixed part of a long header (RFC 9000 17.2).
mod field {
    use core::ops::Range;
    /// Header Form (1), Fixed Bit (1), Long Packet Type (2), Type-Specific Bits (4).
    pub const FIRST: usize = 0;
    /// Version (32).
    pub const VERSION: Range<usize> = 1..5;
    /// Destination Connection ID Length (8); the DCID follows.
    pub const DCID_LEN: usize = 5;
    /// Header Form bit: 1 = long header.
    pub const LONG_FORM: u8 = 0x80;
}

/// Reads a variable-length integer (RFC 9000 16) at `*at`, advancing `*at`.
pub fn read_varint(buf: &[u8], at: &mut usize) -> Result<u64> {
    let first = *buf.get(*at).ok_or(WireError::Truncated {
        what: "QUIC varint",
        need: *at + 1,
        have: buf.len(),
    })?;
    // The two most significant bits give the length: 1, 2, 4 or 8 bytes.
    let len = 1usize << (first >> 6);
    need(buf, *at + len, "QUIC varint")?;
    let mut value = u64::from(first & 0x3f);
    for &byte in &buf[*at + 1..*at + len] {
        value = (value << 8) | u64::from(byte);
    }
    *at += len;
    Ok(value)
}

/// Reads a varint length and returns that many bytes at `*at`, advancing past them.
fn read_vec<'a>(buf: &'a [u8], at: &mut usize, what: &'static str) -> Result<&'a [u8]> {
    let len = read_varint(buf, at)?;
    let len = usize::try_from(len).map_err(|_| WireError::Malformed(what))?;
    let end = at.checked_add(len).ok_or(WireError::Malformed(what))?;
    need(buf, end, what)?;
    let bytes = &buf[*at..end];
    *at = end;
    Ok(bytes)
}

/// The kind of a long-header packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LongPacketKind<'a> {
    /// Initial (RFC 9000 17.2.2), with its Token.
    Initial {
        /// Address validation token (empty on a first Initial).
        token: &'a [u8],
    },
    /// 0-RTT (RFC 9000 17.2.3).
    ZeroRtt,
    /// Handshake (RFC 9000 17.2.4).
    Handshake,
    /// Retry (RFC 9000 17.2.5): fills the rest of the datagram.
    Retry,
    /// Version Negotiation (RFC 9000 17.2.1, version 0): fills the rest of the datagram.
    VersionNegotiation,
    /// A version we do not parse past the connection IDs (gQUIC, other drafts): the packet's
    /// length is unknown, so it is taken to fill the rest of the datagram.
    UnsupportedVersion,
}

/// A checked view of one long-header packet at the start of a datagram slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LongHeader<'a> {
    /// First byte, still header-protected in its low 4 bits.
    pub first_byte: u8,
    /// Version field.
    pub version: u32,
    /// Destination Connection ID.
    pub dcid: &'a [u8],
    /// Source Connection ID.
    pub scid: &'a [u8],
    /// Packet kind (and Initial token).
    pub kind: LongPacketKind<'a>,
    /// Offset of the (protected) Packet Number field; 0 when the kind has none.
    pub pn_offset: usize,
    /// Bytes of this packet in the datagram: header plus the Length field's span.
    pub packet_len: usize,
}

impl<'a> LongHeader<'a> {
    /// Parses the long header at the start of `datagram` (RFC 9000 17.2). Errors on a short
    /// header (`Unsupported`), a truncated header or a Length past the datagram's end.
    pub fn new_checked(datagram: &'a [u8]) -> Result<Self> {
        need(datagram, field::DCID_LEN + 1, "QUIC long header")?;
        let first_byte = datagram[field::FIRST];
        if first_byte & field::LONG_FORM == 0 {
            return Err(WireError::Unsupported("QUIC short header"));
        }
        let version = be32(datagram, field::VERSION.start);
        let quic = QuicVersion::from_wire(version);
        let mut at = field::DCID_LEN;
        let dcid = read_cid(datagram, &mut at, quic.is_some())?;
        let scid = read_cid(datagram, &mut at, quic.is_some())?;
        let whole = |kind| {
            Ok(Self {
                first_byte,
                version,
                dcid,
                scid,
                kind,
                pn_offset: 0,
                packet_len: datagram.len(),
            })
        };
        let Some(quic) = quic else {
            return whole(if version == 0 {
                LongPacketKind::VersionNegotiation
            } else {
                LongPacketKind::UnsupportedVersion
            });
        };
        // Long Packet Type: v1 Initial 0, 0-RTT 1, Handshake 2, Retry 3; v2 rotates by one
        // (RFC 9369 3.2: Initial 1, 0-RTT 2, Handshake 3, Retry 0).
        let type_bits = (first_byte >> 4) & 0x03;
        let kind = match (type_bits + 4 - quic.initial_type_bits()) % 4 {
            0 => LongPacketKind::Initial {
                token: read_vec(datagram, &mut at, "QUIC Initial token")?,
            },
            1 => LongPacketKind::ZeroRtt,
            2 => LongPacketKind::Handshake,
            _ => return whole(LongPacketKind::Retry),
        };
        let length = read_varint(datagram, &mut at)?;
        let pn_offset = at;
        let packet_len = usize::try_from(length)
            .ok()
            .and_then(|len| pn_offset.checked_add(len))
            .ok_or(WireError::Malformed("QUIC Length"))?;
        need(datagram, packet_len, "QUIC packet (Length)")?;
        Ok(Self {
            first_byte,
            version,
            dcid,
            scid,
            kind,
            pn_offset,
            packet_len,
        })
    }

    /// The QUIC version, if it is one we open.
    pub fn quic_version(&self) -> Option<QuicVersion> {
        QuicVersion::from_wire(self.version)
    }
}

/// Reads a length-prefixed connection ID; at most 20 bytes in known versions (RFC 9000 17.2).
fn read_cid<'a>(buf: &'a [u8], at: &mut usize, known_version: bool) -> Result<&'a [u8]> {
    need(buf, *at + 1, "QUIC connection ID length")?;
    let len = usize::from(buf[*at]);
    if known_version && len > MAX_CID_LEN {
        return Err(WireError::Malformed("QUIC connection ID length"));
    }
    let start = *at + 1;
    need(buf, start + len, "QUIC connection ID")?;
    *at = start + len;
    Ok(&buf[start..start + len])
}

/// A frame of an Initial packet (RFC 9000 19).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A run of PADDING frames (19.1), collapsed: `len` zero bytes.
    Padding {
        /// Number of padding bytes.
        len: usize,
    },
    /// PING (19.2).
    Ping,
    /// ACK (19.3); ranges are checked and skipped.
    Ack {
        /// Largest Acknowledged.
        largest: u64,
        /// ACK Range Count.
        range_count: u64,
        /// Whether ECN counts followed (type 0x03).
        ecn: bool,
    },
    /// CRYPTO (19.6): a piece of the TLS handshake stream.
    Crypto {
        /// Byte offset in the crypto stream.
        offset: u64,
        /// Crypto data.
        data: &'a [u8],
    },
    /// CONNECTION_CLOSE (19.19), type 0x1c (transport) or 0x1d (application).
    ConnectionClose {
        /// Error Code.
        error_code: u64,
        /// Frame Type that triggered it (0x1c only).
        frame_type: Option<u64>,
        /// Reason Phrase.
        reason: &'a [u8],
    },
}

/// Iterates the frames of a decrypted payload. After an unknown frame type
/// (`WireError::Unsupported`) or a malformed frame it yields that error once and stops.
#[derive(Debug, Clone)]
pub struct Frames<'a> {
    payload: &'a [u8],
    at: usize,
    stopped: bool,
}

impl<'a> Frames<'a> {
    /// Frames of `payload`.
    pub fn new(payload: &'a [u8]) -> Self {
        Self {
            payload,
            at: 0,
            stopped: false,
        }
    }

    fn next_frame(&mut self) -> Result<Frame<'a>> {
        let buf = self.payload;
        let at = &mut self.at;
        let frame_type = read_varint(buf, at)?;
        match frame_type {
            0x00 => {
                let run = buf[*at..].iter().take_while(|&&b| b == 0).count();
                *at += run;
                Ok(Frame::Padding { len: run + 1 })
            }
            0x01 => Ok(Frame::Ping),
            0x02 | 0x03 => {
                let largest = read_varint(buf, at)?;
                let _ack_delay = read_varint(buf, at)?;
                let range_count = read_varint(buf, at)?;
                let _first_range = read_varint(buf, at)?;
                // Each range is Gap and ACK Range Length; a bogus count ends in Truncated.
                for _ in 0..range_count {
                    read_varint(buf, at)?;
                    read_varint(buf, at)?;
                }
                let ecn = frame_type == 0x03;
                if ecn {
                    for _ in 0..3 {
                        read_varint(buf, at)?;
                    }
                }
                Ok(Frame::Ack {
                    largest,
                    range_count,
                    ecn,
                })
            }
            0x06 => {
                let offset = read_varint(buf, at)?;
                let data = read_vec(buf, at, "QUIC CRYPTO data")?;
                // RFC 9000 19.6: offset + length must not exceed 2^62 - 1.
                if offset.saturating_add(data.len() as u64) > VARINT_MAX {
                    return Err(WireError::Malformed("QUIC CRYPTO offset"));
                }
                Ok(Frame::Crypto { offset, data })
            }
            0x1c | 0x1d => {
                let error_code = read_varint(buf, at)?;
                let frame_type = if frame_type == 0x1c {
                    Some(read_varint(buf, at)?)
                } else {
                    None
                };
                let reason = read_vec(buf, at, "QUIC CONNECTION_CLOSE reason")?;
                Ok(Frame::ConnectionClose {
                    error_code,
                    frame_type,
                    reason,
                })
            }
            _ => Err(WireError::Unsupported("QUIC frame type in Initial")),
        }
    }
}

impl<'a> Iterator for Frames<'a> {
    type Item = Result<Frame<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.stopped || self.at >= self.payload.len() {
            return None;
        }
        let frame = self.next_frame();
        self.stopped = frame.is_err();
        Some(frame)
    }
}

/// One CRYPTO frame of a decrypted client Initial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CryptoChunk<'a> {
    /// Version of the packet.
    pub version: QuicVersion,
    /// Destination Connection ID of the packet that carried it.
    pub dcid: &'a [u8],
    /// Source Connection ID of that packet (stable for a client across its Initials).
    pub scid: &'a [u8],
    /// Packet number.
    pub packet_number: u64,
    /// Offset in the crypto stream.
    pub offset: u64,
    /// Data.
    pub data: &'a [u8],
}

/// What [`for_each_client_initial`] found in one datagram.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InitialSummary {
    /// Long-header packets parsed.
    pub packets: u32,
    /// Initial packets of a supported version.
    pub initials: u32,
    /// Initials that decrypted with the client keys of their DCID.
    pub decrypted: u32,
    /// Initials that did not authenticate: server Initials, or damaged ones.
    pub not_client_initial: u32,
    /// Initials larger than the scratch buffer, not opened.
    pub too_large: u32,
    /// 0-RTT, Handshake, Retry and Version Negotiation packets skipped.
    pub skipped: u32,
    /// Packets of a version we do not open (gQUIC, unknown drafts).
    pub unsupported: u32,
    /// CRYPTO frames handed to the callback.
    pub crypto_frames: u32,
    /// A CONNECTION_CLOSE frame was seen in a decrypted Initial.
    pub connection_close: bool,
    /// A frame walk stopped early on an unknown or malformed frame.
    pub frame_error: bool,
    /// A packet after the first one was malformed; the rest of the datagram was dropped.
    pub trailing_error: Option<WireError>,
}

/// Walks the coalesced long-header packets of a UDP payload (RFC 9000 12.2), opens every
/// client Initial of a supported version and calls `on_crypto` for each CRYPTO frame in it.
///
/// Keys: a client keeps the keys of its *first* DCID for all its Initials, even after it
/// switches to the server's connection ID (RFC 9001 5.2); only a Retry changes them. So
/// `flow_keys` holds the keys that last opened a client Initial of this flow: they are tried
/// first, then keys derived from the packet's own DCID, which replace them when they work.
/// Pass `&mut None` for a stateless call (first Initials and Retry-less flows still open).
///
/// Stops at a short header or a packet of an unknown version. Errors only when the first
/// packet is not a long header or a supported one (`Unsupported`) or is malformed; later
/// problems are counted in the summary.
pub fn for_each_client_initial(
    udp_payload: &[u8],
    scratch: &mut QuicScratch,
    flow_keys: &mut Option<InitialKeys>,
    on_crypto: &mut dyn FnMut(CryptoChunk<'_>),
) -> Result<InitialSummary> {
    let mut summary = InitialSummary::default();
    need(udp_payload, 1, "QUIC packet")?;
    let mut rest = udp_payload;
    while let Some(&first) = rest.first() {
        if first & field::LONG_FORM == 0 {
            if summary.packets == 0 {
                return Err(WireError::Unsupported("QUIC short header"));
            }
            break; // a short-header packet, or padding after the last packet
        }
        let header = match LongHeader::new_checked(rest) {
            Ok(header) => header,
            Err(e) if summary.packets == 0 => return Err(e),
            Err(e) => {
                summary.trailing_error = Some(e);
                break;
            }
        };
        summary.packets += 1;
        let packet = &rest[..header.packet_len];
        rest = &rest[header.packet_len..];
        let Some(version) = header.quic_version() else {
            if header.kind == LongPacketKind::UnsupportedVersion {
                summary.unsupported += 1;
                if summary.packets == 1 {
                    return Err(WireError::Unsupported("QUIC version"));
                }
            } else {
                summary.skipped += 1;
            }
            break;
        };
        if !matches!(header.kind, LongPacketKind::Initial { .. }) {
            summary.skipped += 1;
            continue;
        }
        summary.initials += 1;
        match open_client_initial(&header, packet, version, scratch, flow_keys) {
            Opened::Plain {
                packet_number,
                payload,
            } => {
                summary.decrypted += 1;
                for frame in Frames::new(scratch.get(payload)) {
                    match frame {
                        Ok(Frame::Crypto { offset, data }) => {
                            summary.crypto_frames += 1;
                            on_crypto(CryptoChunk {
                                version,
                                dcid: header.dcid,
                                scid: header.scid,
                                packet_number,
                                offset,
                                data,
                            });
                        }
                        Ok(Frame::ConnectionClose { .. }) => summary.connection_close = true,
                        Ok(_) => {}
                        Err(_) => summary.frame_error = true,
                    }
                }
            }
            Opened::AuthenticationFailed => summary.not_client_initial += 1,
            Opened::TooLarge => summary.too_large += 1,
        }
    }
    Ok(summary)
}

/// Opens one client Initial with the flow's keys, else with keys of its own DCID (which then
/// become the flow's). A packet too short for a sample and a tag counts as not authentic.
fn open_client_initial(
    header: &LongHeader<'_>,
    packet: &[u8],
    version: QuicVersion,
    scratch: &mut QuicScratch,
    flow_keys: &mut Option<InitialKeys>,
) -> Opened {
    let cached = flow_keys.as_ref().filter(|keys| keys.version() == version);
    if let Some(keys) = cached {
        match keys.open(packet, header.pn_offset, scratch) {
            Ok(Opened::AuthenticationFailed) | Err(_) => {}
            Ok(opened) => return opened,
        }
    }
    let Ok(keys) = InitialKeys::derive(version, header.dcid) else {
        return Opened::AuthenticationFailed;
    };
    match keys.open(packet, header.pn_offset, scratch) {
        Ok(opened @ Opened::Plain { .. }) => {
            *flow_keys = Some(keys);
            opened
        }
        Ok(opened) => opened,
        Err(_) => Opened::AuthenticationFailed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 9001 A.2: the client's protected 1200-byte Initial (DCID 8394c8f03e515708, PN 2).
    const RFC9001_CLIENT_INITIAL: &str = concat!(
        // c0: long header, Initial, (protected) PN length; 00000001: v1; 08 8394c8f03e515708:
        // DCID; 00: no SCID; 00: no token; 449e: Length 1182; 7b9aec34: protected PN 00000002.
        "c000000001088394c8f03e5157080000449e7b9aec34",
        "d1b1c98dd7689fb8ec11d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f3991c26",
        "0ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c8eb7539ec4d4905fed1bee1fc8aa",
        "fba17c750e2c7ace01e6005f80fcb7df621230c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e",
        "2347b63d58c5457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c2084dce25ff9b06",
        "cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec4e15daf8500a6ef69ec4e3feb6b1d98e610a",
        "c8b7ec3faf6ad760b7bad1db4ba3485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e538",
        "05db059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c7b4378e846d29f37ed7b",
        "4ea9ec5d82e7961b7f25a9323851f681d582363aa5f89937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc526",
        "6ba6611722395c906556be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c746844",
        "9a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663ac69890f4157015853d91e923037c",
        "227a33cdd5ec281ca3f79c44546b9d90ca00f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b",
        "9c5927726632291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe5896425c5bac4aee8",
        "2e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd14de71e6c418559302f939b0e1abd576f279",
        "c4b2e0feb85c1f28ff18f58891ffef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011",
        "a198e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009ddc324044e847a4f4a0ab3",
        "4f719595de37252d6235365e9b84392b061085349d73203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c",
        "1da510b0ff20dcc0c77fcb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450efc60",
        "ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03adea2e1fbc5aa463d08ca19896d2bf5",
        "9a071b851e6c239052172f296bfb5e72404790a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3",
        "986547926cd2162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f440591f355e12",
        "d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca06948109f23f350db82123535eb8a7433bdab",
        "cb909271a6ecbcb58b936a88cd4e8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f",
        "76f0be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f0940054da48781893a7e49ad5",
        "aff4af300cd804a6b6279ab3ff3afb64491c85194aab760d58a606654f9f4400e8b38591356fbf6425aca26d",
        "c85244259ff2b19c41b9f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4056d",
        "f31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd46840647e78bfe706ca4cf5e9c5453e9f7c",
        "fd2b8b4c8d169a44e55c88d4a9a7f9474241e221af44860018ab0856972e194cd934",
    );

    /// RFC 9369 A.2: the same client Initial protected with QUIC v2 (first byte 0xd7).
    const RFC9369_CLIENT_INITIAL: &str = concat!(
        "d76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb4298b485dd04de806071bf03dceebfa1",
        "62e75d6c96058bdbfb127cdfcbf903388e99ad049f9a3dd4425ae4d0992cfff18ecf0fdb5a842d09747052f1",
        "7ac2053d21f57c5d250f2c4f0e0202b70785b7946e992e58a59ac52dea6774d4f03b55545243cf1a12834e3f",
        "249a78d395e0d18f4d766004f1a2674802a747eaa901c3f10cda5500cb9122faa9f1df66c392079a1b40f0de",
        "1c6054196a11cbea40afb6ef5253cd6818f6625efce3b6def6ba7e4b37a40f7732e093daa7d52190935b8da5",
        "8976ff3312ae50b187c1433c0f028edcc4c2838b6a9bfc226ca4b4530e7a4ccee1bfa2a3d396ae5a3fb51238",
        "4b2fdd851f784a65e03f2c4fbe11a53c7777c023462239dd6f7521a3f6c7d5dd3ec9b3f233773d4b46d23cc3",
        "75eb198c63301c21801f6520bcfb7966fc49b393f0061d974a2706df8c4a9449f11d7f3d2dcbb90c6b877045",
        "636e7c0c0fe4eb0f697545460c806910d2c355f1d253bc9d2452aaa549e27a1fac7cf4ed77f322e8fa894b6a",
        "83810a34b361901751a6f5eb65a0326e07de7c1216ccce2d0193f958bb3850a833f7ae432b65bc5a53975c15",
        "5aa4bcb4f7b2c4e54df16efaf6ddea94e2c50b4cd1dfe06017e0e9d02900cffe1935e0491d77ffb4fdf85290",
        "fdd893d577b1131a610ef6a5c32b2ee0293617a37cbb08b847741c3b8017c25ca9052ca1079d8b78aebd4787",
        "6d330a30f6a8c6d61dd1ab5589329de714d19d61370f8149748c72f132f0fc99f34d766c6938597040d8f9e2",
        "bb522ff99c63a344d6a2ae8aa8e51b7b90a4a806105fcbca31506c446151adfeceb51b91abfe43960977c874",
        "71cf9ad4074d30e10d6a7f03c63bd5d4317f68ff325ba3bd80bf4dc8b52a0ba031758022eb025cdd770b44d6",
        "d6cf0670f4e990b22347a7db848265e3e5eb72dfe8299ad7481a408322cac55786e52f633b2fb6b614eaed18",
        "d703dd84045a274ae8bfa73379661388d6991fe39b0d93debb41700b41f90a15c4d526250235ddcd6776fc77",
        "bc97e7a417ebcb31600d01e57f32162a8560cacc7e27a096d37a1a86952ec71bd89a3e9a30a2a26162984d77",
        "40f81193e8238e61f6b5b984d4d3dfa033c1bb7e4f0037febf406d91c0dccf32acf423cfa1e7071010d3f270",
        "121b493ce85054ef58bada42310138fe081adb04e2bd901f2f13458b3d6758158197107c14ebb193230cd115",
        "7380aa79cae1374a7c1e5bbcb80ee23e06ebfde206bfb0fcbc0edc4ebec309661bdd908d532eb0c6adc38b7c",
        "a7331dce8dfce39ab71e7c32d318d136b6100671a1ae6a6600e3899f31f0eed19e3417d134b90c9058f8632c",
        "798d4490da4987307cba922d61c39805d072b589bd52fdf1e86215c2d54e6670e07383a27bbffb5addf47d66",
        "aa85a0c6f9f32e59d85a44dd5d3b22dc2be80919b490437ae4f36a0ae55edf1d0b5cb4e9a3ecabee93dfc6e3",
        "8d209d0fa6536d27a5d6fbb17641cde27525d61093f1b28072d111b2b4ae5f89d5974ee12e5cf7d5da4d6a31",
        "123041f33e61407e76cffcdcfd7e19ba58cf4b536f4c4938ae79324dc402894b44faf8afbab35282ab659d13",
        "c93f70412e85cb199a37ddec600545473cfb5a05e08d0b209973b2172b4d21fb69745a262ccde96ba18b2faa",
        "745b6fe189cf772a9f84cbfc",
    );

    /// RFC 9001 A.3: the server's Initial (DCID empty, SCID f067a5502a4262b5), which the
    /// client keys of its DCID cannot open.
    const RFC9001_SERVER_INITIAL: &str = concat!(
        "cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a5816b6394100f37a1c",
        "69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c",
        "73cc3f3bded74b562bfb19fb84022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c2764",
        "56cbc42158407dd074ee"
    );

    fn collect(datagram: &[u8]) -> (Result<InitialSummary>, Vec<(u64, Vec<u8>)>) {
        let mut scratch = QuicScratch::new();
        let mut chunks = Vec::new();
        let summary = for_each_client_initial(datagram, &mut scratch, &mut None, &mut |c| {
            chunks.push((c.offset, c.data.to_vec()));
        });
        (summary, chunks)
    }

    fn check_rfc_client_hello(chunks: &[(u64, Vec<u8>)]) {
        assert_eq!(chunks.len(), 1);
        let (offset, data) = &chunks[0];
        assert_eq!(*offset, 0);
        // CRYPTO length 0xf1: a ClientHello (01) of 0xed bytes, legacy_version 0303.
        assert_eq!(data.len(), 0xf1);
        assert_eq!(data[..6], unhex("010000ed0303")[..]);
        let hello = crate::wire::tls::client_hello_sni(data).unwrap();
        assert_eq!(hello.sni, Some(&b"example.com"[..]));
        assert!(!hello.ech);
    }

    #[test]
    fn opens_rfc9001_client_initial() {
        let packet = unhex(RFC9001_CLIENT_INITIAL);
        assert_eq!(packet.len(), 1200);
        let header = LongHeader::new_checked(&packet).unwrap();
        assert_eq!(header.dcid, &unhex("8394c8f03e515708")[..]);
        assert_eq!(header.kind, LongPacketKind::Initial { token: &[] });
        assert_eq!((header.pn_offset, header.packet_len), (18, 1200));

        let keys = InitialKeys::derive(QuicVersion::V1, header.dcid).unwrap();
        let mut scratch = QuicScratch::new();
        let Opened::Plain {
            packet_number,
            payload,
        } = keys.open(&packet, header.pn_offset, &mut scratch).unwrap()
        else {
            panic!("RFC packet did not open");
        };
        assert_eq!(packet_number, 2);
        // 4 bytes of CRYPTO header + 241 of data, then 917 bytes of PADDING.
        assert_eq!(payload.len(), 1162);
        let frames: Vec<_> = Frames::new(scratch.get(payload)).collect();
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[1], Ok(Frame::Padding { len: 917 }));

        let (summary, chunks) = collect(&packet);
        let summary = summary.unwrap();
        assert_eq!(
            (summary.initials, summary.decrypted, summary.crypto_frames),
            (1, 1, 1)
        );
        check_rfc_client_hello(&chunks);
    }

    #[test]
    fn opens_rfc9369_v2_client_initial() {
        let packet = unhex(RFC9369_CLIENT_INITIAL);
        assert_eq!(packet.len(), 1200);
        let (summary, chunks) = collect(&packet);
        assert_eq!(summary.unwrap().decrypted, 1);
        check_rfc_client_hello(&chunks);
    }

    #[test]
    fn server_initial_is_not_a_client_initial() {
        let packet = unhex(RFC9001_SERVER_INITIAL);
        let (summary, chunks) = collect(&packet);
        let summary = summary.unwrap();
        assert_eq!((summary.initials, summary.not_client_initial), (1, 1));
        assert!(chunks.is_empty());
    }

    #[test]
    fn coalesced_server_then_client_are_both_walked() {
        let mut datagram = unhex(RFC9001_SERVER_INITIAL);
        datagram.extend(unhex(RFC9001_CLIENT_INITIAL));
        let mut scratch = QuicScratch::new();
        let mut n = 0;
        let mut keys = None;
        let summary =
            for_each_client_initial(&datagram, &mut scratch, &mut keys, &mut |_| n += 1).unwrap();
        assert_eq!(keys.map(|k| k.version()), Some(QuicVersion::V1));
        assert_eq!(
            (
                summary.packets,
                summary.decrypted,
                summary.not_client_initial
            ),
            (2, 1, 1)
        );
        assert_eq!(n, 1);
    }

    #[test]
    fn tampered_client_initial_fails_authentication() {
        let mut packet = unhex(RFC9001_CLIENT_INITIAL);
        packet[1000] ^= 1;
        let (summary, chunks) = collect(&packet);
        assert_eq!(summary.unwrap().not_client_initial, 1);
        assert!(chunks.is_empty());
    }

    #[test]
    fn unsupported_versions_and_short_headers() {
        // gQUIC Q046 long header: c3, "Q046", DCID length 8 + DCID, SCID length 0.
        let gquic = unhex("c35130343608a1a2a3a4a5a6a7a800aabbcc");
        assert_eq!(
            collect(&gquic).0,
            Err(WireError::Unsupported("QUIC version"))
        );
        // Version negotiation (version 0): skipped, no error.
        let vn = unhex("ea00000000089aac5a49ba87a84908f92f4336fa951ba14547471600000001");
        assert_eq!(collect(&vn).0.unwrap().skipped, 1);
        // Short header.
        assert_eq!(
            collect(&[0x40, 1, 2, 3]).0,
            Err(WireError::Unsupported("QUIC short header"))
        );
    }

    #[test]
    fn varints_of_each_length() {
        // RFC 9000 A.1 examples.
        for (hex, value) in [
            ("c2197c5eff14e88c", 151_288_809_941_952_652u64),
            ("9d7f3e7d", 494_878_333),
            ("7bbd", 15_293),
            ("25", 37),
            ("4025", 37),
        ] {
            let buf = unhex(hex);
            let mut at = 0;
            assert_eq!(read_varint(&buf, &mut at), Ok(value));
            assert_eq!(at, buf.len());
            let mut at = 0;
            assert!(read_varint(&buf[..buf.len() - 1], &mut at).is_err());
        }
    }

    #[test]
    fn ack_ranges_are_skipped() {
        let payload = unhex(concat!(
            "03", // ACK with ECN
            "0a", "00", "02", "01", // largest 10, delay 0, 2 ranges, first range 1
            "00", "01", "4001", "00",     // (gap 0, len 1), (gap 1 in 2 bytes, len 0)
            "010203", // ECT0, ECT1, ECN-CE
            "06", "05", "02", "abcd", // CRYPTO offset 5, length 2
            "01",   // PING
            "1c", "0a", "06", "02", "6869", // CONNECTION_CLOSE 0x0a, frame 6, reason "hi"
            "30"    // unknown frame type: stops
        ));
        let frames: Vec<_> = Frames::new(&payload).collect();
        assert_eq!(
            frames,
            [
                Ok(Frame::Ack {
                    largest: 10,
                    range_count: 2,
                    ecn: true
                }),
                Ok(Frame::Crypto {
                    offset: 5,
                    data: &[0xab, 0xcd]
                }),
                Ok(Frame::Ping),
                Ok(Frame::ConnectionClose {
                    error_code: 10,
                    frame_type: Some(6),
                    reason: b"hi"
                }),
                Err(WireError::Unsupported("QUIC frame type in Initial")),
            ]
        );
        // Truncation anywhere must end in an error, never a panic.
        for len in 0..payload.len() - 1 {
            let _ = Frames::new(&payload[..len]).count();
        }
    }

    #[test]
    fn truncated_initials_never_panic() {
        let packet = unhex(RFC9001_CLIENT_INITIAL);
        for len in 0..packet.len() {
            let (summary, chunks) = collect(&packet[..len]);
            assert!(summary.is_err(), "accepted truncation at {len}");
            assert!(chunks.is_empty());
        }
    }

    #[test]
    fn packet_larger_than_scratch_is_reported() {
        // A v1 Initial whose Length claims 3000 bytes, all present.
        let mut packet = unhex("c000000001088394c8f03e51570800004bb8");
        packet.resize(packet.len() + 3000, 0);
        let summary = collect(&packet).0.unwrap();
        assert_eq!(summary.too_large, 1);
    }
}
