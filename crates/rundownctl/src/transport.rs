//! The one thing the device commands need from a device: send a control code, get back the
//! exact `NTSTATUS`, `IoStatus.Information` and output buffer.
//!
//! On Windows the implementation is `device::Device` (`NtDeviceIoControlFile`); the host's
//! unit tests use a fake.

use std::io;
use std::time::Duration;

use rundown_abi::NtStatus;

/// What a device I/O control request came back with.
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
    /// The output bytes the driver returned: the first `information` bytes, or `None` if
    /// `information` claims more than the buffer holds.
    #[must_use]
    pub fn returned(&self) -> Option<&[u8]> {
        self.output.get(..self.information)
    }
}

/// A handle on the device.
pub trait Transport {
    /// Sends `code` with `input` and an output buffer of `output_len` zero bytes, and waits for
    /// the request to complete (a pended request blocks the caller).
    ///
    /// # Errors
    ///
    /// Only if the request could not be issued at all (a buffer longer than `u32::MAX`); every
    /// answer of the driver, failures included, is a [`Completion`].
    fn control(&mut self, code: u32, input: &[u8], output_len: usize) -> io::Result<Completion>;

    /// Issues `code` without waiting for it to complete: the session's `begin`. On an
    /// overlapped handle a request the driver pends stays in flight, and [`InFlight::wait`]
    /// collects it later. The default (a synchronous handle, the host's fake) sends it with
    /// [`Transport::control`] and hands back the finished completion.
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
    /// # Errors
    ///
    /// The default: this transport cannot close early ([`io::ErrorKind::Unsupported`]).
    fn close(&mut self) -> io::Result<()> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "this handle cannot be closed early"))
    }
}

/// A request issued with [`Transport::begin`].
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
    /// on a device, `CancelIoEx`'s error (Win32 1168 when nothing was left to cancel).
    fn cancel(&mut self) -> io::Result<()> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "the request completed when it was issued"))
    }
}

/// A request that completed when it was issued.
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
