//! `telltaled replay` end to end: builds the engine from the options (rules, sizes), replays
//! each file into JSON lines or the per-file report, and says whether any file failed.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use thiserror::Error;

use crate::detect::policy::{Locate, NoGeo};
use crate::engine::{Engine, EngineConfig};
use crate::geo::locate::find_table;
use crate::geo::GeoDb;
use crate::naming::oui::OuiDb;
use crate::rules::{Rules, RulesError};

use super::json::{Emit, JsonSink};
use super::leds::LedTimeline;
use super::replay_file;
use super::report::{self, ReportSink};

/// What `telltaled replay` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct ReplayOptions {
    /// The captures, in order.
    pub files: Vec<PathBuf>,
    /// JSON lines to write; nothing selected means the per-file report.
    pub emit: Emit,
    /// `--emit` was given (possibly `none`): no report.
    pub emit_given: bool,
    /// The report as JSON.
    pub json: bool,
    /// Concurrent flows.
    pub flows: usize,
    /// The rules file; `None` for the built-in defaults.
    pub rules: Option<PathBuf>,
    /// Simulate the box's LEDs and report their timeline.
    pub leds: bool,
}

/// Why a replay could not run at all (a bad capture only fails that file).
#[derive(Debug, Error)]
pub enum ReplayError {
    /// The rules file was rejected.
    #[error("{0}")]
    Rules(#[from] RulesError),
    /// Writing the output failed.
    #[error("writing the output: {0}")]
    Output(#[from] io::Error),
    /// The report could not be written as JSON.
    #[error("writing the JSON report: {0}")]
    Json(#[from] serde_json::Error),
}

/// Builds the engine for `opts`: the rules, and the geo/ASN and MAC-vendor tables when they
/// can be found (a missing table is a one-line warning on `err`; everything else still works).
fn engine(opts: &ReplayOptions, err: &mut dyn Write) -> Result<Engine, ReplayError> {
    let rules = match &opts.rules {
        Some(path) => Rules::load(path)?,
        None => Rules::default(),
    };
    let config = EngineConfig {
        flow_capacity: opts.flows,
        thresholds: rules.detect_thresholds(0),
        ..EngineConfig::default()
    };
    let geo: Box<dyn Locate + Send> = match GeoDb::open(find_table("geo.ttdb")) {
        Ok(db) => Box::new(db),
        Err(e) => {
            writeln!(err, "{}", GeoDb::missing_warning(&e))?;
            Box::new(NoGeo)
        }
    };
    let mut engine = Engine::with_policy(config, Box::new(rules), geo);
    match OuiDb::open(find_table("oui.ttdb")) {
        Ok(db) => engine.set_oui(db),
        Err(e) => writeln!(err, "{}", OuiDb::missing_warning(&e))?,
    }
    Ok(engine)
}

/// Runs the replay, writing to `out` and one line per problem to `err`. Returns true when every
/// file was read to its end.
pub fn run(
    opts: &ReplayOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<bool, ReplayError> {
    let mut engine = engine(opts, err)?;
    let mut timeline = opts.leds.then(LedTimeline::default);
    let mut ok = true;
    if opts.emit_given {
        let mut sink = JsonSink::new(BufWriter::with_capacity(1 << 16, &mut *out), opts.emit);
        for path in &opts.files {
            sink.set_file(&path.display().to_string());
            if let Some(t) = &mut timeline {
                t.set_file(&path.display().to_string());
            }
            match replay_file(path, &mut engine, &mut sink, true, timeline.as_mut()) {
                Ok(outcome) => {
                    if let Some(e) = outcome.stopped_by {
                        writeln!(err, "telltaled: {e} (after {} frames)", outcome.frames)?;
                        ok = false;
                    }
                }
                Err(e) => {
                    writeln!(err, "telltaled: {e}")?;
                    ok = false;
                }
            }
        }
        if let Some(t) = &mut timeline {
            t.finish();
            for change in &t.changes {
                sink.led(change);
            }
        }
        match sink.finish() {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e.into()),
            _ => {}
        }
        return Ok(ok);
    }
    let mut reports = Vec::new();
    for path in &opts.files {
        let mut sink = ReportSink::default();
        if let Some(t) = &mut timeline {
            t.set_file(&path.display().to_string());
        }
        match replay_file(path, &mut engine, &mut sink, true, timeline.as_mut()) {
            Ok(outcome) => {
                let mut r = sink.finish(engine.naming());
                r.file = path.display().to_string();
                r.format = outcome.format;
                r.frames = outcome.frames;
                r.bytes = outcome.bytes;
                r.skipped = outcome
                    .counters
                    .nonzero()
                    .map(|(why, n)| (why.name().to_string(), n))
                    .collect();
                if let Some(e) = outcome.stopped_by {
                    r.stopped_by = Some(e.to_string());
                    ok = false;
                }
                reports.push(r);
            }
            Err(e) => {
                writeln!(err, "telltaled: {e}")?;
                ok = false;
            }
        }
    }
    if let Some(t) = &mut timeline {
        t.finish();
        for r in &mut reports {
            r.leds = Some(
                t.changes
                    .iter()
                    .filter(|c| c.file == r.file)
                    .cloned()
                    .collect(),
            );
        }
    }
    if opts.json {
        serde_json::to_writer_pretty(&mut *out, &reports)?;
        writeln!(out)?;
    } else {
        for r in &reports {
            write!(out, "{}", report::render(r))?;
            writeln!(out)?;
        }
    }
    Ok(ok)
}
