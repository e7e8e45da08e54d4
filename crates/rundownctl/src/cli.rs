//! The command line (clap derive).

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgGroup, Args, Parser, Subcommand};
use rundown_abi::peer::{PeerMode, PeerStartRequest};

use crate::hex;

/// The service name `install`, `start`, `stop` and `uninstall` use unless told otherwise.
pub const DEFAULT_SERVICE: &str = "RundownShared";

/// Largest output buffer `raw` allocates.
const MAX_RAW_OUTPUT: i64 = 1 << 20;

/// Install, start, drive and stop the rundown driver.
///
/// Device commands open one handle and send IOCTLs with NtDeviceIoControlFile.
/// Exit status: 0 success, 1 failure (one line on stderr), 2 usage error.
#[derive(Debug, Parser)]
#[command(name = "rundownctl", bin_name = "rundownctl", version)]
pub struct Cli {
    /// The device's Win32 path [default: \\.\RundownShared; \\.\RundownPeer for peer-start,
    /// peer-stop and peer-stats].
    #[arg(long, global = true, value_name = "PATH")]
    pub device: Option<String>,

    /// The driver's service name (install, start, stop, uninstall).
    #[arg(long, global = true, value_name = "SERVICE", default_value = DEFAULT_SERVICE)]
    pub name: String,

    /// Open the device with GENERIC_READ only (to test access checks).
    #[arg(long, global = true)]
    pub read_only: bool,

