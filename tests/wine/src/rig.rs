//! The portable driver loaded in a throw-away Wine host, and rundownctl to drive it: what the
//! demo and the Wine integration tests share.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};

use crate::{Background, DebugLevel, RunOutput, WineHost};

/// What the rig loads and runs: the portable driver image and rundownctl.
#[derive(Clone, Debug)]
pub struct Artifacts {
    /// `rundown_driver_portable.sys`.
    pub portable_sys: PathBuf,
    /// `rundown_peer_portable.sys`, the sample peer.
    pub peer_sys: PathBuf,
    /// `rundownctl.exe`.
    pub tool: PathBuf,
    /// Where Wine hosts are made (`<parent>/<label>/`).
    pub hosts: PathBuf,
}

impl Artifacts {
    /// `cargo xtask build`'s output: `RUNDOWN_SYS_DIR`, or `target/sys/` of this workspace;
    /// hosts go to `target/wine/` beside it.
    #[must_use]
    pub fn from_build() -> Self {
        let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target");
        let sys = std::env::var_os("RUNDOWN_SYS_DIR").map_or_else(|| target.join("sys"), PathBuf::from);
        let hosts = sys.parent().map_or_else(|| target.join("wine"), |parent| parent.join("wine"));
        Self {
            portable_sys: sys.join("rundown_driver_portable.sys"),
            peer_sys: sys.join("rundown_peer_portable.sys"),
            tool: sys.join("rundownctl.exe"),
            hosts,
        }
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
}

impl Rig {
    /// Creates the host `<hosts>/<label>`, installs the portable image and starts it.
    pub fn load(artifacts: &Artifacts, label: &str, loader: Loader) -> Result<Self> {
        for file in [&artifacts.portable_sys, &artifacts.tool] {
            ensure!(file.exists(), "{} is missing: run `cargo xtask build` first", file.display());
        }
        let host = WineHost::create(&artifacts.hosts, label)?;
        let rig = Self { host, tool: artifacts.tool.clone() };
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

    /// Opens a `rundownctl session`: one handle, one command per line.
    pub fn session(&self) -> Result<Session> {
        Ok(Session::new(self.spawn(&["session"])?))
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

/// One `rundownctl session`: one handle to the device.
pub struct Session {
    process: Background,
}

impl Session {
    /// A session over a `rundownctl ... session` process already started.
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

/// A parsed result line: `ok <cmd> key=value ...` or `err <cmd> status=... name=...`.
#[derive(Clone, Debug)]
pub struct Answer {
    /// `ok` rather than `err`.
    pub ok: bool,
    /// The command word.
    pub command: String,
    fields: BTreeMap<String, String>,
    /// The whole line.
    pub line: String,
}

impl Answer {
    fn parse(line: &str) -> Result<Self> {
        let mut words = line.split(' ');
        let ok = match words.next() {
            Some("ok") => true,
            Some("err") => false,
            _ => bail!("not a result line: `{line}`"),
        };
        let command = words.next().context("no command word")?.to_owned();
        let mut fields = BTreeMap::new();
        let rest: Vec<&str> = words.collect();
        let rest = rest.join(" ");
        if let Some(message) = rest.strip_prefix("error=") {
            fields.insert("error".to_owned(), message.to_owned());
        } else {
            for pair in rest.split(' ').filter(|pair| !pair.is_empty()) {
                let (key, value) = pair.split_once('=').with_context(|| format!("`{pair}` is not key=value"))?;
                fields.insert(key.to_owned(), value.to_owned());
            }
        }
        Ok(Self { ok, command, fields, line: line.to_owned() })
    }

    /// A field's text ("" if absent).
    pub fn get(&self, key: &str) -> &str {
        self.fields.get(key).map_or("", String::as_str)
    }

    /// A numeric field.
    pub fn num(&self, key: &str) -> Result<u64> {
        self.get(key).parse().with_context(|| format!("field {key} of `{}`", self.line))
    }

    /// The status name of a failure (`STATUS_NOT_FOUND`), or "" for a success.
    #[must_use]
    pub fn status(&self) -> &str {
        if self.ok && self.command != "raw" { "" } else { self.get("name") }
    }
}
