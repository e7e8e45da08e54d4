//! Wine 8 as a host for the driver: a throw-away prefix with its own persistent wineserver, in
//! which `sc` loads and unloads the .sys, user-mode tools run with deadlines, and the driver's
//! `DbgPrint` output is collected (field notes, section 3; docs/wine-probe.md).
//!
//! A host lives in `<parent>/<label>/`: `prefix/` is the `WINEPREFIX` (about 700 MB, deleted at
//! shutdown unless kept) and `driver.log` is the standard error of services.exe and of every
//! winedevice.exe it starts, so it holds the drivers' debug output and Wine's crash reports. Each
//! prefix has its own wineserver, so hosts in different directories can run side by side.
//!
//! Every command has a deadline. One that misses it is killed together with the processes it
//! started, and the error names the command and the deadline.
//!
//! What Wine 8 does that Windows would not (measured with a scratch driver): `sc stop` calls
//! DriverUnload even while a user-mode handle to the device is open, and IRPs are still
//! dispatched, on another thread, while DriverUnload runs.

mod host;
mod log;
mod process;
mod session;

use std::time::Duration;

use anyhow::{Result, ensure};

use crate::apt;
pub use host::WineHost;
use process::Job;
pub use process::RunOutput;
pub use session::Background;

/// `wine --version`.
const VERSION_TIMEOUT: Duration = Duration::from_secs(30);

/// Installs Wine 8 (`wine` and `wine64`, through [`apt::ensure`]) if it is missing and returns
/// `wine --version`'s line (`wine-8.0 (Debian 8.0~repack-4)`).
pub fn ensure_installed() -> Result<String> {
    apt::ensure(&[&apt::WINE])?;
    // Debian's launcher prints a wine32 hint unless WINEDEBUG starts with -all.
    let mut job = Job::new("wine", "WINEDEBUG=-all wine --version".to_owned(), VERSION_TIMEOUT);
    job.command().arg("--version").env("WINEDEBUG", "-all");
    let output = job.output(&std::env::temp_dir())?.ensure_success()?;
    let version = output.stdout.lines().next().unwrap_or_default().trim();
    ensure!(!version.is_empty(), "`wine --version` printed nothing");
    Ok(version.to_owned())
}
