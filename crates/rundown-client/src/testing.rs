//! Transports for tests of a client's handling of what the driver answers only under load or
//! never: [`Scripted`] answers chosen requests itself and passes the rest on; [`FakePeer`] stands
//! in for the sample peer driver's device, which has no host build.

use std::collections::VecDeque;
use std::io;

use rundown_abi::NtStatus;
use rundown_abi::peer::{PeerIoctl, PeerStartRequest, PeerStats};

use crate::transport::{Completion, Transport};

/// One request sent: its code, input and output length.
///
/// ```
/// let call: rundown_client::Call = (0x8352_6000, vec![], 32);
/// # drop(call);
/// ```
pub type Call = (u32, Vec<u8>, usize);

/// A transport that records every request and answers the ones a test scripted (a failure
/// status, a malformed reply) itself, passing the rest on to `T`.
///
/// ```
/// use rundown_abi::{Ioctl, NtStatus};
/// use rundown_client::{Device, LocalDriver, Scripted};
///
/// let mut device = Device::new(Scripted::new(LocalDriver::new().open()));
/// device.transport_mut().fail(Ioctl::Rotate.code(), NtStatus::DEVICE_BUSY);
/// assert_eq!(device.rotate().unwrap_err().status(), Some(NtStatus::DEVICE_BUSY));
/// assert_eq!(device.rotate().unwrap().new_generation, 2, "only the first was scripted");
/// assert_eq!(device.transport().calls.len(), 2);
/// ```
#[derive(Debug)]
pub struct Scripted<T> {
    inner: T,
    /// Every request sent, in order.
    pub calls: Vec<Call>,
    /// The answers to give instead of `inner`'s: the first whose code is a request's (or `None`:
    /// any request's) is taken.
    answers: VecDeque<(Option<u32>, Completion)>,
}

impl<T> Scripted<T> {
    /// Passes everything on to `inner` until told otherwise.
    ///
    /// ```
    /// let scripted = rundown_client::Scripted::new(rundown_client::FakePeer::new());
    /// assert!(scripted.calls.is_empty());
    /// ```
    pub fn new(inner: T) -> Self {
        Self { inner, calls: Vec::new(), answers: VecDeque::new() }
    }

    /// Answers the next request with `code` with `status` instead of passing it on.
    ///
    /// ```
    /// use rundown_abi::{Ioctl, NtStatus};
    /// use rundown_client::{Device, LocalDriver, Scripted};
    /// let mut device = Device::new(Scripted::new(LocalDriver::new().open()));
    /// device.transport_mut().fail(Ioctl::Read.code(), NtStatus::FILE_CLOSED);
    /// assert_eq!(device.read().unwrap_err().status(), Some(NtStatus::FILE_CLOSED));
    /// ```
    pub fn fail(&mut self, code: u32, status: NtStatus) {
        self.answers.push_back((Some(code), Completion { status, information: 0, output: Vec::new() }));
    }

    /// Answers the next request whose code is `code` with `completion`.
    ///
    /// ```
    /// use rundown_abi::{Ioctl, RotateReply};
    /// use rundown_client::{Completion, Device, LocalDriver, Scripted};
    /// let mut device = Device::new(Scripted::new(LocalDriver::new().open()));
    /// let skipped = RotateReply { old_generation: 2, new_generation: 4, waited_for_holders: 0 };
    /// device.transport_mut().answer(Ioctl::Rotate.code(), Completion::succeeded(&skipped.to_bytes(), 24));
    /// assert_eq!(device.rotate().unwrap().new_generation, 4);
    /// ```
    pub fn answer(&mut self, code: u32, completion: Completion) {
        self.answers.push_back((Some(code), completion));
    }

    /// Answers the next request, whatever its code, with `completion`.
    ///
    /// ```
    /// use rundown_abi::NtStatus;
    /// use rundown_client::{Completion, Device, LocalDriver, Scripted};
    /// let mut device = Device::new(Scripted::new(LocalDriver::new().open()));
    /// device.transport_mut().answer_next(Completion::failed(NtStatus::DEVICE_BUSY, 0));
    /// assert!(device.query().is_err());
    /// ```
    pub fn answer_next(&mut self, completion: Completion) {
        self.answers.push_back((None, completion));
    }

