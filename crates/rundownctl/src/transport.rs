//! The one thing the device commands need from a device: send a control code, get back the
//! exact `NTSTATUS`, `IoStatus.Information` and output buffer.
//!
//! On Windows the implementation is `device::Device` (`NtDeviceIoControlFile`); the host's
//! unit tests use a fake.

use std::io;

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
