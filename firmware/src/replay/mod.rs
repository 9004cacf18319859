//! `telltaled replay`: offline analysis of pcap and pcapng files through the same engine the
//! box runs. Files are read in order through one engine (names and devices learnt in one file
//! carry over to the next); flows are flushed at the end of each file.

pub mod json;
pub mod leds;
pub mod report;
pub mod run;

use std::io::IsTerminal;
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};

use crate::capture::file::{CaptureError, CaptureFile};
use crate::engine::{Counters, Engine};
use crate::event::{Meta, Sink};

use leds::{AfterFrame, LedTimeline, Plain};

/// Files smaller than this get no progress bar.
const PROGRESS_MIN_BYTES: u64 = 32 * 1024 * 1024;
/// Frames between progress bar updates.
const PROGRESS_EVERY: u64 = 16 * 1024;

/// How one file ended.
#[derive(Debug)]
pub struct FileOutcome {
    /// Frames read.
    pub frames: u64,
    /// Wire bytes read.
    pub bytes: u64,
    /// Format and link types, for the report.
    pub format: String,
    /// Engine counters accumulated over this file only.
    pub counters: Counters,
    /// The error that stopped the file before its end (truncated or malformed capture).
    pub stopped_by: Option<CaptureError>,
}

/// Replays one file through `engine` into `sink`, then ends its flows.
/// An error opening the file is returned; an error part-way stops the file and is reported in
/// the outcome, with everything before it processed.
pub fn replay_file(
    path: &Path,
    engine: &mut Engine,
    sink: &mut dyn Sink,
    progress: bool,
    leds: Option<&mut LedTimeline>,
) -> Result<FileOutcome, CaptureError> {
    match leds {
        Some(timeline) => frames_into(path, engine, &mut timeline.tap(sink), progress),
        None => frames_into(path, engine, &mut Plain(sink), progress),
    }
}

fn frames_into<S: AfterFrame>(
    path: &Path,
    engine: &mut Engine,
    sink: &mut S,
    progress: bool,
) -> Result<FileOutcome, CaptureError> {
    let file = CaptureFile::open(path)?;
    let before = *engine.counters();
    let bar = (progress && file.len() >= PROGRESS_MIN_BYTES && std::io::stderr().is_terminal())
        .then(|| {
            let bar = ProgressBar::new(file.len());
            bar.set_style(
                ProgressStyle::with_template("{msg} {wide_bar} {bytes}/{total_bytes} {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_message(path.display().to_string());
            bar
        });
    let mut frames = file.frames();
    let mut stopped_by = None;
    let mut n = 0u64;
    let mut bytes = 0u64;
    while let Some(next) = frames.next() {
        match next {
            Ok(frame) => {
                n += 1;
                bytes += u64::from(frame.wire_len);
                let number = frames.frame_number();
                engine.poll(&frame, number, sink);
                let now = engine.now();
                let meta = Meta {
                    frame: number,
                    ts: frame.ts,
                };
                sink.after_frame(meta, now, engine.detector().upload_in_progress(now));
                if let Some(bar) = &bar {
                    if n % PROGRESS_EVERY == 0 {
                        bar.set_position(frames.offset());
                    }
                }
            }
            Err(e) => {
                stopped_by = Some(e);
                break;
            }
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    engine.finish(sink);
    Ok(FileOutcome {
        frames: n,
        bytes,
        format: file.link_summary().to_string(),
        counters: engine.counters().since(&before),
        stopped_by,
    })
}
