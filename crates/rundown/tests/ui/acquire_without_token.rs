//! Rule: every run-down routine takes a token proving the IRQL its page allows; acquire has no
//! form without one.
//! Seed ExAcquireRundownProtectionEx (wdm.h): "As long as the run-down block itself is nonpaged,
//! this function can be called at DISPATCH_LEVEL" (Requirements: "IRQL <= DISPATCH_LEVEL").

use rundown::RundownRef;

fn main() {
    let shared = RundownRef::new();
    let _guard = shared.acquire();
}
