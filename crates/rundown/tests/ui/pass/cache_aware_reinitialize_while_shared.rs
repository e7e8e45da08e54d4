//! Correct version of `ui/cache_aware_reinitialize_while_shared.rs`: once every reader is done,
//! drop the completed owner and take a new one through `&mut`, which reinitializes every
//! per-processor word.

use rundown::CacheAwareRundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let mut shared = CacheAwareRundownRef::allocate(&irql).expect("pool");
    let owner = shared.owner(&irql);
    let protection = owner.protection();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let irql = PassiveLevel::check().expect("a new thread runs at PASSIVE_LEVEL");
            let guard = protection.acquire(&irql).expect("active");
            drop(guard);
        });
    });
    let completed = owner.wait_for_release(&irql).completed(&irql);
    assert!(completed.protection().acquire(&irql).is_none(), "completed: no acquire succeeds");
    // The readers are done and the owner goes: nothing borrows the reference any more.
    drop(completed);
    let owner = shared.owner(&irql);
    let protection = owner.protection();
    for processor in 0..2 * rundown::simulation::processor_count() {
        rundown::simulation::run_on_processor(Some(processor));
        let guard = protection.acquire(&irql).expect("reinitialized: every processor's word grants");
        rundown::simulation::run_on_processor(Some(processor + 1));
        drop(guard);
    }
    rundown::simulation::run_on_processor(None);
    drop(owner.wait_for_release(&irql));
    shared.free(&irql);
}
