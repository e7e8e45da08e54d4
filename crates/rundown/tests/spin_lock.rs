//! `SpinLock<T>`: mutual exclusion, the IRQL it raises to, and the token it lends.

use std::sync::Arc;

use rundown::irql::{Apc, ApcLevel, Dispatch, DispatchLevel, Irql, PassiveLevel};
use rundown::{RundownRef, SpinLock};

fn passive() -> PassiveLevel {
    PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL")
}

#[test]
fn holding_the_lock_raises_to_dispatch_level_until_the_guard_drops() {
    let lock = SpinLock::new(0u32);
    let mut irql = passive();
    {
        let guard = lock.lock(&mut irql);
        assert!(PassiveLevel::check().is_none(), "still PASSIVE_LEVEL under a spin lock");
        assert!(ApcLevel::check().is_none());
        assert!(DispatchLevel::check().is_some());
        let _: &Irql<Dispatch> = guard.irql();
    }
    assert!(PassiveLevel::check().is_some(), "KeReleaseSpinLock lowered IRQL again");
}

#[test]
fn the_lent_token_acquires_run_down_protection() {
    let shared = RundownRef::new();
    let lock = SpinLock::new(());
    let mut irql = passive();
    let guard = lock.lock(&mut irql);
    assert!(shared.acquire(guard.irql()).is_some());
}

#[test]
fn locking_at_apc_and_dispatch_level_returns_to_that_level() {
    let lock = SpinLock::new(0u8);
    let mut irql = passive();
    let mut apc = irql.raise::<Apc>();
    drop(lock.lock(&mut apc));
    assert!(ApcLevel::check().is_some() && PassiveLevel::check().is_none(), "back at APC_LEVEL");
    let mut dispatch = apc.raise::<Dispatch>();
    drop(lock.lock(&mut dispatch));
    assert!(DispatchLevel::check().is_some() && ApcLevel::check().is_none(), "still at DISPATCH_LEVEL");
}

#[test]
fn increments_under_the_lock_are_never_lost() {
    const THREADS: usize = 4;
    const ROUNDS: u64 = 20_000;
    let lock = Arc::new(SpinLock::new((0u64, 0u64)));
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let lock = Arc::clone(&lock);
            std::thread::spawn(move || {
                let mut irql = passive();
                for _ in 0..ROUNDS {
                    let mut pair = lock.lock(&mut irql);
                    // Two plain fields changed together: a torn pair means two holders at once.
                    assert_eq!(pair.0, pair.1, "two threads held the lock at once");
                    pair.0 += 1;
                    pair.1 += 1;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("worker");
    }
    let total = Arc::try_unwrap(lock).expect("workers joined").into_inner();
    assert_eq!(total, (THREADS as u64 * ROUNDS, THREADS as u64 * ROUNDS));
}

// Under loom, atomics have no `const` constructor, so nothing can be a `static`.
#[cfg(not(loom))]
#[test]
fn a_static_lock_needs_no_initialization_call() {
    static LOCK: SpinLock<[u8; 4]> = SpinLock::new([0; 4]);
    let mut irql = passive();
    LOCK.lock(&mut irql)[2] = 9;
    assert_eq!(*LOCK.lock(&mut irql), [0, 0, 9, 0]);
}
