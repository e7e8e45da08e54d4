//! The device handle on Windows: `CreateFileW` to open it (synchronous, or overlapped),
//! `NtDeviceIoControlFile` to send requests, so that the exact `NTSTATUS` and
//! `IoStatus.Information` come back.

use std::ffi::OsStr;
use std::io;
use std::os::windows::ffi::OsStrExt as _;
use std::ptr::{null, null_mut};
use std::time::Duration;

use rundown_abi::NtStatus;
use windows_sys::Wdk::System::IO::NtDeviceIoControlFile;
use windows_sys::Win32::Foundation::{
    CloseHandle, GENERIC_READ, GENERIC_WRITE, HANDLE, INVALID_HANDLE_VALUE, STATUS_PENDING, WAIT_OBJECT_0, WAIT_TIMEOUT,
};
use windows_sys::Win32::Storage::FileSystem::{
    CreateFileW, FILE_ATTRIBUTE_NORMAL, FILE_FLAG_OVERLAPPED, FILE_SHARE_READ, FILE_SHARE_WRITE, OPEN_EXISTING,
};
use windows_sys::Win32::System::IO::{CancelIoEx, IO_STATUS_BLOCK, OVERLAPPED};
use windows_sys::Win32::System::Threading::{CreateEventW, INFINITE, WaitForSingleObject};

use crate::device::Device;
use crate::transport::{Completion, Finished, InFlight, Transport};
use crate::win32::{self, Win32Error};

/// Why the device could not be opened.
///
/// ```no_run
/// use rundown_client::Handle;
/// let err = Handle::open(r"\\.\NoSuchDevice").unwrap_err();
/// assert!(err.to_string().starts_with(r"cannot open \\.\NoSuchDevice: "));
/// ```
#[derive(Debug, thiserror::Error)]
#[error("cannot open {path}: {reason}")]
pub struct OpenError {
    /// The path tried.
    pub path: String,
    /// The Win32 error.
    pub code: Win32Error,
    /// Why, with the Win32 error code.
    pub reason: String,
}

/// How to open the device: read-write and synchronous unless told otherwise.
///
/// ```no_run
/// use rundown_client::OpenOptions;
/// let handle = OpenOptions::new().read_only(true).open(rundown_abi::WIN32_PATH)?;
/// # Ok::<(), rundown_client::OpenError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenOptions {
    read_only: bool,
    overlapped: bool,
}

impl OpenOptions {
    /// `GENERIC_READ | GENERIC_WRITE`, synchronous.
    ///
    /// ```
    /// assert_eq!(rundown_client::OpenOptions::new(), Default::default());
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        Self { read_only: false, overlapped: false }
    }

    /// `GENERIC_READ` alone (to test access checks): requests that need write access are then
    /// refused by the I/O manager with `STATUS_ACCESS_DENIED`.
    ///
    /// ```
    /// let options = rundown_client::OpenOptions::new().read_only(true);
    /// # drop(options);
    /// ```
    #[must_use]
    pub const fn read_only(mut self, read_only: bool) -> Self {
        self.read_only = read_only;
        self
    }

    /// `FILE_FLAG_OVERLAPPED`: each request is issued asynchronously with an event of its own,
    /// so several threads can have requests in the driver on one handle (the I/O manager
    /// serializes only synchronous handles), and [`Transport::begin`] leaves a pended request in
    /// flight.
    ///
    /// ```
    /// let options = rundown_client::OpenOptions::new().overlapped(true);
    /// # drop(options);
    /// ```
    #[must_use]
    pub const fn overlapped(mut self, overlapped: bool) -> Self {
        self.overlapped = overlapped;
        self
    }

    /// Opens `path` (`\\.\RundownShared`, say).
    ///
    /// ```no_run
    /// let handle = rundown_client::OpenOptions::new().open(rundown_abi::WIN32_PATH)?;
    /// # Ok::<(), rundown_client::OpenError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`OpenError`]; Win32 error 2 or 3 is reported as "the driver is not running".
    pub fn open(&self, path: &str) -> Result<Handle, OpenError> {
        Handle::open_with(path, *self)
    }
}

