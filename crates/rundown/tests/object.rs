//! `Rundown<T>`: the object behind run-down protection, its one owner, and its accesses.

#[path = "common/watchdog.rs"]
mod watchdog;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use rundown::irql::{Dispatch, PassiveLevel};
use rundown::{CacheAwareRundownRef, Rundown, RundownHolds, count};

fn passive() -> PassiveLevel {
    PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL")
}

// Under loom, atomics have no `const` constructor, so nothing can be a `static`.
#[cfg(not(loom))]
#[test]
fn only_the_first_claim_gets_the_owner() {
    static SHARED: Rundown<u8> = Rundown::new(0);
    let first = SHARED.owner();
    assert!(first.is_some());
    assert!(SHARED.owner().is_none(), "a second owner");
    std::thread::spawn(|| assert!(SHARED.owner().is_none(), "a second owner on another thread")).join().unwrap();
}

#[test]
fn access_derefs_to_the_object_and_works_at_dispatch_level() {
    let shared = Rundown::new(String::from("config"));
    let mut irql = passive();
    let dispatch = irql.raise::<Dispatch>();
    let access = shared.try_access(&dispatch).expect("active");
    assert_eq!(access.as_str(), "config");
}

#[test]
fn replace_waits_for_every_access_granted_before_it() {
    watchdog::step("replace_waits_for_every_access_granted_before_it");
    {
        let shared = Arc::new(Rundown::new(1u64));
        let entered = Arc::new(Barrier::new(2));
        let released = Arc::new(AtomicBool::new(false));
        let reader = {
            let (shared, entered, released) = (Arc::clone(&shared), Arc::clone(&entered), Arc::clone(&released));
            std::thread::spawn(move || {
                let irql = passive();
                let access = shared.try_access(&irql).expect("active");
                entered.wait();
                std::thread::sleep(Duration::from_millis(50));
                assert_eq!(*access, 1, "the object changed under an access");
                released.store(true, Ordering::SeqCst);
                drop(access);
            })
        };
        entered.wait();
        let mut owner = shared.owner().expect("first claim");
        let old = owner.replace(2, &passive());
        assert!(released.load(Ordering::SeqCst), "replace returned while an access was held");
        assert_eq!(old, 1);
        assert_eq!(*shared.try_access(&passive()).expect("active again"), 2);
        reader.join().expect("reader");
    }
}

#[test]
fn retire_refuses_every_later_access_and_returns_the_object() {
    let shared = Rundown::new(vec![1, 2]);
    let owner = shared.owner().expect("first claim");
    assert_eq!(owner.retire(&passive()), Some(vec![1, 2]));
    assert!(shared.try_access(&passive()).is_none());
    let holds = RundownHolds::new(shared.protection());
    assert!(shared.keep_in(&holds, &passive()).is_none(), "kept protection after retire");
    assert!(shared.owner().is_none(), "retire ended ownership for good");
}

#[test]
fn held_protection_lends_access_while_the_owner_waits() {
    watchdog::step("held_protection_lends_access_while_the_owner_waits");
    {
        let shared = Arc::new(Rundown::new(7u32));
        let kept = Arc::new(AtomicUsize::new(0));
        let lent_during_wait = Arc::new(AtomicBool::new(false));
        let holder_ready = Arc::new(Barrier::new(2));
        let owner_started = Arc::new(AtomicBool::new(false));
        let holder = {
            let (shared, lent, ready, started, kept) = (
                Arc::clone(&shared),
                Arc::clone(&lent_during_wait),
                Arc::clone(&holder_ready),
                Arc::clone(&owner_started),
                Arc::clone(&kept),
            );
            std::thread::spawn(move || {
                let irql = passive();
                let holds = RundownHolds::new(shared.protection());
                let address = shared.keep_in(&holds, &irql).expect("active");
                kept.store(address.as_ptr() as usize, Ordering::SeqCst);
                ready.wait();
                while !started.load(Ordering::SeqCst) {
                    std::thread::yield_now();
                }
                std::thread::sleep(Duration::from_millis(20));
                assert!(shared.try_access(&irql).is_none(), "a fresh access during the wait");
                let access = shared.lend(&holds).expect("the holds keep one");
                assert_eq!(*access, 7);
                lent.store(true, Ordering::SeqCst);
                drop(access);
                assert_eq!(holds.release_all(&irql), 1);
            })
        };
        holder_ready.wait();
        let mut owner = shared.owner().expect("first claim");
        owner_started.store(true, Ordering::SeqCst);
        owner.exclusive(&passive(), |value| *value += 1);
        assert!(lent_during_wait.load(Ordering::SeqCst), "the owner's wait returned before the holder let go");
        holder.join().expect("holder");
        let address = kept.load(Ordering::SeqCst);
        assert_eq!(address, std::ptr::from_ref(&*shared.try_access(&passive()).unwrap()) as usize);
    }
}

#[test]
fn holds_of_another_reference_neither_lend_nor_keep() {
    let shared = Rundown::new(1u8);
    let other = Rundown::new(2u8);
    let holds = RundownHolds::new(other.protection());
    assert!(holds.acquire_many(count!(1), &passive()));
    assert!(shared.lend(&holds).is_none());
    assert!(shared.keep_in(&holds, &passive()).is_none());
    assert_eq!(holds.release_all(&passive()), 1);
}

#[test]
fn a_cache_aware_rundown_serves_and_retires() {
    let irql = passive();
    let protection = CacheAwareRundownRef::allocate(&irql).expect("pool");
    let shared = Rundown::with_protection(protection, 5u16);
    let owner = shared.owner().expect("first claim");
    assert_eq!(*owner.access(&irql).expect("active"), 5);
    assert_eq!(owner.retire(&irql), Some(5));
    assert!(shared.try_access(&irql).is_none());
}

#[test]
fn get_mut_and_into_inner_need_no_protection() {
    let mut shared = Rundown::new(3u8);
    *shared.get_mut().expect("not retired") += 1;
    assert_eq!(shared.into_inner(), Some(4));
}
