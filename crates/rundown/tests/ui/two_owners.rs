//! Rule: there is one owner per reference; a second `owner` call needs the first one gone.
//! Seed ExWaitForRundownProtectionRelease (wdm.h): "This routine is called by the driver that
//! owns an object"; the crate's policy table: two owners are "**impossible**: an owner is made
//! from `&mut`".

use rundown::RundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let mut storage = RundownRef::new();
    let first = storage.owner(&irql);
    let second = storage.owner(&irql);
    let _run_down = first.wait_for_release(&irql);
    let _also_run_down = second.wait_for_release(&irql);
}
