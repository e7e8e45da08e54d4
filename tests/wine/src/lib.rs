//! The rundown driver's Wine harness: Wine 8 as a host for the driver, and the portable driver
//! loaded in it with `rundownctl` to drive it and the test tool `rundown-stress` for sessions
//! (rundownctl's device commands on one handle, one JSON answer each) and workloads. `tests/driver.rs`, `tests/peer.rs`,
//! `tests/bad_input.rs` and `tests/windows_rules.rs` (issue 8: overlapped clients, 10,000
//! handles, cancelled rotations, stop cycles, the unload's refusals) hold the integration tests;
//! `cargo xtask demo` uses the same harness.
//!
//! The tests need the images `cargo xtask build` writes to `target/sys/` (or the directory in
//! `RUNDOWN_SYS_DIR`) and Wine 8; `cargo xtask test` (step `wine`) builds, installs Wine with
//! apt-get if missing, and runs them. Each test gets its own Wine host.
//!
//! A host (`WineHost`) is a throw-away prefix with its own persistent wineserver, in which `sc`
//! loads and unloads the .sys, user-mode tools run with deadlines, and the drivers' `DbgPrintEx`
//! output is collected (field notes, section 3; docs/wine-probe.md). It lives in
//! `<parent>/<label>/`: `prefix/` is the `WINEPREFIX` (about 700 MB, deleted at shutdown) and
//! `driver.log` is the standard error of services.exe and of every winedevice.exe it starts, so
//! it holds the drivers' debug output and Wine's crash reports. Each prefix has its own
//! wineserver, so hosts in different directories can run side by side.
//!
//! Every command has a deadline. One that misses it is killed together with the processes it
//! started, and the error names the command and the deadline. Every fallible function fails that
//! way, or with the command's own failure, or with Wine's crash line when the driver crashed.
//!
//! What Wine 8 does that Windows would not (measured): `sc stop` calls DriverUnload even while a
//! user-mode handle to the device is open, IRPs are still dispatched, on another thread, while
//! DriverUnload runs, and the CLOSE of a handle still open then never comes.

// Every fallible function here fails the same way, said once above: a command it runs fails or
// misses its deadline, or the driver crashed.
#![allow(clippy::missing_errors_doc, reason = "one failure mode for the whole harness, in the crate docs")]

mod host;
mod log;
mod process;
mod rig;
mod session;

use std::time::Duration;

use anyhow::{Result, ensure};

pub use host::WineHost;
pub use log::{DebugLevel, DriverMessage, IHVDRIVER_ID};
use process::Job;
pub use process::{RunOutput, shell_line};
pub use rig::{Answer, Artifacts, GROUP, Loader, PEER_SERVICE, Rig, SERVICE, STEP, Session, file_names, in_wine};
pub use rundown_stress::stress::report::Totals;
pub use session::Background;

/// `wine --version`.
const VERSION_TIMEOUT: Duration = Duration::from_secs(30);

/// `wine --version`'s line (`wine-8.0 (Debian 8.0~repack-4)`); an error if Wine does not run.
pub fn wine_version() -> Result<String> {
    // Debian's launcher prints a wine32 hint unless WINEDEBUG starts with -all.
    let mut job = Job::new("wine", "WINEDEBUG=-all wine --version".to_owned(), VERSION_TIMEOUT);
    job.command().arg("--version").env("WINEDEBUG", "-all");
    let output = job.output(&std::env::temp_dir())?.ensure_success()?;
    let version = output.stdout.lines().next().unwrap_or_default().trim();
    ensure!(!version.is_empty(), "`wine --version` printed nothing");
    Ok(version.to_owned())
}
