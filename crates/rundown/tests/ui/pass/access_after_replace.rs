//! Correct version of `ui/access_after_replace.rs`: the owner's access ends before the replace.

use rundown::Rundown;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let shared = Rundown::new(1u32);
    let mut owner = shared.owner().expect("first claim");
    let access = owner.access(&irql).expect("active");
    assert_eq!(*access, 1);
    drop(access);
    assert_eq!(owner.replace(2, &irql), 1);
    assert_eq!(*owner.access(&irql).expect("active again"), 2);
}
