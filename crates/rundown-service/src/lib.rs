//! What the rundown driver does with each request, written without the kernel so that it runs
//! (and is tested, model-checked and fuzzed) on a host as well as in the driver.
//!
//! - [`Service`]: the shared object ([`Generation`], with a torn-read-free [`Payload`]) behind
//!   run-down protection, and [`Service::control`], which validates and answers every IOCTL of
//!   [`rundown_abi`];
//! - [`HandleState`]: the protection one open handle holds between ACQUIRE and RELEASE or its
//!   cleanup;
//! - [`Rotator`]: the owner, which retires the object under load and replaces it;
//! - [`PendingRotation`]: the pended ROTATE, completed once: by the rotation, its cancellation,
//!   its handle's cleanup or the unload;
//! - [`KernelCallers`]: which requests count as kernel-mode (only they get the peer interface);
//! - [`PeerReferences`]: the interface references peer drivers hold, which the unload waits for;
//! - [`Stats`]: the counters STATS reports.
//!
//! The driver's dispatch routines only translate IRPs into [`Request`]s and [`Reply`]s into
//! output buffers. A [`Reply`] is the request's reply already encoded ([`Reply::of`], typed by
//! the request), so a request added to the ABI's table needs only its arm in
//! [`Service::control`].
//!
//! ```
//! use rundown::irql::PassiveLevel;
//! use rundown_abi::{AcquireRequest, Ioctl, NtStatus, requests};
//! use rundown_service::{Generation, PoolUsage, Reply, Request, Rotator, Service};
//!
//! let mut irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
//! let object = rundown_service::shared_object(&irql).expect("pool");
//! let service = Service::new(&object, || PoolUsage::default());
//! let mut rotator = Rotator::new(&service).expect("the owner is unclaimed");
//!
//! let handle = service.open_handle();
//! let input = AcquireRequest { count: 1 }.to_bytes();
//! let acquire = Request { code: Ioctl::Acquire.code(), input: &input, output_len: 4, from_user_mode: true };
//! let reply = service.control(&handle, &acquire, &mut irql).unwrap();
//! assert_eq!(reply.decode::<requests::Acquire>().unwrap().handle_holds, 1);
//!
//! // A handle that holds protection may not rotate: it would wait for itself.
//! let rotate = Request { code: Ioctl::Rotate.code(), input: &[], output_len: 24, from_user_mode: true };
//! assert_eq!(service.control(&handle, &rotate, &mut irql).unwrap_err(), NtStatus::INVALID_DEVICE_STATE);
//!
//! // Cleaning the handle up releases its hold, and the owner can rotate.
//! service.cleanup(&handle, &irql);
//! assert_eq!(rotator.rotate(&irql).new_generation, 2);
//! ```
#![no_std]

extern crate alloc;

mod generation;
mod handle;
mod kernel_callers;
mod object;
mod payload;
mod peers;
mod pending;
mod registry;
mod reply;
mod rotator;
mod service;
mod stats;

pub use generation::{Generation, try_box};
pub use handle::HandleState;
pub use kernel_callers::KernelCallers;
pub use object::{OBJECT_PROTECTION, ObjectProtection, SharedObject, shared_object};
pub use payload::{Payload, Snapshot};
pub use peers::{PeerReferences, peer_read, peer_write};
pub use pending::{CancellableRequest, HandleKey, PendingRotation};
pub use registry::{Registered, Registry};
pub use reply::{EncodedReply, Reply};
pub use rotator::{Retired, Rotator};
pub use service::{Dispatched, Request, Service};
pub use stats::{PoolUsage, Stats};
