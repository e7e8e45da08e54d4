//! The owner's side of the peer interface: a Rust type behind the C function table.

use core::ffi::c_void;
use core::ptr::NonNull;

use rundown::irql::{Dispatch, Irql};
use rundown_abi::{InterfaceHeader, NtStatus, PeerHold, PeerReadResult, RUNDOWN_INTERFACE_VERSION, RundownInterface};

/// What a driver serves through the [`RundownInterface`] table: each method is one function of
/// the table, with the C arguments already checked and turned into Rust ones. [`table`] makes the
/// table, whose context is the provider.
///
/// The interface functions run at IRQL <= DISPATCH_LEVEL, in any thread, and several at once.
/// A call above DISPATCH_LEVEL (where the ones that take an IRQL token are refused) or with a
/// null hold breaks the contract: it changes nothing and is reported through
/// [`broken_contract`](Self::broken_contract).
///
/// ```
/// use core::ptr::NonNull;
/// use rundown::irql::{Dispatch, Irql};
/// use rundown_abi::{NtStatus, PeerReadResult};
/// use rundown_wdm::InterfaceProvider;
///
/// /// Serves one generation, with nothing to run down: holds are the static value itself.
/// struct Constant(u64);
///
/// // SAFETY: `&'static` values outlive every reference and every hold; holds point at `self`.
/// unsafe impl InterfaceProvider for Constant {
///     type Hold = Constant;
///     fn reference(&self) -> bool { true }
///     fn dereference(&self, _irql: &Irql<Dispatch>) -> bool { true }
///     fn acquire(&self, _irql: &Irql<Dispatch>) -> Option<NonNull<Constant>> { Some(NonNull::from(self)) }
///     fn release(&self, _irql: &Irql<Dispatch>) -> bool { true }
///     fn read(&self, hold: &Constant, _buffer: Option<&mut [u8]>) -> (NtStatus, PeerReadResult) {
///         (NtStatus::SUCCESS, PeerReadResult { generation: hold.0, version: 0, len: 0 })
///     }
///     fn write(&self, _hold: &Constant, _data: &[u8], _irql: &mut Irql<Dispatch>) -> Result<u64, NtStatus> {
///         Err(NtStatus::NOT_SUPPORTED)
///     }
///     fn generation(&self, hold: Option<&Constant>) -> u64 { hold.unwrap_or(self).0 }
/// }
///
/// static ONE: Constant = Constant(1);
///
/// # // Defined, never called: the table's functions log through DbgPrintEx, which the host lacks.
/// fn get_interface() -> rundown_abi::RundownInterface {
///     rundown_wdm::interface_table(&ONE) // the output of GET_INTERFACE
/// }
/// ```
///
/// # Safety
/// An implementation promises:
/// - the provider outlives every interface reference: a table is handed out together with a
///   reference (its owner takes one), and the provider is freed only after every reference was
///   dropped ([`dereference`](Self::dereference) returned true for each);
/// - a hold [`acquire`](Self::acquire) returns points at a `Hold` that stays valid, and is only
///   shared, until a [`release`](Self::release) gives it back.
pub unsafe trait InterfaceProvider: Sync + 'static {
    /// What a hold stands for (the generation it pins).
    type Hold: Sync;

    /// `InterfaceReference`: one more reference; false if the caller held none.
    ///
    /// ```
    /// # use core::ptr::NonNull;
    /// # use rundown::irql::{Dispatch, Irql};
    /// # use rundown_abi::{NtStatus, PeerReadResult};
    /// # use rundown_wdm::InterfaceProvider;
    /// # struct Counted { references: core::sync::atomic::AtomicU32, generation: u64 }
    /// # // SAFETY: a sketch: `&'static` values outlive every reference; holds point at `self`.
    /// # unsafe impl InterfaceProvider for Counted {
    /// #     type Hold = u64;
    /// #     fn dereference(&self, _: &Irql<Dispatch>) -> bool { true }
    /// #     fn acquire(&self, _: &Irql<Dispatch>) -> Option<NonNull<u64>> { Some(NonNull::from(&self.generation)) }
    /// #     fn release(&self, _: &Irql<Dispatch>) -> bool { true }
    /// #     fn read(&self, _: &u64, _: Option<&mut [u8]>) -> (NtStatus, PeerReadResult) { (NtStatus::SUCCESS, PeerReadResult::default()) }
    /// #     fn write(&self, _: &u64, _: &[u8], _: &mut Irql<Dispatch>) -> Result<u64, NtStatus> { Err(NtStatus::NOT_SUPPORTED) }
    /// #     fn generation(&self, hold: Option<&u64>) -> u64 { hold.copied().unwrap_or(self.generation) }
    /// fn reference(&self) -> bool {
    ///     // One more; false (refused, reported) if the caller held none.
    ///     self.references.fetch_add(1, core::sync::atomic::Ordering::AcqRel) > 0
    /// }
    /// # }
    /// ```
    fn reference(&self) -> bool;

    /// `InterfaceDereference`: drops a reference; false if none was held. Nothing may touch the
    /// provider after the last one is dropped.
    ///
    /// ```
    /// # use core::ptr::NonNull;
    /// # use rundown::irql::{Dispatch, Irql};
    /// # use rundown_abi::{NtStatus, PeerReadResult};
    /// # use rundown_wdm::InterfaceProvider;
    /// # struct Counted { references: core::sync::atomic::AtomicU32, generation: u64 }
    /// # // SAFETY: a sketch: `&'static` values outlive every reference; holds point at `self`.
    /// # unsafe impl InterfaceProvider for Counted {
    /// #     type Hold = u64;
    /// #     fn reference(&self) -> bool { true }
    /// #     fn acquire(&self, _: &Irql<Dispatch>) -> Option<NonNull<u64>> { Some(NonNull::from(&self.generation)) }
    /// #     fn release(&self, _: &Irql<Dispatch>) -> bool { true }
    /// #     fn read(&self, _: &u64, _: Option<&mut [u8]>) -> (NtStatus, PeerReadResult) { (NtStatus::SUCCESS, PeerReadResult::default()) }
    /// #     fn write(&self, _: &u64, _: &[u8], _: &mut Irql<Dispatch>) -> Result<u64, NtStatus> { Err(NtStatus::NOT_SUPPORTED) }
    /// #     fn generation(&self, hold: Option<&u64>) -> u64 { hold.copied().unwrap_or(self.generation) }
    /// fn dereference(&self, _irql: &Irql<Dispatch>) -> bool {
    ///     self.references.fetch_sub(1, core::sync::atomic::Ordering::AcqRel) > 0 // last use of `self`
    /// }
    /// # }
    /// ```
    fn dereference(&self, irql: &Irql<Dispatch>) -> bool;

    /// `acquire`: a hold, or `None` while the object is being run down.
    ///
    /// ```
    /// # use core::ptr::NonNull;
    /// # use rundown::irql::{Dispatch, Irql};
    /// # use rundown_abi::{NtStatus, PeerReadResult};
    /// # use rundown_wdm::InterfaceProvider;
    /// # struct Counted { references: core::sync::atomic::AtomicU32, generation: u64 }
    /// # // SAFETY: a sketch: `&'static` values outlive every reference; holds point at `self`.
    /// # unsafe impl InterfaceProvider for Counted {
    /// #     type Hold = u64;
    /// #     fn reference(&self) -> bool { true }
    /// #     fn dereference(&self, _: &Irql<Dispatch>) -> bool { true }
    /// #     fn release(&self, _: &Irql<Dispatch>) -> bool { true }
    /// #     fn read(&self, _: &u64, _: Option<&mut [u8]>) -> (NtStatus, PeerReadResult) { (NtStatus::SUCCESS, PeerReadResult::default()) }
    /// #     fn write(&self, _: &u64, _: &[u8], _: &mut Irql<Dispatch>) -> Result<u64, NtStatus> { Err(NtStatus::NOT_SUPPORTED) }
    /// #     fn generation(&self, hold: Option<&u64>) -> u64 { hold.copied().unwrap_or(self.generation) }
    /// fn acquire(&self, _irql: &Irql<Dispatch>) -> Option<NonNull<u64>> {
    ///     Some(NonNull::from(&self.generation)) // valid until its release
    /// }
    /// # }
    /// ```
    fn acquire(&self, irql: &Irql<Dispatch>) -> Option<NonNull<Self::Hold>>;

    /// `release` of a hold; false if no hold is out.
    ///
    /// ```
    /// # use core::ptr::NonNull;
    /// # use rundown::irql::{Dispatch, Irql};
    /// # use rundown_abi::{NtStatus, PeerReadResult};
    /// # use rundown_wdm::InterfaceProvider;
    /// # struct Counted { references: core::sync::atomic::AtomicU32, generation: u64 }
    /// # // SAFETY: a sketch: `&'static` values outlive every reference; holds point at `self`.
    /// # unsafe impl InterfaceProvider for Counted {
    /// #     type Hold = u64;
    /// #     fn reference(&self) -> bool { true }
    /// #     fn dereference(&self, _: &Irql<Dispatch>) -> bool { true }
    /// #     fn acquire(&self, _: &Irql<Dispatch>) -> Option<NonNull<u64>> { Some(NonNull::from(&self.generation)) }
    /// #     fn read(&self, _: &u64, _: Option<&mut [u8]>) -> (NtStatus, PeerReadResult) { (NtStatus::SUCCESS, PeerReadResult::default()) }
    /// #     fn write(&self, _: &u64, _: &[u8], _: &mut Irql<Dispatch>) -> Result<u64, NtStatus> { Err(NtStatus::NOT_SUPPORTED) }
    /// #     fn generation(&self, hold: Option<&u64>) -> u64 { hold.copied().unwrap_or(self.generation) }
    /// fn release(&self, _irql: &Irql<Dispatch>) -> bool {
    ///     true // one hold given back
    /// }
    /// # }
    /// ```
    fn release(&self, irql: &Irql<Dispatch>) -> bool;

    /// `read` into `buffer` (`None` for a null one): the status and what it reports.
    ///
    /// ```
    /// # use core::ptr::NonNull;
    /// # use rundown::irql::{Dispatch, Irql};
    /// # use rundown_abi::{NtStatus, PeerReadResult};
    /// # use rundown_wdm::InterfaceProvider;
    /// # struct Counted { references: core::sync::atomic::AtomicU32, generation: u64 }
    /// # // SAFETY: a sketch: `&'static` values outlive every reference; holds point at `self`.
    /// # unsafe impl InterfaceProvider for Counted {
    /// #     type Hold = u64;
    /// #     fn reference(&self) -> bool { true }
    /// #     fn dereference(&self, _: &Irql<Dispatch>) -> bool { true }
    /// #     fn acquire(&self, _: &Irql<Dispatch>) -> Option<NonNull<u64>> { Some(NonNull::from(&self.generation)) }
    /// #     fn release(&self, _: &Irql<Dispatch>) -> bool { true }
    /// #     fn write(&self, _: &u64, _: &[u8], _: &mut Irql<Dispatch>) -> Result<u64, NtStatus> { Err(NtStatus::NOT_SUPPORTED) }
    /// #     fn generation(&self, hold: Option<&u64>) -> u64 { hold.copied().unwrap_or(self.generation) }
    /// fn read(&self, hold: &u64, buffer: Option<&mut [u8]>) -> (NtStatus, PeerReadResult) {
    ///     let status = if buffer.is_some() { NtStatus::SUCCESS } else { NtStatus::BUFFER_TOO_SMALL };
    ///     (status, PeerReadResult { generation: *hold, version: 0, len: 0 })
    /// }
    /// # }
    /// ```
    fn read(&self, hold: &Self::Hold, buffer: Option<&mut [u8]>) -> (NtStatus, PeerReadResult);

    /// `write` of `data`: the new version.
    ///
    /// # Errors
    /// The status the C function returns.
    ///
    /// ```
    /// # use core::ptr::NonNull;
    /// # use rundown::irql::{Dispatch, Irql};
    /// # use rundown_abi::{NtStatus, PeerReadResult};
    /// # use rundown_wdm::InterfaceProvider;
    /// # struct Counted { references: core::sync::atomic::AtomicU32, generation: u64 }
    /// # // SAFETY: a sketch: `&'static` values outlive every reference; holds point at `self`.
    /// # unsafe impl InterfaceProvider for Counted {
    /// #     type Hold = u64;
    /// #     fn reference(&self) -> bool { true }
    /// #     fn dereference(&self, _: &Irql<Dispatch>) -> bool { true }
    /// #     fn acquire(&self, _: &Irql<Dispatch>) -> Option<NonNull<u64>> { Some(NonNull::from(&self.generation)) }
    /// #     fn release(&self, _: &Irql<Dispatch>) -> bool { true }
    /// #     fn read(&self, _: &u64, _: Option<&mut [u8]>) -> (NtStatus, PeerReadResult) { (NtStatus::SUCCESS, PeerReadResult::default()) }
    /// #     fn generation(&self, hold: Option<&u64>) -> u64 { hold.copied().unwrap_or(self.generation) }
    /// fn write(&self, _hold: &u64, data: &[u8], _irql: &mut Irql<Dispatch>) -> Result<u64, NtStatus> {
    ///     if data.len() > rundown_abi::MAX_PAYLOAD { Err(NtStatus::INVALID_PARAMETER) } else { Ok(1) }
    /// }
    /// # }
    /// ```
    fn write(&self, hold: &Self::Hold, data: &[u8], irql: &mut Irql<Dispatch>) -> Result<u64, NtStatus>;

    /// `query_generation`: the generation `hold` pins, or the current one for `None`.
    ///
    /// ```
    /// # use core::ptr::NonNull;
    /// # use rundown::irql::{Dispatch, Irql};
    /// # use rundown_abi::{NtStatus, PeerReadResult};
    /// # use rundown_wdm::InterfaceProvider;
    /// # struct Counted { references: core::sync::atomic::AtomicU32, generation: u64 }
    /// # // SAFETY: a sketch: `&'static` values outlive every reference; holds point at `self`.
    /// # unsafe impl InterfaceProvider for Counted {
    /// #     type Hold = u64;
    /// #     fn reference(&self) -> bool { true }
    /// #     fn dereference(&self, _: &Irql<Dispatch>) -> bool { true }
    /// #     fn acquire(&self, _: &Irql<Dispatch>) -> Option<NonNull<u64>> { Some(NonNull::from(&self.generation)) }
    /// #     fn release(&self, _: &Irql<Dispatch>) -> bool { true }
    /// #     fn read(&self, _: &u64, _: Option<&mut [u8]>) -> (NtStatus, PeerReadResult) { (NtStatus::SUCCESS, PeerReadResult::default()) }
    /// #     fn write(&self, _: &u64, _: &[u8], _: &mut Irql<Dispatch>) -> Result<u64, NtStatus> { Err(NtStatus::NOT_SUPPORTED) }
    /// fn generation(&self, hold: Option<&u64>) -> u64 {
    ///     hold.copied().unwrap_or(self.generation)
    /// }
    /// # }
    /// ```
    fn generation(&self, hold: Option<&Self::Hold>) -> u64;

    /// A peer broke the contract (`what`); the call was refused.
    ///
    /// ```
    /// # use core::ptr::NonNull;
    /// # use rundown::irql::{Dispatch, Irql};
    /// # use rundown_abi::{NtStatus, PeerReadResult};
    /// # use rundown_wdm::InterfaceProvider;
    /// # struct Counted { references: core::sync::atomic::AtomicU32, generation: u64 }
    /// # // SAFETY: a sketch: `&'static` values outlive every reference; holds point at `self`.
    /// # unsafe impl InterfaceProvider for Counted {
    /// #     type Hold = u64;
    /// #     fn reference(&self) -> bool { true }
    /// #     fn dereference(&self, _: &Irql<Dispatch>) -> bool { true }
    /// #     fn acquire(&self, _: &Irql<Dispatch>) -> Option<NonNull<u64>> { Some(NonNull::from(&self.generation)) }
    /// #     fn release(&self, _: &Irql<Dispatch>) -> bool { true }
    /// #     fn read(&self, _: &u64, _: Option<&mut [u8]>) -> (NtStatus, PeerReadResult) { (NtStatus::SUCCESS, PeerReadResult::default()) }
    /// #     fn write(&self, _: &u64, _: &[u8], _: &mut Irql<Dispatch>) -> Result<u64, NtStatus> { Err(NtStatus::NOT_SUPPORTED) }
    /// #     fn generation(&self, hold: Option<&u64>) -> u64 { hold.copied().unwrap_or(self.generation) }
    /// fn broken_contract(&self, what: &str) {
    ///     rundown_wdm::error!("counted: peer interface: {what}; the call was refused");
    /// }
    /// # }
    /// ```
    fn broken_contract(&self, what: &str) {
        crate::error!("peer interface: {what}; the call was refused");
    }
}

