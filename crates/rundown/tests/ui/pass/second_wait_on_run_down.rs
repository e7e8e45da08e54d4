//! Correct version of `ui/second_wait_on_run_down.rs`: complete first; a wait on the completed
//! owner returns at once.

use rundown::RundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let mut storage = RundownRef::new();
    let owner = storage.owner(&irql);
    let completed = owner.wait_for_release(&irql).completed(&irql);
    completed.wait_for_release(&irql);
    completed.wait_for_release(&irql);
    assert!(completed.protection().acquire(&irql).is_none());
}
