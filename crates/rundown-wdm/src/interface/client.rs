//! A peer's side of the interface: the table GET_INTERFACE returned, called through safe methods.

use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::ptr::NonNull;

use rundown::irql::{AtMost, Dispatch, Irql, Passive};
use rundown_abi::interface::{AcquireFn, InterfaceReferenceFn, QueryGenerationFn, ReadFn, ReleaseFn};
use rundown_abi::{
    GetInterfaceRequest, IOCTL_RUNDOWN_GET_INTERFACE, NtStatus, PeerHold, PeerReadResult, RundownInterface,
};

use crate::KernelFile;

/// The rundown driver's interface table, with the one interface reference it carries, dropped
/// (`InterfaceDereference`) with the value, at IRQL <= DISPATCH_LEVEL.
///
/// Its functions run in the owner's image: keep a referenced file object of the owner's device
/// ([`KernelFile::reference_file_object`]) until after this value is dropped, so that the owner
/// cannot unload while the last call returns through its code.
///
/// ```
/// use rundown::irql::{Irql, Passive};
/// use rundown_abi::names::NT_DEVICE_NAME_W;
/// use rundown_wdm::{InterfaceClient, KernelFile};
///
/// # // Defined, never called: the host that runs the doctests has no rundown driver.
/// fn generation(irql: &Irql<Passive>) -> Result<u64, rundown_abi::NtStatus> {
///     let device = KernelFile::open(&NT_DEVICE_NAME_W, irql)?;
///     // SAFETY: `\Device\RundownShared` is the rundown driver's device.
///     let interface = unsafe { InterfaceClient::get(&device, irql) }?;
///     let hold = interface.acquire(irql).ok_or(rundown_abi::NtStatus::DELETE_PENDING)?;
///     let generation = interface.generation(&hold, irql);
///     interface.release(hold, irql);
///     Ok(generation)
/// }
/// ```
///
/// # Invariants
/// The functions and `context` are those of a table the rundown driver returned for
/// GET_INTERFACE: callable at IRQL <= DISPATCH_LEVEL with `context`, and valid while the one
/// reference the table carries, which this value owns, is held.
pub struct InterfaceClient {
    context: *mut core::ffi::c_void,
    dereference: InterfaceReferenceFn,
    acquire: AcquireFn,
    release: ReleaseFn,
    read: ReadFn,
    query_generation: QueryGenerationFn,
}

// SAFETY: the owner made the table's functions callable from any thread, and it only reads the
// table.
unsafe impl Send for InterfaceClient {}
// SAFETY: as above; several threads may call the functions at once.
unsafe impl Sync for InterfaceClient {}

/// Protection on the owner's object from [`InterfaceClient::acquire`], given back with
/// [`InterfaceClient::release`]. While it is held, the owner's run down (a rotation, its unload)
/// waits.
///
/// ```
/// use rundown::irql::{Dispatch, Irql};
/// use rundown_wdm::InterfaceClient;
///
/// # // Defined, never called: the host that runs the doctests has no rundown driver.
/// fn pinned_generation(interface: &InterfaceClient, irql: &Irql<Dispatch>) -> Option<u64> {
///     let hold = interface.acquire(irql)?; // borrows `interface`: released before it drops
///     let generation = interface.generation(&hold, irql);
///     interface.release(hold, irql);
///     Some(generation)
/// }
/// ```
#[must_use = "a hold that is not released keeps the owner's rotations and unload waiting"]
pub struct Hold<'a> {
    raw: NonNull<PeerHold>,
    client: PhantomData<&'a InterfaceClient>,
}

impl Hold<'_> {
    fn into_raw(self) -> NonNull<PeerHold> {
        self.raw
    }
}

impl InterfaceClient {
    /// Sends GET_INTERFACE on `device` (from kernel mode, so the owner answers with its table and
    /// takes a reference for it) and checks the table.
    ///
    /// # Safety
    /// `device` is open on the rundown driver's device: its answer to GET_INTERFACE is a table of
    /// its own functions, valid while the reference it carries is held.
    ///
    /// # Errors
    /// GET_INTERFACE's status; `STATUS_INFO_LENGTH_MISMATCH` if the answer is not a whole table,
    /// `STATUS_NOT_SUPPORTED` if a function is missing (then no reference is dropped: a table
    /// without `InterfaceDereference` cannot take one back).
    ///
    /// ```
    /// use rundown::irql::{Irql, Passive};
    /// use rundown_abi::names::NT_DEVICE_NAME_W;
    /// use rundown_wdm::{InterfaceClient, KernelFile};
    ///
    /// # // Defined, never called: the host that runs the doctests has no rundown driver.
    /// fn interface(irql: &Irql<Passive>) -> Result<InterfaceClient, rundown_abi::NtStatus> {
    ///     let device = KernelFile::open(&NT_DEVICE_NAME_W, irql)?;
    ///     // SAFETY: `\Device\RundownShared` is the rundown driver's device.
    ///     unsafe { InterfaceClient::get(&device, irql) }
    /// }
    /// ```
    pub unsafe fn get(device: &KernelFile, irql: &Irql<Passive>) -> Result<Self, NtStatus> {
        let request = GetInterfaceRequest::current().to_bytes();
        let mut table = MaybeUninit::<RundownInterface>::zeroed();
        // SAFETY: the zeroed table, seen as its `SIZE` initialized bytes for the device to fill.
        let output =
            unsafe { core::slice::from_raw_parts_mut(table.as_mut_ptr().cast::<u8>(), RundownInterface::SIZE) };
        let written = device.device_io_control(IOCTL_RUNDOWN_GET_INTERFACE, &request, output, irql)?;
        if written != RundownInterface::SIZE {
            return Err(NtStatus::INFO_LENGTH_MISMATCH);
        }
        // SAFETY: the owner wrote a whole table of its functions (caller, and `written` says so);
        // an all-zero table would also be valid (null function pointers are `None`).
        let table = unsafe { table.assume_init() };
        let (Some(dereference), Some(acquire), Some(release), Some(read), Some(_write), Some(query_generation)) = (
            table.header.interface_dereference,
            table.acquire,
            table.release,
            table.read,
            table.write,
            table.query_generation,
        ) else {
            return Err(NtStatus::NOT_SUPPORTED);
        };
        // INVARIANT: the owner's table (caller), every function set, with its reference.
        Ok(Self { context: table.header.context, dereference, acquire, release, read, query_generation })
    }

