//! A handled request's answer, ready to be written into the output buffer.

use core::fmt;

use rundown_abi::{Decode, Encode, Ioctl, IoctlRequest};

/// What [`Service::control`](crate::Service::control) answers a request that succeeded: the
/// request's reply in its wire form, encoded from the type the table declares for it
/// ([`Reply::of`]), or one of the two requests the driver finishes itself.
///
/// ```
/// use rundown_abi::{HoldsReply, requests};
/// use rundown_service::Reply;
/// let reply = Reply::of::<requests::Acquire>(&HoldsReply { handle_holds: 3 });
/// let mut out = [0u8; 4];
/// assert_eq!(reply.write_to(&mut out), Some(4));
/// assert_eq!(out, [3, 0, 0, 0]);
/// assert_eq!(reply.decode::<requests::Acquire>(), Some(HoldsReply { handle_holds: 3 }));
/// assert_eq!(reply.decode::<requests::Release>(), None, "ACQUIRE's, not RELEASE's");
/// ```
#[expect(clippy::large_enum_variant, reason = "one reply per request, on the stack; boxing would allocate")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// A request's reply, encoded: written into the output buffer now.
    Encoded(EncodedReply),
    /// ROTATE was accepted: the request is pended and the rotator answers it with a
    /// [`RotateReply`](rundown_abi::RotateReply).
    RotateQueued,
    /// GET_INTERFACE from kernel mode was valid: the driver takes an interface reference and
    /// fills the [`RundownInterface`](rundown_abi::RundownInterface) table itself.
    InterfaceRequested,
}

/// The most bytes any reply of the table takes.
const MAX_REPLY: usize = {
    let mut max = 0;
    let mut i = 0;
    while i < Ioctl::ALL.len() {
        let size = Ioctl::ALL[i].output_size();
        if size > max {
            max = size;
        }
        i += 1;
    }
    max
};

/// A reply's wire form, and the request it answers.
///
/// ```
/// use rundown_abi::{Ioctl, VersionReply, requests};
/// use rundown_service::{Reply, Service};
/// let Reply::Encoded(encoded) = Reply::of::<requests::Version>(&Service::VERSION) else { unreachable!() };
/// assert_eq!((encoded.ioctl(), encoded.bytes().len()), (Ioctl::Version, VersionReply::SIZE));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct EncodedReply {
    ioctl: Ioctl,
    len: usize,
    bytes: [u8; MAX_REPLY],
}

impl EncodedReply {
    /// The request it answers.
    #[must_use]
    pub fn ioctl(&self) -> Ioctl {
        self.ioctl
    }

    /// The wire form.
    #[must_use]
    pub fn bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&self.bytes)
    }
}

#[expect(clippy::missing_fields_in_debug, reason = "`bytes` shows the first `len` bytes of the buffer")]
impl fmt::Debug for EncodedReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncodedReply").field("ioctl", &self.ioctl).field("bytes", &self.bytes()).finish()
    }
}

impl Reply {
    /// Request `R`'s reply: the message its row declares, encoded.
    ///
    /// ```
    /// use rundown_abi::{Ioctl, WriteReply, requests};
    /// use rundown_service::Reply;
    /// assert_eq!(Reply::of::<requests::Write>(&WriteReply { version: 2 }).ioctl(), Ioctl::Write);
    /// ```
    #[must_use]
    pub fn of<R: IoctlRequest<Set = Ioctl>>(reply: &R::Output) -> Self
    where
        R::Output: Encode,
    {
        let encoded = reply.encode();
        let encoded = encoded.as_ref();
        let mut bytes = [0; MAX_REPLY];
        // Every row's reply fits: MAX_REPLY is the largest.
        let len = encoded.len().min(MAX_REPLY);
        bytes[..len].copy_from_slice(&encoded[..len]);
        Self::Encoded(EncodedReply { ioctl: R::IOCTL, len, bytes })
    }

    /// The reply as request `R`'s message; `None` if it answers another request, or is one the
    /// driver finishes itself.
    ///
    /// ```
    /// use rundown_abi::{StatsReply, requests};
    /// use rundown_service::Reply;
    /// assert_eq!(Reply::RotateQueued.decode::<requests::Stats>(), None);
    /// ```
    #[must_use]
    pub fn decode<R: IoctlRequest<Set = Ioctl>>(&self) -> Option<R::Output>
    where
        R::Output: Decode,
    {
        match self {
            Self::Encoded(encoded) if encoded.ioctl == R::IOCTL => R::Output::decode(encoded.bytes()).ok(),
            Self::Encoded(_) | Self::RotateQueued | Self::InterfaceRequested => None,
        }
    }

    /// The request it answers.
    ///
    /// ```
    /// use rundown_abi::Ioctl;
    /// use rundown_service::Reply;
    /// assert_eq!(Reply::InterfaceRequested.ioctl(), Ioctl::GetInterface);
    /// ```
    #[must_use]
    pub fn ioctl(&self) -> Ioctl {
        match self {
            Self::Encoded(encoded) => encoded.ioctl,
            Self::RotateQueued => Ioctl::Rotate,
            Self::InterfaceRequested => Ioctl::GetInterface,
        }
    }

    /// Writes the reply's wire form at the start of `out`, returning its length
    /// (`IoStatus.Information`); `None` if `out` is too short (the request was validated against
    /// the reply's size, so the driver treats that as a bug). A queued rotation and an interface
    /// request write nothing.
    ///
    /// ```
    /// use rundown_service::Reply;
    /// assert_eq!(Reply::RotateQueued.write_to(&mut []), Some(0));
    /// ```
    pub fn write_to(&self, out: &mut [u8]) -> Option<usize> {
        match self {
            Self::Encoded(encoded) => {
                let bytes = encoded.bytes();
                out.get_mut(..bytes.len())?.copy_from_slice(bytes);
                Some(bytes.len())
            }
            Self::RotateQueued | Self::InterfaceRequested => Some(0),
        }
    }
}
