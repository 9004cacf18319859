//! TLS ClientHello: the server name a client asks for (RFC 8446 4.1.2, RFC 6066 3).
//!
//! This module owns two things. [`client_hello_sni`] reads a bare handshake message (type,
//! 3-byte length, body), as carried in QUIC CRYPTO frames or gathered from TLS records, and
//! returns the legacy version, the `server_name` host name (borrowed, unvalidated: the caller
//! escapes it) and whether an `encrypted_client_hello` extension is present (the name is then
//! the outer, public one). [`scan_client_hello`] finds that message at the start of a TCP
//! client stream: it walks TLS records (RFC 8446 5.1), gathers their handshake fragments into a
//! caller-owned scratch buffer (a ClientHello may span several records and segments) and says
//! whether the hello is complete, needs more bytes, or is not TLS at all. Nothing allocates.

use super::{be16, need, Result, WireError};

/// Handshake message type of a ClientHello (RFC 8446 4).
pub const HANDSHAKE_CLIENT_HELLO: u8 = 1;
/// Record content type `handshake` (RFC 8446 5.1).
pub const CONTENT_HANDSHAKE: u8 = 22;
/// Record content type `change_cipher_spec`, sent before a second ClientHello in middlebox
/// compatibility mode (RFC 8446 D.4).
pub const CONTENT_CHANGE_CIPHER_SPEC: u8 = 20;
/// Largest record fragment we accept: 2^14 + 2048 (RFC 8446 5.2, TLSCiphertext).
pub const MAX_RECORD_LEN: usize = (1 << 14) + 2048;
/// Extension type `server_name` (RFC 6066 3).
pub const EXT_SERVER_NAME: u16 = 0;
/// Extension type `encrypted_client_hello` (draft-ietf-tls-esni, 0xfe0d).
pub const EXT_ENCRYPTED_CLIENT_HELLO: u16 = 0xfe0d;
/// ServerName `name_type` host_name (RFC 6066 3).
const NAME_TYPE_HOST_NAME: u8 = 0;

/// Offsets in a handshake message and in a TLS record header.
mod field {
    use core::ops::Range;
    /// Handshake: msg_type (RFC 8446 4).
    pub const HS_TYPE: usize = 0;
    /// Handshake: uint24 length.
    pub const HS_LENGTH: Range<usize> = 1..4;
    /// Handshake: start of the body.
    pub const HS_BODY: usize = 4;
    /// ClientHello: legacy_version, then 32 bytes of random (RFC 8446 4.1.2).
    pub const CH_VERSION: usize = 0;
    /// ClientHello: legacy_session_id length byte.
    pub const CH_SESSION_ID: usize = 34;
    /// Record: ContentType (RFC 8446 5.1).
    pub const REC_TYPE: usize = 0;
    /// Record: legacy_record_version.
    pub const REC_VERSION: usize = 1;
    /// Record: uint16 length.
    pub const REC_LENGTH: usize = 3;
    /// Record header size.
    pub const REC_HEADER: usize = 5;
}

/// What a ClientHello says, borrowed from the handshake bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientHello<'a> {
    /// legacy_version (0x0303 for TLS 1.2 and 1.3).
    pub legacy_version: u16,
    /// First host_name of the server_name extension, raw bytes (not validated).
    pub sni: Option<&'a [u8]>,
    /// An encrypted_client_hello (0xfe0d) extension is present: `sni` is the outer name.
    pub ech: bool,
    /// Number of extensions walked.
    pub extensions: u16,
}

/// A slice cursor that only moves forward, with checked reads.
struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn u8(&mut self, what: &'static str) -> Result<u8> {
        need(self.buf, self.at + 1, what)?;
        self.at += 1;
        Ok(self.buf[self.at - 1])
    }

    fn u16(&mut self, what: &'static str) -> Result<u16> {
        need(self.buf, self.at + 2, what)?;
        self.at += 2;
        Ok(be16(self.buf, self.at - 2))
    }

    fn bytes(&mut self, len: usize, what: &'static str) -> Result<&'a [u8]> {
        need(self.buf, self.at + len, what)?;
        self.at += len;
        Ok(&self.buf[self.at - len..self.at])
    }

    fn rest(&self) -> usize {
        self.buf.len() - self.at
    }
}

