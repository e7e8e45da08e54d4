//! `RundownHolds`: protection kept past the acquiring call and released later, on any thread.
//!
//! The run-down word of a `RundownRef` is read through `as_ptr` (count << 1 while active), so each
//! test checks what NT itself would see.

#[path = "common/watchdog.rs"]
mod watchdog;

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};

use rundown::irql::PassiveLevel;
use rundown::{RundownHolds, RundownRef, count};

fn irql() -> PassiveLevel {
    PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL")
}

/// The count NT's word holds while active.
fn outstanding(shared: &RundownRef) -> usize {
    // SAFETY: `as_ptr` points at the live word; a racy read of a plain word is fine for a test
    // that synchronizes with the threads that change it.
    let word = unsafe { shared.as_ptr().cast::<usize>().read_volatile() };
    assert_eq!(word & 1, 0, "the reference is active");
    word >> 1
}

#[test]
fn kept_guards_stay_acquired_until_released() {
    let irql = irql();
    let shared = RundownRef::new();
    let holds = RundownHolds::new(&shared);
    assert_eq!(holds.keep(shared.acquire(&irql).expect("active")).expect("same reference"), 1);
    assert_eq!(holds.keep(shared.acquire_many(count!(3), &irql).expect("active")).expect("same"), 4);
    assert_eq!(outstanding(&shared), 4, "keeping does not release");
    assert!(holds.release(count!(3), &irql));
    assert_eq!((holds.held(), outstanding(&shared)), (1, 1));
}

#[test]
fn releasing_more_than_kept_releases_nothing() {
    let irql = irql();
    let shared = RundownRef::new();
    let holds = RundownHolds::new(&shared);
    let _other = shared.acquire(&irql).expect("active"); // someone else's protection
    holds.keep(shared.acquire(&irql).expect("active")).expect("same reference");
    assert!(!holds.release(count!(2), &irql));
    assert_eq!((holds.held(), outstanding(&shared)), (1, 2));
    assert!(holds.release(count!(1), &irql));
    assert!(!holds.release(count!(1), &irql), "a second release of the same hold");
    assert_eq!(outstanding(&shared), 1, "the other holder's protection is untouched");
}

#[test]
fn a_guard_on_another_reference_is_handed_back() {
    let irql = irql();
    let (mine, other) = (RundownRef::new(), RundownRef::new());
    let holds = RundownHolds::new(&mine);
    let guard = other.acquire(&irql).expect("active");
    let guard = holds.keep(guard).expect_err("another reference");
    assert_eq!((holds.held(), outstanding(&other)), (0, 1));
    drop(guard);
    assert_eq!(outstanding(&other), 0);
}

#[test]
fn dropping_the_holds_releases_everything_kept() {
    let irql = irql();
    let shared = RundownRef::new();
    let holds = RundownHolds::new(&shared);
    holds.keep(shared.acquire_many(count!(5), &irql).expect("active")).expect("same reference");
    drop(holds);
    assert_eq!(outstanding(&shared), 0);
}

/// The owner's wait returns only after a hold kept on one thread is released on another.
#[test]
fn a_run_down_waits_for_holds_released_on_another_thread() {
    watchdog::step("a_run_down_waits_for_holds_released_on_another_thread");
    let irql = irql();
    let mut storage = RundownRef::new();
    let owner = storage.owner(&irql);
    let shared = owner.protection();
    let holds = RundownHolds::new(shared);
    holds.keep(shared.acquire(&irql).expect("active")).expect("same reference");
    let released = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(50));
            released.store(true, SeqCst);
            let irql = PassiveLevel::check().expect("a new thread runs at PASSIVE_LEVEL");
            assert!(holds.release(count!(1), &irql));
        });
        let owner = owner.wait_for_release(&irql);
        assert!(released.load(SeqCst), "the wait returned while the hold was kept");
        assert!(shared.acquire(&irql).is_none());
        drop(owner.completed(&irql));
    });
}

#[test]
fn holds_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<RundownHolds<'static>>();
}

#[test]
fn holds_acquire_directly_until_the_run_down() {
    let irql = irql();
    let mut storage = RundownRef::new();
    let owner = storage.owner(&irql);
    let shared = owner.protection();
    let holds = RundownHolds::new(shared);
    assert!(holds.acquire_many(count!(2), &irql));
    assert_eq!((holds.held(), outstanding(shared)), (2, 2));
    assert_eq!(holds.release_all(&irql), 2);
    let _owner = owner.wait_for_release(&irql);
    assert!(!holds.acquire_many(count!(1), &irql), "refused once run down");
    assert_eq!(holds.held(), 0);
}
