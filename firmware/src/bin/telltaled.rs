//! `telltaled`: the on-box daemon. Subcommands land with their issues; see DESIGN.md.

fn main() {}
