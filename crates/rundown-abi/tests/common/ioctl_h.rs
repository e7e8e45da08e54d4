//! The generated blocks of `include/rundown_ioctl.h`, rendered from the table and the layouts:
//! the list of failures the ABI's checks decide, each IOCTL's code with its comment, the named
//! values of the messages' enum fields, and the message structs with their size assertions.
//! `ioctl_header.rs` checks (or, with `RUNDOWN_BLESS=1`, writes) them, then compiles the whole
//! header with mingw-w64 against static assertions computed from the same Rust definitions.

use std::fmt::Write as _;

use rundown_abi::{CHeader, Field, Ioctl, Kind, Layout, MAX_PAYLOAD};

use super::wire::{self, Failure, NamedField, TAIL_PADDING_C, access_c, method_c, short_name};

/// The header's width: comments wrap before this column.
const WIDTH: usize = 100;

fn line(out: &mut String, text: impl AsRef<str>) {
    writeln!(out, "{}", text.as_ref()).expect("write to a String");
}

/// `text`'s words wrapped to [`WIDTH`]: the first line starts with `first`, the others with
/// `rest`; `close` ends the last line (` */`).
fn wrapped(first: &str, rest: &str, text: &str, close: &str) -> String {
    let mut lines = vec![first.to_owned()];
    let mut fresh = true;
    for word in text.split_whitespace() {
        let current = lines.last_mut().expect("one line");
        if !fresh && current.len() + 1 + word.len() > WIDTH - close.len() {
            lines.push(format!("{rest}{word}"));
        } else {
            if !fresh {
                current.push(' ');
            }
            current.push_str(word);
        }
        fresh = false;
    }
    let mut out = lines.join("\n");
    out.push_str(close);
    out.push('\n');
    out
}

/// Markdown to C comment text: `code` spans lose their backquotes, a span naming one of
/// `fields` becomes its C name.
fn plain(text: &str, fields: &[Field]) -> String {
    let mut text = text.to_owned();
    for field in fields {
        text = text.replace(&format!("`{}`", field.rust), field.c);
    }
    text.replace('`', "")
}

/// `QUERY's`, `STATS'`, `ACQUIRE's and RELEASE's`.
fn possessive(ioctls: &[Ioctl]) -> String {
    let names: Vec<String> = ioctls
        .iter()
        .map(|&ioctl| {
            let name = short_name(ioctl);
            if name.ends_with('S') { format!("{name}'") } else { format!("{name}'s") }
        })
        .collect();
    names.join(" and ")
}

/// The FAILURES comment: the failures the ABI's checks decide, in the driver's order.
pub fn failures_block(rows: &[Failure]) -> String {
    let mut out = String::from("/*\n");
    line(
        &mut out,
        " * FAILURES THE ABI DECIDES, in the order the driver checks them (the first failure is the answer):",
    );
    out.push_str(&failure_lines(rows));
    line(&mut out, " */");
    out
}

/// The failure list, as the header's comment gives it (wrapped to 100 columns).
pub fn failure_lines(rows: &[Failure]) -> String {
    let width = rows.iter().map(|row| row.status.name().len()).max().unwrap_or(0);
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let end = if i + 1 == rows.len() { '.' } else { ';' };
        let text = format!("{}: {}{end}", row.scope, row.condition).replace('`', "");
        let first = format!(" *   {:<width$}  ", row.status.name());
        out.push_str(&wrapped(&first, &format!(" *   {:width$}  ", ""), &text, ""));
    }
    out
}

