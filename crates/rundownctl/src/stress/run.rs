//! `stress`: STATS, PEER_START, the client processes and the rotator, PEER_STOP, STATS, and the
//! arithmetic; on any [`Transport`]s and any [`Launcher`].

use std::io::Write;
use std::time::Duration;

use anyhow::{Context as _, Result};
use rundown_abi::NtStatus;
use rundown_abi::peer::PeerStartRequest;

use super::children::{Finished, Launcher};
use super::report::{self, ClientReport, Outcome, PeerReport, Totals};
use super::rotator;
use crate::cli::{DEFAULT_PEER_HOLD_US, StressArgs};
use crate::ops::{self, OpError};
use crate::transport::Transport;

/// How long after its run time a client may take before it is killed.
pub const CLIENT_GRACE: Duration = Duration::from_secs(30);

/// What a stress run does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// How long the clients and the rotator run.
    pub duration: Duration,
    /// How many client processes.
    pub clients: u32,
    /// The rotator's pause between ROTATEs.
    pub rotate_every: Duration,
    /// PEER_START's input.
    pub peer: PeerStartRequest,
    /// How long past `duration` a client may take before it is killed.
    pub client_grace: Duration,
}

impl Settings {
    /// The settings `stress`'s arguments ask for: the peer holds 50 µs and does not pause.
    #[must_use]
    pub fn from_args(args: &StressArgs) -> Self {
        Self {
            duration: args.seconds,
            clients: args.clients,
            rotate_every: Duration::from_millis(args.rotate_every_ms),
            peer: PeerStartRequest { hold_us: DEFAULT_PEER_HOLD_US, ..PeerStartRequest::default() },
            client_grace: CLIENT_GRACE,
        }
    }

    /// The first detail line.
    fn line(&self, with_peer: bool) -> String {
        let peer = if with_peer {
            format!("peer holding {} us, pausing {} us", self.peer.hold_us, self.peer.pause_us)
        } else {
            "no peer".to_owned()
        };
        format!(
            "settings: {} s, {} clients, ROTATE every {} ms, {peer}",
            self.duration.as_secs_f64(),
            self.clients,
            self.rotate_every.as_millis()
        )
    }
}

/// Runs the stress test on `device` (the shared device, this process's handle) and `peer` (the
/// peer's device, `None` for `--no-peer`), starting clients with `launcher`. Writes the detail
/// lines and then the final line to `out`.
///
/// Once the peer's worker started, it is stopped whatever happens to the clients.
///
/// # Errors
///
/// STATS or PEER_START before the run failed, STATS after it failed (after the details were
/// written), or `out` could not be written. A run that found faults is not an error: see
/// [`Totals::passed`].
pub fn run(
    device: &mut dyn Transport,
    mut peer: Option<&mut dyn Transport>,
    launcher: &Launcher,
    settings: &Settings,
    out: &mut dyn Write,
) -> Result<Totals> {
    writeln!(out, "{}", settings.line(peer.is_some()))?;
    out.flush()?;
    let before = ops::stats(device).context("stats before the run failed")?;
    // The peer counts since it was loaded: this run's counts are the difference.
    let peer_before = match peer.as_deref_mut() {
        None => None,
        Some(peer) => {
            let counts = ops::peer_stats(peer).context("peer-stats before the run failed")?;
            ops::peer_start(peer, settings.peer).map_err(|err| peer_start_failed(&err))?;
            Some(counts)
        }
    };

    // From here on nothing returns early: the peer must be stopped.
    let running: Vec<_> = (0..settings.clients).map(|id| launcher.spawn(id, settings.duration)).collect();
    let rotator = rotator::run(device, settings.rotate_every, settings.duration);
    let clients: Vec<(ClientReport, String)> = running
        .into_iter()
        .map(|spawned| match spawned {
            Ok(child) => {
                let deadline = child.started + settings.duration + settings.client_grace;
                judge(&child.finish(deadline))
            }
            Err(err) => (ClientReport::Missing(format!("could not be started: {err}")), "not started".to_owned()),
        })
        .collect();
    let peer = match (peer, peer_before) {
        (Some(peer), Some(before)) => match ops::peer_stop(peer) {
            Ok(since_load) => PeerReport::Stopped { run: report::peer_run(&before, &since_load), since_load },
            Err(err) => PeerReport::Failed(format!("peer-stop failed: {err}")),
        },
        _ => PeerReport::Off,
    };
    let after = ops::stats(device);

    for (id, (report, how)) in (0..).zip(&clients) {
        writeln!(out, "{}", report::client_detail(id, report, how))?;
    }
    writeln!(out, "{}", report::peer_line(&peer))?;
    writeln!(out, "{}", rotator.line())?;
    writeln!(out, "{}", report::stats_line("driver before", &before))?;
    let after = after.context("stats after the run failed")?;
    writeln!(out, "{}", report::stats_line("driver after", &after))?;
    let reports: Vec<ClientReport> = clients.into_iter().map(|(report, _)| report).collect();
    let totals = Totals::of(&Outcome {
        clients: &reports,
        rotator: &rotator.counts,
        peer: &peer,
        before: &before,
        after: &after,
    });
    writeln!(out, "{}", report::pool_line(&totals))?;
    writeln!(out, "{}", totals.line())?;
    out.flush()?;
    Ok(totals)
}

