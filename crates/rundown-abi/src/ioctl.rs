//! The device's control codes and their decoder.

use core::fmt;

use crate::ctl_code::{Access, CtlCode, Method, ctl_code};
use crate::status::NtStatus;

/// The device type of `\Device\RundownShared`: a vendor type (`0x8000..=0xFFFF`).
///
/// ```
/// assert!(rundown_abi::FILE_DEVICE_RUNDOWN >= 0x8000);
/// ```
pub const FILE_DEVICE_RUNDOWN: u16 = 0x8352;

/// The first vendor function code; `0x000..=0x7FF` belong to Microsoft.
///
/// ```
/// assert_eq!(rundown_abi::VENDOR_FUNCTION_FIRST, 0x800);
/// ```
pub const VENDOR_FUNCTION_FIRST: u16 = 0x800;

/// The last function code that fits `CTL_CODE`'s 12 bits.
///
/// ```
/// assert_eq!(rundown_abi::VENDOR_FUNCTION_LAST, 0xFFF);
/// ```
pub const VENDOR_FUNCTION_LAST: u16 = 0xFFF;

/// One request of the device. All use `METHOD_BUFFERED`.
///
/// | request | function | access |
/// |---|---|---|
/// | `Query` | `0x800` | read |
/// | `Acquire` | `0x801` | read |
/// | `Release` | `0x802` | read |
/// | `Read` | `0x803` | read |
/// | `Write` | `0x804` | write |
/// | `Rotate` | `0x805` | write |
/// | `Stats` | `0x806` | read |
/// | `GetInterface` | `0x8F0` | any (kernel peers only) |
///
/// ```
/// use rundown_abi::{CtlCode, Ioctl, Method};
/// let raw = Ioctl::Write.code();
/// assert_eq!(raw, 0x8352_A010);
/// assert_eq!(Ioctl::decode(raw), Ok(Ioctl::Write));
/// assert_eq!(CtlCode::from_raw(raw).method, Method::Buffered);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ioctl {
    /// `IOCTL_RUNDOWN_QUERY`: the object's generation, version, holders and state.
    Query,
    /// `IOCTL_RUNDOWN_ACQUIRE`: take protection on behalf of the calling handle.
    Acquire,
    /// `IOCTL_RUNDOWN_RELEASE`: give back protection the calling handle holds.
    Release,
    /// `IOCTL_RUNDOWN_READ`: read the payload under protection.
    Read,
    /// `IOCTL_RUNDOWN_WRITE`: replace the payload under protection.
    Write,
    /// `IOCTL_RUNDOWN_ROTATE`: run the object down, free it and install a new generation.
    Rotate,
    /// `IOCTL_RUNDOWN_STATS`: the driver's counters and pool usage.
    Stats,
    /// `IOCTL_RUNDOWN_GET_INTERFACE`: the interface for kernel-mode peer drivers; the driver
    /// refuses it from user mode.
    GetInterface,
}

impl Ioctl {
    /// Every request, in function-code order.
    ///
    /// ```
    /// use rundown_abi::Ioctl;
    /// assert_eq!(Ioctl::ALL.len(), 8);
    /// ```
    pub const ALL: [Self; 8] = [
        Self::Query,
        Self::Acquire,
        Self::Release,
        Self::Read,
        Self::Write,
        Self::Rotate,
        Self::Stats,
        Self::GetInterface,
    ];

    /// The function code (`0x800..=0xFFF`).
    ///
    /// ```
    /// use rundown_abi::Ioctl;
    /// assert_eq!(Ioctl::Query.function(), 0x800);
    /// ```
    #[must_use]
    pub const fn function(self) -> u16 {
        match self {
            Self::Query => 0x800,
            Self::Acquire => 0x801,
            Self::Release => 0x802,
            Self::Read => 0x803,
            Self::Write => 0x804,
            Self::Rotate => 0x805,
            Self::Stats => 0x806,
            Self::GetInterface => 0x8F0,
        }
    }

    /// The transfer method: `METHOD_BUFFERED` for every request.
    ///
    /// ```
    /// use rundown_abi::{Ioctl, Method};
    /// assert_eq!(Ioctl::Rotate.method(), Method::Buffered);
    /// ```
    #[must_use]
    pub const fn method(self) -> Method {
        Method::Buffered
    }

    /// The access the handle needs: write for requests that change the object, read for the
    /// others, any for [`Ioctl::GetInterface`].
    ///
    /// ```
    /// use rundown_abi::{Access, Ioctl};
    /// assert_eq!(Ioctl::Write.access(), Access::Write);
    /// assert_eq!(Ioctl::Read.access(), Access::Read);
    /// ```
    #[must_use]
    pub const fn access(self) -> Access {
        match self {
            Self::Query | Self::Acquire | Self::Release | Self::Read | Self::Stats => Access::Read,
            Self::Write | Self::Rotate => Access::Write,
            Self::GetInterface => Access::Any,
        }
    }

