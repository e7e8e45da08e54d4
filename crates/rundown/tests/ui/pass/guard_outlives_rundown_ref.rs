//! Correct version of `ui/guard_outlives_rundown_ref.rs`: the guard is used and dropped inside
//! the reference's scope.

use rundown::RundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let count = {
        let shared = RundownRef::new();
        let guard = shared.acquire(&irql).expect("active");
        guard.count().get()
    };
    assert_eq!(count, 1);
}
