//! telltale-firmware: the on-box daemon `telltaled` as a library.
//!
//! Module map (DESIGN.md, "Crates and layout"): `capture` reads frames (pcap/pcapng files today),
//! `wire` dissects them with borrowed views, `flow` keeps per-flow state and stream reassembly,
//! `naming` knows devices and names destinations, `detect` turns uploads into findings,
//! `rules` loads and checks the rules file, `engine` wires these together into
//! `poll(frame, now) -> events`, and `replay` is the offline front end behind `telltaled replay`.

pub mod capture;
pub mod config;
pub mod daemon;
pub mod detect;
pub mod engine;
pub mod event;
pub mod flow;
pub mod geo;
pub mod link;
pub mod naming;
pub mod replay;
pub mod rules;
pub mod summary;
pub mod wire;