/// The function table for `provider`, which every function gets back as its context. Give it out
/// with an interface reference taken.
///
/// ```
/// use rundown_abi::RundownInterface;
/// use rundown_wdm::InterfaceProvider;
///
/// # // Defined, never called: the table's functions log through DbgPrintEx, which the host lacks.
/// fn answer<P: InterfaceProvider>(provider: &'static P) -> RundownInterface {
///     // After taking the reference the table carries:
///     rundown_wdm::interface_table(provider)
/// }
/// ```
#[must_use]
pub fn table<P: InterfaceProvider>(provider: &'static P) -> RundownInterface {
    RundownInterface {
        header: InterfaceHeader {
            size: RundownInterface::SIZE_U16,
            version: RUNDOWN_INTERFACE_VERSION,
            context: core::ptr::from_ref(provider).cast_mut().cast(),
            interface_reference: Some(interface_reference::<P>),
            interface_dereference: Some(interface_dereference::<P>),
        },
        acquire: Some(acquire::<P>),
        release: Some(release::<P>),
        read: Some(read::<P>),
        write: Some(write::<P>),
        query_generation: Some(query_generation::<P>),
    }
}

/// The provider behind a table's context.
///
/// # Safety
/// `context` is the context of a table from [`table::<P>`](table), and its caller holds an
/// interface reference (the peer contract), so the provider is alive for `'a`.
unsafe fn provider<'a, P: InterfaceProvider>(context: *mut c_void) -> &'a P {
    // SAFETY: a `&'static P` made into the context, alive while the reference is held (caller
    // and the trait's contract).
    unsafe { &*context.cast::<P>() }
}

