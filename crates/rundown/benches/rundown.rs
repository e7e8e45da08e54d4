//! Criterion benchmarks: the safe API against the raw provider, the atomic floor and peers;
//! plain against cache-aware under two-thread contention; and wake-up latency.
//!
//! `cargo xtask bench` runs them and prints the ratio table the README quotes.
#![allow(missing_docs, reason = "criterion's macros generate undocumented functions")]

use std::hint::black_box;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use rundown::irql::PassiveLevel;
use rundown::provider::{Portable, Provider, RundownWord};
use rundown::{CacheAwareRundownRef, Protection, Rundown, RundownRef, SpinLock};

fn passive() -> PassiveLevel {
    PassiveLevel::check().expect("benchmark threads run at PASSIVE_LEVEL")
}

/// A word on its own cache line, so neighbours do not disturb the floor measurements.
#[repr(align(128))]
struct Padded<T>(T);

fn uncontended(c: &mut Criterion) {
    let irql = passive();
    let mut group = c.benchmark_group("uncontended");

    let shared = RundownRef::new();
    group.bench_function("safe_api", |b| b.iter(|| drop(black_box(&shared).acquire(&irql))));

    let word = Padded(RundownWord::new(0));
    group.bench_function("provider_direct", |b| {
        b.iter(|| {
            // SAFETY: an initialized word.
            if unsafe { Portable::acquire(black_box(&word.0)) } {
                // SAFETY: releases the protection just acquired, once.
                unsafe { Portable::release(&word.0) };
            }
        });
    });

    let floor = Padded(AtomicUsize::new(0));
    group.bench_function("floor_two_cas", |b| {
        b.iter(|| {
            let _ = black_box(&floor.0).compare_exchange(0, 2, Acquire, Relaxed);
            let _ = floor.0.compare_exchange(2, 0, Release, Relaxed);
        });
    });
    group.bench_function("floor_two_fetch_add", |b| {
        b.iter(|| {
            black_box(&floor.0).fetch_add(2, Acquire);
            floor.0.fetch_sub(2, Release);
        });
    });

    let peer = run_down::RundownRef::new();
    group.bench_function("peer_run_down_0_1_1", |b| b.iter(|| drop(black_box(&peer).try_acquire())));
    let arc = Arc::new(0_u64);
    group.bench_function("peer_arc_clone_drop", |b| b.iter(|| drop(Arc::clone(black_box(&arc)))));
    let lock = parking_lot::RwLock::new(0_u64);
    group.bench_function("peer_parking_lot_read", |b| b.iter(|| drop(black_box(&lock).read())));

    let cache_aware = CacheAwareRundownRef::allocate(&irql).expect("pool");
    group.bench_function("cache_aware_safe_api", |b| b.iter(|| drop(black_box(&cache_aware).acquire(&irql))));

    let object = Rundown::new(7_u64);
    group.bench_function("rundown_t_access_deref", |b| {
        b.iter(|| {
            if let Some(access) = black_box(&object).try_access(&irql) {
                black_box(*access);
            }
        });
    });
    group.finish();
    cache_aware.free(&irql);
}

/// Uncontended lock + unlock: the typed spin lock (here over the modelled IRQL, which a kernel
/// build replaces with `KeAcquireSpinLockRaiseToDpc`/`KeReleaseSpinLock`) against common
/// user-mode mutexes.
fn locks(c: &mut Criterion) {
    let mut irql = passive();
    let mut group = c.benchmark_group("locks");
    let spin = SpinLock::new(0_u64);
    group.bench_function("spin_lock", |b| b.iter(|| *black_box(&spin).lock(&mut irql) += 1));
    let parking = parking_lot::Mutex::new(0_u64);
    group.bench_function("parking_lot_mutex", |b| b.iter(|| *black_box(&parking).lock() += 1));
    let std_mutex = std::sync::Mutex::new(0_u64);
    group.bench_function("std_mutex", |b| b.iter(|| *black_box(&std_mutex).lock().expect("not poisoned") += 1));
    group.finish();
}

