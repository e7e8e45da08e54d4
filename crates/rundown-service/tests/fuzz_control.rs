//! Fuzzing of the request decoder and dispatcher core: [`Service::control`] with any code, input
//! bytes, output length and requestor mode, on four handles, interleaved with handle cleanups,
//! handle re-opens, rotations and the final retire (unload).
//!
//! One generator serves two drivers: [`harness::run`] turns any byte string into a sequence of
//! operations ([`harness::decode`]), runs it, and checks after every operation that
//! - nothing panicked;
//! - the request got exactly the answer the ABI's checking order gives, computed here by an
//!   independent model of the contract (rundown-abi's crate docs), and a success's reply fits
//!   the output buffer (a request without input that the model does not name is taken as a
//!   read-only query: it succeeds with its own reply and changes nothing, which the checks
//!   below hold it to);
//! - the driver still answers QUERY, with the model's generation, version, payload length and
//!   state;
//! - the holders (QUERY's and STATS's) equal the sum of the handles' holds;
//! - the generation only grows.
//!
//! This file's property runs it on proptest's random bytes (`PROPTEST_CASES`, default 256, so
//! `cargo test` stays fast). The cargo-fuzz target `control` (`fuzz/fuzz_targets/control.rs` at
//! the repository root) includes this file and feeds [`harness::run`] libFuzzer's inputs.

/// The generator, the model of the contract and the checks, shared with the cargo-fuzz target.
pub mod harness {
    use rundown::irql::PassiveLevel;
    use rundown_abi::{
        Access, CtlCode, FILE_DEVICE_RUNDOWN, GetInterfaceRequest, Guid, Ioctl, Method, NtStatus, ObjectState,
        QueryReply, RUNDOWN_INTERFACE_GUID, RUNDOWN_INTERFACE_VERSION, ctl_code, requests,
    };
    use rundown_service::{
        CancellableRequest, Dispatched, HandleState, PendingRotation, PoolUsage, Reply, Request, Rotator, Service,
    };

    /// A pended ROTATE in this one-threaded harness: nothing cancels it (the cancellation rules
    /// have their own tests, `tests/pending.rs`).
    #[derive(Debug)]
    struct Irp;

    impl CancellableRequest for Irp {
        type Pended = ();

        fn arm(&mut self) -> Option<()> {
            Some(())
        }

        fn disarm(&mut self) -> bool {
            true
        }
    }

    /// Open handles, each with its own holds.
    pub const HANDLES: usize = 4;
    /// Operations decoded from one input at most.
    pub const MAX_OPS: usize = 64;
    /// The largest payload (`MAX_PAYLOAD`), written out: the model does not take it from the
    /// code it checks.
    const PAYLOAD: usize = 256;

