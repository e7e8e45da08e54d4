//! Another driver's device, opened from kernel mode: a kernel handle for synchronous device
//! control requests, and a reference on its file object.

use core::ffi::c_void;
use core::ptr::NonNull;

use rundown::irql::{Irql, Passive};
use rundown_abi::NtStatus;
use wdk_sys::ntddk::{ObReferenceObjectByHandle, ObfDereferenceObject, ZwClose, ZwCreateFile, ZwDeviceIoControlFile};
use wdk_sys::{
    FILE_NON_DIRECTORY_FILE, FILE_OPEN, FILE_SYNCHRONOUS_IO_NONALERT, GENERIC_READ, GENERIC_WRITE, HANDLE,
    IO_STATUS_BLOCK, IoFileObjectType, OBJ_CASE_INSENSITIVE, OBJ_KERNEL_HANDLE, OBJECT_ATTRIBUTES, PVOID, SYNCHRONIZE,
};

use crate::status::check;
use crate::unicode;
use crate::wdk_values::KERNEL_MODE;

/// A device opened by its NT name with a kernel handle (`ZwCreateFile`, synchronous I/O), closed
/// (`ZwClose`) when dropped, at PASSIVE_LEVEL.
///
/// ```
/// use rundown::irql::{Irql, Passive};
/// use rundown_abi::names::NT_DEVICE_NAME_W;
/// use rundown_wdm::KernelFile;
///
/// # // Defined, never called: the host that runs the doctests has no ZwCreateFile.
/// fn ask(code: u32, irql: &Irql<Passive>) -> Result<usize, rundown_abi::NtStatus> {
///     let device = KernelFile::open(&NT_DEVICE_NAME_W, irql)?;
///     let mut reply = [0u8; 24];
///     device.device_io_control(code, &[], &mut reply, irql) // bytes of `reply` filled
/// }
/// ```
///
/// # Invariants
/// `handle` is a kernel handle this value opened and closes once.
#[derive(Debug)]
pub struct KernelFile {
    handle: HANDLE,
}

// SAFETY: a kernel handle (OBJ_KERNEL_HANDLE) is valid in every process and thread.
unsafe impl Send for KernelFile {}
// SAFETY: as above; synchronous requests on one handle are serialized by the I/O manager.
unsafe impl Sync for KernelFile {}

/// `OBJECT_ATTRIBUTES.Length`: the structure's size, which fits a `ULONG`.
#[expect(clippy::cast_possible_truncation, reason = "48 bytes")]
const OBJECT_ATTRIBUTES_LENGTH: u32 = size_of::<OBJECT_ATTRIBUTES>() as u32;

impl KernelFile {
    /// Opens the device `name` (`\Device\...`) for reading and writing.
    ///
    /// # Errors
    /// `ZwCreateFile`'s status (`STATUS_OBJECT_NAME_NOT_FOUND` when no such device exists).
    ///
    /// ```
    /// use rundown::irql::{Irql, Passive};
    /// use rundown_abi::peer::PEER_NT_DEVICE_NAME_W;
    /// use rundown_wdm::KernelFile;
    ///
    /// # // Defined, never called: the host that runs the doctests has no ZwCreateFile.
    /// fn peer_is_loaded(irql: &Irql<Passive>) -> bool {
    ///     KernelFile::open(&PEER_NT_DEVICE_NAME_W, irql).is_ok()
    /// }
    /// ```
    pub fn open(name: &'static [u16], irql: &Irql<Passive>) -> Result<Self, NtStatus> {
        let _ = irql;
        let mut name = unicode(name);
        let mut attributes = OBJECT_ATTRIBUTES {
            Length: OBJECT_ATTRIBUTES_LENGTH,
            RootDirectory: core::ptr::null_mut(),
            ObjectName: &raw mut name,
            Attributes: OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE,
            SecurityDescriptor: core::ptr::null_mut(),
            SecurityQualityOfService: core::ptr::null_mut(),
        };
        let mut io_status = IO_STATUS_BLOCK::default();
        let mut handle: HANDLE = core::ptr::null_mut();
        // SAFETY: valid attributes and out-parameters; a synchronous open of a device, at
        // PASSIVE_LEVEL (the token says so).
        check(unsafe {
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
        })?;
        // INVARIANT: opened above.
        Ok(Self { handle })
    }

