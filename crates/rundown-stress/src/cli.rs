//! The test tool's command line (clap derive). Its global options are rundownctl's
//! ([`Connection`]), with `--overlapped`.

use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use rundownctl::cli::{Connection, DEFAULT_SERVICE, parse_seconds};

/// The rundown driver's test tooling, for the Wine tests and `cargo xtask stress`: the stress
/// run, the session protocol on one handle, and the Windows rules' workloads.
///
/// Exit status: 0 success, 1 failure (one line on stderr), 2 usage error.
#[derive(Debug, Parser)]
#[command(name = "rundown-stress", bin_name = "rundown-stress", version)]
pub struct Cli {
    /// Which device, and how it is opened.
    #[command(flatten)]
    pub connection: Connection,

    /// Open the device with FILE_FLAG_OVERLAPPED: requests are issued asynchronously, so
    /// several can be in the driver at once on one handle (`churn`), and a session's `begin`
    /// leaves a pended request in flight.
    #[arg(long, global = true)]
    pub overlapped: bool,

    /// The owner driver's service name (`cycles`).
    #[arg(long, global = true, value_name = "SERVICE", default_value = DEFAULT_SERVICE)]
    pub name: String,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The device to open: `--device`, or the shared device.
    #[must_use]
    pub fn device_path(&self) -> &str {
        self.connection.device.as_deref().unwrap_or(rundown_abi::WIN32_PATH)
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Stress the driver: client processes, a rotator and the peer; exit 0 only without faults, losses or leaks
    Stress(StressArgs),
    /// One stress client (`stress` starts these): acquire, read, check, write, release until time is up
    #[command(hide = true)]
    StressClient {
        /// How long to run (decimals allowed).
        #[arg(long, value_name = "S", value_parser = parse_seconds)]
        seconds: Duration,
        /// The client's number (in its result line and its payloads).
        #[arg(long, value_name = "N")]
        id: u32,
    },
    /// Run rundownctl device commands from stdin on one handle, one JSON result line each
    Session,
    /// Several threads on this one handle loop ACQUIRE, READ, WRITE, RELEASE until time is up
    Churn(ChurnArgs),
    /// Open N handles (ACQUIRE on each), wait for a line or end of input on stdin, close them
    OpenMany(OpenManyArgs),
    /// Start the owner and the peer, PEER_START, stop the peer, stop the owner; N times
    Cycles(CyclesArgs),
}

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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("rundown-stress").chain(args.iter().copied()))
    }

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_options() {
        let cli = parse(&["--overlapped", "session", "--device", r"\\.\RundownPeer", "--read-only"]).unwrap();
        assert!(cli.overlapped && cli.connection.read_only);
        assert_eq!(cli.device_path(), r"\\.\RundownPeer");
        assert_eq!(parse(&["session"]).unwrap().device_path(), r"\\.\RundownShared");
        assert_eq!(parse(&["session"]).unwrap().name, "RundownShared");
    }

    #[test]
    fn the_client_is_not_in_the_help() {
        let help = Cli::command().render_long_help().to_string();
        assert!(help.contains("stress") && help.contains("session") && !help.contains("stress-client"), "{help}");
    }

    #[test]
    fn churn_open_many_and_cycles() {
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
}
