//! The wire messages' layouts, the object states and the ABI's input checks, read off the Rust
//! definitions: offsets and widths by `offset_of!`/`size_of`, statuses by running the checks.
//!
//! What the Rust code does not declare is declared here, next to the facts it goes with: each
//! IOCTL's message layouts (checked against the types the table declares, [`Ioctl::input_type`]
//! and [`Ioctl::output_type`], and their sizes), each field's C name and a one-line meaning, each
//! named value's C name. A field, state or IOCTL added in
//! Rust and not here fails to compile (exhaustive patterns and matches), so the headers' and the
//! README's tests cannot silently skip it.

use core::mem::{align_of, offset_of, size_of};

use rundown_abi::{
    ABI_VERSION, Access, AcquireRequest, BadCode, DriverFlavour, FILE_DEVICE_RUNDOWN, GetInterfaceRequest, Guid,
    HoldsReply, InterfaceHeader, Ioctl, MAX_PAYLOAD, Method, NtStatus, ObjectState, ProtectionKind, QueryReply,
    RUNDOWN_INTERFACE_GUID, RUNDOWN_INTERFACE_VERSION, ReadReply, ReleaseRequest, RotateReply, RundownInterface,
    StatsReply, VENDOR_FUNCTION_FIRST, VENDOR_FUNCTION_LAST, VersionReply, WireError, WriteReply, WriteRequest,
    ctl_code,
};

/// What a field holds, as far as the layout tables tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A little-endian `u16`.
    U16,
    /// A little-endian `u32`.
    U32,
    /// A little-endian `u64`.
    U64,
    /// A byte array of this length.
    Bytes(usize),
    /// A `GUID`.
    Guid,
    /// The WDK's `INTERFACE`.
    Interface,
    /// A function pointer.
    Pointer,
}

/// The [`Kind`] of a field's Rust type.
pub trait WireField {
    /// The kind.
    const KIND: Kind;
}

impl WireField for u16 {
    const KIND: Kind = Kind::U16;
}
impl WireField for u32 {
    const KIND: Kind = Kind::U32;
}
impl WireField for u64 {
    const KIND: Kind = Kind::U64;
}
impl<const N: usize> WireField for [u8; N] {
    const KIND: Kind = Kind::Bytes(N);
}
impl WireField for Guid {
    const KIND: Kind = Kind::Guid;
}
impl WireField for InterfaceHeader {
    const KIND: Kind = Kind::Interface;
}
/// The interface's nullable function pointers.
impl<F> WireField for Option<F> {
    const KIND: Kind = Kind::Pointer;
}

/// One field of a message.
#[derive(Clone, Debug)]
pub struct Field {
    /// The Rust field.
    pub rust: &'static str,
    /// The C field.
    pub c: &'static str,
    /// Its offset in bytes.
    pub offset: usize,
    /// Its width in bytes.
    pub size: usize,
    /// What it holds.
    pub kind: Kind,
    /// What it means, in one line (Markdown: `code` spans).
    pub meaning: String,
}

/// Which C header declares a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Header {
    /// `include/rundown_ioctl.h`, for user-mode clients.
    Ioctl,
    /// `include/rundown_interface.h`, for kernel-mode peers (x64 only).
    Interface,
}

/// A message's layout.
#[derive(Clone, Debug)]
pub struct Layout {
    /// The Rust type.
    pub rust: &'static str,
    /// The C typedef.
    pub c: &'static str,
    /// The header that declares the C type.
    pub header: Header,
    /// `size_of` the Rust type.
    pub size: usize,
    /// `align_of` the Rust type.
    pub align: usize,
    /// The fields, in declaration order.
    pub fields: Vec<Field>,
}

/// The C name of the explicit tail-padding field [`Header::Ioctl`]'s structs end with.
pub const TAIL_PADDING_C: &str = "Reserved";

impl Layout {
    /// The padding after the last field: offset and width, if any.
    pub fn tail_padding(&self) -> Option<(usize, usize)> {
        let end = self.fields.last().map_or(0, |field| field.offset + field.size);
        (end < self.size).then(|| (end, self.size - end))
    }

    /// Padding between fields (offset and width): none in any message, which is what lets a C
    /// struct with only an explicit tail-padding field agree under any packing.
    pub fn inner_padding(&self) -> Vec<(usize, usize)> {
        let mut gaps = Vec::new();
        let mut end = 0;
        for field in &self.fields {
            if field.offset > end {
                gaps.push((end, field.offset - end));
            }
            end = field.offset + field.size;
        }
        gaps
    }
}

