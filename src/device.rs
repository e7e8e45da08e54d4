//! `\Device\RundownShared` and its `\DosDevices` link.

use rundown_abi::NtStatus;
use rundown_abi::names::{DOS_DEVICE_NAME_W, NT_DEVICE_NAME_W};
use rundown_wdm::DeviceNames;
use wdk_sys::{DRIVER_OBJECT, PDEVICE_OBJECT};

use crate::security;

const NAMES: DeviceNames = DeviceNames { device: &NT_DEVICE_NAME_W, link: &DOS_DEVICE_NAME_W };

/// Creates the device (`FILE_DEVICE_SECURE_OPEN`, DACL for SYSTEM and Administrators set before
/// the link exists) and its link, or nothing.
pub(crate) fn create(driver: &mut DRIVER_OBJECT) -> Result<PDEVICE_OBJECT, NtStatus> {
    let restrict = |device| security::restrict_to_system_and_administrators(device).map_err(NtStatus::raw);
    rundown_wdm::create_device(driver, NAMES, u32::from(rundown_abi::FILE_DEVICE_RUNDOWN), restrict)
        .map_err(NtStatus::from_raw)
}

/// Deletes the link and the device.
///
/// # Safety
/// `device` came from [`create`], and no dispatch routine will use the driver's state after this.
pub(crate) unsafe fn delete(device: PDEVICE_OBJECT) {
    // SAFETY: forwarded from the caller.
    unsafe { rundown_wdm::delete_device(device, NAMES) };
}
