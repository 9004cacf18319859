//! [`Journal`]: the generic journal of opaque records, tying the pieces together: recovery at
//! open, appending with sequence numbers and group commit, segment roll-over, the cap, the
//! host's acknowledgements, reads and the figures `telltale status` shows.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::error::{JournalError, Result};
use super::format::{encode_frame, frame_len, kind, FRAME_HEADER_LEN, HEADER_LEN, MAX_PAYLOAD_LEN};
use super::fsio::remove_durably;
use super::reader::{self, Batch, Cursor, Limits};
use super::recovery::{recover, RecoveryReport};
use super::rotation::{Notice, Rotation};
use super::segment::Segment;
use super::state::State;
use super::writer::{ActiveFile, GroupCommit, SyncPolicy};

/// Sequence numbers reserved (persisted in the state file) ahead of use, so none is reused
/// after a power cut: at most one state-file write per this many records.
pub const SEQ_RESERVE: u64 = 1024;

/// The largest segment the journal accepts (recovery reads a segment whole).
pub const MAX_SEGMENT_BYTES: u64 = 64 * 1024 * 1024;

/// How a journal is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalConfig {
    /// Its directory (created if missing).
    pub dir: PathBuf,
    /// What its records are ([`kind`]).
    pub kind: u16,
    /// Most bytes on disk, segment headers included; at least two segments.
    pub cap_bytes: u64,
    /// A segment is closed and a new one started when the next record would take it past this.
    pub segment_bytes: u64,
    /// Largest record payload accepted.
    pub max_record_bytes: usize,
    /// When to fsync.
    pub sync: SyncPolicy,
}

impl JournalConfig {
    /// Defaults: 128 MiB cap, 1 MiB segments, 64 KiB records, [`SyncPolicy::default`].
    pub fn new(dir: impl Into<PathBuf>, kind: u16) -> Self {
        JournalConfig {
            dir: dir.into(),
            kind,
            cap_bytes: 128 * 1024 * 1024,
            segment_bytes: 1024 * 1024,
            max_record_bytes: 64 * 1024,
            sync: SyncPolicy::default(),
        }
    }

    fn check(&self) -> Result<()> {
        let problem = if self.max_record_bytes == 0 || self.max_record_bytes > MAX_PAYLOAD_LEN {
            format!("max_record_bytes must be 1..={MAX_PAYLOAD_LEN}")
        } else if self.segment_bytes < (HEADER_LEN + frame_len(self.max_record_bytes)) as u64 {
            format!(
                "segment_bytes {} cannot hold a header and one record of {} bytes",
                self.segment_bytes, self.max_record_bytes
            )
        } else if self.segment_bytes > MAX_SEGMENT_BYTES {
            format!(
                "segment_bytes {} is above {MAX_SEGMENT_BYTES}",
                self.segment_bytes
            )
        } else if self.cap_bytes < 2 * self.segment_bytes {
            format!(
                "cap_bytes {} is below two segments of {} bytes",
                self.cap_bytes, self.segment_bytes
            )
        } else if self.sync.max_records == 0 {
            "sync.max_records must be at least 1".to_string()
        } else {
            return Ok(());
        };
        Err(JournalError::Config {
            dir: self.dir.clone(),
            problem,
        })
    }
}

/// The journal's extent and counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Extent {
    /// Oldest record on disk (0 when none).
    pub first_seq: u64,
    /// Newest record written (0 when none yet).
    pub last_seq: u64,
    /// Every record up to it is on disk for sure.
    pub durable_seq: u64,
    /// The host has acknowledged every record up to it.
    pub acked_seq: u64,
    /// Bytes on disk.
    pub bytes: u64,
    /// The cap.
    pub cap_bytes: u64,
    /// Records the cap deleted before the host acknowledged them.
    pub lost: u64,
    /// Segment files.
    pub segments: usize,
}

impl Extent {
    /// What the link's `Status` carries: only durable records are ever served, so the newest
    /// it reports is the newest durable one.
    pub fn to_link(&self) -> telltale_proto::JournalRange {
        telltale_proto::JournalRange {
            first_seq: self.first_seq,
            last_seq: self.durable_seq.min(self.last_seq),
            acked_seq: self.acked_seq,
            bytes: self.bytes,
            cap_bytes: self.cap_bytes,
            lost: self.lost,
        }
    }
}

/// A journal of opaque records in one directory. See the [module docs](super).
#[derive(Debug)]
pub struct Journal {
    config: JournalConfig,
    segments: Vec<Segment>,
    active: ActiveFile,
    commit: GroupCommit,
    state: State,
    next_seq: u64,
    last_seq: u64,
    durable_seq: u64,
    recovery: RecoveryReport,
    notices: Vec<Notice>,
    cursor: Option<Cursor>,
    failed: Option<String>,
    frame: Vec<u8>,
}

