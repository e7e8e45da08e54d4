//! `stress-client`: one handle on the shared device, iterating until time is up.
//!
//! Each iteration:
//! 1. ACQUIRE 1; `STATUS_DELETE_PENDING` (a rotation runs the object down) counts as `refused`,
//!    and the client sleeps 1 ms and starts the next iteration;
//! 2. READ: the payload must be consistent ([`is_consistent`]) and its generation must never go
//!    backwards for this client, else `torn`;
//! 3. every 4th iteration, WRITE a consistent payload ([`payload`]);
//! 4. RELEASE 1: a failure is `lost`; success completes the iteration (`ops`).
//!
//! Steps 2 and 3 run while the client holds protection, so any failure there is a fault, as is
//! any other unexpected answer, and a holds count other than 1 after the ACQUIRE or 0 after the
//! RELEASE.

use std::time::{Duration, Instant};

use rundown_abi::NtStatus;
use rundown_abi::peer::is_consistent;
use rundown_client::{Device, Error, Transport};
use rundownctl::hex;

use super::report::{ClientCounts, Tally};

/// How long a client waits after a refused ACQUIRE (or a failed one).
pub const RETRY_PAUSE: Duration = Duration::from_millis(1);

/// Every how many iterations a client writes.
const WRITE_EVERY: u64 = 4;

/// The payload a client writes at `iteration`: the byte `id + iteration` (both mod 256),
/// `1 + iteration % 200` times.
#[must_use]
pub fn payload(id: u32, iteration: u64) -> Vec<u8> {
    let byte = u64::from(id).wrapping_add(iteration).to_le_bytes()[0];
    let len = 1 + iteration % 200;
    vec![byte; usize::try_from(len).unwrap_or(1)]
}

/// How an iteration ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    /// It held protection and released it (or tried to).
    Held,
    /// The ACQUIRE failed: wait [`RETRY_PAUSE`] before the next.
    Retry,
}

/// One client's state and counts.
#[derive(Clone, Debug)]
pub struct Client {
    id: u32,
    iteration: u64,
    last_generation: Option<u64>,
    /// What it counted.
    pub counts: ClientCounts,
    /// The unexpected answers, for the message on failure.
    pub tally: Tally,
}

impl Client {
    /// Client `id`, before its first iteration.
    #[must_use]
    pub fn new(id: u32) -> Self {
        Self { id, iteration: 0, last_generation: None, counts: ClientCounts::default(), tally: Tally::default() }
    }

    /// Iterations started so far.
    #[must_use]
    pub fn iterations(&self) -> u64 {
        self.iteration
    }

    /// One iteration (see the module's steps).
    pub fn iterate<T: Transport + ?Sized>(&mut self, device: &mut Device<T>) -> Pass {
        let at = self.iteration;
        self.iteration += 1;
        match device.acquire(1) {
            Ok(reply) => {
                if reply.handle_holds != 1 {
                    self.fault("acquire: this handle's holds are not 1", at, || format!("{}", reply.handle_holds));
                }
            }
            Err(err) if err.status() == Some(NtStatus::DELETE_PENDING) => {
                self.counts.refused += 1;
                return Pass::Retry;
            }
            Err(err) => {
                self.failed("acquire", &err, at);
                return Pass::Retry;
            }
        }
        self.read(device, at);
        if at.is_multiple_of(WRITE_EVERY) {
            let data = payload(self.id, at);
            if let Err(err) = device.write(&data) {
                self.failed("write", &err, at);
            }
        }
        match device.release(1) {
            Ok(reply) => {
                self.counts.ops += 1;
                if reply.handle_holds != 0 {
                    self.fault("release: this handle's holds are not 0", at, || format!("{}", reply.handle_holds));
                }
            }
            Err(err) => {
                self.counts.lost += 1;
                self.tally.note(&format!("release: {}", err.describe()), at, String::new);
            }
        }
        Pass::Held
    }

