//! `stress`: STATS, PEER_START, the client processes and the rotator, PEER_STOP, STATS, and the
//! arithmetic; on any [`Transport`]s and any [`Launcher`].

use std::io::Write;
use std::time::Duration;

use anyhow::{Context as _, Result};
use rundown_abi::NtStatus;
use rundown_abi::peer::PeerStartRequest;
use rundown_client::{Device, Transport};
use rundownctl::cli::DEFAULT_PEER_HOLD_US;

use super::children::{Finished, Launcher};
use super::report::{self, ClientReport, Outcome, PeerReport, Totals};
use super::rotator;
use crate::cli::StressArgs;

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
/// [`Totals::clean`].
pub fn run<T: Transport + ?Sized, P: Transport + ?Sized>(
    device: &mut Device<T>,
    mut peer: Option<&mut Device<P>>,
    launcher: &Launcher,
    settings: &Settings,
    out: &mut dyn Write,
) -> Result<Totals> {
    writeln!(out, "{}", settings.line(peer.is_some()))?;
    out.flush()?;
    let before = device.stats().context("stats before the run failed")?;
    // The peer counts since it was loaded: this run's counts are the difference.
    let peer_before = match peer.as_deref_mut() {
        None => None,
        Some(peer) => {
            let counts = peer.peer_stats().context("peer-stats before the run failed")?;
            peer.peer_start(settings.peer).map_err(|err| peer_start_failed(&err))?;
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
        (Some(peer), Some(before)) => match peer.peer_stop() {
            Ok(since_load) => PeerReport::Stopped { run: report::peer_run(&before, &since_load), since_load },
            Err(err) => PeerReport::Failed(format!("peer-stop failed: {err}")),
        },
        _ => PeerReport::Off,
    };
    let after = device.stats();

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
    writeln!(out, "{}", report::pool_line(&before, &after))?;
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
fn peer_start_failed(err: &rundown_client::Error) -> anyhow::Error {
    let hint = match err.status() {
        Some(NtStatus::INVALID_DEVICE_STATE) => "; its worker already runs (`rundownctl peer-stop` stops it)",
        _ => "",
    };
    anyhow::anyhow!("peer-start failed: {err}{hint}")
}

#[cfg(all(test, unix))]
mod tests {
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicU64, Ordering};

    use rundown_abi::peer::PeerIoctl;
    use rundown_client::{Completion, FakePeer, LocalDriver, PoolUsage, ServiceTransport};

    use super::*;

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

    fn driver() -> Device<ServiceTransport> {
        Device::new(LocalDriver::with_pool_usage(|| PoolUsage { bytes: 312, blocks: 1 }).open())
    }

    fn stress<P: Transport>(
        dev: &mut Device<ServiceTransport>,
        peer: Option<&mut Device<P>>,
        launcher: &Launcher,
        clients: u32,
    ) -> (Result<Totals>, Vec<String>) {
        let mut out = Vec::new();
        let result = run(dev, peer, launcher, &settings(clients), &mut out);
        (result, String::from_utf8(out).unwrap().lines().map(str::to_owned).collect())
    }

    const GOOD: &str = r#"echo '{"client":'$5',"ops":100,"refused":2,"torn":0,"lost":0,"faults":0}'"#;

    #[test]
    fn a_clean_run() {
        let mut dev = driver();
        let mut peer = Device::new(FakePeer::new());
        peer.transport_mut().stats.operations = 500;
        peer.transport_mut().work.operations = 1000;
        let (result, lines) = stress(&mut dev, Some(&mut peer), &shell(GOOD), 3);
        let totals = result.unwrap();
        assert!(totals.clean(), "{lines:#?}");
        assert_eq!(totals.ops, 1300);
        assert!(totals.rotations >= 2, "{lines:#?}");
        assert_eq!(
            peer.transport().started_with,
            Some(PeerStartRequest { hold_us: 50, ..PeerStartRequest::default() })
        );
        assert_eq!(peer.transport().stats.running, 0);
        assert_eq!(lines[0], "settings: 0.1 s, 3 clients, ROTATE every 5 ms, peer holding 50 us, pausing 0 us");
        assert_eq!(lines[1], "client 0: ops=100 refused=2 torn=0 lost=0 faults=0 (exit 0)");
        assert_eq!(lines[3], "client 2: ops=100 refused=2 torn=0 lost=0 faults=0 (exit 0)");
        assert!(lines[4].starts_with(r#"peer: this run {"operations":1000,"#), "{lines:#?}");
        assert!(lines[4].contains(r#"; since the driver loaded {"operations":1500,"#), "{lines:#?}");
        assert!(
            lines[5].starts_with(&format!("rotator: rotations={} busy=0 faults=0", totals.rotations)),
            "{lines:#?}"
        );
        assert!(lines[6].starts_with(r#"driver before: {"acquisitions":0,"#), "{lines:#?}");
        assert!(lines[7].starts_with(r#"driver after: {"acquisitions":0,"#), "{lines:#?}");
        assert!(lines[7].ends_with(&format!(
            r#""rotations":{},"max_holders":0,"holders":0,"pool_bytes":312,"pool_blocks":1}}"#,
            totals.rotations
        )));
        assert_eq!(lines[8], "pool: 0 blocks and 0 bytes more than before");
        assert_eq!(lines[9], format!("stress: 1300 ops, {} rotations, 0 faults, 0 lost, 0 leaked", totals.rotations));
        assert_eq!(lines.len(), 10);
        assert_eq!(Totals::parse(&lines[9]), Some(totals));
        assert_eq!(dev.transport().driver().service().violations(), 0);
    }

    #[test]
    fn bad_clients_and_an_inconsistent_peer_are_faults() {
        let script = r#"case $5 in
            0) echo '{"client":0,"ops":5,"refused":0,"torn":1,"lost":1,"faults":2}'; exit 1;;
            1) echo "nothing useful";;
            2) exit 0;;
            3) exec sleep 30;;
            *) echo '{"client":9,"ops":5,"refused":0,"torn":0,"lost":0,"faults":0}';;
        esac"#;
        let mut dev = driver();
        let mut peer = Device::new(FakePeer::new());
        // An earlier run's inconsistency is not this run's.
        peer.transport_mut().stats.inconsistencies = 1;
        peer.transport_mut().work.inconsistencies = 3;
        peer.transport_mut().work.operations = 10;
        let (result, lines) = stress(&mut dev, Some(&mut peer), &shell(script), 5);
        let totals = result.unwrap();
        // torn 1 + faults 2 + 4 clients without a line + 3 inconsistencies; lost 1.
        assert_eq!((totals.ops, totals.faults, totals.lost, totals.leaked), (15, 10, 1, 0), "{lines:#?}");
        assert!(!totals.clean());
        assert_eq!(lines[1], "client 0: ops=5 refused=0 torn=1 lost=1 faults=2 (exit 1)");
        assert!(lines[2].starts_with("client 1: malformed result line: "), "{lines:#?}");
        assert!(lines[2].ends_with(" in 'nothing useful' (exit 0)"), "{lines:#?}");
        assert_eq!(lines[3], "client 2: no result line (exit 0)");
        assert!(lines[4].starts_with("client 3: killed after the deadline (killed after the deadline"), "{lines:#?}");
        assert!(lines[5].starts_with(r#"client 4: the result line of client 9: '{"client":9,"#), "{lines:#?}");
        assert!(lines.last().unwrap().ends_with(" rotations, 10 faults, 1 lost, 0 leaked"));
    }

    #[test]
    fn without_the_peer_and_with_clients_that_cannot_start() {
        let mut dev = driver();
        let launcher = Launcher { program: PathBuf::from("/nonexistent/rundown-stress"), prefix: Vec::new() };
        let (result, lines) = stress::<FakePeer>(&mut dev, None, &launcher, 2);
        let totals = result.unwrap();
        assert_eq!((totals.ops, totals.faults), (0, 2));
        assert!(lines[0].ends_with(", no peer"));
        assert!(lines[1].starts_with("client 0: could not be started: "), "{lines:#?}");
        assert!(lines[1].ends_with(" (not started)"), "{lines:#?}");
        assert_eq!(lines[3], "peer: not started (--no-peer)");
    }

    #[test]
    fn holders_left_fail_the_run() {
        let mut dev = driver();
        // A hold on the parent's own handle: STATS after counts a holder, and every ROTATE is
        // refused (the handle would wait for itself).
        dev.acquire(1).unwrap();
        let (result, lines) = stress::<FakePeer>(&mut dev, None, &shell(GOOD), 1);
        let totals = result.unwrap();
        assert_eq!((totals.lost, totals.rotations), (1, 0), "{lines:#?}");
        assert!(totals.faults > 0, "{lines:#?}");
        assert!(lines[3].contains(" (rotate: STATUS_INVALID_DEVICE_STATE (0xC0000184) x"), "{lines:#?}");
        assert!(lines[5].contains(r#""holders":1,"#), "{lines:#?}");
    }

    #[test]
    fn pool_growth_is_a_leak() {
        static STATS_TAKEN: AtomicU64 = AtomicU64::new(0);
        /// One more block each time STATS asks.
        fn growing() -> PoolUsage {
            let blocks = STATS_TAKEN.fetch_add(1, Ordering::Relaxed) + 1;
            PoolUsage { bytes: 312 * blocks, blocks }
        }
        let mut dev = Device::new(LocalDriver::with_pool_usage(growing).open());
        let (result, lines) = stress::<FakePeer>(&mut dev, None, &shell(GOOD), 1);
        let totals = result.unwrap();
        assert!(totals.rotations > 0);
        assert_eq!(totals.leaked, 1, "{lines:#?}");
        assert!(!totals.clean());
        assert_eq!(lines[6], "pool: 1 blocks and 312 bytes more than before");
        assert!(lines[7].ends_with(" 1 leaked"), "{lines:#?}");
    }

    #[test]
    fn peer_failures() {
        let mut dev = driver();
        let mut peer = Device::new(FakePeer::new());
        peer.transport_mut().stats.running = 1;
        let (result, lines) = stress(&mut dev, Some(&mut peer), &shell(GOOD), 1);
        assert_eq!(
            format!("{:#}", result.unwrap_err()),
            "peer-start failed: STATUS_INVALID_DEVICE_STATE (0xC0000184); its worker already runs \
             (`rundownctl peer-stop` stops it)"
        );
        assert_eq!(lines.len(), 1);
        // A peer that cannot be stopped is a fault.
        let mut dev = driver();
        let mut peer = Device::new(rundown_client::Scripted::new(FakePeer::new()));
        peer.transport_mut().answer(PeerIoctl::Stop.code(), Completion::failed(NtStatus::DEVICE_BUSY, 0));
        let mut out = Vec::new();
        let totals = run(&mut dev, Some(&mut peer), &shell(GOOD), &settings(1), &mut out).unwrap();
        assert_eq!(totals.faults, 1);
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains("\npeer: peer-stop failed: STATUS_DEVICE_BUSY (0x80000011)\n"), "{out}");
    }
}
