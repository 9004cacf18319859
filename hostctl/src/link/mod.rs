//! Reaching the box: the byte pipes ([`transport`]), finding the box's USB serial port
//! ([`find`]), and the request/answer client with its retries ([`client`]).

pub mod client;
pub mod find;
pub mod transport;

pub use client::{BoxInfo, Client, ClientError, ClientStats, Patience};
pub use transport::{SerialTransport, TcpTransport, Transport};
