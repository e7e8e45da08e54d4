//! Correct version of `ui/raise_to_lower_irql.rs`: lower IRQL by dropping the raise guard; a
//! raise to the level already held is allowed.

use rundown::irql::{Dispatch, PassiveLevel};

fn main() {
    let mut passive = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let mut dispatch = passive.raise::<Dispatch>();
    let again = dispatch.raise::<Dispatch>();
    assert!(PassiveLevel::check().is_none());
    drop(again);
    drop(dispatch);
    assert!(PassiveLevel::check().is_some(), "dropping the guard lowers IRQL again");
}
