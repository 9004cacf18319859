//! Link framing: each frame on the wire is `0x00 COBS(postcard((id, message)) ++ CRC32_LE(...)) 0x00`.
//!
//! `id` is a request number chosen by the host and echoed by the box in its response, so that a
//! late answer to a request the host already repeated is recognised and dropped instead of being
//! taken for the answer to the next request.
//!
//! The leading delimiter is allowed by the format (an empty frame is skipped) and ends whatever
//! garbage a reconnecting cable left in the receiver, so the first real frame after it is clean.
//! [`FrameDecoder`] is streaming: it takes bytes as they arrive, delimits frames at zeros, decodes
//! COBS in place, checks the CRC and hands out the payload; after garbage, an over-long frame or a
//! corrupt one it reports the error and starts afresh at the next delimiter.

use alloc::vec::Vec;
use core::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::cobs::{self, CobsError};
use crate::crc32::crc32;

/// The largest payload (message and CRC) a frame may carry.
pub const MAX_PAYLOAD: usize = 256 * 1024;

/// Why a frame was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// More than [`MAX_PAYLOAD`] bytes before a delimiter; the bytes were dropped.
    TooLong {
        /// Bytes dropped.
        dropped: usize,
    },
    /// The COBS encoding is broken.
    Cobs(CobsError),
    /// Fewer than the 4 CRC bytes.
    TooShort {
        /// The decoded length.
        len: usize,
    },
    /// The CRC does not match: the frame was corrupted on the way.
    Crc {
        /// The CRC carried by the frame.
        carried: u32,
        /// The CRC of what arrived.
        computed: u32,
    },
    /// The CRC is right but the message does not decode (another protocol version, or a bug).
    Message(postcard::Error),
    /// The message is larger than [`MAX_PAYLOAD`].
    Oversized {
        /// Its encoded length.
        len: usize,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::TooLong { dropped } => {
                write!(
                    f,
                    "frame longer than {MAX_PAYLOAD} bytes; {dropped} bytes dropped"
                )
            }
            FrameError::Cobs(e) => write!(f, "bad frame encoding: {e}"),
            FrameError::TooShort { len } => {
                write!(f, "frame of {len} bytes is too short to hold its CRC")
            }
            FrameError::Crc { carried, computed } => write!(
                f,
                "corrupt frame: CRC {computed:08x} does not match the {carried:08x} it carries"
            ),
            FrameError::Message(e) => write!(f, "undecodable message: {e}"),
            FrameError::Oversized { len } => {
                write!(
                    f,
                    "message of {len} bytes exceeds the {MAX_PAYLOAD}-byte frame limit"
                )
            }
        }
    }
}

impl From<CobsError> for FrameError {
    fn from(e: CobsError) -> Self {
        FrameError::Cobs(e)
    }
}

/// Appends the frame carrying `message` with request number `id` to `out`.
pub fn encode_into<T: Serialize>(
    id: u32,
    message: &T,
    out: &mut Vec<u8>,
) -> Result<(), FrameError> {
    let mut payload = postcard::to_allocvec(&(id, message)).map_err(FrameError::Message)?;
    let crc = crc32(&payload);
    payload.extend_from_slice(&crc.to_le_bytes());
    if payload.len() > MAX_PAYLOAD {
        return Err(FrameError::Oversized { len: payload.len() });
    }
    out.push(0);
    cobs::encode_into(&payload, out);
    out.push(0);
    Ok(())
}

/// The frame carrying `message` with request number `id`.
pub fn encode<T: Serialize>(id: u32, message: &T) -> Result<Vec<u8>, FrameError> {
    let mut out = Vec::new();
    encode_into(id, message, &mut out)?;
    Ok(out)
}

/// The most bytes a frame carrying `message` takes, delimiters included (to size batches).
pub fn encoded_len<T: Serialize>(message: &T) -> Result<usize, FrameError> {
    // The id takes at most 5 bytes, the CRC 4.
    let len = postcard::experimental::serialized_size(message).map_err(FrameError::Message)? + 9;
    Ok(cobs::max_encoded_len(len) + 2)
}

/// Decodes the request number and the message from a frame payload handed out by
/// [`FrameDecoder`].
pub fn decode_message<T: DeserializeOwned>(payload: &[u8]) -> Result<(u32, T), FrameError> {
    postcard::from_bytes(payload).map_err(FrameError::Message)
}

/// Counters of what a decoder saw, for `telltale status` and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecoderStats {
    /// Good frames handed out.
    pub frames: u64,
    /// Frames rejected (bad encoding, CRC, too long).
    pub rejected: u64,
}

/// A streaming frame decoder.
#[derive(Debug)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    /// Bytes dropped since the frame overflowed; 0 when not overflowing.
    overflow: usize,
    stats: DecoderStats,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameDecoder {
    /// A decoder waiting for a frame.
    pub fn new() -> Self {
        FrameDecoder {
            buf: Vec::new(),
            overflow: 0,
            stats: DecoderStats::default(),
        }
    }

    /// Counters so far.
    pub fn stats(&self) -> DecoderStats {
        self.stats
    }

    /// Forgets a partial frame (after a reconnect).
    pub fn reset(&mut self) {
        self.buf.clear();
        self.overflow = 0;
    }

    /// Takes `bytes` as they arrived and calls `on_frame` for every frame they complete: the
    /// payload (message without its CRC) or why the frame was rejected. Empty frames (two
    /// delimiters in a row) are skipped silently.
    pub fn feed(&mut self, bytes: &[u8], mut on_frame: impl FnMut(Result<&[u8], FrameError>)) {
        let mut rest = bytes;
        while !rest.is_empty() {
            match rest.iter().position(|&b| b == 0) {
                None => {
                    self.take(rest);
                    return;
                }
                Some(end) => {
                    self.take(&rest[..end]);
                    rest = &rest[end + 1..];
                    self.finish_frame(&mut on_frame);
                }
            }
        }
    }

    /// Buffers frame bytes, or counts them dropped once the frame is too long.
    fn take(&mut self, bytes: &[u8]) {
        let limit = cobs::max_encoded_len(MAX_PAYLOAD);
        if self.overflow > 0 || self.buf.len() + bytes.len() > limit {
            self.overflow += self.buf.len() + bytes.len();
            self.buf.clear();
        } else {
            self.buf.extend_from_slice(bytes);
        }
    }

    fn finish_frame(&mut self, on_frame: &mut impl FnMut(Result<&[u8], FrameError>)) {
        if self.overflow > 0 {
            let dropped = self.overflow;
            self.overflow = 0;
            self.stats.rejected += 1;
            on_frame(Err(FrameError::TooLong { dropped }));
            return;
        }
        if self.buf.is_empty() {
            return;
        }
        let result = check(&mut self.buf);
        match result {
            Ok(len) => {
                self.stats.frames += 1;
                on_frame(Ok(&self.buf[..len]));
            }
            Err(e) => {
                self.stats.rejected += 1;
                on_frame(Err(e));
            }
        }
        self.buf.clear();
    }
}

/// Decodes the COBS frame in `buf` in place and checks its CRC; returns the payload length.
fn check(buf: &mut [u8]) -> Result<usize, FrameError> {
    let len = cobs::decode_in_place(buf)?;
    if len < 4 {
        return Err(FrameError::TooShort { len });
    }
    let body = len - 4;
    let carried = u32::from_le_bytes([buf[body], buf[body + 1], buf[body + 2], buf[body + 3]]);
    let computed = crc32(&buf[..body]);
    if carried != computed {
        return Err(FrameError::Crc { carried, computed });
    }
    Ok(body)
}
