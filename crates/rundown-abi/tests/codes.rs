//! The device's control codes: unique, in the vendor ranges, decoded back, and every `BadCode`.

use proptest::prelude::*;
use rundown_abi::{
    Access, BadCode, CtlCode, FILE_DEVICE_RUNDOWN, Ioctl, Method, NtStatus, VENDOR_FUNCTION_FIRST,
    VENDOR_FUNCTION_LAST, ctl_code,
};

#[test]
fn codes_and_functions_are_unique() {
    for (i, a) in Ioctl::ALL.iter().enumerate() {
        for b in &Ioctl::ALL[i + 1..] {
            assert_ne!(a.code(), b.code(), "{a:?} {b:?}");
            assert_ne!(a.function(), b.function(), "{a:?} {b:?}");
            assert_ne!(a.name(), b.name());
        }
    }
}

#[test]
fn codes_are_in_the_vendor_ranges() {
    const { assert!(FILE_DEVICE_RUNDOWN >= 0x8000) };
    for ioctl in Ioctl::ALL {
        let code = CtlCode::from_raw(ioctl.code());
        assert_eq!(code.device_type, FILE_DEVICE_RUNDOWN);
        assert!((VENDOR_FUNCTION_FIRST..=VENDOR_FUNCTION_LAST).contains(&code.function), "{ioctl:?}");
        assert_eq!(code.method, Method::Buffered, "{ioctl:?}");
    }
}

#[test]
fn access_bits_fit_the_operation() {
    use Ioctl::*;
    for ioctl in [Query, Acquire, Release, Read, Stats] {
        assert_eq!(ioctl.access(), Access::Read, "{ioctl:?}");
    }
    for ioctl in [Write, Rotate] {
        assert_eq!(ioctl.access(), Access::Write, "{ioctl:?}");
    }
    assert_eq!(GetInterface.access(), Access::Any);
}

#[test]
fn decode_round_trips() {
    for ioctl in Ioctl::ALL {
        assert_eq!(Ioctl::decode(ioctl.code()), Ok(ioctl));
        assert_eq!(Ioctl::from_function(ioctl.function()), Some(ioctl));
    }
}

#[test]
fn published_values() {
    let expected = [
        (Ioctl::Query, 0x8352_6000),
        (Ioctl::Acquire, 0x8352_6004),
        (Ioctl::Release, 0x8352_6008),
        (Ioctl::Read, 0x8352_600C),
        (Ioctl::Write, 0x8352_A010),
        (Ioctl::Rotate, 0x8352_A014),
        (Ioctl::Stats, 0x8352_6018),
        (Ioctl::GetInterface, 0x8352_23C0),
    ];
    for (ioctl, code) in expected {
        assert_eq!(ioctl.code(), code, "{ioctl:?}");
    }
    assert_eq!(rundown_abi::IOCTL_RUNDOWN_QUERY, Ioctl::Query.code());
    assert_eq!(rundown_abi::IOCTL_RUNDOWN_GET_INTERFACE, Ioctl::GetInterface.code());
}

#[test]
fn wrong_device_type() {
    let raw = ctl_code(0x8353, Ioctl::Query.function(), Method::Buffered, Access::Read);
    assert_eq!(Ioctl::decode(raw), Err(BadCode::WrongDeviceType { found: 0x8353 }));
    assert_eq!(Ioctl::decode(0x002D_1400), Err(BadCode::WrongDeviceType { found: 0x2D }));
}

#[test]
fn unknown_function() {
    for function in [0x000, 0x7FF, 0x807, 0x8EF, 0x8F1, 0xFFF] {
        let raw = ctl_code(FILE_DEVICE_RUNDOWN, function, Method::Buffered, Access::Read);
        assert_eq!(Ioctl::decode(raw), Err(BadCode::UnknownFunction { function }));
    }
}

#[test]
fn wrong_method() {
    for ioctl in Ioctl::ALL {
        for method in [Method::InDirect, Method::OutDirect, Method::Neither] {
            let raw = ctl_code(FILE_DEVICE_RUNDOWN, ioctl.function(), method, ioctl.access());
            assert_eq!(Ioctl::decode(raw), Err(BadCode::WrongMethod { ioctl, found: method }));
        }
    }
}

#[test]
fn wrong_access() {
    let all = [Access::Any, Access::Read, Access::Write, Access::ReadWrite];
    for ioctl in Ioctl::ALL {
        for access in all.into_iter().filter(|&a| a != ioctl.access()) {
            let raw = ctl_code(FILE_DEVICE_RUNDOWN, ioctl.function(), Method::Buffered, access);
            assert_eq!(Ioctl::decode(raw), Err(BadCode::WrongAccess { ioctl, found: access }));
        }
    }
}

#[test]
fn every_bad_code_is_invalid_device_request() {
    let variants = [
        BadCode::WrongDeviceType { found: 0 },
        BadCode::UnknownFunction { function: 0x900 },
        BadCode::WrongMethod { ioctl: Ioctl::Read, found: Method::Neither },
        BadCode::WrongAccess { ioctl: Ioctl::Write, found: Access::Read },
    ];
    for bad in variants {
        assert_eq!(bad.status(), NtStatus::INVALID_DEVICE_REQUEST);
        assert_eq!(NtStatus::from(bad), NtStatus::INVALID_DEVICE_REQUEST);
        assert!(!bad.to_string().is_empty());
    }
}

proptest! {
    /// The decoder accepts exactly the eight codes and never panics.
    #[test]
    fn decode_accepts_only_the_codes(raw in any::<u32>()) {
        match Ioctl::decode(raw) {
            Ok(ioctl) => prop_assert_eq!(ioctl.code(), raw),
            Err(bad) => {
                prop_assert!(!Ioctl::ALL.iter().any(|i| i.code() == raw));
                prop_assert_eq!(bad.status(), NtStatus::INVALID_DEVICE_REQUEST);
            }
        }
    }

    /// Codes of this device: decoding names the first field that differs.
    #[test]
    fn decode_names_the_first_bad_field(function in 0u16..=0xFFF, m in 0u32..4, a in 0u32..4) {
        let (method, access) = (Method::from_bits(m), Access::from_bits(a));
        let raw = ctl_code(FILE_DEVICE_RUNDOWN, function, method, access);
        let expected = match Ioctl::from_function(function) {
            None => Err(BadCode::UnknownFunction { function }),
            Some(ioctl) if method != Method::Buffered => Err(BadCode::WrongMethod { ioctl, found: method }),
            Some(ioctl) if access != ioctl.access() => Err(BadCode::WrongAccess { ioctl, found: access }),
            Some(ioctl) => Ok(ioctl),
        };
        prop_assert_eq!(Ioctl::decode(raw), expected);
    }
}
