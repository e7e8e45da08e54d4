//! Correct version of `ui/completed_without_wait.rs`: wait first, then complete.

use rundown::RundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let mut storage = RundownRef::new();
    let owner = storage.owner(&irql);
    let completed = owner.wait_for_release(&irql).completed(&irql);
    assert!(completed.protection().acquire(&irql).is_none(), "acquires fail after completion");
}
