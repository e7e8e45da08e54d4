//! `cargo xtask test`: every check CI runs, one step after another, with a summary.

mod bindings;
mod driver;
mod kernel;
mod sanitizers;
mod wine;

use std::collections::HashSet;
use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::ValueEnum;
use serde_json::Value;

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
    /// cargo test on the host crates (the drivers: `driver`; tests/wine: `wine`): unit, integration, doc and compile-fail tests, PROPTEST_CASES=10000; rundown-service again with `cache-aware`
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
    /// The wdk-build stand-in's tests, and wdk-sys's generated bindings: the layouts and constants the drivers use checked against mingw-w64's DDK headers (libclang and mingw-w64 installed if missing)
    #[value(alias = "standins")]
    Bindings,
    /// cargo xtask build (both driver flavours, rundownctl and rundown-stress), clippy on both drivers, rundown-wdm's host tests, then pe-check on each image
    Driver,
    /// tests/wine: the portable driver in Wine, driven through rundownctl and rundown-stress: each IOCTL, malformed requests, access checks, cleanup on process exit, rotation while held, unload while held
    Wine,
    /// cargo xtask stress --seconds 8: the short stress run (both drivers in Wine under load)
    Stress,
    /// cargo doc -p rundown -p rundown-abi -p rundown-service -p pe-check --no-deps with RUSTDOCFLAGS=-D warnings
    Doc,
    /// cargo publish --dry-run -p rundown -p rundown-abi: each crate packages and builds from its package alone
    Publish,
    /// Every public item of rundown has a doc example: nightly rustdoc's missing_doc_code_examples lint with -D, then the same rule over rustdoc's JSON, which also covers the items re-exported from private modules that the lint skips (needs a nightly toolchain)
    DocExamples,
}

/// Steps that are implemented but left out of the default run until they pass; `--only` still
/// runs them. Remove a step from this list (and from `--only`'s help) to enable it.
const NOT_ENABLED_YET: &[Step] = &[];

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
            Self::Bindings => "bindings",
            Self::Driver => "driver",
            Self::Wine => "wine",
            Self::Stress => "stress",
            Self::Doc => "doc",
            Self::Publish => "publish",
            Self::DocExamples => "doc-examples",
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
                    // The service again with its object behind the cache-aware reference, as the
                    // driver's `cache-aware` feature builds it.
                    && Cargo::new(&["test", "-p", "rundown-service", "--features", "cache-aware"]).run()?
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
            Self::Bindings => return bindings::run(),
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
            Self::DocExamples => return doc_examples(),
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

/// The `doc-examples` step: every public item of `rundown` has a doc example that is tested.
///
/// rustdoc's `missing_doc_code_examples` lint is unstable: it needs a nightly toolchain and
/// `feature(rustdoc_missing_doc_code_examples)` (passed with `-Z crate-attr`, so the crate's source
/// does not change). It only checks items public by their own path, so it skips the items that
/// `lib.rs` re-exports from private modules (`Rundown`, `SpinLock`, `RundownRef`, ...): the second
/// half applies the lint's rule to every item of the public API that rustdoc's JSON lists.
fn doc_examples() -> Result<Outcome> {
    const NIGHTLY: &str = "nightly";
    if Cargo::with_toolchain(NIGHTLY, &["--version"]).probe().is_none() {
        return Ok(Outcome::Skipped(
            "no nightly toolchain: the missing_doc_code_examples lint and rustdoc's JSON output need one".to_owned(),
        ));
    }
    let target = target_dir().join("doc-examples");
    let rustdoc = || Cargo::with_toolchain(NIGHTLY, &["rustdoc", "-p", "rundown", "--target-dir"]).arg(&target);
    let lint_passed = rustdoc()
        .args(&[
            "--",
            "-Z",
            "crate-attr=feature(rustdoc_missing_doc_code_examples)",
            "-D",
            "rustdoc::missing_doc_code_examples",
        ])
        .run()?;
    if !rustdoc().args(&["--", "-Z", "unstable-options", "--output-format", "json"]).run()? {
        return Ok(Outcome::Failed);
    }
    let (checked, missing) = items_without_example(&target.join("doc/rundown.json"))?;
    if missing.is_empty() {
        println!("doc-examples: each of the {checked} public items of rundown that need an example has one");
    } else {
        println!("doc-examples: {} of {checked} public items of rundown have no example:", missing.len());
        for item in &missing {
            println!("  {item}");
        }
    }
    Ok(if lint_passed && missing.is_empty() { Outcome::Passed } else { Outcome::Failed })
}

/// The public items in rustdoc's JSON for a crate whose docs have no tested Rust code block, as
/// `path (file:line)`, and how many items were checked.
///
/// It walks the public API from the crate root through modules and re-exports, into inherent
/// impls and traits, and checks what the lint checks: types, traits, functions and methods,
/// macros; not modules, fields, variants, constants, type aliases, or items of trait impls.
fn items_without_example(json: &Path) -> Result<(usize, Vec<String>)> {
    let text = std::fs::read_to_string(json).with_context(|| format!("reading {}", json.display()))?;
    let krate: Value = serde_json::from_str(&text).with_context(|| format!("parsing {}", json.display()))?;
    let index = krate["index"].as_object().context("rustdoc's JSON has no `index`: has its format changed?")?;
    let mut audit = ExampleAudit { index, seen: HashSet::new(), checked: 0, missing: Vec::new() };
    audit.visit(&krate["root"], "");
    anyhow::ensure!(audit.checked > 0, "no public item found in rustdoc's JSON: has its format changed?");
    audit.missing.sort();
    let missing = audit.missing.into_iter().map(|(_, item)| item).collect();
    Ok((audit.checked, missing))
}

