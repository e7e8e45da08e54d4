//! `cargo xtask test`: every check CI runs, one step after another, with a summary.

mod driver;
mod kernel;
mod sanitizers;
mod standins;
mod wine;

use std::fmt;
use std::time::{Duration, Instant};

use anyhow::Result;
use clap::ValueEnum;

use crate::cmd::{Cargo, target_dir};

/// Options of `cargo xtask test`.
#[derive(clap::Args)]
pub struct Args {
    /// Run only these steps, in the usual order (comma-separated, or repeat the flag).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "STEP")]
    only: Vec<Step>,
    /// Leave out these steps.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "STEP")]
    skip: Vec<Step>,
    /// Stop after the first failed step.
    #[arg(long)]
    fail_fast: bool,
}

/// The steps, in the order they run.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Step {
    /// cargo fmt --all --check
    Fmt,
    /// cargo clippy on the host crates, -D warnings (the drivers and rundown-wdm are checked by `driver`)
    Clippy,
    /// Clippy on rundown and rundown-service and their tests under `--cfg loom` (target dir `<target>/loom`)
    ClippyLoom,
    /// cargo test on the host crates (the drivers: `driver`; tests/wine: `wine`): unit, integration, doc and compile-fail tests, PROPTEST_CASES=10000
    Test,
    /// The loom models: rundown's (loom, loom_types) and rundown-service's (loom), release, under `--cfg loom`
    Loom,
    /// tests/stress.rs and the unit tests under AddressSanitizer (needs a nightly toolchain)
    Asan,
    /// tests/stress.rs and the unit tests under ThreadSanitizer (needs a nightly toolchain)
    Tsan,
    /// cargo bench -p rundown -p rundown-service --no-run: the benchmarks build
    Bench,
    /// The crates build for x86_64-pc-windows-msvc (rundown with both kernel providers) and check for aarch64-pc-windows-msvc; a kernel build without the `kernel` feature is refused (Debian's rustc-web, installed if missing)
    Kernel,
    /// The wdk stand-ins: their tests, including struct layouts and constants checked against mingw-w64's DDK headers
    Standins,
    /// cargo xtask build (both driver flavours and rundownctl), then pe-check on each image
    Driver,
    /// tests/wine: the portable driver in Wine, driven through rundownctl: each IOCTL, malformed requests, access checks, cleanup on process exit, rotation while held, unload while held
    Wine,
    /// cargo xtask stress --seconds 8: the short stress run (both drivers in Wine under load)
    Stress,
    /// cargo doc -p rundown -p rundown-abi -p rundown-service -p pe-check --no-deps with RUSTDOCFLAGS=-D warnings
    Doc,
    /// cargo publish --dry-run -p rundown -p rundown-abi: each crate packages and builds from its package alone
    Publish,
}

impl Step {
    fn name(self) -> &'static str {
        match self {
            Self::Fmt => "fmt",
            Self::Clippy => "clippy",
            Self::ClippyLoom => "clippy-loom",
            Self::Test => "test",
            Self::Loom => "loom",
            Self::Asan => "asan",
            Self::Tsan => "tsan",
            Self::Bench => "bench",
            Self::Kernel => "kernel",
            Self::Standins => "standins",
            Self::Driver => "driver",
            Self::Wine => "wine",
            Self::Stress => "stress",
            Self::Doc => "doc",
            Self::Publish => "publish",
        }
    }

    /// The line `--help` shows for the step.
    fn help(self) -> String {
        self.to_possible_value().and_then(|value| value.get_help().map(ToString::to_string)).unwrap_or_default()
    }

    fn run(self) -> Result<Outcome> {
        let loom_target = target_dir().join("loom");
        let outcome = match self {
            Self::Fmt => {
                require_component(&["fmt", "--version"], "rustfmt")?;
                Cargo::new(&["fmt", "--all", "--check"]).run()?
            }
            Self::Clippy => {
                require_component(&["clippy", "--version"], "clippy")?;
                Cargo::new(&["clippy", "--workspace"])
                    .args(KERNEL_CRATES)
                    .args(&["--all-targets", "--", "-D", "warnings"])
                    .run()?
            }
            Self::ClippyLoom => {
                require_component(&["clippy", "--version"], "clippy")?;
                Cargo::new(&["clippy", "-p", "rundown", "-p", "rundown-service", "--tests", "--target-dir"])
                    .arg(&loom_target)
                    .args(&["--", "-D", "warnings"])
                    .env("RUSTFLAGS", "--cfg loom")
                    .run()?
            }
            Self::Test => {
                // The C header test compiles include/rundown_interface.h with mingw-w64.
                crate::apt::ensure(&[&crate::apt::MINGW])?;
                // tests/wine needs the images and Wine: the `wine` step runs it.
                Cargo::new(&["test", "--workspace"])
                    .args(KERNEL_CRATES)
                    .args(&["--exclude", "rundown-wine-tests"])
                    .env("PROPTEST_CASES", "10000")
                    .run()?
            }
            Self::Loom => Cargo::new(&["test", "-p", "rundown", "--release", "--test", "loom", "--test", "loom_types"])
                .args(&["-p", "rundown-service", "--test", "loom", "--target-dir"])
                .arg(&loom_target)
                .env("RUSTFLAGS", "--cfg loom")
                .run()?,
            Self::Asan => return sanitizers::run(sanitizers::Sanitizer::Address),
            Self::Tsan => return sanitizers::run(sanitizers::Sanitizer::Thread),
            Self::Bench => Cargo::new(&["bench", "-p", "rundown", "-p", "rundown-service", "--no-run"]).run()?,
            Self::Kernel => return kernel::run(),
            Self::Standins => return standins::run(),
            Self::Driver => return driver::run(),
            Self::Wine => return wine::run(),
            Self::Stress => {
                return Ok(if crate::stress::run(8)?.clean() { Outcome::Passed } else { Outcome::Failed });
            }
            Self::Doc => Cargo::new(&[
                "doc",
                "-p",
                "rundown",
                "-p",
                "rundown-abi",
                "-p",
                "rundown-service",
                "-p",
                "pe-check",
                "--no-deps",
            ])
            .env("RUSTDOCFLAGS", "-D warnings")
            .run()?,
            Self::Publish => PUBLISHED_CRATES.iter().try_fold(true, |passed, name| {
                Ok::<_, anyhow::Error>(Cargo::new(&["publish", "--dry-run", "-p", name]).run()? && passed)
            })?,
        };
        Ok(if outcome { Outcome::Passed } else { Outcome::Failed })
    }
}

