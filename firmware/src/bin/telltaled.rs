//! `telltaled`: the on-box daemon. `run` is the appliance (capture, detection, LEDs; see
//! `docs/daemon.md`), `replay` is offline analysis of capture files through the same engine, and
//! `check` validates the config and rules files (DESIGN.md, "Interfaces that others depend on").

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};

use telltale_firmware::config::{Config, DEFAULT_CONFIG_PATH};
use telltale_firmware::engine::EngineConfig;
use telltale_firmware::replay::json::Emit;
use telltale_firmware::replay::run::ReplayOptions;
use telltale_firmware::{daemon, replay, rules};

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
    /// Run the appliance: capture on the bridge ports, detect, drive the LEDs, write JSON lines.
    ///
    /// SIGHUP reloads the rules file (a bad file is rejected whole and the old rules stay);
    /// SIGTERM or SIGINT ends every flow, flushes the output and exits 0. Under systemd it
    /// reports READY=1, STATUS= and the watchdog on $NOTIFY_SOCKET. Exit status 2: the config
    /// or the rules file is wrong; 1: the daemon could not start or its capture failed.
    Run {
        /// The config file (docs/config.md).
        #[arg(long, default_value = DEFAULT_CONFIG_PATH)]
        config: PathBuf,
    },
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
    /// Check the config file and its rules file, or a rules file alone: load them (rules with
    /// their imports) and say what they hold, or say which line is wrong and why (exit status 2).
    Check {
        /// The config file; its `[rules] path` is checked too unless --rules is given.
        #[arg(long)]
        config: Option<PathBuf>,
        /// The rules file (without --config: /etc/telltale/rules.toml).
        #[arg(long)]
        rules: Option<PathBuf>,
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
        Command::Run { config } => Ok(run_daemon(&config)),
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
        Command::Check { config, rules } => Ok(check(config, rules)),
    }
}

/// `telltaled run`: 2 for a wrong config or rules file, 1 when the daemon fails otherwise.
fn run_daemon(path: &std::path::Path) -> ExitCode {
    let config = match Config::load(path) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("telltaled: {e}");
            return ExitCode::from(2);
        }
    };
    match daemon::run(&config) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("telltaled: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// `telltaled check`: the config (if given) and the rules file it names (or --rules).
fn check(config: Option<PathBuf>, rules: Option<PathBuf>) -> ExitCode {
    let rules_path = match &config {
        Some(path) => match Config::load(path) {
            Ok(config) => {
                print!("{}", config.summary());
                rules.unwrap_or(config.rules)
            }
            Err(e) => {
                eprintln!("telltaled: {e}");
                return ExitCode::from(2);
            }
        },
        None => {
            rules.unwrap_or_else(|| PathBuf::from(telltale_firmware::config::DEFAULT_RULES_PATH))
        }
    };
    match rules::check(&rules_path) {
        Ok(summary) => {
            print!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("telltaled: {e}");
            ExitCode::from(2)
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
