//! `include/rundown_ioctl.h`, the device's interface for user-mode clients in C, against this
//! crate.
//!
//! The header's codes, named values, message structs and list of failures are generated from
//! the table and the messages' layouts (`common::ioctl_h`), between `/* generated:NAME:begin */`
//! and `/* generated:NAME:end */` lines: a block that differs fails, printing the text to paste,
//! and `RUNDOWN_BLESS=1 cargo test -p rundown-abi --test ioctl_header` writes it instead. The
//! prose around them is hand-written.
//!
//! The test writes a C file that includes `<windows.h>`, `<winioctl.h>` and the header, with one
//! static assertion per fact computed here from the Rust definitions: for every [`Ioctl`] (so an
//! IOCTL added in Rust and missing from the header fails, naming it) the code and its device
//! type, function, method and access; the size of its input and output structs; every struct's
//! size and alignment and every field's offset, width and type; the named values (the object's
//! states, VERSION's flavours and protections); the constants.
//! It compiles the file with `x86_64-w64-mingw32-gcc -std=c11 -Wall -Wextra -pedantic -Werror`,
//! as C++17 when `x86_64-w64-mingw32-g++` is installed, and in kernel mode together with
//! `rundown_interface.h`. The device names are checked through the preprocessor, and the
//! header's comments on each code and its list of failures are checked as text.
//!
//! Needs mingw-w64 (see `common::mingw`): without gcc the test fails naming the package; without
//! g++ the C++ compile is skipped with a note.

mod common;

use common::blocks::{self, Markers};
use common::ioctl_h::{codes_block, failures_block, messages_block, values_block};
use common::mingw::{
    CHECK_MACROS, Checks, Headers, bytes, c_literal, compile_c, compile_cpp, include_dir, preprocess, printed,
};
use common::wire::{self, TAIL_PADDING_C, abi_failures, access_c, method_c, replies, requests, value_tables};
use rundown_abi::{
    ABI_VERSION, CHeader, DOS_DEVICE_NAME, FILE_DEVICE_RUNDOWN, Ioctl, Kind, Layout, MAX_PAYLOAD, NT_DEVICE_NAME,
    WIN32_PATH, WriteRequest,
};

/// The C type a field of this kind is declared with, and the expression whose type is checked
/// (`member` is `((T *)0)->Field`; an array is checked through its first element, whose address
/// has the same type in C and C++).
fn c_type(kind: Kind, member: &str) -> (String, &'static str) {
    match kind {
        Kind::U16 => (member.to_owned(), "USHORT"),
        Kind::U32 => (member.to_owned(), "ULONG"),
        Kind::U64 => (member.to_owned(), "ULONGLONG"),
        Kind::Bytes(_) => (format!("&{member}[0]"), "UCHAR *"),
        Kind::Guid | Kind::Interface | Kind::Pointer => panic!("{kind:?}: not a field of a user-mode message"),
    }
}

/// Size, alignment, fields and tail padding of one message.
fn layout_checks(c: &mut Checks, layout: &Layout) {
    let (rust, ty) = (layout.rust, layout.c);
    let gaps: Vec<_> = layout.inner_padding().collect();
    assert!(
        gaps.is_empty(),
        "{rust} has padding between fields at {gaps:?}: give the C struct explicit fields for it, and this test a check"
    );
    c.equal(&format!("{rust}: size"), &format!("sizeof({ty})"), bytes(layout.size));
    c.equal(&format!("{rust}: alignment"), &format!("ALIGNOF({ty})"), bytes(layout.align));
    let mut members: Vec<(String, &str, usize, usize, Kind)> =
        layout.fields.iter().map(|f| (format!("{rust}.{}", f.rust), f.c, f.offset, f.size, f.kind)).collect();
    if let Some((offset, size)) = layout.tail_padding() {
        let kind = match size {
            4 => Kind::U32,
            8 => Kind::U64,
            n => Kind::Bytes(n),
        };
        members.push((format!("{rust}: tail padding"), TAIL_PADDING_C, offset, size, kind));
    }
    for (what, field, offset, size, kind) in members {
        // Unparenthesized: C++'s decltype then gives the declared type, not a reference.
        let member = format!("(({ty} *)0)->{field}");
        c.equal(&format!("{what}: offset"), &format!("offsetof({ty}, {field})"), bytes(offset));
        c.equal(&format!("{what}: size"), &format!("sizeof({member})"), bytes(size));
        let (expr, c_type) = c_type(kind, &member);
        c.same_type(&what, &expr, c_type);
    }
}

