//! A named device object and its `\DosDevices` link, created together and deleted together.

use core::ptr::NonNull;

use rundown::irql::{Irql, Passive};
use rundown_abi::NtStatus;
use wdk_sys::ntddk::{IoCreateDevice, IoCreateSymbolicLink, IoDeleteDevice, IoDeleteSymbolicLink};
use wdk_sys::{DEVICE_OBJECT, FILE_DEVICE_SECURE_OPEN, PDEVICE_OBJECT};

use crate::status::check;
use crate::wdk_values::FALSE;
use crate::{DriverObject, security, unicode};

/// The names of a device: its NT name and its `\DosDevices` link, in UTF-16.
///
/// ```
/// use rundown_abi::names::{DOS_DEVICE_NAME_W, NT_DEVICE_NAME_W};
/// use rundown_wdm::DeviceNames;
///
/// const NAMES: DeviceNames = DeviceNames { device: &NT_DEVICE_NAME_W, link: &DOS_DEVICE_NAME_W };
/// assert!(NAMES.link.len() > NAMES.device.len());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct DeviceNames {
    /// `\Device\...`.
    pub device: &'static [u16],
    /// `\DosDevices\...`.
    pub link: &'static [u16],
}

/// Who may open a device.
///
/// ```
/// use rundown_wdm::DeviceAccess;
///
/// assert_ne!(DeviceAccess::Default, DeviceAccess::SystemAndAdministrators);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceAccess {
    /// The security descriptor the I/O manager gives a new device.
    Default,
    /// SYSTEM and Administrators only (SDDL `D:P(A;;FA;;;SY)(A;;FA;;;BA)`), set before the link
    /// exists.
    SystemAndAdministrators,
}

/// A device object of this driver with its symbolic link (`FILE_DEVICE_SECURE_OPEN`, no
/// extension). Dropping it deletes the link, then the device; it lives in the driver's state,
/// which DriverUnload (or a failed DriverEntry) drops at PASSIVE_LEVEL.
///
/// The device is created with `DO_DEVICE_INITIALIZING` set, so nobody can open it while
/// DriverEntry still runs; [`driver!`](crate::driver)'s DriverEntry clears the flag on the
/// driver's devices once the state is published.
///
/// ```
/// use rundown::irql::{Irql, Passive};
/// use rundown_abi::names::{DOS_DEVICE_NAME_W, NT_DEVICE_NAME_W};
/// use rundown_wdm::{Device, DeviceAccess, DeviceNames, DriverObject};
///
/// # // Defined, never called: the host that runs the doctests has no I/O manager.
/// fn create(driver: &mut DriverObject<'_>, irql: &Irql<Passive>) -> Result<Device, rundown_abi::NtStatus> {
///     let names = DeviceNames { device: &NT_DEVICE_NAME_W, link: &DOS_DEVICE_NAME_W };
///     Device::create(driver, names, 0x8352, DeviceAccess::SystemAndAdministrators, irql)
/// }
/// ```
///
/// # Invariants
/// `raw` is a device object this value created, with the link `names.link`, both alive until
/// this value drops.
#[derive(Debug)]
pub struct Device {
    raw: NonNull<DEVICE_OBJECT>,
    names: DeviceNames,
}

// SAFETY: a device object is the I/O manager's, usable from any thread; this value only deletes it.
unsafe impl Send for Device {}
// SAFETY: as above; `&Device` gives nothing but its address.
unsafe impl Sync for Device {}

impl Device {
    /// Creates a device of `device_type` named `names.device`, applies `access`, then creates
    /// its link; on any failure nothing is left behind.
    ///
    /// # Errors
    /// The status of `IoCreateDevice`, of setting the DACL, or of `IoCreateSymbolicLink`.
    ///
    /// ```
    /// use rundown::irql::{Irql, Passive};
    /// use rundown_abi::names::{DOS_DEVICE_NAME_W, NT_DEVICE_NAME_W};
    /// use rundown_wdm::{Device, DeviceAccess, DeviceNames, DriverObject};
    ///
    /// # // Defined, never called: the host that runs the doctests has no I/O manager.
    /// fn device(driver: &mut DriverObject<'_>, irql: &Irql<Passive>) -> Result<Device, rundown_abi::NtStatus> {
    ///     let names = DeviceNames { device: &NT_DEVICE_NAME_W, link: &DOS_DEVICE_NAME_W };
    ///     Device::create(driver, names, u32::from(rundown_abi::FILE_DEVICE_RUNDOWN), DeviceAccess::Default, irql)
    /// }
    /// ```
    pub fn create(
        driver: &mut DriverObject<'_>,
        names: DeviceNames,
        device_type: u32,
        access: DeviceAccess,
        irql: &Irql<Passive>,
    ) -> Result<Self, NtStatus> {
        let _ = irql;
        let mut name = unicode(names.device);
        let mut device: PDEVICE_OBJECT = core::ptr::null_mut();
        // SAFETY: a valid driver object and name; `device` receives the new object. PASSIVE_LEVEL,
        // as the routine requires (the token says so).
        check(unsafe {
            IoCreateDevice(
                driver.as_raw(),
                0,
                &raw mut name,
                device_type,
                FILE_DEVICE_SECURE_OPEN,
                FALSE,
                &raw mut device,
            )
        })?;
        let raw = NonNull::new(device).ok_or(NtStatus::INSUFFICIENT_RESOURCES)?;
        let restricted = match access {
            DeviceAccess::Default => Ok(()),
            DeviceAccess::SystemAndAdministrators => security::restrict_to_system_and_administrators(raw),
        };
        let mut link = unicode(names.link);
        // SAFETY: two valid counted names.
        let linked = restricted.and_then(|()| check(unsafe { IoCreateSymbolicLink(&raw mut link, &raw mut name) }));
        if let Err(status) = linked {
            // SAFETY: created above; no link points at it, and nobody can open it yet
            // (DO_DEVICE_INITIALIZING).
            unsafe { IoDeleteDevice(raw.as_ptr()) };
            return Err(status);
        }
        // INVARIANT: the device and its link, both created above.
        Ok(Self { raw, names })
    }

    /// The device object, for the kernel routines that take one.
    ///
    /// ```
    /// use rundown_wdm::Device;
    ///
    /// # // Defined, never called: the host that runs the doctests has no I/O manager.
    /// fn address(device: &Device) -> usize {
    ///     device.as_raw() as usize
    /// }
    /// ```
    #[must_use]
    pub fn as_raw(&self) -> PDEVICE_OBJECT {
        self.raw.as_ptr()
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        let mut link = unicode(self.names.link);
        // SAFETY: the link `create` made (invariant), deleted once, here.
        let _ = unsafe { IoDeleteSymbolicLink(&raw mut link) };
        // SAFETY: the device `create` made (invariant), deleted once, here; the driver's state,
        // which owns it, is dropped only once no request reaches the driver.
        unsafe { IoDeleteDevice(self.raw.as_ptr()) };
    }
}
