//! Rule: `raise` only goes up; a DISPATCH_LEVEL token cannot "raise" to PASSIVE_LEVEL.
//! Crate invariant (`irql` module): "IRQL only rises through `Irql::raise`" (KeRaiseIrql to a
//! lower IRQL is a bug check). Otherwise a PASSIVE token could be minted at DISPATCH_LEVEL and
//! pass the wait's seed requirement, ExWaitForRundownProtectionRelease: "IRQL <= APC_LEVEL".

use rundown::irql::{Dispatch, Passive, PassiveLevel};

fn main() {
    let mut passive = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let mut dispatch = passive.raise::<Dispatch>();
    let _lowered = dispatch.raise::<Passive>();
}