    /// The transport requests are passed on to.
    ///
    /// ```
    /// let scripted = rundown_client::Scripted::new(rundown_client::FakePeer::new());
    /// assert_eq!(scripted.inner().stats.running, 0);
    /// ```
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The transport requests are passed on to, to change it.
    ///
    /// ```
    /// let mut scripted = rundown_client::Scripted::new(rundown_client::FakePeer::new());
    /// scripted.inner_mut().stats.operations = 5;
    /// ```
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: Transport> Transport for Scripted<T> {
    fn control(&mut self, code: u32, input: &[u8], output_len: usize) -> io::Result<Completion> {
        self.calls.push((code, input.to_vec(), output_len));
        let scripted = self.answers.iter().position(|(answers, _)| answers.is_none_or(|answers| answers == code));
        if let Some(at) = scripted {
            let (_, mut completion) = self.answers.remove(at).expect("found above");
            if completion.output.is_empty() && !completion.status.is_success() {
                completion.output = vec![0; output_len];
            }
            return Ok(completion);
        }
        self.inner.control(code, input, output_len)
    }

    fn close(&mut self) -> io::Result<()> {
        self.inner.close()
    }
}

/// The sample peer driver's device: PEER_START, PEER_STOP and PEER_STATS on counts the test
/// sets. The peer's worker loop runs only in the kernel (it calls the owner's interface from a
/// system thread or a DPC), so nothing real can stand in for it on a host; the requests' checks
/// are the ABI's own ([`PeerIoctl::decode`], [`PeerIoctl::check_lengths`]).
///
/// ```
/// use rundown_abi::peer::PeerStartRequest;
/// use rundown_client::{Device, FakePeer};
///
/// let mut peer = Device::new(FakePeer::new());
/// peer.transport_mut().work.operations = 100;
/// peer.peer_start(PeerStartRequest::default()).unwrap();
/// assert_eq!(peer.peer_stop().unwrap().operations, 100);
/// ```
#[derive(Debug, Default)]
pub struct FakePeer {
    /// What PEER_STATS and PEER_STOP report (`running` is kept by the fake). Like the driver's,
    /// the counts are never reset.
    pub stats: PeerStats,
    /// What the worker adds to `stats` between PEER_START and PEER_STOP.
    pub work: PeerStats,
    /// The last PEER_START's settings.
    pub started_with: Option<PeerStartRequest>,
    /// How many PEER_STATS after a PEER_STOP still see the worker running. The real peer's
    /// PEER_STOP only asks the loop to end (a dispatch routine must not wait for the thread), so
    /// its reply, and the PEER_STATS that follow until the last iteration ends, say `running=1`.
    pub winding_down: u32,
    /// After a PEER_STOP: how many more PEER_STATS see the worker running.
    stopping: Option<u32>,
}

impl FakePeer {
    /// Stopped, all counts 0.
    ///
    /// ```
    /// assert_eq!(rundown_client::FakePeer::new().stats.running, 0);
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn serve(&mut self, code: u32, input: &[u8], output_len: usize) -> Result<Vec<u8>, NtStatus> {
        let ioctl = PeerIoctl::decode(code).map_err(NtStatus::from)?;
        ioctl.check_lengths(input.len(), output_len).map_err(NtStatus::from)?;
        match ioctl {
            PeerIoctl::Start => {
                // The real peer's order: the request's values, then the loop's state.
                let request = PeerStartRequest::from_bytes(input).map_err(NtStatus::from)?;
                if !request.is_valid() {
                    return Err(NtStatus::INVALID_PARAMETER);
                }
                if self.stats.running != 0 {
                    return Err(NtStatus::INVALID_DEVICE_STATE);
                }
                self.started_with = Some(request);
                self.stats.running = 1;
                Ok(Vec::new())
            }
            PeerIoctl::Stop => {
                if self.stats.running == 0 {
                    return Err(NtStatus::INVALID_DEVICE_STATE);
                }
                self.stats.operations += self.work.operations;
                self.stats.refused += self.work.refused;
                self.stats.inconsistencies += self.work.inconsistencies;
                self.stats.generations_seen += self.work.generations_seen;
                self.stats.last_generation = self.stats.last_generation.max(self.work.last_generation);
                self.stopping = Some(self.winding_down);
                Ok(self.stats.to_bytes().to_vec())
            }
            PeerIoctl::Stats => {
                match self.stopping {
                    Some(0) => {
                        self.stats.running = 0;
                        self.stopping = None;
                    }
                    Some(left) => self.stopping = Some(left - 1),
                    None => {}
                }
                Ok(self.stats.to_bytes().to_vec())
            }
        }
    }
}

impl Transport for FakePeer {
    fn control(&mut self, code: u32, input: &[u8], output_len: usize) -> io::Result<Completion> {
        Ok(match self.serve(code, input, output_len) {
            Ok(reply) => Completion::succeeded(&reply, output_len),
            Err(status) => Completion::failed(status, output_len),
        })
    }
}
