//! The function table peer drivers get through GET_INTERFACE (`rundown_abi::interface`): the
//! C edges are `rundown_wdm::InterfaceProvider`'s; this is what each function does.
//!
//! Every function receives the table's context: the driver's [`Core`], which stays alive while
//! any interface reference is outstanding, because the owner thread runs the driver-level
//! reference down before DriverUnload frees anything.

use core::ptr::NonNull;

use rundown::irql::{Dispatch, Irql};
use rundown_abi::{NtStatus, PeerReadResult};
use rundown_service::{Generation, peer_read, peer_write};
use rundown_wdm::InterfaceProvider;

use crate::state::Core;

// SAFETY: GET_INTERFACE hands a table out only after `peers.open` took its reference, and `Core`
// is freed only after the owner thread retired the attachment, which waits until every reference
// was dropped. A hold is a generation kept in the peers' holds by `peer_acquire`; no rotation and
// no unload replaces it while the peers hold protection, so it stays valid until the holds are
// released.
unsafe impl InterfaceProvider for Core {
    type Hold = Generation;

    fn reference(&self) -> bool {
        self.peers.reference()
    }

    fn dereference(&self, irql: &Irql<Dispatch>) -> bool {
        self.peers.dereference(irql)
    }

    fn acquire(&self, irql: &Irql<Dispatch>) -> Option<NonNull<Generation>> {
        self.service.peer_acquire(irql)
    }

    fn release(&self, irql: &Irql<Dispatch>) -> bool {
        self.service.peer_release(irql)
    }

    fn read(&self, hold: &Generation, buffer: Option<&mut [u8]>) -> (NtStatus, PeerReadResult) {
        peer_read(hold, buffer)
    }

    fn write(&self, hold: &Generation, data: &[u8], irql: &mut Irql<Dispatch>) -> Result<u64, NtStatus> {
        peer_write(hold, data, irql)
    }

    fn generation(&self, hold: Option<&Generation>) -> u64 {
        hold.map_or_else(|| self.service.generation(), Generation::number)
    }

    fn broken_contract(&self, what: &str) {
        rundown_wdm::error!("rundown: peer interface: {what}; the call was refused");
    }
}
