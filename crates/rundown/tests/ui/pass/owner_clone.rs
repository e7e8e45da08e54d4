//! Correct version of `ui/owner_clone.rs`: share the reference, not the owner.

use rundown::RundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let mut storage = RundownRef::new();
    let owner = storage.owner(&irql);
    let shared = owner.protection();
    let also_shared = shared;
    let guard = shared.acquire(&irql).expect("active");
    let second = also_shared.acquire(&irql).expect("active");
    assert!(core::ptr::eq(guard.protection(), second.protection()));
}
