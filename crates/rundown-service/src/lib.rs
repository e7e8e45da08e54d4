//! What the rundown driver does with each request, written without the kernel so that it runs
//! (and is tested, model-checked and fuzzed) on a host as well as in the driver.
//!
//! - [`Service`]: the shared object ([`Generation`], with a torn-read-free [`Payload`]) behind
//!   run-down protection, and [`Service::control`], which validates and answers every IOCTL of
//!   [`rundown_abi`];
//! - [`HandleState`]: the protection one open handle holds between ACQUIRE and RELEASE or its
//!   cleanup;
//! - [`Rotator`]: the owner, which retires the object under load and replaces it;
//! - [`PeerReferences`]: the interface references peer drivers hold, which the unload waits for;
//! - [`Stats`]: the counters STATS reports.
//!
//! The driver's dispatch routines only translate IRPs into [`Request`]s and [`Reply`]s into
//! output buffers.
//!
//! ```
//! use rundown::irql::PassiveLevel;
//! use rundown::RundownRef;
//! use rundown_abi::{AcquireRequest, Ioctl, NtStatus};
//! use rundown_service::{PoolUsage, Reply, Request, Rotator, Service};
//!
//! let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
//! let mut storage = RundownRef::new();
//! let owner = storage.owner(&irql);
//! let service = Service::new(owner.protection(), || PoolUsage::default()).expect("pool");
//! let mut rotator = Rotator::new(owner, &service);
//!
//! let handle = service.open_handle();
//! let input = AcquireRequest { count: 1 }.to_bytes();
//! let acquire = Request { code: Ioctl::Acquire.code(), input: &input, output_len: 4, from_user_mode: true };
//! assert!(matches!(service.control(&handle, &acquire, &irql), Ok(Reply::Holds(h)) if h.handle_holds == 1));
//!
//! // A handle that holds protection may not rotate: it would wait for itself.
//! let rotate = Request { code: Ioctl::Rotate.code(), input: &[], output_len: 24, from_user_mode: true };
//! assert_eq!(service.control(&handle, &rotate, &irql).unwrap_err(), NtStatus::INVALID_DEVICE_STATE);
//!
//! // Closing the handle releases its hold, and the owner can rotate.
//! service.cleanup(&handle, &irql);
//! assert_eq!(rotator.rotate(&irql).expect("pool").new_generation, 2);
//! ```
#![no_std]

extern crate alloc;

mod generation;
mod handle;
mod payload;
mod peers;
mod reply;
mod rotator;
mod service;
mod stats;

pub use generation::{Generation, try_box};
pub use handle::HandleState;
pub use payload::{Payload, Snapshot};
pub use peers::PeerReferences;
pub use reply::Reply;
pub use rotator::{Retired, Rotator};
pub use service::{Request, Service};
pub use stats::{PoolUsage, Stats};