/// Parses a handshake message that must be a ClientHello and returns its version, SNI and ECH
/// flag. Bytes after the message's length are ignored. Errors: `Truncated` when the message
/// is incomplete, `Unsupported` for another handshake type, `Malformed` for bad lengths.
pub fn client_hello_sni(handshake: &[u8]) -> Result<ClientHello<'_>> {
    need(handshake, field::HS_BODY, "TLS handshake header")?;
    if handshake[field::HS_TYPE] != HANDSHAKE_CLIENT_HELLO {
        return Err(WireError::Unsupported("TLS handshake type"));
    }
    let len = handshake_len(handshake);
    need(handshake, field::HS_BODY + len, "TLS ClientHello")?;
    let body = &handshake[field::HS_BODY..field::HS_BODY + len];

    let mut r = Reader { buf: body, at: 0 };
    let legacy_version = r.u16("TLS ClientHello version")?;
    debug_assert_eq!(field::CH_VERSION, 0);
    r.bytes(32, "TLS ClientHello random")?;
    debug_assert_eq!(r.at, field::CH_SESSION_ID);
    let session_id_len = usize::from(r.u8("TLS session id length")?);
    if session_id_len > 32 {
        return Err(WireError::Malformed("TLS session id length"));
    }
    r.bytes(session_id_len, "TLS session id")?;
    let suites_len = usize::from(r.u16("TLS cipher suites length")?);
    r.bytes(suites_len, "TLS cipher suites")?;
    let compression_len = usize::from(r.u8("TLS compression methods length")?);
    r.bytes(compression_len, "TLS compression methods")?;

    let mut hello = ClientHello {
        legacy_version,
        sni: None,
        ech: false,
        extensions: 0,
    };
    // Extensions are optional before TLS 1.3 (RFC 5246 7.4.1.2).
    if r.rest() == 0 {
        return Ok(hello);
    }
    let extensions_len = usize::from(r.u16("TLS extensions length")?);
    let extensions = r.bytes(extensions_len, "TLS extensions")?;
    let mut ext = Reader {
        buf: extensions,
        at: 0,
    };
    while ext.rest() > 0 {
        let ext_type = ext.u16("TLS extension type")?;
        let ext_len = usize::from(ext.u16("TLS extension length")?);
        let data = ext.bytes(ext_len, "TLS extension data")?;
        hello.extensions = hello.extensions.saturating_add(1);
        match ext_type {
            EXT_SERVER_NAME if hello.sni.is_none() => hello.sni = first_host_name(data)?,
            EXT_ENCRYPTED_CLIENT_HELLO => hello.ech = true,
            _ => {}
        }
    }
    Ok(hello)
}

/// The handshake body length (uint24); the caller has checked 4 bytes.
fn handshake_len(handshake: &[u8]) -> usize {
    let [a, b, c] = [
        handshake[field::HS_LENGTH.start],
        handshake[field::HS_LENGTH.start + 1],
        handshake[field::HS_LENGTH.start + 2],
    ];
    usize::from(a) << 16 | usize::from(b) << 8 | usize::from(c)
}

/// The first host_name of a ServerNameList (RFC 6066 3); `None` for an empty extension.
fn first_host_name(data: &[u8]) -> Result<Option<&[u8]>> {
    if data.is_empty() {
        return Ok(None);
    }
    let mut r = Reader { buf: data, at: 0 };
    let list_len = usize::from(r.u16("TLS server name list length")?);
    let list = r.bytes(list_len, "TLS server name list")?;
    let mut names = Reader { buf: list, at: 0 };
    while names.rest() > 0 {
        let name_type = names.u8("TLS server name type")?;
        let name_len = usize::from(names.u16("TLS server name length")?);
        let name = names.bytes(name_len, "TLS server name")?;
        if name_type == NAME_TYPE_HOST_NAME {
            return Ok(Some(name));
        }
    }
    Ok(None)
}

