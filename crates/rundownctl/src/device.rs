//! The device handle: `CreateFileW` to open it, `NtDeviceIoControlFile` to send requests, so
//! that the exact `NTSTATUS` and `IoStatus.Information` come back.

use std::io;
use std::ptr::{null, null_mut};

use rundown_abi::NtStatus;
use windows_sys::Wdk::System::IO::NtDeviceIoControlFile;
use windows_sys::Win32::Foundation::{
    CloseHandle, GENERIC_READ, GENERIC_WRITE, HANDLE, INVALID_HANDLE_VALUE, STATUS_PENDING,
};
use windows_sys::Win32::Storage::FileSystem::{
    CreateFileW, FILE_ATTRIBUTE_NORMAL, FILE_SHARE_READ, FILE_SHARE_WRITE, OPEN_EXISTING,
};
use windows_sys::Win32::System::IO::IO_STATUS_BLOCK;
use windows_sys::Win32::System::Threading::{INFINITE, WaitForSingleObject};

use crate::transport::{Completion, Transport};
use crate::wide;
use crate::win32_error::{self, Win32Error};

/// Why the device could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("cannot open {path}: {reason}")]
pub struct OpenError {
    /// The path tried.
    pub path: String,
    /// Why, with the Win32 error code.
    pub reason: String,
}

/// An open handle on the device, for synchronous I/O; closed on drop (which ends the holds
/// it has).
#[derive(Debug)]
pub struct Device {
    handle: HANDLE,
}

impl Device {
    /// Opens `path` with `GENERIC_READ | GENERIC_WRITE`, or `GENERIC_READ` alone if
    /// `read_only`; synchronous (no `FILE_FLAG_OVERLAPPED`).
    ///
    /// # Errors
    ///
    /// [`OpenError`]; Win32 error 2 or 3 is reported as "the driver is not running".
    pub fn open(path: &str, read_only: bool) -> Result<Self, OpenError> {
        let wide_path = wide::nul_terminated(path);
        let access = if read_only { GENERIC_READ } else { GENERIC_READ | GENERIC_WRITE };
        // SAFETY: `wide_path` is NUL-terminated and outlives the call; no security attributes
        // and no template file are passed.
        let handle = unsafe {
            CreateFileW(
                wide_path.as_ptr(),
                access,
                FILE_SHARE_READ | FILE_SHARE_WRITE,
                null(),
                OPEN_EXISTING,
                FILE_ATTRIBUTE_NORMAL,
                null_mut(),
            )
        };
        if handle == INVALID_HANDLE_VALUE || handle.is_null() {
            let code = Win32Error::last();
            let reason = if code == win32_error::FILE_NOT_FOUND || code == win32_error::PATH_NOT_FOUND {
                format!("the driver is not running (Win32 error {})", code.0)
            } else {
                code.describe()
            };
            return Err(OpenError { path: path.to_owned(), reason });
        }
        Ok(Self { handle })
    }
}

impl Transport for Device {
    fn control(&mut self, code: u32, input: &[u8], output_len: usize) -> io::Result<Completion> {
        let too_long = |what| io::Error::new(io::ErrorKind::InvalidInput, format!("{what} buffer over 4 GiB"));
        let input_len = u32::try_from(input.len()).map_err(|_| too_long("input"))?;
        let output_len_u32 = u32::try_from(output_len).map_err(|_| too_long("output"))?;
        let mut output = vec![0u8; output_len];
        let input_ptr = if input.is_empty() { null() } else { input.as_ptr().cast() };
        let output_ptr = if output.is_empty() { null_mut() } else { output.as_mut_ptr().cast() };
        let mut io_status = IO_STATUS_BLOCK::default();
        // SAFETY: `self.handle` is an open file handle; the buffers are valid for the lengths
        // passed (or null with length 0) and, like `io_status`, outlive the request: the
        // handle is synchronous, so the call returns only once the request has completed
        // (and a STATUS_PENDING answer is waited for below before anything is dropped).
        let mut status = unsafe {
            NtDeviceIoControlFile(
                self.handle,
                null_mut(),
                None,
                null(),
                &raw mut io_status,
                code,
                input_ptr,
                input_len,
                output_ptr,
                output_len_u32,
            )
        };
        if status == STATUS_PENDING {
            // Only an overlapped handle should see this; wait for completion all the same.
            // SAFETY: `self.handle` is an open handle; a file handle is signalled when its
            // I/O completes.
            unsafe { WaitForSingleObject(self.handle, INFINITE) };
            // SAFETY: the completed request wrote `Status`, the union's NTSTATUS member.
            status = unsafe { io_status.Anonymous.Status };
        }
        Ok(Completion { status: NtStatus::from_raw(status), information: io_status.Information, output })
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        // SAFETY: `self.handle` is open and owned by `self`; it is not used again.
        unsafe { CloseHandle(self.handle) };
    }
}