/// A client's report and how its process ended. A killed client's line is not trusted.
fn judge(finished: &Finished) -> (ClientReport, String) {
    let report = if finished.killed {
        ClientReport::Missing("killed after the deadline".to_owned())
    } else {
        report::client_report(finished.id, &finished.stdout)
    };
    (report, finished.how())
}

/// PEER_START's failure, with a hint for the usual causes.
fn peer_start_failed(err: &OpError) -> anyhow::Error {
    let hint = match err.status() {
        Some(NtStatus::INVALID_DEVICE_STATE) => "; its worker already runs (`rundownctl peer-stop` stops it)",
        _ => "",
    };
    anyhow::anyhow!("peer-start failed: {err}{hint}")
}

#[cfg(all(test, unix))]
mod tests {
    use std::path::PathBuf;

    use rundown_abi::peer::PeerIoctl;

    use super::*;
    use crate::fake::{FakeDriver, FakePeer};
    use crate::transport::Completion;

    /// Clients run as `sh -c SCRIPT sh stress-client --seconds S --id N` (`$5` is N).
    fn shell(script: &str) -> Launcher {
        Launcher { program: PathBuf::from("sh"), prefix: vec!["-c".into(), script.into(), "sh".into()] }
    }

    fn settings(clients: u32) -> Settings {
        Settings {
            duration: Duration::from_millis(100),
            clients,
            rotate_every: Duration::from_millis(5),
            peer: PeerStartRequest { hold_us: 50, ..PeerStartRequest::default() },
            client_grace: Duration::from_millis(500),
        }
    }

    fn stress(
        dev: &mut FakeDriver,
        peer: Option<&mut FakePeer>,
        launcher: &Launcher,
        clients: u32,
    ) -> (Result<Totals>, Vec<String>) {
        let mut out = Vec::new();
        let peer = peer.map(|peer| peer as &mut dyn Transport);
        let result = run(dev, peer, launcher, &settings(clients), &mut out);
        (result, String::from_utf8(out).unwrap().lines().map(str::to_owned).collect())
    }

    const GOOD: &str = r#"echo "client $5: ops=100 refused=2 torn=0 lost=0 faults=0""#;

