//! ACQUIRE's and RELEASE's requests and their common reply.

use super::codec::Reader;
use super::{WireError, check_input_len, check_output_len};

/// Parses a 4-byte count request.
fn count_from_bytes(bytes: &[u8]) -> Result<u32, WireError> {
    check_input_len(4, bytes.len())?;
    match Reader::new(bytes).u32() {
        0 => Err(WireError::ZeroCount),
        count => Ok(count),
    }
}

/// ACQUIRE's input: how many protections to take for the calling handle.
///
/// ```
/// use rundown_abi::{AcquireRequest, WireError};
/// let req = AcquireRequest { count: 2 };
/// assert_eq!(AcquireRequest::from_bytes(&req.to_bytes()), Ok(req));
/// assert_eq!(AcquireRequest::from_bytes(&[0; 4]), Err(WireError::ZeroCount));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct AcquireRequest {
    /// At least 1.
    pub count: u32,
}

impl AcquireRequest {
    /// Bytes on the wire.
    pub const SIZE: usize = 4;

    /// The little-endian wire form.
    ///
    /// ```
    /// assert_eq!(rundown_abi::AcquireRequest { count: 1 }.to_bytes(), [1, 0, 0, 0]);
    /// ```
    #[must_use]
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        self.count.to_le_bytes()
    }

    /// Parses the request.
    ///
    /// # Errors
    ///
    /// [`WireError::InputLength`] if `bytes` is not [`Self::SIZE`] long;
    /// [`WireError::ZeroCount`] for a count of 0.
    ///
    /// ```
    /// use rundown_abi::AcquireRequest;
    /// assert!(AcquireRequest::from_bytes(&[1, 0, 0, 0, 0]).is_err());
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        count_from_bytes(bytes).map(|count| Self { count })
    }
}

/// RELEASE's input: how many of the calling handle's protections to give back.
///
/// ```
/// use rundown_abi::ReleaseRequest;
/// let req = ReleaseRequest { count: 1 };
/// assert_eq!(ReleaseRequest::from_bytes(&req.to_bytes()), Ok(req));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct ReleaseRequest {
    /// At least 1, and at most what the handle holds.
    pub count: u32,
}

impl ReleaseRequest {
    /// Bytes on the wire.
    pub const SIZE: usize = 4;

    /// The little-endian wire form.
    ///
    /// ```
    /// assert_eq!(rundown_abi::ReleaseRequest { count: 258 }.to_bytes(), [2, 1, 0, 0]);
    /// ```
    #[must_use]
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        self.count.to_le_bytes()
    }

    /// Parses the request.
    ///
    /// # Errors
    ///
    /// [`WireError::InputLength`] if `bytes` is not [`Self::SIZE`] long;
    /// [`WireError::ZeroCount`] for a count of 0.
    ///
    /// ```
    /// use rundown_abi::{ReleaseRequest, WireError};
    /// assert_eq!(ReleaseRequest::from_bytes(&[]), Err(WireError::InputLength { expected: 4, actual: 0 }));
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        count_from_bytes(bytes).map(|count| Self { count })
    }
}

/// ACQUIRE's and RELEASE's output: what the calling handle holds afterwards.
///
/// ```
/// use rundown_abi::HoldsReply;
/// let reply = HoldsReply { handle_holds: 3 };
/// assert_eq!(HoldsReply::from_bytes(&reply.to_bytes()), Ok(reply));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct HoldsReply {
    /// Protections the calling handle holds after the request.
    pub handle_holds: u32,
}

impl HoldsReply {
    /// Bytes on the wire.
    pub const SIZE: usize = 4;

    /// The little-endian wire form.
    ///
    /// ```
    /// assert_eq!(rundown_abi::HoldsReply { handle_holds: 1 }.to_bytes(), [1, 0, 0, 0]);
    /// ```
    #[must_use]
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        self.handle_holds.to_le_bytes()
    }

    /// Parses the reply.
    ///
    /// # Errors
    ///
    /// [`WireError::OutputTooSmall`]/[`WireError::OutputTooLarge`] if `bytes` is not
    /// [`Self::SIZE`] long.
    ///
    /// ```
    /// use rundown_abi::HoldsReply;
    /// assert!(HoldsReply::from_bytes(&[0; 8]).is_err());
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        check_output_len(Self::SIZE, bytes.len())?;
        Ok(Self { handle_holds: Reader::new(bytes).u32() })
    }
}
