//! Rule: holds borrow the reference they keep protection on, so they cannot outlive it.
//! Seed ExWaitForRundownProtectionRelease (wdm.h): "Before deleting this object, the owning
//! driver must call this routine to wait for any outstanding accesses of the object to complete."
//! Holds that escape the reference's scope would be outstanding accesses to a deleted object.

use rundown::irql::PassiveLevel;
use rundown::{RundownHolds, RundownRef};

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let escaped;
    {
        let shared = RundownRef::new();
        let holds = RundownHolds::new(&shared);
        holds.keep(shared.acquire(&irql).expect("active")).expect("same reference");
        escaped = holds;
    }
    drop(escaped);
}
