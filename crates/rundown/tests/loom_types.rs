//! Loom models of the types built on the run-down word: `SpinLock<T>` and `Rundown<T>` (over the
//! plain and the cache-aware reference).
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p rundown --release --test loom_types`; without
//! `--cfg loom` this file compiles to nothing. The exploration and its bounds are those of
//! `tests/loom.rs` (`common/loom_support.rs`).
#![cfg(loom)]

use loom::sync::Arc;
use loom::sync::atomic::AtomicBool;
use loom::sync::atomic::Ordering::Relaxed;
use loom::thread;

use rundown::irql::PassiveLevel;
use rundown::{CacheAwareRundownRef, Rundown, RundownState, SpinLock, simulation};

#[path = "common/loom_support.rs"]
mod loom_support;
use loom_support::{Reached, check, passive};

/// Two plain fields changed together under the lock: a reader that sees them differ saw a
/// writer inside, so two threads held the lock at once. Loom's cell also reports any access not
/// ordered by the lock.
#[test]
fn a_spin_lock_admits_one_holder_at_a_time_and_publishes_its_writes() {
    check(3, || {
        let lock = Arc::new(SpinLock::new((0u32, 0u32)));
        let other = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                let mut irql = passive();
                let mut pair = lock.lock(&mut irql);
                assert_eq!(pair.0, pair.1, "two holders at once");
                pair.0 += 1;
                pair.1 += 1;
            })
        };
        let mut irql = passive();
        {
            let mut pair = lock.lock(&mut irql);
            assert_eq!(pair.0, pair.1, "two holders at once");
            pair.0 += 1;
            pair.1 += 1;
            assert!(PassiveLevel::check().is_none(), "a spin lock holder at PASSIVE_LEVEL");
        }
        other.join().expect("the other holder panicked");
        assert_eq!(*lock.lock(&mut irql), (2, 2), "an increment under the lock was lost");
    });
}

/// `try_access` racing `replace`: an access sees the old object or the new one, never a change
/// under it; once `replace` returned, every access sees the new one; an access refused during the
/// run down is followed, after the reinitialize, by one that sees the new object.
#[test]
fn try_access_racing_replace_sees_the_old_or_the_new_object_whole() {
    static OLD_SEEN: Reached = Reached::new("an access granted before the run down");
    static REFUSED: Reached = Reached::new("an access refused during the run down");
    static NEW_SEEN: Reached = Reached::new("an access granted after the reinitialize");

    check(3, || {
        let shared = Arc::new(Rundown::new([1u32, 1u32]));
        let replaced = Arc::new(AtomicBool::new(false));
        let reader = {
            let (shared, replaced) = (Arc::clone(&shared), Arc::clone(&replaced));
            thread::spawn(move || {
                let irql = passive();
                let mut refused = false;
                for _ in 0..2 {
                    let after_replace = replaced.load(Relaxed);
                    let Some(access) = shared.try_access(&irql) else {
                        assert!(!after_replace, "refused after the replace returned");
                        refused = true;
                        REFUSED.mark();
                        continue;
                    };
                    assert_eq!(access[0], access[1], "the object changed under an access");
                    if refused || after_replace {
                        assert_eq!(access[0], 2, "an access after the reinitialize saw the old object");
                    }
                    if access[0] == 1 { OLD_SEEN.mark() } else { NEW_SEEN.mark() }
                }
            })
        };
        let irql = passive();
        let mut owner = shared.owner().expect("the first claim");
        let old = owner.replace([2, 2], &irql);
        assert_eq!(old, [1, 1]);
        replaced.store(true, Relaxed);
        reader.join().expect("the reader panicked");
        assert_eq!(*shared.try_access(&irql).expect("active"), [2, 2]);
    });
    OLD_SEEN.assert_reached();
    REFUSED.assert_reached();
    NEW_SEEN.assert_reached();
}

/// A reader's access that outlives the start of a replace: the owner's `work` runs only after
/// the access dropped, and the object does not change while the access lasts.
#[test]
fn an_access_outliving_a_replace_attempt_holds_the_replace_off() {
    static WAITED: Reached = Reached::new("a replace whose wait outlasted an access granted before it");

    check(3, || {
        let shared = Arc::new(Rundown::new(1u32));
        let holding = Arc::new(AtomicBool::new(false));
        let reader_got_in = Arc::new(AtomicBool::new(false));
        let irql = passive();
        let reader = {
            let (shared, holding, got_in) = (Arc::clone(&shared), Arc::clone(&holding), Arc::clone(&reader_got_in));
            thread::spawn(move || {
                let irql = passive();
                if let Some(access) = shared.try_access(&irql) {
                    holding.store(true, Relaxed);
                    got_in.store(true, Relaxed);
                    let first = *access;
                    thread::yield_now();
                    assert_eq!(*access, first, "replaced under a held access");
                    holding.store(false, Relaxed);
                    drop(access);
                }
            })
        };
        let mut owner = shared.owner().expect("the first claim");
        let reader_was_in = owner.exclusive(&irql, |value| {
            assert!(!holding.load(Relaxed), "the owner's work ran while an access was held");
            *value = 2;
            reader_got_in.load(Relaxed)
        });
        if reader_was_in {
            WAITED.mark();
        }
        reader.join().expect("the reader panicked");
    });
    WAITED.assert_reached();
}

/// A cache-aware `Rundown<T>` replaced while a reader acquires, moves to the other processor and
/// releases there. The replace resets the two per-processor words one after the other; a reader
/// granted on the word reset first, then released into the word not yet reset, would release
/// into a completed word (NT follows its null wait block; the portable model panics). The
/// acquisition must be refused and undone on its own word instead, and the counts must come out
/// even: after the replace and the reader, nobody holds, and every processor's word grants.
#[test]
fn cache_aware_replace_racing_a_migrating_reader_never_releases_into_a_completed_word() {
    static GRANTED_AFTER: Reached = Reached::new("a migrating reader granted after the reinitialize");
    static REFUSED: Reached = Reached::new("a migrating reader refused during the replace");

    check(3, || {
        let irql = passive();
        let protection = CacheAwareRundownRef::allocate(&irql).expect("pool");
        let shared = Arc::new(Rundown::with_protection(protection, 1u32));
        let reader = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                let irql = passive();
                simulation::run_on_processor(Some(0));
                match shared.try_access(&irql) {
                    Some(access) => {
                        let seen = *access;
                        simulation::run_on_processor(Some(1));
                        assert_eq!(*access, seen, "replaced under a held access");
                        if seen == 2 {
                            GRANTED_AFTER.mark();
                        }
                        drop(access);
                    }
                    None => REFUSED.mark(),
                }
                simulation::run_on_processor(None);
            })
        };
        let mut owner = shared.owner().expect("the first claim");
        assert_eq!(owner.replace(2, &irql), 1);
        reader.join().expect("the reader panicked");
        assert_eq!(shared.protection().state(), RundownState::Granting { holders: 0 }, "a count left behind");
        for processor in 0..2 {
            simulation::run_on_processor(Some(processor));
            assert_eq!(*shared.try_access(&irql).expect("every word grants after the replace"), 2);
        }
        simulation::run_on_processor(None);
    });
    GRANTED_AFTER.assert_reached();
    REFUSED.assert_reached();
}
