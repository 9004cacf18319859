//! telltale-hostctl: the laptop side of the link, behind the `telltale` CLI.
//!
//! - [`link`]: finding the box, the byte pipes, the request/answer client;
//! - [`store`]: the local SQLite database that pulled summaries and alerts go into;
//! - [`pull`]: the incremental, resumable pull;
//! - [`report`]: devices, destinations, uploads and alerts over a time range, as a table, JSON,
//!   CSV or one self-contained HTML page;
//! - [`cli`]: the commands.
//!
//! It depends only on `telltale-proto`.

pub mod cli;
pub mod link;
pub mod pull;
pub mod report;
pub mod store;

pub use telltale_proto::PROTOCOL_VERSION;
