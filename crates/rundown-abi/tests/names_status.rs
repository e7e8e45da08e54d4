//! The device names and the status type, as the driver and tool use them.

use rundown_abi::names::{DOS_DEVICE_NAME_W, NT_DEVICE_NAME_W, WIN32_PATH_W, WIN32_PATH_W_NUL};
use rundown_abi::{DOS_DEVICE_NAME, NT_DEVICE_NAME, NtStatus, WIN32_PATH};

#[test]
fn names_are_the_documented_ones() {
    assert_eq!(NT_DEVICE_NAME, "\\Device\\RundownShared");
    assert_eq!(DOS_DEVICE_NAME, "\\DosDevices\\RundownShared");
    assert_eq!(WIN32_PATH, "\\\\.\\RundownShared");
}

#[test]
fn utf16_forms_match_the_strings() {
    assert_eq!(NT_DEVICE_NAME_W.to_vec(), NT_DEVICE_NAME.encode_utf16().collect::<Vec<_>>());
    assert_eq!(DOS_DEVICE_NAME_W.to_vec(), DOS_DEVICE_NAME.encode_utf16().collect::<Vec<_>>());
    assert_eq!(WIN32_PATH_W.to_vec(), WIN32_PATH.encode_utf16().collect::<Vec<_>>());
    assert_eq!(WIN32_PATH_W_NUL[..WIN32_PATH.len()], WIN32_PATH_W);
    assert_eq!(WIN32_PATH_W_NUL[WIN32_PATH.len()], 0);
}

#[test]
fn status_formats_name_and_hex() {
    assert_eq!(NtStatus::DEVICE_BUSY.to_string(), "STATUS_DEVICE_BUSY (0x80000011)");
    assert_eq!(format!("{:?}", NtStatus::SUCCESS), "NtStatus(STATUS_SUCCESS (0x00000000))");
    assert_eq!(NtStatus::from_raw(0x1234).to_string(), "STATUS_UNKNOWN (0x00001234)");
    for status in NtStatus::ALL {
        assert_ne!(status.name(), "STATUS_UNKNOWN");
        assert!(status.to_string().contains(status.name()));
    }
}
