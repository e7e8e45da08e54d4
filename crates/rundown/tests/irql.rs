//! The IRQL tokens: where they come from, what they prove, and how raising borrows them.
//!
//! On the host the IRQL is a per-thread value the tokens' raise guards set, so the checks below
//! run the same code paths the kernel build runs against `CR8`.

use rundown::RundownRef;
use rundown::irql::{Apc, ApcLevel, Dispatch, DispatchLevel, Irql, Passive, PassiveEntryPoint, PassiveLevel};

#[test]
fn a_new_thread_runs_at_passive_level() {
    assert!(PassiveLevel::check().is_some());
    std::thread::spawn(|| assert!(PassiveLevel::check().is_some())).join().expect("thread");
}

#[test]
fn raising_to_dispatch_makes_lower_tokens_unavailable_until_the_guard_drops() {
    let mut passive = PassiveLevel::check().expect("passive");
    {
        let dispatch = passive.raise::<Dispatch>();
        assert!(PassiveLevel::check().is_none());
        assert!(ApcLevel::check().is_none());
        assert!(DispatchLevel::check().is_some());
        let _: &Irql<Dispatch> = &dispatch;
    }
    assert!(PassiveLevel::check().is_some(), "KeLowerIrql restored PASSIVE_LEVEL");
}

#[test]
fn raises_nest_and_lower_in_reverse_order() {
    let mut passive = PassiveLevel::check().expect("passive");
    let mut apc = passive.raise::<Apc>();
    assert!(PassiveLevel::check().is_none());
    assert!(ApcLevel::check().is_some());
    {
        let _dispatch = apc.raise::<Dispatch>();
        assert!(ApcLevel::check().is_none());
    }
    assert!(ApcLevel::check().is_some(), "back at APC_LEVEL");
    drop(apc);
    assert!(PassiveLevel::check().is_some());
}

#[test]
fn a_dispatch_token_is_enough_to_acquire_and_release() {
    let shared = RundownRef::new();
    let mut passive = PassiveLevel::check().expect("passive");
    let dispatch = passive.raise::<Dispatch>();
    let guard = shared.acquire(&dispatch).expect("active");
    drop(guard);
    let many = shared.acquire_many(rundown::count!(2), &dispatch).expect("active");
    assert_eq!(many.count().get(), 2);
}

#[test]
fn an_apc_token_is_enough_for_the_owner() {
    let mut storage = RundownRef::new();
    let mut passive = PassiveLevel::check().expect("passive");
    let apc = passive.raise::<Apc>();
    let owner = storage.owner(&apc);
    let owner = owner.wait_for_release(&apc).completed(&apc);
    let _active = owner.reinitialize(&apc);
}

#[test]
fn entry_points_start_at_passive() {
    // SAFETY: a test thread is at PASSIVE_LEVEL, as DriverEntry is.
    let token: Irql<Passive> = unsafe { Irql::entered_at(PassiveEntryPoint::DriverEntry) };
    let shared = RundownRef::new();
    assert!(shared.acquire(&token).is_some());
}

#[test]
fn assume_at_a_higher_level_than_needed_is_allowed() {
    // SAFETY: the thread is at PASSIVE_LEVEL, which is at most DISPATCH_LEVEL.
    let token = unsafe { DispatchLevel::assume() };
    let shared = RundownRef::new();
    assert!(shared.acquire(&token).is_some());
}

#[test]
#[cfg_attr(not(debug_assertions), ignore = "the IRQL assertions exist only in debug builds")]
#[should_panic(expected = "above PASSIVE_LEVEL")]
fn debug_builds_stop_a_stale_token() {
    let mut first = PassiveLevel::check().expect("passive");
    let second = PassiveLevel::check().expect("passive");
    let _raised = first.raise::<Dispatch>();
    // `second` was checked before the raise: it no longer tells the truth.
    let _ = RundownRef::new().acquire(&second);
}

#[test]
#[cfg_attr(not(debug_assertions), ignore = "the IRQL assertions exist only in debug builds")]
#[should_panic(expected = "DriverUnload entered above PASSIVE_LEVEL")]
fn debug_builds_stop_an_entry_point_token_made_at_dispatch() {
    let mut passive = PassiveLevel::check().expect("passive");
    let _raised = passive.raise::<Dispatch>();
    // SAFETY: deliberately wrong; the debug assertion stops it before any use.
    let _token = unsafe { Irql::<Passive>::entered_at(PassiveEntryPoint::DriverUnload) };
}
