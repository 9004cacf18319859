//! telltale-hostctl: the laptop side of the link.
//!
//! It will own the `telltale` CLI (pull, status, watch, report, rules, ack, time) and its local
//! store. It depends only on `telltale-proto`; the CLI binary lands with the link issue.

pub use telltale_proto::PROTOCOL_VERSION;