/// An open handle on the device; closed on drop (which ends the holds it has).
///
/// Synchronous by default: the I/O manager serializes the requests of a synchronous file
/// object. Opened overlapped ([`OpenOptions::overlapped`]), requests on it are issued
/// asynchronously, each with an event of its own, so several threads can have requests in the
/// driver at once and [`Transport::begin`] leaves a pended request in flight.
///
/// Threads may share one `Handle` (`&Handle` is a [`Transport`]): a kernel handle is usable
/// from any thread.
///
/// ```no_run
/// use rundown_client::{Device, Handle};
/// let mut device = Device::new(Handle::open(rundown_abi::WIN32_PATH)?);
/// println!("generation {}", device.query()?.generation);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Handle {
    handle: HANDLE,
    overlapped: bool,
}

// SAFETY: a HANDLE is a process-wide kernel handle, usable from any thread; `Handle` has no
// other state, and closing it needs `&mut self` or ownership.
unsafe impl Send for Handle {}
// SAFETY: as above; `request` takes `&self` and only passes the handle to the kernel.
unsafe impl Sync for Handle {}

impl Handle {
    /// Opens `path` read-write and synchronous (see [`OpenOptions`]).
    ///
    /// ```no_run
    /// let handle = rundown_client::Handle::open(rundown_abi::WIN32_PATH)?;
    /// # Ok::<(), rundown_client::OpenError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`OpenError`]; Win32 error 2 or 3 is reported as "the driver is not running".
    pub fn open(path: &str) -> Result<Self, OpenError> {
        Self::open_with(path, OpenOptions::new())
    }

    /// Opens `path` as `options` say.
    ///
    /// ```no_run
    /// use rundown_client::{Handle, OpenOptions};
    /// let handle = Handle::open_with(rundown_abi::WIN32_PATH, OpenOptions::new().overlapped(true))?;
    /// assert!(handle.is_overlapped());
    /// # Ok::<(), rundown_client::OpenError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`OpenError`]; Win32 error 2 or 3 is reported as "the driver is not running".
    pub fn open_with(path: &str, options: OpenOptions) -> Result<Self, OpenError> {
        let wide_path = nul_terminated(path);
        let access = if options.read_only { GENERIC_READ } else { GENERIC_READ | GENERIC_WRITE };
        let flags =
            if options.overlapped { FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OVERLAPPED } else { FILE_ATTRIBUTE_NORMAL };
        // SAFETY: `wide_path` is NUL-terminated and outlives the call; no security attributes
        // and no template file are passed.
        let handle = unsafe {
            CreateFileW(
                wide_path.as_ptr(),
                access,
                FILE_SHARE_READ | FILE_SHARE_WRITE,
                null(),
                OPEN_EXISTING,
                flags,
                null_mut(),
            )
        };
        if handle == INVALID_HANDLE_VALUE || handle.is_null() {
            let code = Win32Error::last();
            let reason = if code == win32::FILE_NOT_FOUND || code == win32::PATH_NOT_FOUND {
                format!("the driver is not running (Win32 error {})", code.0)
            } else {
                code.describe()
            };
            return Err(OpenError { path: path.to_owned(), code, reason });
        }
        Ok(Self { handle, overlapped: options.overlapped })
    }

    /// Whether the handle was opened with `FILE_FLAG_OVERLAPPED`.
    ///
    /// ```no_run
    /// assert!(!rundown_client::Handle::open(rundown_abi::WIN32_PATH)?.is_overlapped());
    /// # Ok::<(), rundown_client::OpenError>(())
    /// ```
    #[must_use]
    pub fn is_overlapped(&self) -> bool {
        self.overlapped
    }

    /// Sends `code` and waits for its completion (see [`Transport::control`]); callable from
    /// several threads at once.
    ///
    /// ```no_run
    /// let handle = rundown_client::Handle::open(rundown_abi::WIN32_PATH)?;
    /// let done = handle.request(rundown_abi::Ioctl::Query.code(), &[], 32)?;
    /// assert!(done.status.is_success());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A buffer over 4 GiB, the handle closed by [`Transport::close`], or no event for an
    /// overlapped request.
    pub fn request(&self, code: u32, input: &[u8], output_len: usize) -> io::Result<Completion> {
        if self.overlapped {
            let mut operation = Operation::issue(self.open_handle()?, code, input, output_len)?;
            return operation.wait_for(INFINITE).map(|done| done.expect("an INFINITE wait ends with the completion"));
        }
        self.synchronous(code, input, output_len)
    }

