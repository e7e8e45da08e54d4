//! The peer's worker loop: acquire, read, check, release, repeat; and what it counted.

use core::sync::atomic::Ordering::{Relaxed, SeqCst};
use core::sync::atomic::{AtomicBool, AtomicU64};

use alloc::boxed::Box;
use rundown::RundownRef;
use rundown::irql::{Irql, Passive};
use rundown_abi::peer::{PeerStartRequest, PeerStats, is_consistent};
use rundown_abi::{MAX_PAYLOAD, NtStatus};
use rundown_wdm::ThreadMain;
use rundown_wdm::wdk_values::{FALSE, KERNEL_MODE};
use wdk_sys::LARGE_INTEGER;
use wdk_sys::ntddk::KeDelayExecutionThread;

use crate::owner_link::OwnerLink;

/// The loop's counts, read by PEER_STATS while it runs.
#[derive(Default)]
pub(crate) struct Counts {
    operations: AtomicU64,
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
        for count in
            [&self.operations, &self.refused, &self.inconsistencies, &self.generations_seen, &self.last_generation]
        {
            count.store(0, Relaxed);
        }
    }

    pub(crate) fn snapshot(&self) -> PeerStats {
        PeerStats {
            operations: self.operations.load(Relaxed),
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
/// thread must be free), uses it while the loop runs, and drops its reference when the loop
/// ends, so that the owner can unload while the peer stays loaded.
///
/// Each iteration holds run-down protection on `work`; the peer's DriverUnload runs it down,
/// which refuses the next iteration and waits for the current one.
pub(crate) struct Worker {
    pub(crate) work: &'static RundownRef,
    pub(crate) counts: &'static Counts,
    pub(crate) settings: PeerStartRequest,
}

impl ThreadMain for Worker {
    fn run(self: Box<Self>, irql: &Irql<Passive>) {
        match OwnerLink::open(irql) {
            Ok(link) => {
                while !self.counts.stop.load(SeqCst) {
                    let Some(working) = self.work.acquire(irql) else { break };
                    self.iteration(&link);
                    drop(working);
                    pause_us(self.settings.pause_us);
                }
                link.close();
            }
            Err(status) => wdk::println!("rundown-peer: worker: no interface: {status:?}"),
        }
        self.counts.running.store(false, SeqCst);
    }
}

impl Worker {
    /// One acquire, read, check, release.
    fn iteration(&self, link: &OwnerLink) {
        let Some(hold) = link.acquire() else {
            self.counts.refused.fetch_add(1, Relaxed);
            // A rotation is running the object down; give it a moment.
            pause_us(100);
            return;
        };
        let mut first = [0u8; MAX_PAYLOAD];
        let (first_status, first_read) = link.read(hold, &mut first);
        let generation = link.generation(hold);
        pause_us(self.settings.hold_us);
        let mut second = [0u8; MAX_PAYLOAD];
        let (second_status, second_read) = link.read(hold, &mut second);
        link.release(hold);

        let consistent = first_status == NtStatus::SUCCESS
            && second_status == NtStatus::SUCCESS
            && first_read.generation == generation
            && second_read.generation == generation
            && is_consistent(&first[..first_read.len as usize])
            && is_consistent(&second[..second_read.len as usize]);
        if !consistent {
            self.counts.inconsistencies.fetch_add(1, Relaxed);
        }
        if self.counts.last_generation.swap(generation, Relaxed) != generation {
            self.counts.generations_seen.fetch_add(1, Relaxed);
        }
        self.counts.operations.fetch_add(1, Relaxed);
    }
}

/// Sleeps `microseconds` (0: not at all).
fn pause_us(microseconds: u32) {
    if microseconds == 0 {
        return;
    }
    // Relative, in 100 ns units.
    let mut interval = LARGE_INTEGER { QuadPart: -10 * i64::from(microseconds) };
    // SAFETY: PASSIVE_LEVEL (a system thread); a kernel-mode, non-alertable delay.
    let _ = unsafe { KeDelayExecutionThread(KERNEL_MODE, FALSE, &raw mut interval) };
}
