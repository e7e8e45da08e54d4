//! The `Driver` trait: a WDM driver as one state value, in the manner of Rust-for-Linux's
//! `Module`.
//!
//! [`driver!`](crate::driver) generates `DriverEntry`, which calls [`Driver::init`] at
//! PASSIVE_LEVEL with the driver object and the registry path, keeps the value it returns in one
//! place (a [`DriverCell`](crate::DriverCell)), installs a dispatch routine for each request the
//! trait has a method for, and lets the devices open. DriverUnload calls [`Driver::stop`], waits
//! until no request is inside the driver any more, and drops the value: unload is `Drop`.
//!
//! | request | method | IRQL token |
//! |---|---|---|
//! | IRP_MJ_CREATE | [`create`](Driver::create) | `Passive` |
//! | IRP_MJ_CLEANUP | [`cleanup`](Driver::cleanup) | `Passive` |
//! | IRP_MJ_CLOSE | [`close`](Driver::close) | `Passive` |
//! | IRP_MJ_DEVICE_CONTROL | [`device_control`](Driver::device_control) | [`Driver::ControlLevel`] |
//! | IRP_MJ_INTERNAL_DEVICE_CONTROL | [`internal_device_control`](Driver::internal_device_control) | `Dispatch` |
//! | a pended IRP's cancellation | [`cancel`](Cancel::cancel) | `Dispatch` |
//!
//! Each method has a default that answers `STATUS_INVALID_DEVICE_REQUEST`, as the I/O manager
//! does for a request a driver has no routine for.

use rundown::irql::{AtMost, Dispatch, DispatchEntryPoint, Irql, Level, Passive};
use rundown_abi::NtStatus;

use crate::{Completion, DriverCell, DriverObject, ForeignOwnable, Irp, RegistryPath};

/// What a request borrows of its file object's context: `&FileContext<D>`.
pub type FileContext<D> = <<D as Driver>::File as ForeignOwnable>::Target;

