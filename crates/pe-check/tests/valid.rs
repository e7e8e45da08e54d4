//! Valid images pass their flavour; the parsed facts are the ones written.

mod common;

use common::ImageSpec;
use pe_check::{
    DllImports, DriverImage, Expectations, Flavour, PeError, RUNDOWN_ROUTINES, Violation, check, check_driver,
};

fn parse(spec: &ImageSpec) -> DriverImage {
    DriverImage::parse(&spec.build()).expect("a synthesized image parses")
}

#[test]
fn valid_ntoskrnl_image_passes() {
    assert_eq!(check_driver(&parse(&ImageSpec::valid(true)), Flavour::Ntoskrnl), []);
}

#[test]
fn valid_portable_image_passes() {
    assert_eq!(check_driver(&parse(&ImageSpec::valid(false)), Flavour::Portable), []);
}

#[test]
fn parsed_facts() {
    let image = parse(&ImageSpec::valid(false).import("HAL.dll", "KeStallExecutionProcessor"));
    assert!(image.is_pe32_plus && image.is_amd64() && image.is_native());
    assert!(image.is_dynamic_base() && image.is_nx_compat());
    assert_eq!(image.entry_point, 0x1000);
    assert_eq!(image.driver_entry_export, Some(0x1000));
    assert_eq!(image.entry_symbol.as_deref(), Some("DriverEntry"));
    assert!(image.has_relocations);
    assert_eq!(image.stored_checksum, image.computed_checksum);
    assert_eq!(
        image.imports,
        [
            DllImports {
                dll: "ntoskrnl.exe".into(),
                functions: vec!["IoCreateDevice".into(), "DbgPrint".into(), "ExAllocatePoolWithTag".into()],
            },
            DllImports { dll: "HAL.dll".into(), functions: vec!["KeStallExecutionProcessor".into()] },
        ]
    );
}

#[test]
fn pe32_images_are_read_too() {
    let image = parse(&ImageSpec { pe32_plus: false, machine: 0x14c, ..ImageSpec::valid(true) });
    assert!(!image.is_pe32_plus);
    assert_eq!(image.machine, 0x14c);
    assert_eq!(image.imports[0].functions.len(), 3 + RUNDOWN_ROUTINES.len());
}

#[test]
fn hal_and_any_case_are_allowed() {
    let mut spec = ImageSpec::valid(true).import("hal.dll", "KeStallExecutionProcessor");
    spec.imports[0].0 = "NTOSKRNL.EXE";
    assert_eq!(check_driver(&parse(&spec), Flavour::Ntoskrnl), []);
}

#[test]
fn each_flavour_rejects_the_other() {
    let ntoskrnl = parse(&ImageSpec::valid(true));
    let forbidden: Vec<_> = RUNDOWN_ROUTINES
        .iter()
        .map(|f| Violation::ForbiddenImport { dll: "ntoskrnl.exe".into(), function: (*f).into() })
        .collect();
    assert_eq!(check_driver(&ntoskrnl, Flavour::Portable), forbidden);

    let portable = parse(&ImageSpec::valid(false));
    let missing: Vec<_> = RUNDOWN_ROUTINES.iter().map(|f| Violation::MissingImport { function: (*f).into() }).collect();
    assert_eq!(check_driver(&portable, Flavour::Ntoskrnl), missing);
}

#[test]
fn the_driver_chooses_which_routines_it_wraps() {
    let mut spec = ImageSpec::valid(false);
    spec.imports[0].1.extend(["ExInitializeRundownProtection", "ExAcquireRundownProtection"]);
    let image = parse(&spec);
    let wraps = ["ExInitializeRundownProtection", "ExAcquireRundownProtection"];
    let expect = Expectations { required_imports: &wraps, ..Expectations::for_flavour(Flavour::Ntoskrnl) };
    assert_eq!(check(&image, &expect), []);
    let more = ["ExInitializeRundownProtection", "ExRundownCompleted"];
    let expect = Expectations { required_imports: &more, ..expect };
    assert_eq!(check(&image, &expect), [Violation::MissingImport { function: "ExRundownCompleted".into() }]);
}

#[test]
fn allowed_dlls_are_a_parameter() {
    let image = parse(&ImageSpec::valid(false).import("WMILIB.SYS", "WmiSystemControl"));
    let allowed = ["ntoskrnl.exe", "hal.dll", "wmilib.sys"];
    let expect = Expectations { allowed_dlls: &allowed, ..Expectations::for_flavour(Flavour::Portable) };
    assert_eq!(check(&image, &expect), []);
}

#[test]
fn not_a_pe_is_an_error() {
    assert!(matches!(DriverImage::parse(b"MZ but nothing else"), Err(PeError::Malformed(_))));
    let mut bytes = ImageSpec::valid(true).build();
    let magic_at = common::checksum_offset(&bytes) - 64;
    bytes[magic_at] = 0x07;
    assert!(matches!(DriverImage::parse(&bytes), Err(PeError::UnknownMagic(0x207))));
}
