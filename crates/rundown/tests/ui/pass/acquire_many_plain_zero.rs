//! Correct version of `ui/acquire_many_plain_zero.rs`: a run-time count goes through
//! `NonZeroU32::new`, which turns zero into `None` before any acquire.

use core::num::NonZeroU32;

use rundown::RundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let shared = RundownRef::new();
    let requested: u32 = std::env::args().count().try_into().expect("few arguments");
    assert!(NonZeroU32::new(0).is_none());
    let count = NonZeroU32::new(requested).expect("the program name is always an argument");
    let guard = shared.acquire_many(count, &irql).expect("active");
    assert_eq!(guard.count(), count);
}
