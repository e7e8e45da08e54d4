//! [`WineHost`]: one prefix, its persistent wineserver and its services.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};

use super::log::{self, DriverMessage};
use super::process::{Job, describe, kill_group, say, seconds, section, shell_line, spawn_in_group};
use super::{Background, RunOutput};

/// `wineboot --init` takes about 5 s here.
const BOOT_TIMEOUT: Duration = Duration::from_mins(3);
/// `wineserver -k`, `-w` and `-p`.
const SERVER_TIMEOUT: Duration = Duration::from_secs(30);
/// The command that starts services.exe: about 1 s.
const SERVICES_TIMEOUT: Duration = Duration::from_mins(1);
/// Starts of the services before giving up: one start in about forty logged a crash of a system
/// process (a service, after explorer's `err:ole:start_rpcss Failed to open service manager`).
const SERVICES_ATTEMPTS: usize = 3;
/// What Wine 8 logs (`err:virtual:virtual_alloc_first_teb`) when a new process of the prefix
/// cannot map its shared user data (STATUS_CONFLICTING_ADDRESSES), about once in a few hundred
/// process starts: the process never runs. When the prefix's first command fails so, the
/// services are started again, as after a crash.
const WINE_START_FAILURE: &str = "failed to map the shared user data";
/// How long a start of the services may still log a crash after the first command returned.
const SERVICES_SETTLE: Duration = Duration::from_millis(500);
/// How often [`WineHost::wait_for_log`] reads the log.
const LOG_POLL: Duration = Duration::from_millis(50);

/// `WINEDEBUG` for the command that starts services.exe, inherited by every winedevice.exe: the
/// drivers' `DbgPrintEx` lines (`warn+debugstr`) and Wine's errors (`err+all`: a bug check is
/// only an error message), nothing else (no `fixme`: KeGetCurrentProcessorNumberEx logs one on
/// every call).
///
/// A Wine accommodation: Windows filters `DbgPrintEx` by component and level (the drivers'
/// errors show, their warnings, traces and information only once the `IHVDRIVER` mask lets
/// them through), while Wine 8 prints every level of every component as a `WARN` of the one
/// `debugstr` channel (ntdll's `vDbgPrintExWithPrefix`, to which ntoskrnl.exe hands
/// `DbgPrintEx`), with the component id and importance bits in front ([`log`]). So
/// `warn+debugstr` is what captures the error- and the info-level lines alike, and no other
/// channel would add a level; the tests see each line's level in [`DriverMessage::filter`].
///
/// `+loaddll` adds where each module was loaded and when it went, so that a crash is placed in its
/// module ([`log::crash_module`]).
const SERVICES_DEBUG: &str = "-all,err+all,warn+debugstr,+loaddll";
/// `WINEDEBUG` for user-mode tools: nothing, so that their output is their own. (A leading
/// `-all` also keeps Debian's launcher from printing its wine32 hint.)
const TOOL_DEBUG: &str = "-all";
/// `WINEDEBUG` for sc.exe: Wine's sc reports a failure only as `err:sc:wmain failed to ... N`.
const SC_DEBUG: &str = "-all,err+sc";
/// No Mono or Gecko: their installers would ask.
const DLL_OVERRIDES: &str = "mscoree,mshtml=";
/// The command whose start makes Wine start the services.
const FIRST_COMMAND: [&str; 4] = ["cmd", "/c", "exit", "0"];

/// A throw-away Wine prefix with its own persistent wineserver, for one demo or test run.
///
/// Dropping it ends its wineserver (and with it every process of the prefix) and deletes the
/// prefix, like [`WineHost::shutdown`] but ignoring errors. If xtask dies instead (a panic: the
/// workspace's profiles abort; Ctrl-C; a kill), a watchdog process ends the server and the prefix
/// stays until the next [`WineHost::create`] with the same label. Labels of hosts that run at
/// the same time must differ.
///
/// The driver log and the crash lines are cumulative: compare lengths before and after a step
/// to see what it added. After a driver crashed, start a new host to load it again: its symbolic
/// link outlives the dead winedevice.exe, so the next DriverEntry's IoCreateSymbolicLink fails
/// (0xC0000024) and `sc start` with it (error 6).
pub struct WineHost {
    root: PathBuf,
    prefix: PathBuf,
    log: PathBuf,
    server_running: bool,
    keep_prefix: bool,
    /// Ends the server if xtask dies without [`WineHost::shutdown`] or a drop.
    watchdog: Option<Child>,
}

