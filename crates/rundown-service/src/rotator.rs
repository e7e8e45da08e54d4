//! The owner's side: retiring the shared object under load and replacing it.

use rundown::irql::{Apc, AtMost, Irql};
use rundown::{RundownOwner, RundownRef};
use rundown_abi::{NtStatus, ObjectState, RotateReply};

use crate::Service;
use crate::generation::{Generation, try_box};

/// The only code that runs the shared object down: it owns the [`RundownOwner`].
///
/// A rotation (ROTATE):
/// 1. allocates the next generation first, so a refused allocation leaves the old one serving;
/// 2. runs the object down: new acquisitions fail, and the wait returns once every holder
///    released;
/// 3. marks it completed;
/// 4. copies the payload into the next generation and installs it;
/// 5. frees the old one, which nobody can reach any more;
/// 6. reinitializes, so acquisitions succeed again, on the new object.
///
/// [`retire`](Self::retire) does steps 2, 3 and 5 for good, at unload.
///
/// ```
/// use rundown::irql::PassiveLevel;
/// use rundown::RundownRef;
/// use rundown_service::{PoolUsage, Rotator, Service};
///
/// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
/// let mut storage = RundownRef::new();
/// let owner = storage.owner(&irql);
/// let service = Service::new(owner.protection(), || PoolUsage::default()).expect("pool");
/// let mut rotator = Rotator::new(owner, &service);
/// let reply = rotator.rotate(&irql).expect("pool");
/// assert_eq!((reply.old_generation, reply.new_generation), (1, 2));
/// let retired = rotator.retire(&irql);
/// assert_eq!(retired.generation, 2);
/// ```
#[derive(Debug)]
pub struct Rotator<'s, 'r> {
    owner: Option<RundownOwner<'r, RundownRef>>,
    service: &'s Service<'r>,
}

/// What [`Rotator::retire`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retired {
    /// The generation freed last.
    pub generation: u64,
    /// Holders outstanding when the final run-down began.
    pub waited_for_holders: u32,
}

impl<'s, 'r> Rotator<'s, 'r> {
    /// The rotator for `service`, whose reference `owner` owns.
    ///
    /// # Panics
    /// If `owner` owns another reference than the service's.
    #[must_use]
    pub fn new(owner: RundownOwner<'r, RundownRef>, service: &'s Service<'r>) -> Self {
        assert!(core::ptr::eq(owner.protection(), service.protection()), "the owner of another reference");
        Self { owner: Some(owner), service }
    }

    /// Retires the current generation and installs the next (see the type's steps).
    ///
    /// # Errors
    /// `STATUS_INSUFFICIENT_RESOURCES` when the pool refuses the next generation; the current one
    /// stays, untouched.
    ///
    /// # Panics
    /// If an earlier rotation panicked half-way (in the driver a panic is a bug check anyway).
    pub fn rotate(&mut self, irql: &Irql<impl AtMost<Apc>>) -> Result<RotateReply, NtStatus> {
        let result = self.rotate_once(irql);
        self.service.rotation_done();
        result
    }

    fn rotate_once(&mut self, irql: &Irql<impl AtMost<Apc>>) -> Result<RotateReply, NtStatus> {
        let old_generation = self.service.generation();
        let mut next = try_box(Generation::new(old_generation + 1)).ok_or(NtStatus::INSUFFICIENT_RESOURCES)?;
        let owner = self.owner.take().expect("the owner is put back after every rotation");
        let waited_for_holders = self.begin_run_down();
        let owner = owner.wait_for_release(irql);
        self.service.set_state(ObjectState::Completed);
        let owner = owner.completed(irql);
        self.check_no_holders();
        let old = self.service.current();
        // SAFETY: run down and completed: no accessor holds protection, and only this rotator
        // changes or frees the object, so `old` is live and unshared.
        let old_ref = unsafe { &*old };
        *next = Generation::succeeding(old_ref);
        let next = alloc::boxed::Box::into_raw(next);
        // SAFETY: between completed and reinitialize, as `replace_current` requires.
        let retired = unsafe { self.service.replace_current(next, old_generation + 1) };
        // SAFETY: `retired` is the old object: allocated by `try_box`, unreachable now.
        drop(unsafe { alloc::boxed::Box::from_raw(retired) });
        self.owner = Some(owner.reinitialize(irql));
        self.service.set_state(ObjectState::Active);
        self.service.stats.rotated();
        Ok(RotateReply { old_generation, new_generation: old_generation + 1, waited_for_holders })
    }

    /// Runs the object down for good and frees it (DriverUnload). Acquisitions fail from now on,
    /// and ROTATE answers `STATUS_DELETE_PENDING`.
    ///
    /// # Panics
    /// If an earlier rotation panicked half-way (in the driver a panic is a bug check anyway).
    #[must_use = "the report says how many holders the unload waited for"]
    pub fn retire(mut self, irql: &Irql<impl AtMost<Apc>>) -> Retired {
        self.service.begin_closing();
        let generation = self.service.generation();
        let owner = self.owner.take().expect("the owner is put back after every rotation");
        let waited_for_holders = self.begin_run_down();
        let owner = owner.wait_for_release(irql);
        self.service.set_state(ObjectState::Completed);
        let _completed = owner.completed(irql);
        self.check_no_holders();
        // SAFETY: run down and completed, so unshared; null is installed in its place.
        let retired = unsafe { self.service.replace_current(core::ptr::null_mut(), generation) };
        // SAFETY: allocated by `try_box`, unreachable now.
        drop(unsafe { alloc::boxed::Box::from_raw(retired) });
        Retired { generation, waited_for_holders }
    }

    /// At a completion every holder has released, and counted its release first, so the count
    /// is exactly 0; anything else is a violation of the run-down's contract.
    fn check_no_holders(&self) {
        if self.service.stats.holders() != 0 {
            self.service.stats.violated();
        }
    }

    fn begin_run_down(&self) -> u32 {
        self.service.set_state(ObjectState::RunningDown);
        let holders = self.service.stats.holders();
        if holders > 0 {
            self.service.stats.waited();
        }
        crate::stats::saturate(holders)
    }
}