    fn open_handle(&self) -> io::Result<HANDLE> {
        if self.handle.is_null() {
            return Err(io::Error::other("the handle is closed"));
        }
        Ok(self.handle)
    }

    fn synchronous(&self, code: u32, input: &[u8], output_len: usize) -> io::Result<Completion> {
        let handle = self.open_handle()?;
        let (input_len, output_len_u32) = lengths(input, output_len)?;
        let mut output = vec![0u8; output_len];
        let input_ptr = if input.is_empty() { null() } else { input.as_ptr().cast() };
        let output_ptr = if output.is_empty() { null_mut() } else { output.as_mut_ptr().cast() };
        let mut io_status = IO_STATUS_BLOCK::default();
        // SAFETY: `handle` is an open file handle; the buffers are valid for the lengths
        // passed (or null with length 0) and, like `io_status`, outlive the request: the
        // handle is synchronous, so the call returns only once the request has completed
        // (and a STATUS_PENDING answer is waited for below before anything is dropped).
        let mut status = unsafe {
            NtDeviceIoControlFile(
                handle,
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
            // SAFETY: `handle` is an open handle; a file handle is signalled when its I/O
            // completes.
            unsafe { WaitForSingleObject(handle, INFINITE) };
            // SAFETY: the completed request wrote `Status`, the union's NTSTATUS member.
            status = unsafe { io_status.Anonymous.Status };
        }
        Ok(Completion { status: NtStatus::from_raw(status), information: io_status.Information, output })
    }
}

fn lengths(input: &[u8], output_len: usize) -> io::Result<(u32, u32)> {
    let too_long = |what| io::Error::new(io::ErrorKind::InvalidInput, format!("{what} buffer over 4 GiB"));
    let input_len = u32::try_from(input.len()).map_err(|_| too_long("input"))?;
    let output_len = u32::try_from(output_len).map_err(|_| too_long("output"))?;
    Ok((input_len, output_len))
}

/// What an asynchronous request writes to: boxed, so the addresses handed to the kernel stay put.
struct Buffers {
    io_status: IO_STATUS_BLOCK,
    input: Vec<u8>,
    output: Vec<u8>,
}

/// One request issued on an overlapped handle, with its own event.
struct Operation {
    /// The file handle it was issued on (for `CancelIoEx`).
    handle: HANDLE,
    event: HANDLE,
    /// `None` once the request has completed and its buffers were handed out.
    buffers: Option<Box<Buffers>>,
    /// The status `NtDeviceIoControlFile` returned, if not `STATUS_PENDING`.
    immediate: Option<i32>,
}

// SAFETY: the event is a kernel handle, usable from any thread; the buffers are owned.
unsafe impl Send for Operation {}

impl Operation {
    fn issue(handle: HANDLE, code: u32, input: &[u8], output_len: usize) -> io::Result<Self> {
        let (input_len, output_len_u32) = lengths(input, output_len)?;
        // SAFETY: no security attributes, no name; a manual-reset event, not signalled.
        let event = unsafe { CreateEventW(null(), 1, 0, null()) };
        if event.is_null() {
            return Err(io::Error::last_os_error());
        }
        let mut buffers = Box::new(Buffers {
            io_status: IO_STATUS_BLOCK::default(),
            input: input.to_vec(),
            output: vec![0; output_len],
        });
        let input_ptr = if buffers.input.is_empty() { null() } else { buffers.input.as_ptr().cast() };
        let output_ptr = if buffers.output.is_empty() { null_mut() } else { buffers.output.as_mut_ptr().cast() };
        // SAFETY: `handle` is an open file handle and `event` an event; the boxed buffers are
        // valid for the lengths passed and are neither freed nor moved until the request has
        // completed (`wait_for`; `Drop` leaks them if it has not).
        let status = unsafe {
            NtDeviceIoControlFile(
                handle,
                event,
                None,
                null(),
                &raw mut buffers.io_status,
                code,
                input_ptr,
                input_len,
                output_ptr,
                output_len_u32,
            )
        };
        let immediate = (status != STATUS_PENDING).then_some(status);
        Ok(Self { handle, event, buffers: Some(buffers), immediate })
    }

