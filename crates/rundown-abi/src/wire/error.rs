//! Why a buffer is not a valid message, and the status each reason answers.

use core::fmt;

use super::MAX_PAYLOAD;
use crate::status::NtStatus;

/// Why a buffer is not a valid message.
///
/// Each variant answers one status ([`WireError::status`]):
///
/// | variant | status |
/// |---|---|
/// | `InputLength` | `STATUS_INFO_LENGTH_MISMATCH` |
/// | `OutputTooSmall` | `STATUS_BUFFER_TOO_SMALL` |
/// | `OutputTooLarge` | `STATUS_INFO_LENGTH_MISMATCH` |
/// | `PayloadLengthMismatch` | `STATUS_INFO_LENGTH_MISMATCH` |
/// | `ZeroCount` | `STATUS_INVALID_PARAMETER` |
/// | `PayloadTooLong` | `STATUS_INVALID_PARAMETER` |
/// | `BadState` | `STATUS_INVALID_PARAMETER` |
///
/// ```
/// use rundown_abi::{AcquireRequest, NtStatus, WireError};
/// let err = AcquireRequest::from_bytes(&[1, 0, 0]).unwrap_err();
/// assert_eq!(err, WireError::InputLength { expected: 4, actual: 3 });
/// assert_eq!(err.status(), NtStatus::INFO_LENGTH_MISMATCH);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WireError {
    /// An input buffer whose length is not the request's.
    InputLength {
        /// The length the request needs.
        expected: usize,
        /// The buffer's length.
        actual: usize,
    },
    /// An output buffer shorter than the reply.
    OutputTooSmall {
        /// The reply's length.
        expected: usize,
        /// The buffer's length.
        actual: usize,
    },
    /// An output buffer longer than the reply.
    OutputTooLarge {
        /// The reply's length.
        expected: usize,
        /// The buffer's length.
        actual: usize,
    },
    /// A WRITE whose length field differs from the number of payload bytes that follow it.
    PayloadLengthMismatch {
        /// The length field.
        declared: u32,
        /// The bytes after the length field.
        actual: usize,
    },
    /// A count of 0 in ACQUIRE or RELEASE.
    ZeroCount,
    /// A payload length over [`MAX_PAYLOAD`].
    PayloadTooLong {
        /// The length field.
        len: u32,
    },
    /// A QUERY reply whose state is not an [`ObjectState`](super::ObjectState).
    BadState {
        /// The state field.
        state: u32,
    },
}

impl WireError {
    /// The status the driver answers for this error (see the table on [`WireError`]).
    ///
    /// ```
    /// use rundown_abi::{NtStatus, WireError};
    /// assert_eq!(WireError::ZeroCount.status(), NtStatus::INVALID_PARAMETER);
    /// assert_eq!(WireError::OutputTooSmall { expected: 8, actual: 4 }.status(), NtStatus::BUFFER_TOO_SMALL);
    /// ```
    #[must_use]
    pub const fn status(self) -> NtStatus {
        match self {
            Self::InputLength { .. } | Self::OutputTooLarge { .. } | Self::PayloadLengthMismatch { .. } => {
                NtStatus::INFO_LENGTH_MISMATCH
            }
            Self::OutputTooSmall { .. } => NtStatus::BUFFER_TOO_SMALL,
            Self::ZeroCount | Self::PayloadTooLong { .. } | Self::BadState { .. } => NtStatus::INVALID_PARAMETER,
        }
    }
}

impl From<WireError> for NtStatus {
    fn from(err: WireError) -> Self {
        err.status()
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::InputLength { expected, actual } => {
                write!(f, "input is {actual} bytes; the request needs exactly {expected}")
            }
            Self::OutputTooSmall { expected, actual } => {
                write!(f, "output buffer is {actual} bytes; the reply needs {expected}")
            }
            Self::OutputTooLarge { expected, actual } => {
                write!(f, "output buffer is {actual} bytes; the reply is exactly {expected}")
            }
            Self::PayloadLengthMismatch { declared, actual } => {
                write!(f, "length field says {declared} bytes but {actual} follow")
            }
            Self::ZeroCount => f.write_str("count must be at least 1"),
            Self::PayloadTooLong { len } => write!(f, "payload length {len} exceeds {MAX_PAYLOAD}"),
            Self::BadState { state } => write!(f, "unknown object state {state}"),
        }
    }
}

impl core::error::Error for WireError {}
