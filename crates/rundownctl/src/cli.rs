//! The command line (clap derive). [`DeviceCommand`] is also the vocabulary of the test tool's
//! session protocol (`rundown-stress session`), which parses each line with it.

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgGroup, Args, Parser, Subcommand};
use rundown_abi::Ioctl;
use rundown_abi::peer::{PeerMode, PeerStartRequest};

use crate::hex;
pub use crate::plain::PlainQuery;

/// The service name `install`, `start`, `stop` and `uninstall` use unless told otherwise.
pub const DEFAULT_SERVICE: &str = "RundownShared";

/// Largest output buffer `raw` allocates.
pub const MAX_RAW_OUTPUT: u32 = 1 << 20;

/// Install, start, drive and stop the rundown driver.
///
/// Device commands open one handle and send IOCTLs with NtDeviceIoControlFile.
/// Exit status: 0 success, 1 failure (one line on stderr), 2 usage error.
#[derive(Debug, Parser)]
#[command(name = "rundownctl", bin_name = "rundownctl", version)]
pub struct Cli {
    /// Which device, and how it is opened.
    #[command(flatten)]
    pub connection: Connection,

    /// The driver's service name (install, start, stop, uninstall).
    #[arg(long, global = true, value_name = "SERVICE", default_value = DEFAULT_SERVICE)]
    pub name: String,

    /// Print the result as one line of JSON (`{"ok":true,"command":"query",...}`); a failure
    /// prints `{"ok":false,...}` too.
    #[arg(long, global = true)]
    pub json: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The device a device command opens, and how.
#[derive(Clone, Debug, Default, PartialEq, Eq, Args)]
pub struct Connection {
    /// The device's Win32 path [default: \\.\RundownShared; \\.\RundownPeer for peer-start,
    /// peer-stop and peer-stats].
    #[arg(long, global = true, value_name = "PATH")]
    pub device: Option<String>,

    /// Open the device with GENERIC_READ only (to test access checks).
    #[arg(long, global = true)]
    pub read_only: bool,
}

impl Connection {
    /// The device `command` opens: `--device` if given, else the peer's device for the peer
    /// commands and the shared device for the others.
    #[must_use]
    pub fn path_for(&self, command: &DeviceCommand) -> &str {
        match (&self.device, command.on_the_peer()) {
            (Some(path), _) => path,
            (None, true) => rundown_abi::peer::PEER_WIN32_PATH,
            (None, false) => rundown_abi::WIN32_PATH,
        }
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the service, as `sc create NAME type= kernel start= demand binPath= PATH`.
    Install {
        /// The driver image (.sys). A relative path naming an existing file is made absolute.
        #[arg(long, value_name = "PATH")]
        sys: PathBuf,
        /// The load-order group.
        #[arg(long, value_name = "GROUP")]
        group: Option<String>,
    },
    /// Start the service and wait until it runs
    Start(Timeout),
    /// Stop the service and wait until it has stopped
    Stop(Timeout),
    /// Stop the service if it runs, then delete it
    Uninstall(Timeout),
    /// The device's requests.
    #[command(flatten)]
    Device(DeviceCommand),
}

impl Command {
    /// The command's word, as `--json` names it.
    #[must_use]
    pub fn word(&self) -> &'static str {
        match self {
            Self::Install { .. } => "install",
            Self::Start(_) => "start",
            Self::Stop(_) => "stop",
            Self::Uninstall(_) => "uninstall",
            Self::Device(command) => command.word(),
        }
    }
}

/// The commands that send requests on one handle.
#[derive(Clone, Debug, PartialEq, Eq, Subcommand)]
pub enum DeviceCommand {
    /// QUERY: generation, version, state, holders, payload bytes, holds
    Query,
    /// READ: the payload, as text if printable UTF-8, else hex
    Read,
    /// WRITE a new payload (at most 256 bytes); prints the new version
    Write(WriteArgs),
    /// ROTATE: retire the object, install a new generation (waits for holders)
    Rotate,
    /// STATS: the driver's counters and pool usage
    Stats,
    /// VERSION: the driver's contract version, flavour and protection (exit 1 if the contract is not rundownctl's)
    Version,
    /// ACQUIRE protection on this process's handle (ends when it exits)
    Acquire(Count),
    /// RELEASE protection held by this process's handle (it holds none)
    Release(Count),
    /// Acquire, hold for a while, release (Ctrl-C releases early)
    Hold {
        /// How many protections.
        #[arg(long, default_value_t = 1)]
        count: u32,
        /// How long to hold them (decimals allowed).
        #[arg(long, value_name = "S", value_parser = parse_seconds)]
        seconds: Duration,
    },
    /// Send any control code; print status, information and output
    Raw {
        /// The control code, in hex (`83526000` or `0x83526000`).
        #[arg(long, value_name = "HEX", value_parser = hex::parse_u32)]
        code: u32,
        /// The input buffer, in hex (default: none).
        #[arg(long, value_name = "HEX", value_parser = parse_hex_bytes, default_value = "")]
        input_hex: HexBytes,
        /// The output buffer's length in bytes.
        #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u32).range(..=i64::from(MAX_RAW_OUTPUT)))]
        output_len: u32,
    },
    /// PEER_START: start the peer driver's worker loop
    PeerStart(PeerStartArgs),
    /// PEER_STOP: stop the peer's worker loop; prints what it saw
    PeerStop,
    /// PEER_STATS: what the peer's worker loop has seen so far
    PeerStats,
    /// Every request without input that has no command above: its reply's fields.
    #[command(flatten)]
    Plain(PlainQuery),
}

impl DeviceCommand {
    /// The command's word, as typed and as `--json` names it (`peer-start`).
    #[must_use]
    pub fn word(&self) -> &'static str {
        match self {
            Self::Query => "query",
            Self::Read => "read",
            Self::Write(_) => "write",
            Self::Rotate => "rotate",
            Self::Stats => "stats",
            Self::Version => "version",
            Self::Acquire(_) => "acquire",
            Self::Release(_) => "release",
            Self::Hold { .. } => "hold",
            Self::Raw { .. } => "raw",
            Self::PeerStart(_) => "peer-start",
            Self::PeerStop => "peer-stop",
            Self::PeerStats => "peer-stats",
            Self::Plain(query) => query.word(),
        }
    }

