//! The device's requests, typed: [`call`] encodes any request's input with its wire type, sends
//! it, checks the status and decodes its reply, for every row of rundown-abi's tables (the
//! shared device's `requests::*` and the peer's `peer::requests::*`).
//!
//! The named functions below are shorthands over [`call`] for the callers that build their
//! input from plain values (the stress client, `churn`, the service commands).

use std::io;
use std::time::{Duration, Instant};

use rundown_abi::peer::{self, PeerStartRequest, PeerStats};
use rundown_abi::{
    AcquireRequest, Decode, Encode, HoldsReply, IoctlRequest, Message, NtStatus, QueryReply, ReadReply, ReleaseRequest,
    RotateReply, StatsReply, WireError, WriteReply, WriteRequest, requests,
};

use crate::status;
use crate::transport::Transport;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
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
    /// The request could not be encoded (a payload over 256 bytes).
    #[error("{0}")]
    Request(WireError),
    /// The request could not be issued.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The peer's worker still ran this long after PEER_STOP.
    #[error("the peer's worker still runs {waited:?} after PEER_STOP")]
    StillRunning {
        /// How long [`peer_stop`] waited.
        waited: Duration,
    },
}

impl OpError {
    /// The status, if the device answered one.
    #[must_use]
    pub fn status(&self) -> Option<NtStatus> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Sends request `R` with `input` and an output buffer of its reply's exact size, and decodes
/// the reply.
///
/// # Errors
///
/// See [`OpError`]: a failure status, a reply that is not `R`'s, or the request not issued.
pub fn call<R: IoctlRequest>(device: &mut dyn Transport, input: &R::Input) -> Result<R::Output, OpError>
where
    R::Input: Encode,
    R::Output: Decode,
{
    let bytes = call_code(device, R::CODE, input.encode().as_ref(), <R::Output as Message>::SIZE)?;
    R::Output::decode(&bytes).map_err(|err| OpError::BadReply { information: bytes.len(), detail: err.to_string() })
}

/// Sends `code` with `input` and an output buffer of `output_len` bytes; on success the bytes
/// the driver returned.
fn call_code(device: &mut dyn Transport, code: u32, input: &[u8], output_len: usize) -> Result<Vec<u8>, OpError> {
    let done = device.control(code, input, output_len)?;
    if !done.status.is_success() {
        return Err(OpError::Status { status: done.status, information: done.information });
    }
    match done.returned() {
        Some(bytes) => Ok(bytes.to_vec()),
        None => Err(OpError::BadReply {
            information: done.information,
            detail: format!("more than the {}-byte output buffer", done.output.len()),
        }),
    }
}

/// QUERY: the object's identity and holders.
///
/// # Errors
///
/// See [`OpError`].
pub fn query(device: &mut dyn Transport) -> Result<QueryReply, OpError> {
    call::<requests::Query>(device, &())
}

/// ACQUIRE `count` protections for this handle (0 is sent as is: the driver refuses it).
///
/// # Errors
///
/// See [`OpError`].
pub fn acquire(device: &mut dyn Transport, count: u32) -> Result<HoldsReply, OpError> {
    call::<requests::Acquire>(device, &AcquireRequest { count })
}

/// RELEASE `count` of this handle's protections (0 is sent as is: the driver refuses it).
///
/// # Errors
///
/// See [`OpError`].
pub fn release(device: &mut dyn Transport, count: u32) -> Result<HoldsReply, OpError> {
    call::<requests::Release>(device, &ReleaseRequest { count })
}

/// READ: the payload with its generation and version.
///
/// # Errors
///
/// See [`OpError`].
pub fn read(device: &mut dyn Transport) -> Result<ReadReply, OpError> {
    call::<requests::Read>(device, &())
}

/// WRITE `data` (at most 256 bytes) as the new payload.
///
/// # Errors
///
/// [`OpError::Request`] for more than 256 bytes, which is not sent; otherwise see [`OpError`].
pub fn write(device: &mut dyn Transport, data: &[u8]) -> Result<WriteReply, OpError> {
    call::<requests::Write>(device, &WriteRequest::new(data).map_err(OpError::Request)?)
}

/// ROTATE: blocks while the driver waits for holders.
///
/// # Errors
///
/// See [`OpError`].
pub fn rotate(device: &mut dyn Transport) -> Result<RotateReply, OpError> {
    call::<requests::Rotate>(device, &())
}

/// STATS: the driver's counters.
///
/// # Errors
///
/// See [`OpError`].
pub fn stats(device: &mut dyn Transport) -> Result<StatsReply, OpError> {
    call::<requests::Stats>(device, &())
}

/// PEER_START (on the peer's device): start its worker loop.
///
/// # Errors
///
/// See [`OpError`]; `STATUS_INVALID_DEVICE_STATE` if it already runs.
pub fn peer_start(device: &mut dyn Transport, request: PeerStartRequest) -> Result<(), OpError> {
    call::<peer::requests::Start>(device, &request)
}

/// How long [`peer_stop`] waits for the peer's worker to end.
pub const PEER_STOP_WAIT: Duration = Duration::from_secs(10);

/// PEER_STOP (on the peer's device), then PEER_STATS until the worker has ended: what it saw.
///
/// PEER_STOP only asks the worker to end (the peer's dispatch routine must not wait for its
/// thread), so its last iteration may still hold protection when the reply arrives. The
/// counts returned are those after the worker ended, with `running == 0`.
///
/// # Errors
///
/// See [`OpError`]; `STATUS_INVALID_DEVICE_STATE` if it does not run,
/// [`OpError::StillRunning`] if it has not ended after [`PEER_STOP_WAIT`].
pub fn peer_stop(device: &mut dyn Transport) -> Result<PeerStats, OpError> {
    let mut stats = call::<peer::requests::Stop>(device, &())?;
    let started = Instant::now();
    while stats.running != 0 {
        if started.elapsed() > PEER_STOP_WAIT {
            return Err(OpError::StillRunning { waited: PEER_STOP_WAIT });
        }
        std::thread::sleep(Duration::from_millis(1));
        stats = peer_stats(device)?;
    }
    Ok(stats)
}

/// PEER_STATS (on the peer's device): what the worker loop saw so far.
///
/// # Errors
///
/// See [`OpError`].
pub fn peer_stats(device: &mut dyn Transport) -> Result<PeerStats, OpError> {
    call::<peer::requests::Stats>(device, &())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{FakeDriver, FakePeer};
    use crate::transport::Completion;

    /// One call for every request: VERSION, which has no shorthand, through it.
    #[test]
    fn one_generic_call() {
        let mut dev = FakeDriver::new();
        let version = call::<requests::Version>(&mut dev, &()).unwrap();
        assert_eq!(version.abi_version, rundown_abi::ABI_VERSION);
        assert_eq!(dev.calls, [(rundown_abi::Ioctl::Version.code(), vec![], 16)]);
        let holds = call::<requests::Acquire>(&mut dev, &AcquireRequest { count: 3 }).unwrap();
        assert_eq!(holds.handle_holds, 3);
        assert_eq!(dev.calls[1], (0x8352_6004, vec![3, 0, 0, 0], 4));
        let write = WriteRequest::new(b"ab").unwrap();
        assert_eq!(call::<requests::Write>(&mut dev, &write).unwrap().version, 1);
        assert_eq!(dev.calls[2], (0x8352_A010, b"\x02\0\0\0ab".to_vec(), 8), "only the payload's bytes are sent");
    }

    #[test]
    fn typed_round_trip() {
        let mut dev = FakeDriver::new();
        assert_eq!(acquire(&mut dev, 2).unwrap().handle_holds, 2);
        assert_eq!(query(&mut dev).unwrap().holders, 2);
        assert_eq!(release(&mut dev, 2).unwrap().handle_holds, 0);
        assert_eq!(write(&mut dev, b"hi").unwrap().version, 1);
        assert_eq!(read(&mut dev).unwrap().data(), b"hi");
        let r = rotate(&mut dev).unwrap();
        assert_eq!((r.old_generation, r.new_generation), (1, 2));
        assert_eq!(stats(&mut dev).unwrap().rotations, 1);
    }

    #[test]
    fn peer_requests() {
        let mut peer = FakePeer::new();
        peer_start(&mut peer, PeerStartRequest { hold_us: 50, pause_us: 1, ..PeerStartRequest::default() }).unwrap();
        assert_eq!(peer.calls[0], (0x8352_A400, vec![50, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0], 0));
        let err = peer_start(&mut peer, PeerStartRequest::default()).unwrap_err();
        assert_eq!(err.status(), Some(NtStatus::INVALID_DEVICE_STATE));
        peer.stats.operations = 9;
        assert_eq!(peer_stats(&mut peer).unwrap().running, 1);
        peer.winding_down = 2;
        let stopped = peer_stop(&mut peer).unwrap();
        assert_eq!((stopped.operations, stopped.running), (9, 0));
        assert_eq!(peer.calls[3], (0x8352_A404, vec![], 56));
        // The worker was still ending when PEER_STOP answered: PEER_STATS until it had ended.
        let stats_code = peer.calls[2].0;
        assert_eq!(peer.calls[4..].iter().map(|call| call.0).collect::<Vec<_>>(), [stats_code; 3]);
        assert_eq!(peer_stop(&mut peer).unwrap_err().status(), Some(NtStatus::INVALID_DEVICE_STATE));
        // The shared device does not know the peer's codes.
        let err = peer_stats(&mut FakeDriver::new()).unwrap_err();
        assert_eq!(err.status(), Some(NtStatus::INVALID_DEVICE_REQUEST));
    }

    #[test]
    fn failure_status() {
        let mut dev = FakeDriver::new();
        let err = release(&mut dev, 1).unwrap_err();
        assert_eq!(err.status(), Some(NtStatus::NOT_FOUND));
        assert_eq!(err.to_string(), "STATUS_NOT_FOUND (0xC0000225)");
    }

    #[test]
    fn oversized_write_is_not_sent() {
        let mut dev = FakeDriver::new();
        let err = write(&mut dev, &[b'x'; 257]).unwrap_err();
        assert_eq!(err.to_string(), "payload length 257 exceeds 256");
        assert!(dev.calls.is_empty());
    }

    #[test]
    fn short_success_reply_is_an_error() {
        let mut dev = FakeDriver::new();
        dev.next = Some(Completion { status: NtStatus::SUCCESS, information: 0, output: vec![0; 32] });
        let err = query(&mut dev).unwrap_err();
        assert_eq!(
            err.to_string(),
            "bad reply from the driver (IoStatus.Information = 0): output buffer is 0 bytes; the reply needs 32"
        );
        dev.next = Some(Completion { status: NtStatus::SUCCESS, information: 33, output: vec![0; 32] });
        let err = query(&mut dev).unwrap_err();
        assert_eq!(
            err.to_string(),
            "bad reply from the driver (IoStatus.Information = 33): more than the 32-byte output buffer"
        );
    }
}
