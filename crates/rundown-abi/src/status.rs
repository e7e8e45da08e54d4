//! `NTSTATUS` values the driver answers with.

use core::fmt;

/// An `NTSTATUS`: negative is an error or a warning, zero and positive are success.
///
/// Values are those of the WDK's ntstatus.h.
///
/// ```
/// use rundown_abi::NtStatus;
/// let status = NtStatus::ACCESS_DENIED;
/// assert!(!status.is_success());
/// assert_eq!(status.name(), "STATUS_ACCESS_DENIED");
/// assert_eq!(format!("{status}"), "STATUS_ACCESS_DENIED (0xC0000022)");
/// assert_eq!(NtStatus::from_raw(0xC000_0022_u32.cast_signed()), status);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct NtStatus(pub i32);

/// Every named status: value and ntstatus.h name.
const NAMES: [(NtStatus, &str); 14] = [
    (NtStatus::SUCCESS, "STATUS_SUCCESS"),
    (NtStatus::INVALID_PARAMETER, "STATUS_INVALID_PARAMETER"),
    (NtStatus::INVALID_DEVICE_REQUEST, "STATUS_INVALID_DEVICE_REQUEST"),
    (NtStatus::BUFFER_TOO_SMALL, "STATUS_BUFFER_TOO_SMALL"),
    (NtStatus::INFO_LENGTH_MISMATCH, "STATUS_INFO_LENGTH_MISMATCH"),
    (NtStatus::ACCESS_DENIED, "STATUS_ACCESS_DENIED"),
    (NtStatus::NOT_FOUND, "STATUS_NOT_FOUND"),
    (NtStatus::DEVICE_BUSY, "STATUS_DEVICE_BUSY"),
    (NtStatus::DELETE_PENDING, "STATUS_DELETE_PENDING"),
    (NtStatus::INSUFFICIENT_RESOURCES, "STATUS_INSUFFICIENT_RESOURCES"),
    (NtStatus::INVALID_DEVICE_STATE, "STATUS_INVALID_DEVICE_STATE"),
    (NtStatus::NOT_SUPPORTED, "STATUS_NOT_SUPPORTED"),
    (NtStatus::CANCELLED, "STATUS_CANCELLED"),
    (NtStatus::FILE_CLOSED, "STATUS_FILE_CLOSED"),
];

impl NtStatus {
    /// `STATUS_SUCCESS` (0x00000000).
    pub const SUCCESS: Self = Self(0);
    /// `STATUS_INVALID_PARAMETER` (0xC000000D): a field of the input is out of range.
    pub const INVALID_PARAMETER: Self = Self::from_bits(0xC000_000D);
    /// `STATUS_INVALID_DEVICE_REQUEST` (0xC0000010): a control code this device does not serve.
    pub const INVALID_DEVICE_REQUEST: Self = Self::from_bits(0xC000_0010);
    /// `STATUS_BUFFER_TOO_SMALL` (0xC0000023): the output buffer is shorter than the reply.
    pub const BUFFER_TOO_SMALL: Self = Self::from_bits(0xC000_0023);
    /// `STATUS_INFO_LENGTH_MISMATCH` (0xC0000004): a buffer length differs from the contract.
    pub const INFO_LENGTH_MISMATCH: Self = Self::from_bits(0xC000_0004);
    /// `STATUS_ACCESS_DENIED` (0xC0000022).
    pub const ACCESS_DENIED: Self = Self::from_bits(0xC000_0022);
    /// `STATUS_NOT_FOUND` (0xC0000225).
    pub const NOT_FOUND: Self = Self::from_bits(0xC000_0225);
    /// `STATUS_DEVICE_BUSY` (0x80000011): a warning, so not a success.
    pub const DEVICE_BUSY: Self = Self::from_bits(0x8000_0011);
    /// `STATUS_DELETE_PENDING` (0xC0000056).
    pub const DELETE_PENDING: Self = Self::from_bits(0xC000_0056);
    /// `STATUS_INSUFFICIENT_RESOURCES` (0xC000009A).
    pub const INSUFFICIENT_RESOURCES: Self = Self::from_bits(0xC000_009A);
    /// `STATUS_INVALID_DEVICE_STATE` (0xC0000184).
    pub const INVALID_DEVICE_STATE: Self = Self::from_bits(0xC000_0184);
    /// `STATUS_NOT_SUPPORTED` (0xC00000BB).
    pub const NOT_SUPPORTED: Self = Self::from_bits(0xC000_00BB);
    /// `STATUS_CANCELLED` (0xC0000120): a pended request was cancelled, or its handle cleaned up.
    pub const CANCELLED: Self = Self::from_bits(0xC000_0120);
    /// `STATUS_FILE_CLOSED` (0xC0000128): the handle's CLEANUP ran while the request was in the
    /// driver.
    pub const FILE_CLOSED: Self = Self::from_bits(0xC000_0128);