impl WineHost {
    /// Creates a prefix in `parent/label/prefix` (removing what a previous run left there) and
    /// starts its services with their standard error going to `parent/label/driver.log`.
    ///
    /// The steps: `wineboot --init`; `wineserver -k` and `-w`, so that wineboot's server and its
    /// services are gone; `wineserver -p`, a server that stays up between commands (without it,
    /// services stop when the last command exits); then a first command, `wine cmd /c exit 0`,
    /// whose start makes Wine start services.exe with this command's `WINEDEBUG` and standard
    /// error. Every winedevice.exe inherits both. A server left over from wineboot would keep
    /// the services it started with `-all` and no log, or start a second services.exe that makes
    /// `sc start` fail with 1055 (docs/wine-probe.md), hence the `-k`. If a process crashes while
    /// the services start, they are started again, so the log begins clean.
    pub fn create(parent: &Path, label: &str) -> Result<Self> {
        let started = Instant::now();
        let root = std::path::absolute(parent.join(label))
            .with_context(|| format!("could not resolve {}", parent.join(label).display()))?;
        let prefix = root.join("prefix");
        if root.exists() {
            // An interrupted run's host: end its server before deleting the prefix under it.
            if prefix.exists() {
                let _ = wineserver(&prefix, "-k");
                wineserver(&prefix, "-w")?;
            }
            say(format_args!("$ rm -rf {}", root.display()));
            fs::remove_dir_all(&root).with_context(|| format!("could not remove {}", root.display()))?;
        }
        fs::create_dir_all(&root).with_context(|| format!("could not create {}", root.display()))?;
        let log = root.join("driver.log");
        // From here on, dropping the host on an error ends whatever server was started.
        let watchdog = Some(watchdog(&prefix)?);
        let host = Self { root, prefix, log, server_running: true, keep_prefix: false, watchdog };
        let mut boot = Job::new("wineboot", host.line("-all", "wineboot", &["--init"]), BOOT_TIMEOUT);
        host.environment(boot.command(), "-all").arg("--init");
        boot.output(&host.root)?.ensure_success().context("could not create the Wine prefix")?;
        for attempt in 1..=SERVICES_ATTEMPTS {
            match host.start_services()?.first() {
                None => break,
                Some(crash) if attempt < SERVICES_ATTEMPTS => {
                    say(format_args!(
                        "xtask: a Wine process crashed or could not start while the services started ({crash}); starting them again"
                    ));
                }
                Some(crash) => bail!("a Wine process crashed each time the services started: {crash}"),
            }
        }
        say(format_args!(
            "xtask: Wine prefix {} ready in {} (driver log: {})",
            host.prefix.display(),
            seconds(started.elapsed()),
            host.log.display()
        ));
        Ok(host)
    }

    /// Ends the prefix's server, starts a persistent one and starts the services with their
    /// standard error in a new log. Returns the crash lines the start logged, or Wine's line if
    /// the first command's process could not start ([`WINE_START_FAILURE`]).
    fn start_services(&self) -> Result<Vec<String>> {
        let _ = wineserver(&self.prefix, "-k");
        ensure!(wineserver(&self.prefix, "-w")?.success(), "`wineserver -w` failed");
        ensure!(wineserver(&self.prefix, "-p")?.success(), "could not start a persistent wineserver");
        let log = File::create(&self.log).with_context(|| format!("could not create {}", self.log.display()))?;
        let line = format!("{} 2>{}", self.line(SERVICES_DEBUG, "wine", &FIRST_COMMAND), self.log.display());
        let mut first = Job::new("wine", line, SERVICES_TIMEOUT);
        self.environment(first.command(), SERVICES_DEBUG).args(FIRST_COMMAND);
        first.command().stdin(Stdio::null()).stdout(Stdio::null()).stderr(log);
        let status = first.status()?;
        if !status.success()
            && let Some(line) = self.log_text()?.lines().find(|line| line.contains(WINE_START_FAILURE))
        {
            // Wine could not start a process of the prefix: the caller starts the services again.
            return Ok(vec![line.to_owned()]);
        }
        ensure!(
            status.success(),
            "the prefix's first command {}{}",
            describe(status),
            section("log", &self.log_text()?)
        );
        ensure!(
            services_writing_to(&self.log) > 0,
            "services.exe is not running with its standard error in {}{}",
            self.log.display(),
            section("log", &self.log_text()?)
        );
        thread::sleep(SERVICES_SETTLE);
        Ok(log::crash_lines(&self.log_text()?))
    }

    /// The services' standard error: the drivers' debug output and Wine's crash reports.
    #[must_use]
    pub fn driver_log_path(&self) -> &Path {
        &self.log
    }

