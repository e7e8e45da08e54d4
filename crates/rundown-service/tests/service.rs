//! The request handler against the ABI's contract: every IOCTL, the malformed requests and their
//! statuses, holds across threads, rotation under load, and unload while held.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::time::Duration;

mod common;

use common::{Answer, irql, with_service};
use rundown::irql::PassiveLevel;
use rundown_abi::{
    ABI_VERSION, AcquireRequest, DriverFlavour, Ioctl, MAX_PAYLOAD, NtStatus, ObjectState, ProtectionKind,
    ReleaseRequest, StatsReply, VersionReply, WriteReply, WriteRequest, requests,
};
use rundown_service::{HandleState, Reply, Request, Rotator, Service};

/// Sends `ioctl` with `input` and the exact output length the contract names.
fn send(service: &Service<'_>, handle: &HandleState<'_, '_>, ioctl: Ioctl, input: &[u8]) -> Result<Reply, NtStatus> {
    send_raw(service, handle, ioctl.code(), input, ioctl.output_size())
}

fn send_raw(
    service: &Service<'_>,
    handle: &HandleState<'_, '_>,
    code: u32,
    input: &[u8],
    output_len: usize,
) -> Result<Reply, NtStatus> {
    let request = Request { code, input, output_len, from_user_mode: true };
    service.control(handle, &request, &mut irql())
}

fn acquire(service: &Service<'_>, handle: &HandleState<'_, '_>, count: u32) -> Result<Reply, NtStatus> {
    send(service, handle, Ioctl::Acquire, &AcquireRequest { count }.to_bytes())
}

fn release(service: &Service<'_>, handle: &HandleState<'_, '_>, count: u32) -> Result<Reply, NtStatus> {
    send(service, handle, Ioctl::Release, &ReleaseRequest { count }.to_bytes())
}

fn write(service: &Service<'_>, handle: &HandleState<'_, '_>, data: &[u8]) -> Result<Reply, NtStatus> {
    let request = WriteRequest::new(data).expect("short payload");
    send(service, handle, Ioctl::Write, &request.to_bytes()[..request.wire_len()])
}

fn stats(service: &Service<'_>, handle: &HandleState<'_, '_>) -> StatsReply {
    let answer = send(service, handle, Ioctl::Stats, &[]);
    answer.reply::<requests::Stats>().unwrap_or_else(|| panic!("STATS answered {answer:?}"))
}

#[test]
fn each_ioctl_answers_its_reply() {
    with_service(|service, rotator| {
        let handle = service.open_handle();
        let query = send(service, &handle, Ioctl::Query, &[]).reply::<requests::Query>().expect("QUERY");
        assert_eq!((query.generation, query.version, query.holders, query.state), (1, 0, 0, 0));
        assert_eq!(write(service, &handle, b"first").reply::<requests::Write>(), Some(WriteReply { version: 1 }));
        let read = send(service, &handle, Ioctl::Read, &[]).reply::<requests::Read>().expect("READ");
        assert_eq!((read.generation, read.version, read.data()), (1, 1, &b"first"[..]));
        assert!(acquire(service, &handle, 2).reply::<requests::Acquire>().map(|h| h.handle_holds) == Some(2));
        let query = send(service, &handle, Ioctl::Query, &[]).reply::<requests::Query>().expect("QUERY");
        assert_eq!((query.holders, query.handle_holds, query.payload_len), (2, 2, 5));
        assert!(release(service, &handle, 2).reply::<requests::Release>().map(|h| h.handle_holds) == Some(0));
        assert_eq!(send(service, &handle, Ioctl::Rotate, &[]), Ok(Reply::RotateQueued));
        let rotated = rotator.rotate(&irql());
        assert_eq!((rotated.old_generation, rotated.new_generation, rotated.waited_for_holders), (1, 2, 0));
        let read = send(service, &handle, Ioctl::Read, &[]).reply::<requests::Read>().expect("READ");
        assert_eq!((read.generation, read.version, read.data()), (2, 1, &b"first"[..]), "the payload carries over");
        let stats = stats(service, &handle);
        // QUERY holds protection while it reads, on top of the handle's two.
        assert_eq!((stats.rotations, stats.holders, stats.max_holders, stats.refusals), (1, 0, 3, 0));
        assert_eq!((stats.pool_bytes, stats.pool_blocks), (64, 1), "from the allocator's report");
    });
}

