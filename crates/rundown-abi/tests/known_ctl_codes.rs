//! `ctl_code` and `CtlCode::from_raw` against control codes published by the WDK.

use proptest::prelude::*;
use rundown_abi::{Access, CtlCode, Method, ctl_code};

/// (name, device type, function, method, access, value in the WDK headers)
const KNOWN: [(&str, u16, u16, Method, Access, u32); 7] = [
    ("IOCTL_DISK_GET_DRIVE_GEOMETRY", 0x07, 0x000, Method::Buffered, Access::Any, 0x0007_0000),
    ("IOCTL_DISK_GET_DRIVE_LAYOUT_EX", 0x07, 0x014, Method::Buffered, Access::Any, 0x0007_0050),
    ("IOCTL_DISK_SET_DRIVE_LAYOUT_EX", 0x07, 0x015, Method::Buffered, Access::ReadWrite, 0x0007_C054),
    ("FSCTL_LOCK_VOLUME", 0x09, 0x006, Method::Buffered, Access::Any, 0x0009_0018),
    ("FSCTL_GET_RETRIEVAL_POINTERS", 0x09, 0x01C, Method::Neither, Access::Any, 0x0009_0073),
    ("IOCTL_STORAGE_QUERY_PROPERTY", 0x2D, 0x500, Method::Buffered, Access::Any, 0x002D_1400),
    ("IOCTL_STORAGE_EJECT_MEDIA", 0x2D, 0x202, Method::Buffered, Access::Read, 0x002D_4808),
];

#[test]
fn ctl_code_reproduces_wdk_values() {
    for (name, device_type, function, method, access, value) in KNOWN {
        assert_eq!(ctl_code(device_type, function, method, access), value, "{name}");
    }
}

#[test]
fn from_raw_splits_wdk_values() {
    for (name, device_type, function, method, access, value) in KNOWN {
        assert_eq!(CtlCode::from_raw(value), CtlCode { device_type, function, method, access }, "{name}");
    }
}

#[test]
fn enum_values_are_the_wdk_defines() {
    assert_eq!(
        [Method::Buffered, Method::InDirect, Method::OutDirect, Method::Neither].map(|m| m as u32),
        [0, 1, 2, 3]
    );
    assert_eq!([Access::Any, Access::Read, Access::Write, Access::ReadWrite].map(|a| a as u32), [0, 1, 2, 3]);
}

proptest! {
    #[test]
    fn every_u32_round_trips(raw in any::<u32>()) {
        prop_assert_eq!(CtlCode::from_raw(raw).raw(), raw);
    }

    #[test]
    fn every_field_set_round_trips(device_type in any::<u16>(), function in 0u16..=0xFFF, m in 0u32..4, a in 0u32..4) {
        let code = CtlCode { device_type, function, method: Method::from_bits(m), access: Access::from_bits(a) };
        prop_assert_eq!(CtlCode::from_raw(code.raw()), code);
    }
}
