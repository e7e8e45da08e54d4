//! The sample peer driver in Wine: it gets the owner's interface from kernel mode, reads
//! consistently while the owner rotates, makes rotations wait for its holds, and dereferences
//! when stopped, after which the owner rotates and unloads as usual.
//!
//! Both drivers share a load-order group, so they run in one winedevice.exe. The peer's worker
//! holds the interface reference only while its loop runs, so the owner's unload, which waits for
//! that reference, ends when the loop is stopped (PEER_STOP, an IRP the peer's dispatch thread
//! still serves), even though the peer stays loaded.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use rundown_abi::peer::{PEER_WIN32_PATH, PeerIoctl, PeerMode, PeerStartRequest, PeerStats};
use rundown_wine_tests::{Artifacts, Loader, PEER_SERVICE, Rig, STEP, Session};

/// Loads the owner and the peer in a host named after the test, runs `case`, then unloads both
/// (the peer first) and checks the owner's pool and invariants.
fn with_peer(label: &str, case: impl FnOnce(&Rig) -> Result<()>) {
    let outcome = (|| -> Result<()> {
        let artifacts = Artifacts::from_build();
        let rig = Rig::load(&artifacts, label, Loader::Rundownctl)?;
        let result = rig.load_peer(&artifacts).and_then(|()| case(&rig)).and_then(|()| rig.host().ensure_no_crash());
        let unloaded = rig.unload_and_check_pool();
        let shut_down = rig.host_shutdown();
        result.and(unloaded).and(shut_down)
    })();
    if let Err(error) = outcome {
        panic!("{label}: {error:#}");
    }
}

/// A session on the peer's device: `raw` requests with its own codes.
fn peer_session(rig: &Rig) -> Result<Session> {
    rig.session_with(&["--device", PEER_WIN32_PATH])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut text, byte| {
        use std::fmt::Write as _;
        let _ = write!(text, "{byte:02x}");
        text
    })
}

fn unhex(text: &str) -> Result<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(text.get(at..at + 2).context("odd hex")?, 16).context("bad hex"))
        .collect()
}

fn peer_start(peer: &mut Session, settings: PeerStartRequest) -> Result<()> {
    let line =
        format!("raw --code {:#x} --input-hex {} --output-len 0", PeerIoctl::Start.code(), hex(&settings.to_bytes()));
    let answer = peer.send(&line)?;
    ensure!(answer.ok, "PEER_START answered `{}`", answer.line);
    Ok(())
}

/// PEER_STATS.
fn peer_stats(peer: &mut Session) -> Result<PeerStats> {
    let answer = peer.send(&format!(
        "raw --code {:#x} --input-hex - --output-len {}",
        PeerIoctl::Stats.code(),
        PeerStats::SIZE
    ))?;
    ensure!(answer.ok, "PEER_STATS answered `{}`", answer.line);
    Ok(PeerStats::from_bytes(&unhex(&answer.get("output"))?)?)
}

