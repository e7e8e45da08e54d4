//! [`Device`]: the device's requests, typed, over any [`Transport`].

use std::io;
use std::time::{Duration, Instant};

use rundown_abi::peer::{self, PeerStartRequest, PeerStats};
use rundown_abi::{
    AcquireRequest, Decode, Encode, HoldsReply, IoctlRequest, Message, NtStatus, QueryReply, ReadReply, ReleaseRequest,
    RotateReply, StatsReply, VersionReply, WireError, WriteReply, WriteRequest, requests,
};

use crate::status;
use crate::transport::{Completion, Transport};

/// Why a request failed.
///
/// ```
/// use rundown_abi::NtStatus;
/// use rundown_client::{Device, Error, LocalDriver};
///
/// let mut device = Device::new(LocalDriver::new().open());
/// let err = device.release(1).unwrap_err();
/// assert!(matches!(err, Error::Status { status: NtStatus::NOT_FOUND, information: 0 }));
/// assert_eq!(err.to_string(), "STATUS_NOT_FOUND (0xC0000225)");
/// ```
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The driver (or the I/O manager) answered a failure status.
    #[error("{}", status::describe(*.status))]
    Status {
        /// The status.
        status: NtStatus,
        /// `IoStatus.Information` (the contract says 0 on failure).
        information: usize,
    },
    /// The driver answered success with a reply that is not the request's reply.
    #[error("bad reply from the driver (IoStatus.Information = {information}): {detail}")]
    BadReply {
        /// `IoStatus.Information`.
        information: usize,
        /// What is wrong with it.
        detail: String,
    },
    /// The request could not be encoded (a payload over 256 bytes); nothing was sent.
    #[error("{0}")]
    Request(WireError),
    /// The request could not be issued.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The peer's worker still ran this long after PEER_STOP.
    #[error("the peer's worker still runs {waited:?} after PEER_STOP")]
    StillRunning {
        /// How long [`Device::peer_stop`] waited.
        waited: Duration,
    },
}

impl Error {
    /// The status, if the device answered one.
    ///
    /// ```
    /// use rundown_client::{Device, LocalDriver};
    ///
    /// let mut device = Device::new(LocalDriver::new().open());
    /// assert_eq!(device.write(&[0; 300]).unwrap_err().status(), None, "not sent");
    /// ```
    #[must_use]
    pub fn status(&self) -> Option<NtStatus> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The status for people if the device answered one (see [`status::describe`]), else the
    /// message: what a tally of failures groups by.
    ///
    /// ```
    /// use rundown_client::{Device, LocalDriver};
    ///
    /// let mut device = Device::new(LocalDriver::new().open());
    /// assert_eq!(device.release(1).unwrap_err().describe(), "STATUS_NOT_FOUND (0xC0000225)");
    /// ```
    #[must_use]
    pub fn describe(&self) -> String {
        self.status().map_or_else(|| self.to_string(), status::describe)
    }
}

/// How long [`Device::peer_stop`] waits for the peer's worker to end.
///
/// ```
/// assert!(rundown_client::PEER_STOP_WAIT.as_secs() >= 1);
/// ```
pub const PEER_STOP_WAIT: Duration = Duration::from_secs(10);

/// A device: every request of `rundown-abi`'s tables as a typed call over a [`Transport`]: a
/// Windows `Handle`, or the driver's own request handling in this process
/// ([`ServiceTransport`](crate::ServiceTransport)).
///
/// [`call`](Self::call) encodes any request's input with its wire type, sends it with an output
/// buffer of its reply's exact size, checks the status and decodes the reply; the named methods
/// are shorthands over it.
///
/// ```
/// use rundown_abi::requests;
/// use rundown_client::{Device, LocalDriver};
///
/// let mut device = Device::new(LocalDriver::new().open());
/// assert_eq!(device.write(b"hello").unwrap().version, 1);
/// assert_eq!(device.read().unwrap().data(), b"hello");
/// let version = device.call::<requests::Version>(&()).unwrap();
/// assert_eq!(version.abi_version, rundown_abi::ABI_VERSION);
/// ```
#[derive(Debug)]
pub struct Device<T: ?Sized> {
    transport: T,
}

