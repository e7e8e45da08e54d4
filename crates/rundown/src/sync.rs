//! The atomics this crate runs on, for code built on it: `core`'s, or loom's under `--cfg loom`.
//!
//! A crate that builds its own concurrent state on top of `rundown` (a driver's request
//! handler, say) takes its atomics from here, and then one `RUSTFLAGS="--cfg loom"` model-checks
//! that state together with the run-down protection underneath, with the same code that ships.
//!
//! ```
//! use rundown::sync::{AtomicU64, Ordering};
//!
//! let hits = AtomicU64::new(0);
//! hits.fetch_add(1, Ordering::Relaxed);
//! assert_eq!(hits.load(Ordering::Relaxed), 1);
//! ```

pub use crate::env::atomics::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering, fence, spin_loop};
