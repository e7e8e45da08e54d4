//! The session loop: read a line, run it on the one handle, print one result line, flush.

use std::io::{self, BufRead, Write};
use std::time::Instant;

use rundown_abi::NtStatus;

use super::line::{self, Line};
use super::parse::{Command, parse_line};
use crate::hex;
use crate::ops::{self, OpError};
use crate::status;
use crate::transport::{Completion, InFlight, Transport};

/// `IoStatus.Status` of a request still in flight.
const STATUS_PENDING: NtStatus = NtStatus::from_raw(0x103);

/// Requests begun and not yet collected, by number.
#[derive(Default)]
struct Begun {
    next: u64,
    requests: Vec<(u64, Command, Box<dyn InFlight>)>,
}

/// Runs commands from `input` on `device` until `exit` or end of input, writing one result
/// line per command to `out` and flushing it at once. Blank lines and `#` comments get no
/// result line; a line that does not parse gets an `err` line and the session goes on.
///
/// # Errors
///
/// Reading `input` or writing `out` failed.
pub fn run(device: &mut dyn Transport, input: &mut dyn BufRead, out: &mut dyn Write) -> io::Result<()> {
    let mut buf = Vec::new();
    let mut begun = Begun::default();
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&buf);
        let Some(parsed) = parse_line(text.strip_suffix('\n').unwrap_or(&text)) else {
            continue;
        };
        let (result, exit) = match parsed {
            Err(err) => (Line::error(&err.word, &err.message), false),
            Ok(Command::Exit) => (Line::ok("exit"), true),
            Ok(Command::Begin(command)) => (begin(device, &command, &mut begun), false),
            Ok(Command::Wait { id, timeout }) => (wait(id, timeout, &mut begun), false),
            Ok(Command::Cancel(id)) => (cancel(id, &mut begun), false),
            Ok(Command::Close) => {
                let line = match device.close() {
                    Ok(()) => Line::ok("close").kv("in_flight", begun.requests.len()),
                    Err(err) => Line::error("close", &err.to_string()),
                };
                (line, false)
            }
            Ok(command) => (execute(device, &command), false),
        };
        writeln!(out, "{}", result.into_string())?;
        out.flush()?;
        if exit {
            return Ok(());
        }
    }
}

/// Runs one command (not `exit`) and builds its result line.
fn execute(device: &mut dyn Transport, command: &Command) -> Line {
    let word = command.word();
    let result = match command {
        Command::Acquire(count) => ops::acquire(device, *count)
            .map(|reply| Line::ok(word).kv("count", count).kv("handle_holds", reply.handle_holds)),
        Command::Release(count) => ops::release(device, *count)
            .map(|reply| Line::ok(word).kv("count", count).kv("handle_holds", reply.handle_holds)),
        Command::Query => ops::query(device).map(|reply| line::query(&reply)),
        Command::Read => ops::read(device).map(|reply| line::read(&reply)),
        Command::Write(data) | Command::WriteHex(data) => {
            ops::write(device, data).map(|reply| Line::ok(word).kv("version", reply.version).kv("len", data.len()))
        }
        Command::Rotate => {
            let started = Instant::now();
            ops::rotate(device).map(|reply| line::rotate(&reply, started.elapsed().as_millis()))
        }
        Command::Stats => ops::stats(device).map(|reply| line::stats(&reply)),
        Command::Sleep(duration) => {
            std::thread::sleep(*duration);
            Ok(Line::ok(word).kv("ms", duration.as_millis()))
        }
        Command::Raw { code, input, output_len } => raw(device, *code, input, *output_len),
        Command::Begin(_) | Command::Wait { .. } | Command::Cancel(_) | Command::Close | Command::Exit => {
            Ok(Line::ok(word))
        }
    };
    result.unwrap_or_else(|err| failure(word, &err))
}