/// A WDM driver: its state from DriverEntry to DriverUnload, and what it does with each request.
///
/// The state is shared by every request (`&self`, from several threads at once, CLEANUP of a
/// handle included while its other requests run), hence `Sync`; DriverEntry and DriverUnload may
/// run on different threads, hence `Send`. Dropping it is the unload's last step: by then
/// [`stop`](Self::stop) has returned and no request is inside the driver.
///
/// ```
/// use rundown::irql::{Irql, Passive};
/// use rundown_abi::NtStatus;
/// use rundown_wdm::{Completion, Driver, DriverObject, Irp, RegistryPath};
///
/// struct Hello;
///
/// impl Driver for Hello {
///     const NAME: &'static str = "hello";
///     type File = ();
///     type ControlLevel = Passive;
///
///     fn init(_driver: &mut DriverObject<'_>, _path: RegistryPath<'_>, _irql: &Irql<Passive>) -> Result<Self, NtStatus> {
///         Ok(Self)
///     }
///
///     fn device_control(&self, irp: Irp, _file: Option<&()>, _irql: &mut Irql<Passive>) -> Completion {
///         irp.complete_with_output(b"hello")
///     }
/// }
/// ```
pub trait Driver: Sized + Send + Sync + 'static {
    /// The driver's name at the start of the lines [`driver!`](crate::driver) logs for it.
    const NAME: &'static str;

    /// What CREATE keeps in a file object (`FsContext`) and its later requests borrow; `()` for
    /// nothing, `Box<T>` for a `T` per handle.
    type File: ForeignOwnable;

    /// The IRQL [`device_control`](Self::device_control) is served at: [`Passive`] when only user
    /// mode (or kernel code at PASSIVE_LEVEL) sends the device its requests, as for a top-level
    /// driver; [`Dispatch`] when kernel callers may send them with `IoCallDriver` from IRQL up to
    /// DISPATCH_LEVEL.
    type ControlLevel: ControlLevel;

    /// Wine calls DriverUnload while handles are open and never sends their CLOSE: with `true`,
    /// every file context is also listed, and the unload drops those whose CLOSE never came
    /// (after [`stop`](Self::stop), before the state). Windows unloads a driver only after the
    /// last CLOSE, so it needs no list.
    const FREE_UNCLOSED_FILES: bool = false;

    /// DriverEntry's work, at PASSIVE_LEVEL: create the devices ([`Device::create`](crate::Device::create))
    /// and build the state. On an error nothing may be left behind (what was built is dropped)
    /// and DriverEntry fails with it.
    ///
    /// # Errors
    /// The status DriverEntry fails with.
    ///
    /// ```
    /// # use rundown::irql::{Dispatch, Irql, Passive};
    /// # use rundown_abi::NtStatus;
    /// # use rundown_wdm::{Completion, Driver, DriverObject, Irp, RegistryPath};
    /// # struct Demo(core::sync::atomic::AtomicU32);
    /// # impl Driver for Demo {
    /// #     const NAME: &'static str = "demo";
    /// #     type File = Box<u32>;
    /// #     type ControlLevel = Passive;
    /// fn init(driver: &mut DriverObject<'_>, path: RegistryPath<'_>, _irql: &Irql<Passive>) -> Result<Self, NtStatus> {
    ///     let _ = driver; // Device::create(driver, ...)? for each device
    ///     rundown_wdm::trace!("demo: loading from {path}");
    ///     Ok(Self(Default::default()))
    /// }
    /// # }
    /// ```
    fn init(
        driver: &mut DriverObject<'_>,
        registry_path: RegistryPath<'_>,
        irql: &Irql<Passive>,
    ) -> Result<Self, NtStatus>;

    /// DriverEntry's last step, once the state is published, the dispatch routines are installed
    /// and the devices can be opened (the load message belongs here).
    ///
    /// ```
    /// # use rundown::irql::{Dispatch, Irql, Passive};
    /// # use rundown_abi::NtStatus;
    /// # use rundown_wdm::{Completion, Driver, DriverObject, Irp, RegistryPath};
    /// # struct Demo(core::sync::atomic::AtomicU32);
    /// # impl Driver for Demo {
    /// #     const NAME: &'static str = "demo";
    /// #     type File = Box<u32>;
    /// #     type ControlLevel = Passive;
    /// #     fn init(_: &mut DriverObject<'_>, _: RegistryPath<'_>, _: &Irql<Passive>) -> Result<Self, NtStatus> {
    /// #         Ok(Self(Default::default()))
    /// #     }
    /// fn loaded(&self, _irql: &Irql<Passive>) {
    ///     rundown_wdm::info!("demo: loaded");
    /// }
    /// # }
    /// ```
    fn loaded(&self, irql: &Irql<Passive>) {
        let _ = irql;
    }

    /// DriverUnload's first step, while requests still reach the state: refuse new work, end
    /// what requests cannot end (threads, pended IRPs, other drivers' references). When it
    /// returns, the unload waits for the requests inside the driver, refuses new ones and drops
    /// the state.
    ///
    /// ```
    /// # use rundown::irql::{Dispatch, Irql, Passive};
    /// # use rundown_abi::NtStatus;
    /// # use rundown_wdm::{Completion, Driver, DriverObject, Irp, RegistryPath};
    /// # struct Demo(core::sync::atomic::AtomicU32);
    /// # impl Driver for Demo {
    /// #     const NAME: &'static str = "demo";
    /// #     type File = Box<u32>;
    /// #     type ControlLevel = Passive;
    /// #     fn init(_: &mut DriverObject<'_>, _: RegistryPath<'_>, _: &Irql<Passive>) -> Result<Self, NtStatus> {
    /// #         Ok(Self(Default::default()))
    /// #     }
    /// fn stop(&self, _irql: &mut Irql<Passive>) {
    ///     // Ask the driver's threads to end and join them; refuse new work.
    ///     self.0.store(u32::MAX, core::sync::atomic::Ordering::SeqCst);
    /// }
    /// # }
    /// ```
    fn stop(&self, irql: &mut Irql<Passive>) {
        let _ = irql;
    }

    /// DriverUnload's last step, after the state was dropped and freed (a report of what is left
    /// in pool, say).
    ///
    /// ```
    /// # use rundown::irql::{Dispatch, Irql, Passive};
    /// # use rundown_abi::NtStatus;
    /// # use rundown_wdm::{Completion, Driver, DriverObject, Irp, RegistryPath};
    /// # struct Demo(core::sync::atomic::AtomicU32);
    /// # impl Driver for Demo {
    /// #     const NAME: &'static str = "demo";
    /// #     type File = Box<u32>;
    /// #     type ControlLevel = Passive;
    /// #     fn init(_: &mut DriverObject<'_>, _: RegistryPath<'_>, _: &Irql<Passive>) -> Result<Self, NtStatus> {
    /// #         Ok(Self(Default::default()))
    /// #     }
    /// fn unloaded(_irql: &Irql<Passive>) {
    ///     rundown_wdm::info!("demo: unloaded");
    /// }
    /// # }
    /// ```
    fn unloaded(irql: &Irql<Passive>) {
        let _ = irql;
    }

    /// IRP_MJ_CREATE: the context to keep in the new file object, or the status to fail the open
    /// with.
    ///
    /// # Errors
    /// The status the CREATE is completed with.
    ///
    /// ```
    /// # use rundown::irql::{Dispatch, Irql, Passive};
    /// # use rundown_abi::NtStatus;
    /// # use rundown_wdm::{Completion, Driver, DriverObject, Irp, RegistryPath};
    /// # struct Demo(core::sync::atomic::AtomicU32);
    /// # impl Driver for Demo {
    /// #     const NAME: &'static str = "demo";
    /// #     type File = Box<u32>;
    /// #     type ControlLevel = Passive;
    /// #     fn init(_: &mut DriverObject<'_>, _: RegistryPath<'_>, _: &Irql<Passive>) -> Result<Self, NtStatus> {
    /// #         Ok(Self(Default::default()))
    /// #     }
    /// fn create(&self, _irp: &Irp, _irql: &mut Irql<Passive>) -> Result<Box<u32>, NtStatus> {
    ///     rundown_wdm::try_box(0).ok_or(NtStatus::INSUFFICIENT_RESOURCES)
    /// }
    /// # }
    /// ```
    fn create(&self, irp: &Irp, irql: &mut Irql<Passive>) -> Result<Self::File, NtStatus> {
        let _ = (irp, irql);
        Err(NtStatus::INVALID_DEVICE_REQUEST)
    }

    /// IRP_MJ_CLEANUP: the last handle to the file object was closed; requests of it may still be
    /// inside the driver. The status completes the IRP.
    ///
    /// ```
    /// # use rundown::irql::{Dispatch, Irql, Passive};
    /// # use rundown_abi::NtStatus;
    /// # use rundown_wdm::{Completion, Driver, DriverObject, Irp, RegistryPath};
    /// # struct Demo(core::sync::atomic::AtomicU32);
    /// # impl Driver for Demo {
    /// #     const NAME: &'static str = "demo";
    /// #     type File = Box<u32>;
    /// #     type ControlLevel = Passive;
    /// #     fn init(_: &mut DriverObject<'_>, _: RegistryPath<'_>, _: &Irql<Passive>) -> Result<Self, NtStatus> {
    /// #         Ok(Self(Default::default()))
    /// #     }
    /// fn cleanup(&self, _irp: &Irp, opens: Option<&u32>, _irql: &mut Irql<Passive>) -> NtStatus {
    ///     rundown_wdm::trace!("demo: handle closed after {opens:?}");
    ///     NtStatus::SUCCESS
    /// }
    /// # }
    /// ```
    fn cleanup(&self, irp: &Irp, file: Option<&FileContext<Self>>, irql: &mut Irql<Passive>) -> NtStatus {
        let _ = (irp, file, irql);
        NtStatus::INVALID_DEVICE_REQUEST
    }

    /// IRP_MJ_CLOSE: the file object's last request; its context comes back to be dropped. The
    /// status completes the IRP.
    ///
    /// ```
    /// # use rundown::irql::{Dispatch, Irql, Passive};
    /// # use rundown_abi::NtStatus;
    /// # use rundown_wdm::{Completion, Driver, DriverObject, Irp, RegistryPath};
    /// # struct Demo(core::sync::atomic::AtomicU32);
    /// # impl Driver for Demo {
    /// #     const NAME: &'static str = "demo";
    /// #     type File = Box<u32>;
    /// #     type ControlLevel = Passive;
    /// #     fn init(_: &mut DriverObject<'_>, _: RegistryPath<'_>, _: &Irql<Passive>) -> Result<Self, NtStatus> {
    /// #         Ok(Self(Default::default()))
    /// #     }
    /// fn close(&self, _irp: &Irp, context: Option<Box<u32>>, _irql: &mut Irql<Passive>) -> NtStatus {
    ///     drop(context);
    ///     NtStatus::SUCCESS
    /// }
    /// # }
    /// ```
    fn close(&self, irp: &Irp, file: Option<Self::File>, irql: &mut Irql<Passive>) -> NtStatus {
        let _ = (irp, file, irql);
        NtStatus::INVALID_DEVICE_REQUEST
    }

    /// IRP_MJ_DEVICE_CONTROL, with the file object's context (`None` for a request without a file
    /// object): complete `irp`, or pend it.
    ///
    /// ```
    /// # use rundown::irql::{Dispatch, Irql, Passive};
    /// # use rundown_abi::NtStatus;
    /// # use rundown_wdm::{Completion, Driver, DriverObject, Irp, RegistryPath};
    /// # struct Demo(core::sync::atomic::AtomicU32);
    /// # impl Driver for Demo {
    /// #     const NAME: &'static str = "demo";
    /// #     type File = Box<u32>;
    /// #     type ControlLevel = Passive;
    /// #     fn init(_: &mut DriverObject<'_>, _: RegistryPath<'_>, _: &Irql<Passive>) -> Result<Self, NtStatus> {
    /// #         Ok(Self(Default::default()))
    /// #     }
    /// fn device_control(&self, irp: Irp, _context: Option<&u32>, _irql: &mut Irql<Passive>) -> Completion {
    ///     let count = self.0.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
    ///     irp.complete_with_output(&count.to_le_bytes())
    /// }
    /// # }
    /// ```
    fn device_control(
        &self,
        irp: Irp,
        file: Option<&FileContext<Self>>,
        irql: &mut Irql<Self::ControlLevel>,
    ) -> Completion {
        let _ = (file, irql);
        irp.complete(NtStatus::INVALID_DEVICE_REQUEST, 0)
    }

    /// IRP_MJ_INTERNAL_DEVICE_CONTROL, which only kernel code sends, from IRQL up to
    /// DISPATCH_LEVEL: as [`device_control`](Self::device_control).
    ///
    /// ```
    /// # use rundown::irql::{Dispatch, Irql, Passive};
    /// # use rundown_abi::NtStatus;
    /// # use rundown_wdm::{Completion, Driver, DriverObject, Irp, RegistryPath};
    /// # struct Demo(core::sync::atomic::AtomicU32);
    /// # impl Driver for Demo {
    /// #     const NAME: &'static str = "demo";
    /// #     type File = Box<u32>;
    /// #     type ControlLevel = Passive;
    /// #     fn init(_: &mut DriverObject<'_>, _: RegistryPath<'_>, _: &Irql<Passive>) -> Result<Self, NtStatus> {
    /// #         Ok(Self(Default::default()))
    /// #     }
    /// fn internal_device_control(&self, irp: Irp, _context: Option<&u32>, _irql: &mut Irql<Dispatch>) -> Completion {
    ///     irp.complete(NtStatus::NOT_SUPPORTED, 0) // at DISPATCH_LEVEL: nothing may wait here
    /// }
    /// # }
    /// ```
    fn internal_device_control(
        &self,
        irp: Irp,
        file: Option<&FileContext<Self>>,
        irql: &mut Irql<Dispatch>,
    ) -> Completion {
        let _ = (file, irql);
        irp.complete(NtStatus::INVALID_DEVICE_REQUEST, 0)
    }
}

