//! Each request's buffer sizes, for the driver's checks before it touches a buffer.

use crate::interface::{GetInterfaceRequest, RundownInterface};
use crate::ioctl::Ioctl;
use crate::wire::{
    AcquireRequest, HoldsReply, QueryReply, ReadReply, ReleaseRequest, RotateReply, StatsReply, WireError, WriteReply,
    WriteRequest, check_input_len, check_output_len,
};

impl Ioctl {
    /// The exact input length, or `None` for WRITE, whose input is
    /// [`WriteRequest::HEADER_SIZE`] plus its payload length.
    ///
    ///
    /// ```
    /// use rundown_abi::{AcquireRequest, Ioctl};
    /// assert_eq!(Ioctl::Query.input_size(), Some(0));
    /// assert_eq!(Ioctl::Acquire.input_size(), Some(AcquireRequest::SIZE));
    /// assert_eq!(Ioctl::Write.input_size(), None);
    /// ```
    #[must_use]
    pub const fn input_size(self) -> Option<usize> {
        match self {
            Self::Query | Self::Read | Self::Rotate | Self::Stats => Some(0),
            Self::GetInterface => Some(GetInterfaceRequest::SIZE),
            Self::Acquire => Some(AcquireRequest::SIZE),
            Self::Release => Some(ReleaseRequest::SIZE),
            Self::Write => None,
        }
    }

    /// The exact output length: the size of the request's reply.
    ///
    /// ```
    /// use rundown_abi::{Ioctl, ReadReply};
    /// assert_eq!(Ioctl::Read.output_size(), ReadReply::SIZE);
    /// ```
    #[must_use]
    pub const fn output_size(self) -> usize {
        match self {
            Self::Query => QueryReply::SIZE,
            Self::Acquire | Self::Release => HoldsReply::SIZE,
            Self::Read => ReadReply::SIZE,
            Self::Write => WriteReply::SIZE,
            Self::Rotate => RotateReply::SIZE,
            Self::Stats => StatsReply::SIZE,
            Self::GetInterface => RundownInterface::SIZE,
        }
    }

    /// Checks the input buffer's length: exact for every request but WRITE, whose input must
    /// lie within `HEADER_SIZE..=SIZE` here ([`WriteRequest::from_bytes`] then checks it against
    /// the length field).
    ///
    /// # Errors
    ///
    /// [`WireError::InputLength`] (`STATUS_INFO_LENGTH_MISMATCH`).
    ///
    /// ```
    /// use rundown_abi::{Ioctl, WireError};
    /// assert_eq!(Ioctl::Stats.check_input_len(1), Err(WireError::InputLength { expected: 0, actual: 1 }));
    /// assert!(Ioctl::Write.check_input_len(4).is_ok());
    /// ```
    pub const fn check_input_len(self, actual: usize) -> Result<(), WireError> {
        match self.input_size() {
            Some(expected) => check_input_len(expected, actual),
            None if actual < WriteRequest::HEADER_SIZE => {
                Err(WireError::InputLength { expected: WriteRequest::HEADER_SIZE, actual })
            }
            None if actual > WriteRequest::SIZE => Err(WireError::InputLength { expected: WriteRequest::SIZE, actual }),
            None => Ok(()),
        }
    }

    /// Checks the output buffer's length against [`Ioctl::output_size`].
    ///
    /// # Errors
    ///
    /// [`WireError::OutputTooSmall`] (`STATUS_BUFFER_TOO_SMALL`) or
    /// [`WireError::OutputTooLarge`] (`STATUS_INFO_LENGTH_MISMATCH`).
    ///
    /// ```
    /// use rundown_abi::{Ioctl, NtStatus};
    /// assert_eq!(Ioctl::Query.check_output_len(16).unwrap_err().status(), NtStatus::BUFFER_TOO_SMALL);
    /// ```
    pub const fn check_output_len(self, actual: usize) -> Result<(), WireError> {
        check_output_len(self.output_size(), actual)
    }
}
