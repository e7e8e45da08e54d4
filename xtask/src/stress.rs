//! `cargo xtask stress [--seconds N]`: the owner and the peer in Wine under the test tool's
//! stress run (`rundown-stress stress`), then the unload's report, in one summary line.

use anyhow::{Result, ensure};
use rundown_wine_tests::{Artifacts, Loader, Rig, Totals};

use crate::apt;
use crate::build;
use crate::cmd::target_dir;

/// Builds, loads both drivers in a fresh Wine host, runs the workload for `seconds` and checks
/// the driver's unload report; prints details, then the summary line last: the stress run's own
/// [`Totals`], with a failed unload check counted as one more fault.
pub fn run(seconds: u64) -> Result<Totals> {
    apt::ensure(&[&apt::WINE])?;
    build::run()?;
    let artifacts = Artifacts::in_dir(&build::output_dir(), target_dir().join("wine"));
    let rig = Rig::load(&artifacts, "stress", Loader::Rundownctl)?;
    rig.load_peer(&artifacts)?;
    let (reported, workload) = rig.stress(seconds)?;
    for line in workload.stdout.lines().chain(workload.stderr.lines()) {
        println!("  {line}");
    }
    rig.host().ensure_no_crash()?;
    // The unload: its report must show no run-down invariant broken and no pool left.
    let unloaded = rig.unload_and_check_pool();
    let log = rig.host().driver_log()?;
    for line in log.iter().filter(|line| line.contains("unload") || line.contains("violations")) {
        println!("  | {line}");
    }
    rig.host_shutdown()?;
    let totals = Totals { faults: reported.faults + u64::from(unloaded.is_err()), ..reported };
    if let Err(error) = &unloaded {
        println!("  the unload check failed: {error:#}");
    }
    ensure!(totals.rotations > 0 || seconds == 0, "no rotation happened");
    println!("{}", totals.line());
    Ok(totals)
}
