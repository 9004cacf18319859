//! The link backend of the real box: summaries and alerts served from the on-box journals
//! (only what is durable), acknowledgements recorded in them, and everything else (status, clock,
//! rules, the alert latch) asked of the daemon through [`BoxControl`].

use std::sync::{Arc, Mutex, MutexGuard};

use telltale_proto::{AlertRecord, Status, SummaryRecord};

use super::backend::{LinkBackend, Page};
use crate::summary::journal::{AlertJournal, JournalError, RecordBatch, SummaryJournal};

/// What the link needs from the running daemon besides the journals.
pub trait BoxControl: Send {
    /// A stable identity for this box.
    fn box_id(&self) -> String;
    /// The status now; the journal range is filled in by the backend.
    fn status(&mut self) -> Status;
    /// Clears the red latch for alerts up to `upto`; returns whether it is still on.
    fn ack_alerts(&mut self, upto: u64) -> bool;
    /// Sets the box's clock; returns the previous time.
    fn set_time(&mut self, unix_ms: u64) -> Result<u64, String>;
    /// Checks a rules file without applying it.
    fn check_rules(&mut self, text: &[u8]) -> Result<(), String>;
    /// Checks, stores and applies a rules file, or changes nothing.
    fn apply_rules(&mut self, text: &[u8]) -> Result<(), String>;
    /// The rules file in force.
    fn rules(&mut self) -> Vec<u8>;
}

/// Journals shared between the daemon's engine thread (which appends) and the link thread.
pub type Shared<T> = Arc<Mutex<T>>;

/// The journal-backed [`LinkBackend`].
pub struct JournalBackend {
    summaries: Shared<SummaryJournal>,
    alerts: Shared<AlertJournal>,
    control: Box<dyn BoxControl>,
}

impl std::fmt::Debug for JournalBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JournalBackend").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic on another thread poisons the lock; the journal itself stays consistent (every
    // operation is checked on disk), so carry on with it.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A journal read as a page; an unreadable journal serves nothing (the daemon logs why).
fn page<R>(read: Result<RecordBatch<R>, JournalError>) -> Page<R> {
    match read {
        Ok(batch) => Page {
            records: batch.records,
            more: batch.more,
        },
        Err(_) => Page {
            records: Vec::new(),
            more: false,
        },
    }
}

impl JournalBackend {
    /// A backend over the two journals and the daemon.
    pub fn new(
        summaries: Shared<SummaryJournal>,
        alerts: Shared<AlertJournal>,
        control: Box<dyn BoxControl>,
    ) -> Self {
        JournalBackend {
            summaries,
            alerts,
            control,
        }
    }
}

impl LinkBackend for JournalBackend {
    fn box_id(&self) -> String {
        self.control.box_id()
    }

    fn status(&mut self) -> Status {
        let mut status = self.control.status();
        status.journal = lock(&self.summaries).range().to_link();
        status
    }

    fn summaries_after(
        &mut self,
        after_seq: u64,
        max: usize,
        max_bytes: usize,
    ) -> Page<SummaryRecord> {
        page(lock(&self.summaries).read_after(after_seq, max, max_bytes))
    }

    fn ack_summaries(&mut self, upto_seq: u64) -> Result<u64, String> {
        lock(&self.summaries)
            .ack(upto_seq)
            .map_err(|e| e.to_string())
    }

    fn alerts_after(&mut self, after: u64, max: usize, max_bytes: usize) -> Page<AlertRecord> {
        page(lock(&self.alerts).read_after(after, max, max_bytes))
    }

    fn ack_alerts(&mut self, upto: u64) -> Result<bool, String> {
        let upto = lock(&self.alerts).ack(upto).map_err(|e| e.to_string())?;
        Ok(self.control.ack_alerts(upto))
    }

    fn set_time(&mut self, unix_ms: u64) -> Result<u64, String> {
        self.control.set_time(unix_ms)
    }

    fn check_rules(&mut self, text: &[u8]) -> Result<(), String> {
        self.control.check_rules(text)
    }

    fn apply_rules(&mut self, text: &[u8]) -> Result<(), String> {
        self.control.apply_rules(text)
    }

    fn rules(&mut self) -> Vec<u8> {
        self.control.rules()
    }
}