    /// The control code: `CTL_CODE(FILE_DEVICE_RUNDOWN, function, METHOD_BUFFERED, access)`.
    ///
    /// ```
    /// use rundown_abi::Ioctl;
    /// assert_eq!(Ioctl::Query.code(), 0x8352_6000);
    /// ```
    #[must_use]
    pub const fn code(self) -> u32 {
        ctl_code(FILE_DEVICE_RUNDOWN, self.function(), self.method(), self.access())
    }

    /// The request with this function code, whatever its method and access.
    ///
    /// ```
    /// use rundown_abi::Ioctl;
    /// assert_eq!(Ioctl::from_function(0x805), Some(Ioctl::Rotate));
    /// assert_eq!(Ioctl::from_function(0x807), None);
    /// ```
    #[must_use]
    pub const fn from_function(function: u16) -> Option<Self> {
        let mut i = 0;
        while i < Self::ALL.len() {
            if Self::ALL[i].function() == function {
                return Some(Self::ALL[i]);
            }
            i += 1;
        }
        None
    }

    /// The request a raw control code names, checked field by field: device type, then
    /// function, then method, then access.
    ///
    /// # Errors
    ///
    /// The first field that does not match, as a [`BadCode`].
    ///
    /// ```
    /// use rundown_abi::{ctl_code, Access, BadCode, Ioctl, Method, FILE_DEVICE_RUNDOWN};
    /// assert_eq!(Ioctl::decode(Ioctl::Stats.code()), Ok(Ioctl::Stats));
    /// let neither = ctl_code(FILE_DEVICE_RUNDOWN, 0x806, Method::Neither, Access::Read);
    /// assert_eq!(Ioctl::decode(neither), Err(BadCode::WrongMethod { ioctl: Ioctl::Stats, found: Method::Neither }));
    /// ```
    pub const fn decode(raw: u32) -> Result<Self, BadCode> {
        let code = CtlCode::from_raw(raw);
        if code.device_type != FILE_DEVICE_RUNDOWN {
            return Err(BadCode::WrongDeviceType { found: code.device_type });
        }
        let Some(ioctl) = Self::from_function(code.function) else {
            return Err(BadCode::UnknownFunction { function: code.function });
        };
        if code.method as u8 != ioctl.method() as u8 {
            return Err(BadCode::WrongMethod { ioctl, found: code.method });
        }
        if code.access as u8 != ioctl.access() as u8 {
            return Err(BadCode::WrongAccess { ioctl, found: code.access });
        }
        Ok(ioctl)
    }

    /// The WDK-style name, `IOCTL_RUNDOWN_*`.
    ///
    /// ```
    /// use rundown_abi::Ioctl;
    /// assert_eq!(Ioctl::GetInterface.name(), "IOCTL_RUNDOWN_GET_INTERFACE");
    /// ```
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Query => "IOCTL_RUNDOWN_QUERY",
            Self::Acquire => "IOCTL_RUNDOWN_ACQUIRE",
            Self::Release => "IOCTL_RUNDOWN_RELEASE",
            Self::Read => "IOCTL_RUNDOWN_READ",
            Self::Write => "IOCTL_RUNDOWN_WRITE",
            Self::Rotate => "IOCTL_RUNDOWN_ROTATE",
            Self::Stats => "IOCTL_RUNDOWN_STATS",
            Self::GetInterface => "IOCTL_RUNDOWN_GET_INTERFACE",
        }
    }
}

/// Why a control code is not one of this device's requests.
///
/// Every variant answers `STATUS_INVALID_DEVICE_REQUEST` ([`BadCode::status`]).
///
/// ```
/// use rundown_abi::{BadCode, Ioctl, NtStatus};
/// let err = Ioctl::decode(0x0007_0000).unwrap_err(); // IOCTL_DISK_GET_DRIVE_GEOMETRY
/// assert_eq!(err, BadCode::WrongDeviceType { found: 0x7 });
/// assert_eq!(err.status(), NtStatus::INVALID_DEVICE_REQUEST);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BadCode {
    /// The device type is not [`FILE_DEVICE_RUNDOWN`].
    WrongDeviceType {
        /// The code's device type.
        found: u16,
    },
    /// The device type is right but no request has this function code.
    UnknownFunction {
        /// The code's function.
        function: u16,
    },
    /// A known function with a method other than `METHOD_BUFFERED`.
    WrongMethod {
        /// The request the function names.
        ioctl: Ioctl,
        /// The code's method.
        found: Method,
    },
    /// A known function and method with access bits other than the request's.
    WrongAccess {
        /// The request the function names.
        ioctl: Ioctl,
        /// The code's access bits.
        found: Access,
    },
}

