//! `cargo xtask demo`: the portable driver loaded in Wine, shown at work through rundownctl.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};

use rundown_wine_tests::{Artifacts, Loader, Rig, SERVICE, STEP, wine_version};

use crate::{apt, build};

/// Installs what is missing, builds, loads the driver in a fresh Wine prefix, shows a write,
/// reads, a rotation waiting for a hold in another process, the statistics, and the unload, then
/// prints what happened.
pub fn run() -> Result<()> {
    let started = Instant::now();
    step(1, "install what is missing (apt-get: rustc-web, lld-19, mingw-w64, wine)");
    apt::ensure(&[&apt::RUSTC_WEB, &apt::LLD, &apt::MINGW, &apt::WINE])?;
    let wine_version = wine_version()?;
    step(2, "cross-build the driver and rundownctl (cargo xtask build)");
    build::run()?;
    step(3, &format!("a throw-away Wine prefix with a persistent wineserver ({wine_version})"));
    step(4, &format!("wine sc create {SERVICE} type= kernel ...; wine sc start {SERVICE}"));
    let artifacts = Artifacts::in_dir(&build::output_dir(), crate::cmd::target_dir().join("wine"));
    let rig = Rig::load(&artifacts, "demo", Loader::Sc)?;
    let image = build::image_path(build::Flavour::Portable);
    let mut summary = vec![format!("loaded {} in Wine as service {SERVICE}", image.display())];

    step(5, "rundownctl write, then read");
    show(&rig, &["write", "hello from the rundown demo"])?;
    show(&rig, &["read"])?;

    step(6, "process A holds protection for 3 s; process B rotates meanwhile");
    let mut holder = rig.spawn(&["hold", "--seconds", "3"])?;
    let held = holder.read_line(STEP)?.context("the holder printed nothing")?;
    println!("  A> {held}");
    let rotate_started = Instant::now();
    let mut rotator = rig.spawn(&["rotate"])?;
    std::thread::sleep(Duration::from_millis(500));
    println!("  (B's rotation is waiting; a query from process C meanwhile:)");
    show(&rig, &["query"])?;
    let rotated = rotator.wait(STEP)?.ensure_success()?;
    let rotate_took = rotate_started.elapsed();
    for line in rotated.stdout.lines() {
        println!("  B> {line}");
    }
    for line in holder.wait(STEP)?.ensure_success()?.stdout.lines() {
        println!("  A> {line}");
    }
    summary.push(format!(
        "ROTATE from process B waited {:.1} s for process A's hold, then installed generation 2",
        rotate_took.as_secs_f64()
    ));
    let read = show(&rig, &["read"])?;
    ensure!(read.contains("generation  2"), "the rotation did not install generation 2:\n{read}");
    summary.push("the payload written before the rotation reads back from generation 2".to_owned());

    step(7, "rundownctl stats");
    let stats = show(&rig, &["stats"])?;
    summary.push(format!("stats: {}", stats.split_whitespace().collect::<Vec<_>>().join(" ")));

    step(8, &format!("wine sc stop {SERVICE} (DriverUnload); sc delete; wineserver -k"));
    show_sc(&rig, &["stop", SERVICE])?;
    show_sc(&rig, &["delete", SERVICE])?;
    rig.host().ensure_no_crash()?;
    let log = rig.host().driver_log()?;
    let unloaded = log.iter().any(|line| line.contains("pool in use 0 bytes in 0 blocks"));
    let host_log = rig.host().driver_log_path().to_path_buf();
    rig.host_shutdown()?;

    println!("\nWhat happened ({:.0} s):", started.elapsed().as_secs_f64());
    for line in &summary {
        println!("  - {line}");
    }
    println!(
        "  - DriverUnload ran and {}",
        if unloaded { "left 0 bytes of pool in use" } else { "did NOT report its pool back to zero" }
    );
    println!("The drivers' DbgPrintEx log ({}):", host_log.display());
    for line in &log {
        println!("  | {line}");
    }
    ensure!(unloaded, "the unload report is missing from the driver's log");
    Ok(())
}

fn step(number: u32, what: &str) {
    println!("\n[{number}/8] {what}");
}

/// Runs `rundownctl ARGS`, echoing it and its output; fails on a non-zero exit.
fn show(rig: &Rig, args: &[&str]) -> Result<String> {
    let output = rig.ctl(args)?.ensure_success()?;
    for line in output.stdout.lines() {
        println!("  {line}");
    }
    Ok(output.stdout)
}

fn show_sc(rig: &Rig, args: &[&str]) -> Result<()> {
    let output = rig.host().sc(args, STEP)?.ensure_success()?;
    for line in output.stdout.lines().filter(|line| !line.trim().is_empty()) {
        println!("  {line}");
    }
    Ok(())
}