/// The walk of [`items_without_example`].
struct ExampleAudit<'a> {
    index: &'a serde_json::Map<String, Value>,
    seen: HashSet<String>,
    checked: usize,
    /// ((file, line), `path (file:line)`), to sort by place.
    missing: Vec<((String, u64), String)>,
}

impl<'a> ExampleAudit<'a> {
    /// The item `id` of this crate; `None` for another crate's item, such as a re-exported
    /// atomic, which is documented there.
    fn item(&self, id: &Value) -> Option<&'a Value> {
        let key = match id {
            Value::Number(number) => number.to_string(),
            Value::String(string) => string.clone(),
            _ => return None,
        };
        self.index.get(&key).filter(|item| item["crate_id"] == 0)
    }

    fn visit(&mut self, id: &Value, parent: &str) {
        let Some(item) = self.item(id) else { return };
        if !self.seen.insert(id.to_string()) {
            return;
        }
        let Some((kind, inner)) = item["inner"].as_object().and_then(|inner| inner.iter().next()) else { return };
        let path = match item["name"].as_str() {
            Some(name) if parent.is_empty() => name.to_owned(),
            Some(name) => format!("{parent}::{name}"),
            None => parent.to_owned(),
        };
        match kind.as_str() {
            "module" => self.visit_all(&inner["items"], &path),
            "use" => self.visit(&inner["id"], parent),
            "struct" | "enum" | "union" | "trait" | "function" | "macro" | "proc_macro" => {
                self.check(item, &path);
                // A trait's methods, and a type's inherent impls.
                self.visit_all(&inner["items"], &path);
                for impl_id in inner["impls"].as_array().into_iter().flatten() {
                    self.visit_inherent_impl(impl_id, &path);
                }
            }
            _ => {}
        }
    }

    fn visit_all(&mut self, ids: &Value, parent: &str) {
        for id in ids.as_array().into_iter().flatten() {
            self.visit(id, parent);
        }
    }

    /// The public methods of an inherent impl; the items of a trait impl have the trait's docs.
    fn visit_inherent_impl(&mut self, id: &Value, parent: &str) {
        let Some(inner) = self.item(id).map(|item| &item["inner"]["impl"]) else { return };
        if !inner["trait"].is_null() || !inner["blanket_impl"].is_null() || inner["is_synthetic"] == true {
            return;
        }
        for method in inner["items"].as_array().into_iter().flatten() {
            if self.item(method).is_some_and(|item| item["visibility"] == "public") {
                self.visit(method, parent);
            }
        }
    }

    fn check(&mut self, item: &Value, path: &str) {
        self.checked += 1;
        if has_doctest(item["docs"].as_str().unwrap_or_default()) {
            return;
        }
        let file = item["span"]["filename"].as_str().unwrap_or("?").to_owned();
        let line = item["span"]["begin"][0].as_u64().unwrap_or(0);
        let entry = format!("{path} ({file}:{line})");
        self.missing.push(((file, line), entry));
    }
}

/// Whether Markdown docs hold a code block that rustdoc tests as Rust: a fenced block whose info
/// string is empty, says `rust`, or names only rustdoc's attributes (`no_run`, `compile_fail`,
/// ...), and is not `ignore`d (rustdoc's `LangString` rules).
fn has_doctest(docs: &str) -> bool {
    let mut open_fence: Option<(char, usize)> = None;
    for line in docs.lines().map(str::trim) {
        let fence_char = if line.starts_with('~') { '~' } else { '`' };
        let fence_len = line.chars().take_while(|&c| c == fence_char).count();
        match open_fence {
            // A closing fence: the opening one's character, at least as many, nothing else.
            Some((open_char, open_len))
                if fence_char == open_char && fence_len >= open_len && line.len() == fence_len =>
            {
                open_fence = None;
            }
            None if fence_len >= 3 => {
                if is_tested_rust(&line[fence_len..]) {
                    return true;
                }
                open_fence = Some((fence_char, fence_len));
            }
            Some(_) | None => {}
        }
    }
    false
}

/// Whether a code block's info string makes it a Rust doctest that runs or is compiled.
fn is_tested_rust(info: &str) -> bool {
    let tokens: Vec<&str> = info.split(|c: char| c == ',' || c.is_whitespace()).filter(|t| !t.is_empty()).collect();
    let attribute = |token: &&str| {
        matches!(*token, "should_panic" | "no_run" | "compile_fail" | "test_harness" | "standalone_crate")
            || token.starts_with("edition")
            || (token.len() == 5 && token.starts_with('E') && token[1..].bytes().all(|b| b.is_ascii_digit()))
    };
    let ignored = tokens.iter().any(|token| *token == "ignore" || token.starts_with("ignore-"));
    !ignored && (tokens.contains(&"rust") || tokens.iter().all(attribute))
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
        .filter(|step| if args.only.is_empty() { !NOT_ENABLED_YET.contains(step) } else { args.only.contains(step) })
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

#[cfg(test)]
mod tests {
    use super::has_doctest;

    #[test]
    fn doctests_are_found_as_rustdoc_finds_them() {
        assert!(has_doctest("Text.\n\n```\nlet x = 1;\n```"));
        assert!(has_doctest("```compile_fail,E0277\nf();\n```"));
        assert!(has_doctest("  ```no_run\nloop {}\n  ```"));
        assert!(has_doctest("```text\nnot Rust\n```\n\n```rust\nlet x = 1;\n```"));
        assert!(!has_doctest("No example."));
        assert!(!has_doctest("```text\nlet x = 1;\n```"));
        assert!(!has_doctest("```ignore\nlet x = 1;\n```"));
        assert!(!has_doctest("```rust,ignore\nlet x = 1;\n```"));
        assert!(!has_doctest("````text\n```\nin the text block\n```\n````"));
    }
}
