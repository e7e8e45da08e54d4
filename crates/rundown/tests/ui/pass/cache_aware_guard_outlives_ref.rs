//! Correct version of `ui/cache_aware_guard_outlives_ref.rs`: the guard drops inside the
//! reference's scope, and the reference is freed afterwards.

use rundown::CacheAwareRundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let count = {
        let shared = CacheAwareRundownRef::allocate(&irql).expect("pool");
        let count = shared.acquire(&irql).expect("active").count().get();
        shared.free(&irql);
        count
    };
    assert_eq!(count, 1);
}
