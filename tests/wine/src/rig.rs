//! The portable driver loaded in a throw-away Wine host, with rundownctl to drive it and the
//! test tool (`rundown-stress`) for sessions and workloads: what the demo, the stress run and
//! the Wine integration tests share.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Map, Value};

use crate::{Background, DebugLevel, RunOutput, WineHost};

/// The file names `cargo xtask build` writes to `target/sys/`, declared once: xtask builds them,
/// the rig loads them.
pub mod file_names {
    /// The owner driver for Windows (`ntoskrnl` flavour).
    pub const OWNER_NTOSKRNL: &str = "rundown_driver.sys";
    /// The owner driver for Wine (`portable` flavour).
    pub const OWNER_PORTABLE: &str = "rundown_driver_portable.sys";
    /// The sample peer for Windows.
    pub const PEER_NTOSKRNL: &str = "rundown_peer.sys";
    /// The sample peer for Wine.
    pub const PEER_PORTABLE: &str = "rundown_peer_portable.sys";
    /// The CLI.
    pub const TOOL: &str = "rundownctl.exe";
    /// The test tool: stress, sessions, churn, open-many, cycles.
    pub const TEST_TOOL: &str = "rundown-stress.exe";
}

/// What the rig loads and runs: the portable driver images, rundownctl and the test tool.
#[derive(Clone, Debug)]
pub struct Artifacts {
    /// `rundown_driver_portable.sys`.
    pub portable_sys: PathBuf,
    /// `rundown_peer_portable.sys`, the sample peer.
    pub peer_sys: PathBuf,
    /// `rundownctl.exe`.
    pub tool: PathBuf,
    /// `rundown-stress.exe`: the stress run, sessions, `churn`, `open-many`, `cycles`.
    pub test_tool: PathBuf,
    /// Where Wine hosts are made (`<parent>/<label>/`).
    pub hosts: PathBuf,
}

impl Artifacts {
    /// The images and tools in `sys` (what `cargo xtask build` writes), with hosts made in
    /// `hosts`.
    #[must_use]
    pub fn in_dir(sys: &Path, hosts: PathBuf) -> Self {
        Self {
            portable_sys: sys.join(file_names::OWNER_PORTABLE),
            peer_sys: sys.join(file_names::PEER_PORTABLE),
            tool: sys.join(file_names::TOOL),
            test_tool: sys.join(file_names::TEST_TOOL),
            hosts,
        }
    }

    /// `cargo xtask build`'s output: `RUNDOWN_SYS_DIR`, or `target/sys/` of this workspace;
    /// hosts go to `target/wine/` beside it.
    #[must_use]
    pub fn from_build() -> Self {
        let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target");
        let sys = std::env::var_os("RUNDOWN_SYS_DIR").map_or_else(|| target.join("sys"), PathBuf::from);
        let hosts = sys.parent().map_or_else(|| target.join("wine"), |parent| parent.join("wine"));
        Self::in_dir(&sys, hosts)
    }
}

/// The service name, as in docs/windows.md.
pub const SERVICE: &str = "RundownShared";

/// The sample peer's service name.
pub const PEER_SERVICE: &str = "RundownPeer";

/// The load-order group both services share: in Wine, only drivers of one group run in one
/// winedevice.exe and can call each other.
pub const GROUP: &str = "RundownGroup";

/// Deadline of one rundownctl command or session request: ample on 2 cores, short of a hang.
pub const STEP: Duration = Duration::from_secs(30);

/// How the service is created and started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loader {
    /// `wine sc create RundownShared type= kernel binPath= ...` and `sc start`, as a user would.
    Sc,
    /// `rundownctl install --sys ...` and `rundownctl start` (the Service Control Manager API).
    Rundownctl,
}

/// A Wine host with the portable driver installed and started as service `RundownShared`.
pub struct Rig {
    host: WineHost,
    tool: PathBuf,
    test_tool: PathBuf,
}

impl Rig {
    /// Creates the host `<hosts>/<label>`, installs the portable image and starts it.
    pub fn load(artifacts: &Artifacts, label: &str, loader: Loader) -> Result<Self> {
        for file in [&artifacts.portable_sys, &artifacts.tool] {
            ensure!(file.exists(), "{} is missing: run `cargo xtask build` first", file.display());
        }
        let host = WineHost::create(&artifacts.hosts, label)?;
        let rig = Self { host, tool: artifacts.tool.clone(), test_tool: artifacts.test_tool.clone() };
        let sys = rig.host.install_driver_file(&artifacts.portable_sys)?;
        match loader {
            Loader::Sc => {
                let bin_path = format!("binPath= {sys}");
                let mut args = vec!["create", SERVICE, "type=", "kernel", "start=", "demand", "group=", GROUP];
                args.extend(bin_path.split(' '));
                rig.host.sc(&args, STEP)?.ensure_success()?;
            }
            Loader::Rundownctl => {
                rig.ctl(&["install", "--sys", &sys, "--group", GROUP])?.ensure_success()?;
            }
        }
        rig.start(loader)?;
        Ok(rig)
    }

