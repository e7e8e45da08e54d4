//! Correct version of `ui/cache_aware_free_while_guard_held.rs`: drop the guard, then free.

use rundown::CacheAwareRundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let shared = CacheAwareRundownRef::allocate(&irql).expect("pool");
    let guard = shared.acquire(&irql);
    assert!(guard.is_some());
    drop(guard);
    shared.free(&irql);
}
