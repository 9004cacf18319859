//! `wire::quic`: `for_each_client_initial` on a UDP payload (stateless, and again with the keys
//! it cached), `LongHeader::new_checked` and `read_varint` over the whole input.
//!
//! Checked: the summary adds up (every Initial is decrypted, refused or too large; CRYPTO
//! frames counted are the ones handed over), chunks borrow from the datagram or the scratch,
//! and the header's fields lie inside the datagram.
#![no_main]

use libfuzzer_sys::fuzz_target;
use telltale_firmware::wire::quic::{self, LongHeader, LongPacketKind, QuicScratch, MAX_CID_LEN};
use telltale_fuzz::is_within;

fuzz_target!(|data: &[u8]| {
    let mut scratch = QuicScratch::new();
    let mut flow_keys = None;
    for _ in 0..2 {
        let mut chunks = 0u32;
        let mut on_crypto = |chunk: quic::CryptoChunk<'_>| {
            chunks += 1;
            assert!(is_within(data, chunk.dcid) && is_within(data, chunk.scid));
            assert!(chunk.dcid.len() <= MAX_CID_LEN && chunk.scid.len() <= MAX_CID_LEN);
            assert!(chunk.offset.saturating_add(chunk.data.len() as u64) <= quic::VARINT_MAX);
            std::hint::black_box((chunk.version, chunk.packet_number, chunk.data));
        };
        let result =
            quic::for_each_client_initial(data, &mut scratch, &mut flow_keys, &mut on_crypto);
        if let Ok(s) = result {
            assert_eq!(
                s.crypto_frames, chunks,
                "CRYPTO frames counted but not handed over"
            );
            assert_eq!(s.initials, s.decrypted + s.not_client_initial + s.too_large);
            assert!(s.packets >= 1 && s.packets >= s.initials + s.skipped + s.unsupported);
            assert!(s.crypto_frames == 0 || s.decrypted > 0);
        } else {
            assert_eq!(chunks, 0, "CRYPTO frames handed over before an error");
        }
    }
    if let Ok(header) = LongHeader::new_checked(data) {
        assert!(
            header.packet_len <= data.len(),
            "packet_len past the datagram"
        );
        assert!(header.first_byte & 0x80 != 0);
        assert!(is_within(data, header.dcid) && is_within(data, header.scid));
        if header.quic_version().is_some() {
            assert!(header.dcid.len() <= MAX_CID_LEN && header.scid.len() <= MAX_CID_LEN);
        }
        match header.kind {
            LongPacketKind::Initial { token } => {
                assert!(is_within(data, token));
                assert!(header.pn_offset > 0 && header.pn_offset <= header.packet_len);
            }
            LongPacketKind::ZeroRtt | LongPacketKind::Handshake => {
                assert!(header.pn_offset > 0 && header.pn_offset <= header.packet_len);
            }
            LongPacketKind::Retry
            | LongPacketKind::VersionNegotiation
            | LongPacketKind::UnsupportedVersion => {
                assert_eq!(header.packet_len, data.len(), "these fill the datagram");
            }
        }
    }
    let mut at = 0usize;
    while let Ok(value) = quic::read_varint(data, &mut at) {
        assert!(value <= quic::VARINT_MAX);
        assert!(at <= data.len());
    }
});
