//! Correct version of `ui/token_assume_without_unsafe.rs`: `assume` inside `unsafe`, with the
//! promise it needs written down.

use rundown::RundownRef;
use rundown::irql::{Irql, Passive};

fn main() {
    // SAFETY: the main thread of a host program runs at (modelled) PASSIVE_LEVEL and does not
    // raise IRQL while the token lives.
    let assumed = unsafe { Irql::<Passive>::assume() };
    let shared = RundownRef::new();
    assert!(shared.acquire(&assumed).is_some());
}