    /// Open the device with FILE_FLAG_OVERLAPPED: requests are issued asynchronously, so
    /// several can be in the driver at once on one handle (`churn`), and a session's `begin`
    /// leaves a pended request in flight.
    #[arg(long, global = true)]
    pub overlapped: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The device the command opens: `--device` if given, else the peer's device for the peer
    /// commands and the shared device for the others.
    #[must_use]
    pub fn device_path(&self) -> &str {
        match (&self.device, &self.command) {
            (Some(path), _) => path,
            (None, Command::PeerStart(_) | Command::PeerStop | Command::PeerStats) => {
                rundown_abi::peer::PEER_WIN32_PATH
            }
            (None, _) => rundown_abi::WIN32_PATH,
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
    /// Run commands from stdin on one handle, one result line each
    Session,
    /// Send any control code; print status, information and output
    Raw {
        /// The control code, in hex (`83526000` or `0x83526000`).
        #[arg(long, value_name = "HEX", value_parser = hex::parse_u32)]
        code: u32,
        /// The input buffer, in hex (default: none).
        #[arg(long, value_name = "HEX", value_parser = parse_hex_bytes, default_value = "")]
        input_hex: HexBytes,
        /// The output buffer's length in bytes.
        #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u32).range(..=MAX_RAW_OUTPUT))]
        output_len: u32,
    },
    /// PEER_START: start the peer driver's worker loop
    PeerStart(PeerStartArgs),
    /// PEER_STOP: stop the peer's worker loop; prints what it saw
    PeerStop,
    /// PEER_STATS: what the peer's worker loop has seen so far
    PeerStats,
    /// One stress client (`stress` starts these): acquire, read, check, write, release until time is up
    StressClient {
        /// How long to run (decimals allowed).
        #[arg(long, value_name = "S", value_parser = parse_seconds)]
        seconds: Duration,
        /// The client's number (in its result line and its payloads).
        #[arg(long, value_name = "N")]
        id: u32,
    },
    /// Stress the driver: client processes, a rotator and the peer; exit 0 only without faults, losses or leaks
    Stress(StressArgs),
    /// Several threads on this one handle loop ACQUIRE, READ, WRITE, RELEASE until time is up
    Churn(ChurnArgs),
    /// Open N handles (ACQUIRE on each), wait for a line or end of input on stdin, close them
    OpenMany(OpenManyArgs),
    /// Start the owner and the peer, PEER_START, stop the peer, stop the owner; N times
    Cycles(CyclesArgs),
}

/// `churn`'s settings.
#[derive(Debug, Args)]
pub struct ChurnArgs {
    /// How many threads share the handle.
    #[arg(long, value_name = "T", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub threads: u32,
    /// How long to run (decimals allowed).
    #[arg(long, value_name = "S", value_parser = parse_seconds)]
    pub seconds: Duration,
    /// When time is up, each thread ACQUIREs once more and keeps it: the handle is closed
    /// holding `T`, so its CLEANUP has to release them.
    #[arg(long)]
    pub end_holding: bool,
}

/// `open-many`'s settings.
#[derive(Debug, Args)]
pub struct OpenManyArgs {
    /// How many handles to open.
    #[arg(long, value_name = "N")]
    pub count: u32,
    /// Protections to ACQUIRE on each handle (0: none).
    #[arg(long, value_name = "K", default_value_t = 0)]
    pub acquire: u32,
}

/// `cycles`' settings.
#[derive(Debug, Args)]
pub struct CyclesArgs {
    /// How many cycles.
    #[arg(long, value_name = "N")]
    pub count: u32,
    /// The peer's service name.
    #[arg(long, value_name = "SERVICE", default_value = "RundownPeer")]
    pub peer_name: String,
    /// Stop after this many seconds even if fewer cycles ran (decimals allowed; 0: no limit).
    #[arg(long, value_name = "S", default_value = "0", value_parser = parse_seconds)]
    pub budget: Duration,
    /// Seconds each service start or stop may take.
    #[arg(long, value_name = "S", default_value = "20", value_parser = parse_seconds)]
    pub timeout: Duration,
    /// Stop the owner first, while the peer's loop runs: the owner's unload waits for the peer's
    /// interface reference, which PEER_STOP then drops (the last dereference racing the unload);
    /// then stop the peer.
    #[arg(long)]
    pub owner_first: bool,
    /// Start the owner again, up to this many times in all, when its start fails with Win32
    /// error 1359 (ERROR_INTERNAL_ERROR): Wine's services.exe answers that when the new
    /// winedevice.exe fails to start (Wine 8 logs `failed to map the shared user data` about
    /// once in a few hundred process starts).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub start_retries: u32,
}

/// `peer-start`'s settings.
#[derive(Debug, Args)]
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

/// The peer's hold per iteration during `stress`, and `peer-start`'s default.
pub const DEFAULT_PEER_HOLD_US: u32 = 50;

/// Most client processes `stress` starts.
const MAX_STRESS_CLIENTS: i64 = 64;

/// `stress`'s settings.
#[derive(Debug, Args)]
pub struct StressArgs {
    /// How long to run (decimals allowed).
    #[arg(long, value_name = "S", value_parser = parse_seconds)]
    pub seconds: Duration,
    /// How many `stress-client` processes to start.
    #[arg(long, value_name = "K", default_value_t = 3, value_parser = clap::value_parser!(u32).range(..=MAX_STRESS_CLIENTS))]
    pub clients: u32,
    /// How long the rotator sleeps between ROTATEs, in milliseconds.
    #[arg(long, value_name = "M", default_value_t = 5)]
    pub rotate_every_ms: u64,
    /// Do not start the peer driver's worker (run without \\.\RundownPeer).
    #[arg(long)]
    pub no_peer: bool,
}

/// `--timeout` of the service commands.
#[derive(Debug, Args)]
pub struct Timeout {
    /// Seconds to wait for the service to reach its state (decimals allowed).
    #[arg(long, value_name = "S", default_value = "20", value_parser = parse_seconds)]
    pub timeout: Duration,
}

/// `--count` of acquire and release.
#[derive(Debug, Args)]
pub struct Count {
    /// How many protections (0 is sent as is; the driver refuses it).
    #[arg(long, default_value_t = 1)]
    pub count: u32,
}

/// WRITE's payload: text or hex.
#[derive(Debug, Args)]
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

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn defaults() {
        let cli = parse(&["query"]).unwrap();
        assert_eq!(cli.device, None);
        assert_eq!(cli.device_path(), r"\\.\RundownShared");
        assert_eq!(cli.name, "RundownShared");
        assert!(!cli.read_only);
        assert!(!cli.overlapped);
        assert!(matches!(cli.command, Command::Query));
    }

    #[test]
    fn global_options_after_the_subcommand() {
        let cli = parse(&["stats", "--device", r"\\.\Other", "--read-only"]).unwrap();
        assert_eq!(cli.device.as_deref(), Some(r"\\.\Other"));
        assert_eq!(cli.device_path(), r"\\.\Other");
        assert!(cli.read_only);
    }

    #[test]
    fn overlapped_churn_open_many_and_cycles() {
        let cli = parse(&["--overlapped", "churn", "--seconds", "2"]).unwrap();
        assert!(cli.overlapped);
        let Command::Churn(args) = cli.command else { panic!("not churn") };
        assert_eq!((args.threads, args.seconds, args.end_holding), (4, Duration::from_secs(2), false));
        let Command::Churn(args) =
            parse(&["churn", "--threads", "8", "--seconds", "0.5", "--end-holding", "--overlapped"]).unwrap().command
        else {
            panic!("not churn")
        };
        assert_eq!((args.threads, args.end_holding), (8, true));
        assert!(parse(&["churn", "--threads", "0", "--seconds", "1"]).is_err());
        assert!(parse(&["churn"]).is_err());
        let Command::OpenMany(args) = parse(&["open-many", "--count", "10000", "--acquire", "1"]).unwrap().command
        else {
            panic!("not open-many")
        };
        assert_eq!((args.count, args.acquire), (10_000, 1));
        let Command::Cycles(args) = parse(&["cycles", "--count", "100"]).unwrap().command else { panic!("not cycles") };
        assert_eq!((args.count, args.peer_name.as_str(), args.budget), (100, "RundownPeer", Duration::ZERO));
        assert!(!args.owner_first);
        assert_eq!(args.start_retries, 0);
        let Command::Cycles(args) = parse(&["cycles", "--count", "1", "--owner-first"]).unwrap().command else {
            panic!("not cycles")
        };
        assert!(args.owner_first);
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
        let Command::Write(w) = parse(&["write", "hello world"]).unwrap().command else { panic!("not write") };
        assert_eq!(w.payload(), b"hello world");
        let Command::Write(w) = parse(&["write", "--hex", "6869"]).unwrap().command else { panic!("not write") };
        assert_eq!(w.payload(), b"hi");
        let Command::Write(w) = parse(&["write", "-x"]).unwrap().command else { panic!("not write") };
        assert_eq!(w.payload(), b"-x");
        assert_eq!(parse(&["write"]).unwrap_err().kind(), ErrorKind::MissingRequiredArgument);
        assert_eq!(parse(&["write", "a", "--hex", "00"]).unwrap_err().kind(), ErrorKind::ArgumentConflict);
        assert_eq!(parse(&["write", "--hex", "0"]).unwrap_err().kind(), ErrorKind::ValueValidation);
    }

    #[test]
    fn counts_and_hold() {
        let Command::Acquire(c) = parse(&["acquire"]).unwrap().command else { panic!("not acquire") };
        assert_eq!(c.count, 1);
        let Command::Release(c) = parse(&["release", "--count", "3"]).unwrap().command else { panic!("not release") };
        assert_eq!(c.count, 3);
        let Command::Hold { count, seconds } = parse(&["hold", "--seconds", "1.5"]).unwrap().command else {
            panic!("not hold")
        };
        assert_eq!((count, seconds), (1, Duration::from_millis(1500)));
        assert!(parse(&["hold"]).is_err());
        assert!(parse(&["acquire", "--count", "-1"]).is_err());
    }

    #[test]
    fn raw() {
        let Command::Raw { code, input_hex, output_len } =
            parse(&["raw", "--code", "0x83526004", "--input-hex", "01000000", "--output-len", "4"]).unwrap().command
        else {
            panic!("not raw")
        };
        assert_eq!((code, input_hex.0, output_len), (0x8352_6004, vec![1, 0, 0, 0], 4));
        let Command::Raw { input_hex, output_len, .. } = parse(&["raw", "--code", "0"]).unwrap().command else {
            panic!("not raw")
        };
        assert_eq!((input_hex.0, output_len), (vec![], 0));
        assert!(parse(&["raw", "--code", "xyz"]).is_err());
        assert!(parse(&["raw", "--code", "1", "--output-len", "2000000"]).is_err());
    }

    #[test]
    fn peer_commands_open_the_peer_unless_told_otherwise() {
        let cli = parse(&["peer-start"]).unwrap();
        assert_eq!(cli.device_path(), r"\\.\RundownPeer");
        let Command::PeerStart(args) = cli.command else { panic!("not peer-start") };
        assert_eq!(args.request(), PeerStartRequest { hold_us: 50, pause_us: 0, mode: PeerMode::THREAD });
        let Command::PeerStart(args) = parse(&["peer-start", "--hold-us", "7", "--pause-us", "9"]).unwrap().command
        else {
            panic!("not peer-start")
        };
        assert_eq!(args.request(), PeerStartRequest { hold_us: 7, pause_us: 9, mode: PeerMode::THREAD });
        let Command::PeerStart(args) = parse(&["peer-start", "--dispatch", "--pause-us", "2500"]).unwrap().command
        else {
            panic!("not peer-start")
        };
        assert_eq!(args.request(), PeerStartRequest { hold_us: 50, pause_us: 2500, mode: PeerMode::DISPATCH });
        assert_eq!(parse(&["peer-stop"]).unwrap().device_path(), r"\\.\RundownPeer");
        assert_eq!(parse(&["peer-stats"]).unwrap().device_path(), r"\\.\RundownPeer");
        assert_eq!(parse(&["peer-stats", "--device", r"\\.\X"]).unwrap().device_path(), r"\\.\X");
        assert_eq!(parse(&["stress", "--seconds", "1"]).unwrap().device_path(), r"\\.\RundownShared");
    }

    #[test]
    fn stress_and_its_clients() {
        let Command::Stress(args) = parse(&["stress", "--seconds", "10"]).unwrap().command else {
            panic!("not stress")
        };
        assert_eq!(args.seconds, Duration::from_secs(10));
        assert_eq!((args.clients, args.rotate_every_ms, args.no_peer), (3, 5, false));
        let Command::Stress(args) =
            parse(&["stress", "--seconds", "0.5", "--clients", "0", "--rotate-every-ms", "20", "--no-peer"])
                .unwrap()
                .command
        else {
            panic!("not stress")
        };
        assert_eq!(
            (args.seconds, args.clients, args.rotate_every_ms, args.no_peer),
            (Duration::from_millis(500), 0, 20, true)
        );
        assert!(parse(&["stress"]).is_err());
        assert!(parse(&["stress", "--seconds", "1", "--clients", "65"]).is_err());
        let Command::StressClient { seconds, id } =
            parse(&["stress-client", "--seconds", "2", "--id", "4"]).unwrap().command
        else {
            panic!("not stress-client")
        };
        assert_eq!((seconds, id), (Duration::from_secs(2), 4));
        assert!(parse(&["stress-client", "--seconds", "2"]).is_err());
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
