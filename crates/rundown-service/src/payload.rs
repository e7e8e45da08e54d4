//! The shared object's payload: bytes that readers never see half-written.

use core::hint::spin_loop;
use core::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use core::sync::atomic::{AtomicU32, AtomicU64, fence};

use rundown_abi::MAX_PAYLOAD;

const WORDS: usize = MAX_PAYLOAD / 8;
#[expect(clippy::cast_possible_truncation, reason = "MAX_PAYLOAD is 256")]
const MAX_LEN: u32 = MAX_PAYLOAD as u32;

/// A payload of at most [`MAX_PAYLOAD`] bytes behind a sequence lock.
///
/// Run-down protection keeps the object alive; it does not order readers against writers. The
/// sequence number does: it is odd while a write is in progress, and a reader that saw it change
/// reads again. Writers exclude each other by moving it from even to odd.
///
/// # Invariants
/// `sequence` is even whenever no writer is between its two stores; `len <= MAX_PAYLOAD`.
///
/// ```
/// use rundown_service::Payload;
/// let payload = Payload::new();
/// assert_eq!(payload.write(b"hello"), 1);
/// let snapshot = payload.read();
/// assert_eq!((snapshot.version, snapshot.data()), (1, &b"hello"[..]));
/// ```
pub struct Payload {
    sequence: AtomicU64,
    len: AtomicU32,
    words: [AtomicU64; WORDS],
}

/// A consistent copy of a [`Payload`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// How many writes the payload has seen.
    pub version: u64,
    /// The valid length of `bytes`.
    pub len: u32,
    /// The payload, zero past `len`.
    pub bytes: [u8; MAX_PAYLOAD],
}

impl Snapshot {
    /// The valid bytes.
    #[must_use]
    pub fn data(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }
}

impl Payload {
    /// An empty payload at version 0.
    #[must_use]
    pub fn new() -> Self {
        Self { sequence: AtomicU64::new(0), len: AtomicU32::new(0), words: [const { AtomicU64::new(0) }; WORDS] }
    }

    /// A payload holding `snapshot`'s bytes at its version.
    #[must_use]
    pub fn from_snapshot(snapshot: &Snapshot) -> Self {
        let payload = Self::new();
        payload.store(snapshot.data());
        payload.sequence.store(snapshot.version * 2, Relaxed);
        payload
    }

    /// Reads a consistent copy, retrying while a write is in progress.
    #[must_use]
    pub fn read(&self) -> Snapshot {
        loop {
            let before = self.sequence.load(Acquire);
            if before % 2 == 1 {
                spin_loop();
                continue;
            }
            let len = self.len.load(Relaxed).min(MAX_LEN);
            let mut bytes = [0; MAX_PAYLOAD];
            for (chunk, word) in bytes.chunks_exact_mut(8).zip(&self.words) {
                chunk.copy_from_slice(&word.load(Relaxed).to_le_bytes());
            }
            fence(Acquire);
            if self.sequence.load(Relaxed) == before {
                bytes[len as usize..].fill(0);
                return Snapshot { version: before / 2, len, bytes };
            }
        }
    }

    /// Replaces the bytes, returning the new version.
    ///
    /// # Panics
    /// If `data` is longer than [`MAX_PAYLOAD`] (requests are validated before they get here).
    pub fn write(&self, data: &[u8]) -> u64 {
        assert!(data.len() <= MAX_PAYLOAD, "payload longer than MAX_PAYLOAD");
        let mut current = self.sequence.load(Relaxed);
        loop {
            if current % 2 == 1 {
                spin_loop();
                current = self.sequence.load(Relaxed);
                continue;
            }
            match self.sequence.compare_exchange_weak(current, current + 1, Acquire, Relaxed) {
                Ok(_) => break,
                Err(seen) => current = seen,
            }
        }
        // The odd sequence must be visible before any byte changes.
        fence(Release);
        self.store(data);
        self.sequence.store(current + 2, Release);
        current / 2 + 1
    }

    fn store(&self, data: &[u8]) {
        let mut bytes = [0; MAX_PAYLOAD];
        bytes[..data.len()].copy_from_slice(data);
        for (chunk, word) in bytes.chunks_exact(8).zip(&self.words) {
            word.store(u64::from_le_bytes(chunk.try_into().expect("8-byte chunks")), Relaxed);
        }
        #[expect(clippy::cast_possible_truncation, reason = "at most MAX_PAYLOAD")]
        self.len.store(data.len() as u32, Relaxed);
    }
}

impl Default for Payload {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for Payload {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Payload").field("version", &(self.sequence.load(Relaxed) / 2)).finish_non_exhaustive()
    }
}