/// One IOCTL: defined, its code and the code's fields, its messages' sizes.
fn ioctl_checks(c: &mut Checks, ioctl: Ioctl) {
    let name = ioctl.name();
    c.defined(name, &format!("Ioctl::{ioctl:?}"));
    c.constant(name, name, ioctl.code().into());
    c.constant(&format!("{name}: device type"), &format!("({name}) >> 16"), FILE_DEVICE_RUNDOWN.into());
    c.constant(&format!("{name}: function"), &format!("(({name}) >> 2) & 0xFFF"), ioctl.function().into());
    let (method, access) = (ioctl.method(), ioctl.access());
    c.equal(&format!("{name}: method {}", method_c(method)), &format!("({name}) & 3"), method as u64);
    c.equal(&format!("{name}: access {}", access_c(access)), &format!("(({name}) >> 14) & 3"), access as u64);
    let output = wire::output(ioctl);
    if output.header == CHeader::Ioctl {
        let what = format!("{name}: output size");
        c.equal(&what, &format!("sizeof({})", output.c), bytes(ioctl.output_size()));
    }
    match (wire::input(ioctl), ioctl.input_size()) {
        (None, size) => assert_eq!(size, Some(0), "{name}: wire::input says no input"),
        (Some(input), _) if input.header == CHeader::Interface => {}
        (Some(input), Some(size)) => {
            c.equal(&format!("{name}: input size"), &format!("sizeof({})", input.c), bytes(size));
        }
        (Some(input), None) => {
            // WRITE: a length field, then that many bytes.
            assert_eq!(input.size, WriteRequest::SIZE, "{name}: the variable input is WriteRequest");
            let length = |n: usize| format!("RUNDOWN_WRITE_INPUT_LENGTH({n})");
            c.equal(&format!("{name}: input of no payload"), &length(0), bytes(WriteRequest::HEADER_SIZE));
            c.equal(&format!("{name}: input of a full payload"), &length(MAX_PAYLOAD), bytes(WriteRequest::SIZE));
        }
    }
}

/// Every fact the header must agree with, from the Rust definitions.
fn header_checks() -> Checks {
    let mut c = Checks::default();
    c.constant("FILE_DEVICE_RUNDOWN", "FILE_DEVICE_RUNDOWN", FILE_DEVICE_RUNDOWN.into());
    c.equal("MAX_PAYLOAD", "RUNDOWN_MAX_PAYLOAD", bytes(MAX_PAYLOAD));
    c.equal("ABI_VERSION", "RUNDOWN_ABI_VERSION", ABI_VERSION.into());
    for ioctl in Ioctl::ALL {
        ioctl_checks(&mut c, ioctl);
    }
    for (layout, _) in requests().into_iter().chain(replies()) {
        if layout.header == CHeader::Ioctl {
            layout_checks(&mut c, layout);
        }
    }
    for named in value_tables() {
        for value in named.values.values {
            let rust = format!("{}::{}", named.values.rust, value.rust);
            c.defined(value.c, &rust);
            c.equal(&rust, value.c, value.raw.into());
        }
    }
    c
}