    /// READ, and the checks on what it returned.
    fn read<T: Transport + ?Sized>(&mut self, device: &mut Device<T>, at: u64) {
        let reply = match device.read() {
            Ok(reply) => reply,
            Err(err) => return self.failed("read", &err, at),
        };
        let data = reply.data();
        let mut torn = false;
        if !is_consistent(data) {
            torn = true;
            let example = || {
                format!(
                    "generation {} version {} len {}: {}",
                    reply.generation,
                    reply.version,
                    data.len(),
                    hex::encode(data)
                )
            };
            self.tally.note("read: payload not consistent", at, example);
        }
        match self.last_generation {
            Some(last) if reply.generation < last => {
                torn = true;
                self.tally.note("read: generation went backwards", at, || format!("{last} -> {}", reply.generation));
            }
            _ => self.last_generation = Some(reply.generation),
        }
        if torn {
            self.counts.torn += 1;
        }
    }

    /// A request failed where it must not.
    fn failed(&mut self, request: &str, err: &Error, at: u64) {
        let what = format!("{request}: {}", err.describe());
        self.fault(&what, at, String::new);
    }

    fn fault(&mut self, what: &str, at: u64, example: impl FnOnce() -> String) {
        self.counts.faults += 1;
        self.tally.note(what, at, example);
    }

    /// The one result line the parent reads back ([`ClientCounts::result_line`]).
    #[must_use]
    pub fn result_line(&self) -> String {
        self.counts.result_line(self.id)
    }

    /// The counts for people: `client 5: ops=8 refused=0 torn=0 lost=0 faults=0`.
    #[must_use]
    pub fn line(&self) -> String {
        self.counts.line(self.id)
    }
}

