//! What DriverEntry is given: the driver object and the driver's registry path.

use core::fmt;
use core::marker::PhantomData;

use wdk_sys::{DRIVER_OBJECT, UNICODE_STRING};

/// The driver object, as [`Driver::init`](crate::Driver::init) sees it: what devices are created
/// for ([`Device::create`](crate::Device::create)). The dispatch table and DriverUnload are
/// [`driver!`](crate::driver)'s to set.
///
/// ```
/// use rundown::irql::{Irql, Passive};
/// use rundown_wdm::{Device, DeviceAccess, DeviceNames, DriverObject};
///
/// const NAME: [u16; 13] = [92, 68, 101, 118, 105, 99, 101, 92, 72, 101, 108, 108, 111]; // \Device\Hello
/// const LINK: [u16; 17] = [92, 68, 111, 115, 68, 101, 118, 105, 99, 101, 115, 92, 72, 101, 108, 108, 111];
///
/// # // Defined, never called: the host that runs the doctests has no I/O manager.
/// fn devices(driver: &mut DriverObject<'_>, irql: &Irql<Passive>) -> Result<Device, rundown_abi::NtStatus> {
///     let names = DeviceNames { device: &NAME, link: &LINK };
///     Device::create(driver, names, 0x8352, DeviceAccess::Default, irql)
/// }
/// ```
pub struct DriverObject<'a> {
    raw: &'a mut DRIVER_OBJECT,
}

impl<'a> DriverObject<'a> {
    pub(crate) fn new(raw: &'a mut DRIVER_OBJECT) -> Self {
        Self { raw }
    }

    /// The raw driver object, for `IoCreateDevice`.
    pub(crate) fn as_raw(&mut self) -> &mut DRIVER_OBJECT {
        self.raw
    }
}

/// The driver's key under `HKLM\SYSTEM\CurrentControlSet\Services`, in UTF-16, as DriverEntry got
/// it; valid during [`Driver::init`](crate::Driver::init) only.
///
/// ```
/// use rundown_wdm::RegistryPath;
///
/// let units: Vec<u16> = "\\Registry\\Machine\\SYSTEM".encode_utf16().collect();
/// let path = RegistryPath::from_utf16(&units);
/// assert_eq!(path.to_string(), "\\Registry\\Machine\\SYSTEM");
/// ```
#[derive(Clone, Copy)]
pub struct RegistryPath<'a> {
    units: &'a [u16],
    not_send: PhantomData<*const ()>,
}

impl<'a> RegistryPath<'a> {
    /// A path over `units` (UTF-16, no NUL).
    ///
    /// ```
    /// let units = [0x41u16, 0x42];
    /// assert_eq!(rundown_wdm::RegistryPath::from_utf16(&units).to_string(), "AB");
    /// ```
    #[must_use]
    pub fn from_utf16(units: &'a [u16]) -> Self {
        Self { units, not_send: PhantomData }
    }

    /// The path DriverEntry was given (empty for null).
    ///
    /// # Safety
    /// `raw` is null or a valid counted string whose buffer stays valid and unchanged for `'a`.
    pub(crate) unsafe fn from_raw(raw: *const UNICODE_STRING) -> Self {
        // SAFETY: null or valid for `'a` (caller).
        let Some(string) = (unsafe { raw.as_ref() }) else { return Self::from_utf16(&[]) };
        if string.Buffer.is_null() {
            return Self::from_utf16(&[]);
        }
        // SAFETY: a counted string's buffer holds `Length` bytes of UTF-16, valid for `'a`
        // (caller).
        Self::from_utf16(unsafe { core::slice::from_raw_parts(string.Buffer, usize::from(string.Length) / 2) })
    }

    /// The path's UTF-16 code units.
    ///
    /// ```
    /// let units = [0x41u16, 0x42];
    /// assert_eq!(rundown_wdm::RegistryPath::from_utf16(&units).as_utf16(), &units);
    /// ```
    #[must_use]
    pub fn as_utf16(&self) -> &'a [u16] {
        self.units
    }
}

impl fmt::Display for RegistryPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        char::decode_utf16(self.units.iter().copied())
            .map(|unit| unit.unwrap_or(char::REPLACEMENT_CHARACTER))
            .try_for_each(|c| fmt::Write::write_char(f, c))
    }
}

impl fmt::Debug for RegistryPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegistryPath({self})")
    }
}
