//! The sample peer driver's own device: `\Device\RundownPeer`, whose IOCTLs start and stop its
//! worker loop and report what the loop saw.
//!
//! The worker acquires protection on the shared object through the interface
//! ([`crate::interface`]), reads the payload twice and asks for the generation, checks that all
//! three agree and that the payload is consistent (every byte the same, as the stress clients
//! write it), releases, and repeats.
//!
//! | IOCTL | code | access | input | output |
//! |---|---|---|---|---|
//! | PEER_START | `0x8352A400` | write | [`PeerStartRequest`] (12) | none |
//! | PEER_STOP | `0x8352A404` | write | none | [`PeerStats`] (56) |
//! | PEER_STATS | `0x83526408` | read | none | [`PeerStats`] (56) |
//!
//! [`PeerMode`] chooses where the iterations run: on the worker's system thread at
//! PASSIVE_LEVEL, or in a periodic timer's DPC at DISPATCH_LEVEL (the worker thread then only
//! gets the interface, sets the timer, and stops it). PEER_START with an unknown mode, or a
//! `hold_us` or `pause_us` over [`PeerStartRequest::MAX_WAIT_US`] (one second), answers
//! `STATUS_INVALID_PARAMETER`.
//!
//! PEER_START while running and PEER_STOP while stopped answer `STATUS_INVALID_DEVICE_STATE`;
//! a request while another PEER_* request is being handled answers `STATUS_DEVICE_BUSY`; other
//! codes and lengths are refused as the shared device refuses them. PEER_START zeroes the counts,
//! so PEER_STATS and PEER_STOP report the current (or last) run.
//!
//! The table is declared as the shared device's is ([`crate::table`]): [`PeerIoctl`] and the
//! [`requests`] marker types come from it.
//!
//! ```
//! use rundown_abi::peer::{PeerIoctl, PeerMode, PeerStartRequest};
//! assert_eq!(PeerIoctl::decode(PeerIoctl::Start.code()), Ok(PeerIoctl::Start));
//! let request = PeerStartRequest { hold_us: 100, pause_us: 0, mode: PeerMode::DISPATCH };
//! assert_eq!(PeerStartRequest::from_bytes(&request.to_bytes()), Ok(request));
//! ```

use crate::FILE_DEVICE_RUNDOWN;
use crate::names::{widen_ascii, widen_ascii_nul};
use crate::table::ioctl_table;
use crate::wire::{Reader, WireError, Writer, check_input_len, check_output_len};

/// The peer's device name in the object manager.
pub const PEER_NT_DEVICE_NAME: &str = r"\Device\RundownPeer";
/// Its symbolic link.
pub const PEER_DOS_DEVICE_NAME: &str = r"\DosDevices\RundownPeer";
/// The path user mode opens.
pub const PEER_WIN32_PATH: &str = r"\\.\RundownPeer";
/// [`PEER_NT_DEVICE_NAME`] in UTF-16.
pub const PEER_NT_DEVICE_NAME_W: [u16; PEER_NT_DEVICE_NAME.len()] = widen_ascii(PEER_NT_DEVICE_NAME);
/// [`PEER_DOS_DEVICE_NAME`] in UTF-16.
pub const PEER_DOS_DEVICE_NAME_W: [u16; PEER_DOS_DEVICE_NAME.len()] = widen_ascii(PEER_DOS_DEVICE_NAME);
/// [`PEER_WIN32_PATH`] in UTF-16 with a NUL, for `CreateFileW`.
pub const PEER_WIN32_PATH_W_NUL: [u16; PEER_WIN32_PATH.len() + 1] = widen_ascii_nul(PEER_WIN32_PATH);