    /// One step of a run.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum Op {
        /// `Service::control` on behalf of handle `handle`.
        Control {
            /// Which handle sends it.
            handle: usize,
            /// `IoControlCode`.
            code: u32,
            /// The input bytes.
            input: Vec<u8>,
            /// `OutputBufferLength`.
            output_len: usize,
            /// `RequestorMode == UserMode`.
            from_user_mode: bool,
        },
        /// `IRP_MJ_CLEANUP` of a handle: it releases everything it holds.
        Cleanup(usize),
        /// The handle is closed without a cleanup (its state dropped) and a new one opened.
        Reopen(usize),
        /// The owner thread rotates. It waits for every holder, so the handles are closed and
        /// reopened first (this harness has one thread).
        Rotate,
        /// DriverUnload: every handle is cleaned up, then the object is retired for good.
        Retire,
    }

    /// Choices read from the input: a byte past its end reads as 0, so every input decodes.
    struct Bytes<'a> {
        data: &'a [u8],
        at: usize,
    }

    impl Bytes<'_> {
        fn is_empty(&self) -> bool {
            self.at >= self.data.len()
        }

        fn u8(&mut self) -> u8 {
            let byte = self.data.get(self.at).copied().unwrap_or(0);
            self.at += 1;
            byte
        }

        fn u16(&mut self) -> u16 {
            u16::from_le_bytes([self.u8(), self.u8()])
        }

        fn u32(&mut self) -> u32 {
            u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
        }

        fn u64(&mut self) -> u64 {
            u64::from(self.u32()) | (u64::from(self.u32()) << 32)
        }

        /// `len` bytes: up to 16 from the input, the rest a pattern seeded by one more.
        fn bytes(&mut self, len: usize) -> Vec<u8> {
            let mut out: Vec<u8> = (0..len.min(16)).map(|_| self.u8()).collect();
            let seed = self.u8();
            out.extend((out.len()..len).map(|i| seed.wrapping_add(i.to_le_bytes()[0])));
            out
        }

        /// An ACQUIRE or RELEASE count, biased to the edges.
        fn count(&mut self) -> u32 {
            match self.u8() % 16 {
                0 => 0,
                1..=5 => 1,
                6..=10 => u32::from(self.u8() % 8) + 1,
                11 => u32::MAX,
                12 => u32::MAX - u32::from(self.u8() % 4),
                13 | 14 => 1 << (self.u8() % 32),
                _ => self.u32(),
            }
        }
    }

    /// Decodes `data` into at most [`MAX_OPS`] operations.
    #[must_use]
    pub fn decode(data: &[u8]) -> Vec<Op> {
        let mut bytes = Bytes { data, at: 0 };
        let mut ops = Vec::new();
        while !bytes.is_empty() && ops.len() < MAX_OPS {
            let op = match bytes.u8() {
                255 => Op::Retire,
                240..=254 => Op::Rotate,
                224..=239 => Op::Cleanup(usize::from(bytes.u8()) % HANDLES),
                216..=223 => Op::Reopen(usize::from(bytes.u8()) % HANDLES),
                _ => control(&mut bytes),
            };
            ops.push(op);
        }
        ops
    }

    /// A control request: mostly well-formed with one thing wrong, sometimes anything.
    fn control(bytes: &mut Bytes<'_>) -> Op {
        let handle = usize::from(bytes.u8()) % HANDLES;
        let known = Ioctl::ALL[usize::from(bytes.u8()) % Ioctl::ALL.len()];
        let code = match bytes.u8() % 16 {
            0..=11 => known.code(),
            12 => ctl_code(FILE_DEVICE_RUNDOWN, known.function(), Method::from_bits(bytes.u8().into()), known.access()),
            13 => ctl_code(FILE_DEVICE_RUNDOWN, known.function(), known.method(), Access::from_bits(bytes.u8().into())),
            14 => {
                let function = bytes.u16() & 0xFFF;
                let (method, access) = (Method::from_bits(bytes.u8().into()), Access::from_bits(bytes.u8().into()));
                ctl_code(FILE_DEVICE_RUNDOWN, function, method, access)
            }
            _ => bytes.u32(),
        };
        // Inputs and outputs are shaped for the request the function names, if any.
        let shape = Ioctl::from_function(CtlCode::from_raw(code).function).unwrap_or(known);
        let input = match bytes.u8() % 8 {
            0..=5 => well_formed_input(shape, bytes),
            6 => {
                let len = usize::from(bytes.u16() % 600);
                bytes.bytes(len)
            }
            _ => Vec::new(),
        };
        let size = output_size(shape);
        let output_len = match bytes.u8() % 16 {
            0..=11 => size,
            12 => size.saturating_sub(1),
            13 => size + 1,
            14 => usize::from(bytes.u16()),
            _ => usize::try_from(bytes.u64()).unwrap_or(usize::MAX),
        };
        let from_user_mode = !bytes.u8().is_multiple_of(4);
        Op::Control { handle, code, input, output_len, from_user_mode }
    }

    /// The input `ioctl` takes, with its fields chosen from `bytes`.
    fn well_formed_input(ioctl: Ioctl, bytes: &mut Bytes<'_>) -> Vec<u8> {
        match ioctl {
            Ioctl::Acquire | Ioctl::Release => bytes.count().to_le_bytes().to_vec(),
            Ioctl::Write => {
                let len = usize::from(bytes.u16()) % (PAYLOAD + 8);
                let declared = match bytes.u8() % 4 {
                    0 => bytes.u32(),
                    _ => u32::try_from(len).expect("small"),
                };
                let mut input = declared.to_le_bytes().to_vec();
                input.extend(bytes.bytes(len));
                input
            }
            Ioctl::GetInterface => {
                let mut request = GetInterfaceRequest::current();
                match bytes.u8() % 5 {
                    0 => request.guid = Guid { data1: bytes.u32(), ..request.guid },
                    1 => request.version = bytes.u16(),
                    2 => request.size = bytes.u16(),
                    _ => {}
                }
                request.to_bytes().to_vec()
            }
            plain => {
                assert_eq!(plain.input_size(), Some(0), "{plain:?}: give the model its input");
                Vec::new()
            }
        }
    }

    /// Each reply's size, as the contract gives it (the table's, for a query the model does not
    /// name).
    #[allow(clippy::match_wildcard_for_single_variants, reason = "the requests without input added to the table")]
    fn output_size(ioctl: Ioctl) -> usize {
        match ioctl {
            Ioctl::Query => 32,
            Ioctl::Acquire | Ioctl::Release => 4,
            Ioctl::Read => 280,
            Ioctl::Write => 8,
            Ioctl::Rotate => 24,
            Ioctl::Stats => 56,
            Ioctl::Version => 16,
            Ioctl::GetInterface => 72,
            #[allow(unreachable_patterns, reason = "the requests without input added to the table: none yet")]
            plain => plain.output_size(),
        }
    }

    /// What the driver has done so far, as the contract describes it.
    #[derive(Debug)]
    struct Model {
        generation: u64,
        version: u64,
        payload: Vec<u8>,
        holds: [u64; HANDLES],
        /// CLEANUP ran: the handle holds nothing from now on.
        closed: [bool; HANDLES],
        rotation_pending: bool,
        retired: bool,
        rotations: u64,
    }

    impl Model {
        fn holders(&self) -> u64 {
            self.holds.iter().sum()
        }
    }

    /// A success the model expects.
    #[derive(Debug)]
    enum Success {
        Query,
        Holds(u64),
        Read,
        Write,
        RotateQueued,
        Stats,
        Version,
        Interface,
        /// A request without input that the model does not name: a read-only query.
        Plain(Ioctl),
    }

    /// The contract's answer to a request from `handle`, in the ABI's checking order.
    #[allow(clippy::match_wildcard_for_single_variants, reason = "the requests without input added to the table")]
    fn expected(model: &Model, handle: usize, request: &Request<'_>) -> Result<Success, NtStatus> {
        // 1. The code: exactly one of the ABI's codes (device type, function, method, access).
        let ioctl = Ioctl::ALL.into_iter().find(|ioctl| ioctl.code() == request.code);
        let ioctl = ioctl.ok_or(NtStatus::INVALID_DEVICE_REQUEST)?;
        if ioctl == Ioctl::GetInterface && request.from_user_mode {
            return Err(NtStatus::ACCESS_DENIED);
        }
        // 2. The input length.
        let input = request.input;
        let input_ok = match ioctl {
            Ioctl::Acquire | Ioctl::Release => input.len() == 4,
            Ioctl::Write => (4..=4 + PAYLOAD).contains(&input.len()),
            Ioctl::GetInterface => input.len() == 20,
            // QUERY, READ, ROTATE, STATS, VERSION and any request the model does not name.
            _ => input.is_empty(),
        };
        if !input_ok {
            return Err(NtStatus::INFO_LENGTH_MISMATCH);
        }
        // 3. The output length.
        let size = output_size(ioctl);
        if request.output_len < size {
            return Err(NtStatus::BUFFER_TOO_SMALL);
        }
        if request.output_len > size {
            return Err(NtStatus::INFO_LENGTH_MISMATCH);
        }
        // 4. The fields, then the operation.
        let field = |at: usize| u32::from_le_bytes(input[at..at + 4].try_into().expect("4 bytes"));
        let held = model.holds[handle];
        match ioctl {
            Ioctl::Query => Ok(Success::Query),
            Ioctl::Acquire => match u64::from(field(0)) {
                0 => Err(NtStatus::INVALID_PARAMETER),
                count if held + count > u64::from(u32::MAX) || model.holders() + count > u64::from(u32::MAX) => {
                    Err(NtStatus::INSUFFICIENT_RESOURCES)
                }
                _ if model.retired => Err(NtStatus::DELETE_PENDING),
                _ if model.closed[handle] => Err(NtStatus::FILE_CLOSED),
                count => Ok(Success::Holds(held + count)),
            },
            Ioctl::Release => match u64::from(field(0)) {
                0 => Err(NtStatus::INVALID_PARAMETER),
                count if count > held => Err(NtStatus::NOT_FOUND),
                count => Ok(Success::Holds(held - count)),
            },
            Ioctl::Read if model.retired => Err(NtStatus::DELETE_PENDING),
            Ioctl::Read => Ok(Success::Read),
            Ioctl::Write => {
                let declared = field(0) as usize;
                if declared > PAYLOAD {
                    Err(NtStatus::INVALID_PARAMETER)
                } else if declared != input.len() - 4 {
                    Err(NtStatus::INFO_LENGTH_MISMATCH)
                } else if model.retired {
                    Err(NtStatus::DELETE_PENDING)
                } else {
                    Ok(Success::Write)
                }
            }
            Ioctl::Rotate if held > 0 => Err(NtStatus::INVALID_DEVICE_STATE),
            Ioctl::Rotate if model.retired => Err(NtStatus::DELETE_PENDING),
            Ioctl::Rotate if model.closed[handle] => Err(NtStatus::FILE_CLOSED),
            Ioctl::Rotate if model.rotation_pending => Err(NtStatus::DEVICE_BUSY),
            Ioctl::Rotate => Ok(Success::RotateQueued),
            Ioctl::Stats => Ok(Success::Stats),
            Ioctl::Version => Ok(Success::Version),
            Ioctl::GetInterface => {
                let wanted = GetInterfaceRequest::from_bytes(input).expect("20 bytes");
                if wanted.guid != RUNDOWN_INTERFACE_GUID || wanted.version != RUNDOWN_INTERFACE_VERSION {
                    Err(NtStatus::NOT_SUPPORTED)
                } else if wanted.size < 72 {
                    Err(NtStatus::INVALID_PARAMETER)
                } else if model.retired {
                    Err(NtStatus::DELETE_PENDING)
                } else {
                    Ok(Success::Interface)
                }
            }
            #[allow(unreachable_patterns, reason = "the requests without input added to the table: none yet")]
            plain => Ok(Success::Plain(plain)),
        }
    }

    /// The service, its rotator (until the retire), the handles and the model of them.
    struct Run<'s, 'r> {
        service: &'s Service<'r>,
        rotator: Option<Rotator<'s, 'r>>,
        pending: PendingRotation<Irp>,
        handles: Vec<HandleState<'s, 'r>>,
        model: Model,
        irql: PassiveLevel,
    }

    /// Runs the operations `data` decodes to, checking the contract and the invariants after
    /// each.
    ///
    /// # Panics
    /// When the service panics, answers other than the contract says, or breaks an invariant.
    pub fn run(data: &[u8]) {
        let ops = decode(data);
        let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
        let object = rundown_service::shared_object(&irql).expect("pool");
        let service = Service::new(&object, || PoolUsage { bytes: 64, blocks: 1 });
        let model = Model {
            generation: 1,
            version: 0,
            payload: Vec::new(),
            holds: [0; HANDLES],
            closed: [false; HANDLES],
            rotation_pending: false,
            retired: false,
            rotations: 0,
        };
        let mut run = Run {
            service: &service,
            rotator: Some(Rotator::new(&service).expect("the owner is unclaimed")),
            pending: PendingRotation::new(),
            handles: (0..HANDLES).map(|_| service.open_handle()).collect(),
            model,
            irql,
        };
        run.check_invariants(None, 0);
        let mut generation = service.generation();
        for (step, op) in ops.iter().enumerate() {
            run.apply(op);
            run.check_invariants(Some(op), step);
            assert!(service.generation() >= generation, "step {step}: the generation went back after {op:?}");
            generation = service.generation();
        }
    }

    impl Run<'_, '_> {
        fn apply(&mut self, op: &Op) {
            match *op {
                Op::Control { handle, code, ref input, output_len, from_user_mode } => {
                    let request = Request { code, input, output_len, from_user_mode };
                    self.control(handle, &request);
                }
                Op::Cleanup(handle) => self.cleanup(handle),
                Op::Reopen(handle) => self.reopen(handle),
                Op::Rotate => {
                    if self.rotator.is_some() {
                        (0..HANDLES).for_each(|handle| self.reopen(handle));
                        let rotator = self.rotator.as_mut().expect("checked");
                        let queued = self.pending.begin(&mut self.irql);
                        let reply = rotator.rotate(&self.irql);
                        if queued {
                            let _completed: Irp = self.pending.finish(&mut self.irql).expect("nothing cancels here");
                        }
                        let model = &mut self.model;
                        assert_eq!(
                            (reply.old_generation, reply.new_generation, reply.waited_for_holders),
                            (model.generation, model.generation + 1, 0),
                            "ROTATE's reply"
                        );
                        model.generation += 1;
                        model.rotations += 1;
                        model.rotation_pending = false;
                    }
                }
                Op::Retire => {
                    if let Some(rotator) = self.rotator.take() {
                        (0..HANDLES).for_each(|handle| self.reopen(handle));
                        self.service.begin_unload();
                        let _refused: Option<Irp> = self.pending.close(&mut self.irql);
                        self.model.rotation_pending = false;
                        let retired = rotator.retire(&self.irql);
                        assert_eq!((retired.generation, retired.waited_for_holders), (self.model.generation, 0));
                        self.model.retired = true;
                    }
                }
            }
        }

        fn cleanup(&mut self, handle: usize) {
            let released = self.service.cleanup(&self.handles[handle], &self.irql);
            assert_eq!(u64::from(released), self.model.holds[handle], "CLEANUP of handle {handle}");
            self.model.holds[handle] = 0;
            self.model.closed[handle] = true;
        }

        /// CLOSE (dropping the state releases what it holds), then a new handle in its place.
        fn reopen(&mut self, handle: usize) {
            self.handles[handle] = self.service.open_handle();
            self.model.holds[handle] = 0;
            self.model.closed[handle] = false;
        }

        /// Sends `request`, requires the contract's answer, and updates the model.
        fn control(&mut self, handle: usize, request: &Request<'_>) {
            let expected = expected(&self.model, handle, request);
            let dispatched =
                self.service.dispatch(&self.handles[handle], handle, request, Irp, &self.pending, &mut self.irql);
            let answer = match dispatched {
                Dispatched::Pended(()) => Ok(Reply::RotateQueued),
                Dispatched::Complete(Irp, answer) => answer,
            };
            let model = &mut self.model;
            // Whatever the model says, a known request is answered only with what its row in
            // the ABI's table declares.
            if let (Ok(ioctl), Err(status)) = (Ioctl::decode(request.code), answer) {
                assert!(ioctl.may_answer(status), "{request:?}: {status:?} is not among {ioctl:?}'s declared statuses");
            }
            let reply = match (&expected, answer) {
                (Err(status), Err(got)) if *status == got => return,
                (Ok(_), Ok(reply)) => reply,
                (_, answer) => panic!("{request:?} from handle {handle}: expected {expected:?}, got {answer:?}"),
            };
            // A success's reply fits the output buffer exactly; a pended ROTATE and an interface
            // request (which the driver answers itself) write nothing.
            let mut out = vec![0; request.output_len];
            let written = reply.write_to(&mut out);
            let writes = matches!(expected, Ok(Success::RotateQueued | Success::Interface)).then_some(0);
            assert_eq!(written, Some(writes.unwrap_or(request.output_len)), "{request:?}: {reply:?} into the output");
            let matches = match expected.expect("Ok") {
                Success::Query => reply.decode::<requests::Query>().is_some_and(|query| {
                    check_query(model, handle, &query);
                    true
                }),
                Success::Holds(now) => {
                    model.holds[handle] = now;
                    let holds = reply.decode::<requests::Acquire>().or_else(|| reply.decode::<requests::Release>());
                    holds.is_some_and(|holds| u64::from(holds.handle_holds) == now)
                }
                Success::Read => reply.decode::<requests::Read>().is_some_and(|read| {
                    (read.generation, read.version, read.data())
                        == (model.generation, model.version, &model.payload[..])
                }),
                Success::Write => {
                    model.version += 1;
                    model.payload = request.input[4..].to_vec();
                    reply.decode::<requests::Write>().is_some_and(|write| write.version == model.version)
                }
                Success::RotateQueued => {
                    model.rotation_pending = true;
                    reply == Reply::RotateQueued
                }
                Success::Stats => reply.decode::<requests::Stats>().is_some_and(|stats| {
                    (u64::from(stats.holders), stats.rotations, stats.pool_bytes, stats.pool_blocks)
                        == (model.holders(), model.rotations, 64, 1)
                }),
                // Contract 1, the largest payload, and this build's flavour and protection.
                Success::Version => reply.decode::<requests::Version>().is_some_and(|version| {
                    let flavour = u32::from(!cfg!(feature = "ntoskrnl"));
                    let protection = u32::from(cfg!(feature = "cache-aware"));
                    (version.abi_version, version.flavour, version.protection, version.max_payload)
                        == (1, flavour, protection, 256)
                }),
                // The driver fills the interface table itself: the service's reply writes nothing.
                Success::Interface => reply == Reply::InterfaceRequested,
                // Its own reply (its size was checked above); the invariants below check that
                // nothing moved.
                Success::Plain(ioctl) => reply.ioctl() == ioctl,
            };
            assert!(matches, "{request:?} from handle {handle}: answered {reply:?}, model {model:?}");
        }

        /// After every operation: QUERY answers as the model says, the holders are the sum of
        /// the handles' holds, and nothing else moved.
        fn check_invariants(&mut self, op: Option<&Op>, step: usize) {
            let request = Request { code: Ioctl::Query.code(), input: &[], output_len: 32, from_user_mode: true };
            let answer = self.service.control(&self.handles[0], &request, &mut self.irql);
            match answer.as_ref().ok().and_then(Reply::decode::<requests::Query>) {
                Some(query) => check_query(&self.model, 0, &query),
                None => panic!("step {step}: QUERY answered {answer:?} after {op:?}"),
            }
            let holds: Vec<u64> = self.handles.iter().map(|handle| u64::from(handle.held())).collect();
            assert_eq!(holds, self.model.holds, "step {step}: the handles' holds after {op:?}");
            let stats = self.service.stats();
            assert_eq!(u64::from(stats.holders), self.model.holders(), "step {step}: STATS holders after {op:?}");
            assert_eq!(stats.rotations, self.model.rotations, "step {step}: rotations after {op:?}");
            assert_eq!(self.service.generation(), self.model.generation, "step {step}: generation after {op:?}");
            assert_eq!(
                self.pending.is_pending(&mut self.irql),
                self.model.rotation_pending,
                "step {step}: pending rotation after {op:?}"
            );
        }
    }

    /// QUERY's reply against the model, for `handle`.
    fn check_query(model: &Model, handle: usize, query: &QueryReply) {
        let state = if model.retired { ObjectState::Completed } else { ObjectState::Active };
        let (version, payload_len) = if model.retired { (0, 0) } else { (model.version, model.payload.len()) };
        let got = (query.generation, u64::from(query.holders), u64::from(query.handle_holds), query.state);
        let want = (model.generation, model.holders(), model.holds[handle], state as u32);
        assert_eq!(got, want, "QUERY (generation, holders, handle_holds, state); model {model:?}");
        assert_eq!((query.version, query.payload_len as usize), (version, payload_len), "QUERY (version, payload_len)");
    }
}

