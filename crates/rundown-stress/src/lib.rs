//! `rundown-stress`: the rundown driver's test tooling, a Windows program beside `rundownctl`
//! that the Wine tests (`tests/wine`) and `cargo xtask stress` run; not shipped.
//!
//! - [`stress`]: client processes, a rotator and the peer driver's worker at once, then the
//!   driver's statistics; [`stress::report::Totals`] is the one place the summary line is
//!   computed and read back;
//! - [`session`]: rundownctl's device commands from stdin on one handle, parsed with rundownctl's
//!   own parser, one JSON result line each (what `rundownctl --json` prints);
//! - [`churn`]: threads sharing one handle; `open-many` and `cycles` (Windows only, in `app`).
//!
//! Everything but opening devices and the service control manager is portable and tested on
//! the host against the driver's own request handling (`rundown_client::LocalDriver`).

pub mod churn;
pub mod cli;
pub mod session;
pub mod stress;

#[cfg(windows)]
pub mod app;
