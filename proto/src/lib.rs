//! telltale-proto: the wire contract between the box (`telltaled`) and the laptop CLI
//! (`telltale`), DESIGN.md "The host link".
//!
//! - [`message`]: the requests and responses, and [`message::hello_version`];
//! - [`record`]: summary and alert records; [`status`]: the status answer;
//! - [`frame`]: `COBS(postcard(message) ++ CRC32) 0x00` framing and the streaming decoder that
//!   resynchronises after garbage;
//! - [`cobs`] and [`crc32`]: the two codecs, written here.
//!
//! The crate is `no_std` (it needs `alloc`) and depends on nothing else in the workspace.
#![no_std]

extern crate alloc;

pub mod cobs;
pub mod crc32;
pub mod frame;
pub mod message;
pub mod record;
pub mod status;
pub mod usb;

pub use frame::{decode_message, encode, FrameDecoder, FrameError};
pub use message::{ErrorCode, Request, Response, RulesChunk};
pub use record::{AlertRecord, DestinationInfo, DeviceInfo, SummaryRecord, Transport, Verdict};
pub use status::{JournalRange, PortState, PortStatus, Status};

/// Version of the link protocol. A host that does not speak the box's version refuses it in one
/// line (DESIGN.md, "The host link").
pub const PROTOCOL_VERSION: u16 = 1;
