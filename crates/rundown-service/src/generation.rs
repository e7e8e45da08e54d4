//! One generation of the shared object.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::payload::Payload;

/// The shared object: a generation number and a payload. ROTATE retires it and installs the
/// next generation in its place, with the same payload.
///
/// ```
/// use rundown::irql::PassiveLevel;
/// use rundown_service::Generation;
///
/// let mut irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
/// let mut object = Generation::new(1);
/// object.payload().write(b"config", &mut irql);
/// object.advance(); // only with nobody inside: the rotator runs it down first
/// assert_eq!((object.number(), object.payload().read().data()), (2, &b"config"[..]));
/// ```
#[derive(Debug)]
pub struct Generation {
    number: u64,
    payload: Payload,
}

impl Generation {
    /// Generation `number` with an empty payload.
    #[cfg(not(loom))]
    #[must_use]
    pub const fn new(number: u64) -> Self {
        Self { number, payload: Payload::new() }
    }

    /// Generation `number` with an empty payload (loom's atomics have no `const` constructor).
    #[cfg(loom)]
    #[must_use]
    pub fn new(number: u64) -> Self {
        Self { number, payload: Payload::new() }
    }

    /// Becomes the next generation, keeping the payload at its version. The `&mut` proves that
    /// nobody is inside: the rotator calls it between a run-down and the reinitialize.
    pub fn advance(&mut self) {
        self.number += 1;
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
