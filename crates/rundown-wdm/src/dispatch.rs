//! The dispatch routines [`driver!`](crate::driver) installs: each enters its IRQL, finds the
//! state (or refuses with `STATUS_DELETE_PENDING`), turns `FsContext` into the driver's context,
//! and calls the [`Driver`](crate::Driver)'s method.
//!
//! Windows may run any of them on several threads at once, for one file object too (an
//! overlapped handle's CLEANUP can race its DEVICE_CONTROLs); the methods get `&self` and a
//! shared borrow of the context.

use rundown::irql::{AtMost, Dispatch, DispatchEntryPoint, Irql, PassiveEntryPoint};
use rundown_abi::NtStatus;
use wdk_sys::ntddk::IoReleaseCancelSpinLock;
use wdk_sys::{NTSTATUS, PDEVICE_OBJECT, PIRP};

use crate::file_object::{FileObject, Slot};
use crate::{Cancel, ControlLevel, Driver, FileContext, ForeignOwnable, Irp, IrpId, Loadable};

/// Completes a request that came before DriverEntry finished or after DriverUnload began.
fn refuse(irp: Irp) -> NTSTATUS {
    irp.complete(NtStatus::DELETE_PENDING, 0).raw()
}

/// The context CREATE stored in `file`, if any, borrowed for `'a`.
///
/// # Safety
/// `file` is the file object of a request this driver is handling, and its CLOSE, which takes the
/// context back, cannot come while `'a` lasts: `'a` ends before the request completes (the IRP
/// holds a reference on its file object until then), or the caller holds a reference of its own.
unsafe fn context_of<'a, D: Driver>(file: Option<FileObject>) -> Option<&'a FileContext<D>> {
    let pointer = file?.get(Slot::Context)?;
    // SAFETY: CREATE stored `D::File::into_foreign` there (only this module writes the slot),
    // and it is not taken back while the borrow lasts (caller).
    Some(unsafe { D::File::borrow(pointer) })
}

/// IRP_MJ_CREATE: [`Driver::create`], then its context into `FsContext` (and on the list of
/// unclosed files, for [`Driver::FREE_UNCLOSED_FILES`]).
///
/// # Safety
/// Called by the I/O manager only.
pub(crate) unsafe extern "C" fn create<D: Loadable>(_device: PDEVICE_OBJECT, irp: PIRP) -> NTSTATUS {
    // SAFETY: create, cleanup and close reach a top-level driver at PASSIVE_LEVEL.
    let mut irql = unsafe { Irql::entered_at(PassiveEntryPoint::CreateCleanupClose) };
    // SAFETY: the I/O manager's IRP, completed below.
    let irp = unsafe { Irp::from_raw(irp) };
    let Some(state) = D::cell().enter(&irql) else { return refuse(irp) };
    let Some(file) = irp.file_object() else { return irp.complete(NtStatus::INVALID_PARAMETER, 0).raw() };
    let status = match state.create(&irp, &mut irql) {
        Ok(context) => attach::<D>(file, context, &mut irql),
        Err(status) => status,
    };
    if status.is_success() {
        D::cell().file_opened();
    }
    irp.complete(status, 0).raw()
}

/// Stores `context` in `file`, the file object CREATE is opening.
fn attach<D: Loadable>(file: FileObject, context: D::File, irql: &mut Irql<impl AtMost<Dispatch>>) -> NtStatus {
    let pointer = context.into_foreign();
    if D::FREE_UNCLOSED_FILES {
        let Some(listing) = D::cell().unclosed().list(pointer, irql) else {
            // SAFETY: from `into_foreign` just above, stored nowhere: taken back once.
            drop(unsafe { D::File::from_foreign(pointer) });
            return NtStatus::INSUFFICIENT_RESOURCES;
        };
        file.set(Slot::Listing, listing);
    }
    file.set(Slot::Context, pointer);
    NtStatus::SUCCESS
}

/// IRP_MJ_CLEANUP: [`Driver::cleanup`].
///
/// # Safety
/// Called by the I/O manager only.
pub(crate) unsafe extern "C" fn cleanup<D: Loadable>(_device: PDEVICE_OBJECT, irp: PIRP) -> NTSTATUS {
    // SAFETY: create, cleanup and close reach a top-level driver at PASSIVE_LEVEL.
    let mut irql = unsafe { Irql::entered_at(PassiveEntryPoint::CreateCleanupClose) };
    // SAFETY: the I/O manager's IRP, completed below.
    let irp = unsafe { Irp::from_raw(irp) };
    let Some(state) = D::cell().enter(&irql) else { return refuse(irp) };
    // SAFETY: this request's file object, borrowed until the request completes below.
    let context = unsafe { context_of::<D>(irp.file_object()) };
    let status = state.cleanup(&irp, context, &mut irql);
    irp.complete(status, 0).raw()
}