/// VERSION answers this crate's contract and the build's flavour and protection, from the
/// service's own features, and is checked like every request.
#[test]
fn version_answers_the_contract_and_the_build() {
    with_service(|service, _| {
        let handle = service.open_handle();
        let version = send(service, &handle, Ioctl::Version, &[]).reply::<requests::Version>().expect("VERSION");
        let flavour = if cfg!(feature = "ntoskrnl") { DriverFlavour::Ntoskrnl } else { DriverFlavour::Portable };
        let protection = if cfg!(feature = "cache-aware") { ProtectionKind::CacheAware } else { ProtectionKind::Plain };
        assert_eq!(version, VersionReply::new(flavour, protection));
        assert_eq!((version.abi_version, version.max_payload as usize), (ABI_VERSION, MAX_PAYLOAD));
        assert_eq!((version.driver_flavour(), version.protection_kind()), (Some(flavour), Some(protection)));
        assert_eq!(version, Service::VERSION);
        let mut out = [0xAA; 16];
        assert_eq!(Reply::of::<requests::Version>(&version).write_to(&mut out), Some(16));
        assert_eq!(VersionReply::from_bytes(&out), Ok(version));
        let code = Ioctl::Version.code();
        assert_eq!(send_raw(service, &handle, code, &[0], 16), Err(NtStatus::INFO_LENGTH_MISMATCH));
        assert_eq!(send_raw(service, &handle, code, &[], 15), Err(NtStatus::BUFFER_TOO_SMALL));
        assert_eq!(send_raw(service, &handle, code, &[], 17), Err(NtStatus::INFO_LENGTH_MISMATCH));
        assert_eq!(send_raw(service, &handle, code ^ (3 << 14), &[], 16), Err(NtStatus::INVALID_DEVICE_REQUEST));
        // It changes nothing and takes no protection.
        assert_eq!(stats(service, &handle).acquisitions, 0);
    });
}

#[test]
fn malformed_requests_get_the_contracts_status_and_change_nothing() {
    with_service(|service, _| {
        let handle = service.open_handle();
        let dev = u32::from(rundown_abi::FILE_DEVICE_RUNDOWN);
        let cases: &[(&str, u32, &[u8], usize, NtStatus)] = &[
            ("unknown function", (dev << 16) | (0x7FF << 2), &[], 0, NtStatus::INVALID_DEVICE_REQUEST),
            ("another device type", Ioctl::Query.code() ^ (1 << 16), &[], 32, NtStatus::INVALID_DEVICE_REQUEST),
            ("METHOD_NEITHER", Ioctl::Query.code() | 3, &[], 32, NtStatus::INVALID_DEVICE_REQUEST),
            ("write access on a read code", Ioctl::Query.code() | (2 << 14), &[], 32, NtStatus::INVALID_DEVICE_REQUEST),
            ("QUERY with input", Ioctl::Query.code(), &[0], 32, NtStatus::INFO_LENGTH_MISMATCH),
            ("QUERY short output", Ioctl::Query.code(), &[], 31, NtStatus::BUFFER_TOO_SMALL),
            ("QUERY long output", Ioctl::Query.code(), &[], 33, NtStatus::INFO_LENGTH_MISMATCH),
            ("ACQUIRE short input", Ioctl::Acquire.code(), &[1, 0, 0], 4, NtStatus::INFO_LENGTH_MISMATCH),
            ("ACQUIRE zero", Ioctl::Acquire.code(), &[0; 4], 4, NtStatus::INVALID_PARAMETER),
            ("RELEASE without a hold", Ioctl::Release.code(), &[1, 0, 0, 0], 4, NtStatus::NOT_FOUND),
            ("RELEASE zero", Ioctl::Release.code(), &[0; 4], 4, NtStatus::INVALID_PARAMETER),
            ("WRITE without header", Ioctl::Write.code(), &[1, 0], 8, NtStatus::INFO_LENGTH_MISMATCH),
            ("WRITE length past payload", Ioctl::Write.code(), &[3, 0, 0, 0, b'a'], 8, NtStatus::INFO_LENGTH_MISMATCH),
            ("WRITE too long", Ioctl::Write.code(), &[1, 1, 0, 0], 8, NtStatus::INVALID_PARAMETER),
            ("STATS zero output", Ioctl::Stats.code(), &[], 0, NtStatus::BUFFER_TOO_SMALL),
            ("GET_INTERFACE from user mode", Ioctl::GetInterface.code(), &[], 0, NtStatus::ACCESS_DENIED),
        ];
        for &(name, code, input, output_len, status) in cases {
            assert_eq!(send_raw(service, &handle, code, input, output_len), Err(status), "{name}");
            let query = send(service, &handle, Ioctl::Query, &[]).reply::<requests::Query>();
            let query = query.unwrap_or_else(|| panic!("QUERY after {name}"));
            assert_eq!((query.generation, query.version, query.holders, query.handle_holds), (1, 0, 0, 0), "{name}");
        }
    });
}