/// What a request does, from its row's doc comment, without the leading `` `IOCTL_...`: ``.
fn description(ioctl: Ioctl) -> String {
    let text = ioctl.description().split_whitespace().collect::<Vec<_>>().join(" ");
    let text = text.strip_prefix(&format!("`{}`: ", ioctl.name())).unwrap_or(&text).to_owned();
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Each IOCTL's comment and `#define`.
pub fn codes_block() -> String {
    let mut out = String::new();
    for ioctl in Ioctl::ALL {
        let name = ioctl.name();
        let (method, access) = (method_c(ioctl.method()), access_c(ioctl.access()));
        let mut text = Vec::new();
        let (input, output) = (wire::input(ioctl), wire::output(ioctl));
        match (input, ioctl.input_bounds()) {
            (None, _) => text.push("Input: none.".to_owned()),
            (Some(input), _) if input.header != CHeader::Ioctl => {}
            (Some(input), (min, max)) if min == max => text.push(format!("Input: {}.", input.c)),
            (Some(input), (min, max)) => text.push(format!("Input: {}, {min} to {max} bytes of it.", input.c)),
        }
        if output.header == CHeader::Ioctl {
            text.push(format!("Output: {}.", output.c));
        }
        if input.into_iter().chain([output]).any(|layout| layout.header == CHeader::Interface) {
            text.push("Its messages are in rundown_interface.h (which defines the code the same way).".to_owned());
        }
        text.push(plain(&description(ioctl), &[]));
        line(
            &mut out,
            format!("/* {name}: function 0x{:03X}, {method}, {access} (0x{:08X}).", ioctl.function(), ioctl.code()),
        );
        out.push_str(&wrapped("   ", "   ", &text.join(" "), " */"));
        line(&mut out, format!("#define {name} \\"));
        line(&mut out, format!("    CTL_CODE(FILE_DEVICE_RUNDOWN, 0x{:03X}, {method}, {access})", ioctl.function()));
        line(&mut out, "");
    }
    out.truncate(out.trim_end().len() + 1);
    out
}

/// The named values of the messages' enum fields: a comment and a `#define` each.
pub fn values_block(fields: &[NamedField]) -> String {
    let mut out = String::new();
    for named in fields.iter().filter(|named| named.message.header == CHeader::Ioctl) {
        let values = named.values;
        line(&mut out, format!("/* {}.{}, {} in Rust:", named.message.c, named.c_field, values.rust));
        let width = values.values.iter().map(|value| value.c.len()).max().unwrap_or(0);
        for (i, value) in values.values.iter().enumerate() {
            let close = if i + 1 == values.values.len() { " */" } else { "" };
            let first = format!("     {:<width$}  ", value.c);
            let meaning = plain(&value.meaning.to_string(), &[]);
            out.push_str(&wrapped(&first, &" ".repeat(first.len()), &meaning, close));
        }
        for value in values.values {
            line(&mut out, format!("#define {:<width$} {}", value.c, value.raw));
        }
        line(&mut out, "");
    }
    out.truncate(out.trim_end().len() + 1);
    out
}

/// A field's declaration: `ULONG Count;`.
fn declaration(c: &str, kind: Kind) -> String {
    match kind {
        Kind::U16 => format!("USHORT {c};"),
        Kind::U32 => format!("ULONG {c};"),
        Kind::U64 => format!("ULONGLONG {c};"),
        Kind::Bytes(MAX_PAYLOAD) => format!("UCHAR {c}[RUNDOWN_MAX_PAYLOAD];"),
        Kind::Bytes(n) => format!("UCHAR {c}[{n}];"),
        Kind::Guid | Kind::Interface | Kind::Pointer => panic!("{kind:?}: not a field of a user-mode message"),
    }
}

/// One message's typedef, each field commented with its meaning.
fn message(out: &mut String, layout: &Layout, ioctls: &[Ioctl], direction: &str, size: &str) {
    line(out, format!("/* {} {direction} ({size}). */", possessive(ioctls)));
    line(out, format!("typedef struct _{} {{", layout.c));
    let mut members: Vec<(String, String)> = layout
        .fields
        .iter()
        .map(|field| {
            let mut meaning = plain(&field.meaning.to_string(), layout.fields);
            if let Some(values) = field.values {
                let sentence = meaning.trim_end_matches('.');
                meaning = format!("{sentence}: {}*.", values.c_prefix());
            }
            (declaration(field.c, field.kind), meaning)
        })
        .collect();
    if let Some((_, width)) = layout.tail_padding() {
        let kind = if width == 4 { Kind::U32 } else { Kind::Bytes(width) };
        members.push((declaration(TAIL_PADDING_C, kind), "Tail padding, written as 0.".to_owned()));
    }
    let width = members.iter().map(|(declaration, _)| declaration.len()).max().unwrap_or(0);
    for (declaration, meaning) in members {
        let first = format!("    {declaration:<width$} /* ");
        out.push_str(&wrapped(&first, &" ".repeat(first.len()), &meaning, " */"));
    }
    line(out, format!("}} {}, *P{};", layout.c, layout.c));
    line(out, "");
}

/// The messages of `rundown_ioctl.h`, each IOCTL's input then its output, then their sizes as
/// `C_ASSERT`s.
pub fn messages_block() -> String {
    let mut out = String::new();
    let mut done: Vec<&str> = Vec::new();
    let (requests, replies) = (wire::requests(), wire::replies());
    for ioctl in Ioctl::ALL {
        let input = requests.iter().find(|(_, users)| users.contains(&ioctl)).map(|(layout, users)| {
            let size = match ioctl.input_bounds() {
                (min, max) if min == max => format!("{max} bytes"),
                (min, max) => format!("{min} to {max} bytes"),
            };
            (*layout, users, "input", size)
        });
        let output = replies
            .iter()
            .find(|(_, users)| users.contains(&ioctl))
            .map(|(layout, users)| (*layout, users, "output", format!("{} bytes", layout.size)));
        for (layout, users, direction, size) in input.into_iter().chain(output) {
            if layout.header == CHeader::Ioctl && !done.contains(&layout.c) {
                message(&mut out, layout, users, direction, &size);
                done.push(layout.c);
            }
        }
    }
    for (layout, _) in requests.iter().chain(&replies).filter(|(layout, _)| layout.header == CHeader::Ioctl) {
        line(&mut out, format!("C_ASSERT(sizeof({}) == {});", layout.c, layout.size));
    }
    out
}
