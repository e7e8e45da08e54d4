//! ROTATE's reply.

use super::codec::{Reader, Writer};
use super::{WireError, check_output_len};

/// ROTATE's output: the generations before and after, and how many holders it waited for.
///
/// ```
/// use rundown_abi::RotateReply;
/// let reply = RotateReply { old_generation: 1, new_generation: 2, waited_for_holders: 1 };
/// assert_eq!(RotateReply::from_bytes(&reply.to_bytes()), Ok(reply));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct RotateReply {
    /// The generation retired.
    pub old_generation: u64,
    /// The generation installed.
    pub new_generation: u64,
    /// Holders outstanding when the run-down began (0: no wait).
    pub waited_for_holders: u32,
}

impl RotateReply {
    /// Bytes on the wire: 20 bytes of fields and 4 of tail padding.
    pub const SIZE: usize = 24;

    /// The little-endian wire form.
    ///
    /// ```
    /// let r = rundown_abi::RotateReply { old_generation: 0, new_generation: 0, waited_for_holders: 5 };
    /// assert_eq!(r.to_bytes()[16], 5);
    /// ```
    #[must_use]
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        Writer::new().u64(self.old_generation).u64(self.new_generation).u32(self.waited_for_holders).finish()
    }

    /// Parses the reply (tail padding is ignored).
    ///
    /// # Errors
    ///
    /// [`WireError::OutputTooSmall`]/[`WireError::OutputTooLarge`] if `bytes` is not
    /// [`Self::SIZE`] long.
    ///
    /// ```
    /// assert!(rundown_abi::RotateReply::from_bytes(&[0; 20]).is_err());
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        check_output_len(Self::SIZE, bytes.len())?;
        let mut r = Reader::new(bytes);
        Ok(Self { old_generation: r.u64(), new_generation: r.u64(), waited_for_holders: r.u32() })
    }
}

super::fixed_message!(RotateReply);

super::describe! {
    RotateReply => RUNDOWN_ROTATE_REPLY in Ioctl {
        old_generation => OldGeneration: "The generation retired.",
        new_generation => NewGeneration: "The generation installed.",
        waited_for_holders => WaitedForHolders: "Holders outstanding when the run-down began (0: no wait).",
    }
}
