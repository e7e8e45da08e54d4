//! `rundown-stress session`: commands from stdin on one handle, one JSON result line each.
//!
//! A line is a `rundownctl` device command as it would be typed after `rundownctl` (`acquire
//! --count 2`, `write "two words"`, `raw --code 0x83526000 --output-len 32`), split like a shell
//! line (single and double quotes group words), parsed by rundownctl's own parser
//! ([`DeviceCommand`]) and run by its own code ([`commands::execute`]); its result line is what
//! `rundownctl <command> --json` prints ([`Reply::to_json`](rundownctl::output::Reply::to_json),
//! [`Failure`]). The session adds the words that only make sense on a handle kept open between
//! lines:
//!
//! - `begin <command>`: issue the command's request without waiting for it (on an overlapped
//!   handle a pended request stays in flight): `{"ok":true,"command":"begin","id":N,
//!   "request":"rotate","pending":true}`;
//! - `wait <id> [ms]`: the begun command's own result line once it completes (default 20 s);
//! - `cancel <id>`: `CancelIoEx` on a begun request;
//! - `close`: close the handle (CLEANUP) while begun requests may be in flight;
//! - `sleep <ms>`, `exit`.
//!
//! Blank lines and `#` comments get no result line.

use std::io::{self, BufRead, Write};
use std::time::Duration;

use clap::{Parser, Subcommand};
use rundown_abi::NtStatus;
use rundown_client::{Completion, Device, Finished, InFlight, Transport};
use rundownctl::cli::DeviceCommand;
use rundownctl::commands::{self, Console};
use rundownctl::output::Failure;
use serde::Serialize;

/// How long `wait <id>` waits without a timeout.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(20);

/// `IoStatus.Status` of a request still in flight.
const STATUS_PENDING: NtStatus = NtStatus::from_raw(0x103);

/// One session line.
#[derive(Debug, Parser)]
#[command(no_binary_name = true, disable_help_subcommand = true, disable_help_flag = true)]
struct Line {
    #[command(subcommand)]
    command: SessionCommand,
}

/// What `begin` issues: one device command.
#[derive(Debug, Parser)]
#[command(no_binary_name = true, disable_help_subcommand = true, disable_help_flag = true)]
struct Request {
    #[command(subcommand)]
    command: DeviceCommand,
}

/// A session command: rundownctl's device commands, and the session's own.
#[derive(Clone, Debug, PartialEq, Eq, Subcommand)]
pub enum SessionCommand {
    /// A rundownctl device command.
    #[command(flatten)]
    Device(DeviceCommand),
    /// Issue a command's request without waiting for it.
    Begin {
        /// The command, as typed on its own line.
        #[arg(required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
        request: Vec<String>,
    },
    /// The result line of a request begun earlier.
    Wait {
        /// The number `begin` answered.
        id: u64,
        /// How long to wait, in milliseconds.
        ms: Option<u64>,
    },
    /// `CancelIoEx` on a request begun earlier (collect it with `wait`).
    Cancel {
        /// The number `begin` answered.
        id: u64,
    },
    /// Close the handle while begun requests may be in flight.
    Close,
    /// Sleep.
    Sleep {
        /// How long, in milliseconds.
        ms: u64,
    },
    /// End the session.
    Exit,
}

/// Splits a line into words as a shell would, without expansions: whitespace separates,
/// single quotes keep everything up to the next one, double quotes too except that `\"` and
/// `\\` stand for `"` and `\`.
///
/// # Errors
///
/// An unterminated quote.
pub fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => words.extend(word.take()),
            '\'' => {
                let word = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("unterminated ' quote".to_owned()),
                    }
                }
            }
            '"' => {
                let word = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err("unterminated \" quote".to_owned()),
                        },
                        Some(c) => word.push(c),
                        None => return Err("unterminated \" quote".to_owned()),
                    }
                }
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

