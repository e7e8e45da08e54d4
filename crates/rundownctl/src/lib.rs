//! `rundownctl`: install, start, drive and stop the rundown driver from user mode.
//!
//! The portable parts (command line, session protocol, output, hex, the typed requests over a
//! [`transport::Transport`], the stress run) build and are tested on any host. The Windows parts (the device
//! handle and `NtDeviceIoControlFile`, the service control manager, Ctrl-C) are
//! `#[cfg(windows)]`; the binary needs them, so on other hosts it only says so.

pub mod churn;
pub mod cli;
pub mod commands;
pub mod format;
pub mod hex;
pub mod ops;
pub mod service;
pub mod session;
pub mod status;
pub mod stress;
pub mod table;
pub mod transport;
pub mod win32_error;

#[cfg(windows)]
pub mod app;
#[cfg(windows)]
pub mod device;
#[cfg(windows)]
pub mod interrupt;
#[cfg(windows)]
pub mod scm;
#[cfg(windows)]
pub mod service_commands;
#[cfg(windows)]
pub mod wide;

#[cfg(test)]
mod fake;
