//! Correct version of `ui/acquire_without_token.rs`: acquire with a token.

use rundown::RundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let shared = RundownRef::new();
    let guard = shared.acquire(&irql).expect("a new reference is active");
    assert_eq!(guard.count().get(), 1);
}
