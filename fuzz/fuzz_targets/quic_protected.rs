//! Reaches the QUIC frame parser *behind* decryption: builds a valid protected client Initial
//! around fuzz-chosen plaintext (RFC 9001 5.3 AEAD, 5.4 header protection) with the crate's own
//! key derivation, then checks that `for_each_client_initial` opens it and hands over exactly
//! the CRYPTO frames of the plaintext, with the packet's number, version and connection IDs.
//!
//! Input: byte 0 picks the version (bits 0-1) and packet number length (bits 2-3); byte 1 the
//! SCID length (low 3 bits); the rest is the plaintext payload (frames).
#![no_main]

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes128Gcm, Nonce};
use libfuzzer_sys::fuzz_target;
use telltale_firmware::wire::quic::{self, Frame, Frames, InitialKeys, QuicScratch, QuicVersion};
use telltale_firmware::wire::quic_crypto::{InitialKeyMaterial, SAMPLE_LEN, TAG_LEN};

/// The client's chosen Destination Connection ID (RFC 9001 A.1's).
const DCID: [u8; 8] = [0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08];
/// Largest plaintext: the packet must fit the 2048-byte `QuicScratch`.
const MAX_PLAINTEXT: usize = 1800;

fn version(selector: u8) -> QuicVersion {
    match selector & 3 {
        0 | 3 => QuicVersion::V1,
        1 => QuicVersion::V2,
        _ => QuicVersion::Draft(29),
    }
}

fuzz_target!(|data: &[u8]| {
    let [selector, scid_selector, plaintext @ ..] = data else {
        return;
    };
    let version = version(*selector);
    let pn_len = usize::from((selector >> 2) & 3) + 1;
    let scid_len = usize::from(scid_selector & 7);
    let plaintext = &plaintext[..plaintext.len().min(MAX_PLAINTEXT)];
    // The header-protection sample starts 4 bytes after the packet number: pad with PADDING.
    let min_plaintext = (4 + SAMPLE_LEN).saturating_sub(pn_len + TAG_LEN).max(1);
    let packet_number: u64 = 0x1234_5678 & ((1u64 << (8 * pn_len)) - 1);

    // RFC 9000 17.2.2: long header, fixed bit, type Initial, packet number length.
    let mut packet = vec![0xc0 | (version.initial_type_bits() << 4) | (pn_len as u8 - 1)];
    packet.extend_from_slice(&version.to_wire().to_be_bytes());
    packet.push(DCID.len() as u8);
    packet.extend_from_slice(&DCID);
    packet.push(scid_len as u8);
    packet.extend(std::iter::repeat_n(0x5c, scid_len));
    packet.push(0); // Token Length
    let body_len = plaintext.len().max(min_plaintext);
    let length = pn_len + body_len + TAG_LEN;
    packet.extend_from_slice(&(0x4000 | length as u16).to_be_bytes()); // 2-byte varint
    let pn_offset = packet.len();
    packet.extend_from_slice(&packet_number.to_be_bytes()[8 - pn_len..]);
    let header_len = packet.len();

    let Ok(material) = InitialKeyMaterial::derive(version, &DCID) else {
        return;
    };
    let mut body = plaintext.to_vec();
    body.resize(body_len, 0);
    let mut nonce = material.iv;
    for (n, p) in nonce[4..].iter_mut().zip(packet_number.to_be_bytes()) {
        *n ^= p;
    }
    let aead = Aes128Gcm::new_from_slice(&material.key).expect("16-byte key");
    let tag = aead
        .encrypt_in_place_detached(Nonce::from_slice(&nonce), &packet, &mut body)
        .expect("plaintext within AES-GCM limits");
    packet.extend_from_slice(&body);
    packet.extend_from_slice(&tag);

    // RFC 9001 5.4.1: mask the low 4 bits of the first byte and the packet number.
    let keys = InitialKeys::from_material(version, &material);
    let mut sample = [0u8; SAMPLE_LEN];
    sample.copy_from_slice(&packet[pn_offset + 4..pn_offset + 4 + SAMPLE_LEN]);
    let mask = keys.header_mask(&sample);
    packet[0] ^= mask[0] & 0x0f;
    for (i, byte) in packet[pn_offset..header_len].iter_mut().enumerate() {
        *byte ^= mask[1 + i];
    }

    // What the receiver must hand over: the CRYPTO frames of the plaintext, in order.
    let mut plain = plaintext.to_vec();
    plain.resize(body_len, 0);
    let mut expected: Vec<(u64, Vec<u8>)> = Vec::new();
    for frame in Frames::new(&plain) {
        match frame {
            Ok(Frame::Crypto { offset, data }) => expected.push((offset, data.to_vec())),
            Ok(_) => {}
            Err(_) => break,
        }
    }

    let mut scratch = QuicScratch::new();
    let mut flow_keys = None;
    let mut crypto = 0u32;
    let mut received: Vec<(u64, Vec<u8>)> = Vec::new();
    let summary = quic::for_each_client_initial(
        &packet,
        &mut scratch,
        &mut flow_keys,
        &mut |chunk: quic::CryptoChunk<'_>| {
            assert_eq!(chunk.packet_number, packet_number);
            assert_eq!(chunk.dcid, DCID);
            assert_eq!(chunk.version, version);
            assert!(chunk.scid.len() == scid_len && chunk.scid.iter().all(|&b| b == 0x5c));
            received.push((chunk.offset, chunk.data.to_vec()));
            crypto += 1;
        },
    )
    .expect("a valid client Initial parses");
    assert_eq!(summary.initials, 1);
    assert_eq!(summary.decrypted, 1, "a valid client Initial must open");
    assert_eq!(summary.crypto_frames, crypto);
    assert_eq!(
        received, expected,
        "decrypted frames differ from the plaintext's"
    );
});
