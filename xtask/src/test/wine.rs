//! The `wine` step: the portable driver loaded in Wine and driven through rundownctl sessions.
//!
//! One Wine host serves every case, in order; each case checks the driver still answers
//! QUERY afterwards, and a crash ends the step with Wine's crash line.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use rundown_abi::{FILE_DEVICE_RUNDOWN, Ioctl};

use super::Outcome;
use crate::rig::{Loader, Rig, STEP, Session};
use crate::{build, wine};

type Case = fn(&Rig) -> Result<()>;

/// The cases, in the order they run; `unload_while_held` stops the driver, so it is last.
const CASES: [(&str, Case); 7] = [
    ("each_ioctl_answers_its_reply", each_ioctl_answers_its_reply),
    ("malformed_requests_get_precise_statuses", malformed_requests_get_precise_statuses),
    ("a_read_only_handle_cannot_write_or_rotate", a_read_only_handle_cannot_write_or_rotate),
    ("a_killed_process_releases_its_holds_at_cleanup", a_killed_process_releases_its_holds_at_cleanup),
    ("rotation_waits_for_a_hold_then_completes", rotation_waits_for_a_hold_then_completes),
    ("rundownctl_hold_and_rotate_from_two_processes", rundownctl_hold_and_rotate_from_two_processes),
    ("unload_while_held_waits_then_frees_everything", unload_while_held_waits_then_frees_everything),
];

/// Builds, loads the portable driver with rundownctl's SCM commands, and runs every case.
pub fn run() -> Result<Outcome> {
    wine::ensure_installed()?;
    build::run()?;
    let rig = Rig::load("test", Loader::Rundownctl)?;
    let mut failed = 0;
    for (name, case) in CASES {
        let started = Instant::now();
        let result = case(&rig).and_then(|()| rig.host().ensure_no_crash());
        match result {
            Ok(()) => println!("wine test {name} ... ok ({:.1} s)", started.elapsed().as_secs_f64()),
            Err(error) => {
                failed += 1;
                println!("wine test {name} ... FAILED: {error:#}");
                if rig.host().ensure_no_crash().is_err() {
                    println!("the driver crashed; the remaining cases cannot run");
                    break;
                }
            }
        }
    }
    println!("wine tests: {} cases, {failed} failed", CASES.len());
    rig.host_shutdown()?;
    Ok(if failed == 0 { Outcome::Passed } else { Outcome::Failed })
}

/// Sends `line` and requires `ok`.
fn ok(session: &mut Session, line: &str) -> Result<crate::rig::Answer> {
    let answer = session.send(line)?;
    ensure!(answer.ok, "`{line}` answered `{}`", answer.line);
    Ok(answer)
}

/// Sends `line` and requires a failure with `status`.
fn fails(session: &mut Session, line: &str, status: &str) -> Result<()> {
    let answer = session.send(line)?;
    ensure!(!answer.ok || answer.command == "raw", "`{line}` succeeded: `{}`", answer.line);
    ensure!(answer.status() == status, "`{line}` answered `{}`, not {status}", answer.line);
    Ok(())
}

/// The driver still serves: QUERY answers, with the generation and holders expected.
fn serving(session: &mut Session, generation: u64, holders: u64) -> Result<()> {
    let query = ok(session, "query")?;
    ensure!(query.num("generation")? == generation, "generation: `{}`", query.line);
    ensure!(query.num("holders")? == holders, "holders: `{}`", query.line);
    Ok(())
}

fn generation(rig: &Rig) -> Result<u64> {
    let mut session = rig.session()?;
    let generation = ok(&mut session, "query")?.num("generation")?;
    session.close()?;
    Ok(generation)
}