fn size_of_field<T, F>(_field: fn(&T) -> &F) -> usize {
    size_of::<F>()
}

fn kind_of_field<T, F: WireField>(_field: fn(&T) -> &F) -> Kind {
    F::KIND
}

/// `layout!(RustType => "C_TYPE" in Header, { field => "CField": "meaning", .. })`: the layout,
/// from `offset_of!` and `size_of`. The pattern names every field without `..`, so a field
/// added to the Rust type fails to compile here.
macro_rules! layout {
    ($rust:ident => $c:literal in $header:ident, { $($field:ident => $c_field:literal: $meaning:expr),+ $(,)? }) => {{
        let _every_field_is_listed = |message: $rust| {
            let $rust { $($field: _),+ } = message;
        };
        Layout {
            rust: stringify!($rust),
            c: $c,
            header: Header::$header,
            size: size_of::<$rust>(),
            align: align_of::<$rust>(),
            fields: vec![$(Field {
                rust: stringify!($field),
                c: $c_field,
                offset: offset_of!($rust, $field),
                size: size_of_field(|message: &$rust| &message.$field),
                kind: kind_of_field(|message: &$rust| &message.$field),
                meaning: String::from($meaning),
            }),+],
        }
    }};
}

fn query_reply() -> Layout {
    layout!(QueryReply => "RUNDOWN_QUERY_REPLY" in Ioctl, {
        generation => "Generation": "The object's generation; ROTATE installs the next one.",
        version => "Version": "The payload's version; every WRITE changes it.",
        holders => "Holders": "Protections held on the object now, across all handles.",
        state => "State": "The object's state: a value of the table below.",
        payload_len => "PayloadLength": format!("The payload's length in bytes (at most {MAX_PAYLOAD})."),
        handle_holds => "HandleHolds": "Protections the calling handle holds.",
    })
}

fn acquire_request() -> Layout {
    layout!(AcquireRequest => "RUNDOWN_ACQUIRE_REQUEST" in Ioctl, {
        count => "Count": "How many protections to take for the calling handle: at least 1.",
    })
}

fn release_request() -> Layout {
    layout!(ReleaseRequest => "RUNDOWN_RELEASE_REQUEST" in Ioctl, {
        count => "Count": "How many of the calling handle's protections to give back: at least 1.",
    })
}

fn holds_reply() -> Layout {
    layout!(HoldsReply => "RUNDOWN_HOLDS_REPLY" in Ioctl, {
        handle_holds => "HandleHolds": "Protections the calling handle holds after the request.",
    })
}

fn read_reply() -> Layout {
    layout!(ReadReply => "RUNDOWN_READ_REPLY" in Ioctl, {
        generation => "Generation": "The generation read.",
        version => "Version": "The version read.",
        len => "Length": format!("Valid bytes at the start of `payload` (at most {MAX_PAYLOAD})."),
        payload => "Payload": "The payload; bytes past `len` are zero.",
    })
}

fn write_request() -> Layout {
    layout!(WriteRequest => "RUNDOWN_WRITE_REQUEST" in Ioctl, {
        len => "Length": format!("The payload bytes that follow (at most {MAX_PAYLOAD})."),
        payload => "Payload": format!(
            "The payload: send only the first `len` bytes (an input of {} + `len` bytes).",
            WriteRequest::HEADER_SIZE
        ),
    })
}

fn write_reply() -> Layout {
    layout!(WriteReply => "RUNDOWN_WRITE_REPLY" in Ioctl, {
        version => "Version": "The payload's new version.",
    })
}

fn rotate_reply() -> Layout {
    layout!(RotateReply => "RUNDOWN_ROTATE_REPLY" in Ioctl, {
        old_generation => "OldGeneration": "The generation retired.",
        new_generation => "NewGeneration": "The generation installed.",
        waited_for_holders => "WaitedForHolders": "Holders outstanding when the run-down began (0: no wait).",
    })
}

fn stats_reply() -> Layout {
    layout!(StatsReply => "RUNDOWN_STATS_REPLY" in Ioctl, {
        acquisitions => "Acquisitions": "Successful acquisitions.",
        refusals => "Refusals": "Acquisitions refused because the object was running down.",
        waits => "Waits": "Run-downs that had to wait for holders.",
        rotations => "Rotations": "Completed rotations.",
        max_holders => "MaxHolders": "The most holders seen at once.",
        holders => "Holders": "Holders now.",
        pool_bytes => "PoolBytes": "Bytes of pool the driver has allocated and not freed.",
        pool_blocks => "PoolBlocks": "Pool allocations not freed.",
    })
}

