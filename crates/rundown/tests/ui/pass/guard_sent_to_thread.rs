//! Correct version of `ui/guard_sent_to_thread.rs`: share the reference (it is `Sync`) and let
//! the other thread acquire its own guard.

use rundown::RundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let shared = RundownRef::new();
    let guard = shared.acquire(&irql).expect("not run down");
    let acquired_there = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let irql = PassiveLevel::check().expect("a new thread runs at PASSIVE_LEVEL");
                shared.acquire(&irql).map(|guard| guard.count().get())
            })
            .join()
            .expect("the thread does not panic")
    });
    assert_eq!(acquired_there, Some(1));
    drop(guard);
}
