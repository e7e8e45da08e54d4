//! Interface references: driver-level run-down protection held for peer drivers.

use rundown::irql::{AtMost, Dispatch, Irql};
use rundown::sync::Ordering::{AcqRel, Acquire, Release};
use rundown::sync::{AtomicBool, AtomicUsize};
use rundown::{RundownHolds, RundownRef, count};
use rundown_abi::{MAX_PAYLOAD, NtStatus, PeerReadResult};

use crate::Generation;

/// The references peer drivers hold on the interface table (`InterfaceReference` /
/// `InterfaceDereference`), kept as one run-down protection on the driver-level reference while
/// any is outstanding, so that the driver's unload waits for the last one.
///
/// GET_INTERFACE takes the first reference through [`open`](Self::open), which fails once the
/// unload began. `InterfaceReference` ([`reference`](Self::reference)) is only called by a peer
/// that already holds one, so it cannot fail, even during the unload's wait, which a fresh
/// acquisition would.
///
/// # Invariants
/// Once no call is in progress, the holds keep one protection exactly when `count > 0`.
///
/// ```
/// use rundown::irql::PassiveLevel;
/// use rundown::RundownRef;
/// use rundown_service::PeerReferences;
///
/// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
/// let mut storage = RundownRef::new();
/// let owner = storage.owner(&irql);
/// let peers = PeerReferences::new(owner.protection());
/// peers.open(&irql).expect("not unloading");
/// assert!(peers.reference());
/// assert!(peers.dereference(&irql));
/// assert!(peers.dereference(&irql));
/// assert!(!peers.dereference(&irql), "one too many: refused, nothing changes");
/// let _done = owner.wait_for_release(&irql); // returns: no reference is left
/// assert!(peers.open(&irql).is_err());
/// ```
#[derive(Debug)]
pub struct PeerReferences<'r> {
    count: AtomicUsize,
    closed: AtomicBool,
    holds: RundownHolds<'r, RundownRef>,
}

impl<'r> PeerReferences<'r> {
    /// References on `protection`, the driver-level reference whose owner the unload runs down.
    #[must_use]
    pub fn new(protection: &'r RundownRef) -> Self {
        Self { count: AtomicUsize::new(0), closed: AtomicBool::new(false), holds: RundownHolds::new(protection) }
    }

    /// GET_INTERFACE: one more reference for a new peer.
    ///
    /// # Errors
    /// `STATUS_DELETE_PENDING` once the driver's unload began.
    pub fn open(&self, irql: &Irql<impl AtMost<Dispatch>>) -> Result<(), NtStatus> {
        if self.closed.load(Acquire) {
            return Err(NtStatus::DELETE_PENDING);
        }
        loop {
            let current = self.count.load(Acquire);
            if current > 0 {
                if self.count.compare_exchange(current, current + 1, AcqRel, Acquire).is_ok() {
                    return Ok(());
                }
                continue;
            }
            // The first reference: hold protection before counting it, so that the count is
            // never above zero without protection behind it.
            if !self.holds.acquire_many(count!(1), irql) {
                return Err(NtStatus::DELETE_PENDING);
            }
            if self.count.compare_exchange(0, 1, AcqRel, Acquire).is_ok() {
                return Ok(());
            }
            // Another opener counted first; give this protection back and count on theirs.
            let _ = self.holds.release(count!(1), irql);
        }
    }

    /// The unload began: GET_INTERFACE is refused from now on (references already given stay
    /// valid, and the unload's run-down waits for them).
    pub fn close(&self) {
        self.closed.store(true, Release);
    }

    /// `InterfaceReference`: one more reference, from a peer that holds one; false, changing
    /// nothing, if no reference is outstanding (a peer that broke the contract: the driver logs
    /// it rather than stop the machine).
    #[must_use = "false means the peer broke the interface's contract"]
    pub fn reference(&self) -> bool {
        self.count.fetch_update(AcqRel, Acquire, |count| (count > 0).then(|| count + 1)).is_ok()
    }

    /// `InterfaceDereference`: one reference fewer; the last one releases the protection.
    ///
    /// The release is the last thing it does: once the last reference is released, the unload
    /// may free these references (and, were the peer not keeping a file object of the device,
    /// the driver image). The peer returns through this code afterwards, which is why a peer
    /// must keep a referenced file object of the device until after this call: the I/O manager
    /// then does not call DriverUnload before the peer let go of it.
    ///
    /// False, changing nothing, if no reference is outstanding (a peer that broke the contract).
    #[must_use = "false means the peer broke the interface's contract"]
    pub fn dereference(&self, irql: &Irql<impl AtMost<Dispatch>>) -> bool {
        let Ok(before) = self.count.fetch_update(AcqRel, Acquire, |count| count.checked_sub(1)) else {
            return false;
        };
        if before == 1 {
            let _ = self.holds.release(count!(1), irql);
        }
        true
    }

    /// References outstanding now.
    #[must_use]
    pub fn count(&self) -> usize {
        self.count.load(Acquire)
    }
}

/// The interface's `read`: a consistent copy of `object`'s payload into `buffer`, and what was
/// read. `STATUS_BUFFER_TOO_SMALL` (with the result filled) when `buffer` is missing or shorter
/// than the payload. Callable at IRQL <= `DISPATCH_LEVEL`: the payload's readers never wait.
///
/// ```
/// use rundown::irql::PassiveLevel;
/// use rundown_abi::NtStatus;
/// use rundown_service::{Generation, peer_read, peer_write};
///
/// let mut irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
/// let object = Generation::new(1);
/// assert_eq!(peer_write(&object, b"abc", &mut irql), Ok(1));
/// let mut buffer = [0u8; 8];
/// let (status, result) = peer_read(&object, Some(&mut buffer));
/// assert_eq!((status, result.len, &buffer[..3]), (NtStatus::SUCCESS, 3, &b"abc"[..]));
/// assert_eq!(peer_read(&object, Some(&mut [0u8; 2])).0, NtStatus::BUFFER_TOO_SMALL);
/// ```
pub fn peer_read(object: &Generation, buffer: Option<&mut [u8]>) -> (NtStatus, PeerReadResult) {
    let snapshot = object.payload().read();
    let result = PeerReadResult { generation: object.number(), version: snapshot.version, len: snapshot.len };
    let data = snapshot.data();
    match buffer.and_then(|buffer| buffer.get_mut(..data.len())) {
        Some(target) => {
            target.copy_from_slice(data);
            (NtStatus::SUCCESS, result)
        }
        None => (NtStatus::BUFFER_TOO_SMALL, result),
    }
}

/// The interface's `write`: replaces `object`'s payload, returning the new version. Callable at
/// IRQL <= `DISPATCH_LEVEL`: the payload's writers take a spin lock.
///
/// # Errors
/// `STATUS_INVALID_PARAMETER` for more than [`MAX_PAYLOAD`] bytes.
pub fn peer_write(object: &Generation, data: &[u8], irql: &mut Irql<impl AtMost<Dispatch>>) -> Result<u64, NtStatus> {
    if data.len() > MAX_PAYLOAD {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    Ok(object.payload().write(data, irql))
}