/// The value a hold stands for.
///
/// # Safety
/// `hold` is null or came from `P::acquire` and was not released (the peer contract).
unsafe fn hold<'a, P: InterfaceProvider>(hold: *mut PeerHold) -> Option<&'a P::Hold> {
    // SAFETY: null, or a live hold, valid until its release (caller and the trait's contract).
    unsafe { hold.cast::<P::Hold>().as_ref() }
}

/// The token for a peer's call: the functions run at IRQL <= DISPATCH_LEVEL. A peer calling above
/// it broke the contract: the call is refused and reported.
fn peer_irql<P: InterfaceProvider>(provider: &P) -> Option<Irql<Dispatch>> {
    let irql = Irql::<Dispatch>::check();
    if irql.is_none() {
        provider.broken_contract("a peer called the interface above DISPATCH_LEVEL");
    }
    irql
}

unsafe extern "C" fn interface_reference<P: InterfaceProvider>(context: *mut c_void) {
    // SAFETY: the peer holds a reference (it is taking another).
    let provider = unsafe { provider::<P>(context) };
    if !provider.reference() {
        provider.broken_contract("InterfaceReference without a reference");
    }
}

unsafe extern "C" fn interface_dereference<P: InterfaceProvider>(context: *mut c_void) {
    // SAFETY: the peer holds the reference it drops here. Nothing touches the provider after a
    // `dereference` that released it (which may let the provider be freed); one that returned
    // false released nothing, so reporting that is still safe.
    let provider = unsafe { provider::<P>(context) };
    let Some(irql) = peer_irql(provider) else { return };
    if !provider.dereference(&irql) {
        provider.broken_contract("InterfaceDereference without a reference");
    }
}

