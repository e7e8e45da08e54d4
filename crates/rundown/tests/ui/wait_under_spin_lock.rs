//! Rule: code under a spin lock runs at DISPATCH_LEVEL, where the owner's wait (IRQL <=
//! APC_LEVEL) may not run. Seed ExWaitForRundownProtectionRelease (wdm.h), Requirements:
//! "IRQL <= APC_LEVEL"; KeAcquireSpinLockRaiseToDpc raises to DISPATCH_LEVEL.

use rundown::irql::PassiveLevel;
use rundown::{RundownRef, SpinLock};

fn main() {
    let mut passive = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let lock = SpinLock::new(RundownRef::new());
    let mut storage = RundownRef::new();
    let owner = storage.owner(&passive);
    let guard = lock.lock(&mut passive);
    let _run_down = owner.wait_for_release(guard.irql());
}
