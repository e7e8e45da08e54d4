//! How an `NTSTATUS` is shown: the ABI crate's name where it knows the value, hex otherwise.

use rundown_abi::NtStatus;

/// `0xC0000010`: the status as eight upper-case hex digits.
#[must_use]
pub fn hex(status: NtStatus) -> String {
    format!("0x{:08X}", status.raw().cast_unsigned())
}

/// The ntstatus.h name if [`NtStatus`] knows the value (`STATUS_DEVICE_BUSY`), else [`hex`].
#[must_use]
pub fn name(status: NtStatus) -> String {
    if NtStatus::ALL.contains(&status) { status.name().to_owned() } else { hex(status) }
}

/// For people: `STATUS_DEVICE_BUSY (0x80000011)`, or just `0xC0000135` for a value the ABI
/// crate does not name.
#[must_use]
pub fn describe(status: NtStatus) -> String {
    if NtStatus::ALL.contains(&status) { status.to_string() } else { hex(status) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_status() {
        let s = NtStatus::INVALID_DEVICE_REQUEST;
        assert_eq!(hex(s), "0xC0000010");
        assert_eq!(name(s), "STATUS_INVALID_DEVICE_REQUEST");
        assert_eq!(describe(s), "STATUS_INVALID_DEVICE_REQUEST (0xC0000010)");
        assert_eq!(describe(NtStatus::SUCCESS), "STATUS_SUCCESS (0x00000000)");
    }

    #[test]
    fn unknown_status_is_hex() {
        let s = NtStatus::from_raw(0xC000_0135_u32.cast_signed());
        assert_eq!(name(s), "0xC0000135");
        assert_eq!(describe(s), "0xC0000135");
        assert_eq!(name(NtStatus::from_raw(0x103)), "0x00000103");
    }
}