fn version_reply() -> Layout {
    layout!(VersionReply => "RUNDOWN_VERSION_REPLY" in Ioctl, {
        abi_version => "AbiVersion": format!(
            "The contract's version, `RUNDOWN_ABI_VERSION` ({ABI_VERSION}) for this one; it changes only when a \
             request or reply changes incompatibly."
        ),
        flavour => "Flavour": "The driver's run-down implementation: a value of the table below.",
        protection => "Protection": "The shared object's run-down reference: a value of the table below.",
        max_payload => "MaxPayload": format!("The largest payload WRITE accepts and READ returns ({MAX_PAYLOAD})."),
    })
}

fn get_interface_request() -> Layout {
    let g = RUNDOWN_INTERFACE_GUID;
    let [b0, b1, b2, b3, b4, b5, b6, b7] = g.data4;
    let guid = format!(
        "{:08X}-{:04X}-{:04X}-{b0:02X}{b1:02X}-{b2:02X}{b3:02X}{b4:02X}{b5:02X}{b6:02X}{b7:02X}",
        g.data1, g.data2, g.data3
    );
    layout!(GetInterfaceRequest => "RUNDOWN_GET_INTERFACE_REQUEST" in Interface, {
        guid => "InterfaceType": format!("`RUNDOWN_INTERFACE_GUID`, `{{{guid}}}`."),
        size => "Size": format!("The caller's table size: at least {}.", RundownInterface::SIZE),
        version => "Version": format!("The version the caller was written for: {RUNDOWN_INTERFACE_VERSION}."),
    })
}

fn rundown_interface() -> Layout {
    layout!(RundownInterface => "RUNDOWN_SHARED_INTERFACE" in Interface, {
        header => "Header": format!(
            "The WDK's `INTERFACE`: `Size` ({}), `Version` ({RUNDOWN_INTERFACE_VERSION}), `Context`, \
             `InterfaceReference`, `InterfaceDereference`.",
            RundownInterface::SIZE
        ),
        acquire => "Acquire": "A hold on the current generation, or null while it runs down.",
        release => "Release": "Releases a hold, once.",
        read => "Read": "Copies the held generation's payload.",
        write => "Write": "Replaces the held generation's payload.",
        query_generation => "QueryGeneration": "The generation a hold pins, or the current one.",
    })
}

/// The request's input message: `None` for no input. Panics if it is not the message the
/// table declares ([`Ioctl::input_type`]).
pub fn input(ioctl: Ioctl) -> Option<Layout> {
    let layout = match ioctl {
        Ioctl::Query | Ioctl::Read | Ioctl::Rotate | Ioctl::Stats | Ioctl::Version => None,
        Ioctl::Acquire => Some(acquire_request()),
        Ioctl::Release => Some(release_request()),
        Ioctl::Write => Some(write_request()),
        Ioctl::GetInterface => Some(get_interface_request()),
    };
    let rust = layout.as_ref().map_or("()", |layout| layout.rust);
    assert_eq!(rust, ioctl.input_type(), "{ioctl:?}: the layout is not the input the table declares");
    layout
}

/// The request's reply. Panics if it is not the message the table declares
/// ([`Ioctl::output_type`]).
pub fn output(ioctl: Ioctl) -> Layout {
    let layout = match ioctl {
        Ioctl::Query => query_reply(),
        Ioctl::Acquire | Ioctl::Release => holds_reply(),
        Ioctl::Read => read_reply(),
        Ioctl::Write => write_reply(),
        Ioctl::Rotate => rotate_reply(),
        Ioctl::Stats => stats_reply(),
        Ioctl::Version => version_reply(),
        Ioctl::GetInterface => rundown_interface(),
    };
    assert_eq!(layout.rust, ioctl.output_type(), "{ioctl:?}: the layout is not the output the table declares");
    layout
}

