//! VERSION's reply: which contract the driver speaks and how it was built.

use super::codec::{Reader, Writer};
use super::{MAX_PAYLOAD_U32, WireError, check_output_len};

/// The version of this contract, as VERSION answers it.
///
/// It goes up when a request or reply changes in a way a client built against an older version
/// would misread. Adding a request does not change it: a client sends only the requests it knows,
/// and a driver without one answers its code `STATUS_INVALID_DEVICE_REQUEST`.
///
/// ```
/// assert_eq!(rundown_abi::ABI_VERSION, 1);
/// ```
pub const ABI_VERSION: u32 = 1;

/// Which run-down implementation the driver was built with (VERSION's `flavour`).
///
/// ```
/// use rundown_abi::DriverFlavour;
/// assert_eq!(DriverFlavour::from_raw(1), Some(DriverFlavour::Portable));
/// assert_eq!(DriverFlavour::Ntoskrnl.name(), "ntoskrnl");
/// assert_eq!(DriverFlavour::from_raw(2), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum DriverFlavour {
    /// 0: NtosKrnl's own `Ex*RundownProtection*` routines (the build for Windows).
    Ntoskrnl = 0,
    /// 1: the `rundown` crate's portable model with `KEVENT` waits (the build for Wine).
    Portable = 1,
}

impl DriverFlavour {
    /// The flavour with this wire value.
    #[must_use]
    pub const fn from_raw(raw: u32) -> Option<Self> {
        match raw {
            0 => Some(Self::Ntoskrnl),
            1 => Some(Self::Portable),
            _ => None,
        }
    }

    /// `ntoskrnl` or `portable`, the driver's feature names.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Ntoskrnl => "ntoskrnl",
            Self::Portable => "portable",
        }
    }
}

/// Which run-down reference protects the shared object (VERSION's `protection`).
///
/// ```
/// use rundown_abi::ProtectionKind;
/// assert_eq!(ProtectionKind::from_raw(1), Some(ProtectionKind::CacheAware));
/// assert_eq!(ProtectionKind::CacheAware.name(), "cache-aware");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum ProtectionKind {
    /// 0: a plain `EX_RUNDOWN_REF`.
    Plain = 0,
    /// 1: an `EX_RUNDOWN_REF_CACHE_AWARE`, one counter per processor (the `cache-aware` build).
    CacheAware = 1,
}

impl ProtectionKind {
    /// The kind with this wire value.
    #[must_use]
    pub const fn from_raw(raw: u32) -> Option<Self> {
        match raw {
            0 => Some(Self::Plain),
            1 => Some(Self::CacheAware),
            _ => None,
        }
    }

    /// `plain` or `cache-aware`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Plain => "plain",
            Self::CacheAware => "cache-aware",
        }
    }
}

/// VERSION's output: what a client checks before it sends anything else.
///
/// Values it does not know (a newer flavour, say) are kept as they are, not refused:
/// [`driver_flavour`](Self::driver_flavour) and [`protection_kind`](Self::protection_kind) say `None` for them.
///
/// ```
/// use rundown_abi::{ABI_VERSION, DriverFlavour, ProtectionKind, VersionReply};
/// let reply = VersionReply::new(DriverFlavour::Portable, ProtectionKind::Plain);
/// assert_eq!((reply.abi_version, reply.max_payload), (ABI_VERSION, 256));
/// assert_eq!(VersionReply::from_bytes(&reply.to_bytes()), Ok(reply));
/// assert_eq!(reply.driver_flavour(), Some(DriverFlavour::Portable));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct VersionReply {
    /// The contract's version, [`ABI_VERSION`] for this crate's.
    pub abi_version: u32,
    /// A [`DriverFlavour`] as `u32`.
    pub flavour: u32,
    /// A [`ProtectionKind`] as `u32`.
    pub protection: u32,
    /// The largest payload WRITE accepts and READ returns, in bytes
    /// ([`MAX_PAYLOAD`](super::MAX_PAYLOAD)).
    pub max_payload: u32,
}

impl VersionReply {
    /// Bytes on the wire.
    pub const SIZE: usize = 16;

    /// This crate's contract, from a driver of this flavour and protection.
    #[must_use]
    pub const fn new(flavour: DriverFlavour, protection: ProtectionKind) -> Self {
        Self {
            abi_version: ABI_VERSION,
            flavour: flavour as u32,
            protection: protection as u32,
            max_payload: MAX_PAYLOAD_U32,
        }
    }

    /// The little-endian wire form.
    ///
    /// ```
    /// use rundown_abi::{DriverFlavour, ProtectionKind, VersionReply};
    /// let bytes = VersionReply::new(DriverFlavour::Portable, ProtectionKind::CacheAware).to_bytes();
    /// assert_eq!(bytes, [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0]);
    /// ```
    #[must_use]
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        Writer::new().u32(self.abi_version).u32(self.flavour).u32(self.protection).u32(self.max_payload).finish()
    }

    /// Parses the reply (any field values).
    ///
    /// # Errors
    ///
    /// [`WireError::OutputTooSmall`]/[`WireError::OutputTooLarge`] if `bytes` is not
    /// [`Self::SIZE`] long.
    ///
    /// ```
    /// assert!(rundown_abi::VersionReply::from_bytes(&[0; 12]).is_err());
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        check_output_len(Self::SIZE, bytes.len())?;
        let mut r = Reader::new(bytes);
        Ok(Self { abi_version: r.u32(), flavour: r.u32(), protection: r.u32(), max_payload: r.u32() })
    }

    /// The flavour field as a [`DriverFlavour`], if it is one.
    #[must_use]
    pub const fn driver_flavour(&self) -> Option<DriverFlavour> {
        DriverFlavour::from_raw(self.flavour)
    }

    /// The protection field as a [`ProtectionKind`], if it is one.
    #[must_use]
    pub const fn protection_kind(&self) -> Option<ProtectionKind> {
        ProtectionKind::from_raw(self.protection)
    }
}

super::fixed_message!(VersionReply);

super::describe! {
    VersionReply => RUNDOWN_VERSION_REPLY in Ioctl {
        abi_version => AbiVersion:
            "The contract's version, `RUNDOWN_ABI_VERSION` ({ABI_VERSION}) for this one; it changes only when a \
             request or reply changes incompatibly.",
        flavour => Flavour: "The driver's run-down implementation." in DriverFlavour {
            Ntoskrnl => RUNDOWN_FLAVOUR_NTOSKRNL: "NtosKrnl's own run-down routines (the build for Windows).",
            Portable => RUNDOWN_FLAVOUR_PORTABLE:
                "The `rundown` crate's portable model with `KEVENT` waits (the build for Wine).",
        },
        protection => Protection: "The shared object's run-down reference." in ProtectionKind {
            Plain => RUNDOWN_PROTECTION_PLAIN: "A plain `EX_RUNDOWN_REF`.",
            CacheAware => RUNDOWN_PROTECTION_CACHE_AWARE: "An `EX_RUNDOWN_REF_CACHE_AWARE`, one counter per processor.",
        },
        max_payload => MaxPayload: "The largest payload WRITE accepts and READ returns ({MAX_PAYLOAD}).",
    }
}
