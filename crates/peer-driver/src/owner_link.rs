//! The peer's link to the owner: the interface table GET_INTERFACE returned, with the reference
//! it carries, and a referenced file object of the owner's device, which keeps the owner loaded
//! until after the peer's last call into it.

use core::ffi::c_void;
use core::mem::MaybeUninit;

use rundown::irql::{AtMost, Dispatch, Irql, Passive};
use rundown_abi::names::NT_DEVICE_NAME_W;
use rundown_abi::{
    GetInterfaceRequest, IOCTL_RUNDOWN_GET_INTERFACE, NtStatus, PeerHold, PeerReadResult, RundownInterface,
};
use rundown_wdm::unicode;
use wdk_sys::ntddk::{ObfDereferenceObject, ZwClose, ZwCreateFile, ZwDeviceIoControlFile};
use wdk_sys::{
    FILE_NON_DIRECTORY_FILE, FILE_OPEN, FILE_SYNCHRONOUS_IO_NONALERT, GENERIC_READ, GENERIC_WRITE, HANDLE,
    IO_STATUS_BLOCK, NT_SUCCESS, OBJ_CASE_INSENSITIVE, OBJ_KERNEL_HANDLE, OBJECT_ATTRIBUTES, PFILE_OBJECT, SYNCHRONIZE,
};

/// The interface the owner returned, with the reference it carries, and the file object that
/// keeps the owner loaded.
///
/// The handle used to ask for the table is closed at once, but its file object is referenced
/// first (`ObReferenceObjectByHandle`) and kept: on Windows the I/O manager does not call the
/// owner's DriverUnload while a file object of its device exists, so the owner's code stays
/// mapped for as long as the peer may run in it, including the return from the last
/// `InterfaceDereference`. The interface reference keeps the owner's state valid; the file
/// object keeps its image loaded.
///
/// # Invariants
/// Every function pointer of `table` is non-null, and the table carries one interface reference,
/// which [`OwnerLink::close`] drops. `file` is a referenced file object of `\Device\RundownShared`,
/// dereferenced by [`OwnerLink::close`] after the interface reference (null in the portable
/// flavour, see `reference_file`).
pub(crate) struct OwnerLink {
    table: RundownInterface,
    file: PFILE_OBJECT,
}

// SAFETY: a referenced file object and a table of functions the owner made callable from any
// thread at IRQL <= DISPATCH_LEVEL.
unsafe impl Send for OwnerLink {}
// SAFETY: as above; both are only read.
unsafe impl Sync for OwnerLink {}

fn check(status: i32) -> Result<(), NtStatus> {
    if NT_SUCCESS(status) { Ok(()) } else { Err(NtStatus::from_raw(status)) }
}