/// Where the search for a ClientHello at the start of a TCP stream stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamStatus<'s> {
    /// The stream does not start with a TLS handshake record holding a ClientHello.
    NotTls,
    /// Consistent so far; at least `at_least` bytes of stream are needed to go on.
    NeedMore {
        /// Stream length needed before calling again.
        at_least: usize,
    },
    /// The ClientHello is larger than the scratch buffer: give up on this stream.
    TooLarge {
        /// The size of the handshake message (when known) or of what was gathered.
        needed: usize,
    },
    /// The ClientHello is complete.
    Done {
        /// What it says, borrowed from the scratch buffer.
        hello: ClientHello<'s>,
        /// Stream bytes through the end of the record that completed it; a second
        /// ClientHello (after a HelloRetryRequest) starts at or after this offset.
        consumed: usize,
    },
}

/// Gathers the first handshake message of a TCP client stream from its TLS records into
/// `scratch` and parses it as a ClientHello.
///
/// `stream` is the contiguous prefix of the client-to-server bytes received so far, from the
/// first payload byte (or from a previous `consumed`). ChangeCipherSpec records before the
/// handshake are skipped (they precede a second ClientHello in compatibility mode). Records
/// must be `handshake` (22) with version 0x0300..=0x0304 and a length of 1..=2^14+2048.
/// Errors are for streams that started like TLS and then broke the rules.
pub fn scan_client_hello<'s>(stream: &[u8], scratch: &'s mut [u8]) -> Result<StreamStatus<'s>> {
    let mut at = 0usize;
    let mut gathered = 0usize;
    // Handshake message size (header included), once its 4-byte header is gathered.
    let mut target: Option<usize> = None;
    let mut seen_handshake = false;
    let consumed = loop {
        let header = &stream[at.min(stream.len())..];
        let fresh = !seen_handshake;
        if !plausible_record_prefix(header, fresh) {
            return if fresh {
                Ok(StreamStatus::NotTls)
            } else {
                Err(WireError::Malformed("TLS record inside a ClientHello"))
            };
        }
        if header.len() < field::REC_HEADER {
            return Ok(StreamStatus::NeedMore {
                at_least: at + field::REC_HEADER,
            });
        }
        let content_type = header[field::REC_TYPE];
        let len = usize::from(be16(header, field::REC_LENGTH));
        if len == 0 || len > MAX_RECORD_LEN {
            return if fresh {
                Ok(StreamStatus::NotTls)
            } else {
                Err(WireError::Malformed("TLS record length"))
            };
        }
        let end = at + field::REC_HEADER + len;
        if content_type == CONTENT_CHANGE_CIPHER_SPEC {
            at = end;
            continue;
        }
        seen_handshake = true;
        let mut fragment =
            &stream[(at + field::REC_HEADER).min(stream.len())..end.min(stream.len())];
        while !fragment.is_empty() {
            let want = match target {
                None => field::HS_BODY - gathered,
                Some(total) => total - gathered,
            };
            if want == 0 {
                break; // trailing bytes after the ClientHello in its last record
            }
            let take = want.min(fragment.len());
            let Some(dst) = scratch.get_mut(gathered..gathered + take) else {
                return Ok(StreamStatus::TooLarge {
                    needed: target.unwrap_or(gathered + take),
                });
            };
            dst.copy_from_slice(&fragment[..take]);
            gathered += take;
            fragment = &fragment[take..];
            if target.is_none() && gathered == field::HS_BODY {
                if scratch[field::HS_TYPE] != HANDSHAKE_CLIENT_HELLO {
                    return Ok(StreamStatus::NotTls);
                }
                let total = field::HS_BODY + handshake_len(scratch);
                if total > scratch.len() {
                    return Ok(StreamStatus::TooLarge { needed: total });
                }
                target = Some(total);
            }
        }
        if end > stream.len() {
            return Ok(StreamStatus::NeedMore { at_least: end });
        }
        if target == Some(gathered) {
            break end;
        }
        at = end;
    };
    let handshake: &'s [u8] = scratch;
    let hello = client_hello_sni(&handshake[..gathered])?;
    Ok(StreamStatus::Done { hello, consumed })
}

