//! A capture file as a live [`FrameSource`] (the daemon's backend `file`): for demos on a PC and
//! for tests that run the real daemon without network ports.
//!
//! Frames are handed out in batches, borrowed from the memory-mapped file, either as fast as the
//! daemon takes them or at the pace of their timestamps (`pace`: a frame is due when as much
//! time has passed since the first frame of the pass as its timestamp says). A file has no ports:
//! `ports_by_mac` gives a frame the port its sender's MAC address is mapped to, and frames from
//! other senders have none (the engine then finds the devices as a replay does).
//!
//! At the end of the file the source stops ([`SourceError::Finished`]), holds (stays open with
//! no frames), or loops (reads the file again; each pass is shifted in time to start one second
//! after the previous one ended, so the daemon sees one long capture and never a step back).

use std::path::Path;
use std::time::{Duration, Instant};

use self_cell::self_cell;

use super::file::{CaptureError, CaptureFile, Frames};
use super::source::{FrameSource, PortHealth, SourceError, SourceStats};
use super::{Frame, LinkType, Port, Timestamp};

/// The most frames handed out in one batch, so that the daemon's loop stays responsive.
pub const MAX_BATCH: usize = 256;
/// The gap between the end of one pass over the file and the start of the next (`Loop`).
pub const LOOP_GAP: Duration = Duration::from_secs(1);

/// What a file source does at the end of its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtEnd {
    /// The source ends with [`SourceError::Finished`]: the daemon flushes and exits.
    Stop,
    /// The source stays open and idle (no more frames) until the daemon is stopped.
    Hold,
    /// The file is read again from its start.
    Loop,
}

impl AtEnd {
    /// The name used in the config file.
    pub fn name(self) -> &'static str {
        match self {
            AtEnd::Stop => "stop",
            AtEnd::Hold => "hold",
            AtEnd::Loop => "loop",
        }
    }
}

/// How a file is replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSourceOptions {
    /// Follow the frames' timestamps instead of going as fast as possible.
    pub pace: bool,
    /// What happens at the end of the file.
    pub at_end: AtEnd,
    /// The port of frames sent by each MAC address.
    pub ports_by_mac: Vec<([u8; 6], Port)>,
}

/// The reader going through the file, and a frame read but not yet due (paced sources).
#[derive(Debug)]
struct Cursor<'a> {
    frames: Frames<'a>,
    pending: Option<Frame<'a>>,
}

self_cell!(
    /// The mapped file and the cursor going through it.
    struct Reading {
        owner: CaptureFile,
        #[covariant]
        dependent: Cursor,
    }
    impl {Debug}
);

impl Reading {
    fn start(file: CaptureFile) -> Reading {
        Reading::new(file, |f| Cursor {
            frames: f.frames(),
            pending: None,
        })
    }
}

/// Where the current pass over the file stands in time.
#[derive(Debug, Clone, Copy)]
struct Pass {
    /// Timestamp of the file's first frame.
    first_ts: u64,
    /// The latest timestamp of the pass so far (unshifted).
    max_ts: u64,
    /// When the pass's first frame was (or is) due, for pacing.
    started: Instant,
    /// Added to every timestamp of the pass (loops).
    shift_ns: u64,
}

impl Pass {
    /// When a frame stamped `ts` is due.
    fn due(&self, ts: Timestamp) -> Instant {
        self.started + Duration::from_nanos(ts.0.saturating_sub(self.first_ts))
    }

    /// The next pass: it starts LOOP_GAP after this one's latest frame.
    fn next(self) -> Pass {
        let span = self.max_ts.saturating_sub(self.first_ts) + LOOP_GAP.as_nanos() as u64;
        Pass {
            first_ts: self.first_ts,
            max_ts: self.first_ts,
            started: self.started + Duration::from_nanos(span),
            shift_ns: self.shift_ns.saturating_add(span),
        }
    }
}

/// A capture file handing out its frames as a [`FrameSource`].
#[derive(Debug)]
pub struct FileSource {
    reading: Option<Reading>,
    options: FileSourceOptions,
    /// `None` until the first frame.
    pass: Option<Pass>,
    /// Frames of the current pass so far.
    pass_frames: u64,
    /// The end was reached and the source holds (or a loop found a file without frames).
    holding: bool,
    finished: bool,
    /// An error met after frames were handed out: returned by the next call.
    error: Option<SourceError>,
    stats: SourceStats,
}

