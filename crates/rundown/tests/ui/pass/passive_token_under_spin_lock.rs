//! Correct version of `ui/passive_token_under_spin_lock.rs`: the token is used once the lock
//! is released.

use rundown::irql::PassiveLevel;
use rundown::{RundownRef, SpinLock};

fn main() {
    let mut passive = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let lock = SpinLock::new(());
    let mut storage = RundownRef::new();
    let guard = lock.lock(&mut passive);
    drop(guard);
    let _owner = storage.owner(&passive);
}
