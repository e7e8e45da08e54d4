//! The system thread that owns the run-down: it rotates on request and retires at unload.

use alloc::boxed::Box;
use core::sync::atomic::Ordering::SeqCst;

use rundown::RundownOwner;
use rundown::irql::{Irql, Passive};
use rundown_abi::{NtStatus, RotateReply};
use rundown_service::{Rotator, try_box};

use crate::state::DriverState;
use rundown_wdm::{Irp, SystemThread, ThreadMain};

/// The owner thread: the state, the rotator and the driver-level owner, which only it uses.
struct OwnerThread {
    state: &'static DriverState,
    rotator: Rotator<'static, 'static>,
    /// The owner of the driver-level reference peers' interface references hold.
    peer_owner: RundownOwner<'static>,
}

/// Starts the owner thread, returning it for DriverUnload to join.
pub(crate) fn start(
    state: &'static DriverState,
    rotator: Rotator<'static, 'static>,
    peer_owner: RundownOwner<'static>,
) -> Result<SystemThread, NtStatus> {
    let owner = try_box(OwnerThread { state, rotator, peer_owner }).ok_or(NtStatus::INSUFFICIENT_RESOURCES)?;
    SystemThread::spawn(owner).map_err(NtStatus::from_raw)
}

impl ThreadMain for OwnerThread {
    /// Rotates for each pended ROTATE until DriverUnload rings with `stopping` set; then waits
    /// for the peers' interface references and retires the object.
    fn run(self: Box<Self>, irql: &Irql<Passive>) {
        let Self { state, mut rotator, peer_owner } = *self;
        loop {
            state.doorbell.wait(irql);
            if let Some(irp) = state.take_rotation() {
                complete_rotation(irp, rotator.rotate(irql));
            }
            if state.stopping.load(SeqCst) {
                break;
            }
        }
        // Peers first: no new GET_INTERFACE, then wait until every peer dropped its last
        // reference (a peer releases its object holds before that).
        state.peers.close();
        let peers = state.peers.count();
        let _peers_gone = peer_owner.wait_for_release(irql).completed(irql);
        wdk::println!("rundown: unload: {peers} peer interface references were outstanding; all dropped");
        let retired = rotator.retire(irql);
        wdk::println!(
            "rundown: run down for unload: generation {} freed after waiting for {} holders",
            retired.generation,
            retired.waited_for_holders
        );
        if let Some(irp) = state.take_rotation() {
            let _ = irp.complete(NtStatus::DELETE_PENDING.raw(), 0);
        }
    }
}

/// Writes ROTATE's reply and completes the pended request.
fn complete_rotation(irp: Irp, result: Result<RotateReply, NtStatus>) {
    match result {
        Ok(reply) => {
            let bytes = reply.to_bytes();
            // SAFETY: DEVICE_CONTROL checked that the output buffer is exactly RotateReply::SIZE
            // bytes of the system buffer before pending the request.
            unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), irp.system_buffer(), bytes.len()) };
            wdk::println!(
                "rundown: rotated: generation {} -> {} after waiting for {} holders",
                reply.old_generation,
                reply.new_generation,
                reply.waited_for_holders
            );
            let _ = irp.complete(NtStatus::SUCCESS.raw(), bytes.len());
        }
        Err(status) => {
            let _ = irp.complete(status.raw(), 0);
        }
    }
}
