//! `rundownctl`: install, start, stop and remove the rundown driver's service, and send its
//! device's requests from user mode, through `rundown-client`.
//!
//! The portable parts (command line, what each command sends and answers, tables and JSON, hex,
//! the service-state wait) build and are tested on any host, against the driver's own request
//! handling in this process (`rundown_client::LocalDriver`). The Windows parts (the service
//! control manager, Ctrl-C, the program itself) are `#[cfg(windows)]`; the binary needs them, so
//! on other hosts it only says so.
//!
//! The test tooling (the stress run, the session protocol, `churn`, `open-many`, `cycles`) is
//! the `rundown-stress` crate: its session parses each line with [`cli::DeviceCommand`] and
//! answers with [`output::Reply::to_json`].

pub mod cli;
pub mod commands;
pub mod fields;
pub mod hex;
pub mod output;
pub mod plain;
pub mod service;
pub mod table;

#[cfg(windows)]
pub mod app;
#[cfg(windows)]
pub mod interrupt;
#[cfg(windows)]
pub mod scm;
#[cfg(windows)]
pub mod service_commands;
