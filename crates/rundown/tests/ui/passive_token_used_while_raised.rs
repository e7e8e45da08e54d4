//! Rule: while a raise guard lives, the lower token it borrows proves nothing and cannot be used
//! (crate invariant, `irql` module: "IRQL only rises through `Irql::raise`, which mutably borrows
//! the lower token until the `Raised` guard drops").
//! Seed ExWaitForRundownProtectionRelease (wdm.h), Requirements: "IRQL <= APC_LEVEL": a stale
//! PASSIVE token would let the wait run at DISPATCH_LEVEL; here it is used for an acquire.

use rundown::RundownRef;
use rundown::irql::{Dispatch, PassiveLevel};

fn main() {
    let mut passive = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let shared = RundownRef::new();
    let raised = passive.raise::<Dispatch>();
    let _guard = shared.acquire(&passive);
    drop(raised);
}
