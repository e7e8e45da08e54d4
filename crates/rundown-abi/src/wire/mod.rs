//! The messages of each request: fixed-size, little-endian, `#[repr(C)]`.
//!
//! Each type's wire form is its `#[repr(C)]` layout on a little-endian machine, tail padding
//! included (written as zero, ignored when read), so `SIZE == size_of::<T>()` and a C client
//! with the same struct agrees. Encoding and decoding go field by field through
//! `to_le_bytes`/`from_le_bytes`; nothing is transmuted.
//!
//! Lengths are exact. An input of another length is `STATUS_INFO_LENGTH_MISMATCH`
//! ([`WireError::InputLength`]); an output buffer shorter than the reply is
//! `STATUS_BUFFER_TOO_SMALL` ([`WireError::OutputTooSmall`]) and a longer one is
//! `STATUS_INFO_LENGTH_MISMATCH` ([`WireError::OutputTooLarge`]). WRITE alone has a variable
//! input: a 4-byte length, then exactly that many payload bytes, at most [`MAX_PAYLOAD`].
//! A field out of range (a count of 0, a length over [`MAX_PAYLOAD`], an unknown state) is
//! `STATUS_INVALID_PARAMETER`.
//!
//! Every message is a [`Message`] (its size, which the IOCTL tables take their checks from) and
//! [`Described`] (its C struct and the meaning of each field, declared beside it with
//! `describe!`: see [`Layout`]); those that cross between user and kernel mode as bytes are also
//! [`Encode`] and [`Decode`].

mod codec;
mod describe;
mod error;
mod layout;
mod message;

pub(crate) use codec::{Reader, Writer};
pub(crate) use describe::{describe, field_kind, field_size};
pub use error::WireError;
pub use layout::{CHeader, Described, Field, Kind, Layout, Meaning, NamedValue, NamedValues};
pub(crate) use message::fixed_message;
pub use message::{Decode, Encode, Message, WireBytes};

/// `mod file; pub use file::*;` for each message file: its public items at `wire::` and, through
/// the crate root's glob, at the root.
macro_rules! message_files {
    ($($file:ident),+ $(,)?) => {$(
        mod $file;
        pub use $file::*;
    )+};
}

// A message added to one of these files needs no line here; a new file, one line.
message_files! {
    holds,
    payload,
    query,
    rotate,
    stats,
    version,
}

/// The largest payload the shared object holds, in bytes.
///
/// ```
/// assert_eq!(rundown_abi::MAX_PAYLOAD, 256);
/// ```
pub const MAX_PAYLOAD: usize = 256;

/// [`MAX_PAYLOAD`] as the type of the wire's length fields.
#[allow(clippy::cast_possible_truncation)]
pub(crate) const MAX_PAYLOAD_U32: u32 = MAX_PAYLOAD as u32;

/// Checks an input buffer's length against a request's exact size.
///
/// # Errors
///
/// [`WireError::InputLength`] if `actual != expected`.
///
/// ```
/// use rundown_abi::wire::check_input_len;
/// assert!(check_input_len(0, 0).is_ok());
/// assert!(check_input_len(0, 1).is_err());
/// ```
pub const fn check_input_len(expected: usize, actual: usize) -> Result<(), WireError> {
    if actual == expected { Ok(()) } else { Err(WireError::InputLength { expected, actual }) }
}

/// Checks an output buffer's length against a reply's exact size.
///
/// # Errors
///
/// [`WireError::OutputTooSmall`] if shorter, [`WireError::OutputTooLarge`] if longer.
///
/// ```
/// use rundown_abi::{wire::check_output_len, WireError};
/// assert!(check_output_len(8, 8).is_ok());
/// assert_eq!(check_output_len(8, 9), Err(WireError::OutputTooLarge { expected: 8, actual: 9 }));
/// ```
pub const fn check_output_len(expected: usize, actual: usize) -> Result<(), WireError> {
    if actual < expected {
        Err(WireError::OutputTooSmall { expected, actual })
    } else if actual > expected {
        Err(WireError::OutputTooLarge { expected, actual })
    } else {
        Ok(())
    }
}
