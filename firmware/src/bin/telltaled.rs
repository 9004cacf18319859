//! `telltaled`: the on-box daemon. Today: `replay`, offline analysis of capture files through
//! the same engine the box runs (DESIGN.md, "Interfaces that others depend on").

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};

use telltale_firmware::engine::{Engine, EngineConfig};
use telltale_firmware::replay::json::{Emit, JsonSink};
use telltale_firmware::replay::replay_file;
use telltale_firmware::replay::report::{self, ReportSink};

#[derive(Parser, Debug)]
#[command(
    name = "telltaled",
    version,
    about = "telltale: the inline privacy monitor's daemon"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Analyse pcap/pcapng files offline: devices, the names they revealed, flows.
    ///
    /// Without --emit, prints a per-file report (as JSON with --json). With --emit, writes one
    /// JSON object per line to stdout: events (dns, sni, http, dhcp, mdns) and/or flows.
    Replay {
        /// Capture files (pcap or pcapng; Ethernet, Linux cooked, raw IP or loopback).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// What to write as JSON lines (repeatable): events, flows, alerts, or none.
        #[arg(long, value_enum)]
        emit: Vec<EmitKind>,
        /// Print the report as JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Concurrent flows the engine can hold.
        #[arg(long, default_value_t = EngineConfig::default().flow_capacity)]
        flows: usize,
    },
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum EmitKind {
    /// Names revealed: dns, sni, http, dhcp and mdns objects.
    Events,
    /// One object per flow when it ends or at the end of each file.
    Flows,
    /// One object per alert, with its reasons.
    Alerts,
    /// Nothing (for timing).
    None,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("telltaled: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Replay {
            files,
            emit,
            json,
            flows,
        } => replay(&files, &emit, json, flows),
    }
}

fn replay(files: &[PathBuf], emit: &[EmitKind], json: bool, flows: usize) -> Result<ExitCode> {
    let mut engine = Engine::new(EngineConfig {
        flow_capacity: flows,
        ..EngineConfig::default()
    });
    let mut failed = false;
    if !emit.is_empty() {
        let want = Emit {
            events: emit.contains(&EmitKind::Events),
            flows: emit.contains(&EmitKind::Flows),
            alerts: emit.contains(&EmitKind::Alerts),
        };
        let stdout = io::stdout().lock();
        let mut sink = JsonSink::new(BufWriter::with_capacity(1 << 16, stdout), want);
        for path in files {
            sink.set_file(&path.display().to_string());
            match replay_file(path, &mut engine, &mut sink, true) {
                Ok(outcome) => {
                    if let Some(e) = outcome.stopped_by {
                        eprintln!("telltaled: {e} (after {} frames)", outcome.frames);
                        failed = true;
                    }
                }
                Err(e) => {
                    eprintln!("telltaled: {e}");
                    failed = true;
                }
            }
        }
        if let Err(e) = sink.finish() {
            if e.kind() != io::ErrorKind::BrokenPipe {
                return Err(e.into());
            }
        }
    } else {
        let mut reports = Vec::new();
        for path in files {
            let mut sink = ReportSink::default();
            match replay_file(path, &mut engine, &mut sink, true) {
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
                        failed = true;
                    }
                    reports.push(r);
                }
                Err(e) => {
                    eprintln!("telltaled: {e}");
                    failed = true;
                }
            }
        }
        let mut out = io::stdout().lock();
        if json {
            serde_json::to_writer_pretty(&mut out, &reports)?;
            writeln!(out)?;
        } else {
            for r in &reports {
                write!(out, "{}", report::render(r))?;
                writeln!(out)?;
            }
        }
    }
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
