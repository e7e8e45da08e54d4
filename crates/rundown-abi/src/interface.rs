//! The interface peer drivers call: a versioned function table that starts with the WDK's
//! `INTERFACE` header, identified by [`RUNDOWN_INTERFACE_GUID`].
//!
//! A kernel-mode peer opens `\Device\RundownShared` and sends [`Ioctl::GetInterface`] with a
//! [`GetInterfaceRequest`]; the driver answers with a filled [`RundownInterface`] (its
//! [`RundownInterface::SIZE`] bytes) and one interface reference taken for the caller. The
//! request is refused from user mode (`STATUS_ACCESS_DENIED`).
//!
//! While the peer keeps a reference, the driver cannot unload: `InterfaceReference` and
//! `InterfaceDereference` hold driver-level run-down protection, and DriverUnload waits until the
//! last reference is dropped. A peer:
//! 1. calls `acquire`, which returns a [`PeerHold`] (or null while the object runs down);
//! 2. calls `read`, `write` or `query_generation` with that hold: they reach the generation the
//!    hold pins, which no rotation can free meanwhile (a rotation waits for the hold);
//! 3. calls `release` with the hold, once;
//! 4. calls `InterfaceDereference` when it no longer uses the table.
//!
//! GET_INTERFACE is sent at `PASSIVE_LEVEL`. The table's functions, `InterfaceReference` and
//! `InterfaceDereference` may be called at IRQL <= `DISPATCH_LEVEL`, like NtosKrnl's own
//! acquire and release: they take no lock that waits, and the driver's code and data are
//! nonpaged.
//!
//! `include/rundown_interface.h` is the same ABI for peers written in C; a test compiles it with
//! mingw-w64 and checks its sizes and offsets against these types.
//!
//! [`Ioctl::GetInterface`]: crate::Ioctl::GetInterface
//!
//! ```
//! use rundown_abi::{GetInterfaceRequest, RundownInterface, RUNDOWN_INTERFACE_GUID, RUNDOWN_INTERFACE_VERSION};
//! let request = GetInterfaceRequest::current();
//! assert_eq!((request.guid, request.version), (RUNDOWN_INTERFACE_GUID, RUNDOWN_INTERFACE_VERSION));
//! assert_eq!(usize::from(request.size), RundownInterface::SIZE);
//! assert_eq!(GetInterfaceRequest::from_bytes(&request.to_bytes()), Ok(request));
//! ```

use core::ffi::c_void;

use crate::wire::{Reader, WireError, Writer, check_input_len};

/// A GUID, laid out as the WDK's `GUID`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct Guid {
    /// `Data1`.
    pub data1: u32,
    /// `Data2`.
    pub data2: u16,
    /// `Data3`.
    pub data3: u16,
    /// `Data4`.
    pub data4: [u8; 8],
}

impl core::fmt::Display for Guid {
    /// The registry form: braces around five groups of 8, 4, 4, 4 and 12 upper-case hex digits.
    ///
    /// ```
    /// use rundown_abi::RUNDOWN_INTERFACE_GUID;
    /// assert_eq!(RUNDOWN_INTERFACE_GUID.to_string(), "{B91C70C6-04C6-45D5-BC8D-967746867ECB}");
    /// ```
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let [b0, b1, b2, b3, b4, b5, b6, b7] = self.data4;
        write!(
            f,
            "{{{:08X}-{:04X}-{:04X}-{b0:02X}{b1:02X}-{b2:02X}{b3:02X}{b4:02X}{b5:02X}{b6:02X}{b7:02X}}}",
            self.data1, self.data2, self.data3
        )
    }
}

/// `{B91C70C6-04C6-45D5-BC8D-967746867ECB}`: the rundown driver's shared-object interface.
pub const RUNDOWN_INTERFACE_GUID: Guid =
    Guid { data1: 0xB91C_70C6, data2: 0x04C6, data3: 0x45D5, data4: [0xBC, 0x8D, 0x96, 0x77, 0x46, 0x86, 0x7E, 0xCB] };

/// The interface version this crate describes. A later version only appends functions.
pub const RUNDOWN_INTERFACE_VERSION: u16 = 1;

/// An opaque hold on the shared object, from [`RundownInterface::acquire`].
#[repr(C)]
pub struct PeerHold {
    _opaque: [u8; 0],
}

/// `PINTERFACE_REFERENCE` / `PINTERFACE_DEREFERENCE`: `VOID (*)(PVOID Context)`.
pub type InterfaceReferenceFn = unsafe extern "C" fn(context: *mut c_void);

/// The WDK's `INTERFACE` header: `Size`, `Version`, `Context`, `InterfaceReference`,
/// `InterfaceDereference` (32 bytes on x64).
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct InterfaceHeader {
    /// The size of the whole table, in bytes ([`RundownInterface::SIZE`]).
    pub size: u16,
    /// [`RUNDOWN_INTERFACE_VERSION`].
    pub version: u16,
    /// Passed back as the first argument of every function.
    pub context: *mut c_void,
    /// Takes one more reference on the interface.
    pub interface_reference: Option<InterfaceReferenceFn>,
    /// Drops one reference; the caller must not use the table after dropping its last one.
    pub interface_dereference: Option<InterfaceReferenceFn>,
}

/// What [`RundownInterface::read`] reports besides the bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct PeerReadResult {
    /// The generation the hold pins.
    pub generation: u64,
    /// The payload's version.
    pub version: u64,
    /// The payload's length; at most the buffer's length bytes were copied.
    pub len: u32,
}

