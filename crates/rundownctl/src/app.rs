//! The Windows program: run the parsed command, print its result, map failure to exit 1.

use std::io::{self, Write as _};
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{ChurnArgs, Cli, Command, CyclesArgs, OpenManyArgs, StressArgs};
use crate::commands::{self, Console};
use crate::device::Device;
use crate::stress::{self, Launcher, Settings};
use crate::transport::Transport;
use crate::{churn, interrupt, ops, service_commands};

/// Runs `cli`: exit status 0, or 1 with `rundownctl: <what failed>: <why>` on stderr.
#[must_use]
pub fn run(cli: &Cli) -> ExitCode {
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let _ = io::stdout().flush();
            eprintln!("rundownctl: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(cli: &Cli) -> Result<()> {
    let line = match &cli.command {
        Command::Install { sys, group } => service_commands::install(&cli.name, sys, group.as_deref())?,
        Command::Start(t) => service_commands::start(&cli.name, t.timeout)?,
        Command::Stop(t) => service_commands::stop(&cli.name, t.timeout)?,
        Command::Uninstall(t) => service_commands::uninstall(&cli.name, t.timeout)?,
        Command::Stress(args) => return stress_command(cli, args),
        Command::Churn(args) => return churn_command(cli, args),
        Command::OpenMany(args) => return open_many_command(cli, args),
        Command::Cycles(args) => return cycles_command(cli, args),
        command => return device_command(cli, command),
    };
    println!("{line}");
    Ok(())
}

fn device_command(cli: &Cli, command: &Command) -> Result<()> {
    let mut device = Device::open_with(cli.device_path(), cli.read_only, cli.overlapped)?;
    if matches!(command, Command::Hold { .. }) {
        // Without a console Ctrl-C ends the process, and closing the handle ends the holds.
        let _ = interrupt::install();
    }
    let stdin = io::stdin();
    let stdout = io::stdout();
    let mut input = stdin.lock();
    let mut out = stdout.lock();
    let mut console = Console { input: &mut input, out: &mut out, interrupted: &interrupt::interrupted };
    commands::run(&mut device, command, &mut console)?;
    out.flush()?;
    Ok(())
}

/// `stress`: opens the shared device (and the peer's unless `--no-peer`) and runs it; exit 1
/// unless it found no faults, losses or leaks.
fn stress_command(cli: &Cli, args: &StressArgs) -> Result<()> {
    let mut device = Device::open_with(cli.device_path(), cli.read_only, cli.overlapped)?;
    let mut peer = if args.no_peer {
        None
    } else {
        let path = rundown_abi::peer::PEER_WIN32_PATH;
        let peer = Device::open(path, false).map_err(|err| {
            anyhow::anyhow!("{err}; start the peer driver (service RundownPeer), or run stress with --no-peer")
        })?;
        Some(peer)
    };
    let launcher = Launcher::this_program(cli.device.as_deref())?;
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let peer = peer.as_mut().map(|peer| peer as &mut dyn Transport);
    let totals = stress::run(&mut device, peer, &launcher, &Settings::from_args(args), &mut out)?;
    if !totals.passed() {
        anyhow::bail!("stress failed: {} faults, {} lost, {} leaked", totals.faults, totals.lost, totals.leaked);
    }
    Ok(())
}

/// `churn`: `--threads` threads on one handle (overlapped with `--overlapped`). Prints
/// `ok churn started threads=T` once the handle is open, then the result line; exit 1 on a
/// fault.
fn churn_command(cli: &Cli, args: &ChurnArgs) -> Result<()> {
    let device = Device::open_with(cli.device_path(), cli.read_only, cli.overlapped)?;
    let mut out = io::stdout().lock();
    writeln!(out, "ok churn started threads={} overlapped={}", args.threads, device.is_overlapped())?;
    out.flush()?;
    let threads = usize::try_from(args.threads)?;
    let mut views: Vec<&Device> = vec![&device; threads];
    let devices: Vec<&mut (dyn Transport + Send)> =
        views.iter_mut().map(|view| view as &mut (dyn Transport + Send)).collect();
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
fn open_many_command(cli: &Cli, args: &OpenManyArgs) -> Result<()> {
    let started = std::time::Instant::now();
    let mut devices = Vec::with_capacity(usize::try_from(args.count)?);
    let mut held = 0u64;
    let mut failure = None;
    for at in 0..args.count {
        match Device::open_with(cli.device_path(), cli.read_only, cli.overlapped) {
            Ok(mut device) => {
                if args.acquire > 0 {
                    match ops::acquire(&mut device, args.acquire) {
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
    let closing = std::time::Instant::now();
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
/// (`ok cycle n=I ms=T peer_operations=P`), then `ok cycles count=N ms=T start_retries=R`. Stops at the first
/// failure (`err cycle n=I error=...`, exit 1) or once `--budget` has passed.
fn cycles_command(cli: &Cli, args: &CyclesArgs) -> Result<()> {
    let started = std::time::Instant::now();
    let mut out = io::stdout().lock();
    let mut done = 0;
    let mut retries = 0;
    for cycle in 1..=args.count {
        if !args.budget.is_zero() && started.elapsed() >= args.budget {
            break;
        }
        let began = std::time::Instant::now();
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
                        cause.downcast_ref::<crate::win32_error::Win32Error>()
                            == Some(&crate::win32_error::Win32Error(1359))
                    }) =>
            {
                *retries += 1;
                eprintln!("rundownctl: {err:#}; starting it again ({} of {})", *retries, args.start_retries);
            }
            Err(err) => return Err(err),
        }
    }
    service_commands::start(&args.peer_name, args.timeout)?;
    let mut peer = Device::open(rundown_abi::peer::PEER_WIN32_PATH, false)?;
    ops::peer_start(&mut peer, crate::cli::PeerStartArgs { hold_us: 50, pause_us: 0, dispatch: false }.request())?;
    let deadline = std::time::Instant::now() + args.timeout;
    let operations = loop {
        let stats = ops::peer_stats(&mut peer)?;
        if stats.operations > 0 {
            break stats.operations;
        }
        anyhow::ensure!(std::time::Instant::now() < deadline, "the peer's loop did no operation: {stats:?}");
        std::thread::sleep(std::time::Duration::from_millis(2));
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
fn stop_owner_under_the_peer(cli: &Cli, args: &CyclesArgs, peer: &mut Device) -> Result<()> {
    let mut owner = Device::open(cli.device_path(), false)?;
    let name = cli.name.clone();
    let timeout = args.timeout;
    let stopping = std::thread::spawn(move || service_commands::stop(&name, timeout));
    let deadline = std::time::Instant::now() + args.timeout;
    // Until the run-down has completed: the unload then waits for the peer's reference (while
    // it still waits for holders, the peer's hold, PEER_STOP would end both at once).
    loop {
        match ops::query(&mut owner) {
            Ok(reply)
                if rundown_abi::ObjectState::from_raw(reply.state) == Some(rundown_abi::ObjectState::Completed) =>
            {
                break;
            }
            Ok(_) => {}
            Err(err) if err.status().is_some() => break,
            Err(err) => return Err(err.into()),
        }
        anyhow::ensure!(std::time::Instant::now() < deadline, "the owner's unload did not run the object down");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let stats = ops::peer_stop(peer)?;
    anyhow::ensure!(stats.inconsistencies == 0, "the peer saw inconsistent reads: {stats:?}");
    stopping.join().map_err(|_| anyhow::anyhow!("the owner's stop panicked"))??;
    // The owner's device is gone: Wine never sends this handle's CLOSE to it.
    drop(owner);
    Ok(())
}