    /// Starts the service, then checks that DriverEntry logged its line.
    pub fn start(&self, loader: Loader) -> Result<RunOutput> {
        let output = match loader {
            Loader::Sc => self.host.sc(&["start", SERVICE], STEP)?,
            Loader::Rundownctl => self.ctl(&["start"])?,
        };
        self.host.ensure_no_crash()?;
        let output = output.ensure_success()?;
        self.host.wait_for_log("rundown: loaded", STEP)?;
        Ok(output)
    }

    /// The Wine host.
    #[must_use]
    pub fn host(&self) -> &WineHost {
        &self.host
    }

    /// Runs `rundownctl ARGS` to completion (deadline [`STEP`]).
    pub fn ctl(&self, args: &[&str]) -> Result<RunOutput> {
        self.host.run(&self.tool, args, STEP)
    }

    /// Starts `rundownctl ARGS` in the background.
    pub fn spawn(&self, args: &[&str]) -> Result<Background> {
        self.host.spawn(&self.tool, args)
    }

    /// Runs `rundown-stress ARGS` to completion within `timeout`.
    pub fn test_tool(&self, args: &[&str], timeout: Duration) -> Result<RunOutput> {
        self.host.run(self.test_tool_path()?, args, timeout)
    }

    /// Starts `rundown-stress ARGS` in the background (`churn`, `open-many`).
    pub fn spawn_test_tool(&self, args: &[&str]) -> Result<Background> {
        self.host.spawn(self.test_tool_path()?, args)
    }

    /// The test tool, which the demo does not need.
    fn test_tool_path(&self) -> Result<&Path> {
        ensure!(self.test_tool.exists(), "{} is missing: run `cargo xtask build` first", self.test_tool.display());
        Ok(&self.test_tool)
    }

    /// Opens a session (`rundown-stress session`): one handle, one command per line.
    pub fn session(&self) -> Result<Session> {
        self.session_with(&[])
    }

    /// Opens a session with the global options `options` (`--read-only`, `--overlapped`,
    /// `--device PATH`).
    pub fn session_with(&self, options: &[&str]) -> Result<Session> {
        let args: Vec<&str> = options.iter().copied().chain(["session"]).collect();
        Ok(Session::new(self.spawn_test_tool(&args)?))
    }

    /// Runs `rundown-stress stress --seconds SECONDS` and reads its summary line back: its
    /// totals and its output. The run's own failure (exit 1 for faults) is not an error here.
    pub fn stress(&self, seconds: u64) -> Result<(rundown_stress::stress::report::Totals, RunOutput)> {
        let seconds_arg = seconds.to_string();
        let output = self.test_tool(&["stress", "--seconds", &seconds_arg], STEP + Duration::from_secs(seconds))?;
        let totals =
            output.stdout.lines().rev().find_map(rundown_stress::stress::report::Totals::parse).with_context(|| {
                format!("`{}` printed no summary:\n{}{}", output.command, output.stdout, output.stderr)
            })?;
        Ok((totals, output))
    }

    /// Installs and starts the sample peer (same group), which gets the owner's interface in its
    /// DriverEntry.
    pub fn load_peer(&self, artifacts: &Artifacts) -> Result<()> {
        let sys = self.host.install_driver_file(&artifacts.peer_sys)?;
        self.ctl(&["--name", PEER_SERVICE, "install", "--sys", &sys, "--group", GROUP])?.ensure_success()?;
        let started = self.ctl(&["--name", PEER_SERVICE, "start"])?;
        self.host.ensure_no_crash()?;
        started.ensure_success()?;
        self.host.wait_for_log("rundown-peer: loaded", STEP)?;
        Ok(())
    }

    /// Stops the driver if it runs (DriverUnload) and deletes the service; then requires that
    /// the unload's last report says 0 bytes in 0 blocks of pool and that nothing crashed.
    pub fn unload_and_check_pool(&self) -> Result<()> {
        // A peer, if any, first: the owner's unload waits for its interface reference, and in
        // Wine both share one winedevice.exe whose service control thread would be blocked.
        let peer = self.ctl(&["--name", PEER_SERVICE, "uninstall"])?;
        ensure!(peer.success() || peer.stderr.contains("1060"), "the peer did not uninstall: {}", peer.stderr);
        self.ctl(&["uninstall"])?.ensure_success()?;
        self.host.ensure_no_crash()?;
        let messages = self.host.driver_messages()?;
        let report = messages
            .iter()
            .rev()
            .find(|message| message.text.starts_with("rundown: unloaded:"))
            .context("DriverUnload wrote no report")?;
        ensure!(report.text.ends_with("pool in use 0 bytes in 0 blocks"), "the unload leaked: `{}`", report.text);
        // The report of a clean unload is information, logged under the drivers' own component.
        ensure!(
            report.is_ihvdriver(DebugLevel::Info),
            "the unload report did not come from DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_INFO_LEVEL): \
             component and importance bits {:?}",
            report.filter
        );
        let log: Vec<String> = messages.into_iter().map(|message| message.text).collect();
        ensure!(
            log.iter().any(|line| line == "rundown: run-down invariant violations seen: 0"),
            "the driver saw run-down invariants broken (or did not say):\n{}",
            log.join("\n")
        );
        Ok(())
    }

