//! A one-handle stand-in for the driver, for the host's unit tests: it follows the ABI's
//! checking order and request table closely enough to exercise the tool, nothing more. And
//! [`FakePeer`], the same for the peer driver's device.

use std::io;

use rundown_abi::{
    AcquireRequest, DriverFlavour, HoldsReply, Ioctl, MAX_PAYLOAD, NtStatus, ProtectionKind, QueryReply, ReadReply,
    ReleaseRequest, RotateReply, StatsReply, VersionReply, WireError, WriteReply, WriteRequest,
};

use rundown_abi::peer::{PeerIoctl, PeerStartRequest, PeerStats};

use crate::transport::{Completion, Transport};

/// The fake device: one object, one handle.
#[derive(Debug)]
pub struct FakeDriver {
    generation: u64,
    version: u64,
    payload: Vec<u8>,
    holds: u32,
    stats: StatsReply,
    /// Every request sent: code, input, output length.
    pub calls: Vec<(u32, Vec<u8>, usize)>,
    /// If set, the next request gets this answer instead.
    pub next: Option<Completion>,
    /// Failures to answer: the first entry whose code is a request's code is removed, and the
    /// request is answered with its status instead of being served.
    pub failures: Vec<(u32, NtStatus)>,
    /// Pool bytes and blocks each ROTATE adds to STATS' figures (a leak to find).
    pub leak_per_rotation: (u64, u64),
}

impl FakeDriver {
    /// Generation 1, version 0, empty payload, no holds.
    pub fn new() -> Self {
        let stats = StatsReply {
            acquisitions: 0,
            refusals: 0,
            waits: 0,
            rotations: 0,
            max_holders: 0,
            holders: 0,
            pool_bytes: 0,
            pool_blocks: 0,
        };
        Self {
            generation: 1,
            version: 0,
            payload: Vec::new(),
            holds: 0,
            stats,
            calls: Vec::new(),
            next: None,
            failures: Vec::new(),
            leak_per_rotation: (0, 0),
        }
    }

    /// Answers the next request with `code` with `status` instead of serving it.
    pub fn fail(&mut self, code: u32, status: NtStatus) {
        self.failures.push((code, status));
    }

    /// Sets the generation number, as if rotations had happened (or, going back, as no driver
    /// should).
    pub fn set_generation(&mut self, generation: u64) {
        self.generation = generation;
    }

    /// Sets the pool figures STATS reports.
    pub fn set_pool(&mut self, bytes: u64, blocks: u64) {
        self.stats.pool_bytes = bytes;
        self.stats.pool_blocks = blocks;
    }

    /// The handle's holds.
    pub fn holds(&self) -> u32 {
        self.holds
    }

    /// The payload as it is now.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    fn serve(&mut self, code: u32, input: &[u8], output_len: usize) -> Result<Vec<u8>, NtStatus> {
        let ioctl = Ioctl::decode(code).map_err(NtStatus::from)?;
        ioctl.check_input_len(input.len()).map_err(NtStatus::from)?;
        ioctl.check_output_len(output_len).map_err(NtStatus::from)?;
        Ok(match ioctl {
            Ioctl::Query => self.query().to_bytes().to_vec(),
            Ioctl::Acquire => {
                let count = AcquireRequest::from_bytes(input).map_err(NtStatus::from)?.count;
                self.holds = self.holds.checked_add(count).ok_or(NtStatus::INSUFFICIENT_RESOURCES)?;
                self.stats.acquisitions += u64::from(count);
                self.stats.max_holders = self.stats.max_holders.max(self.holds);
                HoldsReply { handle_holds: self.holds }.to_bytes().to_vec()
            }
            Ioctl::Release => {
                let count = ReleaseRequest::from_bytes(input).map_err(NtStatus::from)?.count;
                self.holds = self.holds.checked_sub(count).ok_or(NtStatus::NOT_FOUND)?;
                HoldsReply { handle_holds: self.holds }.to_bytes().to_vec()
            }
            Ioctl::Read => self.read().to_bytes().to_vec(),
            Ioctl::Write => {
                let request = WriteRequest::from_bytes(input).map_err(|e: WireError| e.status())?;
                self.payload = request.data().to_vec();
                self.version += 1;
                WriteReply { version: self.version }.to_bytes().to_vec()
            }
            Ioctl::Rotate => {
                if self.holds > 0 {
                    return Err(NtStatus::INVALID_DEVICE_STATE);
                }
                self.generation += 1;
                self.stats.rotations += 1;
                self.stats.pool_bytes += self.leak_per_rotation.0;
                self.stats.pool_blocks += self.leak_per_rotation.1;
                RotateReply {
                    old_generation: self.generation - 1,
                    new_generation: self.generation,
                    waited_for_holders: 0,
                }
                .to_bytes()
                .to_vec()
            }
            Ioctl::Stats => StatsReply { holders: self.holds, ..self.stats }.to_bytes().to_vec(),
            Ioctl::Version => VersionReply::new(DriverFlavour::Portable, ProtectionKind::Plain).to_bytes().to_vec(),
            Ioctl::GetInterface => return Err(NtStatus::ACCESS_DENIED),
        })
    }

    fn query(&self) -> QueryReply {
        QueryReply {
            generation: self.generation,
            version: self.version,
            holders: self.holds,
            state: 0,
            payload_len: u32::try_from(self.payload.len()).unwrap_or(u32::MAX),
            handle_holds: self.holds,
        }
    }

    fn read(&self) -> ReadReply {
        let mut payload = [0; MAX_PAYLOAD];
        payload[..self.payload.len()].copy_from_slice(&self.payload);
        let len = u32::try_from(self.payload.len()).unwrap_or(u32::MAX);
        ReadReply { generation: self.generation, version: self.version, len, payload }
    }
}

