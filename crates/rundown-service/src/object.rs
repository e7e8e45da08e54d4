//! The shared object and the run-down protection behind it, chosen once per build.

use rundown::Rundown;
use rundown::irql::{Apc, AtMost, Irql};

use crate::generation::Generation;

/// The run-down reference behind the shared object: NT's plain `EX_RUNDOWN_REF`, or with the
/// `cache-aware` feature an `EX_RUNDOWN_REF_CACHE_AWARE`, whose holders on different processors
/// do not contend.
#[cfg(not(feature = "cache-aware"))]
pub type ObjectProtection = rundown::RundownRef;

/// The run-down reference behind the shared object: NT's plain `EX_RUNDOWN_REF`, or with the
/// `cache-aware` feature an `EX_RUNDOWN_REF_CACHE_AWARE`, whose holders on different processors
/// do not contend.
#[cfg(feature = "cache-aware")]
pub type ObjectProtection = rundown::CacheAwareRundownRef<'static>;

/// The shared object: a [`Generation`] that owns its run-down protection.
pub type SharedObject = Rundown<Generation, ObjectProtection>;

/// Which [`ObjectProtection`] this build uses, as the driver's load message says it.
pub const OBJECT_PROTECTION: &str = if cfg!(feature = "cache-aware") { "cache-aware" } else { "plain" };

/// Pool tag of the cache-aware reference's block, `RdOb` in a pool dump.
#[cfg(feature = "cache-aware")]
const OBJECT_POOL_TAG: rundown::PoolTag = rundown::PoolTag::new(*b"RdOb");

/// Generation 1, active, behind this build's [`ObjectProtection`]; `None` when the cache-aware
/// reference finds no pool.
///
/// ```
/// use rundown::irql::PassiveLevel;
///
/// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
/// let object = rundown_service::shared_object(&irql).expect("pool");
/// assert_eq!(object.try_access(&irql).expect("active").number(), 1);
/// ```
#[must_use]
pub fn shared_object(irql: &Irql<impl AtMost<Apc>>) -> Option<SharedObject> {
    #[cfg(not(feature = "cache-aware"))]
    let protection = {
        let _ = irql;
        rundown::RundownRef::new()
    };
    #[cfg(feature = "cache-aware")]
    let protection = rundown::CacheAwareRundownRef::allocate_with_tag(OBJECT_POOL_TAG, irql)?;
    Some(Rundown::with_protection(protection, Generation::new(1)))
}
