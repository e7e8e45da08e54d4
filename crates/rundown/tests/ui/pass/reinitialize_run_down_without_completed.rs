//! Correct version of `ui/reinitialize_run_down_without_completed.rs`: complete the run down
//! before reinitializing.

use rundown::RundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let mut storage = RundownRef::new();
    let owner = storage.owner(&irql);
    let run_down = owner.wait_for_release(&irql);
    assert!(run_down.protection().acquire(&irql).is_none());
    let active = run_down.completed(&irql).reinitialize(&irql);
    assert!(active.protection().acquire(&irql).is_some());
}