    /// Sends a device control request with `input`, waits for it, and returns how many bytes of
    /// `output` it filled (`IoStatus.Information`).
    ///
    /// # Errors
    /// The request's status, or `STATUS_INVALID_PARAMETER` for a buffer longer than 4 GiB.
    ///
    /// ```
    /// use rundown::irql::{Irql, Passive};
    /// use rundown_abi::peer::PeerIoctl;
    /// use rundown_wdm::KernelFile;
    ///
    /// # // Defined, never called: the host that runs the doctests has no ZwDeviceIoControlFile.
    /// fn peer_stats(peer: &KernelFile, irql: &Irql<Passive>) -> Result<Vec<u8>, rundown_abi::NtStatus> {
    ///     let mut reply = vec![0u8; 64];
    ///     let len = peer.device_io_control(PeerIoctl::Stats.code(), &[], &mut reply, irql)?;
    ///     reply.truncate(len);
    ///     Ok(reply)
    /// }
    /// ```
    pub fn device_io_control(
        &self,
        code: u32,
        input: &[u8],
        output: &mut [u8],
        irql: &Irql<Passive>,
    ) -> Result<usize, NtStatus> {
        let _ = irql;
        let input_len = u32::try_from(input.len()).map_err(|_| NtStatus::INVALID_PARAMETER)?;
        let output_len = u32::try_from(output.len()).map_err(|_| NtStatus::INVALID_PARAMETER)?;
        let mut io_status = IO_STATUS_BLOCK::default();
        // SAFETY: a synchronous request on our handle (invariant), with buffers of the lengths
        // given, which the I/O manager reads (input) and writes (output) before it returns; at
        // PASSIVE_LEVEL (the token says so).
        check(unsafe {
            ZwDeviceIoControlFile(
                self.handle,
                core::ptr::null_mut(),
                None,
                core::ptr::null_mut(),
                &raw mut io_status,
                code,
                input.as_ptr().cast_mut().cast(),
                input_len,
                output.as_mut_ptr().cast(),
                output_len,
            )
        })?;
        Ok(usize::try_from(io_status.Information).unwrap_or(usize::MAX).min(output.len()))
    }

    /// References the handle's file object (`ObReferenceObjectByHandle`), which outlives the
    /// handle: on Windows the I/O manager does not unload the device's driver while a file object
    /// of its device exists. (Wine 8's `ObReferenceObjectByHandle` faults on a handle to a
    /// driver's device: do not call it there.)
    ///
    /// # Errors
    /// `ObReferenceObjectByHandle`'s status.
    ///
    /// ```
    /// use rundown::irql::{Irql, Passive};
    /// use rundown_wdm::{KernelFile, ReferencedFile};
    ///
    /// # // Defined, never called: the host that runs the doctests has no object manager.
    /// fn pin_driver(device: KernelFile, irql: &Irql<Passive>) -> Result<ReferencedFile, rundown_abi::NtStatus> {
    ///     let file = device.reference_file_object(irql)?;
    ///     drop(device); // the handle goes; the file object, and the driver's image, stay
    ///     Ok(file)
    /// }
    /// ```
    pub fn reference_file_object(&self, irql: &Irql<Passive>) -> Result<ReferencedFile, NtStatus> {
        let _ = irql;
        let mut object: PVOID = core::ptr::null_mut();
        // SAFETY: `IoFileObjectType` is ntoskrnl's exported variable, written once at boot,
        // before any driver loads; only its value is read.
        let slot = unsafe { IoFileObjectType };
        // SAFETY: wdm.h declares the import slot, which points at the object type.
        let file_type = unsafe { *slot };
        // SAFETY: our kernel handle (invariant); KernelMode, so no access check (0 asks for no
        // access); `object` receives one reference, which `ReferencedFile` drops. PASSIVE_LEVEL,
        // as the routine requires (the token says so).
        check(unsafe {
            ObReferenceObjectByHandle(self.handle, 0, file_type, KERNEL_MODE, &raw mut object, core::ptr::null_mut())
        })?;
        let object = NonNull::new(object).ok_or(NtStatus::INVALID_PARAMETER)?;
        // INVARIANT: the reference taken above.
        Ok(ReferencedFile { object })
    }
}

impl Drop for KernelFile {
    fn drop(&mut self) {
        // SAFETY: opened by `open` and closed once, here (invariant); kernel code drops it at
        // PASSIVE_LEVEL, where its `open` ran.
        let _ = unsafe { ZwClose(self.handle) };
    }
}

/// A referenced file object ([`KernelFile::reference_file_object`]); the reference is dropped
/// (`ObfDereferenceObject`) with the value, at IRQL <= DISPATCH_LEVEL.
///
/// ```
/// use rundown::irql::{Irql, Passive};
/// use rundown_wdm::{KernelFile, ReferencedFile};
///
/// # // Defined, never called: the host that runs the doctests has no object manager.
/// fn keep(device: &KernelFile, irql: &Irql<Passive>) -> Option<ReferencedFile> {
///     device.reference_file_object(irql).ok()
/// }
/// ```
///
/// # Invariants
/// The value owns one reference on `object`, a file object.
#[derive(Debug)]
pub struct ReferencedFile {
    object: NonNull<c_void>,
}

// SAFETY: a referenced object may be used and dereferenced from any thread.
unsafe impl Send for ReferencedFile {}
// SAFETY: as above; `&ReferencedFile` gives nothing but its existence.
unsafe impl Sync for ReferencedFile {}

impl Drop for ReferencedFile {
    fn drop(&mut self) {
        // SAFETY: the reference `reference_file_object` took (invariant), dropped once.
        let _ = unsafe { ObfDereferenceObject(self.object.as_ptr()) };
    }
}
