//! The shared device's requests, declared once: the table below gives each IOCTL's name,
//! function, method, access, input and output messages and its own failure statuses, and
//! everything else ([`Ioctl`], its codes, decoder and size checks, the `IOCTL_RUNDOWN_*`
//! constants, the [`requests`] marker types for typed calls) is derived from it (see
//! [`table`](crate::table)).
//!
//! To add an IOCTL: a row here and, for a new message, its type in a [`wire`](crate::wire) file
//! with its `describe!` (the C struct and each field's C name and meaning). The compiler then
//! points at the one `match` that must serve it, the request handler in `rundown-service`. The
//! rest takes the row as it is: the README's IOCTL reference and `include/rundown_ioctl.h` are
//! generated from the rows and the layouts (`RUNDOWN_BLESS=1 cargo test -p rundown-abi --test
//! readme --test ioctl_header` rewrites them; without it the tests fail on a difference and
//! print it), the tests derive their checks from them, and `rundownctl` gets a subcommand for
//! every request without input that has no command of its own.

use crate::interface::{GetInterfaceRequest, RundownInterface};
use crate::table::{CodeError, ioctl_table};
#[allow(clippy::wildcard_imports, reason = "the rows name any message of the wire files")]
use crate::wire::*;

/// The device type of `\Device\RundownShared`: a vendor type (`0x8000..=0xFFFF`).
///
/// ```
/// assert!(rundown_abi::FILE_DEVICE_RUNDOWN >= 0x8000);
/// ```
pub const FILE_DEVICE_RUNDOWN: u16 = 0x8352;

/// The first vendor function code; `0x000..=0x7FF` belong to Microsoft.
///
/// ```
/// assert_eq!(rundown_abi::VENDOR_FUNCTION_FIRST, 0x800);
/// ```
pub const VENDOR_FUNCTION_FIRST: u16 = 0x800;

/// The last function code that fits `CTL_CODE`'s 12 bits.
///
/// ```
/// assert_eq!(rundown_abi::VENDOR_FUNCTION_LAST, 0xFFF);
/// ```
pub const VENDOR_FUNCTION_LAST: u16 = 0xFFF;

ioctl_table! {
    /// One request of `\Device\RundownShared`. All use `METHOD_BUFFERED`.
    ///
    /// ```
    /// use rundown_abi::{CtlCode, Ioctl, Method};
    /// let raw = Ioctl::Write.code();
    /// assert_eq!(raw, 0x8352_A010);
    /// assert_eq!(Ioctl::decode(raw), Ok(Ioctl::Write));
    /// assert_eq!(CtlCode::from_raw(raw).method, Method::Buffered);
    /// assert_eq!(Ioctl::from_function(0x805), Some(Ioctl::Rotate));
    /// assert_eq!(Ioctl::from_function(0x8EF), None);
    /// assert_eq!(Ioctl::Read.output_size(), rundown_abi::ReadReply::SIZE);
    /// assert_eq!(Ioctl::Write.input_size(), None);
    /// ```
    pub enum Ioctl in FILE_DEVICE_RUNDOWN, "rundown_abi::Ioctl";
    pub mod requests;

    /// `IOCTL_RUNDOWN_QUERY`: the object's generation, version, holders and state.
    Query = IOCTL_RUNDOWN_QUERY {
        function: 0x800,
        method: Buffered,
        access: Read,
        input: (),
        output: QueryReply,
        failures: [],
    }
    /// `IOCTL_RUNDOWN_ACQUIRE`: take protection on behalf of the calling handle, all `count` or
    /// none.
    Acquire = IOCTL_RUNDOWN_ACQUIRE {
        function: 0x801,
        method: Buffered,
        access: Read,
        input: AcquireRequest,
        output: HoldsReply,
        failures: [INVALID_PARAMETER, DELETE_PENDING, INSUFFICIENT_RESOURCES, FILE_CLOSED],
    }
    /// `IOCTL_RUNDOWN_RELEASE`: give back protection the calling handle holds.
    Release = IOCTL_RUNDOWN_RELEASE {
        function: 0x802,
        method: Buffered,
        access: Read,
        input: ReleaseRequest,
        output: HoldsReply,
        failures: [INVALID_PARAMETER, NOT_FOUND],
    }
    /// `IOCTL_RUNDOWN_READ`: read the payload under protection.
    Read = IOCTL_RUNDOWN_READ {
        function: 0x803,
        method: Buffered,
        access: Read,
        input: (),
        output: ReadReply,
        failures: [DELETE_PENDING],
    }
    /// `IOCTL_RUNDOWN_WRITE`: replace the payload under protection.
    Write = IOCTL_RUNDOWN_WRITE {
        function: 0x804,
        method: Buffered,
        access: Write,
        input: WriteRequest,
        output: WriteReply,
        failures: [INVALID_PARAMETER, INFO_LENGTH_MISMATCH, DELETE_PENDING],
    }
    /// `IOCTL_RUNDOWN_ROTATE`: run the object down and install the next generation; pended
    /// until the holders released.
    Rotate = IOCTL_RUNDOWN_ROTATE {
        function: 0x805,
        method: Buffered,
        access: Write,
        input: (),
        output: RotateReply,
        failures: [INVALID_DEVICE_STATE, DEVICE_BUSY, DELETE_PENDING, CANCELLED, FILE_CLOSED],
    }
    /// `IOCTL_RUNDOWN_STATS`: the driver's counters and pool usage.
    Stats = IOCTL_RUNDOWN_STATS {
        function: 0x806,
        method: Buffered,
        access: Read,
        input: (),
        output: StatsReply,
        failures: [],
    }
    /// `IOCTL_RUNDOWN_VERSION`: the contract's version and the driver's build; a client sends it
    /// first.
    Version = IOCTL_RUNDOWN_VERSION {
        function: 0x807,
        method: Buffered,
        access: Read,
        input: (),
        output: VersionReply,
        failures: [],
    }
    /// `IOCTL_RUNDOWN_PEERS`: what the driver knows of the kernel-mode peers that use its
    /// interface: the protections they hold, and whether GET_INTERFACE gives it now.
    Peers = IOCTL_RUNDOWN_PEERS {
        function: 0x808,
        method: Buffered,
        access: Read,
        input: (),
        output: PeersReply,
        failures: [],
    }
    /// `IOCTL_RUNDOWN_GET_INTERFACE`: the interface for kernel-mode peer drivers; the driver
    /// refuses it from user mode (`STATUS_ACCESS_DENIED`).
    GetInterface = IOCTL_RUNDOWN_GET_INTERFACE {
        function: 0x8F0,
        method: Buffered,
        access: Any,
        input: GetInterfaceRequest,
        output: RundownInterface,
        failures: [ACCESS_DENIED, NOT_SUPPORTED, INVALID_PARAMETER, DELETE_PENDING],
    }
}

/// Why a control code is not one of this device's requests.
///
/// Every variant answers `STATUS_INVALID_DEVICE_REQUEST` ([`CodeError::status`]).
///
/// ```
/// use rundown_abi::{BadCode, Ioctl, NtStatus};
/// let err = Ioctl::decode(0x0007_0000).unwrap_err(); // IOCTL_DISK_GET_DRIVE_GEOMETRY
/// assert_eq!(err, BadCode::WrongDeviceType { found: 0x7 });
/// assert_eq!(err.status(), NtStatus::INVALID_DEVICE_REQUEST);
/// ```
pub type BadCode = CodeError<Ioctl>;