/// Runs client `id` on `device` until `duration` has passed.
#[must_use]
pub fn run<T: Transport + ?Sized>(device: &mut Device<T>, id: u32, duration: Duration) -> Client {
    let mut client = Client::new(id);
    let started = Instant::now();
    while started.elapsed() < duration {
        if client.iterate(device) == Pass::Retry {
            std::thread::sleep(RETRY_PAUSE);
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use rundown_abi::{Ioctl, MAX_PAYLOAD, ReadReply};
    use rundown_client::{Completion, LocalDriver, Scripted, ServiceTransport};

    use super::*;

    fn driver() -> Device<Scripted<ServiceTransport>> {
        Device::new(Scripted::new(LocalDriver::new().open()))
    }

    /// A READ reply of `generation` with the payload `data`.
    fn read_reply(generation: u64, data: &[u8]) -> Completion {
        let mut payload = [0; MAX_PAYLOAD];
        payload[..data.len()].copy_from_slice(data);
        let len = u32::try_from(data.len()).unwrap();
        Completion::succeeded(&ReadReply { generation, version: 1, len, payload }.to_bytes(), ReadReply::SIZE)
    }

    #[test]
    fn payloads_are_consistent_and_bounded() {
        assert_eq!(payload(0, 0), [0]);
        assert_eq!(payload(2, 5), [7; 6]);
        assert_eq!(payload(255, 1), [0; 2]);
        assert_eq!(payload(1, 199), vec![200; 200]);
        assert_eq!(payload(1, 200), [201]);
        assert_eq!(payload(300, 0), [44]);
        for iteration in 0..1000 {
            let data = payload(3, iteration);
            assert!(is_consistent(&data) && !data.is_empty() && data.len() <= 200);
        }
    }

    #[test]
    fn a_clean_iteration_writes_every_fourth_time() {
        let mut dev = driver();
        let mut client = Client::new(5);
        for _ in 0..8 {
            assert_eq!(client.iterate(&mut dev), Pass::Held);
        }
        assert_eq!(client.counts, ClientCounts { ops: 8, ..ClientCounts::default() });
        assert!(client.tally.is_empty());
        // acquire, read, write, release; then acquire, read, release three times; and again.
        let calls = &dev.transport().calls;
        assert_eq!(calls.len(), 2 * (4 + 3 * 3));
        assert_eq!(calls.iter().filter(|call| call.0 == Ioctl::Write.code()).count(), 2);
        assert_eq!(dev.read().unwrap().data(), payload(5, 4));
        assert_eq!(client.line(), "client 5: ops=8 refused=0 torn=0 lost=0 faults=0");
    }

    #[test]
    fn refused_acquires_are_counted_and_retried() {
        let mut dev = driver();
        dev.transport_mut().fail(Ioctl::Acquire.code(), NtStatus::DELETE_PENDING);
        let mut client = Client::new(0);
        assert_eq!(client.iterate(&mut dev), Pass::Retry);
        assert_eq!(dev.transport().calls.len(), 1);
        assert_eq!(client.iterate(&mut dev), Pass::Held);
        assert_eq!(client.counts, ClientCounts { ops: 1, refused: 1, ..ClientCounts::default() });
        assert!(client.counts.passed());
        assert_eq!(client.iterations(), 2);
    }

    #[test]
    fn other_acquire_failures_are_faults() {
        let mut dev = driver();
        dev.transport_mut().fail(Ioctl::Acquire.code(), NtStatus::INSUFFICIENT_RESOURCES);
        let mut client = Client::new(0);
        assert_eq!(client.iterate(&mut dev), Pass::Retry);
        assert_eq!(client.counts, ClientCounts { faults: 1, ..ClientCounts::default() });
        assert_eq!(
            client.tally.to_string(),
            "acquire: STATUS_INSUFFICIENT_RESOURCES (0xC000009A) x1 (first at iteration 0)"
        );
    }

    #[test]
    fn failures_under_protection_are_faults() {
        let mut dev = driver();
        dev.transport_mut().fail(Ioctl::Read.code(), NtStatus::DELETE_PENDING);
        dev.transport_mut().fail(Ioctl::Write.code(), NtStatus::DELETE_PENDING);
        let mut client = Client::new(1);
        assert_eq!(client.iterate(&mut dev), Pass::Held);
        assert_eq!(client.counts, ClientCounts { ops: 1, faults: 2, ..ClientCounts::default() });
        assert!(!client.counts.passed());
        assert_eq!(
            client.tally.to_string(),
            "read: STATUS_DELETE_PENDING (0xC0000056) x1 (first at iteration 0); \
             write: STATUS_DELETE_PENDING (0xC0000056) x1 (first at iteration 0)"
        );
    }

    #[test]
    fn a_failed_release_is_lost() {
        let mut dev = driver();
        dev.transport_mut().fail(Ioctl::Release.code(), NtStatus::NOT_FOUND);
        let mut client = Client::new(1);
        client.iterate(&mut dev);
        assert_eq!(client.counts, ClientCounts { lost: 1, ..ClientCounts::default() });
        assert_eq!(client.line(), "client 1: ops=0 refused=0 torn=0 lost=1 faults=0");
        // The driver still holds it: the next acquire finds 2 holds, and the release leaves 1.
        client.iterate(&mut dev);
        assert_eq!(client.counts, ClientCounts { ops: 1, lost: 1, faults: 2, ..ClientCounts::default() });
    }

    #[test]
    fn torn_payloads_and_generations_going_back() {
        let mut dev = driver();
        dev.write(b"aab").unwrap();
        let mut client = Client::new(1);
        // Iteration 0 reads "aab", then writes a consistent payload.
        client.iterate(&mut dev);
        assert_eq!(client.counts.torn, 1);
        let read = Ioctl::Read.code();
        dev.transport_mut().answer(read, read_reply(5, b"x"));
        client.iterate(&mut dev);
        dev.transport_mut().answer(read, read_reply(4, b"x"));
        client.iterate(&mut dev);
        assert_eq!(client.counts, ClientCounts { ops: 3, torn: 2, ..ClientCounts::default() });
        // Still 5 is the highest seen: the driver's generation 1 stays backwards.
        client.iterate(&mut dev);
        assert_eq!(client.counts.torn, 3);
        assert_eq!(
            client.tally.to_string(),
            "read: generation went backwards x2 (first at iteration 2: 5 -> 4); \
             read: payload not consistent x1 (first at iteration 0: generation 1 version 1 len 3: 616162)"
        );
    }

    #[test]
    fn runs_until_time_is_up() {
        let mut dev = Device::new(LocalDriver::new().open());
        let started = Instant::now();
        let client = run(&mut dev, 2, Duration::from_millis(30));
        assert!(started.elapsed() >= Duration::from_millis(30));
        assert!(client.counts.ops > 0 && client.counts.passed(), "{:?}", client.counts);
        assert_eq!(client.counts.ops, client.iterations());
    }
}