impl<T> Device<T> {
    /// The device behind `transport`.
    ///
    /// ```
    /// use rundown_client::{Device, LocalDriver};
    /// let device = Device::new(LocalDriver::new().open());
    /// # drop(device);
    /// ```
    pub const fn new(transport: T) -> Self {
        Self { transport }
    }

    /// The transport back.
    ///
    /// ```
    /// use rundown_client::{Device, LocalDriver};
    /// let handle = Device::new(LocalDriver::new().open()).into_transport();
    /// # drop(handle);
    /// ```
    pub fn into_transport(self) -> T {
        self.transport
    }
}

impl<T: ?Sized> Device<T> {
    /// The transport.
    ///
    /// ```
    /// use rundown_client::{Device, LocalDriver};
    /// let device = Device::new(LocalDriver::new().open());
    /// assert_eq!(device.transport().driver().generation(), 1);
    /// ```
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The transport, to begin or close on it.
    ///
    /// ```
    /// use rundown_client::{Device, LocalDriver, Transport};
    /// let mut device = Device::new(LocalDriver::new().open());
    /// device.transport_mut().close().unwrap();
    /// ```
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }
}

impl<T: Transport + ?Sized> Device<T> {
    /// Sends request `R` with `input` and an output buffer of its reply's exact size, and decodes
    /// the reply: one call for every row of the ABI's tables.
    ///
    /// ```
    /// use rundown_abi::{AcquireRequest, requests};
    /// use rundown_client::{Device, LocalDriver};
    ///
    /// let mut device = Device::new(LocalDriver::new().open());
    /// let holds = device.call::<requests::Acquire>(&AcquireRequest { count: 2 }).unwrap();
    /// assert_eq!(holds.handle_holds, 2);
    /// ```
    ///
    /// # Errors
    ///
    /// See [`Error`]: a failure status, a reply that is not `R`'s, or the request not issued.
    pub fn call<R: IoctlRequest>(&mut self, input: &R::Input) -> Result<R::Output, Error>
    where
        R::Input: Encode,
        R::Output: Decode,
    {
        let bytes = self.returned(R::CODE, input.encode().as_ref(), <R::Output as Message>::SIZE)?;
        R::Output::decode(&bytes).map_err(|err| Error::BadReply { information: bytes.len(), detail: err.to_string() })
    }

    /// Sends any control code with any input and an output buffer of `output_len` bytes, and
    /// hands back the completion as it is, failure statuses included.
    ///
    /// ```
    /// use rundown_abi::{Ioctl, NtStatus};
    /// use rundown_client::{Device, LocalDriver};
    ///
    /// let mut device = Device::new(LocalDriver::new().open());
    /// let done = device.control(Ioctl::Query.code(), &[], 31).unwrap();
    /// assert_eq!(done.status, NtStatus::BUFFER_TOO_SMALL);
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Io`]: the request could not be issued.
    pub fn control(&mut self, code: u32, input: &[u8], output_len: usize) -> Result<Completion, Error> {
        Ok(self.transport.control(code, input, output_len)?)
    }

    /// Sends `code` with `input` and an output buffer of `output_len` bytes, and checks the
    /// status as [`call`](Self::call) does: the bytes the driver returned, for a caller that
    /// reads them by the reply's layout (`rundown_abi::Layout`) rather than its type.
    ///
    /// ```
    /// use rundown_abi::{Ioctl, NtStatus};
    /// use rundown_client::{Device, LocalDriver};
    ///
    /// let mut device = Device::new(LocalDriver::new().open());
    /// let layout = Ioctl::Query.output_layout().unwrap();
    /// let bytes = device.returned(Ioctl::Query.code(), &[], layout.size).unwrap();
    /// assert_eq!(layout.field("generation").unwrap().uint(&bytes), Some(1));
    /// assert_eq!(device.returned(Ioctl::Query.code(), &[], 31).unwrap_err().status(), Some(NtStatus::BUFFER_TOO_SMALL));
    /// ```
    ///
    /// # Errors
    ///
    /// See [`Error`]: a failure status, more bytes than the buffer, or the request not issued.
    pub fn returned(&mut self, code: u32, input: &[u8], output_len: usize) -> Result<Vec<u8>, Error> {
        let done = self.control(code, input, output_len)?;
        if !done.status.is_success() {
            return Err(Error::Status { status: done.status, information: done.information });
        }
        match done.returned() {
            Some(bytes) => Ok(bytes.to_vec()),
            None => Err(Error::BadReply {
                information: done.information,
                detail: format!("more than the {}-byte output buffer", done.output.len()),
            }),
        }
    }