#[test]
fn a_release_beyond_the_handles_holds_leaves_other_handles_alone() {
    with_service(|service, _| {
        let (first, second) = (service.open_handle(), service.open_handle());
        acquire(service, &first, 1).expect("active");
        assert_eq!(release(service, &second, 1), Err(NtStatus::NOT_FOUND));
        assert_eq!((first.held(), stats(service, &first).holders), (1, 1));
        assert!(release(service, &first, 1).is_ok());
        assert_eq!(release(service, &first, 1), Err(NtStatus::NOT_FOUND), "released twice");
    });
}

#[test]
fn rotate_refuses_a_holding_handle() {
    with_service(|service, rotator| {
        let (holder, other) = (service.open_handle(), service.open_handle());
        acquire(service, &holder, 1).expect("active");
        assert_eq!(send(service, &holder, Ioctl::Rotate, &[]), Err(NtStatus::INVALID_DEVICE_STATE));
        let _ = service.cleanup(&holder, &irql());
        assert_eq!(send(service, &other, Ioctl::Rotate, &[]), Ok(Reply::RotateQueued));
        rotator.rotate(&irql());
        assert_eq!(send(service, &holder, Ioctl::Rotate, &[]), Ok(Reply::RotateQueued));
    });
}

/// ROTATE while another handle holds: acquisitions fail while it waits, it completes once the hold
/// is released (here by the handle's cleanup), and the new generation serves.
#[test]
fn rotation_waits_for_a_hold_then_completes() {
    with_service(|service, rotator| {
        let holder = service.open_handle();
        acquire(service, &holder, 1).expect("active");
        let released = AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let other = service.open_handle();
                while send(service, &other, Ioctl::Query, &[])
                    .reply::<requests::Query>()
                    .is_none_or(|q| q.state != ObjectState::RunningDown as u32)
                {
                    std::thread::yield_now();
                }
                assert_eq!(acquire(service, &other, 1), Err(NtStatus::DELETE_PENDING), "refused while running down");
                assert_eq!(send(service, &other, Ioctl::Read, &[]), Err(NtStatus::DELETE_PENDING));
                assert!(
                    send(service, &holder, Ioctl::Read, &[]).reply::<requests::Read>().is_some(),
                    "the holder reads through its own hold while the rotation waits for it"
                );
                std::thread::sleep(Duration::from_millis(20));
                released.store(true, SeqCst);
                let _ = service.cleanup(&holder, &irql());
            });
            let reply = rotator.rotate(&irql());
            assert!(released.load(SeqCst), "the rotation finished while the hold was kept");
            assert_eq!((reply.new_generation, reply.waited_for_holders), (2, 1));
        });
        let stats = stats(service, &holder);
        assert_eq!((stats.waits, stats.refusals, stats.holders), (1, 2, 0));
    });
}

/// Dropping a handle's state (a handle closed without cleanup) also gives its holds back.
#[test]
fn dropped_handle_state_releases_its_holds() {
    with_service(|service, rotator| {
        let handle = service.open_handle();
        acquire(service, &handle, 3).expect("active");
        drop(handle);
        assert_eq!(service.stats().holders, 0);
        assert_eq!(rotator.rotate(&irql()).waited_for_holders, 0);
    });
}

