//! Correct version of `ui/payload_write_without_the_lock.rs`: the caller lends its token, which
//! the write raises to DISPATCH_LEVEL under the writers' lock and lowers again.

use rundown::irql::{Irql, Passive, PassiveLevel};
use rundown_service::Payload;

fn write_at_passive(payload: &Payload, irql: &mut Irql<Passive>) -> u64 {
    payload.write(b"under the writers' lock", irql)
}

fn main() {
    let mut irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    assert_eq!(write_at_passive(&Payload::new(), &mut irql), 1);
    assert!(PassiveLevel::check().is_some(), "lowered again after the write");
}
