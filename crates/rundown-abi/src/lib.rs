//! The user/kernel interface of the rundown driver's device, defined once for the driver,
//! `rundownctl`, kernel peers and fuzzers of the request decoder.
//!
//! - [`ctl_code`](mod@ctl_code): the WDK's `CTL_CODE` and its inverse [`CtlCode::from_raw`];
//! - [`ioctl`]: [`FILE_DEVICE_RUNDOWN`], the [`Ioctl`] requests and [`Ioctl::decode`];
//! - [`names`]: the device's NT, DOS and Win32 names, also as UTF-16 built at compile time;
//! - [`status`]: the [`NtStatus`] values the driver answers with;
//! - [`wire`]: each request's input and output messages;
//! - [`contract`]: each request's buffer sizes.
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
//! Device type `0x8352` ([`FILE_DEVICE_RUNDOWN`], vendor range); functions `0x800..=0x806` and
//! `0x8F0` (vendor range); every request `METHOD_BUFFERED`. All integers little-endian. Sizes
//! in bytes.
//!
//! | IOCTL | code | access | input | output |
//! |---|---|---|---|---|
//! | QUERY | `0x83526000` | read | none (0) | [`QueryReply`] (32) |
//! | ACQUIRE | `0x83526004` | read | [`AcquireRequest`] (4) | [`HoldsReply`] (4) |
//! | RELEASE | `0x83526008` | read | [`ReleaseRequest`] (4) | [`HoldsReply`] (4) |
//! | READ | `0x8352600C` | read | none (0) | [`ReadReply`] (280) |
//! | WRITE | `0x8352A010` | write | [`WriteRequest`] (4 + `len`, `len` ≤ 256) | [`WriteReply`] (8) |
//! | ROTATE | `0x8352A014` | write | none (0) | [`RotateReply`] (24) |
//! | STATS | `0x83526018` | read | none (0) | [`StatsReply`] (56) |
//! | GET_INTERFACE | `0x835223C0` | any (kernel mode only) | [`GetInterfaceRequest`] (20) | [`RundownInterface`] (72) |
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
//! ACQUIRE takes all `count` protections or none. On success the status is `STATUS_SUCCESS`
//! and `IoStatus.Information` is the output size; on failure it is 0.
#![no_std]
#![forbid(unsafe_code)]

// The README's examples are doctests too, so that what crates.io shows compiles.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub mod contract;
pub mod ctl_code;
pub mod interface;
pub mod ioctl;
pub mod names;
pub mod peer;
pub mod status;
pub mod wire;

pub use ctl_code::{Access, CtlCode, Method, ctl_code};
pub use interface::{
    GetInterfaceRequest, Guid, InterfaceHeader, PeerHold, PeerReadResult, RUNDOWN_INTERFACE_GUID,
    RUNDOWN_INTERFACE_VERSION, RundownInterface,
};
pub use ioctl::{
    BadCode, FILE_DEVICE_RUNDOWN, IOCTL_RUNDOWN_ACQUIRE, IOCTL_RUNDOWN_GET_INTERFACE, IOCTL_RUNDOWN_QUERY,
    IOCTL_RUNDOWN_READ, IOCTL_RUNDOWN_RELEASE, IOCTL_RUNDOWN_ROTATE, IOCTL_RUNDOWN_STATS, IOCTL_RUNDOWN_WRITE, Ioctl,
    VENDOR_FUNCTION_FIRST, VENDOR_FUNCTION_LAST,
};
pub use names::{DOS_DEVICE_NAME, NT_DEVICE_NAME, WIN32_PATH};
pub use status::NtStatus;
pub use wire::{
    AcquireRequest, HoldsReply, MAX_PAYLOAD, ObjectState, QueryReply, ReadReply, ReleaseRequest, RotateReply,
    StatsReply, WireError, WriteReply, WriteRequest,
};
