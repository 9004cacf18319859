//! The requests the host sends and the responses the box returns (DESIGN.md, "The host link").
//!
//! Every request gets exactly one response. `Hello` is variant 0 of both enums and its first
//! field is the protocol version, in every version of the protocol, so that either side can read
//! the other's version even when it cannot read the rest ([`hello_version`]).

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::record::{AlertRecord, SummaryRecord};
use crate::status::Status;

/// The most rule-file bytes in one `PutRules` or `Rules` chunk.
pub const RULES_CHUNK: usize = 16 * 1024;

/// The largest rules file the box accepts.
pub const MAX_RULES_BYTES: u32 = 4 * 1024 * 1024;

/// A piece of a rules file, sent in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulesChunk {
    /// Offset of `data` in the file.
    pub offset: u32,
    /// Length of the whole file.
    pub total: u32,
    /// CRC-32 of the whole file, so the receiver knows it has the file it was meant to get.
    pub crc: u32,
    /// The bytes.
    pub data: Vec<u8>,
    /// Apply the file when it is complete (`false`: only check it and say what is wrong).
    pub apply: bool,
}

/// What the host asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// Opens a session: the host's protocol version and its name.
    Hello {
        /// The host's [`crate::PROTOCOL_VERSION`].
        version: u16,
        /// `telltale 0.1.0`, for the box's log.
        client: String,
    },
    /// The box's status.
    Status,
    /// Summaries with a sequence number above `after_seq`, at most `max` of them (the box may
    /// send fewer, to keep a frame small).
    Pull {
        /// The last sequence number the host has stored.
        after_seq: u64,
        /// The most records wanted.
        max: u32,
    },
    /// The host has stored every summary up to `upto_seq`: the box may rotate them out.
    Ack {
        /// The highest stored sequence number.
        upto_seq: u64,
    },
    /// Alerts with a sequence number above `after`.
    Alerts {
        /// The last alert the host has.
        after: u64,
        /// The most alerts wanted.
        max: u32,
    },
    /// Acknowledges alerts up to `upto`: clears the red LED's latch.
    AckAlerts {
        /// The highest alert acknowledged.
        upto: u64,
    },
    /// Sets the box's clock.
    SetTime {
        /// The host's clock, ms since the epoch.
        unix_ms: u64,
    },
    /// A piece of a new rules file. The box applies the file when the last byte arrives and it
    /// checks out, or rejects it whole.
    PutRules(RulesChunk),
    /// A piece of the rules file in force, from `offset`.
    GetRules {
        /// Where to start.
        offset: u32,
    },
}

/// Why the box refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorCode {
    /// The host must send `Hello` first.
    NoHello,
    /// The host speaks another protocol version.
    Version,
    /// The request does not make sense now (a rules chunk out of order, ...).
    BadRequest,
    /// The box failed doing it (disk error, ...).
    Internal,
}

/// What the box answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    /// The box's protocol version and who it is.
    Hello {
        /// The box's [`crate::PROTOCOL_VERSION`].
        version: u16,
        /// `telltaled 0.1.0`.
        firmware: String,
        /// A stable identity for this box (its bridge MAC, or the machine id).
        box_id: String,
    },
    /// The status.
    Status(Box<Status>),
    /// Summaries in sequence order.
    Batch {
        /// The records (possibly none).
        records: Vec<SummaryRecord>,
        /// The highest sequence number in `records`, or `after_seq` when empty.
        last_seq: u64,
        /// More records are waiting after these.
        more: bool,
    },
    /// Summaries up to `upto_seq` are acknowledged.
    Acked {
        /// What the box recorded.
        upto_seq: u64,
    },
    /// Alerts in sequence order.
    AlertBatch {
        /// The alerts.
        alerts: Vec<AlertRecord>,
        /// The highest alert sequence number sent, or `after` when empty.
        last: u64,
        /// More alerts are waiting.
        more: bool,
    },
    /// Alerts acknowledged; the latch is cleared when no newer alert exists.
    AlertsAcked {
        /// What the box recorded.
        upto: u64,
        /// Whether the red LED's latch is still on.
        latched: bool,
    },
    /// The clock is set.
    TimeSet {
        /// The box's clock before.
        previous_ms: u64,
    },
    /// A rules chunk was stored; more are expected.
    RulesReceived {
        /// Bytes received so far.
        received: u32,
    },
    /// The new rules are valid (a check, `apply: false`); nothing changed.
    RulesValid {
        /// Their length.
        bytes: u32,
        /// Their CRC-32.
        crc: u32,
    },
    /// The new rules are in force.
    RulesApplied {
        /// Their length.
        bytes: u32,
        /// Their CRC-32.
        crc: u32,
    },
    /// The new rules were rejected whole; the old ones stay.
    RulesRejected {
        /// Why (`rules.toml:12: watch.domains: ...`).
        reason: String,
    },
    /// A piece of the rules file in force.
    Rules(RulesChunk),
    /// The request was refused.
    Error {
        /// The kind.
        code: ErrorCode,
        /// A readable line.
        message: String,
    },
}

/// Reads only the request number and protocol version of a `Hello` (request or response) from
/// a decoded frame payload; `None` if the payload is not a `Hello`. It works whatever the rest of
/// the message holds, so a tool can say "the box speaks version N" instead of failing to decode.
pub fn hello_version(payload: &[u8]) -> Option<(u32, u16)> {
    // postcard: the id as a varint, the enum variant index as a varint (Hello = 0), then the
    // u16 version as a varint.
    let (id, rest) = read_varint(payload, 5)?;
    let (&variant, rest) = rest.split_first()?;
    if variant != 0 {
        return None;
    }
    let (version, _) = read_varint(rest, 3)?;
    Some((id, u16::try_from(version).ok()?))
}

/// Reads a LEB128 varint of at most `max_bytes` bytes that fits in a u32.
fn read_varint(bytes: &[u8], max_bytes: usize) -> Option<(u32, &[u8])> {
    let mut value: u64 = 0;
    for (i, &b) in bytes.iter().take(max_bytes).enumerate() {
        value |= u64::from(b & 0x7F) << (7 * i);
        if b & 0x80 == 0 {
            return Some((u32::try_from(value).ok()?, &bytes[i + 1..]));
        }
    }
    None
}
