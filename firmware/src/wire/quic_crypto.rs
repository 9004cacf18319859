//! QUIC Initial packet protection, client side (RFC 9001 section 5, RFC 9369 section 3.3).
//!
//! This module owns the keys of a client's Initial packets and the two steps that open one:
//! removing header protection (RFC 9001 5.4) and AEAD decryption with AES-128-GCM (RFC 9001 5.3).
//! Initial keys depend only on the version and the Destination Connection ID the client chose, so
//! an on-path observer can derive them; [`InitialKeys::derive`] does, and a caller may cache the
//! result per flow. Opening needs a mutable copy of the packet: it is made in a caller-owned
//! [`QuicScratch`], so nothing here allocates. Packet parsing lives in [`super::quic`].

use aes::cipher::{BlockEncrypt, KeyInit};
use aes::Aes128;
use aes_gcm::aead::generic_array::GenericArray;
use aes_gcm::aead::AeadInPlace;
use aes_gcm::Aes128Gcm;
use hkdf::Hkdf;
use sha2::Sha256;

use super::{need, Result, WireError};

/// Bytes of the AES-128-GCM authentication tag at the end of every protected payload.
pub const TAG_LEN: usize = 16;
/// Bytes of ciphertext sampled for the header protection mask (RFC 9001 5.4.2).
pub const SAMPLE_LEN: usize = 16;
/// Capacity of [`QuicScratch`]: one UDP payload on a 1500-byte link fits with room to spare.
pub const SCRATCH_CAPACITY: usize = 2048;

/// A QUIC version whose Initial packets we can open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuicVersion {
    /// QUIC version 1, RFC 9000 (0x00000001).
    V1,
    /// QUIC version 2, RFC 9369 (0x6b3343cf).
    V2,
    /// draft-ietf-quic-transport-NN (0xff0000NN) for NN in 27..=32: v1 labels and packet
    /// types, with the draft-23..28 or the draft-29..32 salt. Draft-29 is the common one.
    Draft(u8),
}

impl QuicVersion {
    /// Wire value of QUIC v1.
    pub const V1_WIRE: u32 = 0x0000_0001;
    /// Wire value of QUIC v2 (RFC 9369 section 3.1).
    pub const V2_WIRE: u32 = 0x6b33_43cf;
    /// Wire value of draft-29.
    pub const DRAFT29_WIRE: u32 = 0xff00_001d;
    /// Drafts whose Initials we open.
    pub const DRAFTS: core::ops::RangeInclusive<u8> = 27..=32;

    /// The version for a Version field, or `None` for one we do not open (gQUIC, other drafts,
    /// version negotiation).
    pub fn from_wire(version: u32) -> Option<Self> {
        match version {
            Self::V1_WIRE => Some(Self::V1),
            Self::V2_WIRE => Some(Self::V2),
            0xff00_0000..=0xff00_00ff if Self::DRAFTS.contains(&(version as u8)) => {
                Some(Self::Draft(version as u8))
            }
            _ => None,
        }
    }

    /// The Version field value.
    pub fn to_wire(self) -> u32 {
        match self {
            Self::V1 => Self::V1_WIRE,
            Self::V2 => Self::V2_WIRE,
            Self::Draft(n) => 0xff00_0000 | u32::from(n),
        }
    }

    /// The two Long Packet Type bits (0x30 of the first byte, shifted down) of an Initial packet:
    /// 0b00 in v1 and drafts (RFC 9000 17.2.2), 0b01 in v2 (RFC 9369 3.2).
    pub fn initial_type_bits(self) -> u8 {
        match self {
            Self::V1 | Self::Draft(_) => 0b00,
            Self::V2 => 0b01,
        }
    }

