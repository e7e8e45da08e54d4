//! Malformed requests from user mode, one table of them, sent through a session
//! (`rundown-stress session`, `raw` lines) to the portable driver in ONE Wine host.
//!
//! Each row names the exact NTSTATUS the ABI's checking order gives (rundown-abi's crate docs:
//! the code, GET_INTERFACE from user mode, the input length, the output length, the input's
//! fields, the operation), or the I/O manager's `STATUS_ACCESS_DENIED` when a read-only handle
//! sends a code with write access bits. Codes are computed from `rundown_abi`. After every row
//! the driver must still answer QUERY on the read-write handle with the generation unchanged and
//! the holders the row expects. A few rows that succeed set up state (a hold) for the rows that
//! need it; they are marked `(setup)`.
//!
//! The test prints one line, `bad-input: <cases> cases, <failures> failures, driver serving`,
//! and fails if any row failed or the driver stopped serving. Needs `cargo xtask build`'s
//! images and Wine 8.

use std::fmt::Write as _;

use anyhow::{Result, ensure};
use rundown_abi::{
    Access, AcquireRequest, FILE_DEVICE_RUNDOWN, GetInterfaceRequest, Guid, Ioctl, Method, NtStatus, ReleaseRequest,
    VENDOR_FUNCTION_FIRST, WriteRequest, ctl_code,
};
use rundown_wine_tests::{Answer, Artifacts, Loader, Rig, Session};

/// Which of the two handles sends a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Via {
    /// `rundown-stress session`: `GENERIC_READ | GENERIC_WRITE`.
    ReadWrite,
    /// `rundown-stress --read-only session`: `GENERIC_READ` alone.
    ReadOnly,
}
use Via::{ReadOnly as RO, ReadWrite as RW};

/// One request and what must come of it.
struct Case {
    name: &'static str,
    via: Via,
    code: u32,
    input: Vec<u8>,
    output_len: usize,
    status: NtStatus,
    /// Protections held (by both handles) after the row, as QUERY reports them.
    holders: u64,
}

fn case(name: &'static str, via: Via, code: u32, input: Vec<u8>, output_len: usize, status: NtStatus) -> Case {
    Case { name, via, code, input, output_len, status, holders: 0 }
}

impl Case {
    /// The same row, after which QUERY must report `holders` protections held (the rows that
    /// follow a setup ACQUIRE).
    fn holding(self, holders: u64) -> Self {
        Self { holders, ..self }
    }
}

// Statuses, short enough for one-line rows.
const OK: NtStatus = NtStatus::SUCCESS;
const BAD_CODE: NtStatus = NtStatus::INVALID_DEVICE_REQUEST;
const LENGTH: NtStatus = NtStatus::INFO_LENGTH_MISMATCH;
const SMALL: NtStatus = NtStatus::BUFFER_TOO_SMALL;
const PARAM: NtStatus = NtStatus::INVALID_PARAMETER;
const DENIED: NtStatus = NtStatus::ACCESS_DENIED;
const NOT_FOUND: NtStatus = NtStatus::NOT_FOUND;
const STATE: NtStatus = NtStatus::INVALID_DEVICE_STATE;
const RESOURCES: NtStatus = NtStatus::INSUFFICIENT_RESOURCES;

// The device's requests.
const QUERY: u32 = Ioctl::Query.code();
const ACQUIRE: u32 = Ioctl::Acquire.code();
const RELEASE: u32 = Ioctl::Release.code();
const READ: u32 = Ioctl::Read.code();
const WRITE: u32 = Ioctl::Write.code();
const ROTATE: u32 = Ioctl::Rotate.code();
const STATS: u32 = Ioctl::Stats.code();
const GET_INTERFACE: u32 = Ioctl::GetInterface.code();

/// `ioctl`'s function and access with another transfer method.
const fn method(ioctl: Ioctl, method: Method) -> u32 {
    ctl_code(FILE_DEVICE_RUNDOWN, ioctl.function(), method, ioctl.access())
}

