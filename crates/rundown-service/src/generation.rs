//! One generation of the shared object, and the nonpaged allocation that holds it.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::payload::{Payload, Snapshot};

/// The shared object: a generation number and a payload. ROTATE retires it and installs the
/// next generation, which starts with a copy of the payload.
///
/// ```
/// use rundown_service::Generation;
/// let first = Generation::new(1);
/// first.payload().write(b"config");
/// let second = Generation::succeeding(&first);
/// assert_eq!((second.number(), second.payload().read().data()), (2, &b"config"[..]));
/// ```
#[derive(Debug)]
pub struct Generation {
    number: u64,
    payload: Payload,
}

impl Generation {
    /// Generation `number` with an empty payload.
    #[must_use]
    pub fn new(number: u64) -> Self {
        Self { number, payload: Payload::new() }
    }

    /// The generation after `previous`, holding a copy of its payload at the same version.
    #[must_use]
    pub fn succeeding(previous: &Self) -> Self {
        let snapshot: Snapshot = previous.payload.read();
        Self { number: previous.number + 1, payload: Payload::from_snapshot(&snapshot) }
    }

    /// The generation number: 1 for the first, one more for each rotation.
    #[must_use]
    pub fn number(&self) -> u64 {
        self.number
    }

    /// The payload.
    #[must_use]
    pub fn payload(&self) -> &Payload {
        &self.payload
    }
}

/// Moves `value` to the heap (nonpaged pool in the driver), or gives `None` when the allocator
/// refuses, where `Box::new` would panic (and a driver would bug-check).
///
/// ```
/// let boxed = rundown_service::try_box([0u8; 64]).expect("the host allocator has room");
/// assert_eq!(boxed.len(), 64);
/// ```
pub fn try_box<T>(value: T) -> Option<Box<T>> {
    let mut one = Vec::new();
    one.try_reserve_exact(1).ok()?;
    one.push(value);
    let slice: Box<[T]> = one.into_boxed_slice();
    // SAFETY: a one-element slice has the layout of its element, and the pointer comes from a
    // Box of the global allocator, which the new Box frees with the same layout.
    Some(unsafe { Box::from_raw(Box::into_raw(slice).cast::<T>()) })
}