    /// The `initial_salt` of this version (RFC 9001 5.2, RFC 9369 3.3.1, draft-29 5.2,
    /// draft-23 5.2 for drafts 23 to 28).
    fn initial_salt(self) -> &'static [u8; 20] {
        match self {
            Self::V1 => &[
                0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8,
                0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
            ],
            Self::V2 => &[
                0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26,
                0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9,
            ],
            Self::Draft(n) if n < 29 => &[
                0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7, 0xd2, 0x43, 0x2b, 0xb4,
                0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02,
            ],
            Self::Draft(_) => &[
                0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97, 0x86, 0xf1, 0x9c, 0x61,
                0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99,
            ],
        }
    }

    /// HKDF labels for key, IV and header protection key (RFC 9001 5.1, RFC 9369 3.3.2).
    fn labels(self) -> [&'static [u8]; 3] {
        match self {
            Self::V1 | Self::Draft(_) => [b"quic key", b"quic iv", b"quic hp"],
            Self::V2 => [b"quicv2 key", b"quicv2 iv", b"quicv2 hp"],
        }
    }
}

const MISUSE: WireError = WireError::Malformed("QUIC HKDF-Expand-Label");

/// HKDF-Expand-Label (RFC 8446 7.1) with an empty context, SHA-256, from the pseudorandom key
/// `hkdf` was made from (its HMAC key schedule made once for all the labels) into `out`.
fn expand_label(hkdf: &Hkdf<Sha256>, label: &[u8], out: &mut [u8]) -> Result<()> {
    // struct { uint16 length; opaque label<7..255> = "tls13 " + label; opaque context<0..255>; }
    let out_len = u16::try_from(out.len()).map_err(|_| MISUSE)?;
    let label_len = u8::try_from(6 + label.len()).map_err(|_| MISUSE)?;
    let length = out_len.to_be_bytes();
    hkdf.expand_multi_info(&[&length, &[label_len], b"tls13 ", label, &[0]], out)
        .map_err(|_| MISUSE)
}

/// The keys that protect a client's Initial packets, derived from the version and the
/// Destination Connection ID of the client's first Initial (RFC 9001 5.2).
#[derive(Clone)]
pub struct InitialKeys {
    version: QuicVersion,
    /// AEAD key (`quic key`).
    aead: Aes128Gcm,
    /// AEAD IV (`quic iv`), XORed with the packet number to make the nonce (RFC 9001 5.3).
    iv: [u8; 12],
    /// Header protection cipher (`quic hp`).
    header: Aes128,
}

impl core::fmt::Debug for InitialKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Keys are public knowledge for Initials, but there is nothing useful to print.
        f.debug_struct("InitialKeys")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// Raw key material, for tests against published vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InitialKeyMaterial {
    /// `client_initial_secret`.
    pub secret: [u8; 32],
    /// AEAD key.
    pub key: [u8; 16],
    /// AEAD IV.
    pub iv: [u8; 12],
    /// Header protection key.
    pub hp: [u8; 16],
}

impl InitialKeyMaterial {
    /// Derives the client Initial secret and keys: HKDF-Extract(salt, dcid), then
    /// HKDF-Expand-Label "client in", then key/iv/hp (RFC 9001 5.2, 5.1).
    pub fn derive(version: QuicVersion, dcid: &[u8]) -> Result<Self> {
        // `initial_secret` (RFC 9001 5.2), as the HKDF that expands from it.
        let (_, initial) = Hkdf::<Sha256>::extract(Some(version.initial_salt()), dcid);
        let mut material = Self {
            secret: [0; 32],
            key: [0; 16],
            iv: [0; 12],
            hp: [0; 16],
        };
        expand_label(&initial, b"client in", &mut material.secret)?;
        let client = Hkdf::<Sha256>::from_prk(&material.secret).map_err(|_| MISUSE)?;
        let [key_label, iv_label, hp_label] = version.labels();
        expand_label(&client, key_label, &mut material.key)?;
        expand_label(&client, iv_label, &mut material.iv)?;
        expand_label(&client, hp_label, &mut material.hp)?;
        Ok(material)
    }
}

/// A caller-owned buffer in which one packet is copied and decrypted.
#[derive(Debug, Clone)]
pub struct QuicScratch {
    buf: [u8; SCRATCH_CAPACITY],
}

impl QuicScratch {
    /// An empty scratch buffer.
    pub const fn new() -> Self {
        Self {
            buf: [0; SCRATCH_CAPACITY],
        }
    }
}