/// The crates published to crates.io: the library and the device's contract.
const PUBLISHED_CRATES: [&str; 2] = ["rundown", "rundown-abi"];

/// The workspace members that build only for the kernel (with the wdk crates): host commands
/// leave them out, and the `driver` step builds and lints them.
const KERNEL_CRATES: &[&str] =
    &["--exclude", "rundown-driver", "--exclude", "rundown-peer", "--exclude", "rundown-wdm"];

/// Fails the step with a clear message when a cargo subcommand's component is missing.
fn require_component(probe: &[&str], component: &str) -> Result<()> {
    if Cargo::new(probe).probe().is_none() {
        anyhow::bail!(
            "`cargo {}` does not run: the {component} component is missing from this toolchain \
             (install it with `rustup component add {component}`)",
            probe[0]
        );
    }
    Ok(())
}

/// How a step ended.
#[derive(Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed,
    Skipped(String),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Self::Passed => "passed",
            Self::Failed => "FAILED",
            Self::Skipped(_) => "skipped",
        })
    }
}

/// Runs the selected steps and prints the summary; true if none failed.
pub fn run(args: &Args) -> bool {
    let steps: Vec<Step> = Step::value_variants()
        .iter()
        .copied()
        .filter(|step| args.only.is_empty() || args.only.contains(step))
        .filter(|step| !args.skip.contains(step))
        .collect();
    let mut results: Vec<(Step, Outcome, Duration)> = Vec::new();
    for (index, &step) in steps.iter().enumerate() {
        println!("\n==> [{}/{}] {}: {}", index + 1, steps.len(), step.name(), step.help());
        let started = Instant::now();
        let outcome = step.run().unwrap_or_else(|error| {
            println!("xtask: {}: {error:#}", step.name());
            Outcome::Failed
        });
        let elapsed = started.elapsed();
        match &outcome {
            Outcome::Skipped(reason) => println!("SKIPPED: {reason}"),
            outcome => println!("==> {}: {outcome} in {}", step.name(), seconds(elapsed)),
        }
        let failed = outcome == Outcome::Failed;
        results.push((step, outcome, elapsed));
        if failed && args.fail_fast {
            println!("xtask: stopping after the first failure (--fail-fast)");
            break;
        }
    }
    summarize(&results)
}

fn seconds(duration: Duration) -> String {
    format!("{:.1}s", duration.as_secs_f64())
}

/// Prints the table and the closing line; true if no step failed.
fn summarize(results: &[(Step, Outcome, Duration)]) -> bool {
    println!("\n{:<12} {:<8} {:>9}", "step", "result", "time");
    for (step, outcome, elapsed) in results {
        let note = match outcome {
            Outcome::Skipped(reason) => format!("  ({reason})"),
            _ => String::new(),
        };
        println!("{:<12} {outcome:<8} {:>9}{note}", step.name(), seconds(*elapsed));
    }
    let total: Duration = results.iter().map(|(_, _, elapsed)| *elapsed).sum();
    println!("{:<12} {:<8} {:>9}\n", "total", "", seconds(total));

    let count = |wanted: fn(&Outcome) -> bool| results.iter().filter(|(_, outcome, _)| wanted(outcome)).count();
    let passed = count(|outcome| *outcome == Outcome::Passed);
    let failed = count(|outcome| *outcome == Outcome::Failed);
    let skipped = count(|outcome| matches!(outcome, Outcome::Skipped(_)));
    if skipped > 0 {
        println!("xtask: {passed} passed, {failed} failed, {skipped} skipped");
    } else {
        println!("xtask: {passed} passed, {failed} failed");
    }
    failed == 0
}