    /// Copies `sys` into `C:\windows\system32\drivers\` and returns its Windows path, for
    /// `sc create NAME type= kernel binPath= PATH`.
    pub fn install_driver_file(&self, sys: &Path) -> Result<String> {
        let name =
            sys.file_name().and_then(OsStr::to_str).with_context(|| format!("{} has no file name", sys.display()))?;
        let target = self.prefix.join("drive_c/windows/system32/drivers").join(name);
        fs::copy(sys, &target).with_context(|| format!("could not copy {} to {}", sys.display(), target.display()))?;
        Ok(format!(r"C:\windows\system32\drivers\{name}"))
    }

    /// Runs `wine PROGRAM ARGS` with `WINEDEBUG=-all`, standard input empty and the output
    /// captured, killing it and the processes it started if it does not exit within `timeout`.
    ///
    /// `program` is a Windows path or name (`C:\x.exe`, `sc`) or a Linux path, which Wine finds
    /// through its `Z:` drive, so a freshly built .exe can run where cargo put it.
    pub fn run(&self, program: impl AsRef<OsStr>, args: &[&str], timeout: Duration) -> Result<RunOutput> {
        self.wine(TOOL_DEBUG, program.as_ref(), args, timeout).output(&self.root)
    }

    /// Runs `wine sc ARGS` like [`WineHost::run`], with `WINEDEBUG=-all,err+sc` so that a failure
    /// shows up ([`RunOutput::sc_error`]). Wine's `sc` takes `binPath= PATH` as two arguments.
    pub fn sc(&self, args: &[&str], timeout: Duration) -> Result<RunOutput> {
        self.wine(SC_DEBUG, OsStr::new("sc"), args, timeout).output(&self.root)
    }

    /// Starts `wine PROGRAM ARGS` in the background with standard input and output piped, for a
    /// line protocol such as `rundown-stress session`.
    pub fn spawn(&self, program: impl AsRef<OsStr>, args: &[&str]) -> Result<Background> {
        let (command, display) = self.wine(TOOL_DEBUG, program.as_ref(), args, Duration::ZERO).into_parts();
        Background::start(command, display)
    }

    /// The drivers' debug messages so far, one per printed line, without Wine's prefixes. Still
    /// works after a driver crashed; see [`WineHost::crash_lines`].
    pub fn driver_log(&self) -> Result<Vec<String>> {
        Ok(log::messages(&self.log_text()?))
    }

    /// [`WineHost::driver_log`] with each message's `DbgPrintEx` component id and level.
    pub fn driver_messages(&self) -> Result<Vec<DriverMessage>> {
        Ok(log::driver_messages(&self.log_text()?))
    }

    /// The log's lines that report a crash in a process of the prefix (an unhandled exception, a
    /// call to a Wine stub, a bug check), so that a caller can say "the driver crashed: LINE"
    /// rather than wait for an answer that will not come.
    pub fn crash_lines(&self) -> Result<Vec<String>> {
        Ok(log::crash_lines(&self.log_text()?))
    }

    /// An error quoting the first crash line, if the log has one.
    pub fn ensure_no_crash(&self) -> Result<()> {
        let text = self.log_text()?;
        match log::crash_lines(&text).first() {
            Some(line) => bail!("the driver crashed: {line}{}", in_module(&text, line)),
            None => Ok(()),
        }
    }

    /// Waits until a debug message contains `needle` and returns the messages so far; an error if
    /// `timeout` passes first or a crash is logged meanwhile.
    pub fn wait_for_log(&self, needle: &str, timeout: Duration) -> Result<Vec<String>> {
        let deadline = Instant::now() + timeout;
        loop {
            let text = self.log_text()?;
            let messages = log::messages(&text);
            if messages.iter().any(|message| message.contains(needle)) {
                return Ok(messages);
            }
            if let Some(line) = log::crash_lines(&text).first() {
                bail!("the driver crashed before logging `{needle}`: {line}{}", in_module(&text, line));
            }
            if Instant::now() >= deadline {
                bail!("no driver message contained `{needle}` within {}{}", seconds(timeout), section("log", &text));
            }
            thread::sleep(LOG_POLL);
        }
    }

