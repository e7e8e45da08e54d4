//! A named device object and its `\DosDevices` link, created and deleted as a pair.

use wdk_sys::ntddk::{IoCreateDevice, IoCreateSymbolicLink, IoDeleteDevice, IoDeleteSymbolicLink};
use wdk_sys::{DRIVER_OBJECT, FILE_DEVICE_SECURE_OPEN, NT_SUCCESS, NTSTATUS, PDEVICE_OBJECT};

use crate::unicode;
use crate::wdk_values::FALSE;

/// The names of a device: its NT name and its `\DosDevices` link, in UTF-16.
#[derive(Clone, Copy, Debug)]
pub struct DeviceNames {
    /// `\Device\...`.
    pub device: &'static [u16],
    /// `\DosDevices\...`.
    pub link: &'static [u16],
}

/// Creates a device of `device_type` (`FILE_DEVICE_SECURE_OPEN`, no extension), lets `prepare`
/// finish it (a DACL, say) before anyone can open it, then creates its link; on any failure
/// nothing is left behind.
///
/// # Errors
/// The status of `IoCreateDevice`, `prepare` or `IoCreateSymbolicLink`.
pub fn create_device(
    driver: &mut DRIVER_OBJECT,
    names: DeviceNames,
    device_type: u32,
    prepare: impl FnOnce(PDEVICE_OBJECT) -> Result<(), NTSTATUS>,
) -> Result<PDEVICE_OBJECT, NTSTATUS> {
    let mut name = unicode(names.device);
    let mut device: PDEVICE_OBJECT = core::ptr::null_mut();
    // SAFETY: a valid driver object and name; `device` receives the new object.
    let status = unsafe {
        IoCreateDevice(driver, 0, &raw mut name, device_type, FILE_DEVICE_SECURE_OPEN, FALSE, &raw mut device)
    };
    if !NT_SUCCESS(status) {
        return Err(status);
    }
    let mut link = unicode(names.link);
    let linked = prepare(device).and_then(|()| {
        // SAFETY: two valid names.
        let status = unsafe { IoCreateSymbolicLink(&raw mut link, &raw mut name) };
        if NT_SUCCESS(status) { Ok(()) } else { Err(status) }
    });
    if let Err(status) = linked {
        // SAFETY: created above; no link points at it, nobody has opened it.
        unsafe { IoDeleteDevice(device) };
        return Err(status);
    }
    Ok(device)
}

/// Deletes the link and the device.
///
/// # Safety
/// `device` and `names` came from [`create_device`], and no dispatch routine will use the
/// driver's state after this.
pub unsafe fn delete_device(device: PDEVICE_OBJECT, names: DeviceNames) {
    let mut link = unicode(names.link);
    // SAFETY: the link `create_device` made.
    let _ = unsafe { IoDeleteSymbolicLink(&raw mut link) };
    // SAFETY: forwarded from the caller.
    unsafe { IoDeleteDevice(device) };
}