/// Acquires protection on the current generation: a hold, or null while a rotation or the
/// unload runs the object down.
pub type AcquireFn = unsafe extern "C" fn(context: *mut c_void) -> *mut PeerHold;
/// Releases a hold from `acquire`, once.
pub type ReleaseFn = unsafe extern "C" fn(context: *mut c_void, hold: *mut PeerHold);
/// Copies the held generation's payload into `buffer` (up to `buffer_len` bytes) and fills
/// `result`; returns an NTSTATUS (`STATUS_INVALID_PARAMETER` for a null hold or result;
/// `STATUS_BUFFER_TOO_SMALL` for a null buffer or one shorter than the payload: then
/// `result.len` says how much is needed).
pub type ReadFn = unsafe extern "C" fn(
    context: *mut c_void,
    hold: *mut PeerHold,
    buffer: *mut u8,
    buffer_len: u32,
    result: *mut PeerReadResult,
) -> i32;
/// Replaces the held generation's payload with `len` bytes at `data` (at most
/// [`MAX_PAYLOAD`](crate::MAX_PAYLOAD)) and stores the new version; returns an NTSTATUS.
pub type WriteFn = unsafe extern "C" fn(
    context: *mut c_void,
    hold: *mut PeerHold,
    data: *const u8,
    len: u32,
    version: *mut u64,
) -> i32;
/// The generation a hold pins, or with a null hold the current generation.
pub type QueryGenerationFn = unsafe extern "C" fn(context: *mut c_void, hold: *mut PeerHold) -> u64;

/// The function table GET_INTERFACE fills: `INTERFACE` first, then the functions (72 bytes on
/// x64). Every pointer is non-null in a table the driver returned.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct RundownInterface {
    /// The standard header.
    pub header: InterfaceHeader,
    /// See [`AcquireFn`].
    pub acquire: Option<AcquireFn>,
    /// See [`ReleaseFn`].
    pub release: Option<ReleaseFn>,
    /// See [`ReadFn`].
    pub read: Option<ReadFn>,
    /// See [`WriteFn`].
    pub write: Option<WriteFn>,
    /// See [`QueryGenerationFn`].
    pub query_generation: Option<QueryGenerationFn>,
}

impl RundownInterface {
    /// The table's size on x64, which GET_INTERFACE's output buffer must have.
    pub const SIZE: usize = 72;
    /// [`Self::SIZE`] as the header's `Size` field.
    #[expect(clippy::cast_possible_truncation, reason = "72")]
    pub const SIZE_U16: u16 = Self::SIZE as u16;
}

/// GET_INTERFACE's input: which interface, of what size and version (20 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct GetInterfaceRequest {
    /// Must be [`RUNDOWN_INTERFACE_GUID`].
    pub guid: Guid,
    /// The caller's table size: at least [`RundownInterface::SIZE`].
    pub size: u16,
    /// The version the caller was written for: [`RUNDOWN_INTERFACE_VERSION`].
    pub version: u16,
}

impl GetInterfaceRequest {
    /// Bytes on the wire.
    pub const SIZE: usize = 20;

    /// The request for this crate's interface.
    #[must_use]
    pub const fn current() -> Self {
        Self { guid: RUNDOWN_INTERFACE_GUID, size: RundownInterface::SIZE_U16, version: RUNDOWN_INTERFACE_VERSION }
    }

    /// The little-endian wire form.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        Writer::new()
            .u32(self.guid.data1)
            .u16(self.guid.data2)
            .u16(self.guid.data3)
            .bytes(&self.guid.data4)
            .u16(self.size)
            .u16(self.version)
            .finish()
    }

    /// Parses the request.
    ///
    /// # Errors
    /// [`WireError::InputLength`] if `bytes` is not [`Self::SIZE`] long.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        check_input_len(Self::SIZE, bytes.len())?;
        let mut r = Reader::new(bytes);
        let guid = Guid { data1: r.u32(), data2: r.u16(), data3: r.u16(), data4: r.array() };
        Ok(Self { guid, size: r.u16(), version: r.u16() })
    }
}

crate::wire::fixed_message!(GetInterfaceRequest);

crate::wire::describe! {
    GetInterfaceRequest => RUNDOWN_GET_INTERFACE_REQUEST in Interface {
        guid => InterfaceType: "`RUNDOWN_INTERFACE_GUID`, `{RUNDOWN_INTERFACE_GUID}`.",
        size => Size: "The caller's table size: at least {RundownInterface::SIZE}.",
        version => Version: "The version the caller was written for: {RUNDOWN_INTERFACE_VERSION}.",
    }
}

crate::wire::describe! {
    RundownInterface => RUNDOWN_SHARED_INTERFACE in Interface {
        header => Header:
            "The WDK's `INTERFACE`: `Size` ({RundownInterface::SIZE}), `Version` ({RUNDOWN_INTERFACE_VERSION}), \
             `Context`, `InterfaceReference`, `InterfaceDereference`.",
        acquire => Acquire: "A hold on the current generation, or null while it runs down.",
        release => Release: "Releases a hold, once.",
        read => Read: "Copies the held generation's payload.",
        write => Write: "Replaces the held generation's payload.",
        query_generation => QueryGeneration: "The generation a hold pins, or the current one.",
    }
}

/// GET_INTERFACE's output as the IOCTL table sees it: its size. The table of function pointers is
/// filled by the driver in kernel mode and is not decoded from bytes.
impl crate::wire::Message for RundownInterface {
    const SIZE: usize = RundownInterface::SIZE;
}
