//! The portable driver loaded in Wine and driven through sessions (rundownctl's device commands
//! on one handle, `rundown-stress session`): each IOCTL, malformed requests, access checks, the
//! cleanup of a killed process's holds, rotation while held, and unload while held.
//!
//! Each test loads the driver in a Wine host of its own and, at the end, checks that the driver
//! never crashed and unloads to zero pool. Needs `cargo xtask build`'s images and Wine 8:
//! `cargo xtask test --only wine` provides both and runs these.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use rundown_abi::{FILE_DEVICE_RUNDOWN, Ioctl};
use rundown_wine_tests::{Rig, STEP, Session, in_wine};

#[test]
fn each_ioctl_answers_its_reply() {
    in_wine("each_ioctl", each_ioctl_answers_its_reply_in);
}

#[test]
fn malformed_requests_get_precise_statuses() {
    in_wine("malformed", malformed_requests_get_precise_statuses_in);
}

#[test]
fn a_read_only_handle_cannot_write_or_rotate() {
    in_wine("read_only", a_read_only_handle_cannot_write_or_rotate_in);
}

#[test]
fn a_killed_process_releases_its_holds_at_cleanup() {
    in_wine("killed_holder", a_killed_process_releases_its_holds_at_cleanup_in);
}

#[test]
fn rotation_waits_for_a_hold_then_completes() {
    in_wine("rotation_while_held", rotation_waits_for_a_hold_then_completes_in);
}

#[test]
fn rundownctl_hold_and_rotate_from_two_processes() {
    in_wine("hold_and_rotate", rundownctl_hold_and_rotate_from_two_processes_in);
}

#[test]
fn unload_while_an_open_handle_holds_waits_for_its_release() {
    in_wine("unload_while_handle_open", unload_while_an_open_handle_holds_waits_for_its_release_in);
}

#[test]
fn unload_while_held_waits_then_frees_everything() {
    in_wine("unload_while_held", unload_while_held_waits_then_frees_everything_in);
}

/// The driver still serves: QUERY answers, with the generation and holders expected.
fn serving(session: &mut Session, generation: u64, holders: u64) -> Result<()> {
    let query = session.ok("query")?;
    ensure!(query.num("generation")? == generation, "generation: `{}`", query.line);
    ensure!(query.num("holders")? == holders, "holders: `{}`", query.line);
    Ok(())
}