/// Runs `pairs` times `one_pair` (an acquire and its release) on each of two threads at once;
/// returns the wall time.
fn two_threads(pairs: u64, one_pair: impl Fn(&PassiveLevel) + Sync) -> Duration {
    let start = Barrier::new(3);
    thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                let irql = passive();
                start.wait();
                for _ in 0..pairs {
                    one_pair(&irql);
                }
            });
        }
        start.wait();
        let began = Instant::now();
        // The scope joins both workers before returning.
        began
    })
    .elapsed()
}

/// One `try_access`, a read through the guard, and the release.
fn access_deref<P: Protection>(object: &Rundown<u64, P>, irql: &PassiveLevel) {
    if let Some(access) = black_box(object).try_access(irql) {
        black_box(*access);
    }
}

fn contended(c: &mut Criterion) {
    let irql = passive();
    let mut group = c.benchmark_group("two_threads");
    // Each iteration is one pair on each thread; the time is for both threads together.
    let plain = RundownRef::new();
    group.bench_function("plain", |b| {
        b.iter_custom(|iters| two_threads(iters, |irql| drop(black_box(&plain).acquire(irql))));
    });
    let cache_aware = CacheAwareRundownRef::allocate(&irql).expect("pool");
    group.bench_function("cache_aware", |b| {
        b.iter_custom(|iters| two_threads(iters, |irql| drop(black_box(&cache_aware).acquire(irql))));
    });
    cache_aware.free(&irql);

    let plain_object = Rundown::new(7_u64);
    group.bench_function("rundown_t_plain", |b| {
        b.iter_custom(|iters| two_threads(iters, |irql| access_deref(&plain_object, irql)));
    });
    let protection = CacheAwareRundownRef::allocate(&irql).expect("pool");
    let cache_aware_object = Rundown::with_protection(protection, 7_u64);
    group.bench_function("rundown_t_cache_aware", |b| {
        b.iter_custom(|iters| two_threads(iters, |irql| access_deref(&cache_aware_object, irql)));
    });
    group.finish();
}

/// Time from the start of the last release to the waiter running again.
fn wake_latency(c: &mut Criterion) {
    let mut group = c.benchmark_group("wait");
    group.bench_function("last_release_to_waiter_running", |b| {
        b.iter_custom(|iters| {
            let mut storage = RundownRef::new();
            let irql = passive();
            let mut owner = Some(storage.owner(&irql));
            let shared = owner.as_ref().expect("owner").protection();
            let held = Barrier::new(2);
            let released_at = std::sync::Mutex::new(Instant::now());
            let round_done = AtomicBool::new(false);
            let mut total = Duration::ZERO;
            thread::scope(|scope| {
                scope.spawn(|| {
                    let irql = passive();
                    for _ in 0..iters {
                        let guard = shared.acquire(&irql).expect("reinitialized");
                        held.wait();
                        // Wait until the owner has published its wait block and gone to sleep.
                        // SAFETY: reading the live word.
                        while unsafe { shared.as_ptr().cast::<AtomicUsize>().as_ref() }.expect("word").load(Acquire) & 1
                            == 0
                        {
                            std::hint::spin_loop();
                        }
                        thread::sleep(Duration::from_micros(50));
                        *released_at.lock().expect("lock") = Instant::now();
                        drop(guard);
                        while !round_done.swap(false, AcqRel) {
                            std::hint::spin_loop();
                        }
                    }
                });
                for _ in 0..iters {
                    held.wait();
                    let run_down = owner.take().expect("owner").wait_for_release(&irql);
                    let woke = Instant::now();
                    total += woke - *released_at.lock().expect("lock");
                    owner = Some(run_down.completed(&irql).reinitialize(&irql));
                    round_done.store(true, Release);
                }
            });
            total
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = uncontended, locks, contended, wake_latency
}
criterion_main!(benches);