    /// Whether the command is one of the peer's, which open `\\.\RundownPeer` by default.
    #[must_use]
    pub fn on_the_peer(&self) -> bool {
        matches!(self, Self::PeerStart(_) | Self::PeerStop | Self::PeerStats)
    }
}

/// The subcommand (with example arguments) that sends each request of the shared device's table
/// by hand; `None` for the others: a request without input is then a [`PlainQuery`], and
/// GET_INTERFACE, which user mode may not send, has none.
#[must_use]
pub const fn own_subcommand(ioctl: Ioctl) -> Option<&'static [&'static str]> {
    #[allow(
        clippy::match_wildcard_for_single_variants,
        reason = "a request added to the table has no command of its own"
    )]
    match ioctl {
        Ioctl::Query => Some(&["query"]),
        Ioctl::Acquire => Some(&["acquire"]),
        Ioctl::Release => Some(&["release"]),
        Ioctl::Read => Some(&["read"]),
        Ioctl::Write => Some(&["write", "x"]),
        Ioctl::Rotate => Some(&["rotate"]),
        Ioctl::Stats => Some(&["stats"]),
        Ioctl::Version => Some(&["version"]),
        _ => None,
    }
}

/// `peer-start`'s settings.
#[derive(Clone, Debug, PartialEq, Eq, Args)]
pub struct PeerStartArgs {
    /// How long each iteration of the worker keeps its hold, in microseconds.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PEER_HOLD_US)]
    pub hold_us: u32,
    /// How long the worker pauses between iterations, in microseconds (with --dispatch: the
    /// timer's period, rounded up to milliseconds).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub pause_us: u32,
    /// Run the iterations in a periodic timer's DPC, at DISPATCH_LEVEL (no hold between the reads).
    #[arg(long)]
    pub dispatch: bool,
}

impl PeerStartArgs {
    /// PEER_START's input.
    #[must_use]
    pub fn request(&self) -> PeerStartRequest {
        let mode = if self.dispatch { PeerMode::DISPATCH } else { PeerMode::THREAD };
        PeerStartRequest { hold_us: self.hold_us, pause_us: self.pause_us, mode }
    }
}

/// The peer's hold per iteration: `peer-start`'s default.
pub const DEFAULT_PEER_HOLD_US: u32 = 50;

/// `--timeout` of the service commands.
#[derive(Debug, Args)]
pub struct Timeout {
    /// Seconds to wait for the service to reach its state (decimals allowed).
    #[arg(long, value_name = "S", default_value = "20", value_parser = parse_seconds)]
    pub timeout: Duration,
}

/// `--count` of acquire and release.
#[derive(Clone, Debug, PartialEq, Eq, Args)]
pub struct Count {
    /// How many protections (0 is sent as is; the driver refuses it).
    #[arg(long, default_value_t = 1)]
    pub count: u32,
}

/// WRITE's payload: text or hex.
#[derive(Clone, Debug, PartialEq, Eq, Args)]
#[command(group(ArgGroup::new("payload").required(true).args(["text", "hex"])))]
pub struct WriteArgs {
    /// The payload as text (UTF-8).
    #[arg(allow_hyphen_values = true)]
    pub text: Option<String>,
    /// The payload as hex bytes (`68 69`, `0x6869`; `-` for none).
    #[arg(long, value_name = "HEX", value_parser = parse_hex_bytes)]
    pub hex: Option<HexBytes>,
}

