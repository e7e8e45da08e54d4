//! Each fault injected alone into an otherwise valid image gives exactly its violation.

mod common;

use common::{Checksum, ImageSpec, OTHER_FUNCTION_OFFSET};
use pe_check::{DriverImage, Flavour, Violation, check_driver};

fn violations(spec: &ImageSpec, flavour: Flavour) -> Vec<Violation> {
    let image = DriverImage::parse(&spec.build()).expect("a synthesized image parses");
    check_driver(&image, flavour)
}

/// Checks `fault` applied to the valid image of each flavour gives exactly `expected`.
fn assert_only(fault: impl Fn(ImageSpec) -> ImageSpec, expected: &Violation) {
    for (ntoskrnl, flavour) in [(true, Flavour::Ntoskrnl), (false, Flavour::Portable)] {
        let spec = fault(ImageSpec::valid(ntoskrnl));
        assert_eq!(violations(&spec, flavour), std::slice::from_ref(expected), "{flavour:?}: {expected}");
    }
}

#[test]
fn pe32_is_not_pe32_plus() {
    assert_only(|s| ImageSpec { pe32_plus: false, ..s }, &Violation::NotPe32Plus);
}

#[test]
fn arm64_is_not_amd64() {
    assert_only(|s| ImageSpec { machine: 0xaa64, ..s }, &Violation::NotAmd64 { machine: 0xaa64 });
}

#[test]
fn console_subsystem_is_not_native() {
    assert_only(|s| ImageSpec { subsystem: 3, ..s }, &Violation::NotNative { subsystem: 3 });
}

#[test]
fn entry_beside_the_driver_entry_export() {
    let spec = ImageSpec { entry_offset: OTHER_FUNCTION_OFFSET, ..ImageSpec::valid(true) };
    let found = violations(&spec, Flavour::Ntoskrnl);
    assert_eq!(found, [Violation::EntryNotDriverEntry { entry: 0x1008, driver_entry: Some(0x1000), symbol: None }]);
    assert_eq!(found[0].to_string(), "entry point 0x1008 is not DriverEntry (DriverEntry is exported at 0x1000)");
}

#[test]
fn entry_at_another_export() {
    assert_only(
        |s| ImageSpec { entry_offset: OTHER_FUNCTION_OFFSET, exports: vec![("Helper", OTHER_FUNCTION_OFFSET)], ..s },
        &Violation::EntryNotDriverEntry { entry: 0x1008, driver_entry: None, symbol: Some("Helper".into()) },
    );
}

#[test]
fn entry_without_exports_is_accepted() {
    let spec = ImageSpec { exports: vec![], ..ImageSpec::valid(true) };
    assert_eq!(violations(&spec, Flavour::Ntoskrnl), []);
}

#[test]
fn wmilib_is_a_foreign_dll() {
    assert_only(|s| s.import("WMILIB.SYS", "WmiSystemControl"), &Violation::ForeignDll { dll: "WMILIB.SYS".into() });
}

#[test]
fn each_crt_dll_is_a_crt_import() {
    for dll in ["msvcrt.dll", "ucrtbase.dll", "VCRUNTIME140.dll", "api-ms-win-crt-runtime-l1-1-0.dll"] {
        assert_only(|s| s.import(dll, "memcpy"), &Violation::CrtImport { dll: dll.into() });
    }
}

#[test]
fn kernel32_is_a_user_mode_import() {
    assert_only(|s| s.import("KERNEL32.dll", "ExitProcess"), &Violation::UserModeImport { dll: "KERNEL32.dll".into() });
    assert_only(|s| s.import("ntdll.dll", "NtClose"), &Violation::UserModeImport { dll: "ntdll.dll".into() });
}

#[test]
fn no_reloc_section() {
    assert_only(|s| ImageSpec { relocations: false, ..s }, &Violation::NoRelocations);
}

#[test]
fn checksum_zero() {
    let spec = ImageSpec { checksum: Checksum::Stored(0), ..ImageSpec::valid(true) };
    let found = violations(&spec, Flavour::Ntoskrnl);
    assert!(matches!(found.as_slice(), [Violation::ChecksumZero { computed }] if *computed != 0), "{found:?}");
    let spec = ImageSpec { checksum: Checksum::Stored(0), ..ImageSpec::valid(false) };
    assert!(matches!(violations(&spec, Flavour::Portable).as_slice(), [Violation::ChecksumZero { .. }]));
}

#[test]
fn checksum_wrong() {
    for ntoskrnl in [true, false] {
        let flavour = if ntoskrnl { Flavour::Ntoskrnl } else { Flavour::Portable };
        let right = DriverImage::parse(&ImageSpec::valid(ntoskrnl).build()).unwrap().computed_checksum;
        let spec = ImageSpec { checksum: Checksum::Stored(right + 1), ..ImageSpec::valid(ntoskrnl) };
        assert_eq!(violations(&spec, flavour), [Violation::ChecksumWrong { stored: right + 1, computed: right }]);
    }
}

#[test]
fn without_dynamic_base() {
    assert_only(|s| ImageSpec { dll_characteristics: 0x0100, ..s }, &Violation::NotDynamicBase);
}

#[test]
fn without_nx_compat() {
    assert_only(|s| ImageSpec { dll_characteristics: 0x0040, ..s }, &Violation::NotNxCompat);
}

#[test]
fn ntoskrnl_flavour_missing_one_run_down_routine() {
    for missing in pe_check::RUNDOWN_ROUTINES {
        let mut spec = ImageSpec::valid(true);
        spec.imports[0].1.retain(|f| f != missing);
        assert_eq!(violations(&spec, Flavour::Ntoskrnl), [Violation::MissingImport { function: (*missing).into() }]);
    }
}

#[test]
fn ntoskrnl_flavour_run_down_routine_from_another_dll_is_missing() {
    let mut spec = ImageSpec::valid(true);
    spec.imports[0].1.retain(|f| *f != "ExRundownCompleted");
    let spec = spec.import("hal.dll", "ExRundownCompleted");
    assert_eq!(
        violations(&spec, Flavour::Ntoskrnl),
        [Violation::MissingImport { function: "ExRundownCompleted".into() }]
    );
}

#[test]
fn portable_flavour_forbids_run_down_cache_aware_and_pool2() {
    for function in [
        "ExAcquireRundownProtection",
        "ExfAcquireRundownProtection",
        "ExWaitForRundownProtectionRelease",
        "ExAllocateCacheAwareRundownProtection",
        "ExAcquireRundownProtectionCacheAwareEx",
        "KeSomethingCacheAware",
        "ExAllocatePool2",
    ] {
        let spec = ImageSpec::valid(false).import("ntoskrnl.exe", function);
        assert_eq!(
            violations(&spec, Flavour::Portable),
            [Violation::ForbiddenImport { dll: "ntoskrnl.exe".into(), function: function.into() }]
        );
    }
}
