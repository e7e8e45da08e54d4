//! The device subcommands, on any [`Transport`]: what each sends and prints.

use std::io::{BufRead, Write};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use rundown_abi::peer::PeerIoctl;
use rundown_abi::{ABI_VERSION, Ioctl, requests};

use crate::cli::Command;
use crate::transport::Transport;
use crate::{format, ops, session, status, stress};

/// How often `hold` looks for Ctrl-C.
const HOLD_POLL: Duration = Duration::from_millis(20);

/// Where a device subcommand reads and writes.
pub struct Console<'a> {
    /// Standard input (`session` reads its commands here).
    pub input: &'a mut dyn BufRead,
    /// Standard output.
    pub out: &'a mut dyn Write,
    /// True once the user asked to stop (Ctrl-C); `hold` then releases early.
    pub interrupted: &'a dyn Fn() -> bool,
}

/// The subcommand (with example arguments) that sends each request of the shared device's
/// table, or `None` for one user mode may not send (GET_INTERFACE). There is no wildcard arm: a
/// request added to rundown-abi's table does not compile until the CLI says how to send it, and
/// the tests run each of these on the fake driver and check that it sends exactly that code.
#[must_use]
pub const fn subcommand(ioctl: Ioctl) -> Option<&'static [&'static str]> {
    match ioctl {
        Ioctl::Query => Some(&["query"]),
        Ioctl::Acquire => Some(&["acquire"]),
        Ioctl::Release => Some(&["release"]),
        Ioctl::Read => Some(&["read"]),
        Ioctl::Write => Some(&["write", "x"]),
        Ioctl::Rotate => Some(&["rotate"]),
        Ioctl::Stats => Some(&["stats"]),
        Ioctl::Version => Some(&["version"]),
        Ioctl::GetInterface => None,
    }
}

/// The subcommand that sends each request of the peer's table (see [`subcommand`]).
#[must_use]
pub const fn peer_subcommand(ioctl: PeerIoctl) -> &'static [&'static str] {
    match ioctl {
        PeerIoctl::Start => &["peer-start"],
        PeerIoctl::Stop => &["peer-stop"],
        PeerIoctl::Stats => &["peer-stats"],
    }
}