/// Where the state of a loaded [`Driver`] lives: implemented by [`driver!`](crate::driver), with a
/// `static` cell of its own.
///
/// ```
/// # use rundown::irql::{Irql, Passive};
/// # use rundown_abi::NtStatus;
/// # use rundown_wdm::{Driver, DriverObject, RegistryPath};
/// use rundown_wdm::{DriverCell, Loadable};
///
/// struct Quiet;
/// # impl Driver for Quiet {
/// #     const NAME: &'static str = "quiet";
/// #     type File = ();
/// #     type ControlLevel = Passive;
/// #     fn init(_: &mut DriverObject<'_>, _: RegistryPath<'_>, _: &Irql<Passive>) -> Result<Self, NtStatus> { Ok(Self) }
/// # }
///
/// impl Loadable for Quiet {
///     fn cell() -> &'static DriverCell<Self> {
///         static CELL: DriverCell<Quiet> = DriverCell::new();
///         &CELL
///     }
/// }
/// ```
pub trait Loadable: Driver {
    /// The driver's one cell.
    ///
    /// ```
    /// use rundown_wdm::Loadable;
    ///
    /// # // Defined, never called: a sketch of what `driver!` builds on.
    /// fn is_loaded<D: Loadable>() -> bool {
    ///     core::ptr::eq(D::cell(), D::cell()) // one `static` per driver
    /// }
    /// ```
    fn cell() -> &'static DriverCell<Self>;
}

