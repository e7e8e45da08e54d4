//! What a [`Device`](crate::Device) needs from a handle: send a control code, get back the exact
//! `NTSTATUS`, `IoStatus.Information` and output buffer.
//!
//! On Windows the transport is `Handle` (`NtDeviceIoControlFile`); on any host,
//! [`ServiceTransport`](crate::ServiceTransport) runs the driver's own request handling in this
//! process.

use std::io;
use std::time::Duration;

use rundown_abi::NtStatus;

/// What a device I/O control request came back with.
///
/// ```
/// use rundown_abi::NtStatus;
/// use rundown_client::Completion;
///
/// let done = Completion { status: NtStatus::SUCCESS, information: 2, output: vec![7, 8, 0] };
/// assert_eq!(done.returned(), Some(&[7, 8][..]));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// The final `NTSTATUS` (`IoStatus.Status`).
    pub status: NtStatus,
    /// `IoStatus.Information`: for `METHOD_BUFFERED`, the bytes the driver returned.
    pub information: usize,
    /// The whole output buffer as it was after the call (bytes past `information` are the
    /// zeros it started with).
    pub output: Vec<u8>,
}

impl Completion {
    /// A failure: `status`, no information, an output buffer of `output_len` zeros (what the I/O
    /// manager hands back for a failed `METHOD_BUFFERED` request).
    ///
    /// ```
    /// use rundown_abi::NtStatus;
    /// use rundown_client::Completion;
    ///
    /// let failed = Completion::failed(NtStatus::DEVICE_BUSY, 4);
    /// assert_eq!((failed.information, failed.output.len()), (0, 4));
    /// ```
    #[must_use]
    pub fn failed(status: NtStatus, output_len: usize) -> Self {
        Self { status, information: 0, output: vec![0; output_len] }
    }

    /// A success that returned `reply` at the start of an `output_len`-byte buffer (longer if
    /// `reply` is).
    ///
    /// ```
    /// use rundown_abi::NtStatus;
    /// use rundown_client::Completion;
    ///
    /// let done = Completion::succeeded(&[1, 2], 4);
    /// assert_eq!(done, Completion { status: NtStatus::SUCCESS, information: 2, output: vec![1, 2, 0, 0] });
    /// ```
    #[must_use]
    pub fn succeeded(reply: &[u8], output_len: usize) -> Self {
        let mut output = vec![0; output_len.max(reply.len())];
        output[..reply.len()].copy_from_slice(reply);
        Self { status: NtStatus::SUCCESS, information: reply.len(), output }
    }

    /// The output bytes the driver returned: the first `information` bytes, or `None` if
    /// `information` claims more than the buffer holds.
    ///
    /// ```
    /// use rundown_abi::NtStatus;
    /// use rundown_client::Completion;
    ///
    /// let bogus = Completion { status: NtStatus::SUCCESS, information: 9, output: vec![0; 4] };
    /// assert_eq!(bogus.returned(), None);
    /// ```
    #[must_use]
    pub fn returned(&self) -> Option<&[u8]> {
        self.output.get(..self.information)
    }
}

/// A handle on a device.
///
/// ```
/// use std::io;
/// use rundown_abi::NtStatus;
/// use rundown_client::{Completion, Device, Transport};
///
/// /// A device that refuses everything.
/// struct Refuses;
/// impl Transport for Refuses {
///     fn control(&mut self, _code: u32, _input: &[u8], output_len: usize) -> io::Result<Completion> {
///         Ok(Completion::failed(NtStatus::INVALID_DEVICE_REQUEST, output_len))
///     }
/// }
/// let err = Device::new(Refuses).query().unwrap_err();
/// assert_eq!(err.status(), Some(NtStatus::INVALID_DEVICE_REQUEST));
/// ```
pub trait Transport {
    /// Sends `code` with `input` and an output buffer of `output_len` zero bytes, and waits for
    /// the request to complete (a pended request blocks the caller).
    ///
    /// # Errors
    ///
    /// Only if the request could not be issued at all (a buffer longer than `u32::MAX`, a
    /// closed handle); every answer of the driver, failures included, is a [`Completion`].
    fn control(&mut self, code: u32, input: &[u8], output_len: usize) -> io::Result<Completion>;

