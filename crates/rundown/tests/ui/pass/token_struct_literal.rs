//! Correct version of `ui/token_struct_literal.rs`: get a token by checking the IRQL.

use rundown::irql::{Irql, Passive};

fn main() {
    let checked = Irql::<Passive>::check();
    assert!(checked.is_some(), "test threads run at PASSIVE_LEVEL");
}
