//! Rule: the owner cannot run its object down while it holds an access itself: the wait would
//! wait for that access forever. Seed ExWaitForRundownProtectionRelease: the routine "waits to
//! return until all drivers that were previously granted run-down protection finish accessing
//! the object".

use rundown::Rundown;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let shared = Rundown::new(1u32);
    let mut owner = shared.owner().expect("first claim");
    let access = owner.access(&irql).expect("active");
    let _old = owner.replace(2, &irql);
    assert_eq!(*access, 1);
}
