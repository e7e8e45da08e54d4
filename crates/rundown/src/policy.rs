//! What this crate decides where Microsoft's documentation is silent.
//!
//! Each rule has a test named after it in `tests/policy.rs`.
//!
//! | question the documentation leaves open | NT's code does | this crate |
//! |---|---|---|
//! | the count overflows | never checks; 63 bits wrap into the active bit | **refuses**: an acquire that would pass [`MAX_OUTSTANDING`] returns `None`, as if run down |
//! | `ExAcquireRundownProtectionEx` with a count of 0 | succeeds without changing anything | **impossible**: counts are [`NonZeroU32`](core::num::NonZeroU32); [`count!`](crate::count) makes constants |
//! | release without an acquire, or twice | corrupts the count | **impossible**: only a [`RundownGuard`](crate::RundownGuard) releases, once, on drop |
//! | release after `ExRundownCompleted` | dereferences NULL | **impossible** in safe code (no guard survives the wait); the portable model panics instead of dereferencing |
//! | `ExRundownCompleted` without a wait | overwrites outstanding counts | **does not compile**: only [`RunDown`](crate::lifecycle::RunDown) has `completed` |
//! | `ExReInitializeRundownProtection` without a wait | reuses an object in use | **does not compile**: only [`Completed`](crate::lifecycle::Completed) has `reinitialize` |
//! | a second wait before `ExRundownCompleted` | reads the dead wait block as a count and sleeps forever | **does not compile**: `RunDown` has no wait; the portable model returns at once |
//! | two owners | races between waiters | **impossible**: an owner is made from `&mut` and cannot be cloned |
//! | a wait while the same thread holds a guard | sleeps forever | documented, not prevented (a deadlock, not memory unsafety) |
//! | a guard leaked with `mem::forget` | the wait sleeps forever | documented, not prevented (leaking is safe Rust) |
//! | the cache-aware slot goes below zero after a thread moved between processors | wrapping per slot | the same; the wait adds raw words with wrapping arithmetic, then shifts |
//! | a cache-aware reference reinitialized while readers may still acquire | one word at a time: a reader that acquires on a reinitialized word and moves to a processor whose word is still completed releases into it and dereferences NULL | **safe**: an acquisition runs at `DISPATCH_LEVEL` (no move) and, if a reinitialize is under way, is undone on its own word and refused ([`SharedReinitialize`](crate::SharedReinitialize)); loom model in `tests/loom_types.rs` |
//! | a cache-aware reference dropped above `APC_LEVEL` | (no destructor in C) | its pool block is leaked rather than freed at the wrong IRQL; debug builds stop |

pub use crate::provider::MAX_OUTSTANDING;