/// An IRQL a dispatch routine for DEVICE_CONTROL can be entered at: [`Passive`] or [`Dispatch`].
///
/// ```
/// use rundown::irql::{Dispatch, Passive};
/// use rundown_wdm::ControlLevel;
///
/// fn served_at<L: ControlLevel>() {}
/// served_at::<Passive>();
/// served_at::<Dispatch>();
/// ```
pub trait ControlLevel: Level + AtMost<Dispatch> + Sized {
    /// The token DEVICE_CONTROL's dispatch routine starts with, or `None` if the request came
    /// above this level (the dispatch routine then refuses it with
    /// `STATUS_INVALID_DEVICE_STATE`).
    ///
    /// # Safety
    /// Called at the start of the dispatch routine for IRP_MJ_DEVICE_CONTROL of a driver whose
    /// [`Driver::ControlLevel`] is `Self`.
    #[doc(hidden)]
    unsafe fn enter_device_control() -> Option<Irql<Self>>;
}

impl ControlLevel for Passive {
    /// Read, not assumed: user mode's requests reach a top-level driver at PASSIVE_LEVEL, but any
    /// kernel component may call `IoCallDriver` up to DISPATCH_LEVEL, and a PASSIVE token there
    /// would let the driver wait at DISPATCH_LEVEL.
    unsafe fn enter_device_control() -> Option<Irql<Self>> {
        Irql::check()
    }
}

impl ControlLevel for Dispatch {
    unsafe fn enter_device_control() -> Option<Irql<Self>> {
        // SAFETY: IoCallDriver runs dispatch routines at its caller's IRQL, at most
        // DISPATCH_LEVEL.
        Some(unsafe { Irql::dispatch_entered_at(DispatchEntryPoint::DeviceControl) })
    }
}
