//! The command line (clap derive).

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgGroup, Args, Parser, Subcommand};

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
    /// The device's Win32 path.
    #[arg(long, global = true, value_name = "PATH", default_value = rundown_abi::WIN32_PATH)]
    pub device: String,

    /// The driver's service name (install, start, stop, uninstall).
    #[arg(long, global = true, value_name = "SERVICE", default_value = DEFAULT_SERVICE)]
    pub name: String,

    /// Open the device with GENERIC_READ only (to test access checks).
    #[arg(long, global = true)]
    pub read_only: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
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
        assert_eq!(cli.device, r"\\.\RundownShared");
        assert_eq!(cli.name, "RundownShared");
        assert!(!cli.read_only);
        assert!(matches!(cli.command, Command::Query));
    }

    #[test]
    fn global_options_after_the_subcommand() {
        let cli = parse(&["stats", "--device", r"\\.\Other", "--read-only"]).unwrap();
        assert_eq!(cli.device, r"\\.\Other");
        assert!(cli.read_only);
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
