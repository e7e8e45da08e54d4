//! A Wine process in the background, spoken to line by line over its standard streams.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};

use super::process::{RunOutput, describe, kill_group, say, seconds, section, spawn_in_group, wait_until};

/// How long [`Background::wait`] gives the reader threads to drain the pipes after an exit.
const DRAIN: Duration = Duration::from_millis(500);

/// A process started by [`super::WineHost::spawn`], with standard input and output piped.
///
/// Reader threads move standard output, line by line, into a channel and collect standard error,
/// so every read has a deadline. Dropping the handle kills the process and the processes it
/// started.
pub struct Background {
    display: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stderr: Arc<Mutex<Vec<u8>>>,
    stderr_reader: JoinHandle<()>,
    started: Instant,
    status: Option<ExitStatus>,
}

impl Background {
    /// Prints and starts the command, as the leader of a new process group.
    pub(super) fn start(mut command: Command, display: String) -> Result<Self> {
        say(format_args!("$ {display} &"));
        command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = spawn_in_group(&mut command, &display)?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut stderr_pipe = child.stderr.take().expect("stderr is piped");
        let (sender, lines) = mpsc::channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = Vec::new();
            while reader.read_until(b'\n', &mut line).is_ok_and(|read| read > 0) {
                let text = String::from_utf8_lossy(&line);
                if sender.send(text.trim_end_matches(['\r', '\n']).to_owned()).is_err() {
                    break;
                }
                line.clear();
            }
        });
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let collected = Arc::clone(&stderr);
        let stderr_reader = thread::spawn(move || {
            let mut buffer = [0; 4096];
            while let Ok(read @ 1..) = stderr_pipe.read(&mut buffer) {
                collected.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(&buffer[..read]);
            }
        });
        let stdin = child.stdin.take();
        Ok(Self { display, child, stdin, lines, stderr, stderr_reader, started: Instant::now(), status: None })
    }

    /// Writes `line` and a newline to the process's standard input.
    pub fn send_line(&mut self, line: &str) -> Result<()> {
        let stdin = self.stdin.as_mut().ok_or_else(|| anyhow!("`{}`: standard input is closed", self.display))?;
        let written = stdin.write_all(format!("{line}\n").as_bytes()).and_then(|()| stdin.flush());
        if let Err(error) = written {
            let ended = self.ended();
            return Err(anyhow!(error)).with_context(|| {
                format!("could not send `{line}` to `{}`{ended}{}", self.display, self.stderr_section())
            });
        }
        Ok(())
    }

    /// The next line of standard output without its line ending; `None` once the output has
    /// ended. An error if no line comes within `timeout` (the process keeps running).
    pub fn read_line(&mut self, timeout: Duration) -> Result<Option<String>> {
        match self.lines.recv_timeout(timeout) {
            Ok(line) => Ok(Some(line)),
            Err(RecvTimeoutError::Disconnected) => Ok(None),
            Err(RecvTimeoutError::Timeout) => {
                let ended = self.ended();
                bail!("`{}` printed no line within {}{ended}{}", self.display, seconds(timeout), self.stderr_section())
            }
        }
    }

    /// The next line if one comes within `timeout`: `Ok(None)` when none came yet (the process
    /// may still print it later), an error once the output has ended.
    pub fn poll_line(&mut self, timeout: Duration) -> Result<Option<String>> {
        match self.lines.recv_timeout(timeout) {
            Ok(line) => Ok(Some(line)),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => {
                let ended = self.ended();
                bail!("`{}` ended its output{ended}{}", self.display, self.stderr_section())
            }
        }
    }

    /// Sends one request line and reads its one-line answer: the line protocol of
    /// `rundown-stress session`. An error if the answer does not come within `timeout` or the output
    /// ends first.
    pub fn request(&mut self, line: &str, timeout: Duration) -> Result<String> {
        self.send_line(line)?;
        let Some(answer) = self.read_line(timeout).with_context(|| format!("no answer to `{line}`"))? else {
            let ended = self.ended();
            bail!("`{}` ended its output before answering `{line}`{ended}{}", self.display, self.stderr_section())
        };
        Ok(answer)
    }

    /// Closes standard input, so that the process reads end of file.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// The standard error collected so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }

    /// True while the process runs.
    pub fn is_running(&mut self) -> bool {
        self.poll().is_none()
    }

    /// Closes standard input and waits up to `timeout` for the process to exit. Returns its exit
    /// code, the output lines not read yet and its standard error. On timeout, kills the process
    /// group and returns an error.
    pub fn wait(&mut self, timeout: Duration) -> Result<RunOutput> {
        self.close_stdin();
        if self.poll().is_none() && wait_until(&mut self.child, timeout)?.is_none() {
            kill_group(&mut self.child);
            bail!(
                "`{}` did not exit within {} of closing its input; killed it and the processes it started{}",
                self.display,
                seconds(timeout),
                self.stderr_section()
            );
        }
        let status = self.poll().context("the child process was reaped but has no exit status")?;
        // The pipes reach end of file when the last process holding them exits; one the process
        // started may hold them longer, so the drain has a deadline too.
        let deadline = Instant::now() + DRAIN;
        let mut stdout = String::new();
        while let Ok(line) = self.lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            stdout.push_str(&line);
            stdout.push('\n');
        }
        while !self.stderr_reader.is_finished() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(5));
        }
        Ok(RunOutput {
            command: self.display.clone(),
            code: status.code(),
            stdout,
            stderr: self.stderr(),
            elapsed: self.started.elapsed(),
        })
    }

    /// Kills the process and the processes it started (SIGKILL to its group), if it still runs.
    pub fn kill(&mut self) {
        self.stdin = None;
        if self.poll().is_none() {
            say(format_args!("$ kill -KILL -{}  # {}", self.child.id(), self.display));
            kill_group(&mut self.child);
            self.status = self.child.try_wait().ok().flatten();
        }
    }

    fn poll(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().ok().flatten();
        }
        self.status
    }

    /// `" (it exited with N)"` if the process has ended.
    fn ended(&mut self) -> String {
        self.poll().map(|status| format!(" (it {})", describe(status))).unwrap_or_default()
    }

    fn stderr_section(&self) -> String {
        section("stderr", &self.stderr())
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.kill();
    }
}