    #[test]
    fn a_clean_run() {
        let mut dev = FakeDriver::new();
        dev.set_pool(312, 1);
        let mut peer = FakePeer::new();
        peer.stats.operations = 500;
        peer.work.operations = 1000;
        let (result, lines) = stress(&mut dev, Some(&mut peer), &shell(GOOD), 3);
        let totals = result.unwrap();
        assert!(totals.passed(), "{lines:#?}");
        assert_eq!(totals.ops, 1300);
        assert!(totals.rotations >= 2, "{lines:#?}");
        assert_eq!(peer.started_with, Some(PeerStartRequest { hold_us: 50, ..PeerStartRequest::default() }));
        assert_eq!(peer.stats.running, 0);
        assert_eq!(lines[0], "settings: 0.1 s, 3 clients, ROTATE every 5 ms, peer holding 50 us, pausing 0 us");
        assert_eq!(lines[1], "client 0: ops=100 refused=2 torn=0 lost=0 faults=0 (exit 0)");
        assert_eq!(lines[3], "client 2: ops=100 refused=2 torn=0 lost=0 faults=0 (exit 0)");
        assert_eq!(
            lines[4],
            "peer: operations=1000 refused=0 inconsistencies=0 generations_seen=0 last_generation=0 running=0 \
             (since the driver loaded: operations=1500 refused=0 inconsistencies=0)"
        );
        assert!(
            lines[5].starts_with(&format!("rotator: rotations={} busy=0 faults=0", totals.rotations)),
            "{lines:#?}"
        );
        assert!(lines[6].starts_with("driver before: acquisitions=0 "), "{lines:#?}");
        assert!(lines[7].starts_with("driver after: acquisitions=0 "), "{lines:#?}");
        assert!(lines[7].ends_with(&format!(
            "rotations={} max_holders=0 holders=0 pool_bytes=312 pool_blocks=1",
            totals.rotations
        )));
        assert_eq!(lines[8], "pool: 0 blocks and 0 bytes more than before");
        assert_eq!(lines[9], format!("stress: 1300 ops, {} rotations, 0 faults, 0 lost, 0 leaked", totals.rotations));
        assert_eq!(lines.len(), 10);
        assert_eq!(lines.iter().filter(|line| line.starts_with("stress: ")).count(), 1);
    }

