//! Correct version of `ui/passive_token_used_while_raised.rs`: while raised, acquire with the
//! DISPATCH_LEVEL token the raise guard dereferences to; the PASSIVE token is usable again once
//! the guard dropped.

use rundown::RundownRef;
use rundown::irql::{Dispatch, PassiveLevel};

fn main() {
    let mut passive = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let shared = RundownRef::new();
    let raised = passive.raise::<Dispatch>();
    assert!(PassiveLevel::check().is_none(), "the modelled IRQL is DISPATCH_LEVEL while raised");
    let guard = shared.acquire(&raised).expect("active");
    drop(guard);
    drop(raised);
    assert!(shared.acquire(&passive).is_some());
}