impl QuicScratch {
    /// The bytes of `range` (an [`Opened::Plain`] payload); empty if out of bounds.
    pub fn get(&self, range: core::ops::Range<usize>) -> &[u8] {
        self.buf.get(range).unwrap_or_default()
    }
}

impl Default for QuicScratch {
    fn default() -> Self {
        Self::new()
    }
}

/// What opening one Initial packet gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// Authenticated: the packet number and where the plaintext payload (frames) is in the
    /// scratch buffer ([`QuicScratch::get`]).
    Plain {
        /// Full packet number (Initials carry no context, so the truncated one).
        packet_number: u64,
        /// Decrypted frames, as a range of the scratch buffer.
        payload: core::ops::Range<usize>,
    },
    /// The tag did not verify: not a client Initial under these keys (a server's Initial, whose
    /// DCID is the client's SCID, lands here), or a corrupted one.
    AuthenticationFailed,
    /// The packet does not fit in [`QuicScratch`]; it was not opened.
    TooLarge,
}

impl InitialKeys {
    /// Derives the client Initial keys for `version` from the client-chosen `dcid`.
    pub fn derive(version: QuicVersion, dcid: &[u8]) -> Result<Self> {
        let material = InitialKeyMaterial::derive(version, dcid)?;
        Ok(Self::from_material(version, &material))
    }

    /// Keys from already-derived material.
    pub fn from_material(version: QuicVersion, material: &InitialKeyMaterial) -> Self {
        Self {
            version,
            aead: Aes128Gcm::new(GenericArray::from_slice(&material.key)),
            iv: material.iv,
            header: Aes128::new(GenericArray::from_slice(&material.hp)),
        }
    }

    /// The version these keys are for.
    pub fn version(&self) -> QuicVersion {
        self.version
    }

    /// The header protection mask for a 16-byte `sample`: AES-128-ECB (RFC 9001 5.4.3).
    pub fn header_mask(&self, sample: &[u8; SAMPLE_LEN]) -> [u8; SAMPLE_LEN] {
        let mut block = GenericArray::from(*sample);
        self.header.encrypt_block(&mut block);
        block.into()
    }