    /// Waits up to `milliseconds` (or `INFINITE`): the completion, or `None` if the request is
    /// still in flight.
    fn wait_for(&mut self, milliseconds: u32) -> io::Result<Option<Completion>> {
        let Some(buffers) = self.buffers.as_ref() else { return Ok(None) };
        let status = match self.immediate {
            Some(status) => status,
            None => {
                // SAFETY: `self.event` is an open event handle.
                match unsafe { WaitForSingleObject(self.event, milliseconds) } {
                    WAIT_OBJECT_0 => {}
                    WAIT_TIMEOUT => return Ok(None),
                    _ => return Err(io::Error::last_os_error()),
                }
                // SAFETY: the completed request wrote `Status`, the union's NTSTATUS member.
                unsafe { buffers.io_status.Anonymous.Status }
            }
        };
        let buffers = self.buffers.take().expect("checked above");
        let Buffers { io_status, output, .. } = *buffers;
        Ok(Some(Completion { status: NtStatus::from_raw(status), information: io_status.Information, output }))
    }
}

impl InFlight for Operation {
    fn wait(&mut self, timeout: Duration) -> io::Result<Option<Completion>> {
        let milliseconds = u32::try_from(timeout.as_millis()).unwrap_or(INFINITE - 1);
        self.wait_for(milliseconds)
    }

    fn cancel(&mut self) -> io::Result<()> {
        let Some(buffers) = self.buffers.as_ref() else {
            return Err(io::Error::other("the request has completed"));
        };
        // `CancelIoEx` identifies the request by its OVERLAPPED, which is the I/O status block
        // the request was issued with (OVERLAPPED starts with it, and CancelIoEx passes the
        // pointer to NtCancelIoFileEx as one).
        let request = (&raw const buffers.io_status).cast::<OVERLAPPED>();
        // SAFETY: `self.handle` was open when the request was issued (a closed one makes the
        // call fail); `request` only identifies the request and is not dereferenced as an
        // OVERLAPPED.
        if unsafe { CancelIoEx(self.handle, request) } == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

impl Drop for Operation {
    fn drop(&mut self) {
        if self.buffers.is_some() && self.wait_for(0).ok().flatten().is_none() {
            // Still in flight: the kernel may write to the buffers later, so they are never
            // freed.
            if let Some(buffers) = self.buffers.take() {
                Box::leak(buffers);
            }
        }
        // SAFETY: `self.event` is open and owned; the kernel keeps its own reference while a
        // request uses it.
        unsafe { CloseHandle(self.event) };
    }
}

impl Transport for Handle {
    fn control(&mut self, code: u32, input: &[u8], output_len: usize) -> io::Result<Completion> {
        self.request(code, input, output_len)
    }

    fn begin(&mut self, code: u32, input: &[u8], output_len: usize) -> io::Result<Box<dyn InFlight>> {
        if self.overlapped {
            return Ok(Box::new(Operation::issue(self.open_handle()?, code, input, output_len)?));
        }
        Ok(Box::new(Finished(Some(self.synchronous(code, input, output_len)?))))
    }

    fn close(&mut self) -> io::Result<()> {
        let handle = self.open_handle()?;
        self.handle = null_mut();
        // SAFETY: `handle` was open and owned by `self`; it is not used again.
        if unsafe { CloseHandle(handle) } == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

/// Threads sharing one handle: each holds a `&Handle`.
impl Transport for &Handle {
    fn control(&mut self, code: u32, input: &[u8], output_len: usize) -> io::Result<Completion> {
        self.request(code, input, output_len)
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        if !self.handle.is_null() {
            // SAFETY: `self.handle` is open and owned by `self`; it is not used again.
            unsafe { CloseHandle(self.handle) };
        }
    }
}

impl Device<Handle> {
    /// Opens the device at `path` read-write and synchronous.
    ///
    /// ```no_run
    /// let mut device = rundown_client::Device::open(rundown_abi::WIN32_PATH)?;
    /// device.acquire(1)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// See [`Handle::open`].
    pub fn open(path: &str) -> Result<Self, OpenError> {
        Handle::open(path).map(Self::new)
    }
}

/// `text` in UTF-16 with a terminating 0. (Command-line text cannot contain a NUL, so the
/// string is never cut short.)
pub(crate) fn nul_terminated(text: impl AsRef<OsStr>) -> Vec<u16> {
    text.as_ref().encode_wide().chain(std::iter::once(0)).collect()
}