#[test]
fn retire_waits_for_holders_and_refuses_everything_after() {
    let irql = irql();
    let object = rundown_service::shared_object(&irql).expect("pool");
    let service = Service::new(&object, common::pool);
    let rotator = Rotator::new(&service).expect("the owner is unclaimed");
    let holder = service.open_handle();
    acquire(&service, &holder, 1).expect("active");
    std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(20));
            let _ = service.cleanup(&holder, &PassiveLevel::check().expect("PASSIVE"));
        });
        service.begin_unload();
        let retired = rotator.retire(&irql);
        assert_eq!((retired.generation, retired.waited_for_holders), (1, 1));
    });
    let late = service.open_handle();
    assert_eq!(acquire(&service, &late, 1), Err(NtStatus::DELETE_PENDING));
    assert_eq!(send(&service, &late, Ioctl::Read, &[]), Err(NtStatus::DELETE_PENDING));
    assert_eq!(send(&service, &late, Ioctl::Rotate, &[]), Err(NtStatus::DELETE_PENDING));
    let query = send(&service, &late, Ioctl::Query, &[]).reply::<requests::Query>().expect("QUERY");
    assert_eq!((query.generation, query.state), (1, ObjectState::Completed as u32));
    assert_eq!(
        send(&service, &late, Ioctl::Version, &[]),
        Ok(Reply::of::<requests::Version>(&Service::VERSION)),
        "VERSION still answers"
    );
}

/// Readers, writers and a rotator at once: every read sees a payload one writer wrote whole, and
/// generations only grow.
#[test]
fn reads_never_see_a_torn_payload_during_writes_and_rotations() {
    with_service(|service, rotator| {
        let stop = AtomicBool::new(false);
        let reads = AtomicU64::new(0);
        std::thread::scope(|scope| {
            for writer in 0u8..2 {
                let stop = &stop;
                scope.spawn(move || {
                    let handle = service.open_handle();
                    let mut round = 0u8;
                    while !stop.load(SeqCst) {
                        round = round.wrapping_add(1);
                        let fill = [writer.wrapping_mul(100).wrapping_add(round); 200];
                        let _ = write(service, &handle, &fill[..usize::from(round % 200)]);
                    }
                });
            }
            for _ in 0..2 {
                scope.spawn(|| {
                    let handle = service.open_handle();
                    let mut last_generation = 0;
                    while !stop.load(SeqCst) {
                        if let Some(read) = send(service, &handle, Ioctl::Read, &[]).reply::<requests::Read>() {
                            let data = read.data();
                            assert!(data.iter().all(|&b| b == data[0]), "torn payload {data:?}");
                            assert!(read.generation >= last_generation, "generation went back");
                            last_generation = read.generation;
                            reads.fetch_add(1, SeqCst);
                        }
                    }
                });
            }
            for _ in 0..200 {
                rotator.rotate(&irql());
            }
            // On one processor the readers may not have run yet: the check below needs a read.
            while reads.load(SeqCst) == 0 {
                std::thread::yield_now();
            }
            stop.store(true, SeqCst);
        });
        assert!(reads.load(SeqCst) > 0, "the readers ran");
        assert_eq!(service.generation(), 201);
        assert_eq!(service.stats().holders, 0);
        assert_eq!(service.violations(), 0, "an acquisition during a run-down, or holders at a completion");
    });
}

#[test]
fn cleanup_racing_release_on_one_handle_loses_and_invents_nothing() {
    // Windows dispatches CLEANUP of an overlapped handle while another request of the same file
    // object is still in the driver: here a RELEASE, then an ACQUIRE, race it on another thread.
    const ROUNDS: u64 = 100_000;
    with_service(|service, _| {
        let round = AtomicU64::new(0);
        let done = AtomicU64::new(0);
        let mut failure = None;
        let handle = std::sync::Mutex::new(None::<std::sync::Arc<HandleState<'_, '_>>>);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for n in 1..=ROUNDS {
                    while round.load(SeqCst) < n {
                        // Yield, not spin: on one processor the other thread must run.
                        std::thread::yield_now();
                    }
                    if round.load(SeqCst) == u64::MAX {
                        return;
                    }
                    let current = handle.lock().unwrap().clone().expect("a handle for the round");
                    for _ in 0..3 {
                        let _ = release(service, &current, 1);
                        let _ = acquire(service, &current, 1);
                    }
                    drop(current);
                    done.store(n, SeqCst);
                }
            });
            for n in 1..=ROUNDS {
                let current = std::sync::Arc::new(service.open_handle());
                acquire(service, &current, 2).expect("active");
                *handle.lock().unwrap() = Some(std::sync::Arc::clone(&current));
                round.store(n, SeqCst);
                let cleanup =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| service.cleanup(&current, &irql())));
                if let Err(panic) = cleanup {
                    failure = Some(format!("round {n}: CLEANUP panicked: {panic:?}"));
                    round.store(u64::MAX, SeqCst);
                    break;
                }
                while done.load(SeqCst) < n {
                    std::thread::yield_now();
                }
                *handle.lock().unwrap() = None;
                drop(current); // CLOSE
                let holders = stats(service, &service.open_handle()).holders;
                if holders != 0 {
                    failure = Some(format!("round {n}: {holders} holders left after CLEANUP and CLOSE"));
                    round.store(u64::MAX, SeqCst);
                    break;
                }
            }
        });
        assert_eq!(failure, None);
        assert_eq!(service.violations(), 0);
    });
}