ioctl_table! {
    /// The peer's requests, on `\Device\RundownPeer`. All use `METHOD_BUFFERED`.
    ///
    /// ```
    /// use rundown_abi::peer::PeerIoctl;
    /// assert_eq!(PeerIoctl::Start.code(), 0x8352_A400);
    /// assert_eq!(PeerIoctl::decode(0x8352_6408), Ok(PeerIoctl::Stats));
    /// assert!(PeerIoctl::decode(rundown_abi::Ioctl::Query.code()).is_err());
    /// ```
    pub enum PeerIoctl in FILE_DEVICE_RUNDOWN, "rundown_abi::peer::PeerIoctl";
    pub mod requests;

    /// `IOCTL_RUNDOWN_PEER_START`: starts the worker loop.
    Start = IOCTL_RUNDOWN_PEER_START {
        function: 0x900,
        method: Buffered,
        access: Write,
        input: PeerStartRequest,
        output: (),
        failures: [INVALID_PARAMETER, INVALID_DEVICE_STATE, DEVICE_BUSY],
    }
    /// `IOCTL_RUNDOWN_PEER_STOP`: stops it and reports the counts.
    Stop = IOCTL_RUNDOWN_PEER_STOP {
        function: 0x901,
        method: Buffered,
        access: Write,
        input: (),
        output: PeerStats,
        failures: [INVALID_DEVICE_STATE, DEVICE_BUSY],
    }
    /// `IOCTL_RUNDOWN_PEER_STATS`: reports the counts so far.
    Stats = IOCTL_RUNDOWN_PEER_STATS {
        function: 0x902,
        method: Buffered,
        access: Read,
        input: (),
        output: PeerStats,
        failures: [DEVICE_BUSY],
    }
}

/// Where the peer's iterations run (PEER_START's `mode`); other values are refused.
///
/// ```
/// use rundown_abi::peer::PeerMode;
/// assert_eq!(PeerMode::DISPATCH.name(), Some("dispatch"));
/// assert_eq!(PeerMode(7).name(), None);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct PeerMode(pub u32);

impl PeerMode {
    /// A loop on the worker's system thread, at PASSIVE_LEVEL (the default).
    pub const THREAD: Self = Self(0);
    /// A periodic timer's DPC, at DISPATCH_LEVEL: one iteration per expiry, reads back to
    /// back (nothing may wait there, so `hold_us` is not used).
    pub const DISPATCH: Self = Self(1);

    /// `"thread"` or `"dispatch"`; `None` for a value the peer refuses.
    #[must_use]
    pub const fn name(self) -> Option<&'static str> {
        match self {
            Self::THREAD => Some("thread"),
            Self::DISPATCH => Some("dispatch"),
            _ => None,
        }
    }
}

/// PEER_START's input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct PeerStartRequest {
    /// How long each iteration keeps its hold, in microseconds (0: release at once). Thread
    /// mode only.
    pub hold_us: u32,
    /// How long the loop pauses between iterations, in microseconds; in dispatch mode the
    /// timer's period, rounded up to whole milliseconds (at least 1).
    pub pause_us: u32,
    /// Where the iterations run.
    pub mode: PeerMode,
}

impl PeerStartRequest {
    /// Bytes on the wire.
    pub const SIZE: usize = 12;

    /// The longest `hold_us` and `pause_us` the peer accepts: one second. The worker holds the
    /// owner's protection for `hold_us`, and a rotation waits that long; a longer value is
    /// `STATUS_INVALID_PARAMETER`.
    ///
    /// ```
    /// use rundown_abi::peer::PeerStartRequest;
    /// assert_eq!(PeerStartRequest::MAX_WAIT_US, 1_000_000);
    /// ```
    pub const MAX_WAIT_US: u32 = 1_000_000;

    /// Whether the mode is known and both waits are at most [`Self::MAX_WAIT_US`]: what the peer
    /// accepts.
    ///
    /// ```
    /// use rundown_abi::peer::{PeerMode, PeerStartRequest};
    /// let request = PeerStartRequest { hold_us: 1_000_000, pause_us: 0, mode: PeerMode::THREAD };
    /// assert!(request.is_valid());
    /// assert!(!PeerStartRequest { hold_us: 1_000_001, ..request }.is_valid());
    /// assert!(!PeerStartRequest { pause_us: u32::MAX, ..request }.is_valid());
    /// assert!(!PeerStartRequest { mode: PeerMode(7), ..request }.is_valid());
    /// ```
    #[must_use]
    pub const fn is_valid(&self) -> bool {
        self.mode.name().is_some() && self.hold_us <= Self::MAX_WAIT_US && self.pause_us <= Self::MAX_WAIT_US
    }

