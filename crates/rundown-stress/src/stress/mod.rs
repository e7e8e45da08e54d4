//! `stress` and `stress-client`: client processes that acquire, read, check, write and release
//! on their own handles, a rotator in this process, and the peer driver's worker, all at once;
//! then the driver's statistics tell whether anything was lost or leaked.
//!
//! Portable: [`report`] (the counts, the result lines and their parser, the final arithmetic),
//! [`client`] and [`rotator`] (the request loops on any [`Transport`](rundown_client::Transport)),
//! [`children`] (the client processes, with `std::process`) and [`run`](mod@run) (the whole
//! sequence). Only opening the devices is Windows code (`app`).

pub mod children;
pub mod client;
pub mod report;
pub mod rotator;
pub mod run;

pub use children::Launcher;
pub use run::{Settings, run};
