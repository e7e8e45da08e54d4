//! The wire messages' layouts, the object states and the ABI's input checks, as rundown-abi
//! declares them: each message's [`Layout`] (its `describe!`, beside the type: C names,
//! meanings, named values; offsets and widths by `offset_of!`/`size_of`), read through the
//! table ([`Ioctl::input_layout`], [`Ioctl::output_layout`]), and the statuses of the ABI's
//! checks, found by running them. Nothing here names an IOCTL: a row added to the table is
//! covered as it is.

use rundown_abi::{
    Access, BadCode, FILE_DEVICE_RUNDOWN, Ioctl, Layout, MAX_PAYLOAD, Method, NamedValues, NtStatus,
    VENDOR_FUNCTION_FIRST, VENDOR_FUNCTION_LAST, WireError, WriteRequest, ctl_code,
};

/// The C name of the explicit tail-padding field [`CHeader::Ioctl`](rundown_abi::CHeader)'s
/// structs end with.
pub const TAIL_PADDING_C: &str = "Reserved";

/// The request's input message: `None` for no input. Panics if it is not the message the
/// table declares ([`Ioctl::input_type`]).
pub fn input(ioctl: Ioctl) -> Option<&'static Layout> {
    let layout = ioctl.input_layout();
    let rust = layout.map_or("()", |layout| layout.rust);
    assert_eq!(rust, ioctl.input_type(), "{ioctl:?}: the layout is not the input the table declares");
    layout
}

/// The request's reply. Panics if it is not the message the table declares
/// ([`Ioctl::output_type`]), or if there is none (every request of the device answers one).
pub fn output(ioctl: Ioctl) -> &'static Layout {
    let layout = ioctl.output_layout().unwrap_or_else(|| panic!("{ioctl:?} has no reply"));
    assert_eq!(layout.rust, ioctl.output_type(), "{ioctl:?}: the layout is not the output the table declares");
    layout
}

/// Each distinct message of `pick`, in IOCTL order, with the IOCTLs that use it.
fn distinct(pick: impl Fn(Ioctl) -> Option<&'static Layout>) -> Vec<(&'static Layout, Vec<Ioctl>)> {
    let mut messages: Vec<(&'static Layout, Vec<Ioctl>)> = Vec::new();
    for ioctl in Ioctl::ALL {
        let Some(layout) = pick(ioctl) else { continue };
        match messages.iter_mut().find(|(known, _)| known.rust == layout.rust) {
            Some((_, users)) => users.push(ioctl),
            None => messages.push((layout, vec![ioctl])),
        }
    }
    messages
}

/// Every request message, with the IOCTLs that send it.
pub fn requests() -> Vec<(&'static Layout, Vec<Ioctl>)> {
    distinct(input)
}

/// Every reply, with the IOCTLs that answer it.
pub fn replies() -> Vec<(&'static Layout, Vec<Ioctl>)> {
    distinct(|ioctl| Some(output(ioctl)))
}

/// A field whose values are named by a Rust enum (QUERY's `state`, VERSION's `flavour`, ...).
#[derive(Clone, Debug)]
pub struct NamedField {
    /// The message's layout.
    pub message: &'static Layout,
    /// The field's Rust name.
    pub field: &'static str,
    /// The field's C name.
    pub c_field: &'static str,
    /// The enum and its values.
    pub values: &'static NamedValues,
}

/// Every named field of every message, message by message (requests first).
pub fn value_tables() -> Vec<NamedField> {
    let messages = requests().into_iter().chain(replies()).map(|(layout, _)| layout);
    messages
        .flat_map(|message| {
            message.fields.iter().filter_map(move |field| {
                let values = field.values?;
                Some(NamedField { message, field: field.rust, c_field: field.c, values })
            })
        })
        .collect()
}

/// `IOCTL_RUNDOWN_QUERY` without its prefix: `QUERY`.
pub fn short_name(ioctl: Ioctl) -> &'static str {
    ioctl.name().strip_prefix("IOCTL_RUNDOWN_").expect("every name starts IOCTL_RUNDOWN_")
}

/// `FILE_READ_ACCESS` and the others.
pub fn access_c(access: Access) -> &'static str {
    match access {
        Access::Any => "FILE_ANY_ACCESS",
        Access::Read => "FILE_READ_ACCESS",
        Access::Write => "FILE_WRITE_ACCESS",
        Access::ReadWrite => "FILE_READ_ACCESS | FILE_WRITE_ACCESS",
    }
}

