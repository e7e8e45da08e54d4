//! The system thread that owns the run-downs: it rotates on request and retires at unload.

use alloc::boxed::Box;
use core::sync::atomic::Ordering::SeqCst;

use rundown::ObjectOwner;
use rundown::irql::{Irql, Passive};
use rundown_abi::{NtStatus, RotateReply};
use rundown_service::{Rotator, try_box};
use rundown_wdm::{SystemThread, ThreadMain};

use crate::dispatch::PendedIrp;
use crate::state::Core;

/// The owner thread: the shared core, the rotator and the owner of the driver-level reference,
/// which only it uses.
struct OwnerThread {
    core: &'static Core,
    rotator: Rotator<'static, 'static>,
    /// The owner of the driver-level reference peers' interface references hold.
    attachment: ObjectOwner<'static, ()>,
}

/// Starts the owner thread, returning it for DriverUnload to join.
pub(crate) fn start(
    core: &'static Core,
    rotator: Rotator<'static, 'static>,
    attachment: ObjectOwner<'static, ()>,
) -> Result<SystemThread, NtStatus> {
    let owner = try_box(OwnerThread { core, rotator, attachment }).ok_or(NtStatus::INSUFFICIENT_RESOURCES)?;
    SystemThread::spawn(owner)
}

impl ThreadMain for OwnerThread {
    /// Rotates for each pended ROTATE until DriverUnload rings with `stopping` set; then waits
    /// for the object's holders, then for the peers' interface references.
    fn run(self: Box<Self>, irql: &Irql<Passive>) {
        let Self { core, mut rotator, attachment } = *self;
        let mut passive = Irql::<Passive>::check().expect("a system thread runs at PASSIVE_LEVEL");
        loop {
            core.doorbell.wait(irql);
            if core.stopping.load(SeqCst) {
                break;
            }
            if core.rotation.begin(&mut passive) {
                let reply = rotator.rotate(irql);
                // A cancelled ROTATE was completed by its canceller; the rotation stands.
                if let Some(rotate) = core.rotation.finish(&mut passive) {
                    complete_rotation(rotate, &reply);
                }
            }
        }
        // DriverUnload already refuses new protection and new peers.
        let retired = rotator.retire(irql);
        rundown_wdm::info!(
            "rundown: run down for unload: generation {} retired after waiting for {} holders",
            retired.generation,
            retired.waited_for_holders
        );
        let peers = core.peers.count();
        let _attachment = attachment.retire(irql);
        rundown_wdm::info!("rundown: unload: {peers} peer interface references were outstanding; all dropped");
    }
}

/// Writes ROTATE's reply and completes the pended request.
fn complete_rotation(rotate: PendedIrp, reply: &RotateReply) {
    rundown_wdm::trace!(
        "rundown: rotated: generation {} -> {} after waiting for {} holders",
        reply.old_generation,
        reply.new_generation,
        reply.waited_for_holders
    );
    rotate.complete_with(&reply.to_bytes());
}
