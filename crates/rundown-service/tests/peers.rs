//! Peer drivers: GET_INTERFACE from kernel mode, object holds through the interface, and the
//! interface references the unload waits for.

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::time::Duration;

mod common;

use common::{irql, with_service};
use rundown::RundownRef;
use rundown::irql::{Dispatch, PassiveLevel};
use rundown_abi::{GetInterfaceRequest, Guid, Ioctl, NtStatus, RundownInterface};
use rundown_service::{PeerReferences, Reply, Request, Service, peer_read, peer_write};

fn get_interface(service: &Service<'_>, wanted: &GetInterfaceRequest, from_user_mode: bool) -> Result<Reply, NtStatus> {
    let handle = service.open_handle();
    let input = wanted.to_bytes();
    let request =
        Request { code: Ioctl::GetInterface.code(), input: &input, output_len: RundownInterface::SIZE, from_user_mode };
    service.control(&handle, &request, &mut irql())
}

#[test]
fn get_interface_checks_mode_guid_version_and_size() {
    let object = rundown_service::shared_object(&PassiveLevel::check().expect("PASSIVE_LEVEL")).expect("pool");
    let service = Service::new(&object, common::pool);
    let current = GetInterfaceRequest::current();
    assert_eq!(get_interface(&service, &current, false), Ok(Reply::InterfaceRequested));
    assert_eq!(get_interface(&service, &current, true), Err(NtStatus::ACCESS_DENIED));
    let other_guid = GetInterfaceRequest { guid: Guid { data1: 1, ..current.guid }, ..current };
    assert_eq!(get_interface(&service, &other_guid, false), Err(NtStatus::NOT_SUPPORTED));
    let other_version = GetInterfaceRequest { version: 2, ..current };
    assert_eq!(get_interface(&service, &other_version, false), Err(NtStatus::NOT_SUPPORTED));
    let too_small = GetInterfaceRequest { size: 64, ..current };
    assert_eq!(get_interface(&service, &too_small, false), Err(NtStatus::INVALID_PARAMETER));
}

/// A peer's hold pins its generation: a rotation waits for it, and the peer reads the same
/// generation throughout.
#[test]
fn a_peer_hold_makes_a_rotation_wait() {
    with_service(|service, rotator| {
        let irql = irql();
        let hold = service.peer_acquire(&irql).expect("active");
        // SAFETY: the hold keeps the generation alive until `peer_release`.
        let generation = unsafe { hold.as_ref() }.number();
        let released = AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                std::thread::sleep(Duration::from_millis(30));
                released.store(true, SeqCst);
                assert!(service.peer_release(&PassiveLevel::check().expect("PASSIVE")));
            });
            let reply = rotator.rotate(&irql);
            assert!(released.load(SeqCst), "the rotation finished while the peer held");
            assert_eq!(service.generation(), generation + 1);
            assert_eq!(reply.waited_for_holders, 1);
        });
        assert!(!service.peer_release(&irql), "a release without a hold releases nothing");
        assert_eq!(service.stats().holders, 0);
    });
}

/// Finding 1: a peer may read and write at DISPATCH_LEVEL. A write takes the payload's spin
/// lock, so it runs at DISPATCH_LEVEL from start to end; readers at DISPATCH_LEVEL never meet a
/// writer that could be preempted with the sequence odd.
#[test]
fn peers_read_and_write_at_dispatch_level() {
    with_service(|service, _| {
        let mut passive = irql();
        let mut dispatch = passive.raise::<Dispatch>();
        let hold = service.peer_acquire(&*dispatch).expect("active");
        // SAFETY: the hold keeps the object alive until `peer_release`.
        let object = unsafe { hold.as_ref() };
        assert_eq!(peer_write(object, b"at dispatch", &mut *dispatch), Ok(1));
        assert_eq!(peer_write(object, &[0; 257], &mut *dispatch), Err(NtStatus::INVALID_PARAMETER));
        let mut buffer = [0u8; 16];
        let (status, result) = peer_read(object, Some(&mut buffer));
        assert_eq!((status, result.version, &buffer[..11]), (NtStatus::SUCCESS, 1, &b"at dispatch"[..]));
        assert_eq!(peer_read(object, None).0, NtStatus::BUFFER_TOO_SMALL);
        assert!(service.peer_release(&*dispatch));
        drop(dispatch);
        assert!(PassiveLevel::check().is_some(), "back at PASSIVE_LEVEL");
    });
}

/// Finding 7: peers get no new protection once the unload began.
#[test]
fn peers_are_refused_from_the_unloads_first_step() {
    with_service(|service, _| {
        service.begin_unload();
        assert!(service.peer_acquire(&irql()).is_none());
        let current = GetInterfaceRequest::current();
        assert_eq!(get_interface(service, &current, false), Err(NtStatus::DELETE_PENDING));
    });
}

/// The unload's run-down of the driver-level reference waits for the last InterfaceDereference,
/// and GET_INTERFACE is refused once it began.
#[test]
fn the_unload_waits_for_the_last_interface_reference() {
    let irql = irql();
    let mut storage = RundownRef::new();
    let owner = storage.owner(&irql);
    let peers = PeerReferences::new(owner.protection());
    peers.open(&irql).expect("not unloading");
    peers.open(&irql).expect("a second peer");
    assert!(peers.reference());
    let dereferenced = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let irql = PassiveLevel::check().expect("PASSIVE");
            assert!(peers.dereference(&irql));
            assert!(peers.dereference(&irql));
            std::thread::sleep(Duration::from_millis(30));
            dereferenced.store(true, SeqCst);
            assert!(peers.dereference(&irql));
        });
        peers.close();
        assert_eq!(peers.open(&irql), Err(NtStatus::DELETE_PENDING));
        let _completed = owner.wait_for_release(&irql).completed(&irql);
        assert!(dereferenced.load(SeqCst), "the unload finished before the last dereference");
    });
    assert_eq!(peers.count(), 0);
}