/// `METHOD_BUFFERED` and the others.
pub fn method_c(method: Method) -> &'static str {
    match method {
        Method::Buffered => "METHOD_BUFFERED",
        Method::InDirect => "METHOD_IN_DIRECT",
        Method::OutDirect => "METHOD_OUT_DIRECT",
        Method::Neither => "METHOD_NEITHER",
    }
}

/// An input the ABI accepts for `ioctl`: none for a request without input; for the others an
/// example (a request with input added to the table needs one here).
pub fn valid_input(ioctl: Ioctl) -> Vec<u8> {
    if input(ioctl).is_none() {
        return Vec::new();
    }
    match ioctl {
        Ioctl::Acquire => rundown_abi::AcquireRequest { count: 1 }.to_bytes().to_vec(),
        Ioctl::Release => rundown_abi::ReleaseRequest { count: 1 }.to_bytes().to_vec(),
        Ioctl::Write => {
            let request = WriteRequest::new(b"x").expect("1 byte fits");
            request.to_bytes()[..request.wire_len()].to_vec()
        }
        Ioctl::GetInterface => rundown_abi::GetInterfaceRequest::current().to_bytes().to_vec(),
        other => panic!("{other:?} takes an input: give common::wire::valid_input an example of it"),
    }
}

/// The ABI's part of the driver's checks, in the driver's order (`Service::control` in
/// rundown-service): the code, the input length, the output length, then the input's fields.
/// What comes after (GET_INTERFACE from user mode, the fields GET_INTERFACE's handler checks,
/// the operation) is the service's.
///
/// # Errors
/// The status of the first check that fails.
pub fn abi_check(code: u32, input: &[u8], output_len: usize) -> Result<Ioctl, NtStatus> {
    let ioctl = Ioctl::decode(code).map_err(BadCode::status)?;
    ioctl.check_input_len(input.len()).map_err(WireError::status)?;
    ioctl.check_output_len(output_len).map_err(WireError::status)?;
    ioctl.check_input(input).map_err(WireError::status)?;
    Ok(ioctl)
}

/// One row of the failures the ABI's checks decide.
#[derive(Clone, Debug)]
pub struct Failure {
    /// Which IOCTLs (Markdown: `code` spans are allowed).
    pub scope: String,
    /// What is wrong with the request (Markdown).
    pub condition: String,
    /// The status [`abi_check`] answers.
    pub status: NtStatus,
}

/// The one status all `probes` (each a code, an input and an output length) get; panics,
/// listing them, if they differ or one succeeds.
fn one_status(row: &str, probes: &[(u32, Vec<u8>, usize)]) -> NtStatus {
    let statuses: Vec<_> = probes.iter().map(|(code, input, output)| abi_check(*code, input, *output)).collect();
    let first = statuses.first().copied().unwrap_or_else(|| panic!("{row}: no probe"));
    let Err(status) = first else { panic!("{row}: the ABI accepted {:?}", probes[0]) };
    for (probe, got) in probes.iter().zip(&statuses) {
        assert_eq!(*got, Err(status), "{row}: the ABI answers {probe:?} differently from {:?}", probes[0]);
    }
    status
}

/// "every IOCTL", "every IOCTL but WRITE", or the names.
fn scope(ioctls: &[Ioctl]) -> String {
    let others: Vec<_> = Ioctl::ALL.into_iter().filter(|ioctl| !ioctls.contains(ioctl)).collect();
    let names = |list: &[Ioctl]| list.iter().map(|&ioctl| short_name(ioctl)).collect::<Vec<_>>().join(", ");
    match others.len() {
        0 => "every IOCTL".to_owned(),
        n if n < ioctls.len() => format!("every IOCTL but {}", names(&others)),
        _ => names(ioctls),
    }
}

/// Codes of this device that [`Ioctl::decode`] refuses: another device type, an unknown
/// function, and every other method and access of each function.
fn bad_codes() -> Vec<u32> {
    let unknown = (VENDOR_FUNCTION_FIRST..=VENDOR_FUNCTION_LAST)
        .find(|&function| Ioctl::from_function(function).is_none())
        .expect("a free function code");
    let mut codes = vec![
        ctl_code(FILE_DEVICE_RUNDOWN ^ 1, Ioctl::Query.function(), Ioctl::Query.method(), Ioctl::Query.access()),
        ctl_code(FILE_DEVICE_RUNDOWN, unknown, Method::Buffered, Access::Any),
    ];
    let methods = [Method::Buffered, Method::InDirect, Method::OutDirect, Method::Neither];
    let accesses = [Access::Any, Access::Read, Access::Write, Access::ReadWrite];
    for ioctl in Ioctl::ALL {
        for method in methods.into_iter().filter(|&method| method != ioctl.method()) {
            codes.push(ctl_code(FILE_DEVICE_RUNDOWN, ioctl.function(), method, ioctl.access()));
        }
        for access in accesses.into_iter().filter(|&access| access != ioctl.access()) {
            codes.push(ctl_code(FILE_DEVICE_RUNDOWN, ioctl.function(), ioctl.method(), access));
        }
    }
    codes
}