impl WriteArgs {
    /// The payload bytes.
    #[must_use]
    pub fn payload(&self) -> Vec<u8> {
        match (&self.text, &self.hex) {
            (_, Some(HexBytes(bytes))) => bytes.clone(),
            (Some(text), None) => text.as_bytes().to_vec(),
            (None, None) => Vec::new(),
        }
    }
}

/// Bytes given in hex (a newtype: clap would take a bare `Vec<u8>` as repeated numbers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HexBytes(pub Vec<u8>);

fn parse_hex_bytes(text: &str) -> Result<HexBytes, hex::HexError> {
    hex::parse_bytes(text).map(HexBytes)
}

/// Parses non-negative seconds, decimals allowed (`20`, `0.5`).
///
/// # Errors
///
/// A message for clap if `text` is not a finite, non-negative number of seconds.
pub fn parse_seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text.trim().parse().map_err(|_| format!("'{text}' is not a number of seconds"))?;
    Duration::try_from_secs_f64(secs).map_err(|_| format!("'{text}' is not a non-negative number of seconds"))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;
    use clap::error::ErrorKind;

    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("rundownctl").chain(args.iter().copied()))
    }

    fn device(args: &[&str]) -> DeviceCommand {
        match parse(args).unwrap().command {
            Command::Device(command) => command,
            other => panic!("not a device command: {other:?}"),
        }
    }

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn defaults() {
        let cli = parse(&["query"]).unwrap();
        assert_eq!(cli.connection, Connection::default());
        assert_eq!(cli.connection.path_for(&DeviceCommand::Query), r"\\.\RundownShared");
        assert_eq!(cli.name, "RundownShared");
        assert!(!cli.json);
        assert!(matches!(cli.command, Command::Device(DeviceCommand::Query)));
    }

    #[test]
    fn global_options_after_the_subcommand() {
        let cli = parse(&["stats", "--device", r"\\.\Other", "--read-only", "--json"]).unwrap();
        assert_eq!(cli.connection.path_for(&DeviceCommand::Stats), r"\\.\Other");
        assert!(cli.connection.read_only && cli.json);
    }

    /// The help lists what a user runs, and nothing of the test tooling.
    #[test]
    fn help_has_no_internal_commands() {
        let help = Cli::command().render_long_help().to_string();
        for word in ["query", "peer-stats", "install", "--json"] {
            assert!(help.contains(word), "{word} missing from:\n{help}");
        }
        for internal in ["stress", "session", "churn", "open-many", "cycles", "overlapped"] {
            assert!(!help.contains(internal), "{internal} in:\n{help}");
            assert_eq!(parse(&[internal]).unwrap_err().kind(), ErrorKind::InvalidSubcommand, "{internal}");
        }
    }

    /// Every device command's word is what clap parses.
    #[test]
    fn words_are_the_subcommands() {
        for args in [
            &["query"][..],
            &["read"],
            &["write", "x"],
            &["rotate"],
            &["stats"],
            &["version"],
            &["acquire"],
            &["release"],
            &["hold", "--seconds", "1"],
            &["raw", "--code", "0"],
            &["peer-start"],
            &["peer-stop"],
            &["peer-stats"],
        ] {
            assert_eq!(device(args).word(), args[0]);
            assert_eq!(parse(args).unwrap().command.word(), args[0]);
        }
        assert_eq!(parse(&["stop"]).unwrap().command.word(), "stop");
    }

    /// Every request without input and without a command of its own is a subcommand: its word
    /// parses to it, and the help lists it.
    #[test]
    fn plain_queries_are_subcommands() {
        let help = Cli::command().render_long_help().to_string();
        for query in PlainQuery::all() {
            assert_eq!(device(&[query.word()]), DeviceCommand::Plain(query));
            assert_eq!(device(&[query.word()]).word(), query.word());
            assert!(help.contains(query.word()), "{} missing from:\n{help}", query.word());
            assert!(!query.word().is_empty() && !query.word().contains('_'), "{}", query.word());
        }
        for ioctl in Ioctl::ALL {
            let plain = ioctl.input_size() == Some(0) && own_subcommand(ioctl).is_none();
            assert_eq!(PlainQuery::new(ioctl).is_some(), plain, "{ioctl:?}");
        }
        assert_eq!(PlainQuery::any(Ioctl::GetInterface).word(), "get-interface");
        assert!(PlainQuery::any(Ioctl::Stats).about().starts_with("STATS: the driver's counters"));
    }

    #[test]
    fn install_and_timeouts() {
        let cli = parse(&["--name", "Svc", "install", "--sys", "a.sys", "--group", "Extended Base"]).unwrap();
        assert_eq!(cli.name, "Svc");
        let Command::Install { sys, group } = cli.command else { panic!("not install") };
        assert_eq!((sys, group.as_deref()), (PathBuf::from("a.sys"), Some("Extended Base")));
        let Command::Start(t) = parse(&["start"]).unwrap().command else { panic!("not start") };
        assert_eq!(t.timeout, Duration::from_secs(20));
        let Command::Stop(t) = parse(&["stop", "--timeout", "0.25"]).unwrap().command else { panic!("not stop") };
        assert_eq!(t.timeout, Duration::from_millis(250));
        assert!(parse(&["install"]).is_err());
        assert!(parse(&["stop", "--timeout", "-1"]).is_err());
    }

    #[test]
    fn write_text_or_hex() {
        let DeviceCommand::Write(w) = device(&["write", "hello world"]) else { panic!("not write") };
        assert_eq!(w.payload(), b"hello world");
        let DeviceCommand::Write(w) = device(&["write", "--hex", "6869"]) else { panic!("not write") };
        assert_eq!(w.payload(), b"hi");
        let DeviceCommand::Write(w) = device(&["write", "-x"]) else { panic!("not write") };
        assert_eq!(w.payload(), b"-x");
        assert_eq!(parse(&["write"]).unwrap_err().kind(), ErrorKind::MissingRequiredArgument);
        assert_eq!(parse(&["write", "a", "--hex", "00"]).unwrap_err().kind(), ErrorKind::ArgumentConflict);
        assert_eq!(parse(&["write", "--hex", "0"]).unwrap_err().kind(), ErrorKind::ValueValidation);
    }

    #[test]
    fn counts_and_hold() {
        assert_eq!(device(&["acquire"]), DeviceCommand::Acquire(Count { count: 1 }));
        assert_eq!(device(&["release", "--count", "3"]), DeviceCommand::Release(Count { count: 3 }));
        assert_eq!(
            device(&["hold", "--seconds", "1.5"]),
            DeviceCommand::Hold { count: 1, seconds: Duration::from_millis(1500) }
        );
        assert!(parse(&["hold"]).is_err());
        assert!(parse(&["acquire", "--count", "-1"]).is_err());
    }

    #[test]
    fn raw() {
        let DeviceCommand::Raw { code, input_hex, output_len } =
            device(&["raw", "--code", "0x83526004", "--input-hex", "01000000", "--output-len", "4"])
        else {
            panic!("not raw")
        };
        assert_eq!((code, input_hex.0, output_len), (0x8352_6004, vec![1, 0, 0, 0], 4));
        let DeviceCommand::Raw { input_hex, output_len, .. } = device(&["raw", "--code", "0"]) else {
            panic!("not raw")
        };
        assert_eq!((input_hex.0, output_len), (vec![], 0));
        assert!(parse(&["raw", "--code", "xyz"]).is_err());
        assert!(parse(&["raw", "--code", "1", "--output-len", "2000000"]).is_err());
    }

    #[test]
    fn peer_commands_open_the_peer_unless_told_otherwise() {
        let connection = Connection::default();
        let start = device(&["peer-start"]);
        assert_eq!(connection.path_for(&start), r"\\.\RundownPeer");
        let DeviceCommand::PeerStart(args) = start else { panic!("not peer-start") };
        assert_eq!(args.request(), PeerStartRequest { hold_us: 50, pause_us: 0, mode: PeerMode::THREAD });
        let DeviceCommand::PeerStart(args) = device(&["peer-start", "--hold-us", "7", "--pause-us", "9"]) else {
            panic!("not peer-start")
        };
        assert_eq!(args.request(), PeerStartRequest { hold_us: 7, pause_us: 9, mode: PeerMode::THREAD });
        let DeviceCommand::PeerStart(args) = device(&["peer-start", "--dispatch", "--pause-us", "2500"]) else {
            panic!("not peer-start")
        };
        assert_eq!(args.request(), PeerStartRequest { hold_us: 50, pause_us: 2500, mode: PeerMode::DISPATCH });
        assert_eq!(connection.path_for(&DeviceCommand::PeerStop), r"\\.\RundownPeer");
        assert_eq!(connection.path_for(&DeviceCommand::PeerStats), r"\\.\RundownPeer");
        let other = Connection { device: Some(r"\\.\X".to_owned()), read_only: false };
        assert_eq!(other.path_for(&DeviceCommand::PeerStats), r"\\.\X");
    }

    #[test]
    fn usage_errors_exit_2() {
        let err = parse(&["frobnicate"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn seconds() {
        assert_eq!(parse_seconds("20"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_seconds("0"), Ok(Duration::ZERO));
        assert!(parse_seconds("inf").is_err());
        assert!(parse_seconds("NaN").is_err());
        assert!(parse_seconds("abc").is_err());
    }
}
