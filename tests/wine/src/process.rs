//! Child processes with a deadline.
//!
//! Each command runs in a process group of its own, so that a timeout ends the process and every
//! process it started (a Wine process's children stay in its group; services.exe and
//! winedevice.exe do not, they call `setsid`). Captured output goes to unlinked files rather than
//! pipes, so that a child process that inherited the descriptors cannot keep a read waiting.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write as _};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};

/// How long a killed process group gets to disappear before we stop waiting for it.
const KILL_GRACE: Duration = Duration::from_secs(5);

/// What a finished command left behind.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// The command as a shell line.
    pub command: String,
    /// The exit code, `None` if a signal ended the process. Wine passes a Windows exit code on
    /// truncated to its low 8 bits (0xC0000135 arrives as 53).
    pub code: Option<i32>,
    /// Standard output, decoded lossily.
    pub stdout: String,
    /// Standard error, decoded lossily.
    pub stderr: String,
    /// From start to exit.
    pub elapsed: Duration,
}

impl RunOutput {
    /// True if the command exited with 0.
    #[must_use]
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// The output if the command exited with 0, else an error that names the command and shows
    /// its exit code and output.
    pub fn ensure_success(self) -> Result<Self> {
        if self.success() {
            return Ok(self);
        }
        let code = self.code.map_or_else(|| "a signal".to_owned(), |code| code.to_string());
        let mut message = format!("`{}` exited with {code} after {}", self.command, seconds(self.elapsed));
        if let Some(error) = self.sc_error() {
            write!(message, " (Win32 error {error})").expect("writing to a String cannot fail");
        }
        bail!("{message}{}{}", section("stdout", &self.stdout), section("stderr", &self.stderr))
    }

    /// The Win32 error code Wine's sc.exe reported, if it failed.
    ///
    /// Wine's sc prints nothing on stdout when a call fails; it logs `err:sc:wmain failed to start
    /// service 1055` on the `err+sc` debug channel, which [`super::WineHost::sc`] turns on.
    #[must_use]
    pub fn sc_error(&self) -> Option<u32> {
        self.stderr
            .lines()
            .filter(|line| line.contains(":err:sc:"))
            .find_map(|line| line.rsplit(' ').next().and_then(|code| code.trim().parse().ok()))
    }
}

/// One command line, its displayed form and its deadline.
pub struct Job {
    command: Command,
    display: String,
    timeout: Duration,
}

impl Job {
    /// `program args`, shown as `display` (which should be the line a person would type).
    pub fn new(program: impl AsRef<OsStr>, display: String, timeout: Duration) -> Self {
        Self { command: Command::new(program), display, timeout }
    }

    /// The command, to add arguments, environment, a directory or standard streams.
    pub fn command(&mut self) -> &mut Command {
        &mut self.command
    }

    /// The command and its displayed form, for a process without a deadline.
    pub fn into_parts(self) -> (Command, String) {
        (self.command, self.display)
    }

    /// Prints and runs the command with standard input empty and its output captured in unlinked
    /// files under `scratch`.
    pub fn output(mut self, scratch: &Path) -> Result<RunOutput> {
        let (stdout_for_child, mut stdout) = scratch_file(scratch)?;
        let (stderr_for_child, mut stderr) = scratch_file(scratch)?;
        self.command.stdin(Stdio::null()).stdout(stdout_for_child).stderr(stderr_for_child);
        let display = self.display.clone();
        let started = Instant::now();
        let result = self.status();
        let elapsed = started.elapsed();
        let stdout = read_from_start(&mut stdout);
        let stderr = read_from_start(&mut stderr);
        match result {
            Ok(status) => Ok(RunOutput { command: display, code: status.code(), stdout, stderr, elapsed }),
            Err(error) => Err(anyhow!("{error:#}{}{}", section("stdout", &stdout), section("stderr", &stderr))),
        }
    }

