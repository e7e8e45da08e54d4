//! A handled request's answer, ready to be written into the output buffer.

use rundown_abi::{Encode, HoldsReply, QueryReply, ReadReply, StatsReply, VersionReply, WriteReply};

/// What [`Service::control`](crate::Service::control) answers a request that succeeded.
///
/// ```
/// use rundown_abi::HoldsReply;
/// use rundown_service::Reply;
/// let mut out = [0u8; 4];
/// assert_eq!(Reply::Holds(HoldsReply { handle_holds: 3 }).write_to(&mut out), Some(4));
/// assert_eq!(out, [3, 0, 0, 0]);
/// ```
#[expect(clippy::large_enum_variant, reason = "one reply per request, on the stack; boxing READ's would allocate")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// QUERY.
    Query(QueryReply),
    /// ACQUIRE and RELEASE: what the handle holds now.
    Holds(HoldsReply),
    /// READ.
    Read(ReadReply),
    /// WRITE.
    Write(WriteReply),
    /// STATS.
    Stats(StatsReply),
    /// VERSION.
    Version(VersionReply),
    /// ROTATE was accepted: the request is pended and the rotator answers it with a
    /// [`RotateReply`](rundown_abi::RotateReply).
    RotateQueued,
    /// GET_INTERFACE from kernel mode was valid: the driver takes an interface reference and
    /// fills the [`RundownInterface`](rundown_abi::RundownInterface) table itself.
    InterfaceRequested,
}

impl Reply {
    /// Writes the reply's wire form at the start of `out`, returning its length
    /// (`IoStatus.Information`); `None` if `out` is too short (the request was validated against
    /// the reply's size, so the driver treats that as a bug). A queued rotation and an interface
    /// request write nothing. Every variant has its arm (no wildcard: a reply added to the enum
    /// does not compile until it is encoded).
    pub fn write_to(&self, out: &mut [u8]) -> Option<usize> {
        match self {
            Self::Query(reply) => copy(reply, out),
            Self::Holds(reply) => copy(reply, out),
            Self::Read(reply) => copy(reply, out),
            Self::Write(reply) => copy(reply, out),
            Self::Stats(reply) => copy(reply, out),
            Self::Version(reply) => copy(reply, out),
            Self::RotateQueued | Self::InterfaceRequested => Some(0),
        }
    }
}

/// Writes `reply`'s wire form at the start of `out`, returning its length.
fn copy(reply: &impl Encode, out: &mut [u8]) -> Option<usize> {
    let bytes = reply.encode();
    let bytes = bytes.as_ref();
    out.get_mut(..bytes.len())?.copy_from_slice(bytes);
    Some(bytes.len())
}
