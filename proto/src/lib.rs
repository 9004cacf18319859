//! telltale-proto: the wire contract between the box (`telltaled`) and the laptop CLI
//! (`telltale`).
//!
//! This crate is `no_std` and depends on nothing else in the workspace. It will own the link
//! messages, the summary and alert records and the COBS + CRC32 framing (DESIGN.md, "The host
//! link"). Today it holds the protocol version that both sides compare in `Hello`.
#![no_std]

/// Version of the link protocol. A host that does not speak the box's version refuses it in one
/// line (DESIGN.md, "The host link").
pub const PROTOCOL_VERSION: u16 = 1;
