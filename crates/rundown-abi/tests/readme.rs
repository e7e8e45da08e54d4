//! The README's IOCTL reference against this crate: the IOCTL table, the failures the ABI's
//! checks decide, and the request and reply layouts are rendered here from the Rust declarations
//! ([`Ioctl`]'s table: names, codes, functions, methods, access, sizes and each request's own
//! failures; each message's layout as its `describe!` declares it: fields by
//! `offset_of!`/`size_of`, C names, meanings, the named values of a field that holds an enum;
//! the statuses `common::wire::abi_check` answers), and each must stand in `README.md` exactly, between its
//! marker comments (`<!-- ioctl-table:begin -->` ... `<!-- ioctl-table:end -->`). On a
//! mismatch the test prints the block to paste; with `RUNDOWN_BLESS=1` it writes the blocks
//! instead (`common::blocks`):
//!
//! ```text
//! RUNDOWN_BLESS=1 cargo test -p rundown-abi --test readme
//! ```
//!
//! The prose around the blocks (what the operations refuse, which the service decides) is not
//! checked here: rundown-service's tests check the behaviour.

mod common;

use std::fmt::Write as _;

use common::blocks::{self, Markers};
use common::wire::{Failure, TAIL_PADDING_C, abi_failures, replies, requests, short_name};
use rundown_abi::{ABI_CHECK_STATUSES, Access, CHeader, FILE_DEVICE_RUNDOWN, Ioctl, Layout, Method, WriteRequest};

fn line(out: &mut String, text: impl AsRef<str>) {
    writeln!(out, "{}", text.as_ref()).expect("write to a String");
}

fn access(access: Access) -> &'static str {
    match access {
        Access::Any => "any",
        Access::Read => "read",
        Access::Write => "write",
        Access::ReadWrite => "read and write",
    }
}

/// `WRITE`'s variable input, in words: `4 + len` bytes, 4 to 260.
fn write_input() -> String {
    let (header, full) = (WriteRequest::HEADER_SIZE, WriteRequest::SIZE);
    format!("`len` ({header}) + `len` bytes, {header} to {full}")
}

/// The IOCTL table: name, code, function, access, input and output with their sizes.
fn ioctl_table() -> String {
    let mut out = String::new();
    let methods: Vec<Method> = Ioctl::ALL.iter().map(|ioctl| ioctl.method()).collect();
    assert!(
        methods.iter().all(|&method| method == Method::Buffered),
        "an IOCTL that is not METHOD_BUFFERED: give this table a method column"
    );
    line(
        &mut out,
        format!(
            "Device type `0x{FILE_DEVICE_RUNDOWN:04X}` (`FILE_DEVICE_RUNDOWN`), every code `METHOD_BUFFERED`. Sizes in bytes."
        ),
    );
    line(&mut out, "");
    line(&mut out, "| IOCTL | code | function | access | input | output |");
    line(&mut out, "|---|---|---|---|---|---|");
    for ioctl in Ioctl::ALL {
        let input = match (common::wire::input(ioctl), ioctl.input_size()) {
            (None, _) => "none (0)".to_owned(),
            (Some(layout), Some(size)) => format!("`{}` ({size})", layout.rust),
            (Some(layout), None) => format!("`{}`: {}", layout.rust, write_input()),
        };
        let output = format!("`{}` ({})", common::wire::output(ioctl).rust, ioctl.output_size());
        line(
            &mut out,
            format!(
                "| {} | `0x{:08X}` | `0x{:03X}` | {} | {input} | {output} |",
                short_name(ioctl),
                ioctl.code(),
                ioctl.function(),
                access(ioctl.access())
            ),
        );
    }
    out
}

/// The failures the ABI's checks decide, in the driver's order.
fn failure_table(rows: &[Failure]) -> String {
    let mut out = String::new();
    line(&mut out, "| IOCTL | failure | status |");
    line(&mut out, "|---|---|---|");
    for row in rows {
        line(&mut out, format!("| {} | {} | `{}` |", row.scope, row.condition, row.status.name()));
    }
    out
}

/// Each request's own failures, as its row declares them (the prose beside the block says when
/// each comes).
fn own_failures() -> String {
    let mut out = String::new();
    let checks: Vec<_> = ABI_CHECK_STATUSES.iter().map(|status| format!("`{}`", status.name())).collect();
    line(&mut out, format!("Besides the ABI's checks ({}), each request may answer:", checks.join(", ")));
    line(&mut out, "");
    line(&mut out, "| IOCTL | its own failures |");
    line(&mut out, "|---|---|");
    for ioctl in Ioctl::ALL {
        let statuses: Vec<_> = ioctl.failures().iter().map(|status| format!("`{}`", status.name())).collect();
        let statuses = if statuses.is_empty() { "none".to_owned() } else { statuses.join(", ") };
        line(&mut out, format!("| {} | {statuses} |", short_name(ioctl)));
    }
    out
}