impl FileSource {
    /// Opens and maps `path` (pcap or pcapng).
    pub fn open(path: impl AsRef<Path>, options: FileSourceOptions) -> Result<Self, CaptureError> {
        let file = CaptureFile::open(path)?;
        Ok(FileSource {
            reading: Some(Reading::start(file)),
            options,
            pass: None,
            pass_frames: 0,
            holding: false,
            finished: false,
            error: None,
            stats: SourceStats::default(),
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        self.reading
            .as_ref()
            .map_or(Path::new(""), |r| r.borrow_owner().path())
    }

    /// The end of the file: what `at_end` says.
    fn end_of_pass(&mut self, timeout: Duration) -> Result<usize, SourceError> {
        match self.options.at_end {
            AtEnd::Loop if self.pass_frames > 0 => {
                self.pass = self.pass.map(Pass::next);
                self.pass_frames = 0;
                if let Some(reading) = self.reading.take() {
                    self.reading = Some(Reading::start(reading.into_owner()));
                }
                Ok(0)
            }
            AtEnd::Stop => {
                self.finished = true;
                Err(SourceError::Finished)
            }
            AtEnd::Hold | AtEnd::Loop => {
                self.holding = true;
                std::thread::sleep(timeout);
                Ok(0)
            }
        }
    }
}

/// The port of a frame, from its sender's MAC address.
fn port_of(ports_by_mac: &[([u8; 6], Port)], frame: &Frame<'_>) -> Option<Port> {
    if frame.link != LinkType::Ethernet || frame.data.len() < 14 {
        return None;
    }
    let src = &frame.data[6..12];
    ports_by_mac
        .iter()
        .find(|(mac, _)| mac[..] == *src)
        .map(|(_, port)| *port)
}

/// A mid-file capture error as a source error naming the file.
fn read_error(path: &Path, e: CaptureError) -> SourceError {
    SourceError::Io {
        interface: path.display().to_string(),
        what: "reading the capture",
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
    }
}

/// How a batch ended.
enum BatchEnd {
    /// Full, or the next frame is not due before the deadline.
    Paused,
    /// No frame left in this pass.
    EndOfFile,
    /// The file is malformed past this point.
    Error(SourceError),
}

impl FrameSource for FileSource {
    fn next_batch(
        &mut self,
        timeout: Duration,
        each: &mut dyn FnMut(&Frame<'_>),
    ) -> Result<usize, SourceError> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if self.finished {
            return Err(SourceError::Finished);
        }
        if self.holding {
            std::thread::sleep(timeout);
            return Ok(0);
        }
        let deadline = Instant::now() + timeout;
        let Some(mut reading) = self.reading.take() else {
            return Err(SourceError::Finished);
        };
        let mut handed = 0usize;
        let pace = self.options.pace;
        let ports = &self.options.ports_by_mac;
        let pass = &mut self.pass;
        let pass_frames = &mut self.pass_frames;
        let end = reading.with_dependent_mut(|owner, cursor| loop {
            if handed == MAX_BATCH {
                return BatchEnd::Paused;
            }
            let frame = match cursor.pending.take() {
                Some(frame) => frame,
                None => match cursor.frames.next() {
                    None => return BatchEnd::EndOfFile,
                    Some(Err(e)) => return BatchEnd::Error(read_error(owner.path(), e)),
                    Some(Ok(frame)) => frame,
                },
            };
            let p = pass.get_or_insert(Pass {
                first_ts: frame.ts.0,
                max_ts: frame.ts.0,
                started: Instant::now(),
                shift_ns: 0,
            });
            if pace {
                let due = p.due(frame.ts);
                let now = Instant::now();
                if due > now {
                    if due > deadline {
                        // Not due in this batch: keep it for the next call, and wait out the
                        // timeout only when there is nothing to hand yet.
                        cursor.pending = Some(frame);
                        if handed == 0 {
                            std::thread::sleep(deadline.saturating_duration_since(now));
                        }
                        return BatchEnd::Paused;
                    }
                    std::thread::sleep(due - now);
                }
            }
            p.max_ts = p.max_ts.max(frame.ts.0);
            *pass_frames += 1;
            let shifted = Frame {
                ts: Timestamp(frame.ts.0.saturating_add(p.shift_ns)),
                port: port_of(ports, &frame),
                ..frame
            };
            each(&shifted);
            handed += 1;
        });
        self.reading = Some(reading);
        self.stats.frames += handed as u64;
        match end {
            BatchEnd::Error(e) => {
                self.finished = true;
                if handed == 0 {
                    return Err(e);
                }
                self.error = Some(e);
                Ok(handed)
            }
            BatchEnd::EndOfFile if handed == 0 => {
                self.end_of_pass(deadline.saturating_duration_since(Instant::now()))
            }
            _ => Ok(handed),
        }
    }

    fn stats(&mut self) -> SourceStats {
        self.stats
    }

    fn health(&self, _port: Port) -> PortHealth {
        PortHealth::Up
    }
}

#[cfg(test)]
#[path = "file_source_tests.rs"]
mod tests;