impl BadCode {
    /// The status the driver answers: `STATUS_INVALID_DEVICE_REQUEST` for every variant.
    ///
    /// ```
    /// use rundown_abi::{BadCode, NtStatus};
    /// assert_eq!(BadCode::UnknownFunction { function: 0x900 }.status(), NtStatus::INVALID_DEVICE_REQUEST);
    /// ```
    #[must_use]
    pub const fn status(self) -> NtStatus {
        match self {
            Self::WrongDeviceType { .. }
            | Self::UnknownFunction { .. }
            | Self::WrongMethod { .. }
            | Self::WrongAccess { .. } => NtStatus::INVALID_DEVICE_REQUEST,
        }
    }
}

impl From<BadCode> for NtStatus {
    fn from(err: BadCode) -> Self {
        err.status()
    }
}

impl fmt::Display for BadCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::WrongDeviceType { found } => {
                write!(f, "device type 0x{found:04X} is not FILE_DEVICE_RUNDOWN (0x{FILE_DEVICE_RUNDOWN:04X})")
            }
            Self::UnknownFunction { function } => write!(f, "unknown function 0x{function:03X}"),
            Self::WrongMethod { ioctl, found } => {
                write!(f, "{} uses {:?}, not {found:?}", ioctl.name(), ioctl.method())
            }
            Self::WrongAccess { ioctl, found } => {
                write!(f, "{} needs {:?} access, not {found:?}", ioctl.name(), ioctl.access())
            }
        }
    }
}

impl core::error::Error for BadCode {}

/// `IOCTL_RUNDOWN_QUERY`, [`Ioctl::Query`]'s code.
///
/// ```
/// assert_eq!(rundown_abi::IOCTL_RUNDOWN_QUERY, 0x8352_6000);
/// ```
pub const IOCTL_RUNDOWN_QUERY: u32 = Ioctl::Query.code();
/// `IOCTL_RUNDOWN_ACQUIRE`, [`Ioctl::Acquire`]'s code.
///
/// ```
/// assert_eq!(rundown_abi::IOCTL_RUNDOWN_ACQUIRE, 0x8352_6004);
/// ```
pub const IOCTL_RUNDOWN_ACQUIRE: u32 = Ioctl::Acquire.code();
/// `IOCTL_RUNDOWN_RELEASE`, [`Ioctl::Release`]'s code.
///
/// ```
/// assert_eq!(rundown_abi::IOCTL_RUNDOWN_RELEASE, 0x8352_6008);
/// ```
pub const IOCTL_RUNDOWN_RELEASE: u32 = Ioctl::Release.code();
/// `IOCTL_RUNDOWN_READ`, [`Ioctl::Read`]'s code.
///
/// ```
/// assert_eq!(rundown_abi::IOCTL_RUNDOWN_READ, 0x8352_600C);
/// ```
pub const IOCTL_RUNDOWN_READ: u32 = Ioctl::Read.code();
/// `IOCTL_RUNDOWN_WRITE`, [`Ioctl::Write`]'s code.
///
/// ```
/// assert_eq!(rundown_abi::IOCTL_RUNDOWN_WRITE, 0x8352_A010);
/// ```
pub const IOCTL_RUNDOWN_WRITE: u32 = Ioctl::Write.code();
/// `IOCTL_RUNDOWN_ROTATE`, [`Ioctl::Rotate`]'s code.
///
/// ```
/// assert_eq!(rundown_abi::IOCTL_RUNDOWN_ROTATE, 0x8352_A014);
/// ```
pub const IOCTL_RUNDOWN_ROTATE: u32 = Ioctl::Rotate.code();
/// `IOCTL_RUNDOWN_STATS`, [`Ioctl::Stats`]'s code.
///
/// ```
/// assert_eq!(rundown_abi::IOCTL_RUNDOWN_STATS, 0x8352_6018);
/// ```
pub const IOCTL_RUNDOWN_STATS: u32 = Ioctl::Stats.code();
/// `IOCTL_RUNDOWN_GET_INTERFACE`, [`Ioctl::GetInterface`]'s code.
///
/// ```
/// assert_eq!(rundown_abi::IOCTL_RUNDOWN_GET_INTERFACE, 0x8352_23C0);
/// ```
pub const IOCTL_RUNDOWN_GET_INTERFACE: u32 = Ioctl::GetInterface.code();
