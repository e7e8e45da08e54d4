//! What `state()` and `Debug` show for the cache-aware reference: the holders as the wrapping
//! sum over the per-processor words, a wait in progress, and a run down that ended.

#[path = "common/watchdog.rs"]
mod watchdog;

use std::thread;
use std::time::{Duration, Instant};

use rundown::irql::PassiveLevel;
use rundown::{CacheAwareRundownRef, RundownState, count, simulation};

fn passive() -> PassiveLevel {
    PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL")
}

#[test]
fn cache_aware_state_sums_the_words_across_a_migration() {
    let irql = passive();
    simulation::set_processor_count(Some(2));
    let mut shared = CacheAwareRundownRef::allocate(&irql).expect("pool");
    let owner = shared.owner(&irql);
    let protection = owner.protection();
    assert_eq!(protection.state(), RundownState::Granting { holders: 0 });

    // Three acquired on processor 0, released on processor 1: the words read +3 and -3.
    simulation::run_on_processor(Some(0));
    let moved = protection.acquire_many(count!(3), &irql).expect("active");
    assert_eq!(protection.state(), RundownState::Granting { holders: 3 });
    simulation::run_on_processor(Some(1));
    drop(moved);
    assert_eq!(protection.state(), RundownState::Granting { holders: 0 }, "+3 and -3 sum to nothing");
    let held = protection.acquire(&irql).expect("a word below zero still grants");
    assert_eq!(protection.state(), RundownState::Granting { holders: 1 });
    assert_eq!(
        format!("{protection:?}"),
        "CacheAwareRundownRef { state: Granting { holders: 1 }, slots: 2, from_pool: true }"
    );
    drop(held);
    simulation::run_on_processor(None);
    drop(owner);
    shared.free(&irql);
    simulation::set_processor_count(None);
}

#[test]
fn cache_aware_state_shows_a_wait_in_progress_then_closed() {
    watchdog::step("cache_aware_state_shows_a_wait_in_progress_then_closed");
    let irql = passive();
    let mut shared = CacheAwareRundownRef::allocate(&irql).expect("pool");
    let slots = simulation::processor_count();
    let owner = shared.owner(&irql);
    let protection = owner.protection();
    let guard = protection.acquire(&irql).expect("active");
    thread::scope(|scope| {
        let waiter = scope.spawn(move || owner.wait_for_release(&passive()));
        let start = Instant::now();
        while protection.state() != RundownState::RunningDown {
            assert!(start.elapsed() < Duration::from_mins(1), "the wait never showed");
            thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(
            format!("{protection:?}"),
            format!("CacheAwareRundownRef {{ state: RunningDown, slots: {slots}, from_pool: true }}")
        );
        drop(guard);
        let owner = waiter.join().expect("the waiter");
        // The words still hold the returned wait's block; the reference knows the wait returned.
        assert_eq!(protection.state(), RundownState::Closed, "the wait returned");
        let owner = owner.completed(&irql);
        assert_eq!(protection.state(), RundownState::Closed, "completed");
        drop(owner);
    });
    // A new owner brings it back.
    let owner = shared.owner(&irql);
    assert_eq!(owner.protection().state(), RundownState::Granting { holders: 0 });
    drop(owner);
    shared.free(&irql);
}

#[test]
fn cache_aware_state_with_no_holders_closes_at_once() {
    let irql = passive();
    let required = CacheAwareRundownRef::required_size(&irql);
    let mut storage = vec![core::mem::MaybeUninit::<usize>::uninit(); required.div_ceil(8)];
    let mut shared = CacheAwareRundownRef::initialize_in(&mut storage, &irql).expect("large enough");
    let owner = shared.owner(&irql).wait_for_release(&irql);
    assert_eq!(owner.protection().state(), RundownState::Closed);
    assert!(format!("{:?}", owner.protection()).contains("from_pool: false"));
}