impl Journal {
    /// Opens (creating if needed) and recovers the journal; see [`Journal::recovery`] for what
    /// recovery found. Every record kept is durable when this returns.
    pub fn open(config: JournalConfig) -> Result<Journal> {
        config.check()?;
        let dir = config.dir.clone();
        let recovered = recover(&dir, config.kind)?;
        let mut segments = recovered.segments;
        let mut state = recovered.state;
        let last_record = segments.iter().rev().find_map(|s| s.last_record);
        let last_seq = last_record
            .unwrap_or(0)
            .max(state.acked_seq)
            .max(state.dropped_through);
        let floor = segments.last().map_or(0, |s| s.first_seq.saturating_sub(1));
        let next_seq = last_seq
            .max(state.reserved_seq)
            .max(floor)
            .saturating_add(1);

        // Records go to a fresh segment: appending after a recovered tail would mix two runs'
        // numbering in one file. An empty newest segment is reused when it starts right here.
        let reuse = matches!(segments.last(), Some(s) if s.records == 0 && s.first_seq == next_seq);
        if !reuse {
            if let Some(s) = segments.last() {
                if s.records == 0 {
                    remove_durably(&dir, &s.path)?;
                    segments.pop();
                }
            }
        }
        state.reserved_seq = next_seq.saturating_add(SEQ_RESERVE - 1);
        state.store(&dir, config.kind)?;
        let active = if reuse {
            ActiveFile::open(&segments[segments.len() - 1].path)?
        } else {
            let file = ActiveFile::create(&dir, config.kind, next_seq, last_seq)?;
            segments.push(Segment::empty(&dir, next_seq, ActiveFile::EMPTY_LEN));
            file
        };
        let mut journal = Journal {
            commit: GroupCommit::new(config.sync, Instant::now()),
            config,
            segments,
            active,
            state,
            next_seq,
            last_seq,
            durable_seq: last_seq,
            recovery: recovered.report,
            notices: Vec::new(),
            cursor: None,
            failed: None,
            frame: Vec::new(),
        };
        journal.rotation().make_room(0)?;
        Ok(journal)
    }

