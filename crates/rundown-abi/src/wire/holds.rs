//! ACQUIRE's and RELEASE's requests (one type each, the same wire form) and their reply (shared by both).

use super::codec::Reader;
use super::{WireError, check_input_len, check_output_len};

/// ACQUIRE's and RELEASE's inputs: a count of protections, for the calling handle. Two types
/// with the same wire form, so that each request's message has its own C struct and meaning.
macro_rules! count_request {
    ($(#[$meta:meta])* $Request:ident, $example:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(C)]
        pub struct $Request {
            /// At least 1 (for RELEASE, also at most what the handle holds).
            pub count: u32,
        }

        impl $Request {
            /// Bytes on the wire.
            pub const SIZE: usize = 4;

            /// The little-endian wire form.
            ///
            #[doc = concat!("```\nassert_eq!(rundown_abi::", stringify!($Request), " { count: 258 }.to_bytes(), [2, 1, 0, 0]);\n```")]
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
            #[doc = $example]
            pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
                check_input_len(Self::SIZE, bytes.len())?;
                match Reader::new(bytes).u32() {
                    0 => Err(WireError::ZeroCount),
                    count => Ok(Self { count }),
                }
            }
        }
    };
}

count_request!(
    /// ACQUIRE's input: how many protections to take for the calling handle.
    ///
    /// ```
    /// use rundown_abi::AcquireRequest;
    /// let req = AcquireRequest { count: 2 };
    /// assert_eq!(AcquireRequest::from_bytes(&req.to_bytes()), Ok(req));
    /// ```
    AcquireRequest,
    "```\nuse rundown_abi::{AcquireRequest, WireError};\nassert_eq!(AcquireRequest::from_bytes(&[0; 4]), Err(WireError::ZeroCount));\n```"
);

count_request!(
    /// RELEASE's input: how many of the calling handle's protections to give back.
    ///
    /// ```
    /// use rundown_abi::{ReleaseRequest, WireError};
    /// assert_eq!(ReleaseRequest::from_bytes(&[0; 4]), Err(WireError::ZeroCount));
    /// ```
    ReleaseRequest,
    "```\nuse rundown_abi::{ReleaseRequest, WireError};\nassert_eq!(ReleaseRequest::from_bytes(&[]), Err(WireError::InputLength { expected: 4, actual: 0 }));\nassert!(ReleaseRequest::from_bytes(&[1, 0, 0, 0, 0]).is_err());\n```"
);

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

super::fixed_message!(AcquireRequest, ReleaseRequest, HoldsReply);

super::describe! {
    AcquireRequest => RUNDOWN_ACQUIRE_REQUEST in Ioctl {
        count => Count: "How many protections to take for the calling handle: at least 1.",
    }
}

super::describe! {
    ReleaseRequest => RUNDOWN_RELEASE_REQUEST in Ioctl {
        count => Count: "How many of the calling handle's protections to give back: at least 1.",
    }
}

super::describe! {
    HoldsReply => RUNDOWN_HOLDS_REPLY in Ioctl {
        handle_holds => HandleHolds: "Protections the calling handle holds after the request.",
    }
}
