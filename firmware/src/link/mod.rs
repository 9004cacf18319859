//! The link server: the box's side of the host link (DESIGN.md, "The host link"), speaking
//! `telltale-proto` to the `telltale` CLI over the USB serial gadget, or TCP when enabled.
//!
//! - [`backend`]: what the server needs from the daemon ([`LinkBackend`]);
//! - [`session`]: the protocol's rules, request by request;
//! - [`serve`]: one byte stream, frames in and out;
//! - [`serial`] and [`tcp`]: opening, reopening and accepting.

pub mod backend;
pub mod journal_backend;
pub mod serial;
pub mod serve;
pub mod session;
#[cfg(test)]
mod session_tests;
pub mod tcp;

pub use backend::{LinkBackend, Page};
pub use serve::{serve_stream, Ended, ServeStats};
pub use session::Session;
