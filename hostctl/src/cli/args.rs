//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::report::Format;

/// telltale: see what the phones on your network upload, from the telltale box plugged into this
/// computer's USB port.
#[derive(Debug, Parser)]
#[command(name = "telltale", version, propagate_version = true)]
#[command(
    after_help = "The box is found by its USB identity; --port or --tcp chooses it by hand.\n\
Pulled records are kept in a local database (see --db); `report` reads it without the box."
)]
pub struct Cli {
    /// The box's serial port (default: found by its USB identity).
    #[arg(long, global = true, value_name = "PATH", conflicts_with = "tcp")]
    pub port: Option<PathBuf>,
    /// Reach the box over TCP instead of USB (its link must be enabled in its config).
    #[arg(long, global = true, value_name = "HOST:PORT")]
    pub tcp: Option<String>,
    /// The local database (default: telltale.db in your data folder).
    #[arg(long, global = true, value_name = "FILE", env = "TELLTALE_DB")]
    pub db: Option<PathBuf>,
    /// Seconds to wait for one answer from the box before asking again.
    #[arg(long, global = true, value_name = "SECS", default_value_t = 2.0)]
    pub timeout: f64,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The box's state: LEDs, uptime, capture counters, clock, journal.
    Status,
    /// Copy new summaries and alerts from the box into the local database.
    Pull,
    /// Print alerts as the box raises them (Ctrl-C to stop).
    Watch {
        /// Seconds between polls.
        #[arg(long, default_value_t = 1.0)]
        interval: f64,
    },
    /// What every device uploaded, where, and the alerts, from the local database.
    Report {
        /// Start of the range: `24h`, `7d`, `30m` ago, a date `2026-11-20`, a local time
        /// `2026-11-20T18:00`, or `all`.
        #[arg(long, default_value = "24h")]
        since: String,
        /// End of the range, same forms, or `now`.
        #[arg(long, default_value = "now")]
        until: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write to this file instead of the terminal (`--format html` defaults to
        /// telltale-report.html).
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Acknowledge the alerts: clears the red LED's latch.
    Ack,
    /// Send, fetch or check the box's rules file.
    Rules {
        /// What to do with the rules.
        #[command(subcommand)]
        action: RulesAction,
    },
    /// The box's clock (the Pi has no battery-backed clock).
    Time {
        /// What to do with the clock.
        #[command(subcommand)]
        action: TimeAction,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `telltale rules ...`.
#[derive(Debug, Subcommand)]
pub enum RulesAction {
    /// Check FILE on the box and put it in force; a bad file is rejected whole with the reason
    /// and the old rules stay.
    Push {
        /// The rules file (TOML).
        file: PathBuf,
    },
    /// Fetch the rules in force.
    Get {
        /// Write to this file instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Have the box check FILE without applying it.
    Check {
        /// The rules file (TOML).
        file: PathBuf,
    },
}

/// `telltale time ...`.
#[derive(Debug, Subcommand)]
pub enum TimeAction {
    /// Set the box's clock from this computer's.
    Sync,
}
