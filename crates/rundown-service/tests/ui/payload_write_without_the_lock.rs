//! Rule (issue 8, finding 1): a payload write runs under the writers' spin lock, at
//! DISPATCH_LEVEL from start to end, so that no reader spinning at DISPATCH_LEVEL waits for a
//! writer preempted with the sequence odd. The write raises IRQL through the caller's token, so
//! code that only holds a shared PASSIVE_LEVEL token (which cannot be raised) cannot write:
//! before the fix, `Payload::write(&self, data)` took no token and wrote at whatever IRQL it ran.

use rundown::irql::{Irql, Passive, PassiveLevel};
use rundown_service::Payload;

fn write_at_passive(payload: &Payload, irql: &Irql<Passive>) {
    payload.write(b"at PASSIVE_LEVEL, unlocked", irql);
}

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    write_at_passive(&Payload::new(), &irql);
}
