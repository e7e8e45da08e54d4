//! The request handler against the ABI's contract: every IOCTL, the malformed requests and their
//! statuses, holds across threads, rotation under load, and unload while held.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::time::Duration;

use rundown::RundownRef;
use rundown::irql::PassiveLevel;
use rundown_abi::{AcquireRequest, Ioctl, NtStatus, ObjectState, ReleaseRequest, StatsReply, WriteRequest};
use rundown_service::{HandleState, PoolUsage, Reply, Request, Rotator, Service};

fn irql() -> PassiveLevel {
    PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL")
}

fn pool() -> PoolUsage {
    PoolUsage { bytes: 64, blocks: 1 }
}

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
    service.control(handle, &request, &irql())
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
    match send(service, handle, Ioctl::Stats, &[]) {
        Ok(Reply::Stats(stats)) => stats,
        other => panic!("STATS answered {other:?}"),
    }
}

/// Runs `test` with a fresh service and its rotator.
fn with_service(test: impl FnOnce(&Service<'_>, &mut Rotator<'_, '_>)) {
    let irql = irql();
    let mut storage = RundownRef::new();
    let owner = storage.owner(&irql);
    let service = Service::new(owner.protection(), pool).expect("pool");
    let mut rotator = Rotator::new(owner, &service);
    test(&service, &mut rotator);
}

#[test]
fn each_ioctl_answers_its_reply() {
    with_service(|service, rotator| {
        let handle = service.open_handle();
        let Ok(Reply::Query(query)) = send(service, &handle, Ioctl::Query, &[]) else { panic!("QUERY") };
        assert_eq!((query.generation, query.version, query.holders, query.state), (1, 0, 0, 0));
        assert_eq!(write(service, &handle, b"first"), Ok(Reply::Write(rundown_abi::WriteReply { version: 1 })));
        let Ok(Reply::Read(read)) = send(service, &handle, Ioctl::Read, &[]) else { panic!("READ") };
        assert_eq!((read.generation, read.version, read.data()), (1, 1, &b"first"[..]));
        assert!(matches!(acquire(service, &handle, 2), Ok(Reply::Holds(h)) if h.handle_holds == 2));
        let Ok(Reply::Query(query)) = send(service, &handle, Ioctl::Query, &[]) else { panic!("QUERY") };
        assert_eq!((query.holders, query.handle_holds, query.payload_len), (2, 2, 5));
        assert!(matches!(release(service, &handle, 2), Ok(Reply::Holds(h)) if h.handle_holds == 0));
        assert_eq!(send(service, &handle, Ioctl::Rotate, &[]), Ok(Reply::RotateQueued));
        assert!(service.rotation_pending());
        let rotated = rotator.rotate(&irql()).expect("pool");
        assert_eq!((rotated.old_generation, rotated.new_generation, rotated.waited_for_holders), (1, 2, 0));
        assert!(!service.rotation_pending());
        let Ok(Reply::Read(read)) = send(service, &handle, Ioctl::Read, &[]) else { panic!("READ") };
        assert_eq!((read.generation, read.version, read.data()), (2, 1, &b"first"[..]), "the payload carries over");
        let stats = stats(service, &handle);
        // QUERY holds protection while it reads, on top of the handle's two.
        assert_eq!((stats.rotations, stats.holders, stats.max_holders, stats.refusals), (1, 0, 3, 0));
        assert_eq!((stats.pool_bytes, stats.pool_blocks), (64, 1), "from the allocator's report");
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
            let Ok(Reply::Query(query)) = send(service, &handle, Ioctl::Query, &[]) else {
                panic!("QUERY after {name}")
            };
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
fn rotate_refuses_a_holding_handle_and_a_second_rotation() {
    with_service(|service, rotator| {
        let (holder, other) = (service.open_handle(), service.open_handle());
        acquire(service, &holder, 1).expect("active");
        assert_eq!(send(service, &holder, Ioctl::Rotate, &[]), Err(NtStatus::INVALID_DEVICE_STATE));
        service.cleanup(&holder, &irql());
        assert_eq!(send(service, &other, Ioctl::Rotate, &[]), Ok(Reply::RotateQueued));
        assert_eq!(send(service, &holder, Ioctl::Rotate, &[]), Err(NtStatus::DEVICE_BUSY));
        rotator.rotate(&irql()).expect("pool");
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
                while !matches!(send(service, &other, Ioctl::Query, &[]), Ok(Reply::Query(q)) if q.state == ObjectState::RunningDown as u32) {
                    std::thread::yield_now();
                }
                assert_eq!(acquire(service, &other, 1), Err(NtStatus::DELETE_PENDING), "refused while running down");
                assert_eq!(send(service, &other, Ioctl::Read, &[]), Err(NtStatus::DELETE_PENDING));
                assert!(
                    matches!(send(service, &holder, Ioctl::Read, &[]), Ok(Reply::Read(_))),
                    "the holder reads through its own hold while the rotation waits for it"
                );
                std::thread::sleep(Duration::from_millis(20));
                released.store(true, SeqCst);
                service.cleanup(&holder, &irql());
            });
            let reply = rotator.rotate(&irql()).expect("pool");
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
        assert_eq!(rotator.rotate(&irql()).expect("pool").waited_for_holders, 0);
    });
}

#[test]
fn retire_waits_for_holders_and_refuses_everything_after() {
    let irql = irql();
    let mut storage = RundownRef::new();
    let owner = storage.owner(&irql);
    let service = Service::new(owner.protection(), pool).expect("pool");
    let rotator = Rotator::new(owner, &service);
    let holder = service.open_handle();
    acquire(&service, &holder, 1).expect("active");
    std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(20));
            service.cleanup(&holder, &PassiveLevel::check().expect("PASSIVE"));
        });
        let retired = rotator.retire(&irql);
        assert_eq!((retired.generation, retired.waited_for_holders), (1, 1));
    });
    let late = service.open_handle();
    assert_eq!(acquire(&service, &late, 1), Err(NtStatus::DELETE_PENDING));
    assert_eq!(send(&service, &late, Ioctl::Read, &[]), Err(NtStatus::DELETE_PENDING));
    assert_eq!(send(&service, &late, Ioctl::Rotate, &[]), Err(NtStatus::DELETE_PENDING));
    let Ok(Reply::Query(query)) = send(&service, &late, Ioctl::Query, &[]) else { panic!("QUERY") };
    assert_eq!((query.generation, query.state), (1, ObjectState::Completed as u32));
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
                        if let Ok(Reply::Read(read)) = send(service, &handle, Ioctl::Read, &[]) {
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
                rotator.rotate(&irql()).expect("pool");
            }
            stop.store(true, SeqCst);
        });
        assert!(reads.load(SeqCst) > 0);
        assert_eq!(service.generation(), 201);
        assert_eq!(service.stats().holders, 0);
        assert_eq!(service.violations(), 0, "an acquisition during a run-down, or holders at a completion");
    });
}
