//! QUERY's reply and the object states it reports.

use super::codec::{Reader, Writer};
use super::{MAX_PAYLOAD_U32, WireError, check_output_len};

/// The state of the shared object, as QUERY reports it.
///
/// ```
/// use rundown_abi::ObjectState;
/// assert_eq!(ObjectState::from_raw(1), Some(ObjectState::RunningDown));
/// assert_eq!(ObjectState::from_raw(3), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum ObjectState {
    /// 0: acquisitions succeed.
    Active = 0,
    /// 1: a rotation or unload is waiting for holders; acquisitions fail.
    RunningDown = 1,
    /// 2: run-down completed; the object is about to be freed and replaced.
    Completed = 2,
}

impl ObjectState {
    /// The state with this wire value.
    ///
    /// ```
    /// use rundown_abi::ObjectState;
    /// assert_eq!(ObjectState::from_raw(ObjectState::Completed as u32), Some(ObjectState::Completed));
    /// ```
    #[must_use]
    pub const fn from_raw(raw: u32) -> Option<Self> {
        match raw {
            0 => Some(Self::Active),
            1 => Some(Self::RunningDown),
            2 => Some(Self::Completed),
            _ => None,
        }
    }
}

/// QUERY's output: the object's identity and the holders.
///
/// ```
/// use rundown_abi::{ObjectState, QueryReply};
/// let reply = QueryReply { generation: 3, version: 7, holders: 2, state: 0, payload_len: 5, handle_holds: 1 };
/// let bytes = reply.to_bytes();
/// assert_eq!(bytes.len(), QueryReply::SIZE);
/// assert_eq!(QueryReply::from_bytes(&bytes), Ok(reply));
/// assert_eq!(reply.object_state(), Some(ObjectState::Active));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct QueryReply {
    /// The object's generation; ROTATE installs the next one.
    pub generation: u64,
    /// The payload's version; every WRITE changes it.
    pub version: u64,
    /// Protections held on the object now, across all handles.
    pub holders: u32,
    /// An [`ObjectState`] as `u32`.
    pub state: u32,
    /// The payload's length in bytes (at most [`MAX_PAYLOAD`](super::MAX_PAYLOAD)).
    pub payload_len: u32,
    /// Protections the calling handle holds.
    pub handle_holds: u32,
}

impl QueryReply {
    /// Bytes on the wire.
    pub const SIZE: usize = 32;

    /// The little-endian wire form.
    ///
    /// ```
    /// use rundown_abi::QueryReply;
    /// let r = QueryReply { generation: 1, version: 0, holders: 0, state: 0, payload_len: 0, handle_holds: 0 };
    /// assert_eq!(r.to_bytes()[0], 1);
    /// ```
    #[must_use]
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        Writer::new()
            .u64(self.generation)
            .u64(self.version)
            .u32(self.holders)
            .u32(self.state)
            .u32(self.payload_len)
            .u32(self.handle_holds)
            .finish()
    }

    /// Parses the reply.
    ///
    /// # Errors
    ///
    /// [`WireError::OutputTooSmall`]/[`WireError::OutputTooLarge`] if `bytes` is not
    /// [`Self::SIZE`] long; [`WireError::BadState`] for an unknown state;
    /// [`WireError::PayloadTooLong`] if `payload_len` exceeds [`MAX_PAYLOAD`](super::MAX_PAYLOAD).
    ///
    /// ```
    /// use rundown_abi::{QueryReply, WireError};
    /// assert_eq!(QueryReply::from_bytes(&[0; 31]), Err(WireError::OutputTooSmall { expected: 32, actual: 31 }));
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        check_output_len(Self::SIZE, bytes.len())?;
        let mut r = Reader::new(bytes);
        let reply = Self {
            generation: r.u64(),
            version: r.u64(),
            holders: r.u32(),
            state: r.u32(),
            payload_len: r.u32(),
            handle_holds: r.u32(),
        };
        if ObjectState::from_raw(reply.state).is_none() {
            return Err(WireError::BadState { state: reply.state });
        }
        if reply.payload_len > MAX_PAYLOAD_U32 {
            return Err(WireError::PayloadTooLong { len: reply.payload_len });
        }
        Ok(reply)
    }

    /// The state field as an [`ObjectState`], if it is one.
    ///
    /// ```
    /// use rundown_abi::{ObjectState, QueryReply};
    /// let r = QueryReply { generation: 1, version: 0, holders: 0, state: 1, payload_len: 0, handle_holds: 0 };
    /// assert_eq!(r.object_state(), Some(ObjectState::RunningDown));
    /// ```
    #[must_use]
    pub const fn object_state(&self) -> Option<ObjectState> {
        ObjectState::from_raw(self.state)
    }
}

super::fixed_message!(QueryReply);

super::describe! {
    QueryReply => RUNDOWN_QUERY_REPLY in Ioctl {
        generation => Generation: "The object's generation; ROTATE installs the next one.",
        version => Version: "The payload's version; every WRITE changes it.",
        holders => Holders: "Protections held on the object now, across all handles.",
        state => State: "The object's state." in ObjectState {
            Active => RUNDOWN_STATE_ACTIVE: "Acquisitions succeed.",
            RunningDown => RUNDOWN_STATE_RUNNING_DOWN: "A rotation or the unload waits for holders; acquisitions fail.",
            Completed => RUNDOWN_STATE_COMPLETED: "The run-down completed; the next generation is being installed.",
        },
        payload_len => PayloadLength: "The payload's length in bytes (at most {MAX_PAYLOAD}).",
        handle_holds => HandleHolds: "Protections the calling handle holds.",
    }
}