/// One message's heading and table of fields (and its tail padding).
fn layout_table(out: &mut String, layout: &Layout, ioctls: &[Ioctl], size: &str) {
    let names: Vec<_> = ioctls.iter().map(|&ioctl| short_name(ioctl)).collect();
    let kernel = if layout.header == CHeader::Interface { " (kernel mode only, x64)" } else { "" };
    line(out, format!("**{}**{kernel}: `{}`, `{}`, {size}", names.join(", "), layout.rust, layout.c));
    line(out, "");
    line(out, "| offset | width | field | C | meaning |");
    line(out, "|---|---|---|---|---|");
    for field in layout.fields {
        let meaning = match field.values {
            Some(_) => format!("{}: a value of the table below.", field.meaning.to_string().trim_end_matches('.')),
            None => field.meaning.to_string(),
        };
        line(out, format!("| {} | {} | `{}` | `{}` | {meaning} |", field.offset, field.size, field.rust, field.c));
    }
    if let Some((offset, width)) = layout.tail_padding() {
        let c = if layout.header == CHeader::Ioctl { format!("`{TAIL_PADDING_C}`") } else { "none".to_owned() };
        line(out, format!("| {offset} | {width} | (padding) | {c} | Tail padding, written as 0. |"));
    }
    line(out, "");
}

/// The replies, each followed by the named values of its fields.
fn reply_layouts() -> String {
    let mut out = String::new();
    line(
        &mut out,
        "Offsets and widths in bytes; integers unsigned, little-endian. C: `include/rundown_ioctl.h` (GET_INTERFACE's: \
         `include/rundown_interface.h`).",
    );
    line(&mut out, "");
    for (layout, ioctls) in replies() {
        layout_table(&mut out, layout, &ioctls, &format!("{} bytes", layout.size));
        for field in layout.fields {
            let Some(values) = field.values else { continue };
            line(&mut out, format!("`{}` (`{}`):", field.rust, values.rust));
            line(&mut out, "");
            line(&mut out, "| value | name | C | meaning |");
            line(&mut out, "|---|---|---|---|");
            for value in values.values {
                line(&mut out, format!("| {} | `{}` | `{}` | {} |", value.raw, value.rust, value.c, value.meaning));
            }
            line(&mut out, "");
        }
    }
    out.truncate(out.trim_end().len() + 1);
    out
}

/// The requests that carry input.
fn request_layouts() -> String {
    let mut out = String::new();
    for (layout, ioctls) in requests() {
        let size = match ioctls[0].input_size() {
            Some(size) => format!("{size} bytes"),
            None => format!("{} to {} bytes", WriteRequest::HEADER_SIZE, layout.size),
        };
        layout_table(&mut out, layout, &ioctls, &size);
    }
    out.truncate(out.trim_end().len() + 1);
    out
}

/// Fails unless README.md holds `expected` between `name`'s markers (`RUNDOWN_BLESS=1`: writes
/// it there).
fn check(name: &str, expected: &str) {
    blocks::check("README.md", &Markers::markdown(name), expected);
}

#[test]
fn the_ioctl_table_is_the_abis() {
    check("ioctl-table", &ioctl_table());
}

#[test]
fn the_failures_the_abi_decides_are_its() {
    check("abi-failures", &failure_table(&abi_failures()));
}

#[test]
fn each_requests_own_failures_are_the_tables() {
    check("ioctl-failures", &own_failures());
}

#[test]
fn the_reply_layouts_are_the_abis() {
    check("reply-layouts", &reply_layouts());
}

#[test]
fn the_request_layouts_are_the_abis() {
    check("request-layouts", &request_layouts());
}

/// The harness itself: a block is found between its markers, once.
#[test]
fn a_block_lies_between_its_markers() {
    let markers = Markers::markdown("t");
    let readme = "x\n<!-- t:begin -->\na\nb\n<!-- t:end -->\n";
    assert_eq!(blocks::block(readme, &markers), Ok("a\nb\n"));
    assert!(blocks::block("<!-- t:begin -->\n", &markers).is_err());
    let twice = format!("{readme}{readme}");
    assert!(blocks::block(&twice, &markers).is_err());
    assert!(blocks::block("<!-- t:end -->\n<!-- t:begin -->\n", &markers).is_err());
}
