//! The peer's link to the owner: the interface table GET_INTERFACE returned, with the reference
//! it carries.

use core::ffi::c_void;
use core::mem::MaybeUninit;

use rundown::irql::{Irql, Passive};
use rundown_abi::names::NT_DEVICE_NAME_W;
use rundown_abi::{
    GetInterfaceRequest, IOCTL_RUNDOWN_GET_INTERFACE, NtStatus, PeerHold, PeerReadResult, RundownInterface,
};
use rundown_wdm::unicode;
use wdk_sys::ntddk::{ZwClose, ZwCreateFile, ZwDeviceIoControlFile};
use wdk_sys::{
    FILE_NON_DIRECTORY_FILE, FILE_OPEN, FILE_SYNCHRONOUS_IO_NONALERT, GENERIC_READ, GENERIC_WRITE, HANDLE,
    IO_STATUS_BLOCK, NT_SUCCESS, OBJ_CASE_INSENSITIVE, OBJ_KERNEL_HANDLE, OBJECT_ATTRIBUTES, SYNCHRONIZE,
};

/// The interface the owner returned, with the reference it carries.
///
/// The handle used to ask for it is closed at once: the reference, not the handle, keeps the
/// table valid, and no handle of the peer's is left open for the owner's unload to meet.
///
/// # Invariants
/// Every function pointer of `table` is non-null, and the table carries one interface reference,
/// which [`OwnerLink::close`] drops.
pub(crate) struct OwnerLink {
    table: RundownInterface,
}

// SAFETY: a kernel handle and a table of functions the owner made callable from any thread.
unsafe impl Send for OwnerLink {}
// SAFETY: as above; the table is only read.
unsafe impl Sync for OwnerLink {}

fn check(status: i32) -> Result<(), NtStatus> {
    if NT_SUCCESS(status) { Ok(()) } else { Err(NtStatus::from_raw(status)) }
}

impl OwnerLink {
    /// Opens `\Device\RundownShared` with a kernel handle and sends GET_INTERFACE, which, sent
    /// from kernel mode, the owner answers with its table.
    pub(crate) fn open(irql: &Irql<Passive>) -> Result<Self, NtStatus> {
        let _ = irql;
        let mut name = unicode(&NT_DEVICE_NAME_W);
        let mut attributes = OBJECT_ATTRIBUTES {
            Length: u32::try_from(size_of::<OBJECT_ATTRIBUTES>()).expect("small"),
            RootDirectory: core::ptr::null_mut(),
            ObjectName: &raw mut name,
            Attributes: OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE,
            SecurityDescriptor: core::ptr::null_mut(),
            SecurityQualityOfService: core::ptr::null_mut(),
        };
        let mut io_status = IO_STATUS_BLOCK::default();
        let mut handle: HANDLE = core::ptr::null_mut();
        // SAFETY: valid attributes and out-parameters; a synchronous open of a device.
        let opened = check(unsafe {
            ZwCreateFile(
                &raw mut handle,
                GENERIC_READ | GENERIC_WRITE | SYNCHRONIZE,
                &raw mut attributes,
                &raw mut io_status,
                core::ptr::null_mut(),
                0,
                0,
                FILE_OPEN,
                FILE_NON_DIRECTORY_FILE | FILE_SYNCHRONOUS_IO_NONALERT,
                core::ptr::null_mut(),
                0,
            )
        });
        if let Err(status) = opened {
            wdk::println!("rundown-peer: cannot open \\Device\\RundownShared: {status:?}");
            return Err(status);
        }
        let table = Self::get_interface(handle);
        // SAFETY: opened above, closed once.
        let _ = unsafe { ZwClose(handle) };
        match table {
            Ok(table) => Ok(Self { table }),
            Err(status) => {
                wdk::println!("rundown-peer: GET_INTERFACE failed: {status:?}");
                Err(status)
            }
        }
    }

    fn get_interface(handle: HANDLE) -> Result<RundownInterface, NtStatus> {
        let mut request = GetInterfaceRequest::current().to_bytes();
        let mut table = MaybeUninit::<RundownInterface>::zeroed();
        let mut io_status = IO_STATUS_BLOCK::default();
        // SAFETY: a synchronous request on our handle, with buffers of the lengths given.
        check(unsafe {
            ZwDeviceIoControlFile(
                handle,
                core::ptr::null_mut(),
                None,
                core::ptr::null_mut(),
                &raw mut io_status,
                IOCTL_RUNDOWN_GET_INTERFACE,
                request.as_mut_ptr().cast(),
                u32::try_from(request.len()).expect("20 bytes"),
                table.as_mut_ptr().cast(),
                u32::try_from(RundownInterface::SIZE).expect("72 bytes"),
            )
        })?;
        if io_status.Information != RundownInterface::SIZE as u64 {
            return Err(NtStatus::INFO_LENGTH_MISMATCH);
        }
        // SAFETY: the owner wrote a whole table (Information says so); an all-zero one would
        // also be valid (null function pointers are `None`).
        let table = unsafe { table.assume_init() };
        let complete = table.acquire.is_some()
            && table.release.is_some()
            && table.read.is_some()
            && table.write.is_some()
            && table.query_generation.is_some()
            && table.header.interface_dereference.is_some();
        if complete { Ok(table) } else { Err(NtStatus::NOT_SUPPORTED) }
    }

    fn context(&self) -> *mut c_void {
        self.table.header.context
    }

    /// The interface's `acquire`: a hold, or `None` while the object runs down.
    pub(crate) fn acquire(&self) -> Option<*mut PeerHold> {
        let acquire = self.table.acquire.expect("checked at open");
        // SAFETY: the table carries our reference, so the owner is loaded.
        let hold = unsafe { acquire(self.context()) };
        (!hold.is_null()).then_some(hold)
    }

    /// The interface's `read` into `buffer`: the status and what it reported.
    pub(crate) fn read(&self, hold: *mut PeerHold, buffer: &mut [u8]) -> (NtStatus, PeerReadResult) {
        let read = self.table.read.expect("checked at open");
        let mut result = PeerReadResult::default();
        let len = u32::try_from(buffer.len()).unwrap_or(u32::MAX);
        // SAFETY: a hold from `acquire`, not yet released; a buffer of `len` bytes.
        let status = unsafe { read(self.context(), hold, buffer.as_mut_ptr(), len, &raw mut result) };
        (NtStatus::from_raw(status), result)
    }

    /// The interface's `query_generation` for a hold.
    pub(crate) fn generation(&self, hold: *mut PeerHold) -> u64 {
        let query = self.table.query_generation.expect("checked at open");
        // SAFETY: a hold from `acquire`, not yet released.
        unsafe { query(self.context(), hold) }
    }

    /// The interface's `release`.
    pub(crate) fn release(&self, hold: *mut PeerHold) {
        let release = self.table.release.expect("checked at open");
        // SAFETY: a hold from `acquire`, released once, here.
        unsafe { release(self.context(), hold) };
    }

    /// Drops the interface reference; nothing may call the table after.
    pub(crate) fn close(self) {
        let dereference = self.table.header.interface_dereference.expect("checked at open");
        // SAFETY: the table's one reference, dropped once; `self` is consumed.
        unsafe { dereference(self.context()) };
    }
}
