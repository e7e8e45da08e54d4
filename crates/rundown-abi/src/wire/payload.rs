//! READ's reply and WRITE's request and reply: the payload messages.

use super::codec::{Reader, Writer};
use super::{MAX_PAYLOAD, MAX_PAYLOAD_U32, WireError, check_output_len};

/// READ's output: the payload and the identity it was read from, all under one protection.
///
/// ```
/// use rundown_abi::ReadReply;
/// let mut payload = [0; 256];
/// payload[..2].copy_from_slice(b"hi");
/// let reply = ReadReply { generation: 1, version: 2, len: 2, payload };
/// assert_eq!(ReadReply::from_bytes(&reply.to_bytes()), Ok(reply));
/// assert_eq!(reply.data(), b"hi");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct ReadReply {
    /// The generation read.
    pub generation: u64,
    /// The version read.
    pub version: u64,
    /// Valid bytes at the start of `payload` (at most [`MAX_PAYLOAD`]).
    pub len: u32,
    /// The payload; bytes past `len` are zero.
    pub payload: [u8; MAX_PAYLOAD],
}

impl ReadReply {
    /// Bytes on the wire: 276 bytes of fields and 4 of tail padding.
    pub const SIZE: usize = 280;

    /// The little-endian wire form.
    ///
    /// ```
    /// use rundown_abi::ReadReply;
    /// let r = ReadReply { generation: 0, version: 0, len: 0, payload: [0; 256] };
    /// assert_eq!(r.to_bytes(), [0; ReadReply::SIZE]);
    /// ```
    #[must_use]
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        Writer::new().u64(self.generation).u64(self.version).u32(self.len).bytes(&self.payload).finish()
    }

    /// Parses the reply.
    ///
    /// # Errors
    ///
    /// [`WireError::OutputTooSmall`]/[`WireError::OutputTooLarge`] if `bytes` is not
    /// [`Self::SIZE`] long; [`WireError::PayloadTooLong`] if `len` exceeds [`MAX_PAYLOAD`].
    ///
    /// ```
    /// use rundown_abi::{ReadReply, WireError};
    /// let mut bytes = [0; ReadReply::SIZE];
    /// bytes[16] = 1;
    /// bytes[17] = 1; // len = 257
    /// assert_eq!(ReadReply::from_bytes(&bytes), Err(WireError::PayloadTooLong { len: 257 }));
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        check_output_len(Self::SIZE, bytes.len())?;
        let mut r = Reader::new(bytes);
        let reply = Self { generation: r.u64(), version: r.u64(), len: r.u32(), payload: r.array() };
        if reply.len > MAX_PAYLOAD_U32 {
            return Err(WireError::PayloadTooLong { len: reply.len });
        }
        Ok(reply)
    }

    /// The valid payload bytes (all of `payload` if `len` is out of range).
    ///
    /// ```
    /// use rundown_abi::ReadReply;
    /// let r = ReadReply { generation: 0, version: 0, len: 1, payload: [7; 256] };
    /// assert_eq!(r.data(), [7]);
    /// ```
    #[must_use]
    pub fn data(&self) -> &[u8] {
        self.payload.get(..self.len as usize).unwrap_or(&self.payload)
    }
}

/// WRITE's input: the new payload.
///
/// The only variable-length input: on the wire it is the 4-byte length followed by exactly
/// `len` payload bytes ([`WriteRequest::wire_len`] bytes in all), so an empty write is 4 bytes
/// and a full one [`WriteRequest::SIZE`].
///
/// ```
/// use rundown_abi::WriteRequest;
/// let req = WriteRequest::new(b"hello").unwrap();
/// let bytes = req.to_bytes();
/// let wire = &bytes[..req.wire_len()];
/// assert_eq!(wire, b"\x05\0\0\0hello");
/// assert_eq!(WriteRequest::from_bytes(wire), Ok(req));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct WriteRequest {
    /// Valid bytes at the start of `payload` (at most [`MAX_PAYLOAD`]).
    pub len: u32,
    /// The payload; bytes past `len` are not sent and are zero when parsed.
    pub payload: [u8; MAX_PAYLOAD],
}

impl WriteRequest {
    /// Bytes of the length field that precedes the payload.
    pub const HEADER_SIZE: usize = 4;
    /// Bytes on the wire of a full ([`MAX_PAYLOAD`]) write; the largest WRITE input.
    pub const SIZE: usize = Self::HEADER_SIZE + MAX_PAYLOAD;

    /// A request carrying `data`.
    ///
    /// # Errors
    ///
    /// [`WireError::PayloadTooLong`] if `data` is longer than [`MAX_PAYLOAD`].
    ///
    /// ```
    /// use rundown_abi::WriteRequest;
    /// assert!(WriteRequest::new(&[0; 257]).is_err());
    /// assert_eq!(WriteRequest::new(&[]).unwrap().len, 0);
    /// ```
    pub fn new(data: &[u8]) -> Result<Self, WireError> {
        let mut payload = [0; MAX_PAYLOAD];
        match payload.get_mut(..data.len()) {
            Some(head) => head.copy_from_slice(data),
            None => return Err(WireError::PayloadTooLong { len: u32::try_from(data.len()).unwrap_or(u32::MAX) }),
        }
        #[allow(clippy::cast_possible_truncation)] // at most MAX_PAYLOAD
        let len = data.len() as u32;
        Ok(Self { len, payload })
    }

