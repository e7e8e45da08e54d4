//! The device commands, on any [`Transport`]: what each sends and what it answers
//! ([`Reply`]). The CLI prints the answer; the test tool's session protocol runs the same
//! commands and prints the same JSON.

use std::io::Write;
use std::time::{Duration, Instant};

use rundown_abi::Ioctl;
use rundown_abi::peer::PeerIoctl;
use rundown_client::{Device, Error, Transport};

use crate::cli::{DeviceCommand, PlainQuery, own_subcommand};
use crate::fields::Fields;
use crate::output::{
    Held, Holds, PeerCounts, PeerStarted, PlainReply, Query, Raw, Read, Reply, Rotated, Version, Written,
};

/// How often `hold` looks for Ctrl-C.
const HOLD_POLL: Duration = Duration::from_millis(20);

/// What a long command (`hold`) may tell people while it runs, and how it learns to stop early.
pub struct Console<'a> {
    /// Where `hold` says what it holds before it waits; `None` for machine-readable output.
    pub progress: Option<&'a mut dyn Write>,
    /// True once the user asked to stop (Ctrl-C); `hold` then releases early.
    pub interrupted: &'a dyn Fn() -> bool,
}

impl Console<'_> {
    /// No progress lines, never interrupted: what a session and a test run with.
    #[must_use]
    pub fn quiet() -> Console<'static> {
        Console { progress: None, interrupted: &|| false }
    }
}

/// The subcommand (with example arguments) that sends each request of the shared device's
/// table: its own ([`own_subcommand`]), else for a request without input its
/// [`PlainQuery`]; `None` for one user mode may not send (GET_INTERFACE). The tests run each of
/// these on the driver's request handling and check that it sends exactly that code, and that
/// only GET_INTERFACE has none.
#[must_use]
pub fn subcommand(ioctl: Ioctl) -> Option<Vec<&'static str>> {
    own_subcommand(ioctl).map(<[_]>::to_vec).or_else(|| PlainQuery::new(ioctl).map(|query| vec![query.word()]))
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

/// Runs `command` on `device` and returns what it answered.
///
/// # Errors
///
/// A request failed (its [`Error`] keeps the status); `hold`'s ACQUIRE or RELEASE included.
pub fn execute<T: Transport + ?Sized>(
    device: &mut Device<T>,
    command: &DeviceCommand,
    console: &mut Console<'_>,
) -> Result<Reply, Error> {
    Ok(match command {
        DeviceCommand::Query => Reply::Query(Query::from(&device.query()?)),
        DeviceCommand::Read => Reply::Read(Read::from(&device.read()?)),
        DeviceCommand::Write(args) => {
            let data = args.payload();
            let reply = device.write(&data)?;
            Reply::Write(Written { len: data.len(), version: reply.version })
        }
        DeviceCommand::Rotate => {
            let started = Instant::now();
            let reply = device.rotate()?;
            Reply::Rotate(Rotated::new(&reply, started.elapsed()))
        }
        DeviceCommand::Stats => Reply::Stats(Fields::of(&device.stats()?)),
        DeviceCommand::Version => Reply::Version(Version::from(&device.version()?)),
        DeviceCommand::Acquire(count) => {
            let reply = device.acquire(count.count)?;
            Reply::Acquire(Holds { count: count.count, handle_holds: reply.handle_holds })
        }
        DeviceCommand::Release(count) => {
            let reply = device.release(count.count)?;
            Reply::Release(Holds { count: count.count, handle_holds: reply.handle_holds })
        }
        DeviceCommand::Hold { count, seconds } => Reply::Hold(hold(device, *count, *seconds, console)?),
        DeviceCommand::Raw { code, input_hex, output_len } => {
            let done = device.control(*code, &input_hex.0, *output_len as usize)?;
            Reply::Raw(Raw::new(*code, &input_hex.0, done))
        }
        DeviceCommand::PeerStart(args) => {
            let request = args.request();
            device.peer_start(request)?;
            Reply::PeerStart(PeerStarted::from(&request))
        }
        DeviceCommand::PeerStop => Reply::PeerStop(PeerCounts::from(&device.peer_stop()?)),
        DeviceCommand::PeerStats => Reply::PeerStats(PeerCounts::from(&device.peer_stats()?)),
        DeviceCommand::Plain(query) => Reply::Plain(plain(device, *query)?),
    })
}

/// A [`PlainQuery`]: its request, and its reply's fields read by the reply's layout.
fn plain<T: Transport + ?Sized>(device: &mut Device<T>, query: PlainQuery) -> Result<PlainReply, Error> {
    let ioctl = query.ioctl();
    let layout = ioctl.output_layout().expect("a plain query has a reply");
    let bytes = device.returned(ioctl.code(), &[], layout.size)?;
    if bytes.len() != layout.size {
        let detail = format!("{} bytes, not {}'s {}", bytes.len(), layout.rust, layout.size);
        return Err(Error::BadReply { information: bytes.len(), detail });
    }
    Ok(PlainReply { query, fields: Fields::decode(layout, &bytes) })
}

