//! The shared object's payload: bytes that readers never see half-written.

use rundown::SpinLock;
use rundown::irql::{AtMost, Dispatch, Irql};
use rundown::sync::Ordering::{Acquire, Relaxed, Release};
use rundown::sync::{AtomicU32, AtomicU64, fence, spin_loop};
use rundown_abi::MAX_PAYLOAD;

/// The payload's 8-byte words. Under loom, two: loom explores every combination of word stores a
/// racing reader may see, about 2.2 times more per word, so the whole 32 cannot be explored;
/// two words show every ordering the algorithm has, and the code is the shipped code.
const WORDS: usize = if cfg!(loom) { 2 } else { MAX_PAYLOAD / 8 };
#[expect(clippy::cast_possible_truncation, reason = "MAX_PAYLOAD is 256")]
const MAX_LEN: u32 = MAX_PAYLOAD as u32;
/// The bytes the words hold: `MAX_PAYLOAD`, except under loom.
#[expect(clippy::cast_possible_truncation, reason = "at most MAX_PAYLOAD")]
const CAPACITY: u32 = (WORDS * 8) as u32;

/// A payload of at most [`MAX_PAYLOAD`] bytes behind a sequence lock, as Linux's `seqlock_t`:
/// writers take a spin lock, readers take nothing and retry.
///
/// Run-down protection keeps the object alive; it does not order readers against writers. The
/// sequence number does: it is odd while a write is in progress, and a reader that saw it change
/// reads again. A reader spins while it is odd, which is safe at any IRQL up to `DISPATCH_LEVEL`
/// only because a writer holds the spin lock for the whole write: it runs at `DISPATCH_LEVEL`
/// and cannot be preempted on its processor, so no reader ever spins on the processor of a
/// writer it waits for. [`write`](Self::write) takes that lock itself, so no write can happen
/// without it.
///
/// # Invariants
/// `sequence` is odd exactly while the holder of `writer` is between its two stores;
/// `len <= MAX_PAYLOAD`.
///
/// ```
/// use rundown::irql::PassiveLevel;
/// use rundown_service::Payload;
///
/// let mut irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
/// let payload = Payload::new();
/// assert_eq!(payload.write(b"hello", &mut irql), 1);
/// let snapshot = payload.read();
/// assert_eq!((snapshot.version, snapshot.data()), (1, &b"hello"[..]));
/// ```
pub struct Payload {
    sequence: AtomicU64,
    len: AtomicU32,
    words: [AtomicU64; WORDS],
    writer: SpinLock<()>,
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
    #[cfg(not(loom))]
    #[must_use]
    pub const fn new() -> Self {
        Self {
            sequence: AtomicU64::new(0),
            len: AtomicU32::new(0),
            words: [const { AtomicU64::new(0) }; WORDS],
            writer: SpinLock::new(()),
        }
    }

    /// An empty payload at version 0 (loom's atomics have no `const` constructor).
    #[cfg(loom)]
    #[must_use]
    pub fn new() -> Self {
        Self {
            sequence: AtomicU64::new(0),
            len: AtomicU32::new(0),
            words: core::array::from_fn(|_| AtomicU64::new(0)),
            writer: SpinLock::new(()),
        }
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
            let len = self.len.load(Relaxed).min(MAX_LEN).min(CAPACITY);
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

    /// Replaces the bytes, returning the new version. Takes the writers' spin lock, so the write
    /// runs at `DISPATCH_LEVEL` from start to end.
    ///
    /// # Panics
    /// If `data` is longer than [`MAX_PAYLOAD`] (requests are validated before they get here).
    pub fn write(&self, data: &[u8], irql: &mut Irql<impl AtMost<Dispatch>>) -> u64 {
        assert!(data.len() <= WORDS * 8, "payload longer than MAX_PAYLOAD");
        let locked = self.writer.lock(irql);
        self.write_locked(data, locked.irql())
    }

    /// The write itself; the `DISPATCH_LEVEL` token comes only from the writers' lock.
    fn write_locked(&self, data: &[u8], _locked: &Irql<Dispatch>) -> u64 {
        let current = self.sequence.load(Relaxed);
        self.sequence.store(current + 1, Relaxed);
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