    /// Ends the host (wineserver -k), leaving the service as it is.
    pub fn host_shutdown(self) -> Result<()> {
        self.host.shutdown()
    }
}

/// Loads the driver in a host named after the test, runs `case`, then stops the driver and
/// checks that the unload freed every byte of pool, saw no invariant broken and nothing crashed.
///
/// # Panics
/// With the first failure, named after `label`.
pub fn in_wine(label: &str, case: impl FnOnce(&Rig) -> Result<()>) {
    let outcome = (|| -> Result<()> {
        let rig = Rig::load(&Artifacts::from_build(), label, Loader::Rundownctl)?;
        let result = case(&rig).and_then(|()| rig.host().ensure_no_crash());
        let unloaded = rig.unload_and_check_pool();
        let shut_down = rig.host_shutdown();
        result.and(unloaded).and(shut_down)
    })();
    if let Err(error) = outcome {
        panic!("{label}: {error:#}");
    }
}

/// One session (`rundown-stress session`): one handle to the device; each line a rundownctl
/// device command, each answer one JSON line.
pub struct Session {
    process: Background,
}

impl Session {
    /// A session over a `rundown-stress ... session` process already started.
    #[must_use]
    pub fn new(process: Background) -> Self {
        Self { process }
    }

    /// Sends one command line and parses its result line.
    pub fn send(&mut self, line: &str) -> Result<Answer> {
        let reply = self.process.request(line, STEP).with_context(|| format!("session command `{line}`"))?;
        Answer::parse(&reply).with_context(|| format!("session command `{line}` answered `{reply}`"))
    }

    /// Sends `line` and requires success.
    pub fn ok(&mut self, line: &str) -> Result<Answer> {
        let answer = self.send(line)?;
        ensure!(answer.ok, "`{line}` answered `{}`", answer.line);
        Ok(answer)
    }

    /// Sends `line` and requires a failure with `status` (an NTSTATUS name).
    pub fn fails(&mut self, line: &str, status: &str) -> Result<()> {
        let answer = self.send(line)?;
        ensure!(!answer.ok, "`{line}` succeeded: `{}`", answer.line);
        ensure!(answer.status() == status, "`{line}` answered `{}`, not {status}", answer.line);
        Ok(())
    }

    /// Sends one command line without waiting for its result (a ROTATE that waits, say).
    pub fn send_only(&mut self, line: &str) -> Result<()> {
        self.process.send_line(line)
    }

    /// The result of a command sent with [`send_only`](Self::send_only), if it arrives in
    /// `timeout`.
    pub fn answer_within(&mut self, timeout: Duration) -> Result<Option<Answer>> {
        self.process.poll_line(timeout)?.map(|line| Answer::parse(&line)).transpose()
    }

    /// Ends the process the hard way, as TerminateProcess would: its handle is closed by the
    /// system, so the driver sees CLEANUP and CLOSE.
    pub fn kill(mut self) {
        self.process.kill();
    }

    /// Ends the session normally (`exit`) and waits for the process.
    pub fn close(mut self) -> Result<()> {
        let answer = self.send("exit")?;
        ensure!(answer.ok, "exit answered {answer:?}");
        self.process.wait(STEP)?;
        Ok(())
    }
}

/// A parsed result line: `{"ok":true,"command":"query","generation":1,...}` or
/// `{"ok":false,"command":"release","status":"0xC0000225","name":"STATUS_NOT_FOUND",...}`.
#[derive(Clone, Debug)]
pub struct Answer {
    /// `"ok": true`.
    pub ok: bool,
    /// The command word.
    pub command: String,
    fields: Map<String, Value>,
    /// The whole line.
    pub line: String,
}

impl Answer {
    fn parse(line: &str) -> Result<Self> {
        let Ok(Value::Object(fields)) = serde_json::from_str(line) else { bail!("not a result line: `{line}`") };
        let ok = fields.get("ok").and_then(Value::as_bool).context("no \"ok\"")?;
        let command = fields.get("command").and_then(Value::as_str).context("no \"command\"")?.to_owned();
        Ok(Self { ok, command, fields, line: line.to_owned() })
    }

    /// A field's text: a string as it is, a number or a boolean as written ("" if absent or
    /// null).
    #[must_use]
    pub fn get(&self, key: &str) -> String {
        match self.fields.get(key) {
            Some(Value::String(text)) => text.clone(),
            None | Some(Value::Null) => String::new(),
            Some(other) => other.to_string(),
        }
    }

    /// A numeric field.
    pub fn num(&self, key: &str) -> Result<u64> {
        self.fields.get(key).and_then(Value::as_u64).with_context(|| format!("field {key} of `{}`", self.line))
    }

    /// The status name of a failure (`STATUS_NOT_FOUND`), or "" for a success.
    #[must_use]
    pub fn status(&self) -> String {
        if self.ok && self.command != "raw" { String::new() } else { self.get("name") }
    }
}
