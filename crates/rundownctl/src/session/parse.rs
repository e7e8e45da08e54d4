//! One session line into one command.

use std::time::Duration;

use crate::hex;

/// A session command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `acquire [n]` (default 1).
    Acquire(u32),
    /// `release [n]` (default 1).
    Release(u32),
    /// `query`.
    Query,
    /// `read`.
    Read,
    /// `write <text>`: the rest of the line after one separator, spaces kept.
    Write(Vec<u8>),
    /// `write-hex <hex>` (`-` for no bytes).
    WriteHex(Vec<u8>),
    /// `rotate`.
    Rotate,
    /// `stats`.
    Stats,
    /// `sleep <ms>`.
    Sleep(Duration),
    /// `raw <code> <input-hex or -> <output-len>`.
    Raw {
        /// The control code.
        code: u32,
        /// The input buffer.
        input: Vec<u8>,
        /// The output buffer's length.
        output_len: u32,
    },
    /// `begin <command>`: issue the command's request without waiting for it (on an
    /// overlapped handle a pended request stays in flight); `wait` collects it.
    Begin(Box<Command>),
    /// `wait <id> [ms]`: the result line of request `id` begun earlier, waiting up to `ms`
    /// (default [`DEFAULT_WAIT`]).
    Wait {
        /// The number `begin` answered.
        id: u64,
        /// How long to wait.
        timeout: Duration,
    },
    /// `cancel <id>`: `CancelIoEx` on request `id` begun earlier (collect it with `wait`).
    Cancel(u64),
    /// `close`: close the handle (CLEANUP) while begun requests may be in flight.
    Close,
    /// `exit`.
    Exit,
}

/// How long `wait <id>` waits without a timeout.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(20);

impl Command {
    /// The command's word, as its result line names it.
    #[must_use]
    pub fn word(&self) -> &'static str {
        match self {
            Self::Acquire(_) => "acquire",
            Self::Release(_) => "release",
            Self::Query => "query",
            Self::Read => "read",
            Self::Write(_) => "write",
            Self::WriteHex(_) => "write-hex",
            Self::Rotate => "rotate",
            Self::Stats => "stats",
            Self::Sleep(_) => "sleep",
            Self::Raw { .. } => "raw",
            Self::Begin(_) => "begin",
            Self::Wait { .. } => "wait",
            Self::Cancel(_) => "cancel",
            Self::Close => "close",
            Self::Exit => "exit",
        }
    }
}

/// A line that is not a command: the word it started with and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The line's first word (what the `err` line names).
    pub word: String,
    /// Why the line is not a command.
    pub message: String,
}

/// Largest output buffer a session's `raw` allocates (as the `raw` subcommand).
const MAX_RAW_OUTPUT: u32 = 1 << 20;

/// Parses one line (without its line break; a trailing `\r` is ignored). `None` for a blank
/// line or a `#` comment, which are not commands and get no result line.
///
/// # Errors
///
/// A [`ParseError`] for an unknown command or bad arguments.
pub fn parse_line(line: &str) -> Option<Result<Command, ParseError>> {
    let line = line.strip_suffix('\r').unwrap_or(line).trim_start();
    if line.trim_end().is_empty() || line.starts_with('#') {
        return None;
    }
    let (word, rest) = match line.find(char::is_whitespace) {
        Some(at) => (&line[..at], &line[at..]),
        None => (line, ""),
    };
    let fail = |message: String| ParseError { word: word.to_owned(), message };
    Some(parse_command(word, rest).map_err(fail))
}

