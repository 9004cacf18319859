//! Summaries: what each device exchanged with each destination per window (DESIGN.md,
//! "Summary record"), and the journal that keeps them, and the alerts, on the box until the host
//! has pulled them.

pub mod journal;