/// Runs a device subcommand on `device`. Returns `false` for the service subcommands, which
/// are not device subcommands, and for `stress`, `churn`, `open-many` and `cycles`, which open
/// devices of their own.
///
/// # Errors
///
/// The request failed (`<what> failed: <status>`), output could not be written, or a
/// `stress-client` found something wrong (after its result line).
pub fn run(device: &mut dyn Transport, command: &Command, console: &mut Console<'_>) -> Result<bool> {
    let out = &mut *console.out;
    match command {
        Command::Install { .. }
        | Command::Start(_)
        | Command::Stop(_)
        | Command::Uninstall(_)
        | Command::Stress(_)
        | Command::Churn(_)
        | Command::OpenMany(_)
        | Command::Cycles(_) => {
            return Ok(false);
        }
        Command::Query => write!(out, "{}", format::query(&ops::query(device).context("query failed")?))?,
        Command::Read => write!(out, "{}", format::read(&ops::read(device).context("read failed")?))?,
        Command::Write(args) => {
            let data = args.payload();
            let reply = ops::write(device, &data).context("write failed")?;
            writeln!(out, "rundownctl: wrote {} bytes; version is now {}", data.len(), reply.version)?;
        }
        Command::Rotate => {
            let started = Instant::now();
            let reply = ops::rotate(device).context("rotate failed")?;
            write!(out, "{}", format::rotate(&reply, started.elapsed()))?;
        }
        Command::Stats => write!(out, "{}", format::stats(&ops::stats(device).context("stats failed")?))?,
        Command::Version => {
            let reply = ops::call::<requests::Version>(device, &()).context("version failed")?;
            write!(out, "{}", format::version(&reply))?;
            if reply.abi_version != ABI_VERSION {
                out.flush()?;
                bail!("the driver's contract is version {}; rundownctl speaks {ABI_VERSION}", reply.abi_version);
            }
        }
        Command::Acquire(count) => {
            let reply = ops::acquire(device, count.count).context("acquire failed")?;
            writeln!(
                out,
                "rundownctl: acquired {}; this handle holds {} (holds end when this process exits)",
                count.count, reply.handle_holds
            )?;
        }
        Command::Release(count) => {
            let reply = ops::release(device, count.count).context("release failed")?;
            writeln!(out, "rundownctl: released {}; this handle holds {}", count.count, reply.handle_holds)?;
        }
        Command::Hold { count, seconds } => hold(device, *count, *seconds, console)?,
        Command::Session => session::run(device, console.input, out).context("session input/output failed")?,
        Command::Raw { code, input_hex, output_len } => {
            let done = device.control(*code, &input_hex.0, *output_len as usize).context("raw request failed")?;
            write!(out, "{}", format::raw(*code, &input_hex.0, &done))?;
            if !done.status.is_success() {
                bail!("raw request failed: {}", status::describe(done.status));
            }
        }
        Command::PeerStart(args) => {
            let request = args.request();
            ops::peer_start(device, request).context("peer-start failed")?;
            if args.dispatch {
                writeln!(
                    out,
                    "rundownctl: the peer's worker runs: one iteration in a timer DPC (DISPATCH_LEVEL) every {} ms",
                    request.period_ms()
                )?;
            } else {
                writeln!(
                    out,
                    "rundownctl: the peer's worker runs: each iteration holds {} us, then pauses {} us",
                    args.hold_us, args.pause_us
                )?;
            }
        }
        Command::PeerStop => {
            write!(out, "{}", format::peer_stats(&ops::peer_stop(device).context("peer-stop failed")?))?;
        }
        Command::PeerStats => {
            write!(out, "{}", format::peer_stats(&ops::peer_stats(device).context("peer-stats failed")?))?;
        }
        Command::StressClient { seconds, id } => {
            let client = stress::client::run(device, *id, *seconds);
            writeln!(out, "{}", client.line())?;
            if !client.counts.passed() {
                out.flush()?;
                bail!("client {id} failed: {}", client.tally);
            }
        }
    }
    Ok(true)
}