fn each_ioctl_answers_its_reply(rig: &Rig) -> Result<()> {
    let mut session = rig.session()?;
    let query = ok(&mut session, "query")?;
    ensure!(query.get("state") == "active", "state: `{}`", query.line);
    let generation = query.num("generation")?;
    let write = ok(&mut session, "write wine test payload")?;
    ensure!(write.num("len")? == 17, "`{}`", write.line);
    let read = ok(&mut session, "read")?;
    ensure!(read.get("hex") == hex(b"wine test payload"), "read back `{}`", read.line);
    ensure!(read.num("version")? == write.num("version")?, "versions differ: `{}`", read.line);
    ensure!(ok(&mut session, "acquire 2")?.num("handle_holds")? == 2, "acquire 2");
    let query = ok(&mut session, "query")?;
    ensure!(query.num("holders")? == 2 && query.num("handle_holds")? == 2, "`{}`", query.line);
    ensure!(ok(&mut session, "release 1")?.num("handle_holds")? == 1, "release 1");
    ensure!(ok(&mut session, "release 1")?.num("handle_holds")? == 0, "release 1 again");
    let stats = ok(&mut session, "stats")?;
    ensure!(stats.num("holders")? == 0 && stats.num("acquisitions")? >= 2, "`{}`", stats.line);
    ensure!(stats.num("pool_blocks")? > 0, "the object lives in pool: `{}`", stats.line);
    let rotate = ok(&mut session, "rotate")?;
    ensure!(rotate.num("new_generation")? == generation + 1, "`{}`", rotate.line);
    ensure!(ok(&mut session, "read")?.get("hex") == hex(b"wine test payload"), "the payload carries over");
    serving(&mut session, generation + 1, 0)?;
    session.close()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut text, byte| {
        use std::fmt::Write as _;
        let _ = write!(text, "{byte:02x}");
        text
    })
}

/// The ABI's checks, in order, through DeviceIoControl from user mode.
fn malformed_requests_get_precise_statuses(rig: &Rig) -> Result<()> {
    let generation = generation(rig)?;
    let device = u32::from(FILE_DEVICE_RUNDOWN);
    let code = |ioctl: Ioctl| format!("{:#x}", ioctl.code());
    let cases: Vec<(&str, String, &str, usize, &str)> = vec![
        ("unknown function", format!("{:#x}", (device << 16) | (0x7ff << 2)), "-", 0, "STATUS_INVALID_DEVICE_REQUEST"),
        (
            "another device type",
            format!("{:#x}", (0x22 << 16) | (0x800 << 2)),
            "-",
            32,
            "STATUS_INVALID_DEVICE_REQUEST",
        ),
        ("METHOD_IN_DIRECT", format!("{:#x}", Ioctl::Query.code() | 1), "-", 32, "STATUS_INVALID_DEVICE_REQUEST"),
        ("QUERY with input", code(Ioctl::Query), "00", 32, "STATUS_INFO_LENGTH_MISMATCH"),
        ("QUERY short output", code(Ioctl::Query), "-", 31, "STATUS_BUFFER_TOO_SMALL"),
        ("QUERY long output", code(Ioctl::Query), "-", 64, "STATUS_INFO_LENGTH_MISMATCH"),
        ("ACQUIRE odd-sized input", code(Ioctl::Acquire), "010000", 4, "STATUS_INFO_LENGTH_MISMATCH"),
        ("ACQUIRE zero", code(Ioctl::Acquire), "00000000", 4, "STATUS_INVALID_PARAMETER"),
        ("RELEASE without a hold", code(Ioctl::Release), "01000000", 4, "STATUS_NOT_FOUND"),
        ("WRITE length past the data", code(Ioctl::Write), "0300000061", 8, "STATUS_INFO_LENGTH_MISMATCH"),
        ("WRITE longer than the payload", code(Ioctl::Write), "01010000", 8, "STATUS_INVALID_PARAMETER"),
        ("STATS without output", code(Ioctl::Stats), "-", 0, "STATUS_BUFFER_TOO_SMALL"),
        ("GET_INTERFACE from user mode", code(Ioctl::GetInterface), "-", 0, "STATUS_ACCESS_DENIED"),
    ];
    let mut session = rig.session()?;
    for (name, code, input, output_len, status) in cases {
        fails(&mut session, &format!("raw {code} {input} {output_len}"), status).with_context(|| name.to_owned())?;
        serving(&mut session, generation, 0).with_context(|| format!("QUERY after {name}"))?;
    }
    ok(&mut session, "acquire 1")?;
    ok(&mut session, "release 1")?;
    fails(&mut session, "release 1", "STATUS_NOT_FOUND").context("RELEASE twice")?;
    ok(&mut session, "acquire 1")?;
    fails(&mut session, "rotate", "STATUS_INVALID_DEVICE_STATE").context("ROTATE while holding")?;
    ok(&mut session, "release 1")?;
    session.close()
}

/// The I/O manager checks the access bits of WRITE and ROTATE against the handle.
fn a_read_only_handle_cannot_write_or_rotate(rig: &Rig) -> Result<()> {
    let generation = generation(rig)?;
    let mut session = Session::new(rig.spawn(&["--read-only", "session"])?);
    fails(&mut session, "write denied", "STATUS_ACCESS_DENIED")?;
    fails(&mut session, "rotate", "STATUS_ACCESS_DENIED")?;
    ok(&mut session, "read")?;
    serving(&mut session, generation, 0)?;
    session.close()
}

