//! Rule: the owner's wait runs at IRQL <= APC_LEVEL, so a DISPATCH_LEVEL token is refused.
//! Seed ExWaitForRundownProtectionRelease (wdm.h), Requirements: "IRQL <= APC_LEVEL".

use rundown::RundownRef;
use rundown::irql::{Dispatch, PassiveLevel};

fn main() {
    let mut passive = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let mut storage = RundownRef::new();
    let owner = storage.owner(&passive);
    let dispatch_token = passive.raise::<Dispatch>();
    let _run_down = owner.wait_for_release(&dispatch_token);
    drop(dispatch_token);
}
