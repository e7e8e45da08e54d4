//! Rule: `free` consumes the cache-aware reference, so no guard on it may be alive.
//! Seed ExWaitForRundownProtectionRelease (wdm.h): "Before deleting this object, the owning
//! driver must call this routine to wait for any outstanding accesses of the object to complete."
//! Freeing the block under a held guard would make its release write to freed pool.

use rundown::CacheAwareRundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let shared = CacheAwareRundownRef::allocate(&irql).expect("pool");
    let guard = shared.acquire(&irql);
    shared.free(&irql);
    drop(guard);
}