    #[test]
    fn bad_clients_and_an_inconsistent_peer_are_faults() {
        let script = r#"case $5 in
            0) echo "client 0: ops=5 refused=0 torn=1 lost=1 faults=2"; exit 1;;
            1) echo "nothing useful";;
            2) exit 0;;
            3) exec sleep 30;;
            *) echo "client 9: ops=5 refused=0 torn=0 lost=0 faults=0";;
        esac"#;
        let mut dev = FakeDriver::new();
        let mut peer = FakePeer::new();
        // An earlier run's inconsistency is not this run's.
        peer.stats.inconsistencies = 1;
        peer.work.inconsistencies = 3;
        peer.work.operations = 10;
        let (result, lines) = stress(&mut dev, Some(&mut peer), &shell(script), 5);
        let totals = result.unwrap();
        // torn 1 + faults 2 + 4 clients without a line + 3 inconsistencies; lost 1.
        assert_eq!((totals.ops, totals.faults, totals.lost, totals.leaked), (15, 10, 1, 0), "{lines:#?}");
        assert!(!totals.passed());
        assert_eq!(lines[1], "client 0: ops=5 refused=0 torn=1 lost=1 faults=2 (exit 1)");
        assert_eq!(lines[2], "client 1: malformed result line: no 'client ' at the start in 'nothing useful' (exit 0)");
        assert_eq!(lines[3], "client 2: no result line (exit 0)");
        assert!(lines[4].starts_with("client 3: killed after the deadline (killed after the deadline"), "{lines:#?}");
        assert_eq!(
            lines[5],
            "client 4: the result line of client 9: 'client 9: ops=5 refused=0 torn=0 lost=0 faults=0' (exit 0)"
        );
        assert!(lines.last().unwrap().ends_with(" rotations, 10 faults, 1 lost, 0 leaked"));
    }

    #[test]
    fn without_the_peer_and_with_clients_that_cannot_start() {
        let mut dev = FakeDriver::new();
        let launcher = Launcher { program: PathBuf::from("/nonexistent/rundownctl"), prefix: Vec::new() };
        let (result, lines) = stress(&mut dev, None, &launcher, 2);
        let totals = result.unwrap();
        assert_eq!((totals.ops, totals.faults), (0, 2));
        assert!(lines[0].ends_with(", no peer"));
        assert!(lines[1].starts_with("client 0: could not be started: "), "{lines:#?}");
        assert!(lines[1].ends_with(" (not started)"), "{lines:#?}");
        assert_eq!(lines[3], "peer: not started (--no-peer)");
    }

    #[test]
    fn holders_left_fail_the_run() {
        let mut dev = FakeDriver::new();
        // A hold on the parent's own handle: STATS after counts a holder, and every ROTATE is
        // refused (the handle would wait for itself).
        ops::acquire(&mut dev, 1).unwrap();
        let (result, lines) = stress(&mut dev, None, &shell(GOOD), 1);
        let totals = result.unwrap();
        assert_eq!((totals.lost, totals.rotations), (1, 0), "{lines:#?}");
        assert!(totals.faults > 0, "{lines:#?}");
        assert!(lines[3].contains(" (rotate: STATUS_INVALID_DEVICE_STATE (0xC0000184) x"), "{lines:#?}");
        assert!(lines[5].contains(" holders=1 "), "{lines:#?}");
    }

    #[test]
    fn pool_growth_is_a_leak() {
        let mut dev = FakeDriver::new();
        dev.set_pool(312, 1);
        dev.leak_per_rotation = (312, 1);
        let (result, lines) = stress(&mut dev, None, &shell(GOOD), 1);
        let totals = result.unwrap();
        assert!(totals.rotations > 0);
        assert_eq!(totals.leaked, i128::from(totals.rotations), "{lines:#?}");
        assert_eq!(totals.leaked_bytes, 312 * i128::from(totals.rotations), "{lines:#?}");
        assert!(!totals.passed());
        let leaked = totals.leaked;
        assert_eq!(lines[6], format!("pool: {leaked} blocks and {} bytes more than before", 312 * leaked));
        assert!(lines[7].ends_with(&format!(" {leaked} leaked")), "{lines:#?}");
    }

    #[test]
    fn peer_failures() {
        let mut dev = FakeDriver::new();
        let mut peer = FakePeer::new();
        peer.stats.running = 1;
        let (result, lines) = stress(&mut dev, Some(&mut peer), &shell(GOOD), 1);
        assert_eq!(
            format!("{:#}", result.unwrap_err()),
            "peer-start failed: STATUS_INVALID_DEVICE_STATE (0xC0000184); its worker already runs \
             (`rundownctl peer-stop` stops it)"
        );
        assert_eq!(lines.len(), 1);
        // A peer that cannot be stopped is a fault.
        let mut dev = FakeDriver::new();
        let mut peer = FakePeer::new();
        let mut out = Vec::new();
        let mut failing_stop = StopFails(&mut peer);
        let totals = run(&mut dev, Some(&mut failing_stop), &shell(GOOD), &settings(1), &mut out).unwrap();
        assert_eq!(totals.faults, 1);
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains("\npeer: peer-stop failed: STATUS_DEVICE_BUSY (0x80000011)\n"), "{out}");
    }

    /// A peer whose PEER_STOP fails.
    struct StopFails<'a>(&'a mut FakePeer);

    impl Transport for StopFails<'_> {
        fn control(&mut self, code: u32, input: &[u8], output_len: usize) -> std::io::Result<Completion> {
            if code == PeerIoctl::Stop.code() {
                return Ok(Completion { status: NtStatus::DEVICE_BUSY, information: 0, output: vec![0; output_len] });
            }
            self.0.control(code, input, output_len)
        }
    }
}
