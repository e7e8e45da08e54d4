//! Correct version of `ui/reinitialize_active_without_wait.rs`: wait, complete, then
//! reinitialize.

use rundown::RundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let mut storage = RundownRef::new();
    let owner = storage.owner(&irql);
    let active = owner.wait_for_release(&irql).completed(&irql).reinitialize(&irql);
    assert!(active.protection().acquire(&irql).is_some(), "acquires succeed after reinitialize");
}
