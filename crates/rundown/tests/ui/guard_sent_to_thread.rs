//! Rule: a guard is released in the context that acquired it, so it is `!Send`.
//! Seed ExAcquireRundownProtectionEx (wdm.h): "The ExAcquireRundownProtectionEx and
//! ExReleaseRundownProtectionEx routines increment and decrement this count"; the release runs
//! at IRQL <= DISPATCH_LEVEL, which a guard carried to another context could not promise
//! (crate rule, `RundownGuard` docs: "it is `!Send`: it is released in the context that acquired
//! it").

use rundown::RundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let shared = RundownRef::new();
    let guard = shared.acquire(&irql).expect("not run down");
    std::thread::scope(|scope| {
        scope.spawn(move || drop(guard));
    });
}
