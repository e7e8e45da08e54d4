//! The function table peer drivers get through GET_INTERFACE (`rundown_abi::interface`).
//!
//! Every function receives the `Context` the table carries: the driver's state, which stays
//! alive while any interface reference is outstanding, because DriverUnload runs the
//! driver-level reference down before it frees anything.

use core::ffi::c_void;
use core::ptr::NonNull;

use rundown::irql::{Dispatch, Irql};
use rundown_abi::{InterfaceHeader, NtStatus, PeerHold, PeerReadResult, RUNDOWN_INTERFACE_VERSION, RundownInterface};
use rundown_service::{Generation, peer_read, peer_write};

use crate::state::DriverState;

/// The table for a peer, with `state` as its context.
pub(crate) fn table(state: &'static DriverState) -> RundownInterface {
    RundownInterface {
        header: InterfaceHeader {
            size: RundownInterface::SIZE_U16,
            version: RUNDOWN_INTERFACE_VERSION,
            context: core::ptr::from_ref(state).cast_mut().cast(),
            interface_reference: Some(interface_reference),
            interface_dereference: Some(interface_dereference),
        },
        acquire: Some(acquire),
        release: Some(release),
        read: Some(read),
        write: Some(write),
        query_generation: Some(query_generation),
    }
}

/// The state behind a table's context.
///
/// # Safety
/// `context` is the context of a table from [`table`], and its caller holds an interface
/// reference (the peer contract), so the state is alive.
unsafe fn state<'a>(context: *mut c_void) -> &'a DriverState {
    // SAFETY: forwarded from the caller.
    unsafe { &*context.cast::<DriverState>() }
}

/// The generation a hold pins.
///
/// # Safety
/// `hold` is null or came from [`acquire`] and was not released (the peer contract): the
/// protection it stands for keeps the generation alive.
unsafe fn generation<'a>(hold: *mut PeerHold) -> Option<&'a Generation> {
    // SAFETY: forwarded from the caller.
    unsafe { hold.cast::<Generation>().as_ref() }
}

/// The token for a peer's call: the interface's functions run at IRQL <= DISPATCH_LEVEL. A
/// peer calling above it broke the contract: the call is refused and logged (the packaged debug
/// build would bug-check on an assertion).
fn peer_irql() -> Option<Irql<Dispatch>> {
    let irql = Irql::<Dispatch>::check();
    if irql.is_none() {
        broken_contract("a peer called the rundown interface above DISPATCH_LEVEL");
    }
    irql
}

/// Logs a peer's breach of the interface's contract; the call that made it changes nothing.
fn broken_contract(what: &str) {
    rundown_wdm::error!("rundown: peer interface: {what}; the call was refused");
}

unsafe extern "C" fn interface_reference(context: *mut c_void) {
    // SAFETY: the peer holds a reference (it is taking another).
    if !unsafe { state(context) }.peers.reference() {
        broken_contract("InterfaceReference without a reference");
    }
}

unsafe extern "C" fn interface_dereference(context: *mut c_void) {
    let Some(irql) = peer_irql() else { return };
    // SAFETY: the peer holds the reference it drops here. Nothing after the release, which may
    // let the unload free the state, touches it (see `PeerReferences::dereference`).
    if !unsafe { state(context) }.peers.dereference(&irql) {
        broken_contract("InterfaceDereference without a reference");
    }
}

unsafe extern "C" fn acquire(context: *mut c_void) -> *mut PeerHold {
    let Some(irql) = peer_irql() else { return core::ptr::null_mut() };
    // SAFETY: the peer holds an interface reference.
    let state = unsafe { state(context) };
    state.service.peer_acquire(&irql).map_or(core::ptr::null_mut(), |generation| generation.as_ptr().cast())
}

unsafe extern "C" fn release(context: *mut c_void, hold: *mut PeerHold) {
    let Some(irql) = peer_irql() else { return };
    if hold.is_null() {
        return;
    }
    // SAFETY: the peer holds an interface reference.
    if !unsafe { state(context) }.service.peer_release(&irql) {
        broken_contract("release of a hold the peers do not have");
    }
}

unsafe extern "C" fn read(
    _context: *mut c_void,
    hold: *mut PeerHold,
    buffer: *mut u8,
    buffer_len: u32,
    result: *mut PeerReadResult,
) -> i32 {
    // SAFETY: the peer passes a live hold or null.
    let (Some(generation), Some(result)) = (unsafe { generation(hold) }, NonNull::new(result)) else {
        return NtStatus::INVALID_PARAMETER.raw();
    };
    // SAFETY: the peer's buffer, if any, holds `buffer_len` writable bytes.
    let buffer = (!buffer.is_null()).then(|| unsafe { core::slice::from_raw_parts_mut(buffer, buffer_len as usize) });
    let (status, report) = peer_read(generation, buffer);
    // SAFETY: the peer passes a writable result.
    unsafe { result.as_ptr().write(report) };
    status.raw()
}

unsafe extern "C" fn write(
    _context: *mut c_void,
    hold: *mut PeerHold,
    data: *const u8,
    len: u32,
    version: *mut u64,
) -> i32 {
    let Some(mut irql) = peer_irql() else { return NtStatus::INVALID_PARAMETER.raw() };
    // SAFETY: the peer passes a live hold or null.
    let Some(generation) = (unsafe { generation(hold) }) else { return NtStatus::INVALID_PARAMETER.raw() };
    let bytes: &[u8] = match (data.is_null(), len) {
        (_, 0) => &[],
        (true, _) => return NtStatus::INVALID_PARAMETER.raw(),
        // SAFETY: the peer's `data` holds `len` bytes.
        (false, len) => unsafe { core::slice::from_raw_parts(data, len as usize) },
    };
    match peer_write(generation, bytes, &mut irql) {
        Ok(new_version) => {
            if let Some(version) = NonNull::new(version) {
                // SAFETY: the peer passes a writable version, or null.
                unsafe { version.as_ptr().write(new_version) };
            }
            NtStatus::SUCCESS.raw()
        }
        Err(status) => status.raw(),
    }
}

unsafe extern "C" fn query_generation(context: *mut c_void, hold: *mut PeerHold) -> u64 {
    // SAFETY: the peer passes a live hold or null.
    match unsafe { generation(hold) } {
        Some(generation) => generation.number(),
        // SAFETY: the peer holds an interface reference.
        None => unsafe { state(context) }.service.generation(),
    }
}