/// A process that dies while holding (killed, as TerminateProcess does) releases its holds in
/// IRP_MJ_CLEANUP, and the next rotation does not wait.
fn a_killed_process_releases_its_holds_at_cleanup(rig: &Rig) -> Result<()> {
    let generation = generation(rig)?;
    let mut holder = rig.session()?;
    ok(&mut holder, "acquire 3")?;
    let mut observer = rig.session()?;
    serving(&mut observer, generation, 3)?;
    holder.kill();
    let deadline = Instant::now() + STEP;
    while ok(&mut observer, "query")?.num("holders")? != 0 {
        ensure!(Instant::now() < deadline, "the killed holder's protection was not released");
        std::thread::sleep(Duration::from_millis(50));
    }
    let rotate = ok(&mut observer, "rotate")?;
    ensure!(rotate.num("waited_for_holders")? == 0, "`{}`", rotate.line);
    observer.close()
}

/// ROTATE while another handle holds: it waits, acquisitions fail meanwhile, and it completes
/// once the hold is released.
fn rotation_waits_for_a_hold_then_completes(rig: &Rig) -> Result<()> {
    let generation = generation(rig)?;
    let mut holder = rig.session()?;
    ok(&mut holder, "acquire 1")?;
    let mut rotator = rig.session()?;
    rotator.send_only("rotate")?;
    ensure!(rotator.answer_within(Duration::from_secs(1))?.is_none(), "ROTATE returned while the hold was kept");
    let mut observer = rig.session()?;
    let query = ok(&mut observer, "query")?;
    ensure!(query.get("state") == "running_down", "state during the wait: `{}`", query.line);
    fails(&mut observer, "acquire 1", "STATUS_DELETE_PENDING")?;
    fails(&mut observer, "read", "STATUS_DELETE_PENDING")?;
    fails(&mut observer, "rotate", "STATUS_DEVICE_BUSY")?;
    ok(&mut holder, "release 1")?;
    let rotated = rotator.answer_within(STEP)?.context("ROTATE did not complete after the release")?;
    ensure!(rotated.ok, "`{}`", rotated.line);
    ensure!(rotated.num("waited_for_holders")? == 1, "`{}`", rotated.line);
    ensure!(rotated.num("new_generation")? == generation + 1, "`{}`", rotated.line);
    serving(&mut observer, generation + 1, 0)?;
    for session in [holder, rotator, observer] {
        session.close()?;
    }
    Ok(())
}

/// The same through rundownctl's own commands, as a user types them.
fn rundownctl_hold_and_rotate_from_two_processes(rig: &Rig) -> Result<()> {
    let mut holder = rig.spawn(&["hold", "--seconds", "2"])?;
    holder.read_line(STEP)?.context("`hold` printed nothing")?;
    let started = Instant::now();
    let rotated = rig.ctl(&["rotate"])?.ensure_success()?;
    let waited = started.elapsed();
    holder.wait(STEP)?.ensure_success()?;
    ensure!(rotated.stdout.contains("holders waited for  1"), "rotate printed:\n{}", rotated.stdout);
    ensure!(waited >= Duration::from_secs(1), "the rotation returned after {waited:?}, before the hold ended");
    Ok(())
}

/// `sc stop` while a handle holds: DriverUnload refuses new protection and waits; once the
/// holder's process ends, it frees everything and reports zero pool in use.
fn unload_while_held_waits_then_frees_everything(rig: &Rig) -> Result<()> {
    let mut holder = rig.session()?;
    ok(&mut holder, "acquire 1")?;
    let log_before = rig.host().driver_log()?.len();
    let mut stop = rig.spawn(&["stop"])?;
    rig.host().wait_for_log("rundown: unloading", STEP)?;
    std::thread::sleep(Duration::from_millis(500));
    ensure!(stop.is_running(), "the unload finished while a handle held protection");
    fails(&mut holder, "acquire 1", "STATUS_DELETE_PENDING").context("ACQUIRE during the unload")?;
    holder.kill();
    stop.wait(STEP)?.ensure_success()?;
    let log = rig.host().driver_log()?;
    let new = &log[log_before.min(log.len())..];
    ensure!(
        new.iter().any(|line| line.contains("after waiting for 1 holders")),
        "the unload did not wait for the holder:\n{}",
        new.join("\n")
    );
    ensure!(
        new.iter().any(|line| line.contains("pool in use 0 bytes in 0 blocks")),
        "the unload did not free everything:\n{}",
        new.join("\n")
    );
    Ok(())
}
