//! Cargo invocations, printed as they would be typed and run from the workspace root.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result};
use rundown_wine_tests::shell_line;

/// The workspace root: the parent of this crate's directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace root").to_path_buf()
}

/// Where cargo puts build output: `CARGO_TARGET_DIR` if set (relative to the workspace root,
/// where every command runs), else `target/` in the workspace root.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => workspace_root().join(dir),
        _ => workspace_root().join("target"),
    }
}

/// One cargo command line.
pub struct Cargo {
    toolchain: Option<&'static str>,
    args: Vec<OsString>,
    envs: Vec<(&'static str, OsString)>,
}

impl Cargo {
    /// `cargo ARGS` with the toolchain that runs xtask.
    pub fn new(args: &[&str]) -> Self {
        Self { toolchain: None, args: args.iter().map(OsString::from).collect(), envs: Vec::new() }
    }

    /// `cargo +TOOLCHAIN ARGS`, through rustup's proxy.
    pub fn with_toolchain(toolchain: &'static str, args: &[&str]) -> Self {
        Self { toolchain: Some(toolchain), ..Self::new(args) }
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(OsString::from));
        self
    }

    pub fn env(mut self, key: &'static str, value: impl AsRef<OsStr>) -> Self {
        self.envs.push((key, value.as_ref().to_owned()));
        self
    }

    fn command(&self) -> Command {
        // The cargo that runs xtask (`CARGO`) keeps every step on the same toolchain; a
        // `+toolchain` needs rustup's proxy, found on PATH.
        let program = match (self.toolchain, std::env::var_os("CARGO")) {
            (None, Some(cargo)) => cargo,
            _ => OsString::from("cargo"),
        };
        let mut command = Command::new(program);
        command.current_dir(workspace_root());
        if let Some(toolchain) = self.toolchain {
            command.arg(format!("+{toolchain}"));
        }
        command.args(&self.args);
        command.envs(self.envs.iter().map(|(key, value)| (key, value)));
        command
    }

    /// The command as a shell line, for the log.
    pub fn display(&self) -> String {
        let mut words: Vec<String> =
            self.envs.iter().map(|(key, value)| format!("{key}={}", shell_line([value.as_os_str()]))).collect();
        words.push("cargo".to_owned());
        if let Some(toolchain) = self.toolchain {
            words.push(format!("+{toolchain}"));
        }
        words.push(shell_line(self.args.iter().map(OsString::as_os_str)));
        words.join(" ")
    }

    /// Prints and runs the command with inherited output; true if it exited with 0.
    pub fn run(&self) -> Result<bool> {
        println!("$ {}", self.display());
        let status = self.command().status().with_context(|| format!("could not start `{}`", self.display()))?;
        Ok(status.success())
    }

    /// Runs the command silently and returns its standard output if it exited with 0.
    pub fn probe(&self) -> Option<String> {
        let output = self.command().stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
        output.status.success().then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }
}