    /// The little-endian wire form.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        Writer::new().u32(self.hold_us).u32(self.pause_us).u32(self.mode.0).finish()
    }

    /// Parses the request (any mode value; the peer refuses unknown ones).
    ///
    /// # Errors
    /// [`WireError::InputLength`] if `bytes` is not [`Self::SIZE`] long.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        check_input_len(Self::SIZE, bytes.len())?;
        let mut r = Reader::new(bytes);
        Ok(Self { hold_us: r.u32(), pause_us: r.u32(), mode: PeerMode(r.u32()) })
    }

    /// The dispatch-mode timer period: `pause_us` rounded up to milliseconds, at least 1.
    ///
    /// ```
    /// use rundown_abi::peer::PeerStartRequest;
    /// let period = |pause_us| PeerStartRequest { pause_us, ..PeerStartRequest::default() }.period_ms().get();
    /// assert_eq!((period(0), period(1), period(1000), period(1001)), (1, 1, 1, 2));
    /// ```
    #[must_use]
    pub const fn period_ms(&self) -> core::num::NonZeroU32 {
        match core::num::NonZeroU32::new(self.pause_us.div_ceil(1000)) {
            Some(period) => period,
            None => core::num::NonZeroU32::MIN,
        }
    }
}

/// What the worker loop saw (PEER_STOP, PEER_STATS). With the `serde` feature it serializes as
/// its fields, by their Rust names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[repr(C)]
pub struct PeerStats {
    /// Iterations that acquired, checked and released.
    pub operations: u64,
    /// Of those, the iterations that ran in the timer's DPC at DISPATCH_LEVEL (dispatch mode).
    pub dispatch_operations: u64,
    /// Acquisitions refused because the object was running down (a rotation).
    pub refused: u64,
    /// Checks that failed: a torn payload, or a generation that changed under a hold. Must be 0.
    pub inconsistencies: u64,
    /// How often the generation seen changed between iterations.
    pub generations_seen: u64,
    /// The last generation read.
    pub last_generation: u64,
    /// 1 while the loop runs.
    pub running: u32,
}

impl PeerStats {
    /// Bytes on the wire: 52 of fields and 4 of tail padding.
    pub const SIZE: usize = 56;

    /// The little-endian wire form.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        Writer::new()
            .u64(self.operations)
            .u64(self.dispatch_operations)
            .u64(self.refused)
            .u64(self.inconsistencies)
            .u64(self.generations_seen)
            .u64(self.last_generation)
            .u32(self.running)
            .finish()
    }

    /// Parses the reply.
    ///
    /// # Errors
    /// [`WireError::OutputTooSmall`]/[`WireError::OutputTooLarge`] if `bytes` is not
    /// [`Self::SIZE`] long.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        check_output_len(Self::SIZE, bytes.len())?;
        let mut r = Reader::new(bytes);
        Ok(Self {
            operations: r.u64(),
            dispatch_operations: r.u64(),
            refused: r.u64(),
            inconsistencies: r.u64(),
            generations_seen: r.u64(),
            last_generation: r.u64(),
            running: r.u32(),
        })
    }
}

/// Whether a payload is consistent in the stress workload's convention: every byte the same.
///
/// ```
/// assert!(rundown_abi::peer::is_consistent(b"aaaa"));
/// assert!(rundown_abi::peer::is_consistent(b""));
/// assert!(!rundown_abi::peer::is_consistent(b"aab"));
/// ```
#[must_use]
pub fn is_consistent(payload: &[u8]) -> bool {
    payload.windows(2).all(|pair| pair[0] == pair[1])
}

crate::wire::fixed_message!(PeerStartRequest, PeerStats);

crate::wire::describe! {
    PeerStartRequest => RUNDOWN_PEER_START_REQUEST in None {
        hold_us => HoldUs: "How long each iteration keeps its hold, in microseconds (thread mode only).",
        pause_us => PauseUs: "The pause between iterations, in microseconds (dispatch mode: the timer's period).",
        mode => Mode: "Where the iterations run: 0 on the worker thread, 1 in a timer's DPC.",
    }
}

crate::wire::describe! {
    PeerStats => RUNDOWN_PEER_STATS in None {
        operations => Operations: "Iterations that acquired, checked and released.",
        dispatch_operations => DispatchOperations: "Of those, the iterations that ran in the timer's DPC.",
        refused => Refused: "Acquisitions refused because the object was running down.",
        inconsistencies => Inconsistencies: "Checks that failed: a torn payload, or a generation that changed. Must be 0.",
        generations_seen => GenerationsSeen: "How often the generation seen changed between iterations.",
        last_generation => LastGeneration: "The last generation read.",
        running => Running: "1 while the loop runs.",
    }
}