    /// The valid payload bytes (all of `payload` if `len` is out of range).
    ///
    /// ```
    /// assert_eq!(rundown_abi::WriteRequest::new(b"ab").unwrap().data(), b"ab");
    /// ```
    #[must_use]
    pub fn data(&self) -> &[u8] {
        self.payload.get(..self.len as usize).unwrap_or(&self.payload)
    }

    /// How many bytes of [`to_bytes`](Self::to_bytes) to send: `HEADER_SIZE + len`.
    ///
    /// ```
    /// assert_eq!(rundown_abi::WriteRequest::new(b"abc").unwrap().wire_len(), 7);
    /// ```
    #[must_use]
    pub fn wire_len(&self) -> usize {
        Self::HEADER_SIZE + self.data().len()
    }

    /// The length field and the whole payload array; send the first
    /// [`wire_len`](Self::wire_len) bytes.
    ///
    /// ```
    /// let req = rundown_abi::WriteRequest::new(b"x").unwrap();
    /// assert_eq!(&req.to_bytes()[..req.wire_len()], b"\x01\0\0\0x");
    /// ```
    #[must_use]
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        Writer::new().u32(self.len).bytes(&self.payload).finish()
    }

    /// Parses the request.
    ///
    /// # Errors
    ///
    /// [`WireError::InputLength`] if `bytes` is shorter than the length field or longer than
    /// [`Self::SIZE`]; [`WireError::PayloadTooLong`] if the length field exceeds
    /// [`MAX_PAYLOAD`]; [`WireError::PayloadLengthMismatch`] if a different number of bytes
    /// follows it.
    ///
    /// ```
    /// use rundown_abi::{WireError, WriteRequest};
    /// assert_eq!(
    ///     WriteRequest::from_bytes(b"\x03\0\0\0ab"),
    ///     Err(WireError::PayloadLengthMismatch { declared: 3, actual: 2 })
    /// );
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        if bytes.len() < Self::HEADER_SIZE {
            return Err(WireError::InputLength { expected: Self::HEADER_SIZE, actual: bytes.len() });
        }
        if bytes.len() > Self::SIZE {
            return Err(WireError::InputLength { expected: Self::SIZE, actual: bytes.len() });
        }
        let (head, data) = bytes.split_at(Self::HEADER_SIZE);
        let len = Reader::new(head).u32();
        if len > MAX_PAYLOAD_U32 {
            return Err(WireError::PayloadTooLong { len });
        }
        if len as usize != data.len() {
            return Err(WireError::PayloadLengthMismatch { declared: len, actual: data.len() });
        }
        Self::new(data)
    }
}

/// WRITE's output: the version the write produced.
///
/// ```
/// use rundown_abi::WriteReply;
/// let reply = WriteReply { version: 9 };
/// assert_eq!(WriteReply::from_bytes(&reply.to_bytes()), Ok(reply));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct WriteReply {
    /// The payload's new version.
    pub version: u64,
}

impl WriteReply {
    /// Bytes on the wire.
    pub const SIZE: usize = 8;

    /// The little-endian wire form.
    ///
    /// ```
    /// assert_eq!(rundown_abi::WriteReply { version: 1 }.to_bytes(), [1, 0, 0, 0, 0, 0, 0, 0]);
    /// ```
    #[must_use]
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        self.version.to_le_bytes()
    }

    /// Parses the reply.
    ///
    /// # Errors
    ///
    /// [`WireError::OutputTooSmall`]/[`WireError::OutputTooLarge`] if `bytes` is not
    /// [`Self::SIZE`] long.
    ///
    /// ```
    /// assert!(rundown_abi::WriteReply::from_bytes(&[0; 4]).is_err());
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        check_output_len(Self::SIZE, bytes.len())?;
        Ok(Self { version: Reader::new(bytes).u64() })
    }
}

super::fixed_message!(ReadReply, WriteReply);

super::describe! {
    ReadReply => RUNDOWN_READ_REPLY in Ioctl {
        generation => Generation: "The generation read.",
        version => Version: "The version read.",
        len => Length: "Valid bytes at the start of `payload` (at most {MAX_PAYLOAD}).",
        payload => Payload: "The payload; bytes past `len` are zero.",
    }
}

super::describe! {
    WriteRequest => RUNDOWN_WRITE_REQUEST in Ioctl {
        len => Length: "The payload bytes that follow (at most {MAX_PAYLOAD}).",
        payload => Payload:
            "The payload: send only the first `len` bytes (an input of {WriteRequest::HEADER_SIZE} + `len` bytes).",
    }
}

super::describe! {
    WriteReply => RUNDOWN_WRITE_REPLY in Ioctl {
        version => Version: "The payload's new version.",
    }
}

const _: () = assert!(WriteRequest::SIZE == core::mem::size_of::<WriteRequest>());

/// WRITE's input is variable: from [`WriteRequest::HEADER_SIZE`] to [`WriteRequest::SIZE`] bytes.
impl super::Message for WriteRequest {
    const SIZE: usize = WriteRequest::SIZE;
    const MIN_SIZE: usize = WriteRequest::HEADER_SIZE;
}

impl super::Encode for WriteRequest {
    type Bytes = super::WireBytes<{ WriteRequest::SIZE }>;

    /// The length field and the first `len` payload bytes ([`WriteRequest::wire_len`]).
    fn encode(&self) -> Self::Bytes {
        super::WireBytes::new(self.to_bytes(), self.wire_len())
    }
}

impl super::Decode for WriteRequest {
    fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        Self::from_bytes(bytes)
    }
}
