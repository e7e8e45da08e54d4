//! `cargo xtask`: the project's tasks, in Rust so that they run wherever cargo does.
//!
//! `cargo xtask` is an alias (`.cargo/config.toml`) for `cargo run -q -p xtask --`.

mod apt;
mod bench;
mod build;
mod cmd;
mod demo;
mod stress;
mod test;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The project's tasks.
#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    version,
    about = "The rundown workspace's tasks, run as `cargo xtask <COMMAND>`",
    long_about = None
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every check CI runs (`.ci/run` is `cargo xtask test`)
    ///
    /// Formatting, clippy (also under loom), the workspace's tests, the loom model, the stress
    /// test under AddressSanitizer and ThreadSanitizer (when a nightly toolchain is installed),
    /// the benchmarks' build and the docs.
    ///
    /// Steps run in order; a failed step does not stop the later ones unless --fail-fast is
    /// given. The last line is `xtask: N passed, M failed` (and `, K skipped`), and the exit
    /// status is non-zero if any step failed.
    Test(test::Args),
    /// Run the criterion benchmarks once and print the ratio table the README quotes
    ///
    /// Writes docs/bench/results.md and copies criterion's violin plots beside it. Exits
    /// non-zero when a goal is missed. The machine should be otherwise idle.
    Bench {
        /// Only rebuild the table from the last run's results.
        #[arg(long)]
        report_only: bool,
    },
    /// Cross-build the driver (both flavours) and the tools (rundownctl, rundown-stress) into target/sys/
    ///
    /// Installs what is missing with apt-get (rustc-web, cargo-web, rust-web-src, lld-19,
    /// mingw-w64, wine), then builds the driver for x86_64-pc-windows-msvc with Debian's rustc and
    /// build-std against the real wdk crates (wdk-sys's bindings generated over mingw-w64's DDK
    /// headers, wdk-build stood in), links it with lld-link, and builds rundownctl.exe and
    /// rundown-stress.exe.
    Build,
    /// The README's first command: load the driver in Wine and show it at work
    ///
    /// Installs what is missing (apt-get), builds, makes a throw-away Wine prefix with a
    /// persistent wineserver, loads the portable driver with `wine sc create ... type= kernel`
    /// and `sc start`, then shows through rundownctl a write, reads, a hold in one process while
    /// another rotates, and the statistics; stops the driver (DriverUnload), deletes it, ends the
    /// wineserver and prints a summary with the driver's DbgPrint log. Every step has a deadline.
    Demo,
    /// The owner and the peer in Wine under load: client processes, the peer's loop, a rotator
    ///
    /// Loads both portable drivers in a fresh Wine host and runs `rundown-stress stress`: several
    /// user-mode processes acquire, read (checking each payload is whole and generations only
    /// grow), write and release; the peer's worker loop does the same through the interface; a
    /// rotator rotates every 5 ms. Afterwards holders must be 0, pool back to its base, and the
    /// driver's unload must report no run-down invariant broken (no acquisition between a wait's
    /// return and the reinitialize, no holder left at a completion) and 0 pool. The last line is
    /// `stress: <ops> ops, <rotations> rotations, <faults> faults, <lost> lost, <leaked> leaked`.
    Stress {
        /// How long the workload runs.
        #[arg(long, default_value_t = 30)]
        seconds: u64,
    },
}

/// Prints a task's error; true if it succeeded.
fn report(task: &str, result: anyhow::Result<()>) -> bool {
    result.map_or_else(
        |error| {
            eprintln!("xtask: {task}: {error:#}");
            false
        },
        |()| true,
    )
}

fn main() -> ExitCode {
    let passed = match Cli::parse().command {
        Command::Test(args) => test::run(&args),
        Command::Build => report("build", build::run()),
        Command::Demo => report("demo", demo::run()),
        Command::Stress { seconds } => stress::run(seconds).map_or_else(
            |error| {
                eprintln!("xtask: stress: {error:#}");
                false
            },
            |summary| summary.clean(),
        ),
        Command::Bench { report_only } => bench::run(report_only).unwrap_or_else(|error| {
            eprintln!("xtask: bench: {error:#}");
            false
        }),
    };
    if passed { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
