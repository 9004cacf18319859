//! What the link server needs from the rest of the daemon: the journals, the status, the clock
//! and the rules. The daemon implements it over its shared state; tests implement it in memory.

use telltale_proto::{AlertRecord, Status, SummaryRecord};

/// A page of records and whether more follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The records, in sequence order.
    pub records: Vec<T>,
    /// More records exist after the last one.
    pub more: bool,
}

/// The box as the link server sees it. Every method is called from the link thread.
pub trait LinkBackend {
    /// A stable identity for this box (shown by the host, used to keep boxes apart).
    fn box_id(&self) -> String;

    /// The status now.
    fn status(&mut self) -> Status;

    /// Durable summaries with `seq > after_seq`, in order: at most `max` records and about
    /// `max_bytes` of encoded records (always at least one when any is waiting).
    fn summaries_after(
        &mut self,
        after_seq: u64,
        max: usize,
        max_bytes: usize,
    ) -> Page<SummaryRecord>;

    /// The host stored every summary up to `upto_seq`; returns what the box recorded.
    fn ack_summaries(&mut self, upto_seq: u64) -> Result<u64, String>;

    /// Alerts with `seq > after`, in order (same limits as summaries).
    fn alerts_after(&mut self, after: u64, max: usize, max_bytes: usize) -> Page<AlertRecord>;

    /// Alerts up to `upto` were seen by the user; returns whether the red latch is still on.
    fn ack_alerts(&mut self, upto: u64) -> Result<bool, String>;

    /// Sets the box's clock; returns the previous time (ms since the epoch).
    fn set_time(&mut self, unix_ms: u64) -> Result<u64, String>;

    /// Validates and applies a complete new rules file atomically, or rejects it whole with the
    /// reason (`rules.toml:12: ...`), keeping the rules in force.
    fn apply_rules(&mut self, text: &[u8]) -> Result<(), String>;

    /// Validates a complete rules file without applying it; the reason when it is wrong.
    fn check_rules(&mut self, text: &[u8]) -> Result<(), String>;

    /// The rules file in force.
    fn rules(&mut self) -> Vec<u8>;
}