/// `hold`: acquire, wait `duration` or until interrupted, release.
fn hold<T: Transport + ?Sized>(
    device: &mut Device<T>,
    count: u32,
    duration: Duration,
    console: &mut Console<'_>,
) -> Result<Held, Error> {
    let reply = device.acquire(count)?;
    if let Some(out) = console.progress.as_mut() {
        // Progress for people: a closed output does not stop the hold.
        let _ = writeln!(
            out,
            "rundownctl: holding {count} (this handle holds {}) for {}; Ctrl-C releases early",
            reply.handle_holds,
            crate::output::seconds(duration)
        );
        let _ = out.flush();
    }
    let started = Instant::now();
    let mut interrupted = false;
    while let Some(left) = duration.checked_sub(started.elapsed()).filter(|left| !left.is_zero()) {
        if (console.interrupted)() {
            interrupted = true;
            break;
        }
        std::thread::sleep(left.min(HOLD_POLL));
    }
    let held_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let reply = device.release(count)?;
    Ok(Held { count, held_ms, interrupted, handle_holds: reply.handle_holds })
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;
    use rundown_abi::NtStatus;
    use rundown_client::{Completion, FakePeer, LocalDriver, Scripted};

    use super::*;
    use crate::cli::{Cli, Command};

    fn command(args: &[&str]) -> DeviceCommand {
        match Cli::try_parse_from(std::iter::once("rundownctl").chain(args.iter().copied())).unwrap().command {
            Command::Device(command) => command,
            other => panic!("not a device command: {other:?}"),
        }
    }

    fn run_on<T: Transport>(device: &mut Device<T>, args: &[&str]) -> Result<Reply, Error> {
        execute(device, &command(args), &mut Console::quiet())
    }

    fn driver() -> Device<Scripted<rundown_client::ServiceTransport>> {
        Device::new(Scripted::new(LocalDriver::new().open()))
    }

    #[test]
    fn query_prints_a_table() {
        let out = run_on(&mut driver(), &["query"]).unwrap().render();
        assert!(out.starts_with("generation           1\n"), "{out}");
        assert!(out.contains("state                active\n"), "{out}");
    }

    #[test]
    fn version_names_the_hosts_build() {
        let reply = run_on(&mut driver(), &["version"]).unwrap();
        assert_eq!(reply.render(), "abi version  1\nflavour      portable\nprotection   plain\nmax payload  256\n");
        assert!(matches!(reply, Reply::Version(version) if version.is_ours()));
    }

    #[test]
    fn version_of_another_contract() {
        let mut dev = driver();
        let reply = rundown_abi::VersionReply {
            abi_version: 2,
            ..rundown_abi::VersionReply::new(rundown_abi::DriverFlavour::Ntoskrnl, rundown_abi::ProtectionKind::Plain)
        };
        dev.transport_mut().answer_next(Completion::succeeded(&reply.to_bytes(), 16));
        let Reply::Version(version) = run_on(&mut dev, &["version"]).unwrap() else { panic!("not version") };
        assert!(!version.is_ours());
        assert!(
            Reply::Version(version)
                .render()
                .starts_with("abi version  2 (rundownctl speaks 1)\nflavour      ntoskrnl\n")
        );
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
            let mut dev = driver();
            let _ = run_on(&mut dev, &args);
            let calls = &dev.transport().calls;
            assert_eq!(calls.first().map(|call| call.0), Some(ioctl.code()), "`rundownctl {}`", args.join(" "));
            assert_eq!(calls.len(), 1, "`rundownctl {}` sends one request", args.join(" "));
        }
        for ioctl in PeerIoctl::ALL {
            let args = peer_subcommand(ioctl);
            let mut peer = Device::new(Scripted::new(FakePeer::new()));
            let _ = run_on(&mut peer, args);
            let calls = &peer.transport().calls;
            assert_eq!(calls.first().map(|call| call.0), Some(ioctl.code()), "`rundownctl {}`", args.join(" "));
        }
    }

    /// A plain query reads its reply by the reply's layout: the same fields as the typed reply,
    /// and as JSON its word as the command and the fields after it.
    #[test]
    fn a_plain_query_reads_its_reply_by_the_layout() {
        let mut dev = driver();
        let reply = plain(&mut dev, PlainQuery::any(Ioctl::Version)).unwrap();
        assert_eq!(reply.fields, Fields::of(&dev.version().unwrap()));
        assert_eq!(
            Reply::Plain(reply).to_json(),
            r#"{"ok":true,"command":"version","abi_version":1,"flavour":"portable","protection":"plain","max_payload":256}"#
        );
        dev.transport_mut().answer_next(Completion::succeeded(&[0; 8], 8));
        let short = plain(&mut dev, PlainQuery::any(Ioctl::Version)).unwrap_err();
        assert!(matches!(short, Error::BadReply { information: 8, .. }), "{short:?}");
    }

    #[test]
    fn write_then_read() {
        let mut dev = driver();
        let out = run_on(&mut dev, &["write", "hello"]).unwrap().render();
        assert_eq!(out, "rundownctl: wrote 5 bytes; version is now 1\n");
        let out = run_on(&mut dev, &["read"]).unwrap().render();
        assert!(out.ends_with("payload     \"hello\"\n"), "{out}");
    }

    #[test]
    fn failures_keep_the_status() {
        let err = run_on(&mut driver(), &["release"]).unwrap_err();
        assert_eq!(err.status(), Some(NtStatus::NOT_FOUND));
        assert_eq!(err.to_string(), "STATUS_NOT_FOUND (0xC0000225)");
    }

    #[test]
    fn acquire_notes_the_process_lifetime() {
        let out = run_on(&mut driver(), &["acquire", "--count", "2"]).unwrap().render();
        assert_eq!(out, "rundownctl: acquired 2; this handle holds 2 (holds end when this process exits)\n");
    }

    #[test]
    fn hold_releases_when_time_is_up() {
        let mut dev = driver();
        let mut progress = Vec::new();
        let started = Instant::now();
        let mut console = Console { progress: Some(&mut progress), interrupted: &|| false };
        let reply = execute(&mut dev, &command(&["hold", "--count", "2", "--seconds", "0.05"]), &mut console).unwrap();
        assert!(started.elapsed() >= Duration::from_millis(50));
        assert_eq!(
            String::from_utf8(progress).unwrap(),
            "rundownctl: holding 2 (this handle holds 2) for 0.050 s; Ctrl-C releases early\n"
        );
        let out = reply.render();
        assert!(out.starts_with("rundownctl: released 2 after "), "{out}");
        assert!(out.ends_with("(time is up); this handle holds 0\n"), "{out}");
    }

    #[test]
    fn hold_releases_when_interrupted() {
        let mut dev = driver();
        let mut console = Console { progress: None, interrupted: &|| true };
        let started = Instant::now();
        let reply = execute(&mut dev, &command(&["hold", "--seconds", "60"]), &mut console).unwrap();
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(reply.render().contains("(interrupted); this handle holds 0"));
        assert!(reply.to_json().contains(r#""interrupted":true"#));
    }

    #[test]
    fn raw_answers_failure_statuses_too() {
        let reply = run_on(&mut driver(), &["raw", "--code", "83526000", "--output-len", "31"]).unwrap();
        assert!(!reply.ok());
        let out = reply.render();
        assert!(
            out.lines().any(|l| l.starts_with("status ") && l.ends_with(" STATUS_BUFFER_TOO_SMALL (0xC0000023)")),
            "{out}"
        );
        let reply = run_on(&mut driver(), &["raw", "--code", "83526018", "--output-len", "56"]).unwrap();
        assert!(reply.ok());
        assert!(reply.render().lines().any(|l| l.starts_with("information ") && l.ends_with(" 56")));
    }

    #[test]
    fn peer_commands() {
        let mut peer = Device::new(FakePeer::new());
        let out = run_on(&mut peer, &["peer-start", "--hold-us", "10"]).unwrap().render();
        assert_eq!(out, "rundownctl: the peer's worker runs: each iteration holds 10 us, then pauses 0 us\n");
        let err = run_on(&mut peer, &["peer-start"]).unwrap_err();
        assert_eq!(err.to_string(), "STATUS_INVALID_DEVICE_STATE (0xC0000184)");
        peer.transport_mut().stats.operations = 42;
        let out = run_on(&mut peer, &["peer-stats"]).unwrap().render();
        assert!(out.starts_with("operations        42\n") && out.ends_with("running           yes\n"), "{out}");
        let out = run_on(&mut peer, &["peer-stop"]).unwrap().render();
        assert!(out.ends_with("running           no\n"), "{out}");
        assert!(run_on(&mut peer, &["peer-stop"]).is_err());
        let out = run_on(&mut peer, &["peer-start", "--dispatch", "--pause-us", "2500"]).unwrap().render();
        assert_eq!(
            out,
            "rundownctl: the peer's worker runs: one iteration in a timer DPC (DISPATCH_LEVEL) every 3 ms\n"
        );
    }
}