    /// QUERY: the object's identity and holders.
    ///
    /// ```
    /// use rundown_client::{Device, LocalDriver};
    /// let reply = Device::new(LocalDriver::new().open()).query().unwrap();
    /// assert_eq!((reply.generation, reply.holders), (1, 0));
    /// ```
    ///
    /// # Errors
    ///
    /// See [`Error`].
    pub fn query(&mut self) -> Result<QueryReply, Error> {
        self.call::<requests::Query>(&())
    }

    /// ACQUIRE `count` protections for this handle (0 is sent as is: the driver refuses it).
    ///
    /// ```
    /// use rundown_client::{Device, LocalDriver};
    /// let mut device = Device::new(LocalDriver::new().open());
    /// assert_eq!(device.acquire(3).unwrap().handle_holds, 3);
    /// assert!(device.acquire(0).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// See [`Error`].
    pub fn acquire(&mut self, count: u32) -> Result<HoldsReply, Error> {
        self.call::<requests::Acquire>(&AcquireRequest { count })
    }

    /// RELEASE `count` of this handle's protections (0 is sent as is: the driver refuses it).
    ///
    /// ```
    /// use rundown_client::{Device, LocalDriver};
    /// let mut device = Device::new(LocalDriver::new().open());
    /// device.acquire(2).unwrap();
    /// assert_eq!(device.release(2).unwrap().handle_holds, 0);
    /// ```
    ///
    /// # Errors
    ///
    /// See [`Error`].
    pub fn release(&mut self, count: u32) -> Result<HoldsReply, Error> {
        self.call::<requests::Release>(&ReleaseRequest { count })
    }

    /// READ: the payload with its generation and version.
    ///
    /// ```
    /// use rundown_client::{Device, LocalDriver};
    /// assert!(Device::new(LocalDriver::new().open()).read().unwrap().data().is_empty());
    /// ```
    ///
    /// # Errors
    ///
    /// See [`Error`].
    pub fn read(&mut self) -> Result<ReadReply, Error> {
        self.call::<requests::Read>(&())
    }

    /// WRITE `data` (at most 256 bytes) as the new payload.
    ///
    /// ```
    /// use rundown_client::{Device, LocalDriver};
    /// let mut device = Device::new(LocalDriver::new().open());
    /// assert_eq!(device.write(b"ab").unwrap().version, 1);
    /// assert_eq!(device.write(&[b'x'; 257]).unwrap_err().to_string(), "payload length 257 exceeds 256");
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Request`] for more than 256 bytes, which is not sent; otherwise see [`Error`].
    pub fn write(&mut self, data: &[u8]) -> Result<WriteReply, Error> {
        self.call::<requests::Write>(&WriteRequest::new(data).map_err(Error::Request)?)
    }

    /// ROTATE: blocks while the driver waits for holders.
    ///
    /// ```
    /// use rundown_client::{Device, LocalDriver};
    /// let reply = Device::new(LocalDriver::new().open()).rotate().unwrap();
    /// assert_eq!((reply.old_generation, reply.new_generation), (1, 2));
    /// ```
    ///
    /// # Errors
    ///
    /// See [`Error`].
    pub fn rotate(&mut self) -> Result<RotateReply, Error> {
        self.call::<requests::Rotate>(&())
    }

    /// STATS: the driver's counters.
    ///
    /// ```
    /// use rundown_client::{Device, LocalDriver};
    /// let mut device = Device::new(LocalDriver::new().open());
    /// device.acquire(1).unwrap();
    /// assert_eq!(device.stats().unwrap().acquisitions, 1);
    /// ```
    ///
    /// # Errors
    ///
    /// See [`Error`].
    pub fn stats(&mut self) -> Result<StatsReply, Error> {
        self.call::<requests::Stats>(&())
    }