/// `ioctl`'s function and method with other access bits.
const fn access(ioctl: Ioctl, access: Access) -> u32 {
    ctl_code(FILE_DEVICE_RUNDOWN, ioctl.function(), ioctl.method(), access)
}

/// A function of this device that no request has, buffered, with `access`.
const fn function(function: u16, access: Access) -> u32 {
    ctl_code(FILE_DEVICE_RUNDOWN, function, Method::Buffered, access)
}

/// The first vendor function no request has: the one after the table's first run of rows (a
/// row added there moves it on).
const NEXT_FREE_FUNCTION: u16 = {
    let mut function = VENDOR_FUNCTION_FIRST;
    while Ioctl::from_function(function).is_some() {
        function += 1;
    }
    function
};

/// QUERY's function, method and access on another device type.
const fn device(device_type: u16) -> u32 {
    ctl_code(device_type, Ioctl::Query.function(), Method::Buffered, Access::Read)
}

/// `len` bytes of filler.
fn bytes(len: usize) -> Vec<u8> {
    (0..len).map(|i| u8::try_from(i % 251).expect("below 251") + 1).collect()
}

/// ACQUIRE's input.
fn acquire(count: u32) -> Vec<u8> {
    AcquireRequest { count }.to_bytes().to_vec()
}

/// RELEASE's input.
fn release(count: u32) -> Vec<u8> {
    ReleaseRequest { count }.to_bytes().to_vec()
}

/// A well-formed WRITE input carrying `data`.
fn write(data: &[u8]) -> Vec<u8> {
    let request = WriteRequest::new(data).expect("at most MAX_PAYLOAD");
    request.to_bytes()[..request.wire_len()].to_vec()
}

/// A WRITE input whose length field says `declared`, followed by `actual` bytes.
fn write_declaring(declared: u32, actual: usize) -> Vec<u8> {
    let mut input = declared.to_le_bytes().to_vec();
    input.extend(bytes(actual));
    input
}

/// A well-formed GET_INTERFACE input.
fn interface() -> Vec<u8> {
    GetInterfaceRequest::current().to_bytes().to_vec()
}

/// A GET_INTERFACE input for another interface.
fn other_interface() -> Vec<u8> {
    let guid = Guid { data1: 0x1234_5678, data2: 1, data3: 2, data4: [3; 8] };
    GetInterfaceRequest { guid, ..GetInterfaceRequest::current() }.to_bytes().to_vec()
}