/// The C file. `-DKERNEL` compiles it against the DDK, with `rundown_interface.h` before
/// (`-DINTERFACE_FIRST`) or after the header; `-DPRINT_NAMES` (with `-E`) prints each name's
/// literal after its Rust name.
fn c_source(checks: &Checks) -> String {
    format!(
        "/* Generated by crates/rundown-abi/tests/ioctl_header.rs. */
#if defined(KERNEL)
#include <ntddk.h>
#else
#include <windows.h>
#include <winioctl.h>
#endif
#include <stddef.h>
{CHECK_MACROS}#if defined(KERNEL) && defined(INTERFACE_FIRST)
#include \"rundown_interface.h\"
#endif
#include \"rundown_ioctl.h\"
#if defined(KERNEL) && !defined(INTERFACE_FIRST)
#include \"rundown_interface.h\"
#endif
#if defined(PRINT_NAMES)
WIN32_PATH RUNDOWN_WIN32_PATH
WIN32_PATH_A RUNDOWN_WIN32_PATH_A
NT_DEVICE_NAME RUNDOWN_NT_DEVICE_NAME
DOS_DEVICE_NAME RUNDOWN_DOS_DEVICE_NAME
#else
{}#endif
",
        checks.0
    )
}

fn header_text() -> String {
    bless_first();
    std::fs::read_to_string(include_dir().join("rundown_ioctl.h")).expect("read include/rundown_ioctl.h")
}

#[test]
fn the_header_matches_the_rust_definitions() {
    bless_first();
    let checks = header_checks();
    if let Err(stderr) = compile_c("rundown_ioctl_c.c", &c_source(&checks), Headers::User, &[]) {
        panic!("include/rundown_ioctl.h disagrees with rundown-abi:\n{stderr}");
    }
    println!("{} checks passed as C", checks.count());
}

#[test]
fn the_header_is_valid_cpp() {
    bless_first();
    let checks = header_checks();
    if let Some(Err(stderr)) = compile_cpp("rundown_ioctl_cpp.cpp", &c_source(&checks), Headers::User, &[]) {
        panic!("include/rundown_ioctl.h as C++:\n{stderr}");
    }
}

/// Kernel-mode code may include it with `rundown_interface.h`, which defines some of the same
/// macros: they must be defined identically, in either order.
#[test]
fn the_header_goes_with_the_interface_header_in_kernel_mode() {
    bless_first();
    let source = c_source(&header_checks());
    for order in [&["-DKERNEL"][..], &["-DKERNEL", "-DINTERFACE_FIRST"]] {
        if let Err(stderr) = compile_c("rundown_ioctl_kernel.c", &source, Headers::Ddk, order) {
            panic!("include/rundown_ioctl.h with rundown_interface.h ({order:?}):\n{stderr}");
        }
    }
}

#[test]
fn the_device_names_are_the_rust_ones() {
    bless_first();
    let text = preprocess("rundown_ioctl_names.c", &c_source(&Checks::default()), Headers::User, &["-DPRINT_NAMES"]);
    for (label, value, wide) in [
        ("WIN32_PATH", WIN32_PATH, true),
        ("WIN32_PATH_A", WIN32_PATH, false),
        ("NT_DEVICE_NAME", NT_DEVICE_NAME, true),
        ("DOS_DEVICE_NAME", DOS_DEVICE_NAME, true),
    ] {
        assert_eq!(printed(&text, label), Some(c_literal(value, wide).as_str()), "{label}");
    }
}

/// Without `CTL_CODE` the header stops with what to include.
#[test]
fn the_header_says_what_to_include_first() {
    bless_first();
    let source = "#include \"rundown_ioctl.h\"\n";
    let stderr = compile_c("rundown_ioctl_alone.c", source, Headers::User, &[]).expect_err("CTL_CODE is missing");
    assert!(stderr.contains("include <windows.h> and <winioctl.h>"), "{stderr}");
}

