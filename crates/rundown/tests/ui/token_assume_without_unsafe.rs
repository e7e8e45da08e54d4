//! Rule: `Irql::assume` is an unchecked promise about the current IRQL, so it needs `unsafe`.
//! Seed ExWaitForRundownProtectionRelease (wdm.h), Requirements: "IRQL <= APC_LEVEL": only the
//! caller can vouch for a level that is not checked.

use rundown::irql::{Irql, Passive};

fn main() {
    let _assumed = Irql::<Passive>::assume();
}