/// Finding 7: from the unload's first step, new ACQUIRE, READ, WRITE and ROTATE are answered
/// `STATUS_DELETE_PENDING` at once, while RELEASE and CLEANUP keep working so that the holders
/// the unload waits for can let go.
#[test]
fn the_unload_refuses_new_protection_from_its_first_step_and_lets_holders_go() {
    let object = rundown_service::shared_object(&PassiveLevel::check().expect("PASSIVE_LEVEL")).expect("pool");
    let service = Service::new(&object, common::pool);
    let rotator = Rotator::new(&service).expect("the owner is unclaimed");
    let (holder, other) = (service.open_handle(), service.open_handle());
    acquire(&service, &holder, 2).expect("active");
    service.begin_unload();
    std::thread::scope(|scope| {
        let unload = scope.spawn(|| rotator.retire(&irql()));
        while send(&service, &other, Ioctl::Query, &[])
            .reply::<requests::Query>()
            .is_none_or(|q| q.state != ObjectState::RunningDown as u32)
        {
            std::thread::yield_now();
        }
        for handle in [&holder, &other] {
            assert_eq!(acquire(&service, handle, 1), Err(NtStatus::DELETE_PENDING));
            assert_eq!(send(&service, handle, Ioctl::Read, &[]), Err(NtStatus::DELETE_PENDING));
            assert_eq!(write(&service, handle, b"late"), Err(NtStatus::DELETE_PENDING));
        }
        assert_eq!(send(&service, &other, Ioctl::Rotate, &[]), Err(NtStatus::DELETE_PENDING));
        assert!(send(&service, &other, Ioctl::Query, &[]).reply::<requests::Query>().is_some(), "QUERY still answers");
        assert!(!unload.is_finished(), "the unload waits for the holder");
        assert!(release(&service, &holder, 1).reply::<requests::Release>().map(|h| h.handle_holds) == Some(1));
        assert_eq!(service.cleanup(&holder, &irql()), 1);
        let retired = unload.join().expect("unload");
        // The holder's 2, and the polling QUERY's own protection if it was inside just then.
        assert!((2..=3).contains(&retired.waited_for_holders), "waited for {}", retired.waited_for_holders);
    });
    assert_eq!(service.violations(), 0);
}

/// Finding 5: the flavour built here (no `wine` feature, as in the `ntoskrnl` flavour) decides
/// "kernel mode" by `RequestorMode` alone; the driver-process rule exists only with `wine`, which
/// only the driver's `portable` flavour turns on.
#[test]
fn kernel_mode_is_decided_by_requestor_mode_alone_outside_the_wine_flavour() {
    use rundown_service::KernelCallers;
    assert_eq!(KernelCallers::FLAVOUR, KernelCallers::RequestorMode);
    assert!(!KernelCallers::FLAVOUR.sent_from_kernel_mode(true, true), "a user-mode IRP in the driver's process");
    assert!(!KernelCallers::FLAVOUR.sent_from_kernel_mode(true, false));
    assert!(KernelCallers::FLAVOUR.sent_from_kernel_mode(false, false));
    assert!(KernelCallers::RequestorModeOrDriverProcess.sent_from_kernel_mode(true, true), "Wine's rule");
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml")).expect("driver");
    let feature = |name: &str| {
        manifest.lines().find(|line| line.starts_with(&format!("{name} = ["))).unwrap_or_default().to_owned()
    };
    assert!(!feature("ntoskrnl").contains("rundown-service/wine"), "{}", feature("ntoskrnl"));
    assert!(feature("portable").contains("rundown-service/wine"), "{}", feature("portable"));
}

