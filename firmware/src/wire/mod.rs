//! Dissectors: borrowed, checked views over frame bytes, one file per protocol.
//!
//! Style (DESIGN.md, "Style"): each protocol has a `Packet<'a>` view over a borrowed slice with a
//! checked constructor and `mod field` offset constants, or a parse function that fills a
//! caller-owned, fixed-capacity result. Nothing here allocates, and every parser returns a
//! `WireError` (never panics) on bad input.

pub mod dhcp;
pub mod dns;
pub mod ethernet;
pub mod http;
pub mod ipv4;
pub mod ipv6;
pub mod link;
pub mod quic;
pub mod quic_crypto;
pub mod tcp;
pub mod tls;
pub mod udp;

use thiserror::Error;

/// Why a dissector refused its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum WireError {
    /// The input ends before a field the header says is there.
    #[error("{what} truncated: need {need} bytes, have {have}")]
    Truncated {
        /// Which structure was cut short.
        what: &'static str,
        /// Bytes needed.
        need: usize,
        /// Bytes available.
        have: usize,
    },
    /// A field holds a value the protocol does not allow.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// Well-formed but not something we dissect (an unknown version, say).
    #[error("unsupported {0}")]
    Unsupported(&'static str),
}

/// Result of a dissector.
pub type Result<T> = core::result::Result<T, WireError>;

/// Checks that `buf` holds at least `need` bytes.
#[inline]
pub fn need(buf: &[u8], need: usize, what: &'static str) -> Result<()> {
    if buf.len() < need {
        Err(WireError::Truncated {
            what,
            need,
            have: buf.len(),
        })
    } else {
        Ok(())
    }
}

/// Reads a big-endian u16 at `at`; the caller has checked the length.
#[inline]
pub fn be16(buf: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([buf[at], buf[at + 1]])
}

/// Reads a big-endian u32 at `at`; the caller has checked the length.
#[inline]
pub fn be32(buf: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]])
}