    /// Opens one long-header packet: `packet` is exactly the packet (header through the end of
    /// the Length field's span) and `pn_offset` the offset of its Packet Number field. The
    /// packet is copied into `scratch`, header protection is removed (RFC 9001 5.4.1), the
    /// payload is decrypted with the unprotected header as AAD (RFC 9001 5.3).
    pub fn open(
        &self,
        packet: &[u8],
        pn_offset: usize,
        scratch: &mut QuicScratch,
    ) -> Result<Opened> {
        // RFC 9001 5.4.2: the sample starts 4 bytes after the start of the Packet Number field.
        let sample_at = pn_offset.saturating_add(4);
        need(
            packet,
            sample_at + SAMPLE_LEN,
            "QUIC header protection sample",
        )?;
        if packet.is_empty() || packet[0] & 0x80 == 0 {
            return Err(WireError::Malformed("QUIC Initial without long header"));
        }
        if packet.len() > scratch.buf.len() {
            return Ok(Opened::TooLarge);
        }
        let mut sample = [0u8; SAMPLE_LEN];
        sample.copy_from_slice(&packet[sample_at..sample_at + SAMPLE_LEN]);
        let mask = self.header_mask(&sample);

        let buf = &mut scratch.buf[..packet.len()];
        buf.copy_from_slice(packet);
        // Long header: the low 4 bits of the first byte are protected.
        buf[0] ^= mask[0] & 0x0f;
        let pn_len = usize::from(buf[0] & 0x03) + 1;
        let payload_at = pn_offset + pn_len;
        if payload_at + TAG_LEN > buf.len() {
            return Err(WireError::Truncated {
                what: "QUIC Initial payload",
                need: payload_at + TAG_LEN,
                have: buf.len(),
            });
        }
        let mut packet_number = 0u64;
        for (i, byte) in buf[pn_offset..payload_at].iter_mut().enumerate() {
            *byte ^= mask[1 + i];
            packet_number = (packet_number << 8) | u64::from(*byte);
        }
        // RFC 9001 5.3: nonce = IV XOR packet number, left-padded to the IV length.
        let mut nonce = self.iv;
        for (n, p) in nonce[4..].iter_mut().zip(packet_number.to_be_bytes()) {
            *n ^= p;
        }
        let (header, rest) = buf.split_at_mut(payload_at);
        let (ciphertext, tag) = rest.split_at_mut(rest.len() - TAG_LEN);
        let tag = GenericArray::from_slice(tag);
        match self.aead.decrypt_in_place_detached(
            GenericArray::from_slice(&nonce),
            header,
            ciphertext,
            tag,
        ) {
            Ok(()) => Ok(Opened::Plain {
                packet_number,
                payload: payload_at..packet.len() - TAG_LEN,
            }),
            Err(_) => Ok(Opened::AuthenticationFailed),
        }
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

    /// RFC 9001 Appendix A: the client's Destination Connection ID.
    const RFC_DCID: [u8; 8] = [0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08];

    #[test]
    fn v1_client_keys_match_rfc9001_a1() {
        let m = InitialKeyMaterial::derive(QuicVersion::V1, &RFC_DCID).unwrap();
        assert_eq!(
            m.secret.to_vec(),
            unhex("c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea")
        );
        assert_eq!(m.key.to_vec(), unhex("1f369613dd76d5467730efcbe3b1a22d"));
        assert_eq!(m.iv.to_vec(), unhex("fa044b2f42a3fd3b46fb255c"));
        assert_eq!(m.hp.to_vec(), unhex("9f50449e04a0e810283a1e9933adedd2"));
    }

    #[test]
    fn v2_client_keys_match_rfc9369_a1() {
        let m = InitialKeyMaterial::derive(QuicVersion::V2, &RFC_DCID).unwrap();
        assert_eq!(
            m.secret.to_vec(),
            unhex("14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b")
        );
        assert_eq!(m.key.to_vec(), unhex("8b1a0bc121284290a29e0971b5cd045d"));
        assert_eq!(m.iv.to_vec(), unhex("91f73e2351d8fa91660e909f"));
        assert_eq!(m.hp.to_vec(), unhex("45b95e15235d6f45a6b19cbcb0294ba9"));
    }

    #[test]
    fn header_mask_matches_rfc9001_a2() {
        let keys = InitialKeys::derive(QuicVersion::V1, &RFC_DCID).unwrap();
        let mut sample = [0u8; 16];
        sample.copy_from_slice(&unhex("d1b1c98dd7689fb8ec11d242b123dc9b"));
        assert_eq!(keys.header_mask(&sample)[..5], unhex("437b9aec36")[..]);
    }

    #[test]
    fn draft29_differs_from_v1_only_by_salt() {
        let v1 = InitialKeyMaterial::derive(QuicVersion::V1, &RFC_DCID).unwrap();
        let d29 = InitialKeyMaterial::derive(QuicVersion::Draft(29), &RFC_DCID).unwrap();
        let d28 = InitialKeyMaterial::derive(QuicVersion::Draft(28), &RFC_DCID).unwrap();
        assert_ne!(v1.key, d29.key);
        assert_ne!(d28.key, d29.key);
        assert_eq!(
            QuicVersion::from_wire(0xff00_001d),
            Some(QuicVersion::Draft(29))
        );
        assert_eq!(QuicVersion::Draft(29).to_wire(), 0xff00_001d);
        assert_eq!(QuicVersion::from_wire(0xff00_001a), None); // draft-26: not opened
        assert_eq!(QuicVersion::from_wire(0x5130_3433), None); // gQUIC "Q043"
    }

    #[test]
    fn open_refuses_short_packets_without_panic() {
        let keys = InitialKeys::derive(QuicVersion::V1, &RFC_DCID).unwrap();
        let mut scratch = QuicScratch::new();
        let packet = [0xc0u8; 40];
        for len in 0..packet.len() {
            for pn_offset in 0..len + 2 {
                let _ = keys.open(&packet[..len], pn_offset, &mut scratch);
            }
        }
    }
}
