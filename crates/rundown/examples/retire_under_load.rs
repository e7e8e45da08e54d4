//! Retire a shared object under load: readers use it under run-down protection while the owner
//! runs it down, frees it and installs a new generation, again and again.
//!
//! This is the pattern the driver's ROTATE request follows. Run it with
//! `cargo run -p rundown --example retire_under_load`.

use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64};
use std::time::{Duration, Instant};

use rundown::RundownRef;
use rundown::irql::PassiveLevel;

/// The shared object: its two fields always agree for a live generation.
struct Generation {
    number: u64,
    check: u64,
}

impl Generation {
    fn boxed(number: u64) -> *mut Self {
        Box::into_raw(Box::new(Self { number, check: !number }))
    }
}

fn main() {
    const READERS: usize = 3;
    const ROTATIONS: u64 = 2_000;
    let irql = PassiveLevel::check().expect("main runs at PASSIVE_LEVEL");
    let mut storage = RundownRef::new();
    let mut owner = storage.owner(&irql);
    let shared = owner.protection();
    let current = AtomicPtr::new(Generation::boxed(1));
    let stop = AtomicBool::new(false);
    let (reads, refused, torn) = (AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0));
    let started = Instant::now();

    std::thread::scope(|scope| {
        for _ in 0..READERS {
            scope.spawn(|| {
                let irql = PassiveLevel::check().expect("new threads run at PASSIVE_LEVEL");
                while !stop.load(Relaxed) {
                    let Some(_guard) = shared.acquire(&irql) else {
                        refused.fetch_add(1, Relaxed);
                        std::thread::yield_now();
                        continue;
                    };
                    // SAFETY: the guard keeps the owner from freeing the generation we load.
                    let generation = unsafe { &*current.load(Acquire) };
                    if generation.check != !generation.number {
                        torn.fetch_add(1, Relaxed);
                    }
                    reads.fetch_add(1, Relaxed);
                }
            });
        }
        for number in 2..=ROTATIONS + 1 {
            std::thread::sleep(Duration::from_micros(50));
            let run_down = owner.wait_for_release(&irql); // no new readers; all old ones gone
            let completed = run_down.completed(&irql);
            let retired = current.swap(Generation::boxed(number), Release);
            // SAFETY: the wait returned, so no reader holds protection on `retired`.
            drop(unsafe { Box::from_raw(retired) });
            owner = completed.reinitialize(&irql);
        }
        stop.store(true, Relaxed);
    });

    // SAFETY: every reader has ended.
    let last = unsafe { Box::from_raw(current.load(Acquire)) };
    println!("rotations : {ROTATIONS} (last generation {})", last.number);
    println!(
        "reads     : {} under protection, {} refused while a rotation ran",
        reads.load(Relaxed),
        refused.load(Relaxed)
    );
    println!("torn reads: {}", torn.load(Relaxed));
    println!("elapsed   : {:.2?}", started.elapsed());
    assert_eq!(torn.load(Relaxed), 0, "a reader saw a retired generation");
}