    fn rotation(&mut self) -> Rotation<'_> {
        Rotation {
            dir: &self.config.dir,
            kind: self.config.kind,
            cap_bytes: self.config.cap_bytes,
            segments: &mut self.segments,
            state: &mut self.state,
            notices: &mut self.notices,
        }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.config.dir
    }

    /// The configuration.
    pub fn config(&self) -> &JournalConfig {
        &self.config
    }

    /// What recovery found and did when the journal was opened.
    pub fn recovery(&self) -> &RecoveryReport {
        &self.recovery
    }

    /// Things to log that happened since the last call (records lost to the cap, ...).
    pub fn take_notices(&mut self) -> Vec<Notice> {
        core::mem::take(&mut self.notices)
    }

    /// The sequence number the next record will get.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The newest record written (0 when none).
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Every record up to this one is on disk for sure (fsynced).
    pub fn durable_seq(&self) -> u64 {
        self.durable_seq
    }

    /// The host has acknowledged every record up to this one.
    pub fn acked_seq(&self) -> u64 {
        self.state.acked_seq
    }

    /// Records waiting for an fsync.
    pub fn pending(&self) -> u32 {
        self.commit.pending()
    }

    fn check_running(&self) -> Result<()> {
        match &self.failed {
            None => Ok(()),
            Some(reason) => Err(JournalError::Failed {
                dir: self.config.dir.clone(),
                reason: reason.clone(),
            }),
        }
    }

    /// Marks the journal failed after an error that leaves the disk in an unknown state.
    fn fail(&mut self, error: JournalError) -> JournalError {
        self.failed = Some(error.to_string());
        error
    }

    /// Appends a record; returns its sequence number. It is durable once
    /// [`durable_seq`](Self::durable_seq) reaches it (the sync policy, [`sync`](Self::sync)).
    pub fn append(&mut self, payload: &[u8]) -> Result<u64> {
        self.append_at(payload, Instant::now())
    }

    /// [`append`](Self::append) with the clock reading given (for the time part of the sync
    /// policy).
    pub fn append_at(&mut self, payload: &[u8], now: Instant) -> Result<u64> {
        self.check_running()?;
        if payload.len() > self.config.max_record_bytes {
            return Err(JournalError::RecordTooLarge {
                dir: self.config.dir.clone(),
                len: payload.len(),
                max: self.config.max_record_bytes,
            });
        }
        let seq = self.next_seq;
        if seq > self.state.reserved_seq {
            self.state.reserved_seq = seq.saturating_add(SEQ_RESERVE - 1);
            self.state.store(&self.config.dir, self.config.kind)?;
        }
        let needed = frame_len(payload.len()) as u64;
        let active_segment = self.segments.len() - 1;
        if self.segments[active_segment].records > 0
            && self.segments[active_segment].bytes + needed > self.config.segment_bytes
        {
            self.roll(seq, now)?;
        }
        self.rotation().make_room(needed)?;

        self.frame.clear();
        encode_frame(seq, payload, &mut self.frame);
        let at = self.segments[self.segments.len() - 1].bytes;
        match self.active.append(&self.frame, at) {
            Ok(()) => {}
            Err(Ok(error)) => return Err(error),
            Err(Err(error)) => return Err(self.fail(error)),
        }
        let last = self.segments.len() - 1;
        self.segments[last].note_record(seq, needed);
        self.next_seq = seq + 1;
        self.last_seq = seq;
        if self.commit.appended(now) {
            self.sync_at(now)?;
        }
        Ok(seq)
    }

    /// Closes the segment being written (fsynced, so all its records are durable) and starts
    /// segment `first_seq`.
    fn roll(&mut self, first_seq: u64, now: Instant) -> Result<()> {
        self.sync_at(now)?;
        let active =
            ActiveFile::create(&self.config.dir, self.config.kind, first_seq, self.last_seq)
                .map_err(|e| self.fail(e))?;
        self.active = active;
        self.segments.push(Segment::empty(
            &self.config.dir,
            first_seq,
            ActiveFile::EMPTY_LEN,
        ));
        Ok(())
    }

    /// Fsyncs what is waiting; returns the durable sequence number.
    pub fn sync(&mut self) -> Result<u64> {
        self.sync_at(Instant::now())
    }

    /// Fsyncs if the sync policy says it is time; returns the durable sequence number. The
    /// owner calls it every `max_delay` or so, so that a lone record does not wait long.
    pub fn sync_if_due(&mut self, now: Instant) -> Result<u64> {
        if self.commit.due(now) {
            self.sync_at(now)?;
        }
        Ok(self.durable_seq)
    }

    fn sync_at(&mut self, now: Instant) -> Result<u64> {
        self.check_running()?;
        if self.commit.pending() > 0 {
            // After a failed fsync the kernel may have dropped the dirty pages: what is on
            // disk is unknown, so the journal stops until reopened.
            self.active.sync().map_err(|e| self.fail(e))?;
        }
        self.commit.synced(now);
        self.durable_seq = self.last_seq;
        Ok(self.durable_seq)
    }

    /// Records the host's acknowledgement of everything up to `upto_seq` (clamped to the
    /// durable sequence number; an older acknowledgement changes nothing), persisted atomically.
    /// Returns what is now acknowledged.
    pub fn ack(&mut self, upto_seq: u64) -> Result<u64> {
        let upto = upto_seq.min(self.durable_seq);
        if upto > self.state.acked_seq {
            let mut state = self.state;
            state.acked_seq = upto;
            state.store(&self.config.dir, self.config.kind)?;
            self.state = state;
        }
        Ok(self.state.acked_seq)
    }

    /// Durable records after `after_seq`, in order: at most `max_records`, and at most
    /// `max_bytes` of payload (the first record is returned even if it alone is larger).
    pub fn read_after(
        &mut self,
        after_seq: u64,
        max_records: usize,
        max_bytes: usize,
    ) -> Result<Batch> {
        let limits = Limits {
            upto_seq: self.durable_seq,
            max_records,
            max_bytes,
        };
        reader::read_after(&self.segments, &mut self.cursor, after_seq, limits)
    }

    /// The extent and counters.
    pub fn range(&self) -> Extent {
        Extent {
            first_seq: self
                .segments
                .iter()
                .find_map(|s| s.first_record)
                .unwrap_or(0),
            last_seq: self.last_seq,
            durable_seq: self.durable_seq,
            acked_seq: self.state.acked_seq,
            bytes: self.segments.iter().map(|s| s.bytes).sum(),
            cap_bytes: self.config.cap_bytes,
            lost: self.state.lost,
            segments: self.segments.len(),
        }
    }

    /// Fsyncs and records that no sequence number beyond the last is in use, so the next open
    /// continues without a gap.
    pub fn close(mut self) -> Result<()> {
        self.sync()?;
        self.state.reserved_seq = self.next_seq - 1;
        self.state.store(&self.config.dir, self.config.kind)
    }

    /// Payload bytes a frame adds (for callers sizing batches).
    pub const FRAME_OVERHEAD: usize = FRAME_HEADER_LEN;

    /// A journal of opaque bytes in `dir` with defaults (tools and tests).
    pub fn raw_config(dir: impl Into<PathBuf>) -> JournalConfig {
        JournalConfig::new(dir, kind::RAW)
    }
}

impl Journal {
    /// Queues a notice for [`take_notices`](Self::take_notices).
    pub(super) fn push_notice(&mut self, notice: Notice) {
        self.notices.push(notice);
    }
}
