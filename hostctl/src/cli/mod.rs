//! The `telltale` commands: [`args`] (the command line), [`connect`] (finding and opening the
//! box), [`range`] (time arguments) and [`commands`] (what each does and prints).

pub mod args;
pub mod commands;
pub mod connect;
pub mod range;

use anyhow::Result;
use clap::CommandFactory;

pub use args::Cli;
use args::{Command, TimeAction};

/// Runs the parsed command line.
pub fn run(cli: &Cli) -> Result<()> {
    match &cli.command {
        Command::Status => commands::status(cli),
        Command::Pull => commands::pull_cmd(cli),
        Command::Watch { interval } => commands::watch(cli, *interval),
        Command::Report {
            since,
            until,
            format,
            output,
        } => commands::report_cmd(cli, since, until, *format, output.as_deref()),
        Command::Ack => commands::ack(cli),
        Command::Rules { action } => commands::rules(cli, action),
        Command::Time {
            action: TimeAction::Sync,
        } => commands::time_sync(cli),
        Command::Completions { shell } => {
            clap_complete::generate(
                *shell,
                &mut Cli::command(),
                "telltale",
                &mut std::io::stdout(),
            );
            Ok(())
        }
    }
}