    /// Every status this crate names, in declaration order.
    ///
    /// ```
    /// use rundown_abi::NtStatus;
    /// assert!(NtStatus::ALL.contains(&NtStatus::NOT_FOUND));
    /// ```
    pub const ALL: [Self; 14] = {
        let mut all = [Self::SUCCESS; 14];
        let mut i = 0;
        while i < NAMES.len() {
            all[i] = NAMES[i].0;
            i += 1;
        }
        all
    };

    const fn from_bits(bits: u32) -> Self {
        Self(bits.cast_signed())
    }

    /// Wraps a raw `NTSTATUS`.
    ///
    /// ```
    /// use rundown_abi::NtStatus;
    /// assert_eq!(NtStatus::from_raw(0), NtStatus::SUCCESS);
    /// ```
    #[must_use]
    pub const fn from_raw(raw: i32) -> Self {
        Self(raw)
    }

    /// The raw `NTSTATUS`.
    ///
    /// ```
    /// use rundown_abi::NtStatus;
    /// assert_eq!(NtStatus::NOT_FOUND.raw().cast_unsigned(), 0xC000_0225);
    /// ```
    #[must_use]
    pub const fn raw(self) -> i32 {
        self.0
    }

    /// `NT_SUCCESS`: the value is not negative (warnings such as `STATUS_DEVICE_BUSY` are not).
    ///
    /// ```
    /// use rundown_abi::NtStatus;
    /// assert!(NtStatus::SUCCESS.is_success());
    /// assert!(!NtStatus::DEVICE_BUSY.is_success());
    /// ```
    #[must_use]
    pub const fn is_success(self) -> bool {
        self.0 >= 0
    }

    /// The ntstatus.h name, or `"STATUS_UNKNOWN"` for a value this crate does not name.
    ///
    /// ```
    /// use rundown_abi::NtStatus;
    /// assert_eq!(NtStatus::DELETE_PENDING.name(), "STATUS_DELETE_PENDING");
    /// assert_eq!(NtStatus::from_raw(1).name(), "STATUS_UNKNOWN");
    /// ```
    #[must_use]
    pub const fn name(self) -> &'static str {
        let mut i = 0;
        while i < NAMES.len() {
            if NAMES[i].0.0 == self.0 {
                return NAMES[i].1;
            }
            i += 1;
        }
        "STATUS_UNKNOWN"
    }
}

impl fmt::Display for NtStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (0x{:08X})", self.name(), self.0.cast_unsigned())
    }
}

impl fmt::Debug for NtStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NtStatus({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_values_distinct() {
        for (i, (a, na)) in NAMES.iter().enumerate() {
            for (b, nb) in &NAMES[i + 1..] {
                assert_ne!(a, b);
                assert_ne!(na, nb);
            }
            assert_eq!(a.name(), *na);
        }
    }

    #[test]
    fn values_match_ntstatus_h() {
        let expected: [(NtStatus, u32); 14] = [
            (NtStatus::SUCCESS, 0),
            (NtStatus::INVALID_PARAMETER, 0xC000_000D),
            (NtStatus::INVALID_DEVICE_REQUEST, 0xC000_0010),
            (NtStatus::BUFFER_TOO_SMALL, 0xC000_0023),
            (NtStatus::INFO_LENGTH_MISMATCH, 0xC000_0004),
            (NtStatus::ACCESS_DENIED, 0xC000_0022),
            (NtStatus::NOT_FOUND, 0xC000_0225),
            (NtStatus::DEVICE_BUSY, 0x8000_0011),
            (NtStatus::DELETE_PENDING, 0xC000_0056),
            (NtStatus::INSUFFICIENT_RESOURCES, 0xC000_009A),
            (NtStatus::INVALID_DEVICE_STATE, 0xC000_0184),
            (NtStatus::NOT_SUPPORTED, 0xC000_00BB),
            (NtStatus::CANCELLED, 0xC000_0120),
            (NtStatus::FILE_CLOSED, 0xC000_0128),
        ];
        for (status, raw) in expected {
            assert_eq!(status.raw().cast_unsigned(), raw, "{status}");
            assert_eq!(status.is_success(), raw == 0, "{status}");
        }
    }
}
