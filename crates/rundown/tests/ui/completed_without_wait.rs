//! Rule: `completed` exists only on a `RunDown` owner, not on an `Active` one.
//! Seed ExRundownCompleted (wdm.h): "The ExRundownCompleted call must be preceded by a call to
//! the ExWaitForRundownProtectionRelease routine that runs down the object."

use rundown::RundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let mut storage = RundownRef::new();
    let owner = storage.owner(&irql);
    let _completed = owner.completed(&irql);
}
