//! The device's control codes, as the tables declare them: unique, in the vendor ranges, decoded
//! back, and every `BadCode`; the same for the peer's table, and that the two devices' codes do
//! not overlap.

use proptest::prelude::*;
use rundown_abi::peer::PeerIoctl;
use rundown_abi::{
    ABI_CHECK_STATUSES, Access, BadCode, CodeError, CtlCode, FILE_DEVICE_RUNDOWN, Ioctl, IoctlRequest, IoctlSet,
    Message, Method, NtStatus, VENDOR_FUNCTION_FIRST, VENDOR_FUNCTION_LAST, ctl_code, peer, requests,
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
    for ioctl in [Query, Acquire, Release, Read, Stats, Version] {
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
        (Ioctl::Version, 0x8352_601C),
        (Ioctl::GetInterface, 0x8352_23C0),
    ];
    for (ioctl, code) in expected {
        assert_eq!(ioctl.code(), code, "{ioctl:?}");
    }
    assert_eq!(rundown_abi::IOCTL_RUNDOWN_QUERY, Ioctl::Query.code());
    assert_eq!(rundown_abi::IOCTL_RUNDOWN_GET_INTERFACE, Ioctl::GetInterface.code());
    assert_eq!(rundown_abi::IOCTL_RUNDOWN_VERSION, 0x8352_601C);
    let peer = [(PeerIoctl::Start, 0x8352_A400), (PeerIoctl::Stop, 0x8352_A404), (PeerIoctl::Stats, 0x8352_6408)];
    for (ioctl, code) in peer {
        assert_eq!(ioctl.code(), code, "{ioctl:?}");
    }
    assert_eq!(peer::IOCTL_RUNDOWN_PEER_STATS, 0x8352_6408);
}

/// The functions and access bits of the table's published rows, each as published: rows are
/// added, never changed.
#[test]
fn published_rows() {
    let rows: Vec<_> = Ioctl::ALL.iter().map(|i| (i.name(), i.function(), i.access(), i.method())).collect();
    let read = |name, function| (name, function, Access::Read, Method::Buffered);
    let write = |name, function| (name, function, Access::Write, Method::Buffered);
    let published = [
        read("IOCTL_RUNDOWN_QUERY", 0x800),
        read("IOCTL_RUNDOWN_ACQUIRE", 0x801),
        read("IOCTL_RUNDOWN_RELEASE", 0x802),
        read("IOCTL_RUNDOWN_READ", 0x803),
        write("IOCTL_RUNDOWN_WRITE", 0x804),
        write("IOCTL_RUNDOWN_ROTATE", 0x805),
        read("IOCTL_RUNDOWN_STATS", 0x806),
        read("IOCTL_RUNDOWN_VERSION", 0x807),
        ("IOCTL_RUNDOWN_GET_INTERFACE", 0x8F0, Access::Any, Method::Buffered),
    ];
    for row in published {
        assert!(rows.contains(&row), "{row:?} is no longer in the table as published");
    }
}

/// Each request's marker type carries its row: the code, and input and output of the row's
/// sizes (the ones listed here; a new row's type is checked by its use).
#[test]
fn marker_types_carry_their_rows() {
    fn row<R: IoctlRequest<Set = Ioctl>>() -> (Ioctl, u32, (usize, usize), usize) {
        (R::IOCTL, R::CODE, (R::Input::MIN_SIZE, R::Input::SIZE), R::Output::SIZE)
    }
    let rows = [
        row::<requests::Query>(),
        row::<requests::Acquire>(),
        row::<requests::Release>(),
        row::<requests::Read>(),
        row::<requests::Write>(),
        row::<requests::Rotate>(),
        row::<requests::Stats>(),
        row::<requests::Version>(),
        row::<requests::GetInterface>(),
    ];
    for (ioctl, code, input, output) in rows {
        assert_eq!(code, ioctl.code(), "{ioctl:?}");
        assert_eq!(input, ioctl.input_bounds(), "{ioctl:?}");
        assert_eq!(output, ioctl.output_size(), "{ioctl:?}");
    }
    assert_eq!(<peer::requests::Start as IoctlRequest>::IOCTL, PeerIoctl::Start);
    assert_eq!(<peer::requests::Stop as IoctlRequest>::Output::SIZE, 56);
}

