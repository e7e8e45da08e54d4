//! The peer's worker: acquire, read, check, release, repeat, either in a loop on its system
//! thread (PASSIVE_LEVEL) or from a periodic timer's DPC (DISPATCH_LEVEL); and what it counted.

use core::sync::atomic::Ordering::{Relaxed, SeqCst};
use core::sync::atomic::{AtomicBool, AtomicU64};

use alloc::boxed::Box;
use rundown::irql::{AtMost, Dispatch, Irql, Passive};
use rundown_abi::peer::{PeerMode, PeerStartRequest, PeerStats, is_consistent};
use rundown_abi::{MAX_PAYLOAD, NtStatus};
use rundown_wdm::ThreadMain;
use rundown_wdm::timer::{DpcRoutine, with_periodic_dpc};

use crate::owner_link::OwnerLink;
use crate::state::Shared;

/// The loop's counts, read by PEER_STATS while it runs.
#[derive(Default)]
pub(crate) struct Counts {
    operations: AtomicU64,
    dispatch_operations: AtomicU64,
    refused: AtomicU64,
    inconsistencies: AtomicU64,
    generations_seen: AtomicU64,
    last_generation: AtomicU64,
    pub(crate) running: AtomicBool,
    pub(crate) stop: AtomicBool,
}

impl Counts {
    /// Zeroes the counts for a new run of the loop.
    pub(crate) fn reset(&self) {
        for count in [
            &self.operations,
            &self.dispatch_operations,
            &self.refused,
            &self.inconsistencies,
            &self.generations_seen,
            &self.last_generation,
        ] {
            count.store(0, Relaxed);
        }
    }

    pub(crate) fn snapshot(&self) -> PeerStats {
        PeerStats {
            operations: self.operations.load(Relaxed),
            dispatch_operations: self.dispatch_operations.load(Relaxed),
            refused: self.refused.load(Relaxed),
            inconsistencies: self.inconsistencies.load(Relaxed),
            generations_seen: self.generations_seen.load(Relaxed),
            last_generation: self.last_generation.load(Relaxed),
            running: u32::from(self.running.load(SeqCst)),
        }
    }
}

/// The worker thread. It gets the owner's interface itself (a system thread, not a dispatch
/// routine: in Wine the request is an IRP to a driver of the same process, whose one dispatch
/// thread must be free), uses it while the run lasts, and drops its reference when the run
/// ends, so that the owner can unload while the peer stays loaded.
///
/// Thread mode: each iteration of the loop holds run-down protection on `work`; the peer's
/// DriverUnload runs it down, which refuses the next iteration and waits for the current one.
/// Dispatch mode: the thread holds `work` while the timer runs, and stops the timer (cancel, then
/// flush its DPCs) before it drops the interface reference and `work`.
pub(crate) struct Worker {
    pub(crate) shared: &'static Shared,
    pub(crate) settings: PeerStartRequest,
}

impl ThreadMain for Worker {
    fn run(self: Box<Self>, irql: &Irql<Passive>) {
        match OwnerLink::open(irql) {
            Ok(link) => {
                if self.settings.mode == PeerMode::DISPATCH {
                    self.run_in_dpc(&link, irql);
                } else {
                    self.run_loop(&link, irql);
                }
                // Every DPC has returned (`with_periodic_dpc` flushed them): nothing of the
                // peer's calls the table any more.
                link.close(irql);
            }
            Err(status) => rundown_wdm::error!("rundown-peer: worker: no interface: {status:?}"),
        }
        self.shared.counts.running.store(false, SeqCst);
    }
}

impl Worker {
    /// Pauses up to `microseconds` (at most [`PeerStartRequest::MAX_WAIT_US`]); PEER_STOP and the
    /// unload cut it short. They set `stop` before they signal, so a pause that starts after the
    /// signal was taken sees `stop` and does not start.
    fn pause_us(&self, microseconds: u32, irql: &Irql<Passive>) {
        if microseconds != 0 && !self.shared.counts.stop.load(SeqCst) {
            let _woken = self.shared.wake.wait_us(microseconds, irql);
        }
    }

    /// Thread mode: the loop, at PASSIVE_LEVEL, until asked to stop or run down.
    fn run_loop(&self, link: &OwnerLink, irql: &Irql<Passive>) {
        let Shared { work, counts, .. } = self.shared;
        while !counts.stop.load(SeqCst) {
            let Some(working) = work.try_access(irql) else { break };
            let acquired = iteration(link, counts, irql, || self.pause_us(self.settings.hold_us, irql));
            drop(working);
            if !acquired {
                // A rotation is running the object down; give it a moment.
                self.pause_us(100, irql);
            }
            self.pause_us(self.settings.pause_us, irql);
        }
    }

    /// Dispatch mode: one iteration per expiry of a periodic timer, in its DPC, until asked to
    /// stop; the timer is cancelled and its DPCs flushed before this returns.
    fn run_in_dpc(&self, link: &OwnerLink, irql: &Irql<Passive>) {
        let Shared { work, counts, .. } = self.shared;
        let Some(working) = work.try_access(irql) else { return };
        let routine = DispatchIterations { link, counts };
        let ran = with_periodic_dpc(&routine, self.settings.period_ms(), irql, || {
            while !counts.stop.load(SeqCst) {
                self.pause_us(10_000, irql);
            }
        });
        if ran.is_none() {
            rundown_wdm::error!("rundown-peer: worker: no pool for the timer");
        }
        drop(working);
    }
}

/// The timer DPC's work: one iteration at DISPATCH_LEVEL.
struct DispatchIterations<'a> {
    link: &'a OwnerLink,
    counts: &'a Counts,
}

impl DpcRoutine for DispatchIterations<'_> {
    fn run(&self, irql: &Irql<Dispatch>) {
        // Nothing may wait at DISPATCH_LEVEL: the hold lasts only the two reads.
        if iteration(self.link, self.counts, irql, || ()) {
            self.counts.dispatch_operations.fetch_add(1, Relaxed);
        }
    }
}

/// One acquire, read, ask the generation, `hold`, read again, release and check, at IRQL <=
/// DISPATCH_LEVEL; false if the acquire was refused (the object runs down for a rotation).
fn iteration(link: &OwnerLink, counts: &Counts, irql: &Irql<impl AtMost<Dispatch>>, hold: impl FnOnce()) -> bool {
    let Some(peer_hold) = link.acquire(irql) else {
        counts.refused.fetch_add(1, Relaxed);
        return false;
    };
    let mut first = [0u8; MAX_PAYLOAD];
    let (first_status, first_read) = link.read(&peer_hold, &mut first, irql);
    let generation = link.generation(&peer_hold, irql);
    hold();
    let mut second = [0u8; MAX_PAYLOAD];
    let (second_status, second_read) = link.read(&peer_hold, &mut second, irql);
    link.release(peer_hold, irql);

    let consistent = first_status == NtStatus::SUCCESS
        && second_status == NtStatus::SUCCESS
        && first_read.generation == generation
        && second_read.generation == generation
        && is_consistent(&first[..first_read.len as usize])
        && is_consistent(&second[..second_read.len as usize]);
    if !consistent {
        counts.inconsistencies.fetch_add(1, Relaxed);
    }
    if counts.last_generation.swap(generation, Relaxed) != generation {
        counts.generations_seen.fetch_add(1, Relaxed);
    }
    counts.operations.fetch_add(1, Relaxed);
    true
}