/// A WRITE input: the length field `len`, then `bytes` bytes.
fn write_input(len: usize, bytes: usize) -> Vec<u8> {
    let len = u32::try_from(len).expect("a small length");
    [&len.to_le_bytes()[..], &vec![b'x'; bytes]].concat()
}

/// The failures the ABI's checks decide, in the order the driver checks them, each status
/// computed by [`abi_check`] on example requests the row describes.
pub fn abi_failures() -> Vec<Failure> {
    let mut rows = Vec::new();
    let mut row = |ioctls: &[Ioctl], condition: String, probes: Vec<(u32, Vec<u8>, usize)>| {
        let status = one_status(&condition, &probes);
        rows.push(Failure { scope: scope(ioctls), condition, status });
    };
    let output = |ioctl: Ioctl| ioctl.output_size();

    let bad = bad_codes().into_iter().map(|code| (code, Vec::new(), 0)).collect();
    let condition = format!(
        "a code of another device type than `0x{FILE_DEVICE_RUNDOWN:04X}`, an unknown function, another method or \
         other access bits"
    );
    row(&Ioctl::ALL, condition, bad);

    let fixed: Vec<_> = Ioctl::ALL.into_iter().filter(|ioctl| ioctl.input_size().is_some()).collect();
    let mut probes = Vec::new();
    for &ioctl in &fixed {
        let size = ioctl.input_size().expect("fixed");
        probes.push((ioctl.code(), vec![0; size + 1], output(ioctl)));
        if size > 0 {
            probes.push((ioctl.code(), vec![0; size - 1], output(ioctl)));
        }
    }
    row(&fixed, "an input of another length than the table's".to_owned(), probes);

    let short = Ioctl::ALL.map(|ioctl| (ioctl.code(), valid_input(ioctl), output(ioctl) - 1));
    row(&Ioctl::ALL, "an output buffer shorter than the reply".to_owned(), short.to_vec());
    let long = Ioctl::ALL.map(|ioctl| (ioctl.code(), valid_input(ioctl), output(ioctl) + 1));
    row(&Ioctl::ALL, "an output buffer longer than the reply".to_owned(), long.to_vec());

    let zero = [Ioctl::Acquire, Ioctl::Release].map(|ioctl| (ioctl.code(), vec![0; 4], output(ioctl)));
    row(&[Ioctl::Acquire, Ioctl::Release], "`count` is 0".to_owned(), zero.to_vec());

    write_failures(&mut row);
    rows
}

/// WRITE's rows of [`abi_failures`].
fn write_failures(row: &mut impl FnMut(&[Ioctl], String, Vec<(u32, Vec<u8>, usize)>)) {
    let (code, out) = (Ioctl::Write.code(), Ioctl::Write.output_size());
    let (header, max, full) = (WriteRequest::HEADER_SIZE, MAX_PAYLOAD, WriteRequest::SIZE);
    let write = [Ioctl::Write];
    let short = (0..header).map(|n| (code, vec![0; n], out)).collect();
    row(&write, format!("an input shorter than the {header}-byte `len`"), short);
    row(
        &write,
        format!(
            "an input longer than {full} bytes, such as a {}-byte payload ({} bytes): the input's length is checked \
             before `len`",
            max + 1,
            full + 1
        ),
        vec![(code, write_input(max + 1, max + 1), out), (code, write_input(max, max + 1), out)],
    );
    row(
        &write,
        format!("`len` over {max} in an input of at most {full} bytes"),
        vec![(code, write_input(max + 1, max), out), (code, write_input(usize::from(u16::MAX), 0), out)],
    );
    row(
        &write,
        "`len` other than the number of bytes after it".to_owned(),
        vec![(code, write_input(3, 2), out), (code, write_input(0, 1), out), (code, write_input(max, max - 1), out)],
    );
}