    /// The interface's `acquire`: a hold, or `None` while the owner's object runs down.
    ///
    /// ```
    /// use rundown::irql::{Dispatch, Irql};
    /// use rundown_wdm::InterfaceClient;
    ///
    /// # // Defined, never called: the host that runs the doctests has no rundown driver.
    /// fn try_once(interface: &InterfaceClient, irql: &Irql<Dispatch>) -> bool {
    ///     match interface.acquire(irql) {
    ///         Some(hold) => {
    ///             interface.release(hold, irql);
    ///             true
    ///         }
    ///         None => false, // a rotation or the unload runs the object down
    ///     }
    /// }
    /// ```
    #[must_use = "a hold must be released"]
    pub fn acquire(&self, irql: &Irql<impl AtMost<Dispatch>>) -> Option<Hold<'_>> {
        let _ = irql;
        // SAFETY: the owner's function, with its context, at <= DISPATCH_LEVEL (the token says
        // so), while the table's reference is held (invariant).
        let raw = NonNull::new(unsafe { (self.acquire)(self.context) })?;
        Some(Hold { raw, client: PhantomData })
    }

    /// The interface's `read` into `buffer`: the status and what it reported.
    ///
    /// ```
    /// use rundown::irql::{Dispatch, Irql};
    /// use rundown_wdm::{Hold, InterfaceClient};
    ///
    /// # // Defined, never called: the host that runs the doctests has no rundown driver.
    /// fn payload_len(interface: &InterfaceClient, hold: &Hold<'_>, irql: &Irql<Dispatch>) -> u32 {
    ///     let mut buffer = [0u8; rundown_abi::MAX_PAYLOAD];
    ///     let (_status, result) = interface.read(hold, &mut buffer, irql);
    ///     result.len
    /// }
    /// ```
    pub fn read(
        &self,
        hold: &Hold<'_>,
        buffer: &mut [u8],
        irql: &Irql<impl AtMost<Dispatch>>,
    ) -> (NtStatus, PeerReadResult) {
        let _ = irql;
        let mut result = PeerReadResult::default();
        let len = u32::try_from(buffer.len()).unwrap_or(u32::MAX);
        // SAFETY: as in `acquire`; a hold from `acquire`, not yet released (it is borrowed); a
        // buffer of at least `len` writable bytes and a writable result.
        let status = unsafe { (self.read)(self.context, hold.raw.as_ptr(), buffer.as_mut_ptr(), len, &raw mut result) };
        (NtStatus::from_raw(status), result)
    }

    /// The interface's `query_generation` for a hold: the generation it pins.
    ///
    /// ```
    /// use rundown::irql::{Dispatch, Irql};
    /// use rundown_wdm::{Hold, InterfaceClient};
    ///
    /// # // Defined, never called: the host that runs the doctests has no rundown driver.
    /// fn log_generation(interface: &InterfaceClient, hold: &Hold<'_>, irql: &Irql<Dispatch>) {
    ///     rundown_wdm::trace!("holding generation {}", interface.generation(hold, irql));
    /// }
    /// ```
    #[must_use]
    pub fn generation(&self, hold: &Hold<'_>, irql: &Irql<impl AtMost<Dispatch>>) -> u64 {
        let _ = irql;
        // SAFETY: as in `read`.
        unsafe { (self.query_generation)(self.context, hold.raw.as_ptr()) }
    }

    /// The interface's `release`.
    ///
    /// ```
    /// use rundown::irql::{Dispatch, Irql};
    /// use rundown_wdm::{Hold, InterfaceClient};
    ///
    /// # // Defined, never called: the host that runs the doctests has no rundown driver.
    /// fn done(interface: &InterfaceClient, hold: Hold<'_>, irql: &Irql<Dispatch>) {
    ///     interface.release(hold, irql); // `hold` is gone: it cannot be released twice
    /// }
    /// ```
    pub fn release(&self, hold: Hold<'_>, irql: &Irql<impl AtMost<Dispatch>>) {
        let _ = irql;
        let raw = hold.into_raw();
        // SAFETY: as in `acquire`; a hold from `acquire`, released once (it is consumed).
        unsafe { (self.release)(self.context, raw.as_ptr()) };
    }
}

impl Drop for InterfaceClient {
    /// `InterfaceDereference`: the owner's code runs for the last time for this table.
    fn drop(&mut self) {
        // SAFETY: the table's one reference (invariant), dropped once, here; kernel code drops
        // the client at IRQL <= DISPATCH_LEVEL.
        unsafe { (self.dereference)(self.context) };
    }
}
