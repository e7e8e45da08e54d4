//! The correct version: the holds end before the reference does.

use rundown::irql::PassiveLevel;
use rundown::{RundownHolds, RundownRef};

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let shared = RundownRef::new();
    let kept;
    {
        let holds = RundownHolds::new(&shared);
        holds.keep(shared.acquire(&irql).expect("active")).expect("same reference");
        kept = holds;
    }
    drop(kept);
}
