//! The Windows program: run the parsed command, print its result, map failure to exit 1.

use std::io::{self, Write as _};
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, Command, StressArgs};
use crate::commands::{self, Console};
use crate::device::Device;
use crate::stress::{self, Launcher, Settings};
use crate::transport::Transport;
use crate::{interrupt, service_commands};

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
        command => return device_command(cli, command),
    };
    println!("{line}");
    Ok(())
}

fn device_command(cli: &Cli, command: &Command) -> Result<()> {
    let mut device = Device::open(cli.device_path(), cli.read_only)?;
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
    let mut device = Device::open(cli.device_path(), cli.read_only)?;
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