/// Parses one line (without its line break; a trailing `\r` is ignored). `None` for a blank
/// line or a `#` comment.
///
/// # Errors
///
/// A [`Failure`] naming the line's first word, for a line that is not a command.
#[must_use]
pub fn parse_line(line: &str) -> Option<Result<SessionCommand, Failure>> {
    let line = line.strip_suffix('\r').unwrap_or(line).trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let first = line.split_whitespace().next().unwrap_or_default();
    let words = match split_words(line) {
        Ok(words) => words,
        Err(message) => return Some(Err(Failure::new(first, None, message))),
    };
    Some(Line::try_parse_from(&words).map(|parsed| parsed.command).map_err(|err| usage(first, &err)))
}

/// A clap error as a failure: its first line, without `error: `.
fn usage(word: &str, err: &clap::Error) -> Failure {
    let text = err.to_string();
    let first = text.lines().next().unwrap_or_default();
    Failure::new(word, None, first.strip_prefix("error: ").unwrap_or(first).to_owned())
}

/// The result of one of the session's own words (`{"ok":true,"command":"close","in_flight":0}`).
#[derive(Serialize)]
#[serde(tag = "command", rename_all = "kebab-case")]
enum Own {
    Begin { id: u64, request: &'static str, pending: bool },
    Cancel { id: u64 },
    Close { in_flight: usize },
    Sleep { ms: u64 },
    Exit,
}

impl Own {
    fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Line<'a> {
            ok: bool,
            #[serde(flatten)]
            own: &'a Own,
        }
        serde_json::to_string(&Line { ok: true, own: self }).expect("plain values serialize")
    }
}

/// Requests begun and not yet collected, by number.
#[derive(Default)]
struct Begun {
    next: u64,
    requests: Vec<(u64, DeviceCommand, Box<dyn InFlight>)>,
}

/// Runs commands from `input` on `device` until `exit` or end of input, writing one result
/// line per command to `out` and flushing it at once. A line that does not parse gets a
/// failure line and the session goes on.
///
/// # Errors
///
/// Reading `input` or writing `out` failed.
pub fn run<T: Transport + ?Sized>(
    device: &mut Device<T>,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> io::Result<()> {
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
            Err(failure) => (failure.to_json(), false),
            Ok(SessionCommand::Exit) => (Own::Exit.to_json(), true),
            Ok(SessionCommand::Device(command)) => (execute(device, &command), false),
            Ok(SessionCommand::Begin { request }) => (begin(device, &request, &mut begun), false),
            Ok(SessionCommand::Wait { id, ms }) => {
                let timeout = ms.map_or(DEFAULT_WAIT, Duration::from_millis);
                (wait(id, timeout, &mut begun), false)
            }
            Ok(SessionCommand::Cancel { id }) => (cancel(id, &mut begun), false),
            Ok(SessionCommand::Close) => {
                let line = match device.transport_mut().close() {
                    Ok(()) => Own::Close { in_flight: begun.requests.len() }.to_json(),
                    Err(err) => Failure::new("close", None, err.to_string()).to_json(),
                };
                (line, false)
            }
            Ok(SessionCommand::Sleep { ms }) => {
                std::thread::sleep(Duration::from_millis(ms));
                (Own::Sleep { ms }.to_json(), false)
            }
        };
        writeln!(out, "{result}")?;
        out.flush()?;
        if exit {
            return Ok(());
        }
    }
}

/// Runs a device command and builds its result line, as `rundownctl <command> --json` prints it.
fn execute<T: Transport + ?Sized>(device: &mut Device<T>, command: &DeviceCommand) -> String {
    match commands::execute(device, command, &mut Console::quiet()) {
        Ok(reply) => reply.to_json(),
        Err(err) => Failure::of(command.word(), &err).to_json(),
    }
}

