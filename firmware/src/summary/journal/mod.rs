//! The on-box journal: summary records (and, with the same code, alert records) kept on disk,
//! crash-safe and bounded, until the host has pulled and acknowledged them.
//!
//! A journal is a directory of segment files named by the sequence number of their first
//! record, plus a small `state` file. Each record is a frame carrying its length, its sequence
//! number and a CRC-32 ([`format`]). Appends get strictly increasing sequence numbers that are
//! never reused, not after rotation, a restart or a power cut ([`state`] reserves them ahead).
//! Appends are fsynced by group commit ([`SyncPolicy`]); [`Journal::durable_seq`] says what is
//! on disk for sure, and only durable records are ever read back, so nothing the host pulled or
//! the daemon reported as stored can vanish. A size cap deletes whole segments oldest first and
//! counts any record it deletes before the host acknowledged it ([`rotation`]). Opening a
//! journal recovers it ([`recovery`]): torn tails are cut, corrupt records in the middle are
//! stepped over, and a [`RecoveryReport`] says what was done. `docs/journal.md` has the whole
//! story and the crash-test figures.
//!
//! Files, one concern each: [`format`] (bytes on disk), [`scan`] (walking frames, damaged or
//! not), [`segment`] (segment files), [`recovery`], [`writer`] (appending and the fsync policy),
//! [`reader`] (`read_after`), [`state`] (acknowledgement, lost counter, reserved numbers),
//! [`rotation`] (the cap), [`store`] (the generic [`Journal`]), [`typed`] (summary and alert
//! journals), [`fsio`] (durable file-system steps), [`error`].
//!
//! How the daemon uses it: open both journals at start ([`open_pair`]), log
//! [`RecoveryReport::lines`]; append each summary or alert as it is made; call
//! [`Journal::sync_if_due`] on a timer of about `max_delay`; log [`Journal::take_notices`];
//! report a record as stored only once `durable_seq` has reached it. How the link server uses
//! it: `Pull { after_seq, max }` is [`RecordJournal::read_after`] (durable records only,
//! bounded so the batch fits a frame), `Ack { upto_seq }` is [`RecordJournal::ack`], and
//! `Status` carries [`Extent::to_link`].

pub mod error;
pub mod format;
pub mod fsio;
pub mod reader;
pub mod recovery;
pub mod rotation;
pub mod scan;
pub mod segment;
pub mod state;
pub mod store;
pub mod typed;
pub mod writer;

#[cfg(test)]
mod tests;

pub use error::{JournalError, Op};
pub use reader::{Batch, Entry};
pub use recovery::{Gap, RecoveryReport, Region, Removed};
pub use rotation::Notice;
pub use store::{Extent, Journal, JournalConfig, SEQ_RESERVE};
pub use typed::{
    open_pair, AlertJournal, JournalRecord, RecordBatch, RecordJournal, SummaryJournal, ALERT_DIR,
    SUMMARY_DIR,
};
pub use writer::SyncPolicy;