/// `begin <command>`: issues the command's one request through [`Transport::begin`] (the
/// typed encoding of [`execute`] runs over a transport that hands the request on and answers
/// "pending"), and keeps it under the next number.
fn begin(device: &mut dyn Transport, command: &Command, begun: &mut Begun) -> Line {
    struct Issue<'a> {
        device: &'a mut dyn Transport,
        issued: Option<io::Result<Box<dyn InFlight>>>,
    }
    impl Transport for Issue<'_> {
        fn control(&mut self, code: u32, input: &[u8], output_len: usize) -> io::Result<Completion> {
            self.issued = Some(self.device.begin(code, input, output_len));
            Ok(Completion { status: STATUS_PENDING, information: 0, output: vec![0; output_len] })
        }
    }
    let mut issue = Issue { device, issued: None };
    let refused = execute(&mut issue, command);
    match issue.issued {
        // The request could not even be encoded (a payload over 256 bytes): that line.
        None => refused,
        Some(Err(err)) => Line::error("begin", &err.to_string()),
        Some(Ok(mut request)) => {
            begun.next += 1;
            let id = begun.next;
            let line = Line::ok("begin").kv("id", id).kv("command", command.word());
            // A request that completed at once is still collected with `wait`.
            let pending = match request.wait(std::time::Duration::ZERO) {
                Ok(Some(done)) => {
                    request = Box::new(crate::transport::Finished(Some(done)));
                    false
                }
                _ => true,
            };
            begun.requests.push((id, command.clone(), request));
            line.kv("pending", pending)
        }
    }
}

/// `cancel <id>`: asks the system to cancel a begun request.
fn cancel(id: u64, begun: &mut Begun) -> Line {
    let Some((_, _, request)) = begun.requests.iter_mut().find(|(begun_id, ..)| *begun_id == id) else {
        return Line::error("cancel", &format!("no request {id} in flight"));
    };
    match request.cancel() {
        Ok(()) => Line::ok("cancel").kv("id", id),
        Err(err) => Line::error("cancel", &err.to_string()),
    }
}

/// `wait <id> [ms]`: the begun command's own result line once its request completes.
fn wait(id: u64, timeout: std::time::Duration, begun: &mut Begun) -> Line {
    struct Replay(Option<Completion>);
    impl Transport for Replay {
        fn control(&mut self, _code: u32, _input: &[u8], _output_len: usize) -> io::Result<Completion> {
            self.0.take().ok_or_else(|| io::Error::other("the request's completion was already used"))
        }
    }
    let Some(at) = begun.requests.iter().position(|(begun_id, ..)| *begun_id == id) else {
        return Line::error("wait", &format!("no request {id} in flight"));
    };
    match begun.requests[at].2.wait(timeout) {
        Ok(Some(done)) => {
            let (_, command, _) = begun.requests.remove(at);
            execute(&mut Replay(Some(done)), &command)
        }
        Ok(None) => Line::error("wait", &format!("request {id} is still in flight after {} ms", timeout.as_millis())),
        Err(err) => Line::error("wait", &err.to_string()),
    }
}

/// `raw`: `ok` or `err` by the status, both with the status, information and whole output.
fn raw(device: &mut dyn Transport, code: u32, input: &[u8], output_len: u32) -> Result<Line, OpError> {
    let done = device.control(code, input, output_len as usize)?;
    let head = if done.status.is_success() {
        Line::ok("raw").kv("status", status::hex(done.status)).kv("name", status::name(done.status))
    } else {
        Line::status("raw", done.status)
    };
    Ok(head.kv("information", done.information).kv("output", hex::encode(&done.output)))
}

