//! Rule: an IRQL token describes one thread's processor state, so it is `!Send`.
//! Crate invariant (`irql` module): "Tokens are `!Send` and `!Sync`, so they stay on that
//! thread". Seed ExAcquireRundownProtectionEx (wdm.h), Requirements: "IRQL <= DISPATCH_LEVEL":
//! another thread's token proves nothing about the IRQL of the thread that acquires.

use rundown::RundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let shared = RundownRef::new();
    let handle = std::thread::spawn(move || shared.acquire(&irql).is_some());
    assert!(handle.join().expect("the thread does not panic"));
}