impl Transport for FakeDriver {
    fn control(&mut self, code: u32, input: &[u8], output_len: usize) -> io::Result<Completion> {
        self.calls.push((code, input.to_vec(), output_len));
        if let Some(next) = self.next.take() {
            return Ok(next);
        }
        if let Some(at) = self.failures.iter().position(|(failing, _)| *failing == code) {
            let (_, status) = self.failures.remove(at);
            return Ok(Completion { status, information: 0, output: vec![0; output_len] });
        }
        Ok(complete(self.serve(code, input, output_len), output_len))
    }
}

/// The completion of a served request: its reply in an `output_len` buffer, or its status.
fn complete(served: Result<Vec<u8>, NtStatus>, output_len: usize) -> Completion {
    let mut output = vec![0; output_len];
    match served {
        Ok(reply) => {
            output[..reply.len()].copy_from_slice(&reply);
            Completion { status: NtStatus::SUCCESS, information: reply.len(), output }
        }
        Err(status) => Completion { status, information: 0, output },
    }
}

/// The peer driver's device: PEER_START, PEER_STOP and PEER_STATS on counts the test sets.
#[derive(Debug, Default)]
pub struct FakePeer {
    /// What PEER_STATS and PEER_STOP report (`running` is kept by the fake). Like the driver's,
    /// the counts are never reset.
    pub stats: PeerStats,
    /// What the worker adds to `stats` between PEER_START and PEER_STOP.
    pub work: PeerStats,
    /// The last PEER_START's settings.
    pub started_with: Option<PeerStartRequest>,
    /// Every request sent: code, input, output length.
    pub calls: Vec<(u32, Vec<u8>, usize)>,
    /// How many PEER_STATS after a PEER_STOP still see the worker running. The real peer's
    /// PEER_STOP only asks the loop to end (a dispatch routine must not wait for the thread), so
    /// its reply, and the PEER_STATS that follow until the last iteration ends, say `running=1`.
    pub winding_down: u32,
    /// After a PEER_STOP: how many more PEER_STATS see the worker running.
    stopping: Option<u32>,
}

impl FakePeer {
    /// Stopped, all counts 0.
    pub fn new() -> Self {
        Self::default()
    }

    fn serve(&mut self, code: u32, input: &[u8], output_len: usize) -> Result<Vec<u8>, NtStatus> {
        let ioctl = PeerIoctl::decode(code).map_err(NtStatus::from)?;
        ioctl.check_lengths(input.len(), output_len).map_err(NtStatus::from)?;
        match ioctl {
            PeerIoctl::Start => {
                if self.stats.running != 0 {
                    return Err(NtStatus::INVALID_DEVICE_STATE);
                }
                self.started_with = Some(PeerStartRequest::from_bytes(input).map_err(NtStatus::from)?);
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
        self.calls.push((code, input.to_vec(), output_len));
        Ok(complete(self.serve(code, input, output_len), output_len))
    }
}
