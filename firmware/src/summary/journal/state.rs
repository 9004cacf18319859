//! The journal's small state file `state`: how far the host has acknowledged, how many records
//! the cap forced out unacknowledged, and how far sequence numbers are reserved. It is replaced
//! atomically ([`replace_atomically`]) whenever one of them changes.
//!
//! `state`, 48 bytes, little-endian:
//!
//! | offset | size | field | meaning |
//! |---|---|---|---|
//! | 0 | 8 | magic | [`STATE_MAGIC`] `b"TTJSTAT\n"` |
//! | 8 | 2 | version | [`STATE_VERSION`] |
//! | 10 | 2 | kind | the journal's payload kind |
//! | 12 | 8 | acked_seq | the host has stored every record up to it |
//! | 20 | 8 | lost | records deleted by the cap before they were acknowledged |
//! | 28 | 8 | dropped_through | the last sequence number the cap deleted (0: none) |
//! | 36 | 8 | reserved_seq | sequence numbers up to it may have been handed out |
//! | 44 | 4 | crc | CRC-32 of bytes 0..44 |
//!
//! `reserved_seq` is what keeps sequence numbers from being reused after a power cut: records
//! written after the last fsync may vanish, but the journal never hands out a number above
//! `reserved_seq` without first persisting a higher one, and after a restart it starts above it.

use std::path::Path;

use telltale_proto::crc32::crc32;

use super::error::Result;
use super::fsio::{read_if_exists, replace_atomically};

/// Name of the state file in the journal directory.
pub const STATE_FILE: &str = "state";

/// Magic of the state file.
pub const STATE_MAGIC: [u8; 8] = *b"TTJSTAT\n";

/// Version of the state file layout.
pub const STATE_VERSION: u16 = 1;

/// Length of the state file.
pub const STATE_LEN: usize = 48;

/// The persisted state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct State {
    /// The host has stored every record up to this one.
    pub acked_seq: u64,
    /// Records the cap deleted before the host acknowledged them.
    pub lost: u64,
    /// The last sequence number the cap deleted (0: none).
    pub dropped_through: u64,
    /// Sequence numbers up to this one may have been handed out.
    pub reserved_seq: u64,
}

/// What reading the state file found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateRead {
    /// A good state file.
    Good(State),
    /// No state file.
    Missing,
    /// A state file that does not check out; why.
    Garbage(String),
}

impl State {
    /// The file's bytes.
    pub fn encode(&self, kind: u16) -> [u8; STATE_LEN] {
        let mut b = [0u8; STATE_LEN];
        b[0..8].copy_from_slice(&STATE_MAGIC);
        b[8..10].copy_from_slice(&STATE_VERSION.to_le_bytes());
        b[10..12].copy_from_slice(&kind.to_le_bytes());
        b[12..20].copy_from_slice(&self.acked_seq.to_le_bytes());
        b[20..28].copy_from_slice(&self.lost.to_le_bytes());
        b[28..36].copy_from_slice(&self.dropped_through.to_le_bytes());
        b[36..44].copy_from_slice(&self.reserved_seq.to_le_bytes());
        let crc = crc32(&b[..44]);
        b[44..48].copy_from_slice(&crc.to_le_bytes());
        b
    }

    /// Decodes the file's bytes, or says why they are not a state file of `kind`.
    pub fn decode(bytes: &[u8], kind: u16) -> Result<State, String> {
        if bytes.len() != STATE_LEN {
            return Err(format!("{} bytes, expected {STATE_LEN}", bytes.len()));
        }
        if bytes[0..8] != STATE_MAGIC {
            return Err("no state magic".into());
        }
        let u64_at = |at: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(a)
        };
        let carried = u32::from_le_bytes([bytes[44], bytes[45], bytes[46], bytes[47]]);
        if crc32(&bytes[..44]) != carried {
            return Err("CRC mismatch".into());
        }
        let version = u16::from_le_bytes([bytes[8], bytes[9]]);
        if version != STATE_VERSION {
            return Err(format!("version {version}, expected {STATE_VERSION}"));
        }
        let found = u16::from_le_bytes([bytes[10], bytes[11]]);
        if found != kind {
            return Err(format!("kind {found}, expected {kind}"));
        }
        Ok(State {
            acked_seq: u64_at(12),
            lost: u64_at(20),
            dropped_through: u64_at(28),
            reserved_seq: u64_at(36),
        })
    }

    /// Reads `dir/state`.
    pub fn load(dir: &Path, kind: u16) -> Result<StateRead> {
        Ok(match read_if_exists(&dir.join(STATE_FILE))? {
            None => StateRead::Missing,
            Some(bytes) => match State::decode(&bytes, kind) {
                Ok(state) => StateRead::Good(state),
                Err(why) => StateRead::Garbage(why),
            },
        })
    }

    /// Replaces `dir/state` atomically.
    pub fn store(&self, dir: &Path, kind: u16) -> Result<()> {
        replace_atomically(dir, STATE_FILE, &self.encode(kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_bytes_field_by_field() {
        let s = State {
            acked_seq: 0x10,
            lost: 2,
            dropped_through: 0x0F,
            reserved_seq: 0x0400,
        };
        let b = s.encode(1);
        #[rustfmt::skip]
        let expected: [u8; 44] = [
            b'T', b'T', b'J', b'S', b'T', b'A', b'T', b'\n', // magic
            0x01, 0x00,                                       // version 1
            0x01, 0x00,                                       // kind 1: summaries
            0x10, 0, 0, 0, 0, 0, 0, 0,                        // acked_seq 16
            0x02, 0, 0, 0, 0, 0, 0, 0,                        // lost 2
            0x0F, 0, 0, 0, 0, 0, 0, 0,                        // dropped_through 15
            0x00, 0x04, 0, 0, 0, 0, 0, 0,                     // reserved_seq 1024
        ];
        assert_eq!(&b[..44], &expected);
        assert_eq!(&b[44..], &crc32(&expected).to_le_bytes());
        assert_eq!(State::decode(&b, 1), Ok(s));
    }

    #[test]
    fn garbage_is_refused_with_a_reason() {
        let b = State::default().encode(2);
        assert_eq!(
            State::decode(&b[..47], 2),
            Err("47 bytes, expected 48".into())
        );
        assert_eq!(State::decode(&b, 1), Err("kind 2, expected 1".into()));
        let mut c = b;
        c[13] ^= 4;
        assert_eq!(State::decode(&c, 2), Err("CRC mismatch".into()));
        assert_eq!(
            State::decode(&[0u8; STATE_LEN], 2),
            Err("no state magic".into())
        );
    }
}