fn parse_command(word: &str, rest: &str) -> Result<Command, String> {
    if word == "write" {
        // One separator, then the text verbatim (an empty write is allowed).
        let mut chars = rest.chars();
        chars.next();
        return Ok(Command::Write(chars.as_str().as_bytes().to_vec()));
    }
    if word == "begin" {
        let inner = rest.trim_start();
        let (inner_word, inner_rest) = match inner.find(char::is_whitespace) {
            Some(at) => (&inner[..at], &inner[at..]),
            None => (inner, ""),
        };
        return match parse_command(inner_word, inner_rest)? {
            Command::Sleep(_)
            | Command::Begin(_)
            | Command::Wait { .. }
            | Command::Cancel(_)
            | Command::Close
            | Command::Exit => Err(format!("usage: begin <request>; '{inner_word}' sends no request")),
            command => Ok(Command::Begin(Box::new(command))),
        };
    }
    let args: Vec<&str> = rest.split_whitespace().collect();
    match word {
        "close" => no_args(&args, Command::Close),
        "cancel" => match args.as_slice() {
            [id] => Ok(Command::Cancel(number(id, "request")?)),
            _ => Err("usage: cancel <id>".to_owned()),
        },
        "wait" => match args.as_slice() {
            [id] => Ok(Command::Wait { id: number(id, "request")?, timeout: DEFAULT_WAIT }),
            [id, ms] => Ok(Command::Wait {
                id: number(id, "request")?,
                timeout: Duration::from_millis(number(ms, "milliseconds")?),
            }),
            _ => Err("usage: wait <id> [ms]".to_owned()),
        },
        "acquire" => Ok(Command::Acquire(optional_count(&args)?)),
        "release" => Ok(Command::Release(optional_count(&args)?)),
        "query" => no_args(&args, Command::Query),
        "read" => no_args(&args, Command::Read),
        "rotate" => no_args(&args, Command::Rotate),
        "stats" => no_args(&args, Command::Stats),
        "exit" => no_args(&args, Command::Exit),
        "write-hex" => match args.as_slice() {
            [bytes] => Ok(Command::WriteHex(hex::parse_bytes(bytes).map_err(|e| e.to_string())?)),
            _ => Err("usage: write-hex <hex or ->".to_owned()),
        },
        "sleep" => match args.as_slice() {
            [ms] => Ok(Command::Sleep(Duration::from_millis(number(ms, "milliseconds")?))),
            _ => Err("usage: sleep <ms>".to_owned()),
        },
        "raw" => match args.as_slice() {
            [code, input, output_len] => {
                let code = hex::parse_u32(code).map_err(|e| format!("code: {e}"))?;
                let input = hex::parse_bytes(input).map_err(|e| format!("input: {e}"))?;
                let output_len = u32::try_from(number(output_len, "output length")?)
                    .ok()
                    .filter(|&len| len <= MAX_RAW_OUTPUT)
                    .ok_or_else(|| format!("output length is at most {MAX_RAW_OUTPUT}"))?;
                Ok(Command::Raw { code, input, output_len })
            }
            _ => Err("usage: raw <code> <input-hex or -> <output-len>".to_owned()),
        },
        _ => Err(format!("unknown command '{word}'")),
    }
}

fn no_args(args: &[&str], command: Command) -> Result<Command, String> {
    if args.is_empty() { Ok(command) } else { Err(format!("{} takes no arguments", command.word())) }
}

fn optional_count(args: &[&str]) -> Result<u32, String> {
    match args {
        [] => Ok(1),
        [n] => n.parse().map_err(|_| format!("'{n}' is not a count (0 to {})", u32::MAX)),
        _ => Err("usage: acquire|release [n]".to_owned()),
    }
}

