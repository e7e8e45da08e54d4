//! The owner's side: retiring the shared object under load and replacing it.

use rundown::ObjectOwner;
use rundown::irql::{Apc, AtMost, Irql};
use rundown_abi::{ObjectState, RotateReply};

use crate::Service;
use crate::generation::Generation;
use crate::object::ObjectProtection;

/// The only code that runs the shared object down: it owns the object's [`ObjectOwner`].
///
/// A rotation (ROTATE):
/// 1. runs the object down: new acquisitions fail, and the wait returns once every holder
///    released (`ExWaitForRundownProtectionRelease`);
/// 2. marks it completed (`ExRundownCompleted`);
/// 3. advances it to the next generation, alone;
/// 4. reinitializes, so acquisitions succeed again (`ExReInitializeRundownProtection`).
///
/// [`retire`](Self::retire) does steps 1 and 2 for good, at unload.
///
/// ```
/// use rundown::irql::PassiveLevel;
/// use rundown_service::{Generation, PoolUsage, Rotator, Service};
///
/// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
/// let object = rundown_service::shared_object(&irql).expect("pool");
/// let service = Service::new(&object, || PoolUsage::default());
/// let mut rotator = Rotator::new(&service).expect("the owner is unclaimed");
/// let reply = rotator.rotate(&irql);
/// assert_eq!((reply.old_generation, reply.new_generation), (2 - 1, 2));
/// service.begin_unload();
/// let retired = rotator.retire(&irql);
/// assert_eq!(retired.generation, 2);
/// ```
#[derive(Debug)]
pub struct Rotator<'s, 'r> {
    owner: ObjectOwner<'r, Generation, ObjectProtection>,
    service: &'s Service<'r>,
}

/// What [`Rotator::retire`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retired {
    /// The generation retired.
    pub generation: u64,
    /// Holders outstanding when the final run-down began.
    pub waited_for_holders: u32,
}

impl<'s, 'r> Rotator<'s, 'r> {
    /// The rotator for `service`, claiming its object's owner; `None` if it was claimed before.
    #[must_use]
    pub fn new(service: &'s Service<'r>) -> Option<Self> {
        Some(Self { owner: service.object().owner()?, service })
    }

    /// Retires the current generation and installs the next (see the type's steps).
    pub fn rotate(&mut self, irql: &Irql<impl AtMost<Apc>>) -> RotateReply {
        let service = self.service;
        let old_generation = service.generation();
        let waited_for_holders = self.begin_run_down();
        let new_generation = self.owner.exclusive(irql, |object| {
            service.set_state(ObjectState::Completed);
            check_no_holders(service);
            object.advance();
            service.set_generation(object.number());
            // Before the reinitialize: an acquisition that succeeds after it must find the state
            // active, or it would be counted as one granted while the object was completed.
            service.set_state(ObjectState::Active);
            object.number()
        });
        service.stats.rotated();
        RotateReply { old_generation, new_generation, waited_for_holders }
    }

    /// Runs the object down for good (DriverUnload, after
    /// [`Service::begin_unload`](crate::Service::begin_unload)): acquisitions fail from now on.
    #[must_use = "the report says how many holders the unload waited for"]
    pub fn retire(self, irql: &Irql<impl AtMost<Apc>>) -> Retired {
        let generation = self.service.generation();
        let waited_for_holders = self.begin_run_down();
        // The object lives in the driver's state (or a static): nothing to free here.
        let _retired = self.owner.retire(irql);
        self.service.set_state(ObjectState::Completed);
        check_no_holders(self.service);
        Retired { generation, waited_for_holders }
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

/// At a completion every holder has released, and counted its release first, so the count is
/// exactly 0; anything else is a violation of the run-down's contract.
fn check_no_holders(service: &Service<'_>) {
    if service.stats.holders() != 0 {
        service.stats.violated();
    }
}
