//! Rule: a counted acquire's count is a `NonZeroU32`, and `count!(0)` fails at compile time.
//! Seed ExAcquireRundownProtectionEx (wdm.h): "Count: The amount by which to increment to the
//! run-down instance count of the object"; the crate's policy table: a count of 0 is
//! "**impossible**: counts are `NonZeroU32`; `count!` makes constants".

use rundown::RundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let shared = RundownRef::new();
    let _guard = shared.acquire_many(rundown::count!(0), &irql);
}
