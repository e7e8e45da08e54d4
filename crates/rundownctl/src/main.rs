//! `rundownctl`: see the crate's README, or `rundownctl --help`.

use std::process::ExitCode;

use clap::Parser as _;
use rundownctl::cli::Cli;

fn main() -> ExitCode {
    // Usage errors exit with 2 here (clap), before anything else.
    let cli = Cli::parse();
    run(&cli)
}

#[cfg(windows)]
fn run(cli: &Cli) -> ExitCode {
    rundownctl::app::run(cli)
}

#[cfg(not(windows))]
fn run(_cli: &Cli) -> ExitCode {
    eprintln!("rundownctl runs on Windows (or under Wine)");
    ExitCode::FAILURE
}
