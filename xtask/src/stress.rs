//! `cargo xtask stress [--seconds N]`: the owner and the peer in Wine under `rundownctl stress`,
//! then the unload's report, in one summary line.

use anyhow::{Context, Result, ensure};
use rundown_wine_tests::{Artifacts, Loader, Rig};

use crate::apt;
use crate::build::{self, Driver, Flavour};
use crate::cmd::target_dir;

/// The counts of the summary line.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub ops: u64,
    pub rotations: u64,
    pub faults: u64,
    pub lost: u64,
    pub leaked: u64,
}

impl Summary {
    /// Parses rundownctl's `stress: <ops> ops, <rotations> rotations, <faults> faults, <lost>
    /// lost, <leaked> leaked` line.
    pub fn parse(line: &str) -> Option<Self> {
        let rest = line.strip_prefix("stress: ")?;
        let mut numbers = rest.split(", ").map(|part| part.split(' ').next()?.parse::<u64>().ok());
        let mut next = || numbers.next().flatten();
        Some(Self { ops: next()?, rotations: next()?, faults: next()?, lost: next()?, leaked: next()? })
    }

    /// The one summary line.
    pub fn line(&self) -> String {
        format!(
            "stress: {} ops, {} rotations, {} faults, {} lost, {} leaked",
            self.ops, self.rotations, self.faults, self.lost, self.leaked
        )
    }

    pub fn clean(&self) -> bool {
        self.faults == 0 && self.lost == 0 && self.leaked == 0
    }
}

/// Builds, loads both drivers in a fresh Wine host, runs the workload for `seconds` and checks
/// the driver's unload report; prints details, then the summary line last.
pub fn run(seconds: u64) -> Result<Summary> {
    apt::ensure(&[&apt::WINE])?;
    build::run()?;
    let artifacts = Artifacts {
        portable_sys: Driver::Owner.image_path(Flavour::Portable),
        peer_sys: Driver::Peer.image_path(Flavour::Portable),
        tool: build::tool_path(),
        hosts: target_dir().join("wine"),
    };
    let rig = Rig::load(&artifacts, "stress", Loader::Rundownctl)?;
    rig.load_peer(&artifacts)?;
    let seconds_arg = seconds.to_string();
    let workload = rig.host().run(
        &artifacts.tool,
        &["stress", "--seconds", &seconds_arg],
        rundown_wine_tests::STEP + std::time::Duration::from_secs(seconds),
    )?;
    for line in workload.stdout.lines().chain(workload.stderr.lines()) {
        println!("  {line}");
    }
    let reported =
        workload.stdout.lines().rev().find_map(Summary::parse).context("rundownctl stress printed no summary")?;
    rig.host().ensure_no_crash()?;
    // The unload: its report must show no run-down invariant broken and no pool left.
    let unloaded = rig.unload_and_check_pool();
    let log = rig.host().driver_log()?;
    for line in log.iter().filter(|line| line.contains("unload") || line.contains("violations")) {
        println!("  | {line}");
    }
    rig.host_shutdown()?;
    let summary = Summary { faults: reported.faults + u64::from(unloaded.is_err()), ..reported };
    if let Err(error) = &unloaded {
        println!("  the unload check failed: {error:#}");
    }
    ensure!(summary.rotations > 0 || seconds == 0, "no rotation happened");
    println!("{}", summary.line());
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::Summary;

    #[test]
    fn the_summary_line_round_trips() {
        let summary = Summary { ops: 80935, rotations: 1529, faults: 0, lost: 0, leaked: 0 };
        assert_eq!(Summary::parse(&summary.line()), Some(summary));
        assert_eq!(Summary::parse("stress: 1 ops"), None);
    }
}