/// IRP_MJ_CLOSE: takes the context out of the file object, then [`Driver::close`] with it.
///
/// # Safety
/// Called by the I/O manager only.
pub(crate) unsafe extern "C" fn close<D: Loadable>(_device: PDEVICE_OBJECT, irp: PIRP) -> NTSTATUS {
    // SAFETY: create, cleanup and close reach a top-level driver at PASSIVE_LEVEL.
    let mut irql = unsafe { Irql::entered_at(PassiveEntryPoint::CreateCleanupClose) };
    // SAFETY: the I/O manager's IRP, completed below.
    let irp = unsafe { Irp::from_raw(irp) };
    let Some(state) = D::cell().enter(&irql) else { return refuse(irp) };
    let context = irp.file_object().and_then(|file| detach::<D>(file, &mut irql));
    D::cell().file_closed();
    let status = state.close(&irp, context, &mut irql);
    irp.complete(status, 0).raw()
}

/// Takes CREATE's context out of `file`, whose CLOSE this is.
fn detach<D: Loadable>(file: FileObject, irql: &mut Irql<impl AtMost<Dispatch>>) -> Option<D::File> {
    if D::FREE_UNCLOSED_FILES
        && let Some(listing) = file.take(Slot::Listing)
    {
        // SAFETY: CREATE listed it, and CLOSE, the file object's last request, unlists it once;
        // the unload frees what is listed only after no request runs.
        let _same_as_context = unsafe { D::cell().unclosed().unlist(listing, irql) };
    }
    let pointer = file.take(Slot::Context)?;
    // SAFETY: CREATE stored `D::File::into_foreign` there; CLOSE is the file object's last
    // request, so no borrow of it is alive, and the slot is emptied: taken back once.
    Some(unsafe { D::File::from_foreign(pointer) })
}

/// IRP_MJ_DEVICE_CONTROL: [`Driver::device_control`], at [`Driver::ControlLevel`].
///
/// # Safety
/// Called by the I/O manager only.
pub(crate) unsafe extern "C" fn device_control<D: Loadable>(_device: PDEVICE_OBJECT, irp: PIRP) -> NTSTATUS {
    // SAFETY: the dispatch routine for IRP_MJ_DEVICE_CONTROL of `D`.
    let irql = unsafe { D::ControlLevel::enter_device_control() };
    // SAFETY: the I/O manager's IRP, completed or pended by the driver.
    let irp = unsafe { Irp::from_raw(irp) };
    let Some(mut irql) = irql else {
        // Sent above the driver's declared level by a kernel caller.
        return irp.complete(NtStatus::INVALID_DEVICE_STATE, 0).raw();
    };
    let Some(state) = D::cell().enter(&irql) else { return refuse(irp) };
    // The method may complete the IRP, which drops the I/O manager's reference on the file object,
    // while it still borrows the context: this reference keeps CLOSE away until it returned.
    let file = irp.file_object();
    let _held = file.map(FileObject::hold);
    // SAFETY: this request's file object, held until the borrow, which ends when the method
    // returns, is over.
    let context = unsafe { context_of::<D>(file) };
    state.device_control(irp, context, &mut irql).raw()
}

/// IRP_MJ_INTERNAL_DEVICE_CONTROL: [`Driver::internal_device_control`], at DISPATCH_LEVEL.
///
/// # Safety
/// Called by the I/O manager only.
pub(crate) unsafe extern "C" fn internal_device_control<D: Loadable>(_device: PDEVICE_OBJECT, irp: PIRP) -> NTSTATUS {
    // SAFETY: kernel callers send it with IoCallDriver, which runs dispatch routines at its
    // caller's IRQL, at most DISPATCH_LEVEL.
    let mut irql = unsafe { Irql::dispatch_entered_at(DispatchEntryPoint::DeviceControl) };
    // SAFETY: the I/O manager's IRP, completed or pended by the driver.
    let irp = unsafe { Irp::from_raw(irp) };
    let Some(state) = D::cell().enter(&irql) else { return refuse(irp) };
    let file = irp.file_object();
    let _held = file.map(FileObject::hold);
    // SAFETY: as in `device_control`.
    let context = unsafe { context_of::<D>(file) };
    state.internal_device_control(irp, context, &mut irql).raw()
}

/// The cancel routine [`Irp::set_cancel`] installs: releases the cancel spin lock, then
/// [`Cancel::cancel`].
///
/// # Safety
/// Called by the I/O manager only, holding the cancel spin lock.
pub(crate) unsafe extern "C" fn cancel<D: Loadable + Cancel>(_device: PDEVICE_OBJECT, irp: PIRP) {
    // SAFETY: a cancel routine's IRP is valid until completed, which cannot happen before this
    // routine hands it on; `CancelIrql` was saved by IoAcquireCancelSpinLock.
    let cancel_irql = unsafe { (*irp).CancelIrql };
    // SAFETY: the cancel routine owns the cancel spin lock, released once, here, first.
    unsafe { IoReleaseCancelSpinLock(cancel_irql) };
    // SAFETY: a cancel routine runs at the IRQL `CancelIrql` held, at most DISPATCH_LEVEL.
    let mut irql = unsafe { Irql::dispatch_entered_at(DispatchEntryPoint::Cancel) };
    // A driver completes its pended IRPs before `stop` returns, so the state is there.
    if let Some(state) = D::cell().enter(&irql) {
        state.cancel(IrpId::of(irp), &mut irql);
    }
}
