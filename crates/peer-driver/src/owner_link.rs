//! The peer's link to the owner: the interface table GET_INTERFACE returned, with the reference
//! it carries, and a referenced file object of the owner's device, which keeps the owner loaded
//! until after the peer's last call into it.

use rundown::irql::{AtMost, Dispatch, Irql, Passive};
use rundown_abi::names::NT_DEVICE_NAME_W;
use rundown_abi::{NtStatus, PeerReadResult};
use rundown_wdm::{Hold, InterfaceClient, KernelFile, ReferencedFile};

/// The interface the owner returned, with the reference it carries, and the file object that
/// keeps the owner loaded.
///
/// The handle used to ask for the table is closed at once, but its file object is referenced
/// first and kept: on Windows the I/O manager does not call the owner's DriverUnload while a file
/// object of its device exists, so the owner's code stays mapped for as long as the peer may run
/// in it, including the return from the last `InterfaceDereference`. The interface reference
/// keeps the owner's state valid; the file object keeps its image loaded.
pub(crate) struct OwnerLink {
    interface: InterfaceClient,
    /// `None` in the portable flavour (see [`OwnerLink::open`]).
    file: Option<ReferencedFile>,
}

impl OwnerLink {
    /// Opens `\Device\RundownShared` with a kernel handle, references its file object, and
    /// sends GET_INTERFACE, which, sent from kernel mode, the owner answers with its table.
    ///
    /// The portable flavour, the one Wine runs, references no file object: Wine 8's
    /// ObReferenceObjectByHandle faults (a read at 0x18) on a handle to a driver's device,
    /// whatever the object type, and Wine calls DriverUnload with file objects alive anyway, so a
    /// reference would defer nothing there.
    pub(crate) fn open(irql: &Irql<Passive>) -> Result<Self, NtStatus> {
        let device = KernelFile::open(&NT_DEVICE_NAME_W, irql).inspect_err(|status| {
            rundown_wdm::error!("rundown-peer: cannot open \\Device\\RundownShared: {status:?}");
        })?;
        let file = if cfg!(feature = "ntoskrnl") {
            let file = device.reference_file_object(irql).inspect_err(|status| {
                rundown_wdm::error!("rundown-peer: cannot reference the file object: {status:?}");
            })?;
            Some(file)
        } else {
            None
        };
        // SAFETY: `\Device\RundownShared` is the rundown driver's device, whose GET_INTERFACE
        // answers with its own table. (On a failure no reference was taken, and `file` is dropped
        // with nothing of the owner's left to run.)
        let interface = unsafe { InterfaceClient::get(&device, irql) }.inspect_err(|status| {
            rundown_wdm::error!("rundown-peer: GET_INTERFACE failed: {status:?}");
        })?;
        // The handle closes here; the file object stays, referenced by `file`.
        drop(device);
        Ok(Self { interface, file })
    }

    /// The interface's `acquire`: a hold, or `None` while the object runs down. The table's four
    /// calls (`acquire`, `read`, `generation`, `release`) are callable at IRQL <= DISPATCH_LEVEL.
    pub(crate) fn acquire(&self, irql: &Irql<impl AtMost<Dispatch>>) -> Option<Hold<'_>> {
        self.interface.acquire(irql)
    }

    /// The interface's `read` into `buffer`: the status and what it reported.
    pub(crate) fn read(
        &self,
        hold: &Hold<'_>,
        buffer: &mut [u8],
        irql: &Irql<impl AtMost<Dispatch>>,
    ) -> (NtStatus, PeerReadResult) {
        self.interface.read(hold, buffer, irql)
    }

    /// The interface's `query_generation` for a hold.
    pub(crate) fn generation(&self, hold: &Hold<'_>, irql: &Irql<impl AtMost<Dispatch>>) -> u64 {
        self.interface.generation(hold, irql)
    }

    /// The interface's `release`.
    pub(crate) fn release(&self, hold: Hold<'_>, irql: &Irql<impl AtMost<Dispatch>>) {
        self.interface.release(hold, irql);
    }

    /// Drops the interface reference, then the file object; nothing may call the table after.
    ///
    /// The order matters. `InterfaceDereference` releases the owner's driver-level protection,
    /// which can wake the owner's DriverUnload while this thread is still returning through the
    /// owner's code. The file object, still referenced, keeps the I/O manager from calling that
    /// DriverUnload (and so from freeing the owner's state and unmapping its image) until it is
    /// dereferenced here, after the call has returned and from the peer's own code.
    pub(crate) fn close(self, irql: &Irql<Passive>) {
        let _ = irql;
        let Self { interface, file } = self;
        drop(interface);
        // This can be the last reference to the owner's file object: CLOSE reaches the owner,
        // and then its DriverUnload may run, none of it on code the peer still executes.
        drop(file);
    }
}