/// `begin <command>`: issues the command's one request through [`Transport::begin`] (the
/// command's own code runs over a transport that hands the request on and answers "pending"),
/// and keeps it under the next number.
fn begin<T: Transport + ?Sized>(device: &mut Device<T>, words: &[String], begun: &mut Begun) -> String {
    struct Issue<'a, T: ?Sized> {
        transport: &'a mut T,
        issued: Option<io::Result<Box<dyn InFlight>>>,
    }
    impl<T: Transport + ?Sized> Transport for Issue<'_, T> {
        fn control(&mut self, code: u32, input: &[u8], output_len: usize) -> io::Result<Completion> {
            if self.issued.is_some() {
                return Err(io::Error::other("begin issues one request"));
            }
            self.issued = Some(self.transport.begin(code, input, output_len));
            Ok(Completion::failed(STATUS_PENDING, output_len))
        }
    }
    let command = match Request::try_parse_from(words) {
        Ok(request) => request.command,
        Err(err) => return usage(words.first().map_or("begin", String::as_str), &err).to_json(),
    };
    if matches!(command, DeviceCommand::Hold { .. } | DeviceCommand::PeerStop) {
        let why = format!("'{}' sends more than one request", command.word());
        return Failure::new("begin", None, why).to_json();
    }
    let mut issue = Device::new(Issue { transport: device.transport_mut(), issued: None });
    let refused = execute(&mut issue, &command);
    match issue.into_transport().issued {
        // The request could not even be encoded (a payload over 256 bytes): that line.
        None => refused,
        Some(Err(err)) => Failure::new("begin", None, err.to_string()).to_json(),
        Some(Ok(mut request)) => {
            begun.next += 1;
            let id = begun.next;
            // A request that completed at once is still collected with `wait`.
            let pending = match request.wait(Duration::ZERO) {
                Ok(Some(done)) => {
                    request = Box::new(Finished(Some(done)));
                    false
                }
                _ => true,
            };
            let line = Own::Begin { id, request: command.word(), pending }.to_json();
            begun.requests.push((id, command, request));
            line
        }
    }
}

/// `cancel <id>`: asks the system to cancel a begun request.
fn cancel(id: u64, begun: &mut Begun) -> String {
    let Some((_, _, request)) = begun.requests.iter_mut().find(|(begun_id, ..)| *begun_id == id) else {
        return Failure::new("cancel", None, format!("no request {id} in flight")).to_json();
    };
    match request.cancel() {
        Ok(()) => Own::Cancel { id }.to_json(),
        Err(err) => Failure::new("cancel", None, err.to_string()).to_json(),
    }
}

/// `wait <id> [ms]`: the begun command's own result line once its request completes.
fn wait(id: u64, timeout: Duration, begun: &mut Begun) -> String {
    struct Replay(Option<Completion>);
    impl Transport for Replay {
        fn control(&mut self, _code: u32, _input: &[u8], _output_len: usize) -> io::Result<Completion> {
            self.0.take().ok_or_else(|| io::Error::other("the request's completion was already used"))
        }
    }
    let Some(at) = begun.requests.iter().position(|(begun_id, ..)| *begun_id == id) else {
        return Failure::new("wait", None, format!("no request {id} in flight")).to_json();
    };
    match begun.requests[at].2.wait(timeout) {
        Ok(Some(done)) => {
            let (_, command, _) = begun.requests.remove(at);
            execute(&mut Device::new(Replay(Some(done))), &command)
        }
        Ok(None) => {
            let why = format!("request {id} is still in flight after {} ms", timeout.as_millis());
            Failure::new("wait", None, why).to_json()
        }
        Err(err) => Failure::new("wait", None, err.to_string()).to_json(),
    }
}

#[cfg(test)]
mod tests {
    use rundown_abi::Ioctl;
    use rundown_client::{LocalDriver, Scripted, ServiceTransport};

    use super::*;

    fn session<T: Transport>(dev: &mut Device<T>, script: &str) -> Vec<String> {
        let mut out = Vec::new();
        run(dev, &mut script.as_bytes(), &mut out).unwrap();
        String::from_utf8(out).unwrap().lines().map(str::to_owned).collect()
    }

    fn driver() -> Device<Scripted<ServiceTransport>> {
        Device::new(Scripted::new(LocalDriver::new().open()))
    }