/// Every row, in the order they run (rows that need a hold follow the setup row that takes it).
#[rustfmt::skip]
#[expect(clippy::too_many_lines, reason = "one line per row: the table is the test")]
fn cases() -> Vec<Case> {
    let (query, write_max) = (Ioctl::Query.output_size(), WriteRequest::SIZE);
    vec![
        // 1. The code: another device type, an unknown function, another method or access bits.
        case("device type FILE_DEVICE_UNKNOWN (0x22)", RW, device(0x22), vec![], query, BAD_CODE),
        case("device type 0x8353 (next vendor type)", RW, device(FILE_DEVICE_RUNDOWN + 1), vec![], query, BAD_CODE),
        case("device type without the vendor bit", RW, device(FILE_DEVICE_RUNDOWN & 0x7FFF), vec![], query, BAD_CODE),
        case("device type 0xFFFF", RW, device(0xFFFF), vec![], query, BAD_CODE),
        case("function 0x000 (Microsoft range)", RW, function(0x000, Access::Read), vec![], 0, BAD_CODE),
        case("function 0x7FF (Microsoft range, last)", RW, function(0x7FF, Access::Read), vec![], query, BAD_CODE),
        case("the first free function after the table's rows", RW, function(NEXT_FREE_FUNCTION, Access::Read), vec![], query, BAD_CODE),
        case("function 0x8EF (before GET_INTERFACE)", RW, function(0x8EF, Access::Any), interface(), 72, BAD_CODE),
        case("function 0x8F1 (after GET_INTERFACE)", RW, function(0x8F1, Access::Any), vec![], 0, BAD_CODE),
        case("function 0xFFF (vendor range, last)", RW, function(0xFFF, Access::ReadWrite), bytes(4), 4, BAD_CODE),
        case("QUERY METHOD_IN_DIRECT", RW, method(Ioctl::Query, Method::InDirect), vec![], query, BAD_CODE),
        case("QUERY METHOD_OUT_DIRECT", RW, method(Ioctl::Query, Method::OutDirect), vec![], query, BAD_CODE),
        case("QUERY METHOD_NEITHER, no buffers", RW, method(Ioctl::Query, Method::Neither), vec![], 0, BAD_CODE),
        case("QUERY METHOD_NEITHER", RW, method(Ioctl::Query, Method::Neither), vec![], query, BAD_CODE),
        case("ACQUIRE METHOD_IN_DIRECT", RW, method(Ioctl::Acquire, Method::InDirect), acquire(1), 4, BAD_CODE),
        case("ACQUIRE METHOD_NEITHER", RW, method(Ioctl::Acquire, Method::Neither), acquire(1), 4, BAD_CODE),
        case("WRITE METHOD_OUT_DIRECT", RW, method(Ioctl::Write, Method::OutDirect), write(b"direct"), 8, BAD_CODE),
        case("STATS METHOD_NEITHER", RW, method(Ioctl::Stats, Method::Neither), vec![], 56, BAD_CODE),
        case("QUERY with FILE_ANY_ACCESS", RW, access(Ioctl::Query, Access::Any), vec![], query, BAD_CODE),
        case("QUERY with write access", RW, access(Ioctl::Query, Access::Write), vec![], query, BAD_CODE),
        case("READ with read|write access", RW, access(Ioctl::Read, Access::ReadWrite), vec![], 280, BAD_CODE),
        case("WRITE with read access", RW, access(Ioctl::Write, Access::Read), write(b"x"), 8, BAD_CODE),
        case("ROTATE with FILE_ANY_ACCESS", RW, access(Ioctl::Rotate, Access::Any), vec![], 24, BAD_CODE),
        case("GET_INTERFACE with read access", RW, access(Ioctl::GetInterface, Access::Read), interface(), 72, BAD_CODE),
        // GET_INTERFACE from user mode: refused before its lengths are looked at.
        case("GET_INTERFACE well-formed", RW, GET_INTERFACE, interface(), 72, DENIED),
        case("GET_INTERFACE zero input and output", RW, GET_INTERFACE, vec![], 0, DENIED),
        case("GET_INTERFACE short input", RW, GET_INTERFACE, bytes(12), 72, DENIED),
        case("GET_INTERFACE odd input", RW, GET_INTERFACE, bytes(21), 72, DENIED),
        case("GET_INTERFACE long input", RW, GET_INTERFACE, bytes(64), 72, DENIED),
        case("GET_INTERFACE zero output", RW, GET_INTERFACE, interface(), 0, DENIED),
        case("GET_INTERFACE short output", RW, GET_INTERFACE, interface(), 71, DENIED),
        case("GET_INTERFACE long output", RW, GET_INTERFACE, interface(), 4096, DENIED),
        case("GET_INTERFACE another GUID", RW, GET_INTERFACE, other_interface(), 72, DENIED),
        // 2.-3. Lengths, request by request: input first, then output.
        case("QUERY odd input", RW, QUERY, bytes(1), query, LENGTH),
        case("QUERY long input", RW, QUERY, bytes(32), query, LENGTH),
        case("QUERY odd input, zero output", RW, QUERY, bytes(3), 0, LENGTH),
        case("QUERY zero output", RW, QUERY, vec![], 0, SMALL),
        case("QUERY short output", RW, QUERY, vec![], 16, SMALL),
        case("QUERY odd output (31)", RW, QUERY, vec![], 31, SMALL),
        case("QUERY odd output (33)", RW, QUERY, vec![], 33, LENGTH),
        case("QUERY long output", RW, QUERY, vec![], 4096, LENGTH),
        case("ACQUIRE zero input", RW, ACQUIRE, vec![], 4, LENGTH),
        case("ACQUIRE short input", RW, ACQUIRE, bytes(2), 4, LENGTH),
        case("ACQUIRE odd input", RW, ACQUIRE, bytes(3), 4, LENGTH),
        case("ACQUIRE long input", RW, ACQUIRE, bytes(8), 4, LENGTH),
        case("ACQUIRE zero output", RW, ACQUIRE, acquire(1), 0, SMALL),
        case("ACQUIRE odd output (3)", RW, ACQUIRE, acquire(1), 3, SMALL),
        case("ACQUIRE odd output (5)", RW, ACQUIRE, acquire(1), 5, LENGTH),
        case("ACQUIRE long output", RW, ACQUIRE, acquire(1), 64, LENGTH),
        case("RELEASE zero input", RW, RELEASE, vec![], 4, LENGTH),
        case("RELEASE short input", RW, RELEASE, bytes(1), 4, LENGTH),
        case("RELEASE odd input", RW, RELEASE, bytes(5), 4, LENGTH),
        case("RELEASE long input", RW, RELEASE, bytes(16), 4, LENGTH),
        case("RELEASE zero output", RW, RELEASE, release(1), 0, SMALL),
        case("RELEASE odd output (1)", RW, RELEASE, release(1), 1, SMALL),
        case("RELEASE odd output (7)", RW, RELEASE, release(1), 7, LENGTH),
        case("RELEASE long output", RW, RELEASE, release(1), 8, LENGTH),
        case("READ odd input", RW, READ, bytes(1), 280, LENGTH),
        case("READ long input", RW, READ, bytes(280), 280, LENGTH),
        case("READ zero output", RW, READ, vec![], 0, SMALL),
        case("READ short output", RW, READ, vec![], 256, SMALL),
        case("READ odd output (279)", RW, READ, vec![], 279, SMALL),
        case("READ odd output (281)", RW, READ, vec![], 281, LENGTH),
        case("READ long output", RW, READ, vec![], 4096, LENGTH),
        case("WRITE zero input", RW, WRITE, vec![], 8, LENGTH),
        case("WRITE short input (no length field)", RW, WRITE, bytes(2), 8, LENGTH),
        case("WRITE odd input (3)", RW, WRITE, bytes(3), 8, LENGTH),
        case("WRITE long input (4 + 257)", RW, WRITE, write_declaring(257, 257), 8, LENGTH),
        case("WRITE long input (1024)", RW, WRITE, bytes(1024), 8, LENGTH),
        case("WRITE zero output", RW, WRITE, write(b"never"), 0, SMALL),
        case("WRITE odd output (7)", RW, WRITE, write(b"never"), 7, SMALL),
        case("WRITE odd output (9)", RW, WRITE, write(b"never"), 9, LENGTH),
        case("WRITE long output", RW, WRITE, write(b"never"), 280, LENGTH),
        case("ROTATE odd input", RW, ROTATE, bytes(1), 24, LENGTH),
        case("ROTATE long input", RW, ROTATE, bytes(24), 24, LENGTH),
        case("ROTATE zero output", RW, ROTATE, vec![], 0, SMALL),
        case("ROTATE odd output (23)", RW, ROTATE, vec![], 23, SMALL),
        case("ROTATE odd output (25)", RW, ROTATE, vec![], 25, LENGTH),
        case("ROTATE long output", RW, ROTATE, vec![], 48, LENGTH),
        case("STATS odd input", RW, STATS, bytes(1), 56, LENGTH),
        case("STATS long input", RW, STATS, bytes(56), 56, LENGTH),
        case("STATS zero output", RW, STATS, vec![], 0, SMALL),
        case("STATS odd output (55)", RW, STATS, vec![], 55, SMALL),
        case("STATS odd output (57)", RW, STATS, vec![], 57, LENGTH),
        case("STATS long output", RW, STATS, vec![], 64, LENGTH),
        // 4. Fields and operations.
        case("ACQUIRE count 0", RW, ACQUIRE, acquire(0), 4, PARAM),
        case("ACQUIRE count 0, zero output", RW, ACQUIRE, acquire(0), 0, SMALL),
        case("RELEASE count 0", RW, RELEASE, release(0), 4, PARAM),
        case("RELEASE without a hold", RW, RELEASE, release(1), 4, NOT_FOUND),
        case("RELEASE u32::MAX without a hold", RW, RELEASE, release(u32::MAX), 4, NOT_FOUND),
        case("WRITE length past the data", RW, WRITE, write_declaring(3, 1), 8, LENGTH),
        case("WRITE length short of the data", RW, WRITE, write_declaring(1, 3), 8, LENGTH),
        case("WRITE length past the data, zero output", RW, WRITE, write_declaring(3, 1), 0, SMALL),
        case("WRITE larger than the payload (257, no data)", RW, WRITE, write_declaring(257, 0), 8, PARAM),
        case("WRITE larger than the payload (257, 256 bytes)", RW, WRITE, write_declaring(257, write_max - 4), 8, PARAM),
        case("WRITE length u32::MAX", RW, WRITE, write_declaring(u32::MAX, 4), 8, PARAM),
        case("ACQUIRE 1 (setup)", RW, ACQUIRE, acquire(1), 4, OK).holding(1),
        case("RELEASE more than held", RW, RELEASE, release(2), 4, NOT_FOUND).holding(1),
        case("ACQUIRE past u32::MAX holds", RW, ACQUIRE, acquire(u32::MAX), 4, RESOURCES).holding(1),
        case("ACQUIRE count 0 while holding", RW, ACQUIRE, acquire(0), 4, PARAM).holding(1),
        case("ROTATE while holding", RW, ROTATE, vec![], 24, STATE).holding(1),
        case("ROTATE while holding, short output", RW, ROTATE, vec![], 23, SMALL).holding(1),
        case("ROTATE while holding, odd input", RW, ROTATE, bytes(3), 24, LENGTH).holding(1),
        case("RELEASE on another handle than the holder's", RO, RELEASE, release(1), 4, NOT_FOUND).holding(1),
        case("RELEASE 1 (setup)", RW, RELEASE, release(1), 4, OK),
        case("RELEASE twice", RW, RELEASE, release(1), 4, NOT_FOUND),
        case("ACQUIRE u32::MAX (setup)", RW, ACQUIRE, acquire(u32::MAX), 4, OK).holding(u64::from(u32::MAX)),
        case("ACQUIRE 1 past a handle's u32::MAX", RW, ACQUIRE, acquire(1), 4, RESOURCES).holding(u64::from(u32::MAX)),
        case("RELEASE u32::MAX (setup)", RW, RELEASE, release(u32::MAX), 4, OK),
        // A read-only handle: the I/O manager refuses write access bits before the driver.
        case("WRITE on a read-only handle", RO, WRITE, write(b"denied"), 8, DENIED),
        case("WRITE on a read-only handle, malformed", RO, WRITE, write_declaring(9, 1), 0, DENIED),
        case("ROTATE on a read-only handle", RO, ROTATE, vec![], 24, DENIED),
        case("ROTATE on a read-only handle, odd output", RO, ROTATE, vec![], 3, DENIED),
        case("QUERY with read|write access, read-only", RO, access(Ioctl::Query, Access::ReadWrite), vec![], query, DENIED),
        case("unknown function with write access, read-only", RO, function(0x900, Access::Write), vec![], 0, DENIED),
        case("WRITE with read access, read-only", RO, access(Ioctl::Write, Access::Read), write(b"x"), 8, BAD_CODE),
        case("ROTATE with FILE_ANY_ACCESS, read-only", RO, access(Ioctl::Rotate, Access::Any), vec![], 24, BAD_CODE),
        case("GET_INTERFACE, read-only", RO, GET_INTERFACE, interface(), 72, DENIED),
        case("ACQUIRE count 0, read-only", RO, ACQUIRE, acquire(0), 4, PARAM),
    ]
}

