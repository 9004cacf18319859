//! `telltale`: the laptop CLI for the telltale box.

use clap::Parser;
use telltale_hostctl::cli::{self, Cli};

fn main() {
    let args = Cli::parse();
    if let Err(e) = cli::run(&args) {
        eprintln!("telltale: {e:#}");
        std::process::exit(1);
    }
}
