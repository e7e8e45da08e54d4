//! The stress run's client processes: started as `<program> <prefix...> stress-client
//! --seconds S --id N` with standard output piped, waited for with a deadline, killed after it.

use std::ffi::OsString;
use std::io::{self, Read as _};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

/// How often a wait looks whether the child has exited.
const POLL: Duration = Duration::from_millis(10);

/// How long the output may take to reach its end once the child has exited (longer only if
/// something else holds the pipe open).
const OUTPUT_GRACE: Duration = Duration::from_secs(5);

/// How client processes are started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Launcher {
    /// The program (this executable).
    pub program: PathBuf,
    /// Arguments before `stress-client` (the global `--device PATH`, if given).
    pub prefix: Vec<OsString>,
}

impl Launcher {
    /// This executable, passing `--device` on if one was given.
    ///
    /// # Errors
    ///
    /// [`std::env::current_exe`] failed.
    pub fn this_program(device: Option<&str>) -> io::Result<Self> {
        let prefix = device.map(|path| vec![OsString::from("--device"), OsString::from(path)]).unwrap_or_default();
        Ok(Self { program: std::env::current_exe()?, prefix })
    }

    /// The arguments of client `id`.
    #[must_use]
    pub fn args(&self, id: u32, seconds: Duration) -> Vec<OsString> {
        let mut args = self.prefix.clone();
        let own = ["stress-client", "--seconds", &seconds.as_secs_f64().to_string(), "--id", &id.to_string()];
        args.extend(own.into_iter().map(OsString::from));
        args
    }

    /// Starts client `id` (standard input empty, output piped, errors inherited).
    ///
    /// # Errors
    ///
    /// The process could not be started.
    pub fn spawn(&self, id: u32, seconds: Duration) -> io::Result<Running> {
        let mut child = Command::new(&self.program)
            .args(self.args(id, seconds))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child.stdout.take().ok_or_else(|| io::Error::other("no pipe for the child's output"))?;
        Ok(Running { id, child, reader: read_all(stdout), started: Instant::now() })
    }
}

/// Reads the pipe to its end on its own thread, so that a child never blocks on a full pipe.
fn read_all(mut stdout: ChildStdout) -> Receiver<io::Result<String>> {
    let (send, receive) = mpsc::channel();
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let result = stdout.read_to_end(&mut bytes).map(|_| String::from_utf8_lossy(&bytes).into_owned());
        // The receiver may have given up waiting.
        let _ = send.send(result);
    });
    receive
}

/// A client process that was started.
#[derive(Debug)]
pub struct Running {
    /// Its number.
    pub id: u32,
    child: Child,
    reader: Receiver<io::Result<String>>,
    /// When it was started.
    pub started: Instant,
}

/// How a client process ended.
#[derive(Debug)]
pub struct Finished {
    /// Its number.
    pub id: u32,
    /// Its exit status, if it was collected.
    pub status: Option<ExitStatus>,
    /// Killed because it outlived its deadline.
    pub killed: bool,
    /// Everything it wrote to standard output.
    pub stdout: String,
    /// What went wrong while waiting or reading, if anything.
    pub trouble: Option<String>,
}

impl Running {
    /// Waits until the process exits or `deadline` passes; kills it then. Collects its output.
    #[must_use]
    pub fn finish(mut self, deadline: Instant) -> Finished {
        let mut trouble = None;
        let mut killed = false;
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() < deadline => thread::sleep(POLL),
                Ok(None) => {
                    killed = true;
                    if let Err(err) = self.child.kill() {
                        trouble = Some(format!("kill failed: {err}"));
                    }
                    break self.child.wait().ok();
                }
                Err(err) => {
                    trouble = Some(format!("wait failed: {err}"));
                    let _ = self.child.kill();
                    break self.child.wait().ok();
                }
            }
        };
        let stdout = match self.reader.recv_timeout(OUTPUT_GRACE) {
            Ok(Ok(text)) => text,
            Ok(Err(err)) => {
                trouble.get_or_insert_with(|| format!("reading its output failed: {err}"));
                String::new()
            }
            Err(RecvTimeoutError::Timeout) => {
                trouble.get_or_insert_with(|| "its output did not end".to_owned());
                String::new()
            }
            Err(RecvTimeoutError::Disconnected) => {
                trouble.get_or_insert_with(|| "the thread reading its output panicked".to_owned());
                String::new()
            }
        };
        Finished { id: self.id, status, killed, stdout, trouble }
    }
}

impl Finished {
    /// `exit 0`, `exit 1`, `killed after the deadline`, ... for the detail line.
    #[must_use]
    pub fn how(&self) -> String {
        let status = match self.status.and_then(|status| status.code()) {
            Some(code) => format!("exit {code}"),
            None => "no exit code".to_owned(),
        };
        let mut how = if self.killed { format!("killed after the deadline, {status}") } else { status };
        if let Some(trouble) = &self.trouble {
            how = format!("{how}, {trouble}");
        }
        how
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// `sh -c SCRIPT sh stress-client --seconds S --id N`: in the script, `$3` is S, `$5` is N.
    fn shell(script: &str) -> Launcher {
        Launcher { program: PathBuf::from("sh"), prefix: vec!["-c".into(), script.into(), "sh".into()] }
    }

    #[test]
    fn client_arguments() {
        let launcher = Launcher { program: PathBuf::from("x.exe"), prefix: vec!["--device".into(), r"\\.\D".into()] };
        let args = launcher.args(2, Duration::from_millis(1500));
        assert_eq!(args, ["--device", r"\\.\D", "stress-client", "--seconds", "1.5", "--id", "2"]);
        let plain = Launcher { prefix: Vec::new(), ..launcher };
        assert_eq!(plain.args(0, Duration::from_secs(10)), ["stress-client", "--seconds", "10", "--id", "0"]);
        let this = Launcher::this_program(None).unwrap();
        assert!(this.prefix.is_empty());
        assert_eq!(Launcher::this_program(Some("p")).unwrap().prefix, ["--device", "p"]);
    }

    #[test]
    fn collects_output_and_exit_status() {
        let running = shell(r#"echo "client $5 ran for $3"; exit 3"#).spawn(7, Duration::from_secs(2)).unwrap();
        let finished = running.finish(Instant::now() + Duration::from_secs(20));
        assert_eq!(finished.stdout, "client 7 ran for 2\n");
        assert_eq!((finished.id, finished.killed, finished.how()), (7, false, "exit 3".to_owned()));
    }

    #[test]
    fn kills_at_the_deadline() {
        let running = shell("echo started; exec sleep 30").spawn(0, Duration::from_secs(1)).unwrap();
        let started = Instant::now();
        let finished = running.finish(Instant::now() + Duration::from_millis(200));
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(finished.killed);
        assert_eq!(finished.stdout, "started\n");
        assert!(finished.how().starts_with("killed after the deadline"), "{}", finished.how());
    }

    #[test]
    fn a_missing_program_does_not_start() {
        let launcher = Launcher { program: PathBuf::from("/nonexistent/rundownctl"), prefix: Vec::new() };
        assert!(launcher.spawn(0, Duration::ZERO).is_err());
    }
}