#[test]
fn malformed_requests_from_user_mode_leave_the_driver_serving() {
    let cases = cases();
    let malformed = cases.iter().filter(|case| case.status != OK).count();
    assert!(malformed >= 50, "only {malformed} malformed requests");
    let outcome = (|| -> Result<()> {
        let rig = Rig::load(&Artifacts::from_build(), "bad_input", Loader::Rundownctl)?;
        let result = run(&rig, &cases).and_then(|()| rig.host().ensure_no_crash());
        let unloaded = rig.unload_and_check_pool();
        let shut_down = rig.host_shutdown();
        result.and(unloaded).and(shut_down)
    })();
    if let Err(error) = outcome {
        panic!("bad_input: {error:#}");
    }
}

/// Runs every row, then prints the summary line; an error if a row failed or the driver stopped
/// serving.
fn run(rig: &Rig, cases: &[Case]) -> Result<()> {
    let mut read_write = rig.session()?;
    let mut read_only = rig.session_with(&["--read-only"])?;
    let generation = query(&mut read_write)?.num("generation")?;
    let mut failures = Vec::new();
    let mut serving = true;
    for case in cases {
        let session = if case.via == RW { &mut read_write } else { &mut read_only };
        let outcome = session.send(&raw_line(case)).map(|answer| check_answer(case, &answer));
        let after = query(&mut read_write);
        match (outcome, after) {
            (Ok(verdict), Ok(after)) => {
                let verdict = verdict.and_then(|()| check_query(&after, generation, case.holders));
                if let Err(why) = verdict {
                    failures.push(format!("{}: {why}", case.name));
                }
            }
            (outcome, after) => {
                let error = outcome.err().or(after.err()).expect("one of them failed");
                failures.push(format!("{}: the driver stopped serving: {error:#}", case.name));
                serving = false;
                break;
            }
        }
    }
    if serving {
        serving = query(&mut read_write).is_ok() && read_write.close().is_ok() && read_only.close().is_ok();
    }
    let state = if serving { "driver serving" } else { "driver NOT serving" };
    println!("bad-input: {} cases, {} failures, {state}", cases.len(), failures.len());
    ensure!(
        failures.is_empty() && serving,
        "{} of {} rows failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    Ok(())
}

/// `raw --code <code> --input-hex <hex or -> --output-len <n>`: rundownctl's `raw`.
fn raw_line(case: &Case) -> String {
    let mut input = String::new();
    for byte in &case.input {
        let _ = write!(input, "{byte:02x}");
    }
    if input.is_empty() {
        input.push('-');
    }
    format!("raw --code {:#010x} --input-hex {input} --output-len {}", case.code, case.output_len)
}

/// The status the row expects, and `IoStatus.Information`: the reply's size on success, 0 on
/// failure.
fn check_answer(case: &Case, answer: &Answer) -> Result<(), String> {
    let status = answer.get("status");
    let expected = format!("0x{:08X}", case.status.raw().cast_unsigned());
    if answer.command != "raw" || status != expected {
        return Err(format!("expected {} ({expected}), got `{}`", case.status.name(), answer.line));
    }
    let information = answer.num("information").map_err(|error| format!("{error:#}"))?;
    let expected_information = if case.status == OK { case.output_len as u64 } else { 0 };
    if information != expected_information {
        return Err(format!("information {information}, expected {expected_information}: `{}`", answer.line));
    }
    Ok(())
}

/// QUERY on the read-write handle.
fn query(session: &mut Session) -> Result<Answer> {
    let answer = session.send("query")?;
    ensure!(answer.ok, "QUERY answered `{}`", answer.line);
    Ok(answer)
}

/// The generation did not change and the holders are the row's.
fn check_query(after: &Answer, generation: u64, holders: u64) -> Result<(), String> {
    let field = |key| after.num(key).map_err(|error| format!("{error:#}"));
    let (now, held) = (field("generation")?, field("holders")?);
    if now != generation || held != holders || after.get("state") != "active" {
        return Err(format!("QUERY after it: `{}` (expected generation={generation} holders={holders})", after.line));
    }
    Ok(())
}
