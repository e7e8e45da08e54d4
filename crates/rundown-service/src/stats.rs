//! The driver's counters since load, as STATS reports them.

use rundown::sync::AtomicU64;
use rundown::sync::Ordering::Relaxed;

use rundown_abi::StatsReply;

/// Pool the driver has allocated and not freed, from its allocator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolUsage {
    /// Bytes in use.
    pub bytes: u64,
    /// Allocations in use.
    pub blocks: u64,
}

/// Counters updated by every request; each is exact on its own, and a snapshot of all of them is
/// not taken atomically.
///
/// ```
/// use rundown_service::{PoolUsage, Stats};
/// let stats = Stats::default();
/// stats.acquired(2);
/// stats.released(1);
/// let reply = stats.snapshot(PoolUsage::default());
/// assert_eq!((reply.acquisitions, reply.holders, reply.max_holders), (2, 1, 2));
/// ```
#[derive(Debug, Default)]
pub struct Stats {
    acquisitions: AtomicU64,
    refusals: AtomicU64,
    waits: AtomicU64,
    rotations: AtomicU64,
    /// Counted wide: handles may hold `u32::MAX` together, and QUERY, READ and WRITE take one
    /// more for their length.
    holders: AtomicU64,
    max_holders: AtomicU64,
    violations: AtomicU64,
}

impl Stats {
    /// `count` protections were granted.
    pub fn acquired(&self, count: u32) {
        self.acquisitions.fetch_add(u64::from(count), Relaxed);
        let now = self.holders.fetch_add(u64::from(count), Relaxed) + u64::from(count);
        self.max_holders.fetch_max(now, Relaxed);
    }

    /// `count` protections were given back.
    ///
    /// Count it *before* the real release: a run-down wait that returns has then seen every
    /// decrement, so [`holders`](Self::holders) is exactly 0 at each completion, which the
    /// rotator checks.
    pub fn released(&self, count: u32) {
        self.holders.fetch_sub(u64::from(count), Relaxed);
    }

    /// Runs `release`, which gives back `count` protections when it returns true, counting them
    /// first (see [`released`](Self::released)).
    pub fn releasing(&self, count: u32, release: impl FnOnce() -> bool) -> bool {
        self.released(count);
        let released = release();
        if !released {
            self.holders.fetch_add(u64::from(count), Relaxed);
        }
        released
    }

    /// An invariant of the run-down was seen broken: an acquisition that succeeded after a wait
    /// returned, or holders left at a completion. Must stay 0.
    pub fn violated(&self) {
        self.violations.fetch_add(1, Relaxed);
    }

    /// Invariant violations seen so far.
    #[must_use]
    pub fn violations(&self) -> u64 {
        self.violations.load(Relaxed)
    }

    /// An ACQUIRE, READ or WRITE was refused because the object was running down (QUERY's
    /// look inside is not counted).
    pub fn refused(&self) {
        self.refusals.fetch_add(1, Relaxed);
    }

    /// A run-down had to wait for holders.
    pub fn waited(&self) {
        self.waits.fetch_add(1, Relaxed);
    }

    /// A rotation completed.
    pub fn rotated(&self) {
        self.rotations.fetch_add(1, Relaxed);
    }

    /// Protections held now.
    ///
    /// A CLEANUP that races an ACQUIRE of its handle may count the release of what that ACQUIRE
    /// took before the ACQUIRE counts it, so the raw count can dip below zero for a moment; it
    /// reads as 0 then.
    #[must_use]
    pub fn holders(&self) -> u64 {
        u64::try_from(self.holders.load(Relaxed).cast_signed()).unwrap_or(0)
    }

    /// The counters, with the allocator's figures.
    #[must_use]
    pub fn snapshot(&self, pool: PoolUsage) -> StatsReply {
        StatsReply {
            acquisitions: self.acquisitions.load(Relaxed),
            refusals: self.refusals.load(Relaxed),
            waits: self.waits.load(Relaxed),
            rotations: self.rotations.load(Relaxed),
            max_holders: saturate(self.max_holders.load(Relaxed)),
            holders: saturate(self.holders()),
            pool_bytes: pool.bytes,
            pool_blocks: pool.blocks,
        }
    }
}

/// A count for a `u32` field of the wire.
pub(crate) fn saturate(count: u64) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}