/// Finding 6: no capacity. 10,000 handles, each holding 1, are served and released; the list
/// the portable flavour keeps for Wine's unload frees whatever was not closed.
#[test]
fn ten_thousand_handles_each_holding_one() {
    use rundown_service::Registry;
    with_service(|service, rotator| {
        let registry = Registry::new();
        let mut irql = irql();
        let handles: Vec<_> =
            (0..10_000).map(|_| registry.register(service.open_handle(), &mut irql).expect("pool")).collect();
        for handle in &handles {
            // SAFETY: registered above and not unregistered until the end of the test.
            let handle = unsafe { handle.as_ref() };
            assert!(acquire(service, handle, 1).reply::<requests::Acquire>().map(|h| h.handle_holds) == Some(1));
        }
        assert_eq!(service.stats().holders, 10_000);
        assert_eq!(registry.len(&mut irql), 10_000);
        for handle in &handles[..5_000] {
            // SAFETY: as above; each is unregistered once (CLOSE), which releases its hold.
            drop(unsafe { registry.unregister(*handle, &mut irql) });
        }
        assert_eq!(service.stats().holders, 5_000);
        assert_eq!(registry.drain(&mut irql), 5_000, "the unclosed ones, as Wine's unload frees them");
        assert_eq!(service.stats().holders, 0);
        assert_eq!(rotator.rotate(&irql).waited_for_holders, 0);
    });
}

/// Finding 8: INTERNAL_DEVICE_CONTROL may arrive at DISPATCH_LEVEL (`IoCallDriver` from a DPC).
/// Every request's path takes a DISPATCH_LEVEL token and works there: nothing on it waits.
#[test]
fn every_request_is_served_at_dispatch_level() {
    use rundown::irql::Dispatch;
    use rundown_abi::GetInterfaceRequest;
    with_service(|service, _| {
        let handle = service.open_handle();
        let mut passive = irql();
        let mut dispatch = passive.raise::<Dispatch>();
        let write_request = WriteRequest::new(b"from a DPC").expect("short");
        let write_input = write_request.to_bytes();
        let acquire_input = AcquireRequest { count: 1 }.to_bytes();
        let release_input = ReleaseRequest { count: 1 }.to_bytes();
        let interface_input = GetInterfaceRequest::current().to_bytes();
        // Every request of the table, in its order (RELEASE gives back what ACQUIRE took before
        // ROTATE), each with a valid input; a request without input takes none.
        let requests = Ioctl::ALL.map(|ioctl| -> (Ioctl, &[u8]) {
            match ioctl {
                Ioctl::Acquire => (ioctl, &acquire_input),
                Ioctl::Release => (ioctl, &release_input),
                Ioctl::Write => (ioctl, &write_input[..write_request.wire_len()]),
                Ioctl::GetInterface => (ioctl, &interface_input),
                other => {
                    assert_eq!(other.input_size(), Some(0), "{other:?}: give this test its input");
                    (other, &[])
                }
            }
        });
        for (ioctl, input) in requests {
            let request = Request { code: ioctl.code(), input, output_len: ioctl.output_size(), from_user_mode: false };
            let answer = service.control(&handle, &request, &mut *dispatch);
            assert!(answer.is_ok(), "{ioctl:?} at DISPATCH_LEVEL: {answer:?}");
        }
        drop(dispatch);
        assert!(PassiveLevel::check().is_some(), "back at PASSIVE_LEVEL");
    });
}

/// Review finding: a READ or WRITE that borrows the handle's only hold while CLEANUP runs gives
/// that hold back to closed holds, so it is released there, and counted: the holders return to
/// 0 and no rotation sees a holder left.
#[test]
fn cleanup_racing_a_read_through_the_handles_hold_counts_its_release() {
    with_service(|service, rotator| {
        for round in 0..20_000 {
            let handle = service.open_handle();
            acquire(service, &handle, 1).expect("active");
            let start = std::sync::Barrier::new(2);
            std::thread::scope(|scope| {
                scope.spawn(|| {
                    start.wait();
                    let _ = send(service, &handle, Ioctl::Read, &[]);
                    let _ = write(service, &handle, b"racing");
                });
                start.wait();
                let _ = service.cleanup(&handle, &irql());
            });
            drop(handle);
            assert_eq!(service.stats().holders, 0, "round {round}: a hold released uncounted or counted twice");
        }
        assert_eq!(rotator.rotate(&irql()).waited_for_holders, 0);
        assert_eq!(service.violations(), 0);
    });
}
