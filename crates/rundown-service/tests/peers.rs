//! Peer drivers: GET_INTERFACE from kernel mode, object holds through the interface, and the
//! interface references the unload waits for.

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::time::Duration;

use rundown::RundownRef;
use rundown::irql::PassiveLevel;
use rundown_abi::{GetInterfaceRequest, Guid, Ioctl, NtStatus, RundownInterface};
use rundown_service::{PeerReferences, PoolUsage, Reply, Request, Rotator, Service};

fn irql() -> PassiveLevel {
    PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL")
}

fn get_interface(service: &Service<'_>, wanted: &GetInterfaceRequest, from_user_mode: bool) -> Result<Reply, NtStatus> {
    let handle = service.open_handle();
    let input = wanted.to_bytes();
    let request =
        Request { code: Ioctl::GetInterface.code(), input: &input, output_len: RundownInterface::SIZE, from_user_mode };
    service.control(&handle, &request, &irql())
}

#[test]
fn get_interface_checks_mode_guid_version_and_size() {
    let irql = irql();
    let mut storage = RundownRef::new();
    let owner = storage.owner(&irql);
    let service = Service::new(owner.protection(), PoolUsage::default).expect("pool");
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
    let irql = irql();
    let mut storage = RundownRef::new();
    let owner = storage.owner(&irql);
    let service = Service::new(owner.protection(), PoolUsage::default).expect("pool");
    let mut rotator = Rotator::new(owner, &service);
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
        let reply = rotator.rotate(&irql).expect("pool");
        assert!(released.load(SeqCst), "the rotation finished while the peer held");
        assert_eq!(service.generation(), generation + 1);
        assert_eq!(reply.waited_for_holders, 1);
    });
    assert!(!service.peer_release(&irql), "a release without a hold releases nothing");
    assert_eq!(service.stats().holders, 0);
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
    peers.reference();
    let dereferenced = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let irql = PassiveLevel::check().expect("PASSIVE");
            peers.dereference(&irql);
            peers.dereference(&irql);
            std::thread::sleep(Duration::from_millis(30));
            dereferenced.store(true, SeqCst);
            peers.dereference(&irql);
        });
        peers.close();
        assert_eq!(peers.open(&irql), Err(NtStatus::DELETE_PENDING));
        let _completed = owner.wait_for_release(&irql).completed(&irql);
        assert!(dereferenced.load(SeqCst), "the unload finished before the last dereference");
    });
    assert_eq!(peers.count(), 0);
}
