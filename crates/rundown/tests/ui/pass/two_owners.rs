//! Correct version of `ui/two_owners.rs`: owners one after the other; the second starts active.

use rundown::RundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let mut storage = RundownRef::new();
    let first = storage.owner(&irql);
    let _completed = first.wait_for_release(&irql).completed(&irql);
    let second = storage.owner(&irql);
    assert!(second.protection().acquire(&irql).is_some(), "a new owner starts active");
}