#[cfg(test)]
mod property {
    use proptest::collection::vec;
    use proptest::prelude::*;

    use rundown_abi::Ioctl;

    use super::harness::{self, Op};

    proptest! {
        /// Any bytes: the contract's answers, and the invariants after every operation.
        #[test]
        fn control_keeps_the_contract_and_the_invariants(data in vec(any::<u8>(), 0..2048)) {
            harness::run(&data);
        }
    }

    /// Found by this fuzzer: holders were counted in a `u32`, so handles holding `u32::MAX`
    /// together made the next QUERY overflow. Now QUERY counts them all, and an ACQUIRE that
    /// would take the total past what QUERY's `holders` can report is refused, as a handle's own
    /// limit is.
    #[test]
    fn total_holders_stop_at_u32_max() {
        use rundown::irql::PassiveLevel;
        use rundown_abi::{AcquireRequest, Ioctl, NtStatus, requests};
        use rundown_service::{PoolUsage, Reply, Request, Service};

        let mut irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
        let object = rundown_service::shared_object(&irql).expect("pool");
        let service = Service::new(&object, PoolUsage::default);
        let (first, second) = (service.open_handle(), service.open_handle());
        let acquire = |count: u32| AcquireRequest { count }.to_bytes();
        let (all, one) = (acquire(u32::MAX), acquire(1));
        let request = |input| Request { code: Ioctl::Acquire.code(), input, output_len: 4, from_user_mode: true };
        let query = Request { code: Ioctl::Query.code(), input: &[], output_len: 32, from_user_mode: true };
        assert!(service.control(&first, &request(&all), &mut irql).is_ok(), "a handle may hold u32::MAX");
        let answer = service.control(&second, &query, &mut irql);
        let reply = answer.as_ref().ok().and_then(Reply::decode::<requests::Query>).expect("QUERY");
        assert_eq!(reply.holders, u32::MAX);
        assert_eq!(service.control(&second, &request(&one), &mut irql), Err(NtStatus::INSUFFICIENT_RESOURCES));
        let _ = service.cleanup(&first, &irql);
    }

    /// The generator reaches every kind of operation, every request's code, and both requestor
    /// modes.
    #[test]
    fn the_generator_reaches_every_operation() {
        let mut kinds = [0usize; 5];
        let mut codes = std::collections::BTreeSet::new();
        let mut modes = std::collections::BTreeSet::new();
        for seed in 0u8..=255 {
            let data: Vec<u8> =
                (0..=255u8).cycle().take(512).map(|i| seed.wrapping_mul(31) ^ i.wrapping_mul(7)).collect();
            for op in harness::decode(&data) {
                let kind = match op {
                    Op::Control { code, from_user_mode, .. } => {
                        codes.insert(code);
                        modes.insert(from_user_mode);
                        0
                    }
                    Op::Cleanup(_) => 1,
                    Op::Reopen(_) => 2,
                    Op::Rotate => 3,
                    Op::Retire => 4,
                };
                kinds[kind] += 1;
            }
        }
        assert!(kinds.iter().all(|&count| count > 0), "{kinds:?}");
        assert!(Ioctl::ALL.iter().all(|ioctl| codes.contains(&ioctl.code())), "not every request's code");
        assert_eq!(modes.len(), 2, "one requestor mode only");
    }
}
