//! What every message is to the IOCTL tables and to typed calls: a size and a layout, and for
//! those that cross the user/kernel boundary as bytes, an encoding and a decoding.

use super::{Described, WireError, check_input_len};

/// A message's size on the wire. Every request's input and output is one (`()` for none); the
/// tables' size checks come from it. Every message is also [`Described`]: its C layout and the
/// meaning of each field.
///
/// ```
/// use rundown_abi::{Message, QueryReply, WriteRequest};
/// assert_eq!(<QueryReply as Message>::SIZE, 32);
/// assert_eq!((<WriteRequest as Message>::MIN_SIZE, <WriteRequest as Message>::SIZE), (4, 260));
/// assert_eq!(<() as Message>::SIZE, 0);
/// ```
pub trait Message: Sized + Described {
    /// Bytes on the wire; the most, for a variable-length message.
    const SIZE: usize;
    /// The fewest bytes on the wire: [`SIZE`](Self::SIZE) but for a variable-length message.
    const MIN_SIZE: usize = Self::SIZE;
}

/// A message a sender writes: its wire bytes.
///
/// ```
/// use rundown_abi::{AcquireRequest, Encode, WriteRequest};
/// assert_eq!(AcquireRequest { count: 1 }.encode().as_ref(), [1, 0, 0, 0]);
/// assert_eq!(WriteRequest::new(b"hi").unwrap().encode().as_ref(), b"\x02\0\0\0hi");
/// ```
pub trait Encode: Message {
    /// The bytes: an array, or a prefix of one for a variable-length message.
    type Bytes: AsRef<[u8]>;
    /// The little-endian wire form, exactly as long as what is sent.
    fn encode(&self) -> Self::Bytes;
}

/// A message a receiver parses.
///
/// ```
/// use rundown_abi::{Decode, HoldsReply, WireError};
/// assert_eq!(HoldsReply::decode(&[2, 0, 0, 0]), Ok(HoldsReply { handle_holds: 2 }));
/// assert!(matches!(HoldsReply::decode(&[2, 0]), Err(WireError::OutputTooSmall { .. })));
/// ```
pub trait Decode: Message {
    /// Parses the message (its `from_bytes`).
    ///
    /// # Errors
    ///
    /// A [`WireError`]: a length or a field the message does not allow.
    fn decode(bytes: &[u8]) -> Result<Self, WireError>;
}

/// No message: a request without input, or without output.
impl Message for () {
    const SIZE: usize = 0;
}

impl Encode for () {
    type Bytes = [u8; 0];

    fn encode(&self) -> [u8; 0] {
        []
    }
}

impl Decode for () {
    /// Empty bytes only.
    fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        check_input_len(0, bytes.len())
    }
}

/// The first `len` bytes of an `N`-byte array: a variable-length message's encoding.
///
/// ```
/// use rundown_abi::{Encode, WriteRequest};
/// let bytes = WriteRequest::new(b"abc").unwrap().encode();
/// assert_eq!(bytes.as_ref().len(), 7);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WireBytes<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> WireBytes<N> {
    /// The first `len` bytes of `bytes` (all of them if `len` is larger).
    #[must_use]
    pub const fn new(bytes: [u8; N], len: usize) -> Self {
        Self { bytes, len: if len < N { len } else { N } }
    }
}

impl<const N: usize> AsRef<[u8]> for WireBytes<N> {
    fn as_ref(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&self.bytes)
    }
}

/// [`Message`], [`Encode`] and [`Decode`] for fixed-size types with `SIZE`, `to_bytes` and
/// `from_bytes`, and a compile-time check that the wire size is the `#[repr(C)]` size.
macro_rules! fixed_message {
    ($($t:ty),+ $(,)?) => {$(
        const _: () = assert!(<$t>::SIZE == core::mem::size_of::<$t>());

        impl $crate::wire::Message for $t {
            const SIZE: usize = <$t>::SIZE;
        }

        impl $crate::wire::Encode for $t {
            type Bytes = [u8; <$t>::SIZE];

            fn encode(&self) -> Self::Bytes {
                self.to_bytes()
            }
        }

        impl $crate::wire::Decode for $t {
            fn decode(bytes: &[u8]) -> Result<Self, $crate::wire::WireError> {
                Self::from_bytes(bytes)
            }
        }
    )+};
}

pub(crate) use fixed_message;
