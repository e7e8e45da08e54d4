//! Rule: a guard on a cache-aware reference borrows it, so it cannot outlive it.
//! Seed ExWaitForRundownProtectionRelease (wdm.h): "Before deleting this object, the owning
//! driver must call this routine to wait for any outstanding accesses of the object to complete."
//! Dropping the reference frees its pool block; a guard that escapes would release into it.

use rundown::CacheAwareRundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let escaped;
    {
        let shared = CacheAwareRundownRef::allocate(&irql).expect("pool");
        escaped = shared.acquire(&irql);
    }
    drop(escaped);
}
