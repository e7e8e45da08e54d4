//! Rule: an IRQL token cannot be built from its fields; it comes from `check`, an `unsafe`
//! promise, or a raise.
//! Seed ExWaitForRundownProtectionRelease (wdm.h), Requirements: "IRQL <= APC_LEVEL": a token
//! made out of thin air would let the wait run at any IRQL.

use core::marker::PhantomData;

use rundown::irql::{Irql, Passive};

fn main() {
    let _forged = Irql::<Passive> { level: PhantomData, not_send: PhantomData };
}