/// Whether `header` (up to 5 bytes of it) can start a handshake record, or a ChangeCipherSpec
/// record while no handshake bytes were seen (`fresh`).
fn plausible_record_prefix(header: &[u8], fresh: bool) -> bool {
    let type_ok = match header.get(field::REC_TYPE) {
        None => true,
        Some(&CONTENT_HANDSHAKE) => true,
        Some(&CONTENT_CHANGE_CIPHER_SPEC) => fresh,
        Some(_) => false,
    };
    let major_ok = header
        .get(field::REC_VERSION)
        .is_none_or(|&major| major == 3);
    let minor_ok = header
        .get(field::REC_VERSION + 1)
        .is_none_or(|&minor| minor <= 4);
    type_ok && major_ok && minor_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// A 74-byte ClientHello for "example.org" with a supported_versions extension.
    fn client_hello() -> Vec<u8> {
        unhex(concat!(
            "01",                                                               // msg_type client_hello
            "000046",                                                           // length 70
            "0303", // legacy_version TLS 1.2
            "1111111111111111111111111111111111111111111111111111111111111111", // random
            "00",   // legacy_session_id: empty
            "0002", // cipher_suites length 2
            "1301", // TLS_AES_128_GCM_SHA256
            "01",
            "00",                     // compression methods: 1 byte, null
            "001b",                   // extensions length 27
            "0000",                   // extension server_name
            "0010",                   // length 16
            "000e",                   // ServerNameList length 14
            "00",                     // name_type host_name
            "000b",                   // HostName length 11
            "6578616d706c652e6f7267", // "example.org"
            "002b",                   // extension supported_versions
            "0003",                   // length 3
            "02",
            "0304" // 1 version: TLS 1.3
        ))
    }

    #[test]
    fn reads_sni_from_handshake() {
        let ch = client_hello();
        assert_eq!(ch.len(), 74);
        let hello = client_hello_sni(&ch).unwrap();
        assert_eq!(hello.legacy_version, 0x0303);
        assert_eq!(hello.sni, Some(&b"example.org"[..]));
        assert!(!hello.ech);
        assert_eq!(hello.extensions, 2);
    }

    #[test]
    fn flags_ech_extension() {
        let mut ch = client_hello();
        // Turn supported_versions (002b) into encrypted_client_hello (fe0d), same length.
        let at = ch.len() - 7;
        ch[at..at + 2].copy_from_slice(&[0xfe, 0x0d]);
        let hello = client_hello_sni(&ch).unwrap();
        assert!(hello.ech);
        assert_eq!(hello.sni, Some(&b"example.org"[..]));
    }

    #[test]
    fn no_extensions_and_non_host_names() {
        // Same hello cut after compression methods, lengths fixed: no extensions at all.
        let mut ch = client_hello()[..4 + 41].to_vec();
        ch[3] = 41;
        assert_eq!(client_hello_sni(&ch).unwrap().sni, None);
        // name_type 1 (not host_name) is skipped.
        let mut ch = client_hello();
        ch[4 + 41 + 2 + 4 + 2] = 1;
        assert_eq!(client_hello_sni(&ch).unwrap().sni, None);
    }

    #[test]
    fn bad_handshakes_are_errors() {
        let ch = client_hello();
        for len in 0..ch.len() {
            assert!(client_hello_sni(&ch[..len]).is_err(), "prefix {len}");
        }
        let mut server_hello = ch.clone();
        server_hello[0] = 2;
        assert_eq!(
            client_hello_sni(&server_hello),
            Err(WireError::Unsupported("TLS handshake type"))
        );
        // An extension length running past the extensions block.
        let mut bad = ch.clone();
        bad[4 + 41 + 2 + 3] = 0x40;
        assert!(client_hello_sni(&bad).is_err());
        // Session id longer than 32.
        let mut bad = ch;
        bad[4 + 34] = 33;
        assert_eq!(
            client_hello_sni(&bad),
            Err(WireError::Malformed("TLS session id length"))
        );
    }

    fn record(fragment: &[u8]) -> Vec<u8> {
        // 16: handshake, 0301: TLS 1.0 record version, then the length.
        let mut r = vec![0x16, 0x03, 0x01];
        r.extend_from_slice(&(fragment.len() as u16).to_be_bytes());
        r.extend_from_slice(fragment);
        r
    }

    #[test]
    fn scans_one_record_and_every_prefix() {
        let stream = record(&client_hello());
        let mut scratch = [0u8; 256];
        match scan_client_hello(&stream, &mut scratch).unwrap() {
            StreamStatus::Done { hello, consumed } => {
                assert_eq!(hello.sni, Some(&b"example.org"[..]));
                assert_eq!(consumed, stream.len());
            }
            other => panic!("{other:?}"),
        }
        for len in 0..stream.len() {
            let status = scan_client_hello(&stream[..len], &mut scratch).unwrap();
            let at_least = if len < 5 { 5 } else { stream.len() };
            assert_eq!(status, StreamStatus::NeedMore { at_least }, "prefix {len}");
        }
    }

    #[test]
    fn scans_hello_split_over_records_after_ccs() {
        let ch = client_hello();
        // A ChangeCipherSpec record (as before a second hello), then the hello in three records.
        let mut stream = unhex("1403030001" /* CCS, TLS 1.2, length 1 */);
        stream.push(0x01);
        for piece in [&ch[..2], &ch[2..40], &ch[40..]] {
            stream.extend(record(piece));
        }
        // Application data after the hello is not looked at.
        stream.extend(unhex("1703030002abcd"));
        let mut scratch = [0u8; 128];
        let StreamStatus::Done { hello, consumed } =
            scan_client_hello(&stream, &mut scratch).unwrap()
        else {
            panic!("not done");
        };
        assert_eq!(hello.sni, Some(&b"example.org"[..]));
        assert_eq!(consumed, stream.len() - 7);
        for len in 0..consumed {
            let status = scan_client_hello(&stream[..len], &mut scratch).unwrap();
            assert!(matches!(status, StreamStatus::NeedMore { at_least } if at_least > len));
        }
    }

    #[test]
    fn refuses_non_tls_and_too_large() {
        let mut scratch = [0u8; 64];
        assert_eq!(
            scan_client_hello(b"GET / HTTP/1.1\r\n", &mut scratch),
            Ok(StreamStatus::NotTls)
        );
        // SSLv2-style hello, and a record version 3.5.
        assert_eq!(
            scan_client_hello(&[0x80, 0x2e], &mut scratch),
            Ok(StreamStatus::NotTls)
        );
        assert_eq!(
            scan_client_hello(&[0x16, 3, 5], &mut scratch),
            Ok(StreamStatus::NotTls)
        );
        // A ServerHello stream is not a client hello.
        let mut sh = client_hello();
        sh[0] = 2;
        assert_eq!(
            scan_client_hello(&record(&sh), &mut scratch),
            Ok(StreamStatus::NotTls)
        );
        // 74 bytes do not fit in 64.
        assert_eq!(
            scan_client_hello(&record(&client_hello()), &mut scratch),
            Ok(StreamStatus::TooLarge { needed: 74 })
        );
        // An alert record in the middle of the hello is an error.
        let ch = client_hello();
        let mut stream = record(&ch[..10]);
        stream.extend(unhex("15030300020228"));
        assert!(scan_client_hello(&stream, &mut [0u8; 128]).is_err());
        // A zero-length record is not TLS.
        assert_eq!(
            scan_client_hello(&unhex("1603010000"), &mut scratch),
            Ok(StreamStatus::NotTls)
        );
    }
}