    /// Prints and runs the command with the standard streams set on [`Job::command`] (inherited
    /// by default); an error if it does not end within the timeout, after killing its group.
    pub fn status(mut self) -> Result<ExitStatus> {
        say(format_args!("$ {}", self.display));
        let mut child = spawn_in_group(&mut self.command, &self.display)?;
        let Some(status) = wait_until(&mut child, self.timeout)? else {
            kill_group(&mut child);
            bail!(
                "`{}` did not finish within {}; killed it and the processes it started",
                self.display,
                seconds(self.timeout)
            )
        };
        Ok(status)
    }
}

/// Prints a line on standard output, ignoring failures (a closed pipe), so that the drops that
/// print cannot panic.
pub fn say(line: std::fmt::Arguments<'_>) {
    let _ = writeln!(io::stdout().lock(), "{line}");
}

/// Starts `command` as the leader of a new process group.
pub fn spawn_in_group(command: &mut Command, display: &str) -> Result<Child> {
    command.process_group(0).spawn().with_context(|| format!("could not start `{display}`"))
}

/// Waits until the child exits (`Some`) or `timeout` passes (`None`).
pub fn wait_until(child: &mut Child, timeout: Duration) -> Result<Option<ExitStatus>> {
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(1);
    loop {
        if let Some(status) = child.try_wait().context("could not wait for a child process")? {
            return Ok(Some(status));
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(None);
        }
        thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

/// Sends SIGKILL to the process group that `child` leads, then reaps the child.
///
/// Call it only while the child has not been reaped: until then its process id cannot be reused,
/// so the signal cannot reach an unrelated group.
pub fn kill_group(child: &mut Child) {
    // std has no killpg; kill(1) has it. The direct kill covers a system without kill(1).
    let group = format!("-{}", child.id());
    let _ = Command::new("kill")
        .args(["-s", "KILL", "--", &group])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let _ = child.kill();
    let _ = wait_until(child, KILL_GRACE);
}

/// Describes how a process ended, for messages.
pub fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with {code}"),
        (None, Some(signal)) => format!("was ended by signal {signal}"),
        (None, None) => "ended".to_owned(),
    }
}

/// A duration as seconds with one decimal, for messages.
pub fn seconds(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}

/// `\nNAME:\n<text>` if the text is not blank, for error messages; long texts keep their end.
pub fn section(name: &str, text: &str) -> String {
    const KEEP: usize = 4000;
    let text = text.trim_end();
    if text.trim().is_empty() {
        return String::new();
    }
    let start = text.len().saturating_sub(KEEP);
    let start = (start..text.len()).find(|&index| text.is_char_boundary(index)).unwrap_or(0);
    let cut = if start > 0 { "...\n" } else { "" };
    format!("\n{name}:\n{cut}{}", &text[start..])
}

/// A command line as it would be typed in a shell.
pub fn shell_line<'a>(words: impl IntoIterator<Item = &'a OsStr>) -> String {
    words.into_iter().map(quote).collect::<Vec<_>>().join(" ")
}

fn quote(word: &OsStr) -> String {
    let word = word.to_string_lossy();
    let plain = !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "-_=+./:,@".contains(c));
    if plain { word.into_owned() } else { format!("'{}'", word.replace('\'', r"'\''")) }
}

/// A file for a child's output: the child's handle and ours, sharing one offset. The name is
/// removed at once, so nothing is left behind.
fn scratch_file(dir: &Path) -> Result<(File, File)> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let path = dir.join(format!(".output-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("could not create {}", path.display()))?;
    fs::remove_file(&path).with_context(|| format!("could not remove {}", path.display()))?;
    let for_child = file.try_clone().context("could not duplicate an output file")?;
    Ok((for_child, file))
}

fn read_from_start(file: &mut File) -> String {
    let mut bytes = Vec::new();
    if file.seek(SeekFrom::Start(0)).is_ok() {
        let _ = file.read_to_end(&mut bytes);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}