/// Each distinct message of `pick`, in IOCTL order, with the IOCTLs that use it.
fn distinct(pick: impl Fn(Ioctl) -> Option<Layout>) -> Vec<(Layout, Vec<Ioctl>)> {
    let mut messages: Vec<(Layout, Vec<Ioctl>)> = Vec::new();
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
pub fn requests() -> Vec<(Layout, Vec<Ioctl>)> {
    distinct(input)
}

/// Every reply, with the IOCTLs that answer it.
pub fn replies() -> Vec<(Layout, Vec<Ioctl>)> {
    distinct(|ioctl| Some(output(ioctl)))
}

/// One named value of a field.
#[derive(Clone, Debug)]
pub struct Value {
    /// The wire value.
    pub raw: u32,
    /// The Rust variant.
    pub rust: &'static str,
    /// The C constant.
    pub c: &'static str,
    /// What it means.
    pub meaning: &'static str,
}

/// A field whose values are named by a Rust enum: QUERY's `state`, VERSION's `flavour` and
/// `protection`.
#[derive(Clone, Debug)]
pub struct NamedField {
    /// The message's Rust type.
    pub message: &'static str,
    /// The field.
    pub field: &'static str,
    /// The Rust enum.
    pub rust: &'static str,
    /// Every value its `from_raw` accepts, in order.
    pub values: Vec<Value>,
}

/// The values `from_raw` accepts among the first 65536.
fn accepted<T>(from_raw: fn(u32) -> Option<T>) -> impl Iterator<Item = (u32, T)> {
    (0..=u32::from(u16::MAX)).filter_map(move |raw| from_raw(raw).map(|value| (raw, value)))
}

/// Every named field's values, message by message.
pub fn value_tables() -> Vec<NamedField> {
    let states = accepted(ObjectState::from_raw).map(|(raw, state)| {
        let (rust, c, meaning) = match state {
            ObjectState::Active => ("Active", "RUNDOWN_STATE_ACTIVE", "Acquisitions succeed."),
            ObjectState::RunningDown => (
                "RunningDown",
                "RUNDOWN_STATE_RUNNING_DOWN",
                "A rotation or the unload waits for holders; acquisitions fail.",
            ),
            ObjectState::Completed => (
                "Completed",
                "RUNDOWN_STATE_COMPLETED",
                "The run-down completed; the next generation is being installed.",
            ),
        };
        Value { raw, rust, c, meaning }
    });
    let flavours = accepted(DriverFlavour::from_raw).map(|(raw, flavour)| {
        let (rust, c, meaning) = match flavour {
            DriverFlavour::Ntoskrnl => {
                ("Ntoskrnl", "RUNDOWN_FLAVOUR_NTOSKRNL", "NtosKrnl's own run-down routines (the build for Windows).")
            }
            DriverFlavour::Portable => (
                "Portable",
                "RUNDOWN_FLAVOUR_PORTABLE",
                "The `rundown` crate's portable model with `KEVENT` waits (the build for Wine).",
            ),
        };
        Value { raw, rust, c, meaning }
    });
    let protections = accepted(ProtectionKind::from_raw).map(|(raw, kind)| {
        let (rust, c, meaning) = match kind {
            ProtectionKind::Plain => ("Plain", "RUNDOWN_PROTECTION_PLAIN", "A plain `EX_RUNDOWN_REF`."),
            ProtectionKind::CacheAware => (
                "CacheAware",
                "RUNDOWN_PROTECTION_CACHE_AWARE",
                "An `EX_RUNDOWN_REF_CACHE_AWARE`, one counter per processor.",
            ),
        };
        Value { raw, rust, c, meaning }
    });
    vec![
        NamedField { message: "QueryReply", field: "state", rust: "ObjectState", values: states.collect() },
        NamedField { message: "VersionReply", field: "flavour", rust: "DriverFlavour", values: flavours.collect() },
        NamedField {
            message: "VersionReply",
            field: "protection",
            rust: "ProtectionKind",
            values: protections.collect(),
        },
    ]
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

/// An input the ABI accepts for `ioctl`.
pub fn valid_input(ioctl: Ioctl) -> Vec<u8> {
    match ioctl {
        Ioctl::Query | Ioctl::Read | Ioctl::Rotate | Ioctl::Stats | Ioctl::Version => Vec::new(),
        Ioctl::Acquire => AcquireRequest { count: 1 }.to_bytes().to_vec(),
        Ioctl::Release => ReleaseRequest { count: 1 }.to_bytes().to_vec(),
        Ioctl::Write => {
            let request = WriteRequest::new(b"x").expect("1 byte fits");
            request.to_bytes()[..request.wire_len()].to_vec()
        }
        Ioctl::GetInterface => GetInterfaceRequest::current().to_bytes().to_vec(),
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
    let fields = match ioctl {
        Ioctl::Query | Ioctl::Read | Ioctl::Rotate | Ioctl::Stats | Ioctl::Version => Ok(()),
        Ioctl::Acquire => AcquireRequest::from_bytes(input).map(drop),
        Ioctl::Release => ReleaseRequest::from_bytes(input).map(drop),
        Ioctl::Write => WriteRequest::from_bytes(input).map(drop),
        Ioctl::GetInterface => GetInterfaceRequest::from_bytes(input).map(drop),
    };
    fields.map_err(WireError::status)?;
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
