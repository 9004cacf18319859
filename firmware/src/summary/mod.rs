//! Summaries: what each device exchanged with each destination per window (DESIGN.md,
//! "Summary record"), and the journal that keeps them, and the alerts, on the box until the host
//! has pulled them.
//!
//! Per window: [`schedule`] says when windows open and close (on packet time), each flow's
//! [`cursor`] says what it already reported, [`window`] adds flows up by (device, destination,
//! transport) in a fixed-capacity table, [`fired`] keeps the rules that fired and the verdict,
//! [`view`] lends a closed window to the sink, and [`to_record`] makes owned records of it for
//! the [`journal`].

pub mod cursor;
pub mod fired;
pub mod journal;
pub mod schedule;
pub mod to_record;
pub mod view;
pub mod window;

#[cfg(test)]
mod engine_tests;
#[cfg(test)]
mod window_tests;