unsafe extern "C" fn acquire<P: InterfaceProvider>(context: *mut c_void) -> *mut PeerHold {
    // SAFETY: the peer holds an interface reference.
    let provider = unsafe { provider::<P>(context) };
    let Some(irql) = peer_irql(provider) else { return core::ptr::null_mut() };
    provider.acquire(&irql).map_or(core::ptr::null_mut(), |hold| hold.as_ptr().cast())
}

unsafe extern "C" fn release<P: InterfaceProvider>(context: *mut c_void, hold: *mut PeerHold) {
    // SAFETY: the peer holds an interface reference.
    let provider = unsafe { provider::<P>(context) };
    let Some(irql) = peer_irql(provider) else { return };
    if hold.is_null() {
        return;
    }
    if !provider.release(&irql) {
        provider.broken_contract("release of a hold the peers do not have");
    }
}

unsafe extern "C" fn read<P: InterfaceProvider>(
    context: *mut c_void,
    hold_ptr: *mut PeerHold,
    buffer: *mut u8,
    buffer_len: u32,
    result: *mut PeerReadResult,
) -> i32 {
    // SAFETY: the peer holds an interface reference.
    let provider = unsafe { provider::<P>(context) };
    // SAFETY: the peer passes a live hold or null.
    let (Some(hold), Some(result)) = (unsafe { hold::<P>(hold_ptr) }, NonNull::new(result)) else {
        return NtStatus::INVALID_PARAMETER.raw();
    };
    // SAFETY: the peer's buffer, if any, holds `buffer_len` writable bytes that nothing else uses
    // during the call.
    let buffer = (!buffer.is_null()).then(|| unsafe { core::slice::from_raw_parts_mut(buffer, buffer_len as usize) });
    let (status, report) = provider.read(hold, buffer);
    // SAFETY: the peer passes a writable result.
    unsafe { result.as_ptr().write(report) };
    status.raw()
}

