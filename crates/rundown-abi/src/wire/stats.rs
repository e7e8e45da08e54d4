//! STATS' reply, and PEERS': the driver's counters, and what it knows of its kernel-mode peers.

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

/// Whether GET_INTERFACE gives kernel-mode peers the interface now (PEERS' `interface`).
///
/// ```
/// use rundown_abi::PeerInterface;
/// assert_eq!(PeerInterface::from_raw(1), Some(PeerInterface::Withdrawn));
/// assert_eq!(PeerInterface::from_raw(2), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum PeerInterface {
    /// 0: GET_INTERFACE from kernel mode gets the interface.
    Offered = 0,
    /// 1: the driver is unloading: GET_INTERFACE is refused; references already given stay valid
    /// until their peers drop them.
    Withdrawn = 1,
}

impl PeerInterface {
    /// The state with this wire value.
    #[must_use]
    pub const fn from_raw(raw: u32) -> Option<Self> {
        match raw {
            0 => Some(Self::Offered),
            1 => Some(Self::Withdrawn),
            _ => None,
        }
    }
}

/// PEERS' output: what the driver knows of the kernel-mode peers that use its interface.
///
/// ```
/// use rundown_abi::{PeerInterface, PeersReply};
/// let reply = PeersReply { holds: 2, interface: PeerInterface::Offered as u32 };
/// assert_eq!(PeersReply::from_bytes(&reply.to_bytes()), Ok(reply));
/// assert_eq!(reply.peer_interface(), Some(PeerInterface::Offered));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct PeersReply {
    /// Protections on the shared object that peers hold now, taken with the interface's
    /// `acquire` and not yet released.
    pub holds: u32,
    /// A [`PeerInterface`] as `u32`.
    pub interface: u32,
}

impl PeersReply {
    /// Bytes on the wire.
    pub const SIZE: usize = 8;

    /// The little-endian wire form.
    ///
    /// ```
    /// let reply = rundown_abi::PeersReply { holds: 3, interface: 1 };
    /// assert_eq!(reply.to_bytes(), [3, 0, 0, 0, 1, 0, 0, 0]);
    /// ```
    #[must_use]
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        Writer::new().u32(self.holds).u32(self.interface).finish()
    }

    /// Parses the reply (any field values).
    ///
    /// # Errors
    ///
    /// [`WireError::OutputTooSmall`]/[`WireError::OutputTooLarge`] if `bytes` is not
    /// [`Self::SIZE`] long.
    ///
    /// ```
    /// assert!(rundown_abi::PeersReply::from_bytes(&[0; 4]).is_err());
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        check_output_len(Self::SIZE, bytes.len())?;
        let mut r = Reader::new(bytes);
        Ok(Self { holds: r.u32(), interface: r.u32() })
    }

    /// The interface field as a [`PeerInterface`], if it is one.
    #[must_use]
    pub const fn peer_interface(&self) -> Option<PeerInterface> {
        PeerInterface::from_raw(self.interface)
    }
}

super::fixed_message!(PeersReply);

super::describe! {
    PeersReply => RUNDOWN_PEERS_REPLY in Ioctl {
        holds => Holds:
            "Protections on the object that kernel-mode peers hold now (the interface's `Acquire`, not yet released); \
             a ROTATE waits for them.",
        interface => Interface: "Whether GET_INTERFACE gives kernel-mode peers the interface now." in PeerInterface {
            Offered => RUNDOWN_PEER_INTERFACE_OFFERED: "GET_INTERFACE from kernel mode gets the interface.",
            Withdrawn => RUNDOWN_PEER_INTERFACE_WITHDRAWN:
                "The driver is unloading: GET_INTERFACE answers `STATUS_DELETE_PENDING`; references already given \
                 stay valid until their peers drop them.",
        },
    }
}
