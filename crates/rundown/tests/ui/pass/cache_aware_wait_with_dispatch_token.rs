//! Correct version of `ui/cache_aware_wait_with_dispatch_token.rs`: acquire at DISPATCH_LEVEL,
//! wait with the PASSIVE_LEVEL token after the raise guard dropped.

use rundown::CacheAwareRundownRef;
use rundown::irql::{Dispatch, PassiveLevel};

fn main() {
    let mut passive = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let mut shared = CacheAwareRundownRef::allocate(&passive).expect("pool");
    let owner = shared.owner(&passive);
    let protection = owner.protection();
    let dispatch_token = passive.raise::<Dispatch>();
    let guard = protection.acquire(&dispatch_token).expect("active");
    drop(guard);
    drop(dispatch_token);
    let run_down = owner.wait_for_release(&passive);
    assert!(protection.acquire(&passive).is_none(), "no acquire succeeds after the wait");
    let _completed = run_down.completed(&passive);
    shared.free(&passive);
}
