//! Correct version of `ui/wait_with_dispatch_token.rs`: acquire at DISPATCH_LEVEL, then wait
//! with the PASSIVE_LEVEL token once the raise guard has dropped.

use rundown::RundownRef;
use rundown::irql::{Dispatch, PassiveLevel};

fn main() {
    let mut passive = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let mut storage = RundownRef::new();
    let owner = storage.owner(&passive);
    let shared = owner.protection();
    let dispatch_token = passive.raise::<Dispatch>();
    let guard = shared.acquire(&dispatch_token).expect("active");
    drop(guard);
    drop(dispatch_token);
    let _run_down = owner.wait_for_release(&passive);
    assert!(shared.acquire(&passive).is_none(), "no acquire succeeds after the wait");
}