/// Waits until the peer's loop has done an iteration: its worker gets the interface first.
fn until_peer_works(peer: &mut Session) -> Result<()> {
    let deadline = Instant::now() + STEP;
    loop {
        let stats = peer_stats(peer)?;
        if stats.operations > 0 {
            return Ok(());
        }
        ensure!(stats.running == 1 && Instant::now() < deadline, "the peer's loop did not work: {stats:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until someone holds protection on the shared object.
fn until_held(owner: &mut Session) -> Result<()> {
    let deadline = Instant::now() + STEP;
    while owner.ok("query")?.num("holders")? == 0 {
        ensure!(Instant::now() < deadline, "nobody came to hold protection");
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}

fn peer_stop(peer: &mut Session) -> Result<PeerStats> {
    let answer =
        peer.send(&format!("raw --code {:#x} --input-hex - --output-len {}", PeerIoctl::Stop.code(), PeerStats::SIZE))?;
    ensure!(answer.ok, "PEER_STOP answered `{}`", answer.line);
    Ok(PeerStats::from_bytes(&unhex(&answer.get("output"))?)?)
}

#[test]
fn the_peer_reads_consistently_while_the_owner_rotates() {
    with_peer("peer_consistent", |rig| {
        let mut owner = rig.session()?;
        let mut peer = peer_session(rig)?;
        owner.ok("write aaaaaaaa")?;
        peer_start(&mut peer, PeerStartRequest { hold_us: 50, ..PeerStartRequest::default() })?;
        until_peer_works(&mut peer)?;
        for round in 0..20u8 {
            let payload = String::from(char::from(b'b' + round % 20)).repeat(1 + usize::from(round) * 7);
            owner.ok(&format!("write {payload}"))?;
            owner.ok("rotate")?;
        }
        let stats = peer_stop(&mut peer)?;
        ensure!(stats.operations > 0, "the peer did nothing: {stats:?}");
        ensure!(stats.inconsistencies == 0, "the peer saw inconsistent reads: {stats:?}");
        ensure!(stats.generations_seen >= 2, "the peer never saw a rotation: {stats:?}");
        ensure!((2..=21).contains(&stats.last_generation), "the peer's last generation: {stats:?}");
        owner.close()?;
        peer.close()
    });
}

/// Dispatch mode: Wine 8 fires a KTIMER's DPC (on a thread-pool thread; it models no IRQL), so
/// the iterations run in the timer's DPC routine with an `Irql<Dispatch>` token. The stop cancels
/// the timer (Wine's KeCancelTimer waits for a running callback) and flushes (a stub in Wine)
/// before the interface reference is dropped, so the owner then unloads with 0 pool.
#[test]
fn the_peer_reads_consistently_from_a_timer_dpc() {
    with_peer("peer_dispatch", |rig| {
        let mut owner = rig.session()?;
        let mut peer = peer_session(rig)?;
        owner.ok("write aaaaaaaa")?;
        peer_start(
            &mut peer,
            PeerStartRequest { pause_us: 1_000, mode: PeerMode::DISPATCH, ..PeerStartRequest::default() },
        )?;
        until_peer_works(&mut peer)?;
        for round in 0..20u8 {
            let payload = String::from(char::from(b'b' + round % 20)).repeat(1 + usize::from(round) * 7);
            owner.ok(&format!("write {payload}"))?;
            owner.ok("rotate")?;
            std::thread::sleep(Duration::from_millis(5));
        }
        let stats = peer_stop(&mut peer)?;
        ensure!(stats.dispatch_operations > 0, "no iteration ran in the timer DPC: {stats:?}");
        ensure!(stats.dispatch_operations == stats.operations, "iterations outside the DPC: {stats:?}");
        ensure!(stats.inconsistencies == 0, "the peer saw inconsistent reads: {stats:?}");
        ensure!(stats.generations_seen >= 2, "the peer never saw a rotation: {stats:?}");
        // PEER_START with a mode the peer does not know is refused.
        let bad = PeerStartRequest { mode: PeerMode(7), ..PeerStartRequest::default() };
        let answer = peer.send(&format!(
            "raw --code {:#x} --input-hex {} --output-len 0",
            PeerIoctl::Start.code(),
            hex(&bad.to_bytes())
        ))?;
        ensure!(!answer.ok && answer.line.contains("INVALID_PARAMETER"), "unknown mode: `{}`", answer.line);
        // So is a hold or a pause over a second: the worker would keep the owner's protection
        // (and a rotation waiting) that long.
        for bad in [
            PeerStartRequest { hold_us: PeerStartRequest::MAX_WAIT_US + 1, ..PeerStartRequest::default() },
            PeerStartRequest { pause_us: u32::MAX, ..PeerStartRequest::default() },
        ] {
            let answer = peer.send(&format!(
                "raw --code {:#x} --input-hex {} --output-len 0",
                PeerIoctl::Start.code(),
                hex(&bad.to_bytes())
            ))?;
            ensure!(!answer.ok && answer.line.contains("INVALID_PARAMETER"), "{bad:?}: `{}`", answer.line);
        }
        // The longest accepted hold starts, and the loop ends after PEER_STOP (whose signal cuts
        // the hold short on Windows; the wait is not timed here).
        peer_start(
            &mut peer,
            PeerStartRequest { hold_us: PeerStartRequest::MAX_WAIT_US, ..PeerStartRequest::default() },
        )?;
        peer_stop(&mut peer)?;
        let deadline = Instant::now() + STEP;
        loop {
            let stats = peer_stats(&mut peer)?;
            if stats.running == 0 {
                break;
            }
            ensure!(Instant::now() < deadline, "the peer's loop did not end after PEER_STOP: {stats:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
        owner.close()?;
        peer.close()
    });
}

#[test]
fn a_rotation_waits_for_the_peers_hold() {
    with_peer("peer_hold", |rig| {
        let mut peer = peer_session(rig)?;
        peer_start(&mut peer, PeerStartRequest { hold_us: 300_000, ..PeerStartRequest::default() })?;
        let mut owner = rig.session()?;
        // The peer holds for 300 ms at a time; a QUERY between its holds sees none.
        until_held(&mut owner)?;
        let started = Instant::now();
        let rotated = owner.ok("rotate")?;
        ensure!(rotated.num("waited_for_holders")? >= 1, "the rotation did not wait for the peer: `{}`", rotated.line);
        ensure!(started.elapsed() >= Duration::from_millis(50), "the rotation did not wait: {:?}", started.elapsed());
        let stats = peer_stop(&mut peer)?;
        ensure!(stats.inconsistencies == 0, "{stats:?}");
        owner.close()?;
        peer.close()
    });
}

/// The peer's service stopped while its loop holds protection: its unload ends the loop, which
/// releases; it drops its interface reference; the owner rotates without waiting and unloads.
#[test]
fn a_peer_stopped_while_holding_lets_the_owner_rotate_and_unload() {
    with_peer("peer_stopped", |rig| {
        let mut peer = peer_session(rig)?;
        peer_start(&mut peer, PeerStartRequest { hold_us: 200_000, ..PeerStartRequest::default() })?;
        let mut watcher = rig.session()?;
        until_held(&mut watcher)?;
        watcher.close()?;
        peer.kill();
        rig.ctl(&["--name", PEER_SERVICE, "stop"])?.ensure_success()?;
        rig.host().wait_for_log("rundown-peer: unloading", STEP)?;
        let mut owner = rig.session()?;
        let query = owner.ok("query")?;
        ensure!(query.num("holders")? == 0, "the stopped peer still holds: `{}`", query.line);
        let rotated = owner.ok("rotate")?;
        ensure!(rotated.num("waited_for_holders")? == 0, "`{}`", rotated.line);
        owner.close()
    });
}

/// A rotation while 100 holds are outstanding waits for all of them.
#[test]
fn a_rotation_with_100_holds_outstanding() {
    with_peer("hundred_holds", |rig| {
        let mut holders: Vec<Session> = Vec::new();
        for _ in 0..4 {
            let mut session = rig.session()?;
            session.ok("acquire --count 25")?;
            holders.push(session);
        }
        let mut rotator = rig.session()?;
        rotator.send_only("rotate")?;
        ensure!(rotator.answer_within(Duration::from_millis(500))?.is_none(), "ROTATE returned while 100 were held");
        for session in &mut holders {
            session.ok("release --count 25")?;
        }
        let rotated = rotator.answer_within(STEP)?.context("ROTATE did not complete")?;
        ensure!(rotated.ok && rotated.num("waited_for_holders")? == 100, "`{}`", rotated.line);
        for session in holders {
            session.close()?;
        }
        rotator.close()
    });
}

/// The owner stopped while the peer's loop holds its interface reference and object holds: the
/// unload waits; once the loop is stopped, the peer drops its reference and the unload completes,
/// freeing everything.
#[test]
fn the_owner_unload_waits_until_the_peer_lets_go() {
    with_peer("owner_stop_with_peer", |rig| {
        let mut peer = peer_session(rig)?;
        peer_start(&mut peer, PeerStartRequest { hold_us: 1_000, ..PeerStartRequest::default() })?;
        until_peer_works(&mut peer)?;
        let mut user = rig.session()?;
        let mut stop = rig.spawn(&["stop"])?;
        rig.host().wait_for_log("rundown: unloading", STEP)?;
        std::thread::sleep(Duration::from_millis(700));
        ensure!(stop.is_running(), "the owner unloaded while the peer held its interface reference");
        // Issue 8, finding 7: while the unload waits for the peer, new protection is refused.
        for line in ["acquire --count 1", "read", "write \"during the unload\"", "rotate"] {
            user.fails(line, "STATUS_DELETE_PENDING")?;
        }
        user.close()?;
        let stats = peer_stop(&mut peer)?;
        ensure!(stats.inconsistencies == 0, "{stats:?}");
        stop.wait(STEP)?.ensure_success()?;
        let log = rig.host().driver_log()?;
        ensure!(
            log.iter().any(|line| line == "rundown: unload: 1 peer interface references were outstanding; all dropped"),
            "the unload did not wait for the peer:\n{}",
            log.join("\n")
        );
        peer.close()
    });
}
