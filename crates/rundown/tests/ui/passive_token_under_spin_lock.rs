//! Rule: while a spin lock is held the thread runs at DISPATCH_LEVEL, so the PASSIVE_LEVEL token
//! it was taken with cannot be used until the guard drops. KeAcquireSpinLockRaiseToDpc raises to
//! DISPATCH_LEVEL; KeReleaseSpinLock lowers back.

use rundown::irql::PassiveLevel;
use rundown::{RundownRef, SpinLock};

fn main() {
    let mut passive = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let lock = SpinLock::new(());
    let mut storage = RundownRef::new();
    let guard = lock.lock(&mut passive);
    let _owner = storage.owner(&passive);
    drop(guard);
}
