//! Correct version of `ui/owner_used_after_transition.rs`: keep using the owner each
//! transition returns.

use rundown::RundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let mut storage = RundownRef::new();
    let owner = storage.owner(&irql);
    let owner = owner.wait_for_release(&irql);
    let owner = owner.completed(&irql);
    owner.wait_for_release(&irql);
    let owner = owner.reinitialize(&irql);
    assert!(owner.protection().acquire(&irql).is_some());
}
