//! The session loop: read a line, run it on the one handle, print one result line, flush.

use std::io::{self, BufRead, Write};
use std::time::Instant;

use super::line::{self, Line};
use super::parse::{Command, parse_line};
use crate::hex;
use crate::ops::{self, OpError};
use crate::status;
use crate::transport::Transport;

/// Runs commands from `input` on `device` until `exit` or end of input, writing one result
/// line per command to `out` and flushing it at once. Blank lines and `#` comments get no
/// result line; a line that does not parse gets an `err` line and the session goes on.
///
/// # Errors
///
/// Reading `input` or writing `out` failed.
pub fn run(device: &mut dyn Transport, input: &mut dyn BufRead, out: &mut dyn Write) -> io::Result<()> {
    let mut buf = Vec::new();
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
        Command::Exit => Ok(Line::ok(word)),
    };
    result.unwrap_or_else(|err| failure(word, &err))
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