/// The line for a failed command.
fn failure(word: &str, err: &OpError) -> Line {
    match err {
        OpError::Status { status, .. } => Line::status(word, *status),
        other => Line::error(word, &other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use rundown_abi::NtStatus;

    use super::*;
    use crate::fake::FakeDriver;
    use crate::transport::Completion;

    fn session(dev: &mut FakeDriver, script: &str) -> Vec<String> {
        let mut out = Vec::new();
        run(dev, &mut script.as_bytes(), &mut out).unwrap();
        String::from_utf8(out).unwrap().lines().map(str::to_owned).collect()
    }

    #[test]
    fn a_scripted_session() {
        let mut dev = FakeDriver::new();
        let script = "\
# a comment, then a blank line

acquire 2
query
rotate
release 2
write hello world
write-hex 00ff
read
rotate
stats
sleep 1
frob
release
exit
query
";
        let mut lines = session(&mut dev, script);
        // The elapsed time is the only value that is not fixed.
        let rotated = lines.remove(7);
        assert!(rotated.starts_with("ok rotate old_generation=1 new_generation=2 waited_for_holders=0 elapsed_ms="));
        assert_eq!(
            lines,
            [
                "ok acquire count=2 handle_holds=2",
                "ok query generation=1 version=0 state=active holders=2 payload_len=0 handle_holds=2",
                "err rotate status=0xC0000184 name=STATUS_INVALID_DEVICE_STATE",
                "ok release count=2 handle_holds=0",
                "ok write version=1 len=11",
                "ok write-hex version=2 len=2",
                "ok read generation=1 version=2 len=2 hex=00ff",
                "ok stats acquisitions=2 refusals=0 waits=0 rotations=1 max_holders=2 holders=0 pool_bytes=0 pool_blocks=0",
                "ok sleep ms=1",
                "err frob error=unknown command 'frob'",
                "err release status=0xC0000225 name=STATUS_NOT_FOUND",
                "ok exit",
            ]
        );
    }

    #[test]
    fn begin_and_wait_on_a_synchronous_transport() {
        let mut dev = FakeDriver::new();
        let lines = session(
            &mut dev,
            "begin acquire 2\nbegin rotate\ncancel 2\nwait 2\nwait 1 0\nwait 1\nbegin write-hex 00\nclose\nwait 3\ncancel 3\n",
        );
        assert_eq!(
            lines,
            [
                "ok begin id=1 command=acquire pending=false",
                "ok begin id=2 command=rotate pending=false",
                "err cancel error=the request completed when it was issued",
                "err rotate status=0xC0000184 name=STATUS_INVALID_DEVICE_STATE",
                "ok acquire count=2 handle_holds=2",
                "err wait error=no request 1 in flight",
                "ok begin id=3 command=write-hex pending=false",
                "err close error=this handle cannot be closed early",
                "ok write-hex version=1 len=1",
                "err cancel error=no request 3 in flight",
            ]
        );
        let long = "x".repeat(257);
        assert_eq!(
            session(&mut dev, &format!("begin write {long}\n")),
            ["err write error=payload length 257 exceeds 256"]
        );
    }

    #[test]
    fn end_of_input_ends_the_session() {
        let mut dev = FakeDriver::new();
        assert_eq!(session(&mut dev, "acquire"), ["ok acquire count=1 handle_holds=1"]);
        assert!(session(&mut dev, "").is_empty());
    }

    #[test]
    fn crlf_and_invalid_utf8() {
        let mut dev = FakeDriver::new();
        let mut out = Vec::new();
        run(&mut dev, &mut &b"write a\xffb\r\nread\r\n"[..], &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert_eq!(out, "ok write version=1 len=5\nok read generation=1 version=1 len=5 hex=61efbfbd62\n");
    }

    #[test]
    fn raw_requests() {
        let mut dev = FakeDriver::new();
        assert_eq!(
            session(&mut dev, "raw 83526000 - 32\nraw 83526004 01 4\nraw 0x00220000 - 0\nwrite-hex -\n"),
            [
                "ok raw status=0x00000000 name=STATUS_SUCCESS information=32 \
                 output=0100000000000000000000000000000000000000000000000000000000000000",
                "err raw status=0xC0000004 name=STATUS_INFO_LENGTH_MISMATCH information=0 output=00000000",
                "err raw status=0xC0000010 name=STATUS_INVALID_DEVICE_REQUEST information=0 output=",
                "ok write-hex version=1 len=0",
            ]
        );
        assert_eq!(dev.calls[1], (0x8352_6004, vec![1], 4));
    }

    #[test]
    fn bad_replies_and_oversized_writes_are_errors() {
        let mut dev = FakeDriver::new();
        dev.next = Some(Completion { status: NtStatus::SUCCESS, information: 3, output: vec![0; 4] });
        let long = "x".repeat(257);
        assert_eq!(
            session(&mut dev, &format!("acquire\nwrite {long}\n")),
            [
                "err acquire error=bad reply from the driver (IoStatus.Information = 3): output buffer is 3 bytes; the reply needs 4",
                "err write error=payload length 257 exceeds 256",
            ]
        );
    }
}