/// Each code's comment starts with its name, function, method, access and value, and names its
/// input and output structs (those of this header).
#[test]
fn each_code_is_documented_as_defined() {
    let text = header_text();
    for ioctl in Ioctl::ALL {
        let first = format!(
            "/* {}: function 0x{:03X}, {}, {} (0x{:08X}).",
            ioctl.name(),
            ioctl.function(),
            method_c(ioctl.method()),
            access_c(ioctl.access()),
            ioctl.code()
        );
        let at = text
            .find(&format!("\n{first}\n"))
            .unwrap_or_else(|| panic!("include/rundown_ioctl.h lacks the line\n{first}"));
        let comment = &text[at..at + text[at..].find("*/").expect("the comment ends")];
        let comment = comment.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut expected = Vec::new();
        match wire::input(ioctl) {
            None => expected.push("Input: none.".to_owned()),
            Some(input) if input.header == CHeader::Ioctl => expected.push(format!("Input: {}", input.c)),
            Some(_) => {}
        }
        let output = wire::output(ioctl);
        if output.header == CHeader::Ioctl {
            expected.push(format!("Output: {}.", output.c));
        }
        for phrase in expected {
            assert!(
                comment.contains(&phrase),
                "include/rundown_ioctl.h: the comment on {} lacks \"{phrase}\"",
                ioctl.name()
            );
        }
    }
}

/// Fails unless the header holds `expected` in its `name` block (`RUNDOWN_BLESS=1`: writes it).
fn check_block(name: &str, expected: &str) {
    blocks::check("include/rundown_ioctl.h", &Markers::c(name), expected);
}

/// With `RUNDOWN_BLESS=1`, writes every generated block before a test reads the header, so
/// that one run both writes and checks it.
fn bless_first() {
    static BLESSED: std::sync::Once = std::sync::Once::new();
    if blocks::blessing() {
        BLESSED.call_once(|| {
            check_block("abi-failures", &failures_block(&abi_failures()));
            check_block("codes", &codes_block());
            check_block("values", &values_block(&value_tables()));
            check_block("messages", &messages_block());
        });
    }
}

/// The comment's FAILURES list is what the ABI's checks answer (see `common::wire::abi_failures`).
#[test]
fn the_documented_failures_are_the_abis() {
    check_block("abi-failures", &failures_block(&abi_failures()));
}

/// Each IOCTL's code and comment, from the table.
#[test]
fn the_codes_are_the_tables() {
    check_block("codes", &codes_block());
}

/// The named values of the messages' enum fields, from their layouts.
#[test]
fn the_named_values_are_the_layouts() {
    check_block("values", &values_block(&value_tables()));
}

/// The message structs, from their layouts.
#[test]
fn the_messages_are_the_layouts() {
    check_block("messages", &messages_block());
}

/// The harness itself: a missing IOCTL fails, naming it.
#[test]
fn a_missing_ioctl_fails_naming_it() {
    bless_first();
    let mut checks = header_checks();
    checks.defined("IOCTL_RUNDOWN_NOT_THERE", "Ioctl::NotThere");
    let stderr = compile_c("rundown_ioctl_missing.c", &c_source(&checks), Headers::User, &[])
        .expect_err("a missing IOCTL must fail");
    assert!(stderr.contains("the header lacks IOCTL_RUNDOWN_NOT_THERE (Ioctl::NotThere in Rust)"), "{stderr}");
}

/// The harness itself: one wrong value fails the compile, naming the field.
#[test]
fn a_wrong_offset_fails() {
    bless_first();
    let mut checks = header_checks();
    checks.equal("ReadReply.payload: offset", "offsetof(RUNDOWN_READ_REPLY, Payload)", 24);
    let stderr = compile_c("rundown_ioctl_selftest.c", &c_source(&checks), Headers::User, &[])
        .expect_err("a wrong offset must fail");
    assert!(stderr.contains("ReadReply.payload: offset is 24 in Rust"), "{stderr}");
}
