//! The system thread that owns the run-down: it rotates on request and retires at unload.

use alloc::boxed::Box;
use core::sync::atomic::Ordering::SeqCst;

use rundown::irql::{Irql, PassiveEntryPoint};
use rundown_abi::{NtStatus, RotateReply};
use rundown_service::{Rotator, try_box};
use wdk_sys::ntddk::PsCreateSystemThread;
use wdk_sys::{HANDLE, NT_SUCCESS, PVOID, THREAD_ALL_ACCESS};

use crate::irp::Irp;
use crate::state::DriverState;

/// What the thread receives: the state and the rotator, which only it uses.
struct Context {
    state: &'static DriverState,
    rotator: Rotator<'static, 'static>,
}

/// Starts the owner thread, returning its handle for DriverUnload to wait on.
pub(crate) fn start(state: &'static DriverState, rotator: Rotator<'static, 'static>) -> Result<HANDLE, NtStatus> {
    let context = Box::into_raw(try_box(Context { state, rotator }).ok_or(NtStatus::INSUFFICIENT_RESOURCES)?);
    let mut thread: HANDLE = core::ptr::null_mut();
    // SAFETY: `run` takes ownership of `context`; the handle is closed by DriverUnload.
    let status = unsafe {
        PsCreateSystemThread(
            &raw mut thread,
            THREAD_ALL_ACCESS,
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            Some(run),
            context.cast(),
        )
    };
    if !NT_SUCCESS(status) {
        // SAFETY: the thread did not start, so the context is still ours.
        drop(unsafe { Box::from_raw(context) });
        return Err(NtStatus::from_raw(status));
    }
    Ok(thread)
}

/// The thread: rotate for each pended ROTATE until DriverUnload rings with `stopping` set.
unsafe extern "C" fn run(context: PVOID) {
    // SAFETY: a thread from PsCreateSystemThread starts at PASSIVE_LEVEL.
    let irql = unsafe { Irql::entered_at(PassiveEntryPoint::SystemThread) };
    // SAFETY: `start` passed a boxed Context and gave up ownership.
    let Context { state, mut rotator } = *unsafe { Box::from_raw(context.cast::<Context>()) };
    loop {
        state.doorbell.wait(&irql);
        if let Some(irp) = state.take_rotation() {
            complete_rotation(irp, rotator.rotate(&irql));
        }
        if state.stopping.load(SeqCst) {
            break;
        }
    }
    let retired = rotator.retire(&irql);
    wdk::println!(
        "rundown: run down for unload: generation {} freed after waiting for {} holders",
        retired.generation,
        retired.waited_for_holders
    );
    if let Some(irp) = state.take_rotation() {
        let _ = irp.complete(NtStatus::DELETE_PENDING.raw(), 0);
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
