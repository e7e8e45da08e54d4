//! Correct version of `ui/count_of_zero.rs`: a constant count of at least 1.

use rundown::RundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let shared = RundownRef::new();
    let guard = shared.acquire_many(rundown::count!(2), &irql).expect("active");
    assert_eq!(guard.count().get(), 2);
}
