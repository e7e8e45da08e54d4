//! Rule: a `RunDown` owner has no wait; only `Completed` may wait again (it returns at once).
//! Seed ExRundownCompleted (wdm.h): "After an ExRundownCompleted call, additional calls to
//! ExWaitForRundownProtectionRelease to run down the associated object return immediately
//! without waiting." Before that call the word may still name the first waiter's dead wait
//! block, which a second wait reads as a count (field notes, section 5).

use rundown::RundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let mut storage = RundownRef::new();
    let owner = storage.owner(&irql);
    let run_down = owner.wait_for_release(&irql);
    run_down.wait_for_release(&irql);
}
