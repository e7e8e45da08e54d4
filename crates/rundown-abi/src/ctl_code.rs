//! The WDK's `CTL_CODE` macro and its inverse.
//!
//! A device I/O control code packs four fields into 32 bits:
//!
//! ```text
//!  31            16 15  14 13              2 1    0
//! +----------------+------+-----------------+------+
//! |  DeviceType    |Access|    Function     |Method|
//! +----------------+------+-----------------+------+
//! ```
//!
//! `CTL_CODE(DeviceType, Function, Method, Access)` is
//! `(DeviceType << 16) | (Access << 14) | (Function << 2) | Method` (devioctl.h).

/// How the I/O manager passes buffers for a control code (`METHOD_*`, the low two bits).
///
/// ```
/// use rundown_abi::Method;
/// assert_eq!(Method::Buffered as u32, 0);
/// assert_eq!(Method::from_bits(3), Method::Neither);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Method {
    /// `METHOD_BUFFERED` (0): one system buffer for input and output.
    Buffered = 0,
    /// `METHOD_IN_DIRECT` (1): the output buffer is an MDL probed for reading.
    InDirect = 1,
    /// `METHOD_OUT_DIRECT` (2): the output buffer is an MDL probed for writing.
    OutDirect = 2,
    /// `METHOD_NEITHER` (3): raw user addresses.
    Neither = 3,
}

impl Method {
    /// The method encoded in the low two bits of `bits` (higher bits are ignored).
    ///
    /// ```
    /// use rundown_abi::Method;
    /// assert_eq!(Method::from_bits(0b110), Method::OutDirect);
    /// ```
    #[must_use]
    pub const fn from_bits(bits: u32) -> Self {
        match bits & 3 {
            0 => Self::Buffered,
            1 => Self::InDirect,
            2 => Self::OutDirect,
            _ => Self::Neither,
        }
    }
}

/// The access a caller's handle needs for a control code (`FILE_*_ACCESS`, bits 14 and 15).
///
/// The I/O manager checks these bits against the handle's granted access before the driver
/// sees the request, and fails a mismatch with `STATUS_ACCESS_DENIED`.
///
/// ```
/// use rundown_abi::Access;
/// assert_eq!(Access::ReadWrite as u32, Access::Read as u32 | Access::Write as u32);
/// assert_eq!(Access::from_bits(2), Access::Write);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Access {
    /// `FILE_ANY_ACCESS` (0).
    Any = 0,
    /// `FILE_READ_ACCESS` (1).
    Read = 1,
    /// `FILE_WRITE_ACCESS` (2).
    Write = 2,
    /// `FILE_READ_ACCESS | FILE_WRITE_ACCESS` (3).
    ReadWrite = 3,
}

impl Access {
    /// The access encoded in the low two bits of `bits` (higher bits are ignored).
    ///
    /// ```
    /// use rundown_abi::Access;
    /// assert_eq!(Access::from_bits(7), Access::ReadWrite);
    /// ```
    #[must_use]
    pub const fn from_bits(bits: u32) -> Self {
        match bits & 3 {
            0 => Self::Any,
            1 => Self::Read,
            2 => Self::Write,
            _ => Self::ReadWrite,
        }
    }
}

/// The WDK's `CTL_CODE` macro, evaluated at compile time.
///
/// # Panics
///
/// If `function` does not fit in its 12 bits (`> 0xFFF`); in a `const` this is a compile error.
///
/// ```
/// use rundown_abi::{ctl_code, Access, Method};
/// // IOCTL_DISK_GET_DRIVE_GEOMETRY = CTL_CODE(FILE_DEVICE_DISK, 0, METHOD_BUFFERED, FILE_ANY_ACCESS)
/// const GEOMETRY: u32 = ctl_code(0x7, 0, Method::Buffered, Access::Any);
/// assert_eq!(GEOMETRY, 0x0007_0000);
/// ```
#[must_use]
pub const fn ctl_code(device_type: u16, function: u16, method: Method, access: Access) -> u32 {
    assert!(function <= 0xFFF, "CTL_CODE function is 12 bits");
    ((device_type as u32) << 16) | ((access as u32) << 14) | ((function as u32) << 2) | method as u32
}

/// The four fields of a control code, as [`ctl_code`] packs them.
///
/// Every `u32` decodes: each field's bit range maps onto its type completely.
///
/// ```
/// use rundown_abi::{Access, CtlCode, Method};
/// // FSCTL_LOCK_VOLUME = CTL_CODE(FILE_DEVICE_FILE_SYSTEM, 6, METHOD_BUFFERED, FILE_ANY_ACCESS)
/// let code = CtlCode::from_raw(0x0009_0018);
/// assert_eq!(code, CtlCode { device_type: 0x9, function: 6, method: Method::Buffered, access: Access::Any });
/// assert_eq!(code.raw(), 0x0009_0018);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CtlCode {
    /// `DeviceType`, bits 16..=31 (`0x8000` and above are vendor types).
    pub device_type: u16,
    /// `Function`, bits 2..=13 (`0x800` and above are vendor functions).
    pub function: u16,
    /// `Method`, bits 0..=1.
    pub method: Method,
    /// `Access`, bits 14..=15.
    pub access: Access,
}

impl CtlCode {
    /// Splits a raw control code into its fields.
    ///
    /// ```
    /// use rundown_abi::{Access, CtlCode, Method};
    /// let code = CtlCode::from_raw(0x002D_1400); // IOCTL_STORAGE_QUERY_PROPERTY
    /// assert_eq!((code.device_type, code.function), (0x2D, 0x500));
    /// assert_eq!((code.method, code.access), (Method::Buffered, Access::Any));
    /// ```
    #[must_use]
    pub const fn from_raw(raw: u32) -> Self {
        Self {
            // Truncation keeps exactly the field's bits.
            #[allow(clippy::cast_possible_truncation)]
            device_type: (raw >> 16) as u16,
            #[allow(clippy::cast_possible_truncation)]
            function: ((raw >> 2) & 0xFFF) as u16,
            method: Method::from_bits(raw),
            access: Access::from_bits(raw >> 14),
        }
    }

    /// Packs the fields again, as [`ctl_code`] does.
    ///
    /// # Panics
    ///
    /// If `function` is wider than 12 bits (only possible for a hand-built value).
    ///
    /// ```
    /// use rundown_abi::CtlCode;
    /// assert_eq!(CtlCode::from_raw(0xDEAD_BEEF).raw(), 0xDEAD_BEEF);
    /// ```
    #[must_use]
    pub const fn raw(self) -> u32 {
        ctl_code(self.device_type, self.function, self.method, self.access)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_do_not_overlap() {
        assert_eq!(ctl_code(0xFFFF, 0, Method::Buffered, Access::Any), 0xFFFF_0000);
        assert_eq!(ctl_code(0, 0, Method::Buffered, Access::ReadWrite), 0x0000_C000);
        assert_eq!(ctl_code(0, 0xFFF, Method::Buffered, Access::Any), 0x0000_3FFC);
        assert_eq!(ctl_code(0, 0, Method::Neither, Access::Any), 0x0000_0003);
    }

    #[test]
    #[should_panic(expected = "12 bits")]
    fn wide_function_panics() {
        let _ = ctl_code(0, 0x1000, Method::Buffered, Access::Any);
    }
}
