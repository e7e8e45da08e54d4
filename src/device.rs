//! `\Device\RundownShared` and its `\DosDevices` link.

use rundown_abi::NtStatus;
use rundown_abi::names::{DOS_DEVICE_NAME_W, NT_DEVICE_NAME_W};
use rundown_wdm::unicode;
use wdk_sys::ntddk::{IoCreateDevice, IoCreateSymbolicLink, IoDeleteDevice, IoDeleteSymbolicLink};
use wdk_sys::{DRIVER_OBJECT, FILE_DEVICE_SECURE_OPEN, NT_SUCCESS, PDEVICE_OBJECT};

use crate::security;
use rundown_wdm::wdk_values::FALSE;

/// Creates the device (`FILE_DEVICE_SECURE_OPEN`, DACL for SYSTEM and Administrators) and its
/// link, or nothing.
pub(crate) fn create(driver: &mut DRIVER_OBJECT) -> Result<PDEVICE_OBJECT, NtStatus> {
    let mut name = unicode(&NT_DEVICE_NAME_W);
    let mut device: PDEVICE_OBJECT = core::ptr::null_mut();
    // SAFETY: a valid driver object and name; `device` receives the new object.
    let status = unsafe {
        IoCreateDevice(
            driver,
            0,
            &raw mut name,
            u32::from(rundown_abi::FILE_DEVICE_RUNDOWN),
            FILE_DEVICE_SECURE_OPEN,
            FALSE,
            &raw mut device,
        )
    };
    if !NT_SUCCESS(status) {
        return Err(NtStatus::from_raw(status));
    }
    if let Err(status) = security::restrict_to_system_and_administrators(device) {
        // SAFETY: created above, not yet visible to anyone.
        unsafe { IoDeleteDevice(device) };
        return Err(status);
    }
    let mut link = unicode(&DOS_DEVICE_NAME_W);
    // SAFETY: two valid names.
    let status = unsafe { IoCreateSymbolicLink(&raw mut link, &raw mut name) };
    if !NT_SUCCESS(status) {
        // SAFETY: created above; no link points at it.
        unsafe { IoDeleteDevice(device) };
        return Err(NtStatus::from_raw(status));
    }
    Ok(device)
}

/// Deletes the link and the device.
///
/// # Safety
/// `device` came from [`create`], and no dispatch routine will use the driver's state after this.
pub(crate) unsafe fn delete(device: PDEVICE_OBJECT) {
    let mut link = unicode(&DOS_DEVICE_NAME_W);
    // SAFETY: the link `create` made.
    let _ = unsafe { IoDeleteSymbolicLink(&raw mut link) };
    // SAFETY: forwarded from the caller.
    unsafe { IoDeleteDevice(device) };
}
