//! Per-flow state: keys, the fixed-capacity flow table, and reassembly of the few stream bytes
//! the dissectors need (handshakes, request heads, CRYPTO frames).

pub mod defrag;
pub mod key;
pub mod reasm;
pub mod table;
