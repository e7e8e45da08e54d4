//! `rundown-stress`: see the crate's docs, or `rundown-stress --help`.

use std::process::ExitCode;

use clap::Parser as _;
use rundown_stress::cli::Cli;

fn main() -> ExitCode {
    // Usage errors exit with 2 here (clap), before anything else.
    let cli = Cli::parse();
    run(&cli)
}

#[cfg(windows)]
fn run(cli: &Cli) -> ExitCode {
    rundown_stress::app::run(cli)
}

#[cfg(not(windows))]
fn run(_cli: &Cli) -> ExitCode {
    eprintln!("rundown-stress runs on Windows (or under Wine)");
    ExitCode::FAILURE
}
