//! Rule: each transition consumes the owner, so the state it left cannot be used again.
//! Seed ExRundownCompleted (wdm.h): "The ExRundownCompleted call must be preceded by a call to
//! the ExWaitForRundownProtectionRelease routine that runs down the object": keeping the
//! `Active` owner after its wait would allow a second wait before completion.

use rundown::RundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let mut storage = RundownRef::new();
    let owner = storage.owner(&irql);
    let _run_down = owner.wait_for_release(&irql);
    let _again = owner.wait_for_release(&irql);
}