/// Waits until QUERY reports the object running down: DriverUnload logs its first line before
/// the owner thread begins the run-down, so the log alone does not say it has begun.
fn until_running_down(session: &mut Session) -> Result<()> {
    let deadline = Instant::now() + STEP;
    loop {
        let query = session.ok("query")?;
        if query.get("state") == "running_down" {
            return Ok(());
        }
        ensure!(Instant::now() < deadline, "the object never ran down: `{}`", query.line);
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn generation(rig: &Rig) -> Result<u64> {
    let mut session = rig.session()?;
    let generation = session.ok("query")?.num("generation")?;
    session.close()?;
    Ok(generation)
}

fn each_ioctl_answers_its_reply_in(rig: &Rig) -> Result<()> {
    let mut session = rig.session()?;
    let query = session.ok("query")?;
    ensure!(query.get("state") == "active", "state: `{}`", query.line);
    let generation = query.num("generation")?;
    let write = session.ok("write \"wine test payload\"")?;
    ensure!(write.num("len")? == 17, "`{}`", write.line);
    let read = session.ok("read")?;
    ensure!(read.get("hex") == hex(b"wine test payload"), "read back `{}`", read.line);
    ensure!(read.num("version")? == write.num("version")?, "versions differ: `{}`", read.line);
    ensure!(session.ok("acquire --count 2")?.num("handle_holds")? == 2, "acquire --count 2");
    let query = session.ok("query")?;
    ensure!(query.num("holders")? == 2 && query.num("handle_holds")? == 2, "`{}`", query.line);
    ensure!(session.ok("release --count 1")?.num("handle_holds")? == 1, "release --count 1");
    ensure!(session.ok("release --count 1")?.num("handle_holds")? == 0, "release 1 again");
    let stats = session.ok("stats")?;
    ensure!(stats.num("holders")? == 0 && stats.num("acquisitions")? >= 2, "`{}`", stats.line);
    ensure!(stats.num("pool_blocks")? > 0, "the object lives in pool: `{}`", stats.line);
    let rotate = session.ok("rotate")?;
    ensure!(rotate.num("new_generation")? == generation + 1, "`{}`", rotate.line);
    ensure!(session.ok("read")?.get("hex") == hex(b"wine test payload"), "the payload carries over");
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
fn malformed_requests_get_precise_statuses_in(rig: &Rig) -> Result<()> {
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
        session
            .fails(&format!("raw --code {code} --input-hex {input} --output-len {output_len}"), status)
            .with_context(|| name.to_owned())?;
        serving(&mut session, generation, 0).with_context(|| format!("QUERY after {name}"))?;
    }
    session.ok("acquire --count 1")?;
    session.ok("release --count 1")?;
    session.fails("release --count 1", "STATUS_NOT_FOUND").context("RELEASE twice")?;
    session.ok("acquire --count 1")?;
    session.fails("rotate", "STATUS_INVALID_DEVICE_STATE").context("ROTATE while holding")?;
    session.ok("release --count 1")?;
    session.close()
}

/// The I/O manager checks the access bits of WRITE and ROTATE against the handle.
fn a_read_only_handle_cannot_write_or_rotate_in(rig: &Rig) -> Result<()> {
    let generation = generation(rig)?;
    let mut session = rig.session_with(&["--read-only"])?;
    session.fails("write denied", "STATUS_ACCESS_DENIED")?;
    session.fails("rotate", "STATUS_ACCESS_DENIED")?;
    session.ok("read")?;
    serving(&mut session, generation, 0)?;
    session.close()
}

/// A process that dies while holding (killed, as TerminateProcess does) releases its holds in
/// IRP_MJ_CLEANUP, and the next rotation does not wait.
fn a_killed_process_releases_its_holds_at_cleanup_in(rig: &Rig) -> Result<()> {
    let generation = generation(rig)?;
    let mut holder = rig.session()?;
    holder.ok("acquire --count 3")?;
    let mut observer = rig.session()?;
    serving(&mut observer, generation, 3)?;
    holder.kill();
    let deadline = Instant::now() + STEP;
    while observer.ok("query")?.num("holders")? != 0 {
        ensure!(Instant::now() < deadline, "the killed holder's protection was not released");
        std::thread::sleep(Duration::from_millis(50));
    }
    let rotate = observer.ok("rotate")?;
    ensure!(rotate.num("waited_for_holders")? == 0, "`{}`", rotate.line);
    observer.close()
}

/// ROTATE while another handle holds: it waits, acquisitions fail meanwhile, and it completes
/// once the hold is released.
fn rotation_waits_for_a_hold_then_completes_in(rig: &Rig) -> Result<()> {
    let generation = generation(rig)?;
    let mut holder = rig.session()?;
    holder.ok("acquire --count 1")?;
    let mut rotator = rig.session()?;
    rotator.send_only("rotate")?;
    ensure!(rotator.answer_within(Duration::from_secs(1))?.is_none(), "ROTATE returned while the hold was kept");
    let mut observer = rig.session()?;
    let query = observer.ok("query")?;
    ensure!(query.get("state") == "running_down", "state during the wait: `{}`", query.line);
    observer.fails("acquire --count 1", "STATUS_DELETE_PENDING")?;
    observer.fails("read", "STATUS_DELETE_PENDING")?;
    observer.fails("rotate", "STATUS_DEVICE_BUSY")?;
    holder.ok("release --count 1")?;
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
fn rundownctl_hold_and_rotate_from_two_processes_in(rig: &Rig) -> Result<()> {
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
fn unload_while_held_waits_then_frees_everything_in(rig: &Rig) -> Result<()> {
    let mut holder = rig.session()?;
    holder.ok("acquire --count 1")?;
    let log_before = rig.host().driver_log()?.len();
    let mut stop = rig.spawn(&["stop"])?;
    rig.host().wait_for_log("rundown: unloading", STEP)?;
    until_running_down(&mut holder)?;
    ensure!(stop.is_running(), "the unload finished while a handle held protection");
    holder.fails("acquire --count 1", "STATUS_DELETE_PENDING").context("ACQUIRE during the unload")?;
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

/// As above, but the holder releases with RELEASE and keeps its handle open: Wine finishes the
/// unload without that handle's CLOSE, and the driver frees its context itself.
fn unload_while_an_open_handle_holds_waits_for_its_release_in(rig: &Rig) -> Result<()> {
    let mut holder = rig.session()?;
    holder.ok("acquire --count 2")?;
    let mut stop = rig.spawn(&["stop"])?;
    rig.host().wait_for_log("rundown: unloading", STEP)?;
    until_running_down(&mut holder).context("QUERY during the unload")?;
    ensure!(stop.is_running(), "the unload finished while a handle held protection");
    holder.ok("release --count 2").context("RELEASE during the unload")?;
    stop.wait(STEP)?.ensure_success()?;
    let log = rig.host().driver_log()?;
    ensure!(
        log.iter().any(|line| line.contains("after waiting for 2 holders")),
        "the unload did not wait for the holder:\n{}",
        log.join("\n")
    );
    ensure!(
        log.iter().any(|line| line.starts_with("rundown: freed 1 handle contexts")),
        "the open handle's context was not freed:\n{}",
        log.join("\n")
    );
    holder.kill();
    Ok(())
}
