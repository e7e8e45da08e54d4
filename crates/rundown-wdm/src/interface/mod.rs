//! The peer interface's C edges: the function table (`rundown_abi::RundownInterface`) the owner
//! hands out through GET_INTERFACE, and the calls a peer makes through it.
//!
//! - [`InterfaceProvider`] and [`table`]: the owner implements the trait; the table's C functions
//!   check their arguments and call it.
//! - [`InterfaceClient`]: a peer gets the table from the owner's device and calls it through safe
//!   methods, with a [`Hold`] for each acquire.

mod client;
mod provider;

pub use client::{Hold, InterfaceClient};
pub use provider::{InterfaceProvider, table};
