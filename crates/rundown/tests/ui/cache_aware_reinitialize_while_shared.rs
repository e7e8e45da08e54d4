//! Rule: a cache-aware owner has no `reinitialize`; only `SharedReinitialize` references (the
//! plain `RundownRef`) are reinitialized through an owner whose reference readers still share.
//! Seed ExRundownCompleted (wdm.h): "After an ExRundownCompleted call, the driver can call the
//! ExReInitializeRundownProtection routine to associate the EX_RUNDOWN_REF structure with a new
//! object". The cache-aware form reinitializes one per-processor word at a time, so a reader that
//! acquires on a word already reinitialized and moves to a processor whose word still says
//! completed releases into it (NT dereferences NULL). A new owner taken through `&mut` does it
//! once no reader is left (see `pass/cache_aware_reinitialize_while_shared.rs`).

use rundown::CacheAwareRundownRef;
use rundown::irql::PassiveLevel;

fn main() {
    let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    let mut shared = CacheAwareRundownRef::allocate(&irql).expect("pool");
    let owner = shared.owner(&irql);
    let completed = owner.wait_for_release(&irql).completed(&irql);
    let _active = completed.reinitialize(&irql);
}