impl OwnerLink {
    /// Opens `\Device\RundownShared` with a kernel handle, references its file object, and
    /// sends GET_INTERFACE, which, sent from kernel mode, the owner answers with its table.
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
            rundown_wdm::error!("rundown-peer: cannot open \\Device\\RundownShared: {status:?}");
            return Err(status);
        }
        let file = Self::reference_file(handle);
        let table = file.and_then(|_| Self::get_interface(handle));
        // SAFETY: opened above, closed once. The file object stays: `file` references it.
        let _ = unsafe { ZwClose(handle) };
        match (file, table) {
            (Ok(file), Ok(table)) => Ok(Self { table, file }),
            (file, Err(status)) => {
                rundown_wdm::error!("rundown-peer: GET_INTERFACE failed: {status:?}");
                if let Ok(file) = file
                    && !file.is_null()
                {
                    // SAFETY: referenced by `reference_file`, dereferenced once; no interface
                    // reference was taken, so nothing of the owner's runs after this.
                    let _ = unsafe { ObfDereferenceObject(file.cast()) };
                }
                Err(status)
            }
            (Err(status), Ok(_)) => Err(status),
        }
    }

    /// The file object behind `handle`, referenced (`ObReferenceObjectByHandle`); null in the
    /// portable flavour, the one Wine runs: Wine 8's ObReferenceObjectByHandle faults (a read
    /// at 0x18) on a handle to a driver's device, whatever the object type, and Wine calls
    /// DriverUnload with file objects alive anyway, so a reference would defer nothing there.
    #[cfg(not(feature = "ntoskrnl"))]
    fn reference_file(_handle: HANDLE) -> Result<PFILE_OBJECT, NtStatus> {
        Ok(core::ptr::null_mut())
    }

    /// The file object behind `handle`, referenced (`ObReferenceObjectByHandle`).
    #[cfg(feature = "ntoskrnl")]
    fn reference_file(handle: HANDLE) -> Result<PFILE_OBJECT, NtStatus> {
        use rundown_wdm::wdk_values::KERNEL_MODE;
        use wdk_sys::ntddk::ObReferenceObjectByHandle;
        use wdk_sys::{IoFileObjectType, PVOID};

        let mut object: PVOID = core::ptr::null_mut();
        // SAFETY: `IoFileObjectType` is ntoskrnl's exported variable, written once at boot,
        // before any driver loads; only its value is read.
        let slot = unsafe { IoFileObjectType };
        // SAFETY: wdm.h declares the import slot, which points at the object type.
        let file_type = unsafe { *slot };
        // SAFETY: our kernel handle, from ZwCreateFile; KernelMode, so no access check (0 asks
        // for no access); `object` receives one reference, which `close` (or `open`'s failure
        // path) drops. PASSIVE_LEVEL, as the routine requires.
        let referenced = check(unsafe {
            ObReferenceObjectByHandle(handle, 0, file_type, KERNEL_MODE, &raw mut object, core::ptr::null_mut())
        });
        if let Err(status) = referenced {
            rundown_wdm::error!("rundown-peer: cannot reference the file object: {status:?}");
            return Err(status);
        }
        Ok(object.cast())
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

    /// The interface's `acquire`: a hold, or `None` while the object runs down. The table's four
    /// calls (`acquire`, `read`, `generation`, `release`) are callable at IRQL <= DISPATCH_LEVEL.
    pub(crate) fn acquire(&self, irql: &Irql<impl AtMost<Dispatch>>) -> Option<*mut PeerHold> {
        let _ = irql;
        let acquire = self.table.acquire.expect("checked at open");
        // SAFETY: the table carries our reference, so the owner is loaded.
        let hold = unsafe { acquire(self.context()) };
        (!hold.is_null()).then_some(hold)
    }

    /// The interface's `read` into `buffer`: the status and what it reported.
    pub(crate) fn read(
        &self,
        hold: *mut PeerHold,
        buffer: &mut [u8],
        irql: &Irql<impl AtMost<Dispatch>>,
    ) -> (NtStatus, PeerReadResult) {
        let _ = irql;
        let read = self.table.read.expect("checked at open");
        let mut result = PeerReadResult::default();
        let len = u32::try_from(buffer.len()).unwrap_or(u32::MAX);
        // SAFETY: a hold from `acquire`, not yet released; a buffer of `len` bytes.
        let status = unsafe { read(self.context(), hold, buffer.as_mut_ptr(), len, &raw mut result) };
        (NtStatus::from_raw(status), result)
    }

    /// The interface's `query_generation` for a hold.
    pub(crate) fn generation(&self, hold: *mut PeerHold, irql: &Irql<impl AtMost<Dispatch>>) -> u64 {
        let _ = irql;
        let query = self.table.query_generation.expect("checked at open");
        // SAFETY: a hold from `acquire`, not yet released.
        unsafe { query(self.context(), hold) }
    }

    /// The interface's `release`.
    pub(crate) fn release(&self, hold: *mut PeerHold, irql: &Irql<impl AtMost<Dispatch>>) {
        let _ = irql;
        let release = self.table.release.expect("checked at open");
        // SAFETY: a hold from `acquire`, released once, here.
        unsafe { release(self.context(), hold) };
    }

    /// Drops the interface reference, then the file object; nothing may call the table after.
    ///
    /// The order matters. `InterfaceDereference` releases the owner's driver-level protection,
    /// which can wake the owner's DriverUnload while this thread is still returning through the
    /// owner's code. The file object, still referenced, keeps the I/O manager from calling that
    /// DriverUnload (and so from freeing the owner's state and unmapping its image) until it is
    /// dereferenced here, after the call has returned and from the peer's own code.
    pub(crate) fn close(self, irql: &Irql<Passive>) {
        let _ = irql;
        let dereference = self.table.header.interface_dereference.expect("checked at open");
        // SAFETY: the table's one reference, dropped once; `self` is consumed.
        unsafe { dereference(self.context()) };
        if !self.file.is_null() {
            // SAFETY: the reference `open` took, dropped once, after the last call into the
            // owner. This can be the last reference to the owner's file object: CLOSE reaches
            // the owner, and then its DriverUnload may run, none of it on code the peer still
            // executes.
            let _ = unsafe { ObfDereferenceObject(self.file.cast()) };
        }
    }
}
