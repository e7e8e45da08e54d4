//! Rule: `reinitialize` exists only on a `Completed` owner, not on a `RunDown` one.
//! Seed ExRundownCompleted (wdm.h): "After an ExRundownCompleted call, the driver can call the
//! ExReInitializeRundownProtection routine to associate the EX_RUNDOWN_REF structure with a new
//! object". After the wait alone the word may still name the waiter's dead wait block.

use rundown::RundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let mut storage = RundownRef::new();
    let owner = storage.owner(&irql);
    let run_down = owner.wait_for_release(&irql);
    let _active = run_down.reinitialize(&irql);
}