/// `hold`: acquire, wait `duration` or until interrupted, release.
fn hold(device: &mut dyn Transport, count: u32, duration: Duration, console: &mut Console<'_>) -> Result<()> {
    let out = &mut *console.out;
    let reply = ops::acquire(device, count).context("acquire failed")?;
    writeln!(
        out,
        "rundownctl: holding {count} (this handle holds {}) for {}; Ctrl-C releases early",
        reply.handle_holds,
        format::seconds(duration)
    )?;
    out.flush()?;
    let started = Instant::now();
    let mut interrupted = false;
    while let Some(left) = duration.checked_sub(started.elapsed()).filter(|left| !left.is_zero()) {
        if (console.interrupted)() {
            interrupted = true;
            break;
        }
        std::thread::sleep(left.min(HOLD_POLL));
    }
    let held = started.elapsed();
    let reply = ops::release(device, count).context("release failed")?;
    let why = if interrupted { "interrupted" } else { "time is up" };
    writeln!(
        out,
        "rundownctl: released {count} after {} ({why}); this handle holds {}",
        format::seconds(held),
        reply.handle_holds
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use rundown_abi::{NtStatus, VersionReply};

    use super::*;
    use crate::cli::Cli;
    use crate::fake::{FakeDriver, FakePeer};
    use crate::transport::Transport;

    fn run_on(dev: &mut dyn Transport, args: &[&str], stdin: &str) -> (Result<bool>, String) {
        let cli = Cli::try_parse_from(std::iter::once("rundownctl").chain(args.iter().copied())).unwrap();
        let mut out = Vec::new();
        let mut input = stdin.as_bytes();
        let never = || false;
        let mut console = Console { input: &mut input, out: &mut out, interrupted: &never };
        let result = run(dev, &cli.command, &mut console);
        (result, String::from_utf8(out).unwrap())
    }

    #[test]
    fn query_prints_a_table() {
        let (result, out) = run_on(&mut FakeDriver::new(), &["query"], "");
        assert!(result.unwrap());
        assert!(out.starts_with("generation           1\n"), "{out}");
        assert!(out.contains("state                active\n"), "{out}");
    }

    #[test]
    fn version_prints_a_table() {
        let (result, out) = run_on(&mut FakeDriver::new(), &["version"], "");
        assert!(result.unwrap());
        assert_eq!(out, "abi version  1\nflavour      portable\nprotection   plain\nmax payload  256\n");
    }

    #[test]
    fn version_fails_on_another_contract() {
        let mut dev = FakeDriver::new();
        let reply = VersionReply {
            abi_version: 2,
            ..VersionReply::new(rundown_abi::DriverFlavour::Ntoskrnl, rundown_abi::ProtectionKind::Plain)
        };
        let output = reply.to_bytes().to_vec();
        dev.next = Some(crate::transport::Completion { status: NtStatus::SUCCESS, information: 16, output });
        let (result, out) = run_on(&mut dev, &["version"], "");
        assert_eq!(format!("{:#}", result.unwrap_err()), "the driver's contract is version 2; rundownctl speaks 1");
        assert!(out.starts_with("abi version  2 (rundownctl speaks 1)\nflavour      ntoskrnl\n"), "{out}");
    }

    /// Every request of both tables that user mode may send has a subcommand that sends exactly
    /// its code (and GET_INTERFACE none).
    #[test]
    fn every_request_has_its_subcommand() {
        for ioctl in Ioctl::ALL {
            let Some(args) = subcommand(ioctl) else {
                assert_eq!(ioctl, Ioctl::GetInterface, "only GET_INTERFACE has no subcommand");
                continue;
            };
            let mut dev = FakeDriver::new();
            let _ = run_on(&mut dev, args, "");
            assert_eq!(dev.calls.first().map(|call| call.0), Some(ioctl.code()), "`rundownctl {}`", args.join(" "));
            assert_eq!(dev.calls.len(), 1, "`rundownctl {}` sends one request", args.join(" "));
        }
        for ioctl in PeerIoctl::ALL {
            let args = peer_subcommand(ioctl);
            let mut peer = FakePeer::new();
            let _ = run_on(&mut peer, args, "");
            assert_eq!(peer.calls.first().map(|call| call.0), Some(ioctl.code()), "`rundownctl {}`", args.join(" "));
        }
    }

    #[test]
    fn service_commands_are_not_device_commands() {
        let (result, out) = run_on(&mut FakeDriver::new(), &["start"], "");
        assert!(!result.unwrap());
        assert!(out.is_empty());
    }

    #[test]
    fn write_then_read() {
        let mut dev = FakeDriver::new();
        let (_, out) = run_on(&mut dev, &["write", "hello"], "");
        assert_eq!(out, "rundownctl: wrote 5 bytes; version is now 1\n");
        let (_, out) = run_on(&mut dev, &["read"], "");
        assert!(out.ends_with("payload     \"hello\"\n"), "{out}");
    }

    #[test]
    fn failures_name_the_request_and_status() {
        let (result, _) = run_on(&mut FakeDriver::new(), &["release"], "");
        assert_eq!(format!("{:#}", result.unwrap_err()), "release failed: STATUS_NOT_FOUND (0xC0000225)");
    }

    #[test]
    fn acquire_notes_the_process_lifetime() {
        let (_, out) = run_on(&mut FakeDriver::new(), &["acquire", "--count", "2"], "");
        assert_eq!(out, "rundownctl: acquired 2; this handle holds 2 (holds end when this process exits)\n");
    }

    #[test]
    fn hold_releases_when_time_is_up() {
        let mut dev = FakeDriver::new();
        let started = Instant::now();
        let (result, out) = run_on(&mut dev, &["hold", "--count", "2", "--seconds", "0.05"], "");
        result.unwrap();
        assert!(started.elapsed() >= Duration::from_millis(50));
        let lines: Vec<_> = out.lines().collect();
        assert_eq!(lines[0], "rundownctl: holding 2 (this handle holds 2) for 0.050 s; Ctrl-C releases early");
        assert!(lines[1].starts_with("rundownctl: released 2 after "), "{out}");
        assert!(lines[1].ends_with("(time is up); this handle holds 0"), "{out}");
    }

    #[test]
    fn hold_releases_when_interrupted() {
        let cli = Cli::try_parse_from(["rundownctl", "hold", "--seconds", "60"]).unwrap();
        let mut dev = FakeDriver::new();
        let mut out = Vec::new();
        let yes = || true;
        let mut console = Console { input: &mut &b""[..], out: &mut out, interrupted: &yes };
        let started = Instant::now();
        run(&mut dev, &cli.command, &mut console).unwrap();
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(String::from_utf8(out).unwrap().contains("(interrupted); this handle holds 0"));
    }

    #[test]
    fn raw_prints_and_fails_on_a_failure_status() {
        let (result, out) = run_on(&mut FakeDriver::new(), &["raw", "--code", "83526000", "--output-len", "31"], "");
        assert_eq!(format!("{:#}", result.unwrap_err()), "raw request failed: STATUS_BUFFER_TOO_SMALL (0xC0000023)");
        assert!(
            out.lines().any(|l| l.starts_with("status ") && l.ends_with(" STATUS_BUFFER_TOO_SMALL (0xC0000023)")),
            "{out}"
        );
        let (result, out) = run_on(&mut FakeDriver::new(), &["raw", "--code", "83526018", "--output-len", "56"], "");
        assert!(result.unwrap());
        assert!(out.lines().any(|l| l.starts_with("information ") && l.ends_with(" 56")), "{out}");
    }

    #[test]
    fn peer_commands() {
        let mut peer = FakePeer::new();
        let (result, out) = run_on(&mut peer, &["peer-start", "--hold-us", "10"], "");
        assert!(result.unwrap());
        assert_eq!(out, "rundownctl: the peer's worker runs: each iteration holds 10 us, then pauses 0 us\n");
        let (result, _) = run_on(&mut peer, &["peer-start"], "");
        assert_eq!(format!("{:#}", result.unwrap_err()), "peer-start failed: STATUS_INVALID_DEVICE_STATE (0xC0000184)");
        peer.stats.operations = 42;
        let (_, out) = run_on(&mut peer, &["peer-stats"], "");
        assert!(out.starts_with("operations        42\n") && out.ends_with("running           yes\n"), "{out}");
        let (_, out) = run_on(&mut peer, &["peer-stop"], "");
        assert!(out.ends_with("running           no\n"), "{out}");
        let (result, _) = run_on(&mut peer, &["peer-stop"], "");
        assert_eq!(format!("{:#}", result.unwrap_err()), "peer-stop failed: STATUS_INVALID_DEVICE_STATE (0xC0000184)");
    }

    #[test]
    fn stress_client_prints_one_line() {
        let mut dev = FakeDriver::new();
        let (result, out) = run_on(&mut dev, &["stress-client", "--seconds", "0.02", "--id", "3"], "");
        assert!(result.unwrap());
        assert_eq!(out.lines().count(), 1);
        assert!(out.starts_with("client 3: ops=") && out.ends_with(" refused=0 torn=0 lost=0 faults=0\n"), "{out}");
        dev.fail(Ioctl::Read.code(), NtStatus::DELETE_PENDING);
        let (result, out) = run_on(&mut dev, &["stress-client", "--seconds", "0.02", "--id", "3"], "");
        assert_eq!(
            format!("{:#}", result.unwrap_err()),
            "client 3 failed: read: STATUS_DELETE_PENDING (0xC0000056) x1 (first at iteration 0)"
        );
        assert!(out.ends_with(" refused=0 torn=0 lost=0 faults=1\n"), "{out}");
        let (result, out) = run_on(&mut dev, &["stress", "--seconds", "1"], "");
        assert!(!result.unwrap());
        assert!(out.is_empty());
    }

    #[test]
    fn session_reads_the_console() {
        let (result, out) = run_on(&mut FakeDriver::new(), &["session"], "acquire\nquery\n");
        assert!(result.unwrap());
        assert_eq!(out.lines().count(), 2);
        assert!(out.starts_with("ok acquire count=1 handle_holds=1\n"));
    }
}
