//! Correct version of `ui/wait_under_spin_lock.rs`: acquire under the lock, wait after it.

use rundown::irql::PassiveLevel;
use rundown::{RundownRef, SpinLock};

fn main() {
    let mut passive = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let lock = SpinLock::new(0u32);
    let mut storage = RundownRef::new();
    let owner = storage.owner(&passive);
    let shared = owner.protection();
    {
        let mut guard = lock.lock(&mut passive);
        *guard += 1;
        drop(shared.acquire(guard.irql()).expect("active"));
    }
    let _run_down = owner.wait_for_release(&passive);
}
