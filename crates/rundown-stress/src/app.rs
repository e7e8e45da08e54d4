//! The Windows program: open the devices the command needs and run it; exit 1 on failure.

use std::io::{self, Write as _};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use rundown_abi::ObjectState;
use rundown_abi::peer::PEER_WIN32_PATH;
use rundown_client::{Device, Handle, OpenOptions, win32};
use rundownctl::cli::PeerStartArgs;
use rundownctl::scm::ScmError;
use rundownctl::service_commands;

use crate::cli::{ChurnArgs, Cli, Command, CyclesArgs, OpenManyArgs, StressArgs};
use crate::stress::{self, Launcher, Settings};
use crate::{churn, session};

/// Runs `cli`: exit status 0, or 1 with `rundown-stress: <what failed>: <why>` on stderr.
#[must_use]
pub fn run(cli: &Cli) -> ExitCode {
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let _ = io::stdout().flush();
            eprintln!("rundown-stress: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(cli: &Cli) -> Result<()> {
    match &cli.command {
        Command::Stress(args) => stress_command(cli, args),
        Command::StressClient { seconds, id } => stress_client(cli, *id, *seconds),
        Command::Session => {
            let mut device = open(cli)?;
            let mut out = io::stdout().lock();
            session::run(&mut device, &mut io::stdin().lock(), &mut out).context("session input/output failed")
        }
        Command::Churn(args) => churn_command(cli, args),
        Command::OpenMany(args) => open_many(cli, args),
        Command::Cycles(args) => cycles(cli, args),
    }
}

fn options(cli: &Cli) -> OpenOptions {
    OpenOptions::new().read_only(cli.connection.read_only).overlapped(cli.overlapped)
}

/// The device the global options name.
fn open(cli: &Cli) -> Result<Device<Handle>> {
    Ok(Device::new(options(cli).open(cli.device_path())?))
}

/// `stress`: opens the shared device (and the peer's unless `--no-peer`) and runs it; exit 1
/// unless it found no faults, losses or leaks.
fn stress_command(cli: &Cli, args: &StressArgs) -> Result<()> {
    let mut device = open(cli)?;
    let mut peer = if args.no_peer {
        None
    } else {
        let peer = Device::open(PEER_WIN32_PATH).map_err(|err| {
            anyhow::anyhow!("{err}; start the peer driver (service RundownPeer), or run stress with --no-peer")
        })?;
        Some(peer)
    };
    let launcher = Launcher::this_program(cli.connection.device.as_deref())?;
    let mut out = io::stdout().lock();
    let totals = stress::run(&mut device, peer.as_mut(), &launcher, &Settings::from_args(args), &mut out)?;
    if !totals.clean() {
        anyhow::bail!("stress failed: {} faults, {} lost, {} leaked", totals.faults, totals.lost, totals.leaked);
    }
    Ok(())
}

/// `stress-client`: one client on its own handle; prints its result line; exit 1 unless it saw
/// nothing wrong.
fn stress_client(cli: &Cli, id: u32, seconds: Duration) -> Result<()> {
    let mut device = open(cli)?;
    let client = stress::client::run(&mut device, id, seconds);
    let mut out = io::stdout().lock();
    writeln!(out, "{}", client.result_line())?;
    out.flush()?;
    if !client.counts.passed() {
        anyhow::bail!("client {id} failed: {}", client.tally);
    }
    Ok(())
}

/// `churn`: `--threads` threads on one handle (overlapped with `--overlapped`). Prints
/// `ok churn started threads=T` once the handle is open, then the result line; exit 1 on a
/// fault.
fn churn_command(cli: &Cli, args: &ChurnArgs) -> Result<()> {
    let handle = options(cli).open(cli.device_path())?;
    let mut out = io::stdout().lock();
    writeln!(out, "ok churn started threads={} overlapped={}", args.threads, handle.is_overlapped())?;
    out.flush()?;
    let devices = (0..args.threads).map(|_| Device::new(&handle)).collect();
    let churned = churn::run(devices, args.seconds, args.end_holding);
    writeln!(out, "{}", churned.line())?;
    out.flush()?;
    if churned.faults > 0 {
        anyhow::bail!("churn: {} faults: {}", churned.faults, churned.quoted.join("; "));
    }
    Ok(())
}

/// `open-many`: opens `--count` handles, ACQUIREs `--acquire` on each, prints
/// `ok open-many opened=N held=H ms=T`, waits for a line (or end of input) on stdin, closes
/// them all and prints `ok open-many closed=N ms=T`. An open or ACQUIRE that fails prints
/// `err open-many opened=N held=H error=...` and waits all the same, so the handles open so
/// far can be inspected; the exit status is then 1.
fn open_many(cli: &Cli, args: &OpenManyArgs) -> Result<()> {
    let started = Instant::now();
    let mut devices = Vec::with_capacity(usize::try_from(args.count)?);
    let mut held = 0u64;
    let mut failure = None;
    for at in 0..args.count {
        match open(cli) {
            Ok(mut device) => {
                if args.acquire > 0 {
                    match device.acquire(args.acquire) {
                        Ok(_) => held += u64::from(args.acquire),
                        Err(err) => {
                            failure = Some(format!("ACQUIRE on handle {}: {err}", at + 1));
                            devices.push(device);
                            break;
                        }
                    }
                }
                devices.push(device);
            }
            Err(err) => {
                failure = Some(format!("open {}: {err}", at + 1));
                break;
            }
        }
    }
    let mut out = io::stdout().lock();
    let elapsed = started.elapsed().as_millis();
    match &failure {
        None => writeln!(out, "ok open-many opened={} held={held} ms={elapsed}", devices.len())?,
        Some(error) => writeln!(out, "err open-many opened={} held={held} ms={elapsed} error={error}", devices.len())?,
    }
    out.flush()?;
    let mut line = String::new();
    io::stdin().read_line(&mut line)?;
    let closing = Instant::now();
    let count = devices.len();
    drop(devices);
    writeln!(out, "ok open-many closed={count} ms={}", closing.elapsed().as_millis())?;
    out.flush()?;
    match failure {
        Some(error) => anyhow::bail!("open-many: {error}"),
        None => Ok(()),
    }
}

/// `cycles`: per cycle, start the owner (`--name`) and the peer (`--peer-name`), PEER_START
/// and wait for the peer's first operation, stop the peer, stop the owner; one line per cycle
/// (`ok cycle n=I ms=T peer_operations=P`), then `ok cycles count=N ms=T start_retries=R`. Stops
/// at the first failure (`err cycle n=I error=...`, exit 1) or once `--budget` has passed.
fn cycles(cli: &Cli, args: &CyclesArgs) -> Result<()> {
    let started = Instant::now();
    let mut out = io::stdout().lock();
    let mut done = 0;
    let mut retries = 0;
    for cycle in 1..=args.count {
        if !args.budget.is_zero() && started.elapsed() >= args.budget {
            break;
        }
        let began = Instant::now();
        match one_cycle(cli, args, &mut retries) {
            Ok(operations) => {
                writeln!(out, "ok cycle n={cycle} ms={} peer_operations={operations}", began.elapsed().as_millis())?;
                out.flush()?;
                done = cycle;
            }
            Err(err) => {
                writeln!(out, "err cycle n={cycle} error={err:#}")?;
                out.flush()?;
                return Err(err.context(format!("cycle {cycle}")));
            }
        }
    }
    writeln!(out, "ok cycles count={done} ms={} start_retries={retries}", started.elapsed().as_millis())?;
    Ok(())
}

/// One cycle of `cycles`: the peer's operations before it was stopped.
fn one_cycle(cli: &Cli, args: &CyclesArgs, retries: &mut u32) -> Result<u64> {
    loop {
        match service_commands::start(&cli.name, args.timeout) {
            Ok(_) => break,
            Err(err)
                if *retries < args.start_retries
                    && err.chain().any(|cause| {
                        cause.downcast_ref::<ScmError>().and_then(ScmError::win32) == Some(win32::INTERNAL_ERROR)
                    }) =>
            {
                *retries += 1;
                eprintln!("rundown-stress: {err:#}; starting it again ({} of {})", *retries, args.start_retries);
            }
            Err(err) => return Err(err),
        }
    }
    service_commands::start(&args.peer_name, args.timeout)?;
    let mut peer = Device::open(PEER_WIN32_PATH)?;
    peer.peer_start(PeerStartArgs { hold_us: 50, pause_us: 0, dispatch: false }.request())?;
    let deadline = Instant::now() + args.timeout;
    let operations = loop {
        let stats = peer.peer_stats()?;
        if stats.operations > 0 {
            break stats.operations;
        }
        anyhow::ensure!(Instant::now() < deadline, "the peer's loop did no operation: {stats:?}");
        std::thread::sleep(Duration::from_millis(2));
    };
    if args.owner_first {
        stop_owner_under_the_peer(cli, args, &mut peer)?;
        drop(peer);
        service_commands::stop(&args.peer_name, args.timeout)?;
    } else {
        drop(peer);
        service_commands::stop(&args.peer_name, args.timeout)?;
        service_commands::stop(&cli.name, args.timeout)?;
    }
    Ok(operations)
}

/// `--owner-first`: stops the owner on another thread, waits until its unload has run the
/// object down (QUERY on a handle opened before: `completed`, or a failure), then PEER_STOP drops
/// the peer's interface reference while the unload waits for it, and the stop must finish.
fn stop_owner_under_the_peer(cli: &Cli, args: &CyclesArgs, peer: &mut Device<Handle>) -> Result<()> {
    let mut owner = Device::open(cli.device_path())?;
    let name = cli.name.clone();
    let timeout = args.timeout;
    let stopping = std::thread::spawn(move || service_commands::stop(&name, timeout));
    let deadline = Instant::now() + args.timeout;
    // Until the run-down has completed: the unload then waits for the peer's reference (while
    // it still waits for holders, the peer's hold, PEER_STOP would end both at once).
    loop {
        match owner.query() {
            Ok(reply) if ObjectState::from_raw(reply.state) == Some(ObjectState::Completed) => break,
            Ok(_) => {}
            Err(err) if err.status().is_some() => break,
            Err(err) => return Err(err.into()),
        }
        anyhow::ensure!(Instant::now() < deadline, "the owner's unload did not run the object down");
        std::thread::sleep(Duration::from_millis(1));
    }
    let stats = peer.peer_stop()?;
    anyhow::ensure!(stats.inconsistencies == 0, "the peer saw inconsistent reads: {stats:?}");
    stopping.join().map_err(|_| anyhow::anyhow!("the owner's stop panicked"))??;
    // The owner's device is gone: Wine never sends this handle's CLOSE to it.
    drop(owner);
    Ok(())
}