    /// The whole log, as Wine wrote it.
    pub fn log_text(&self) -> Result<String> {
        let bytes = fs::read(&self.log).with_context(|| format!("could not read {}", self.log.display()))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Ends the prefix's wineserver, and with it every process of the prefix (`wineserver -k`,
    /// then `-w`), and deletes the prefix unless it is kept. The log stays.
    pub fn shutdown(mut self) -> Result<()> {
        self.stop()
    }

    fn stop(&mut self) -> Result<()> {
        if let Some(mut watchdog) = self.watchdog.take() {
            kill_group(&mut watchdog);
        }
        if self.server_running {
            let _ = wineserver(&self.prefix, "-k");
            ensure!(wineserver(&self.prefix, "-w")?.success(), "`wineserver -w` failed");
            self.server_running = false;
        }
        if !self.keep_prefix && self.prefix.exists() {
            // remove_dir_all does not follow symbolic links (dosdevices/z: is one, to /).
            say(format_args!("$ rm -rf {}", self.prefix.display()));
            fs::remove_dir_all(&self.prefix).with_context(|| format!("could not remove {}", self.prefix.display()))?;
        }
        Ok(())
    }

    /// `wine PROGRAM ARGS` in this prefix, with `WINEDEBUG=winedebug`.
    fn wine(&self, winedebug: &str, program: &OsStr, args: &[&str], timeout: Duration) -> Job {
        let mut words = vec![program];
        words.extend(args.iter().map(OsStr::new));
        let mut job = Job::new("wine", format!("wine {}", shell_line(words)), timeout);
        self.environment(job.command(), winedebug).arg(program).args(args);
        job
    }

    /// This prefix, `WINEDEBUG=winedebug`, no Mono or Gecko, and no display: the host is headless
    /// whoever runs it (a 32-bit `WINEARCH` would not fit the 64-bit Wine either).
    fn environment<'a>(&self, command: &'a mut Command, winedebug: &str) -> &'a mut Command {
        command
            .current_dir(&self.root)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("WINEARCH")
            .env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", winedebug)
            .env("WINEDLLOVERRIDES", DLL_OVERRIDES)
    }

    /// `WINEPREFIX=... WINEDEBUG=... PROGRAM ARGS`, for the lines of the prefix's set-up.
    fn line(&self, winedebug: &str, program: &str, args: &[&str]) -> String {
        let mut words = vec![format!("WINEPREFIX={}", self.prefix.display()), format!("WINEDEBUG={winedebug}")];
        words.push(program.to_owned());
        words.extend(args.iter().map(|&arg| arg.to_owned()));
        shell_line(words.iter().map(OsStr::new))
    }
}

impl Drop for WineHost {
    fn drop(&mut self) {
        if let Err(error) = self.stop() {
            let _ = writeln!(
                io::stderr(),
                "xtask: could not shut the Wine prefix {} down: {error:#}",
                self.prefix.display()
            );
        }
    }
}

/// A shell that waits for end of file on a pipe only this process holds, then ends the prefix's
/// server: a persistent server would otherwise outlive an xtask that panics (the profiles abort),
/// is interrupted or killed. Its own process group keeps Ctrl-C from ending it first.
fn watchdog(prefix: &Path) -> Result<Child> {
    let mut command = Command::new("sh");
    command
        .args(["-c", "cat >/dev/null; exec wineserver -k"])
        .env("WINEPREFIX", prefix)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    spawn_in_group(&mut command, "the Wine prefix's watchdog")
}

/// `WINEPREFIX=prefix wineserver FLAG`, with the deadline every server command has.
fn wineserver(prefix: &Path, flag: &str) -> Result<ExitStatus> {
    let line = format!("{} wineserver {flag}", shell_line([OsStr::new(&format!("WINEPREFIX={}", prefix.display()))]));
    let mut job = Job::new("wineserver", line, SERVER_TIMEOUT);
    // `-p` daemonizes: its server must not keep our standard streams.
    job.command().arg(flag).env("WINEPREFIX", prefix).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    job.status()
}

/// How many services.exe processes have `log` as their standard error (from /proc).
fn services_writing_to(log: &Path) -> usize {
    let Ok(log) = fs::canonicalize(log) else { return 0 };
    let Ok(processes) = fs::read_dir("/proc") else { return 0 };
    processes
        .filter_map(Result::ok)
        .filter(|entry| {
            fs::read_to_string(entry.path().join("comm")).is_ok_and(|comm| comm.trim_end() == "services.exe")
        })
        .filter(|entry| fs::read_link(entry.path().join("fd/2")).is_ok_and(|target| target == log))
        .count()
}

/// ` (in <module ...>)` for a crash line whose address `log`'s `+loaddll` lines place, else nothing.
fn in_module(log: &str, crash_line: &str) -> String {
    log::crash_module(log, crash_line).map_or_else(String::new, |module| format!(" (in {module})"))
}