    /// VERSION: the driver's contract version, flavour and protection; a client sends it first.
    ///
    /// ```
    /// use rundown_client::{Device, LocalDriver};
    /// let reply = Device::new(LocalDriver::new().open()).version().unwrap();
    /// assert_eq!(reply.abi_version, rundown_abi::ABI_VERSION);
    /// ```
    ///
    /// # Errors
    ///
    /// See [`Error`].
    pub fn version(&mut self) -> Result<VersionReply, Error> {
        self.call::<requests::Version>(&())
    }

    /// PEER_START (on the peer's device): start its worker loop.
    ///
    /// ```
    /// use rundown_abi::peer::PeerStartRequest;
    /// use rundown_client::{Device, FakePeer};
    /// let mut peer = Device::new(FakePeer::new());
    /// peer.peer_start(PeerStartRequest::default()).unwrap();
    /// assert!(peer.peer_start(PeerStartRequest::default()).is_err(), "it runs already");
    /// ```
    ///
    /// # Errors
    ///
    /// See [`Error`]; `STATUS_INVALID_DEVICE_STATE` if it already runs.
    pub fn peer_start(&mut self, request: PeerStartRequest) -> Result<(), Error> {
        self.call::<peer::requests::Start>(&request)
    }

    /// PEER_STOP (on the peer's device), then PEER_STATS until the worker has ended: what it saw.
    ///
    /// PEER_STOP only asks the worker to end (the peer's dispatch routine must not wait for its
    /// thread), so its last iteration may still hold protection when the reply arrives. The
    /// counts returned are those after the worker ended, with `running == 0`.
    ///
    /// ```
    /// use rundown_abi::peer::PeerStartRequest;
    /// use rundown_client::{Device, FakePeer};
    /// let mut peer = Device::new(FakePeer::new());
    /// peer.peer_start(PeerStartRequest::default()).unwrap();
    /// assert_eq!(peer.peer_stop().unwrap().running, 0);
    /// ```
    ///
    /// # Errors
    ///
    /// See [`Error`]; `STATUS_INVALID_DEVICE_STATE` if it does not run, [`Error::StillRunning`]
    /// if it has not ended after [`PEER_STOP_WAIT`].
    pub fn peer_stop(&mut self) -> Result<PeerStats, Error> {
        let mut stats = self.call::<peer::requests::Stop>(&())?;
        let started = Instant::now();
        while stats.running != 0 {
            if started.elapsed() > PEER_STOP_WAIT {
                return Err(Error::StillRunning { waited: PEER_STOP_WAIT });
            }
            std::thread::sleep(Duration::from_millis(1));
            stats = self.peer_stats()?;
        }
        Ok(stats)
    }

    /// PEER_STATS (on the peer's device): what the worker loop saw so far.
    ///
    /// ```
    /// use rundown_client::{Device, FakePeer};
    /// assert_eq!(Device::new(FakePeer::new()).peer_stats().unwrap().operations, 0);
    /// ```
    ///
    /// # Errors
    ///
    /// See [`Error`].
    pub fn peer_stats(&mut self) -> Result<PeerStats, Error> {
        self.call::<peer::requests::Stats>(&())
    }
}

#[cfg(all(test, feature = "service"))]
mod tests {
    use rundown_abi::{AcquireRequest, Ioctl};

    use super::*;
    use crate::{FakePeer, LocalDriver, Scripted};

    fn device() -> Device<Scripted<crate::ServiceTransport>> {
        Device::new(Scripted::new(LocalDriver::new().open()))
    }

