//! `cargo xtask bench`: runs the criterion benchmarks once and turns criterion's estimates into
//! the ratio table the README quotes, with criterion's plots beside it in `docs/bench/`.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::cmd::{Cargo, target_dir, workspace_root};

/// One line of the table: `numerator / denominator` against a goal.
struct Ratio {
    what: &'static str,
    numerator: &'static str,
    denominator: &'static str,
    goal: Goal,
}

enum Goal {
    AtMost(f64),
    AtLeast(f64),
    Information,
}

const RATIOS: [Ratio; 13] = [
    Ratio {
        what: "safe API / direct provider calls",
        numerator: "uncontended/safe_api",
        denominator: "uncontended/provider_direct",
        goal: Goal::AtMost(1.02),
    },
    Ratio {
        what: "safe API / two bare CAS (NT-semantics floor)",
        numerator: "uncontended/safe_api",
        denominator: "uncontended/floor_two_cas",
        goal: Goal::AtMost(1.25),
    },
    Ratio {
        what: "safe API / fetch_add+fetch_sub",
        numerator: "uncontended/safe_api",
        denominator: "uncontended/floor_two_fetch_add",
        goal: Goal::Information,
    },
    Ratio {
        what: "run-down 0.1.1 / safe API",
        numerator: "uncontended/peer_run_down_0_1_1",
        denominator: "uncontended/safe_api",
        goal: Goal::AtLeast(1.0),
    },
    Ratio {
        what: "Arc clone+drop / safe API",
        numerator: "uncontended/peer_arc_clone_drop",
        denominator: "uncontended/safe_api",
        goal: Goal::AtLeast(1.0),
    },
    Ratio {
        what: "parking_lot RwLock read / safe API",
        numerator: "uncontended/peer_parking_lot_read",
        denominator: "uncontended/safe_api",
        goal: Goal::AtLeast(1.0),
    },
    Ratio {
        what: "2 threads: plain / cache-aware",
        numerator: "two_threads/plain",
        denominator: "two_threads/cache_aware",
        goal: Goal::AtLeast(1.8),
    },
    Ratio {
        what: "2 threads: Rundown<T> plain / Rundown<T> cache-aware",
        numerator: "two_threads/rundown_t_plain",
        denominator: "two_threads/rundown_t_cache_aware",
        goal: Goal::AtLeast(3.0),
    },
    Ratio {
        what: "Rundown<T> try_access+deref+drop / bare acquire+release",
        numerator: "uncontended/rundown_t_access_deref",
        denominator: "uncontended/safe_api",
        goal: Goal::AtMost(1.02),
    },
    Ratio {
        what: "peer interface acquire+read 256+release / bare acquire+copy 256+release",
        numerator: "peer_interface/acquire_read_256_release",
        denominator: "peer_interface/bare_acquire_copy_256_release",
        goal: Goal::Information,
    },
    Ratio {
        what: "spin lock (host model) / parking_lot Mutex",
        numerator: "locks/spin_lock",
        denominator: "locks/parking_lot_mutex",
        goal: Goal::Information,
    },
    Ratio {
        what: "spin lock (host model) / std Mutex",
        numerator: "locks/spin_lock",
        denominator: "locks/std_mutex",
        goal: Goal::Information,
    },
    Ratio {
        what: "uncontended: cache-aware / plain",
        numerator: "uncontended/cache_aware_safe_api",
        denominator: "uncontended/safe_api",
        goal: Goal::Information,
    },
];

const GROUPS: [&str; 5] = ["uncontended", "locks", "peer_interface", "two_threads", "wait"];

/// Runs the benchmarks (unless `report_only`), prints the table and writes `docs/bench/`.
pub fn run(report_only: bool) -> Result<bool> {
    // Criterion would resolve a relative CARGO_TARGET_DIR against the package directory.
    let criterion = target_dir().join("criterion");
    if !report_only
        && !Cargo::new(&["bench", "-p", "rundown", "--bench", "rundown", "-p", "rundown-service", "--bench", "peer"])
            .env("CRITERION_HOME", &criterion)
            .run()?
    {
        bail!("the benchmarks failed");
    }
    let estimate = |id: &str| mean_nanoseconds(&criterion.join(id).join("new/estimates.json"));

    let mut table = String::from("| comparison | ratio | goal | met |\n|---|---|---|---|\n");
    let mut all_met = true;
    for ratio in &RATIOS {
        let value = estimate(ratio.numerator)? / estimate(ratio.denominator)?;
        let (goal, met) = match ratio.goal {
            Goal::AtMost(limit) => (format!("<= {limit:.2}x"), Some(value <= limit)),
            Goal::AtLeast(limit) => (format!(">= {limit:.2}x"), Some(value >= limit)),
            Goal::Information => ("-".to_owned(), None),
        };
        all_met &= met.unwrap_or(true);
        let met = met.map_or("-", |met| if met { "yes" } else { "**no**" });
        writeln!(table, "| {} | {value:.2}x | {goal} | {met} |", ratio.what)?;
    }
    table.push_str("\n| benchmark | mean |\n|---|---|\n");
    for group in GROUPS {
        for entry in sorted_entries(&criterion.join(group))? {
            let id = format!("{group}/{entry}");
            writeln!(table, "| {id} | {} |", human(estimate(&id)?))?;
        }
    }

    let out = workspace_root().join("docs/bench");
    fs::create_dir_all(&out)?;
    fs::write(out.join("results.md"), &table)?;
    for group in GROUPS {
        let violin = criterion.join(group).join("report/violin.svg");
        if violin.exists() {
            fs::copy(&violin, out.join(format!("{group}.svg")))
                .with_context(|| format!("copying {}", violin.display()))?;
        }
    }
    println!("\n{table}");
    println!("xtask: wrote docs/bench/results.md and the criterion plots beside it");
    Ok(all_met)
}

fn sorted_entries(group: &Path) -> Result<Vec<String>> {
    let mut entries: Vec<String> = fs::read_dir(group)
        .with_context(|| format!("no criterion results in {}: run `cargo xtask bench` first", group.display()))?
        .filter_map(Result::ok)
        .filter(|entry| entry.path().join("new/estimates.json").exists())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    Ok(entries)
}

/// Criterion's mean estimate for one benchmark, in nanoseconds.
fn mean_nanoseconds(path: &Path) -> Result<f64> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let estimates: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    estimates["mean"]["point_estimate"].as_f64().with_context(|| format!("no mean estimate in {}", path.display()))
}

fn human(nanoseconds: f64) -> String {
    if nanoseconds >= 1_000.0 { format!("{:.2} µs", nanoseconds / 1_000.0) } else { format!("{nanoseconds:.1} ns") }
}
