//! Rule: there is one owner per reference; `RundownOwner` is not `Clone`.
//! Seed ExWaitForRundownProtectionRelease (wdm.h): "This routine is called by the driver that
//! owns an object"; the crate's policy table: two owners, "races between waiters", are
//! "**impossible**: an owner is made from `&mut` and cannot be cloned".

use rundown::irql::PassiveLevel;
use rundown::{RundownOwner, RundownRef};

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let mut storage = RundownRef::new();
    let owner = storage.owner(&irql);
    let _second: RundownOwner<'_, RundownRef> = Clone::clone(&owner);
}