    /// One call for every request: VERSION, which has no shorthand of its own in the CLI, through it.
    #[test]
    fn one_generic_call() {
        let mut dev = device();
        let version = dev.call::<requests::Version>(&()).unwrap();
        assert_eq!(version.abi_version, rundown_abi::ABI_VERSION);
        assert_eq!(dev.transport().calls, [(Ioctl::Version.code(), vec![], 16)]);
        let holds = dev.call::<requests::Acquire>(&AcquireRequest { count: 3 }).unwrap();
        assert_eq!(holds.handle_holds, 3);
        assert_eq!(dev.transport().calls[1], (0x8352_6004, vec![3, 0, 0, 0], 4));
        let write = WriteRequest::new(b"ab").unwrap();
        assert_eq!(dev.call::<requests::Write>(&write).unwrap().version, 1);
        assert_eq!(dev.transport().calls[2], (0x8352_A010, b"\x02\0\0\0ab".to_vec(), 8), "only the payload's bytes");
    }

    #[test]
    fn typed_round_trip() {
        let mut dev = device();
        assert_eq!(dev.acquire(2).unwrap().handle_holds, 2);
        assert_eq!(dev.query().unwrap().holders, 2);
        assert_eq!(dev.release(2).unwrap().handle_holds, 0);
        assert_eq!(dev.write(b"hi").unwrap().version, 1);
        assert_eq!(dev.read().unwrap().data(), b"hi");
        let r = dev.rotate().unwrap();
        assert_eq!((r.old_generation, r.new_generation), (1, 2));
        assert_eq!(dev.stats().unwrap().rotations, 1);
        assert_eq!(dev.read().unwrap().data(), b"hi", "the payload carries over");
    }

    #[test]
    fn peer_requests() {
        let mut peer = Device::new(Scripted::new(FakePeer::new()));
        peer.peer_start(PeerStartRequest { hold_us: 50, pause_us: 1, ..PeerStartRequest::default() }).unwrap();
        assert_eq!(peer.transport().calls[0], (0x8352_A400, vec![50, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0], 0));
        let err = peer.peer_start(PeerStartRequest::default()).unwrap_err();
        assert_eq!(err.status(), Some(NtStatus::INVALID_DEVICE_STATE));
        peer.transport_mut().inner_mut().stats.operations = 9;
        assert_eq!(peer.peer_stats().unwrap().running, 1);
        peer.transport_mut().inner_mut().winding_down = 2;
        let stopped = peer.peer_stop().unwrap();
        assert_eq!((stopped.operations, stopped.running), (9, 0));
        let calls = &peer.transport().calls;
        assert_eq!(calls[3], (0x8352_A404, vec![], 56));
        // The worker was still ending when PEER_STOP answered: PEER_STATS until it had ended.
        let stats_code = calls[2].0;
        assert_eq!(calls[4..].iter().map(|call| call.0).collect::<Vec<_>>(), [stats_code; 3]);
        assert_eq!(peer.peer_stop().unwrap_err().status(), Some(NtStatus::INVALID_DEVICE_STATE));
        // The shared device does not know the peer's codes.
        let err = device().peer_stats().unwrap_err();
        assert_eq!(err.status(), Some(NtStatus::INVALID_DEVICE_REQUEST));
    }

    #[test]
    fn failure_status() {
        let err = device().release(1).unwrap_err();
        assert_eq!(err.status(), Some(NtStatus::NOT_FOUND));
        assert_eq!(err.to_string(), "STATUS_NOT_FOUND (0xC0000225)");
    }

    #[test]
    fn oversized_write_is_not_sent() {
        let mut dev = device();
        let err = dev.write(&[b'x'; 257]).unwrap_err();
        assert_eq!(err.to_string(), "payload length 257 exceeds 256");
        assert!(dev.transport().calls.is_empty());
    }

    #[test]
    fn short_success_reply_is_an_error() {
        let mut dev = device();
        dev.transport_mut().answer_next(Completion { status: NtStatus::SUCCESS, information: 0, output: vec![0; 32] });
        let err = dev.query().unwrap_err();
        assert_eq!(
            err.to_string(),
            "bad reply from the driver (IoStatus.Information = 0): output buffer is 0 bytes; the reply needs 32"
        );
        dev.transport_mut().answer_next(Completion { status: NtStatus::SUCCESS, information: 33, output: vec![0; 32] });
        let err = dev.query().unwrap_err();
        assert_eq!(
            err.to_string(),
            "bad reply from the driver (IoStatus.Information = 33): more than the 32-byte output buffer"
        );
    }
}
