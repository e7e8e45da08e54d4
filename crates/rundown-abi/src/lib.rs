//! The user/kernel interface of the rundown driver's device, defined once for the driver,
//! `rundownctl`, kernel peers and fuzzers of the request decoder.
//!
//! - [`ctl_code`](mod@ctl_code): the WDK's `CTL_CODE` and its inverse [`CtlCode::from_raw`];
//! - [`ioctl`]: the table of the device's requests, one row per IOCTL, from which [`Ioctl`],
//!   its codes, [`Ioctl::decode`], the size checks, the `IOCTL_RUNDOWN_*` constants and the
//!   [`requests`] types for typed calls ([`IoctlRequest`]) are derived ([`table`]);
//! - [`names`]: the device's NT, DOS and Win32 names, also as UTF-16 built at compile time;
//! - [`status`]: the [`NtStatus`] values the driver answers with;
//! - [`wire`]: each request's input and output messages ([`Message`], [`Encode`], [`Decode`]);
//! - [`interface`]: the function table kernel-mode peers get with GET_INTERFACE;
//! - [`peer`]: the sample peer driver's own device and table.
//!
//! ```
//! use rundown_abi::{AcquireRequest, HoldsReply, Ioctl};
//! // user mode: DeviceIoControl(h, code, &input, input.len(), &mut out, out.len(), ...)
//! let code = Ioctl::Acquire.code();
//! let input = AcquireRequest { count: 1 }.to_bytes();
//! // kernel: decode and validate before acting
//! let ioctl = Ioctl::decode(code).unwrap();
//! ioctl.check_output_len(HoldsReply::SIZE).unwrap();
//! assert_eq!(AcquireRequest::from_bytes(&input).unwrap().count, 1);
//! ```
//!
//! # The contract
//!
//! Device type `0x8352` ([`FILE_DEVICE_RUNDOWN`], vendor range); functions in the vendor range
//! (`0x800` and up); every request `METHOD_BUFFERED`. All integers little-endian. Sizes in
//! bytes. Each [`Ioctl`] variant's documentation gives its function, access, input and output as
//! the table declares them; the repository's README renders the whole table, and its tests
//! check that rendering against this crate.
//!
//! The driver checks in this order and answers the first failure:
//!
//! 1. the code ([`Ioctl::decode`]): another device type, an unknown function, another method or
//!    other access bits: `STATUS_INVALID_DEVICE_REQUEST` ([`BadCode`]). (A handle without the
//!    access the code names never reaches the driver: the I/O manager answers
//!    `STATUS_ACCESS_DENIED`.)
//!    GET_INTERFACE from user mode: `STATUS_ACCESS_DENIED`, before anything else is looked at.
//! 2. the input length ([`Ioctl::check_input_len`], then the request's `from_bytes`): any
//!    other length: `STATUS_INFO_LENGTH_MISMATCH`.
//! 3. the output length ([`Ioctl::check_output_len`]): shorter: `STATUS_BUFFER_TOO_SMALL`;
//!    longer: `STATUS_INFO_LENGTH_MISMATCH`.
//! 4. the input's fields, then the operation:
//!
//! | IOCTL | failure | status |
//! |---|---|---|
//! | ACQUIRE, RELEASE | `count` is 0 | `STATUS_INVALID_PARAMETER` |
//! | ACQUIRE | the object is running down (ROTATE or unload) | `STATUS_DELETE_PENDING` |
//! | ACQUIRE | the handle's holds, or all handles' together, would pass `u32::MAX` | `STATUS_INSUFFICIENT_RESOURCES` |
//! | RELEASE | `count` exceeds what the handle holds (nothing is released) | `STATUS_NOT_FOUND` |
//! | READ, WRITE | the object is running down and the handle holds no protection (a holder reads and writes through its own) | `STATUS_DELETE_PENDING` |
//! | WRITE | `len` > 256 | `STATUS_INVALID_PARAMETER` |
//! | WRITE | `len` ≠ the bytes after it | `STATUS_INFO_LENGTH_MISMATCH` |
//! | ROTATE | the calling handle holds protection (it would wait for itself) | `STATUS_INVALID_DEVICE_STATE` |
//! | ROTATE | another rotation is in progress | `STATUS_DEVICE_BUSY` |
//! | ROTATE | the driver is unloading | `STATUS_DELETE_PENDING` |
//! | ROTATE | cancelled (`CancelIoEx`, or its handle's CLEANUP) while it waits for holders; the run-down carries on | `STATUS_CANCELLED` |
//! | ACQUIRE, ROTATE | the request raced its handle's CLEANUP (an ACQUIRE gives back what it took; a ROTATE is not queued) | `STATUS_FILE_CLOSED` |
//! | GET_INTERFACE | another GUID, or a version other than 1 | `STATUS_NOT_SUPPORTED` |
//! | GET_INTERFACE | a `size` below the table's | `STATUS_INVALID_PARAMETER` |
//! | GET_INTERFACE | the driver is unloading | `STATUS_DELETE_PENDING` |
//!
//! A request this table does not name has no failures of its own. Each request's statuses are
//! also its row's `failures` in the table ([`Ioctl::failures`]).
//!
//! ACQUIRE takes all `count` protections or none. On success the status is `STATUS_SUCCESS`
//! and `IoStatus.Information` is the output size; on failure it is 0.
#![no_std]
#![forbid(unsafe_code)]

// The README's examples are doctests too, so that what crates.io shows compiles.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub mod ctl_code;
pub mod interface;
pub mod ioctl;
pub mod names;
pub mod peer;
pub mod status;
pub mod table;
pub mod wire;

pub use ctl_code::{Access, CtlCode, Method, ctl_code};
pub use interface::{
    GetInterfaceRequest, Guid, InterfaceHeader, PeerHold, PeerReadResult, RUNDOWN_INTERFACE_GUID,
    RUNDOWN_INTERFACE_VERSION, RundownInterface,
};
// Everything the table declares (the enum, `BadCode`, the `IOCTL_RUNDOWN_*` codes, `requests`)
// and every message, at the root: a row or a message added there needs no line here.
pub use ioctl::*;
pub use names::{DOS_DEVICE_NAME, NT_DEVICE_NAME, WIN32_PATH};
pub use status::NtStatus;
pub use table::{ABI_CHECK_STATUSES, CodeError, IoctlRequest, IoctlSet};
pub use wire::*;
