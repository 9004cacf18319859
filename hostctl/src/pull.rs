//! `telltale pull`: brings the box's new summaries and alerts into the local database.
//!
//! Resumable and exactly-once by construction: each request asks for what follows the highest
//! sequence number already stored, each batch is stored in one transaction before the box is
//! told (`Ack`) it may let those records go. A pull cut at any point (cable, box restart, laptop
//! crash) starts again from what the database holds; nothing is skipped and nothing is stored
//! twice.

use telltale_proto::{AlertRecord, Request, Response};

use crate::link::{Client, ClientError, Transport};
use crate::store::{Store, StoreError};

/// Records asked for per request on a clean line.
pub const BATCH: u32 = 512;

/// The smallest batch asked for on a noisy line.
pub const MIN_BATCH: u32 = 8;

/// Why a pull stopped.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    /// The link failed.
    #[error(transparent)]
    Link(#[from] ClientError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The box answered something that is not an answer to the request.
    #[error("the box answered {0} to {1}")]
    Unexpected(String, &'static str),
    /// The box sent records out of order.
    #[error("the box sent record {got} after {after}: out of order")]
    Order {
        /// The record's sequence number.
        got: u64,
        /// What it should follow.
        after: u64,
    },
}

/// What a pull brought.
#[derive(Debug, Clone, Default)]
pub struct PullReport {
    /// The box's identity.
    pub box_id: String,
    /// Summaries stored.
    pub summaries: u64,
    /// Summary sequence numbers before this pull's first that the box no longer had (rotated
    /// out before they were pulled: the journal cap forced it).
    pub missed: u64,
    /// The highest summary stored.
    pub last_seq: u64,
    /// New alerts, oldest first.
    pub alerts: Vec<AlertRecord>,
    /// Requests repeated because of link trouble.
    pub retries: u64,
}

/// Pulls everything new from the box behind `client` into `store`; `progress(done, total)` is
/// called after each batch of summaries.
pub fn pull<T: Transport>(
    client: &mut Client<T>,
    store: &mut Store,
    now_ms: u64,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<PullReport, PullError> {
    let box_id = client.info().box_id.clone();
    let firmware = client.info().firmware.clone();
    let retries_before = client.stats().retries;
    let mut report = PullReport {
        box_id: box_id.clone(),
        ..PullReport::default()
    };

    let status = match client.request(&Request::Status)? {
        Response::Status(s) => s,
        other => return Err(unexpected(&other, "Status")),
    };
    let mut after = store.last_summary_seq(&box_id)?;
    // Records before the box's oldest that this database lacks were either pulled by another
    // host (acknowledged) or dropped by the box's cap before anyone pulled them: only the
    // latter are missed.
    if status.journal.last_seq > 0 {
        let gone_upto = status.journal.first_seq.saturating_sub(1);
        report.missed = gone_upto.saturating_sub(after.max(status.journal.acked_seq));
    }
    let total = status.journal.last_seq.saturating_sub(after);
    progress(0, total);
    // On a noisy line big answers rarely arrive whole: halve the batch after a repeat, grow it
    // back after a clean answer.
    let mut batch = BATCH;
    loop {
        let retries = client.stats().retries;
        let answer = client.request(&Request::Pull {
            after_seq: after,
            max: batch,
        })?;
        batch = if client.stats().retries > retries {
            (batch / 2).max(MIN_BATCH)
        } else {
            (batch * 2).min(BATCH)
        };
        let Response::Batch {
            records,
            last_seq,
            more,
        } = answer
        else {
            return Err(unexpected(&answer, "Pull"));
        };
        let mut prev = after;
        for r in &records {
            if r.seq <= prev {
                return Err(PullError::Order {
                    got: r.seq,
                    after: prev,
                });
            }
            prev = r.seq;
        }
        let stored = store.insert_summaries(&box_id, &records)?;
        report.summaries += stored.inserted;
        if last_seq > after {
            after = last_seq;
            match client.request(&Request::Ack { upto_seq: after })? {
                Response::Acked { .. } => {}
                other => return Err(unexpected(&other, "Ack")),
            }
        }
        progress(report.summaries, total.max(report.summaries));
        if !more || records.is_empty() {
            break;
        }
    }
    report.last_seq = after;

    let mut after_alert = store.last_alert_seq(&box_id)?;
    loop {
        let answer = client.request(&Request::Alerts {
            after: after_alert,
            max: BATCH,
        })?;
        let Response::AlertBatch { alerts, last, more } = answer else {
            return Err(unexpected(&answer, "Alerts"));
        };
        store.insert_alerts(&box_id, &alerts)?;
        after_alert = last.max(after_alert);
        let empty = alerts.is_empty();
        report.alerts.extend(alerts);
        if !more || empty {
            break;
        }
    }
    store.note_box(&box_id, &firmware, now_ms)?;
    report.retries = client.stats().retries - retries_before;
    Ok(report)
}

fn unexpected(answer: &Response, to: &'static str) -> PullError {
    let name = format!("{answer:?}");
    let short = name
        .split([' ', '(', '{'])
        .next()
        .unwrap_or("?")
        .to_string();
    PullError::Unexpected(short, to)
}
