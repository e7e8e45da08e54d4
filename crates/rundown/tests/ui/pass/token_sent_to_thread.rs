//! Correct version of `ui/token_sent_to_thread.rs`: the new thread checks its own token.

use rundown::RundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let shared = RundownRef::new();
    let handle = std::thread::spawn(move || {
        let irql = PassiveLevel::check().expect("a new thread runs at PASSIVE_LEVEL");
        shared.acquire(&irql).is_some()
    });
    assert!(handle.join().expect("the thread does not panic"));
}