    #[test]
    fn words_split_like_a_shell() {
        assert_eq!(split_words("  write  \"two  words\" x").unwrap(), ["write", "two  words", "x"]);
        assert_eq!(split_words(r#"a"b c"d 'e "f' "\"\\\n""#).unwrap(), ["ab cd", "e \"f", "\"\\\\n"]);
        assert_eq!(split_words("write ''").unwrap(), ["write", ""]);
        assert!(split_words("write \"open").is_err());
        assert!(split_words("write 'open").is_err());
    }

    #[test]
    fn lines_parse_with_rundownctls_parser() {
        assert_eq!(parse_line(""), None);
        assert_eq!(parse_line("   \r"), None);
        assert_eq!(parse_line("  # acquire"), None);
        assert_eq!(parse_line("query\r"), Some(Ok(SessionCommand::Device(DeviceCommand::Query))));
        let Some(Ok(SessionCommand::Device(DeviceCommand::Write(args)))) = parse_line("write \"a b\"") else {
            panic!("not write")
        };
        assert_eq!(args.payload(), b"a b");
        assert_eq!(parse_line("wait 3 250"), Some(Ok(SessionCommand::Wait { id: 3, ms: Some(250) })));
        let Some(Err(failure)) = parse_line("frob 1") else { panic!("parsed") };
        assert_eq!(failure.command, "frob");
        assert!(failure.error.contains("unrecognized subcommand 'frob'"), "{}", failure.error);
        let Some(Err(failure)) = parse_line("acquire x") else { panic!("parsed") };
        assert!(failure.error.contains("unexpected argument 'x'"), "{}", failure.error);
        let Some(Err(failure)) = parse_line("write \"open") else { panic!("parsed") };
        assert_eq!(failure.to_json(), r#"{"ok":false,"command":"write","error":"unterminated \" quote"}"#);
        assert!(parse_line("stress --seconds 1").unwrap().is_err(), "no tooling in a session");
    }

    #[test]
    fn a_scripted_session() {
        let mut dev = driver();
        let script = "\
# a comment, then a blank line

acquire --count 2
query
rotate
release --count 2
write \"hello world\"
write --hex 00ff
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
        assert!(rotated.starts_with(
            r#"{"ok":true,"command":"rotate","old_generation":1,"new_generation":2,"waited_for_holders":0,"elapsed_ms":"#
        ));
        assert_eq!(
            lines,
            [
                r#"{"ok":true,"command":"acquire","count":2,"handle_holds":2}"#,
                r#"{"ok":true,"command":"query","generation":1,"version":0,"state":"active","holders":2,"payload_len":0,"handle_holds":2}"#,
                r#"{"ok":false,"command":"rotate","status":"0xC0000184","name":"STATUS_INVALID_DEVICE_STATE","error":"STATUS_INVALID_DEVICE_STATE (0xC0000184)"}"#,
                r#"{"ok":true,"command":"release","count":2,"handle_holds":0}"#,
                r#"{"ok":true,"command":"write","len":11,"version":1}"#,
                r#"{"ok":true,"command":"write","len":2,"version":2}"#,
                r#"{"ok":true,"command":"read","generation":1,"version":2,"len":2,"hex":"00ff"}"#,
                r#"{"ok":true,"command":"stats","acquisitions":6,"refusals":0,"waits":0,"rotations":1,"max_holders":3,"holders":0,"pool_bytes":0,"pool_blocks":0}"#,
                r#"{"ok":true,"command":"sleep","ms":1}"#,
                r#"{"ok":false,"command":"frob","error":"unrecognized subcommand 'frob'"}"#,
                r#"{"ok":false,"command":"release","status":"0xC0000225","name":"STATUS_NOT_FOUND","error":"STATUS_NOT_FOUND (0xC0000225)"}"#,
                r#"{"ok":true,"command":"exit"}"#,
            ]
        );
    }

    #[test]
    fn begin_and_wait_on_a_synchronous_transport() {
        let mut dev = driver();
        let lines = session(
            &mut dev,
            "begin acquire --count 2\nbegin rotate\ncancel 2\nwait 2\nwait 1 0\nwait 1\nbegin write --hex 00\n\
             begin hold --seconds 1\nclose\nwait 3\ncancel 3\nquery\n",
        );
        assert_eq!(
            lines,
            [
                r#"{"ok":true,"command":"begin","id":1,"request":"acquire","pending":false}"#,
                r#"{"ok":true,"command":"begin","id":2,"request":"rotate","pending":false}"#,
                r#"{"ok":false,"command":"cancel","error":"the request completed when it was issued"}"#,
                r#"{"ok":false,"command":"rotate","status":"0xC0000184","name":"STATUS_INVALID_DEVICE_STATE","error":"STATUS_INVALID_DEVICE_STATE (0xC0000184)"}"#,
                r#"{"ok":true,"command":"acquire","count":2,"handle_holds":2}"#,
                r#"{"ok":false,"command":"wait","error":"no request 1 in flight"}"#,
                r#"{"ok":true,"command":"begin","id":3,"request":"write","pending":false}"#,
                r#"{"ok":false,"command":"begin","error":"'hold' sends more than one request"}"#,
                r#"{"ok":true,"command":"close","in_flight":1}"#,
                r#"{"ok":true,"command":"write","len":1,"version":1}"#,
                r#"{"ok":false,"command":"cancel","error":"no request 3 in flight"}"#,
                r#"{"ok":false,"command":"query","error":"the handle is closed"}"#,
            ]
        );
        let long = "x".repeat(257);
        assert_eq!(
            session(&mut driver(), &format!("begin write {long}\nbegin frob\n")),
            [
                r#"{"ok":false,"command":"write","error":"payload length 257 exceeds 256"}"#,
                r#"{"ok":false,"command":"frob","error":"unrecognized subcommand 'frob'"}"#,
            ]
        );
    }

    #[test]
    fn end_of_input_ends_the_session() {
        let mut dev = driver();
        assert_eq!(session(&mut dev, "acquire"), [r#"{"ok":true,"command":"acquire","count":1,"handle_holds":1}"#]);
        assert!(session(&mut dev, "").is_empty());
    }

    #[test]
    fn crlf_and_invalid_utf8() {
        let mut dev = driver();
        let mut out = Vec::new();
        run(&mut dev, &mut &b"write a\xffb\r\nread\r\n"[..], &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"ok\":true,\"command\":\"write\",\"len\":5,\"version\":1}\n\
             {\"ok\":true,\"command\":\"read\",\"generation\":1,\"version\":1,\"len\":5,\"hex\":\"61efbfbd62\",\"text\":\"a\u{fffd}b\"}\n"
        );
    }

    #[test]
    fn raw_requests() {
        let mut dev = driver();
        assert_eq!(
            session(
                &mut dev,
                "raw --code 83526000 --output-len 32\nraw --code 83526004 --input-hex 01 --output-len 4\n\
                 raw --code 0x00220000\nwrite --hex -\n"
            ),
            [
                r#"{"ok":true,"command":"raw","code":"0x83526000","input":"","status":"0x00000000","name":"STATUS_SUCCESS","information":32,"output":"0100000000000000000000000000000000000000000000000000000000000000"}"#,
                r#"{"ok":false,"command":"raw","code":"0x83526004","input":"01","status":"0xC0000004","name":"STATUS_INFO_LENGTH_MISMATCH","information":0,"output":"00000000"}"#,
                r#"{"ok":false,"command":"raw","code":"0x00220000","input":"","status":"0xC0000010","name":"STATUS_INVALID_DEVICE_REQUEST","information":0,"output":""}"#,
                r#"{"ok":true,"command":"write","len":0,"version":1}"#,
            ]
        );
        assert_eq!(dev.transport().calls[1], (Ioctl::Acquire.code(), vec![1], 4));
    }

    #[test]
    fn bad_replies_and_oversized_writes_are_errors() {
        let mut dev = driver();
        dev.transport_mut().answer_next(Completion { status: NtStatus::SUCCESS, information: 3, output: vec![0; 4] });
        let long = "x".repeat(257);
        assert_eq!(
            session(&mut dev, &format!("acquire\nwrite {long}\n")),
            [
                r#"{"ok":false,"command":"acquire","error":"bad reply from the driver (IoStatus.Information = 3): output buffer is 3 bytes; the reply needs 4"}"#,
                r#"{"ok":false,"command":"write","error":"payload length 257 exceeds 256"}"#,
            ]
        );
    }
}
