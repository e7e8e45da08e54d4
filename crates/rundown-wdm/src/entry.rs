//! DriverEntry and DriverUnload for a [`Driver`], and [`driver!`](crate::driver), which exports
//! them.

use core::mem::MaybeUninit;
use core::ptr::NonNull;

use rundown::irql::{Irql, PassiveEntryPoint};
use rundown_abi::NtStatus;
use rundown_service::try_box;
use wdk_sys::{
    DO_DEVICE_INITIALIZING, DRIVER_OBJECT, IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, IRP_MJ_DEVICE_CONTROL,
    IRP_MJ_INTERNAL_DEVICE_CONTROL, NTSTATUS, UNICODE_STRING,
};

use crate::{DriverObject, Loadable, RegistryPath, dispatch};

/// Exports `DriverEntry` for the [`Driver`](crate::Driver) `$driver`, and keeps its state in a
/// `static` [`DriverCell`](crate::DriverCell) of its own ([`Loadable`]).
///
/// DriverEntry, at PASSIVE_LEVEL:
/// 1. reserves the pool for the state, then calls [`Driver::init`](crate::Driver::init) (on an
///    error, DriverEntry fails with it and logs it: nothing was published);
/// 2. publishes the state, installs the dispatch routines (CREATE, CLEANUP, CLOSE,
///    DEVICE_CONTROL, INTERNAL_DEVICE_CONTROL) and DriverUnload;
/// 3. clears `DO_DEVICE_INITIALIZING` on the driver's devices, so they can be opened;
/// 4. calls [`Driver::loaded`](crate::Driver::loaded).
///
/// DriverUnload, at PASSIVE_LEVEL: [`Driver::stop`](crate::Driver::stop) while requests still
/// reach the state; then no new request gets in (`STATUS_DELETE_PENDING`) and those inside are
/// waited for (a run-down wait); the file contexts Wine never closed are dropped
/// ([`Driver::FREE_UNCLOSED_FILES`](crate::Driver::FREE_UNCLOSED_FILES)); the state is dropped;
/// [`Driver::unloaded`](crate::Driver::unloaded).
///
/// ```
/// use rundown::irql::{Irql, Passive};
/// use rundown_abi::NtStatus;
/// use rundown_wdm::{Driver, DriverObject, RegistryPath};
///
/// struct Empty;
///
/// impl Driver for Empty {
///     const NAME: &'static str = "empty";
///     type File = ();
///     type ControlLevel = Passive;
///
///     fn init(_driver: &mut DriverObject<'_>, _path: RegistryPath<'_>, _irql: &Irql<Passive>) -> Result<Self, NtStatus> {
///         Ok(Self)
///     }
/// }
///
/// rundown_wdm::driver!(Empty);
/// ```
#[macro_export]
macro_rules! driver {
    ($driver:ty) => {
        impl $crate::Loadable for $driver {
            fn cell() -> &'static $crate::DriverCell<Self> {
                static CELL: $crate::DriverCell<$driver> = $crate::DriverCell::new();
                &CELL
            }
        }

        /// The driver's entry point: [`rundown_wdm::driver!`]'s DriverEntry.
        ///
        /// # Safety
        /// Called by the I/O manager only, once per load, with its driver object and registry
        /// path.
        #[unsafe(export_name = "DriverEntry")]
        pub unsafe extern "system" fn driver_entry(
            driver: *mut $crate::__private::DRIVER_OBJECT,
            registry_path: *const $crate::__private::UNICODE_STRING,
        ) -> $crate::__private::NTSTATUS {
            // SAFETY: the I/O manager's call, forwarded as it came (the caller's contract).
            unsafe { $crate::__private::entry::<$driver>(driver, registry_path) }
        }
    };
}

/// DriverEntry for `D`: see [`driver!`](crate::driver).
///
/// # Safety
/// Called from the exported DriverEntry only, with the I/O manager's arguments, once per load.
#[doc(hidden)]
pub unsafe fn entry<D: Loadable>(driver: *mut DRIVER_OBJECT, registry_path: *const UNICODE_STRING) -> NTSTATUS {
    // SAFETY: the I/O manager calls DriverEntry at PASSIVE_LEVEL.
    let irql = unsafe { Irql::entered_at(PassiveEntryPoint::DriverEntry) };
    // SAFETY: the I/O manager's driver object, which DriverEntry may change.
    let Some(raw) = (unsafe { driver.as_mut() }) else { return NtStatus::INVALID_PARAMETER.raw() };
    // SAFETY: the I/O manager's registry path, valid during DriverEntry.
    let path = unsafe { RegistryPath::from_raw(registry_path) };
    let built = try_box(MaybeUninit::<D>::uninit()).ok_or(NtStatus::INSUFFICIENT_RESOURCES).and_then(|slot| {
        D::init(&mut DriverObject::new(raw), path, &irql).map(|state| alloc::boxed::Box::write(slot, state))
    });
    let state = match built {
        Ok(state) => state,
        Err(status) => {
            crate::error!("{}: DriverEntry failed: {status:?}", D::NAME);
            return status.raw();
        }
    };
    // SAFETY: DriverEntry, before the dispatch routines are installed.
    unsafe { D::cell().load(state) };
    raw.MajorFunction[IRP_MJ_CREATE as usize] = Some(dispatch::create::<D>);
    raw.MajorFunction[IRP_MJ_CLEANUP as usize] = Some(dispatch::cleanup::<D>);
    raw.MajorFunction[IRP_MJ_CLOSE as usize] = Some(dispatch::close::<D>);
    raw.MajorFunction[IRP_MJ_DEVICE_CONTROL as usize] = Some(dispatch::device_control::<D>);
    raw.MajorFunction[IRP_MJ_INTERNAL_DEVICE_CONTROL as usize] = Some(dispatch::internal_device_control::<D>);
    raw.DriverUnload = Some(unload::<D>);
    let mut device = raw.DeviceObject;
    while let Some(ready) = NonNull::new(device) {
        // SAFETY: a device object of this driver, created by `init` and alive while the state
        // owns it; clearing the flag lets opens through, now that the requests find the state.
        unsafe { (*ready.as_ptr()).Flags &= !DO_DEVICE_INITIALIZING };
        // SAFETY: as above; the list of the driver's devices changes only in this driver.
        device = unsafe { (*ready.as_ptr()).NextDevice };
    }
    if let Some(state) = D::cell().enter(&irql) {
        state.loaded(&irql);
    }
    NtStatus::SUCCESS.raw()
}

/// DriverUnload for `D`: see [`driver!`](crate::driver).
///
/// # Safety
/// Called by the I/O manager only.
unsafe extern "C" fn unload<D: Loadable>(_driver: *mut DRIVER_OBJECT) {
    // SAFETY: the I/O manager calls DriverUnload at PASSIVE_LEVEL.
    let mut irql = unsafe { Irql::entered_at(PassiveEntryPoint::DriverUnload) };
    // SAFETY: DriverUnload, called once per load.
    unsafe { D::cell().unload(&mut irql) };
}