    /// Issues `code` without waiting for it to complete. On an overlapped handle a request the
    /// driver pends stays in flight, and [`InFlight::wait`] collects it later. The default (a
    /// synchronous transport) sends it with [`Transport::control`] and hands back the finished
    /// completion.
    ///
    /// ```
    /// use std::time::Duration;
    /// use rundown_abi::Ioctl;
    /// use rundown_client::{LocalDriver, Transport};
    ///
    /// let mut handle = LocalDriver::new().open();
    /// let mut request = handle.begin(Ioctl::Query.code(), &[], 32).unwrap();
    /// let done = request.wait(Duration::ZERO).unwrap().expect("a synchronous transport has finished");
    /// assert!(done.status.is_success());
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Transport::control`].
    fn begin(&mut self, code: u32, input: &[u8], output_len: usize) -> io::Result<Box<dyn InFlight>> {
        Ok(Box::new(Finished(Some(self.control(code, input, output_len)?))))
    }

    /// Closes the handle (CLEANUP, then CLOSE once nothing references the file object) while
    /// requests begun on it may still be in flight; every later request fails.
    ///
    /// ```
    /// use rundown_client::{Device, LocalDriver, Transport};
    ///
    /// let mut device = Device::new(LocalDriver::new().open());
    /// device.acquire(1).unwrap();
    /// device.transport_mut().close().unwrap();
    /// assert!(device.query().is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// The default: this transport cannot close early ([`io::ErrorKind::Unsupported`]).
    fn close(&mut self) -> io::Result<()> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "this handle cannot be closed early"))
    }
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn control(&mut self, code: u32, input: &[u8], output_len: usize) -> io::Result<Completion> {
        (**self).control(code, input, output_len)
    }

    fn begin(&mut self, code: u32, input: &[u8], output_len: usize) -> io::Result<Box<dyn InFlight>> {
        (**self).begin(code, input, output_len)
    }

    fn close(&mut self) -> io::Result<()> {
        (**self).close()
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn control(&mut self, code: u32, input: &[u8], output_len: usize) -> io::Result<Completion> {
        (**self).control(code, input, output_len)
    }

    fn begin(&mut self, code: u32, input: &[u8], output_len: usize) -> io::Result<Box<dyn InFlight>> {
        (**self).begin(code, input, output_len)
    }

    fn close(&mut self) -> io::Result<()> {
        (**self).close()
    }
}

/// A request issued with [`Transport::begin`].
///
/// ```
/// use std::time::Duration;
/// use rundown_abi::NtStatus;
/// use rundown_client::{Completion, Finished, InFlight};
///
/// let mut request = Finished(Some(Completion::failed(NtStatus::CANCELLED, 0)));
/// assert!(request.cancel().is_err(), "it completed when it was issued");
/// assert_eq!(request.wait(Duration::ZERO).unwrap().unwrap().status, NtStatus::CANCELLED);
/// assert_eq!(request.wait(Duration::ZERO).unwrap(), None);
/// ```
pub trait InFlight: Send {
    /// Its completion, once it has one: `Ok(None)` if it is still in flight after `timeout`
    /// (ask again later). After `Some`, the request is done and further calls return `None`.
    ///
    /// # Errors
    ///
    /// Waiting failed.
    fn wait(&mut self, timeout: Duration) -> io::Result<Option<Completion>>;

    /// Asks the system to cancel the request (`CancelIoEx` on it): the driver's cancel routine
    /// runs if the request is pended with one; [`InFlight::wait`] then collects the completion.
    ///
    /// # Errors
    ///
    /// The default: the request completed when it was issued ([`io::ErrorKind::Unsupported`]);
    /// on a handle, `CancelIoEx`'s error (Win32 1168 when nothing was left to cancel).
    fn cancel(&mut self) -> io::Result<()> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "the request completed when it was issued"))
    }
}

/// A request that completed when it was issued.
///
/// ```
/// use std::time::Duration;
/// use rundown_abi::NtStatus;
/// use rundown_client::{Completion, Finished, InFlight};
///
/// let mut done = Finished(Some(Completion::succeeded(&[], 0)));
/// assert!(done.wait(Duration::ZERO).unwrap().is_some());
/// ```
#[derive(Debug)]
pub struct Finished(pub Option<Completion>);

impl InFlight for Finished {
    fn wait(&mut self, _timeout: Duration) -> io::Result<Option<Completion>> {
        Ok(self.0.take())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returned_bytes() {
        let c = Completion { status: NtStatus::SUCCESS, information: 2, output: vec![1, 2, 0] };
        assert_eq!(c.returned(), Some(&[1, 2][..]));
        let bogus = Completion { information: 4, ..c };
        assert_eq!(bogus.returned(), None);
    }
}
