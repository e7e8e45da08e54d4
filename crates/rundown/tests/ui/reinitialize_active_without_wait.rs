//! Rule: `reinitialize` exists only on a `Completed` owner, not on an `Active` one.
//! Seed ExRundownCompleted (wdm.h): "After an ExRundownCompleted call, the driver can call the
//! ExReInitializeRundownProtection routine to associate the EX_RUNDOWN_REF structure with a new
//! object", and that call "must be preceded by a call to the ExWaitForRundownProtectionRelease
//! routine". Reinitializing an active reference would reuse an object still in use.

use rundown::RundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let mut storage = RundownRef::new();
    let owner = storage.owner(&irql);
    let _active = owner.reinitialize(&irql);
}
