//! `rundownctl session`: commands from stdin on one handle, one result line each.
//!
//! The protocol is in the crate's README; [`parse`] reads a line, [`line`](mod@line) writes a result,
//! [`run`](mod@run) drives a [`Transport`](crate::transport::Transport) with them.

pub mod line;
pub mod parse;
pub mod run;

pub use run::run;
