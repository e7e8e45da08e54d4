//! The Windows program: run the parsed command, print its result (a table, or JSON with
//! `--json`), map failure to exit 1.

use std::io::{self, Write as _};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use rundown_abi::ABI_VERSION;
use rundown_client::{Device, Handle, OpenOptions};

use crate::cli::{Cli, Command, DeviceCommand};
use crate::commands::{self, Console};
use crate::output::{Failure, Reply};
use crate::{interrupt, service_commands};

/// Runs `cli`: exit status 0, or 1 with `rundownctl: <what failed>: <why>` on stderr (and, with
/// `--json`, a failure line on stdout unless the reply was printed already).
#[must_use]
pub fn run(cli: &Cli) -> ExitCode {
    let mut printed = false;
    match dispatch(cli, &mut printed) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if cli.json && !printed {
                let status = err.chain().find_map(|cause| cause.downcast_ref::<rundown_client::Error>()?.status());
                println!("{}", Failure::new(cli.command.word(), status, format!("{err:#}")).to_json());
            }
            let _ = io::stdout().flush();
            eprintln!("rundownctl: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(cli: &Cli, printed: &mut bool) -> Result<()> {
    let reply = match &cli.command {
        Command::Install { sys, group } => Reply::Install(service_commands::install(&cli.name, sys, group.as_deref())?),
        Command::Start(t) => Reply::Start(service_commands::start(&cli.name, t.timeout)?),
        Command::Stop(t) => Reply::Stop(service_commands::stop(&cli.name, t.timeout)?),
        Command::Uninstall(t) => Reply::Uninstall(service_commands::uninstall(&cli.name, t.timeout)?),
        Command::Device(command) => device_command(cli, command)?,
    };
    let mut out = io::stdout().lock();
    if cli.json {
        writeln!(out, "{}", reply.to_json())?;
    } else {
        write!(out, "{}", reply.render())?;
    }
    out.flush()?;
    *printed = true;
    match &reply {
        Reply::Version(version) if !version.is_ours() => {
            anyhow::bail!("the driver's contract is version {}; rundownctl speaks {ABI_VERSION}", version.abi_version)
        }
        Reply::Raw(raw) if !reply.ok() => {
            anyhow::bail!("raw request failed: {}", rundown_client::status::describe(raw.status))
        }
        _ => Ok(()),
    }
}

fn device_command(cli: &Cli, command: &DeviceCommand) -> Result<Reply> {
    let options = OpenOptions::new().read_only(cli.connection.read_only);
    let handle: Handle = options.open(cli.connection.path_for(command))?;
    let mut device = Device::new(handle);
    if matches!(command, DeviceCommand::Hold { .. }) {
        // Without a console Ctrl-C ends the process, and closing the handle ends the holds.
        let _ = interrupt::install();
    }
    let mut stdout = io::stdout();
    let progress: Option<&mut dyn io::Write> = if cli.json { None } else { Some(&mut stdout) };
    let mut console = Console { progress, interrupted: &interrupt::interrupted };
    commands::execute(&mut device, command, &mut console).with_context(|| format!("{} failed", command.word()))
}
