//! STATS' reply.

use super::codec::{Reader, Writer};
use super::{WireError, check_output_len};

/// STATS' output: the driver's counters since load.
///
/// ```
/// use rundown_abi::StatsReply;
/// let reply = StatsReply {
///     acquisitions: 10, refusals: 1, waits: 2, rotations: 2,
///     max_holders: 3, holders: 0, pool_bytes: 312, pool_blocks: 1,
/// };
/// assert_eq!(StatsReply::from_bytes(&reply.to_bytes()), Ok(reply));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct StatsReply {
    /// Successful acquisitions.
    pub acquisitions: u64,
    /// Acquisitions refused because the object was running down.
    pub refusals: u64,
    /// Run-downs that had to wait for holders.
    pub waits: u64,
    /// Completed rotations.
    pub rotations: u64,
    /// The most holders seen at once.
    pub max_holders: u32,
    /// Holders now.
    pub holders: u32,
    /// Bytes of pool the driver has allocated and not freed.
    pub pool_bytes: u64,
    /// Pool allocations not freed.
    pub pool_blocks: u64,
}

impl StatsReply {
    /// Bytes on the wire.
    pub const SIZE: usize = 56;

    /// The little-endian wire form.
    ///
    /// ```
    /// use rundown_abi::StatsReply;
    /// let r = StatsReply { acquisitions: 0, refusals: 0, waits: 0, rotations: 0, max_holders: 0, holders: 0, pool_bytes: 0, pool_blocks: 1 };
    /// assert_eq!(r.to_bytes()[48], 1);
    /// ```
    #[must_use]
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        Writer::new()
            .u64(self.acquisitions)
            .u64(self.refusals)
            .u64(self.waits)
            .u64(self.rotations)
            .u32(self.max_holders)
            .u32(self.holders)
            .u64(self.pool_bytes)
            .u64(self.pool_blocks)
            .finish()
    }

    /// Parses the reply.
    ///
    /// # Errors
    ///
    /// [`WireError::OutputTooSmall`]/[`WireError::OutputTooLarge`] if `bytes` is not
    /// [`Self::SIZE`] long.
    ///
    /// ```
    /// assert!(rundown_abi::StatsReply::from_bytes(&[0; 57]).is_err());
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        check_output_len(Self::SIZE, bytes.len())?;
        let mut r = Reader::new(bytes);
        Ok(Self {
            acquisitions: r.u64(),
            refusals: r.u64(),
            waits: r.u64(),
            rotations: r.u64(),
            max_holders: r.u32(),
            holders: r.u32(),
            pool_bytes: r.u64(),
            pool_blocks: r.u64(),
        })
    }
}

super::fixed_message!(StatsReply);

super::describe! {
    StatsReply => RUNDOWN_STATS_REPLY in Ioctl {
        acquisitions => Acquisitions: "Successful acquisitions.",
        refusals => Refusals: "Acquisitions refused because the object was running down.",
        waits => Waits: "Run-downs that had to wait for holders.",
        rotations => Rotations: "Completed rotations.",
        max_holders => MaxHolders: "The most holders seen at once.",
        holders => Holders: "Holders now.",
        pool_bytes => PoolBytes: "Bytes of pool the driver has allocated and not freed.",
        pool_blocks => PoolBlocks: "Pool allocations not freed.",
    }
}
