//! Rule: a guard borrows the reference it protects, so it cannot outlive it.
//! Seed ExWaitForRundownProtectionRelease (wdm.h): "Before deleting this object, the owning
//! driver must call this routine to wait for any outstanding accesses of the object to complete."
//! A guard that escapes the reference's scope would be an outstanding access to a deleted object.

use rundown::RundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let escaped;
    {
        let shared = RundownRef::new();
        escaped = shared.acquire(&irql);
    }
    drop(escaped);
}
