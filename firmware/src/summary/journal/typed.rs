//! The typed journals: postcard-encoded [`SummaryRecord`]s and [`AlertRecord`]s over the
//! generic [`Journal`]. The journal assigns each record its `seq` on append.
//!
//! The daemon opens one of each, in two directories ([`open_pair`]); the link server answers
//! `Pull` and `Alerts` with [`RecordJournal::read_after`] (durable records only) and `Ack` /
//! `AckAlerts` with [`RecordJournal::ack`].

use std::path::Path;
use std::time::Instant;

use serde::de::DeserializeOwned;
use serde::Serialize;
use telltale_proto::{AlertRecord, SummaryRecord};

use super::error::{JournalError, Result};
use super::format::kind;
use super::recovery::RecoveryReport;
use super::rotation::Notice;
use super::store::{Extent, Journal, JournalConfig};

/// A record type the journal keeps.
pub trait JournalRecord: Serialize + DeserializeOwned {
    /// The payload kind written in segment headers.
    const KIND: u16;
    /// Its sequence number.
    fn seq(&self) -> u64;
    /// Gives it its sequence number.
    fn set_seq(&mut self, seq: u64);
}

impl JournalRecord for SummaryRecord {
    const KIND: u16 = kind::SUMMARY;
    fn seq(&self) -> u64 {
        self.seq
    }
    fn set_seq(&mut self, seq: u64) {
        self.seq = seq;
    }
}

impl JournalRecord for AlertRecord {
    const KIND: u16 = kind::ALERT;
    fn seq(&self) -> u64 {
        self.seq
    }
    fn set_seq(&mut self, seq: u64) {
        self.seq = seq;
    }
}

/// Records read back, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordBatch<R> {
    /// The records.
    pub records: Vec<R>,
    /// The last sequence number in `records`, or the `after` asked for when empty.
    pub last_seq: u64,
    /// More durable records follow.
    pub more: bool,
}

/// A journal of `R`s.
#[derive(Debug)]
pub struct RecordJournal<R> {
    inner: Journal,
    _records: core::marker::PhantomData<fn() -> R>,
}

/// The summary journal.
pub type SummaryJournal = RecordJournal<SummaryRecord>;
/// The alert journal.
pub type AlertJournal = RecordJournal<AlertRecord>;

/// Default directory names under the daemon's state directory.
pub const SUMMARY_DIR: &str = "summaries";
/// See [`SUMMARY_DIR`].
pub const ALERT_DIR: &str = "alerts";

/// Opens the summary journal in `root/summaries` and the alert journal in `root/alerts`, with
/// the given caps and otherwise default settings.
pub fn open_pair(
    root: &Path,
    summary_cap: u64,
    alert_cap: u64,
) -> Result<(SummaryJournal, AlertJournal)> {
    let mut summaries = JournalConfig::new(root.join(SUMMARY_DIR), kind::SUMMARY);
    summaries.cap_bytes = summary_cap;
    summaries.segment_bytes = summaries.segment_bytes.min(summary_cap / 4);
    let mut alerts = JournalConfig::new(root.join(ALERT_DIR), kind::ALERT);
    alerts.cap_bytes = alert_cap;
    alerts.segment_bytes = alerts.segment_bytes.min(alert_cap / 4);
    Ok((
        RecordJournal::open(summaries)?,
        RecordJournal::open(alerts)?,
    ))
}

impl<R: JournalRecord> RecordJournal<R> {
    /// Opens the journal; `config.kind` is set to `R`'s.
    pub fn open(mut config: JournalConfig) -> Result<Self> {
        config.kind = R::KIND;
        Ok(RecordJournal {
            inner: Journal::open(config)?,
            _records: core::marker::PhantomData,
        })
    }

    /// The generic journal underneath.
    pub fn inner(&self) -> &Journal {
        &self.inner
    }

    /// The generic journal underneath, mutably.
    pub fn inner_mut(&mut self) -> &mut Journal {
        &mut self.inner
    }

    /// Gives `record` the next sequence number and appends it; returns the number.
    pub fn append(&mut self, record: R) -> Result<u64> {
        self.append_at(record, Instant::now())
    }

    /// [`append`](Self::append) with the clock reading given.
    pub fn append_at(&mut self, mut record: R, now: Instant) -> Result<u64> {
        let seq = self.inner.next_seq();
        record.set_seq(seq);
        let bytes = postcard::to_allocvec(&record).map_err(|source| JournalError::Encode {
            dir: self.inner.dir().to_path_buf(),
            seq,
            source,
        })?;
        let got = self.inner.append_at(&bytes, now)?;
        debug_assert_eq!(got, seq);
        Ok(got)
    }

    /// Durable records after `after_seq`, in order, at most `max_records` of them and about
    /// `max_bytes` of encoded records (the first is returned even if larger). A record that
    /// checks out on disk but does not decode is skipped with a [`Notice`].
    pub fn read_after(
        &mut self,
        after_seq: u64,
        max_records: usize,
        max_bytes: usize,
    ) -> Result<RecordBatch<R>> {
        let batch = self.inner.read_after(after_seq, max_records, max_bytes)?;
        let last_seq = batch.last_seq_or(after_seq);
        let mut records = Vec::with_capacity(batch.entries.len());
        let mut bad = Vec::new();
        for entry in batch.entries {
            match postcard::from_bytes::<R>(&entry.payload) {
                Ok(record) if record.seq() == entry.seq => records.push(record),
                Ok(record) => bad.push((
                    entry.seq,
                    format!("it carries sequence number {}", record.seq()),
                )),
                Err(e) => bad.push((entry.seq, e.to_string())),
            }
        }
        for (seq, error) in bad {
            self.note(Notice::Undecodable {
                dir: self.inner.dir().to_path_buf(),
                seq,
                error,
            });
        }
        Ok(RecordBatch {
            records,
            last_seq,
            more: batch.more,
        })
    }

    fn note(&mut self, notice: Notice) {
        self.inner.push_notice(notice);
    }

    /// See [`Journal::ack`].
    pub fn ack(&mut self, upto_seq: u64) -> Result<u64> {
        self.inner.ack(upto_seq)
    }

    /// See [`Journal::sync`].
    pub fn sync(&mut self) -> Result<u64> {
        self.inner.sync()
    }

    /// See [`Journal::sync_if_due`].
    pub fn sync_if_due(&mut self, now: Instant) -> Result<u64> {
        self.inner.sync_if_due(now)
    }

    /// See [`Journal::durable_seq`].
    pub fn durable_seq(&self) -> u64 {
        self.inner.durable_seq()
    }

    /// See [`Journal::range`].
    pub fn range(&self) -> Extent {
        self.inner.range()
    }

    /// See [`Journal::recovery`].
    pub fn recovery(&self) -> &RecoveryReport {
        self.inner.recovery()
    }

    /// See [`Journal::take_notices`].
    pub fn take_notices(&mut self) -> Vec<Notice> {
        self.inner.take_notices()
    }

    /// See [`Journal::close`].
    pub fn close(self) -> Result<()> {
        self.inner.close()
    }
}