unsafe extern "C" fn write<P: InterfaceProvider>(
    context: *mut c_void,
    hold_ptr: *mut PeerHold,
    data: *const u8,
    len: u32,
    version: *mut u64,
) -> i32 {
    // SAFETY: the peer holds an interface reference.
    let provider = unsafe { provider::<P>(context) };
    let Some(mut irql) = peer_irql(provider) else { return NtStatus::INVALID_PARAMETER.raw() };
    // SAFETY: the peer passes a live hold or null.
    let Some(hold) = (unsafe { hold::<P>(hold_ptr) }) else { return NtStatus::INVALID_PARAMETER.raw() };
    let bytes: &[u8] = match (data.is_null(), len) {
        (_, 0) => &[],
        (true, _) => return NtStatus::INVALID_PARAMETER.raw(),
        // SAFETY: the peer's `data` holds `len` bytes, unchanged during the call.
        (false, len) => unsafe { core::slice::from_raw_parts(data, len as usize) },
    };
    match provider.write(hold, bytes, &mut irql) {
        Ok(new_version) => {
            if let Some(version) = NonNull::new(version) {
                // SAFETY: the peer passes a writable version, or null.
                unsafe { version.as_ptr().write(new_version) };
            }
            NtStatus::SUCCESS.raw()
        }
        Err(status) => status.raw(),
    }
}

unsafe extern "C" fn query_generation<P: InterfaceProvider>(context: *mut c_void, hold_ptr: *mut PeerHold) -> u64 {
    // SAFETY: the peer holds an interface reference.
    let provider = unsafe { provider::<P>(context) };
    // SAFETY: the peer passes a live hold or null.
    provider.generation(unsafe { hold::<P>(hold_ptr) })
}
