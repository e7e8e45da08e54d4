//! A one-handle stand-in for the driver, for the host's unit tests: it follows the ABI's
//! checking order and request table closely enough to exercise the tool, nothing more.

use std::io;

use rundown_abi::{
    AcquireRequest, HoldsReply, Ioctl, MAX_PAYLOAD, NtStatus, QueryReply, ReadReply, ReleaseRequest, RotateReply,
    StatsReply, WireError, WriteReply, WriteRequest,
};

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
        Self { generation: 1, version: 0, payload: Vec::new(), holds: 0, stats, calls: Vec::new(), next: None }
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
                RotateReply {
                    old_generation: self.generation - 1,
                    new_generation: self.generation,
                    waited_for_holders: 0,
                }
                .to_bytes()
                .to_vec()
            }
            Ioctl::Stats => StatsReply { holders: self.holds, ..self.stats }.to_bytes().to_vec(),
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
        let mut output = vec![0; output_len];
        Ok(match self.serve(code, input, output_len) {
            Ok(reply) => {
                output[..reply.len()].copy_from_slice(&reply);
                Completion { status: NtStatus::SUCCESS, information: reply.len(), output }
            }
            Err(status) => Completion { status, information: 0, output },
        })
    }
}
