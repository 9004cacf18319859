//! `telltaled`: the on-box daemon. Today: `replay`, offline analysis of capture files through
//! the same engine the box runs, and `check`, the rules file checker (DESIGN.md, "Interfaces
//! that others depend on").

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};

use telltale_firmware::engine::EngineConfig;
use telltale_firmware::replay::json::Emit;
use telltale_firmware::replay::run::ReplayOptions;
use telltale_firmware::{replay, rules};

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
    /// Without --emit, prints a per-file report (as JSON with --json): devices, their
    /// destinations and alerts. With --emit, writes one JSON object per line to stdout: events
    /// (dns, sni, http, dhcp, mdns), flows and/or alerts.
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
        /// Rules file (TOML): watchlists, thresholds, quiet hours, allowlist. Without it, the
        /// built-in default thresholds apply and nothing is watched.
        #[arg(long)]
        rules: Option<PathBuf>,
        /// Simulate the box's LEDs and report their timeline (`sim` is the only choice offline).
        #[arg(long, value_enum)]
        leds: Option<LedsMode>,
    },
    /// Check a rules file: load it with its imports and say what it holds, or say which line is
    /// wrong and why.
    Check {
        /// The rules file.
        #[arg(long, default_value = "/etc/telltale/rules.toml")]
        rules: PathBuf,
    },
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum LedsMode {
    /// The LED state machine on the capture's clock; its changes are reported.
    Sim,
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
            // A closed pipe (`| head`) is the reader's choice, not an error worth a message.
            let broken_pipe = e.chain().any(|c| {
                c.downcast_ref::<io::Error>()
                    .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
                    || matches!(
                        c.downcast_ref::<replay::run::ReplayError>(),
                        Some(replay::run::ReplayError::Output(io)) if io.kind() == io::ErrorKind::BrokenPipe
                    )
            });
            if !broken_pipe {
                eprintln!("telltaled: {e:#}");
            }
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
            rules,
            leds,
        } => {
            let opts = ReplayOptions {
                files,
                emit: Emit {
                    events: emit.contains(&EmitKind::Events),
                    flows: emit.contains(&EmitKind::Flows),
                    alerts: emit.contains(&EmitKind::Alerts),
                },
                emit_given: !emit.is_empty(),
                json,
                flows,
                rules,
                leds: leds == Some(LedsMode::Sim),
            };
            let ok = replay::run::run(&opts, &mut io::stdout().lock(), &mut io::stderr().lock())?;
            Ok(exit(ok))
        }
        Command::Check { rules } => {
            let summary = rules::check(&rules)?;
            print!("{summary}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn exit(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}