fn number(text: &str, what: &str) -> Result<u64, String> {
    text.parse().map_err(|_| format!("'{text}' is not a number of {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(line: &str) -> Command {
        parse_line(line).expect("a command").expect("valid")
    }

    fn err(line: &str) -> ParseError {
        parse_line(line).expect("a command").expect_err("invalid")
    }

    #[test]
    fn blank_and_comments_are_skipped() {
        assert_eq!(parse_line(""), None);
        assert_eq!(parse_line("   \r"), None);
        assert_eq!(parse_line("# acquire"), None);
        assert_eq!(parse_line("  # note"), None);
    }

    #[test]
    fn counts() {
        assert_eq!(ok("acquire"), Command::Acquire(1));
        assert_eq!(ok("acquire 3\r"), Command::Acquire(3));
        assert_eq!(ok("  release   2  "), Command::Release(2));
        assert_eq!(ok("acquire 0"), Command::Acquire(0));
        assert_eq!(err("acquire x").message, "'x' is not a count (0 to 4294967295)");
        assert_eq!(err("release 1 2").message, "usage: acquire|release [n]");
        assert!(parse_line("acquire 4294967296").unwrap().is_err());
    }

    #[test]
    fn plain_commands() {
        assert_eq!(ok("query"), Command::Query);
        assert_eq!(ok("read"), Command::Read);
        assert_eq!(ok("rotate"), Command::Rotate);
        assert_eq!(ok("stats"), Command::Stats);
        assert_eq!(ok("exit"), Command::Exit);
        assert_eq!(err("query now"), ParseError { word: "query".into(), message: "query takes no arguments".into() });
    }

    #[test]
    fn write_keeps_the_text() {
        assert_eq!(ok("write hello world"), Command::Write(b"hello world".to_vec()));
        assert_eq!(ok("write  two"), Command::Write(b" two".to_vec()));
        assert_eq!(ok("write trailing \r"), Command::Write(b"trailing ".to_vec()));
        assert_eq!(ok("write"), Command::Write(Vec::new()));
        assert_eq!(ok("write caf\u{e9}"), Command::Write("caf\u{e9}".as_bytes().to_vec()));
    }

    #[test]
    fn write_hex() {
        assert_eq!(ok("write-hex 00ff"), Command::WriteHex(vec![0, 0xff]));
        assert_eq!(ok("write-hex -"), Command::WriteHex(vec![]));
        assert_eq!(err("write-hex 0").message, "odd number of hex digits (1)");
        assert_eq!(err("write-hex").message, "usage: write-hex <hex or ->");
    }

    #[test]
    fn sleep() {
        assert_eq!(ok("sleep 250"), Command::Sleep(Duration::from_millis(250)));
        assert_eq!(err("sleep").message, "usage: sleep <ms>");
        assert_eq!(err("sleep 1s").message, "'1s' is not a number of milliseconds");
    }

    #[test]
    fn raw() {
        assert_eq!(
            ok("raw 0x83526004 01000000 4"),
            Command::Raw { code: 0x8352_6004, input: vec![1, 0, 0, 0], output_len: 4 }
        );
        assert_eq!(ok("raw 83526000 - 32"), Command::Raw { code: 0x8352_6000, input: vec![], output_len: 32 });
        assert_eq!(err("raw 1 -").message, "usage: raw <code> <input-hex or -> <output-len>");
        assert_eq!(err("raw zz - 0").message, "code: 'z' is not a hex digit");
        assert_eq!(err("raw 1 abc 0").message, "input: odd number of hex digits (3)");
        assert_eq!(err("raw 1 - 99999999").message, "output length is at most 1048576");
    }

    #[test]
    fn begin_wait_close() {
        assert_eq!(ok("begin rotate"), Command::Begin(Box::new(Command::Rotate)));
        assert_eq!(ok("begin  acquire 2"), Command::Begin(Box::new(Command::Acquire(2))));
        assert_eq!(ok("begin write a b"), Command::Begin(Box::new(Command::Write(b"a b".to_vec()))));
        assert_eq!(err("begin sleep 5").message, "usage: begin <request>; 'sleep' sends no request");
        assert_eq!(err("begin begin rotate").message, "usage: begin <request>; 'begin' sends no request");
        assert_eq!(err("begin frob").message, "unknown command 'frob'");
        assert_eq!(ok("wait 3"), Command::Wait { id: 3, timeout: DEFAULT_WAIT });
        assert_eq!(ok("wait 3 250"), Command::Wait { id: 3, timeout: Duration::from_millis(250) });
        assert_eq!(err("wait").message, "usage: wait <id> [ms]");
        assert_eq!(ok("close"), Command::Close);
        assert_eq!(ok("cancel 2"), Command::Cancel(2));
        assert_eq!(err("cancel").message, "usage: cancel <id>");
    }

    #[test]
    fn unknown_command() {
        assert_eq!(err("frob 1"), ParseError { word: "frob".into(), message: "unknown command 'frob'".into() });
    }
}