/// The table's own failures never repeat the ABI's code check, and the requests without input
/// fields or a refusing operation have none.
#[test]
fn declared_failures() {
    for ioctl in Ioctl::ALL {
        let failures = ioctl.failures();
        assert!(!failures.contains(&NtStatus::INVALID_DEVICE_REQUEST), "{ioctl:?}");
        assert!(!failures.contains(&NtStatus::SUCCESS), "{ioctl:?}");
        assert!(ioctl.may_answer(NtStatus::SUCCESS));
        assert!(ABI_CHECK_STATUSES.iter().all(|&status| ioctl.may_answer(status)));
    }
    for ioctl in [Ioctl::Query, Ioctl::Stats, Ioctl::Version] {
        assert!(ioctl.failures().is_empty(), "{ioctl:?}");
        assert!(!ioctl.may_answer(NtStatus::DELETE_PENDING), "{ioctl:?}");
    }
    assert!(Ioctl::Release.may_answer(NtStatus::NOT_FOUND));
    assert!(!Ioctl::Acquire.may_answer(NtStatus::NOT_FOUND));
    assert!(PeerIoctl::Start.may_answer(NtStatus::INVALID_DEVICE_STATE));
}

/// The peer's table: its own codes, none of them the shared device's, each decoded back.
#[test]
fn the_peer_table() {
    for ioctl in PeerIoctl::ALL {
        assert_eq!(PeerIoctl::decode(ioctl.code()), Ok(ioctl));
        assert!(Ioctl::decode(ioctl.code()).is_err(), "{ioctl:?}");
        assert!(ioctl.name().starts_with("IOCTL_RUNDOWN_PEER_"));
    }
    for ioctl in Ioctl::ALL {
        assert_eq!(PeerIoctl::decode(ioctl.code()), Err(CodeError::UnknownFunction { function: ioctl.function() }));
    }
    assert_eq!(PeerIoctl::Start.check_lengths(12, 0), Ok(()));
    assert!(PeerIoctl::Start.check_lengths(12, 1).is_err());
    assert!(PeerIoctl::Stats.check_lengths(0, 55).is_err());
    let wrong = ctl_code(FILE_DEVICE_RUNDOWN, 0x902, Method::Buffered, Access::Write);
    let err = PeerIoctl::decode(wrong).unwrap_err();
    assert_eq!(err, CodeError::WrongAccess { ioctl: PeerIoctl::Stats, found: Access::Write });
    assert_eq!(err.to_string(), "IOCTL_RUNDOWN_PEER_STATS needs Read access, not Write");
}

/// Both tables through the trait, for code generic over the device.
#[test]
fn sets_through_the_trait() {
    fn codes<S: IoctlSet>() -> Vec<u32> {
        S::ALL.iter().map(|ioctl| ioctl.code()).collect()
    }
    assert_eq!(codes::<Ioctl>(), Ioctl::ALL.map(Ioctl::code));
    assert_eq!(codes::<PeerIoctl>(), PeerIoctl::ALL.map(PeerIoctl::code));
    assert_eq!(<Ioctl as IoctlSet>::DEVICE_TYPE, FILE_DEVICE_RUNDOWN);
    let other = Ioctl::decode(0x0007_0000).unwrap_err().to_string();
    assert_eq!(other, "device type 0x0007 is not FILE_DEVICE_RUNDOWN (0x8352)");
}

#[test]
fn wrong_device_type() {
    let raw = ctl_code(0x8353, Ioctl::Query.function(), Method::Buffered, Access::Read);
    assert_eq!(Ioctl::decode(raw), Err(BadCode::WrongDeviceType { found: 0x8353 }));
    assert_eq!(Ioctl::decode(0x002D_1400), Err(BadCode::WrongDeviceType { found: 0x2D }));
}

#[test]
fn unknown_function() {
    let next =
        (VENDOR_FUNCTION_FIRST..=VENDOR_FUNCTION_LAST).find(|&function| Ioctl::from_function(function).is_none());
    let next = next.expect("a free vendor function");
    for function in [0x000, 0x7FF, next, 0x8EF, 0x8F1, 0x900, 0xFFF] {
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
    /// The decoder accepts exactly the table's codes and never panics.
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

proptest! {
    /// The peer's decoder, likewise: exactly its codes, and the first bad field named.
    #[test]
    fn peer_decode_accepts_only_its_codes(raw in any::<u32>(), function in 0x8F0u16..=0x910, m in 0u32..4, a in 0u32..4) {
        match PeerIoctl::decode(raw) {
            Ok(ioctl) => prop_assert_eq!(ioctl.code(), raw),
            Err(bad) => prop_assert!(!PeerIoctl::ALL.iter().any(|i| i.code() == raw) && bad.status() == NtStatus::INVALID_DEVICE_REQUEST),
        }
        let (method, access) = (Method::from_bits(m), Access::from_bits(a));
        let raw = ctl_code(FILE_DEVICE_RUNDOWN, function, method, access);
        let expected = match PeerIoctl::from_function(function) {
            None => Err(CodeError::UnknownFunction { function }),
            Some(ioctl) if method != Method::Buffered => Err(CodeError::WrongMethod { ioctl, found: method }),
            Some(ioctl) if access != ioctl.access() => Err(CodeError::WrongAccess { ioctl, found: access }),
            Some(ioctl) => Ok(ioctl),
        };
        prop_assert_eq!(PeerIoctl::decode(raw), expected);
    }
}
