//! Which requests count as sent from kernel mode: only those may get the peer interface.

/// How the driver decides that a request came from kernel mode.
///
/// Windows says it in the IRP: `Irp->RequestorMode`. Wine 8 marks every IRP `UserMode`, even
/// one a driver sends on a kernel handle, so the flavour that runs there also accepts a request
/// dispatched in the driver host's own process (a user-mode request is dispatched in its
/// caller's process, so this never admits one). That rule exists only with the `wine` feature,
/// which only the driver's `portable` flavour turns on: on Windows the same process is System,
/// where many kernel components' user-mode-on-behalf requests could run.
///
/// ```
/// use rundown_service::KernelCallers;
///
/// // A user-mode IRP dispatched in the driver's own process:
/// let kernel = KernelCallers::FLAVOUR.sent_from_kernel_mode(true, true);
/// assert_eq!(kernel, cfg!(feature = "wine"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelCallers {
    /// `Irp->RequestorMode == KernelMode`, nothing else: Windows.
    RequestorMode,
    /// `RequestorMode`, or a request dispatched in the driver host's own process: Wine.
    RequestorModeOrDriverProcess,
}

impl KernelCallers {
    /// The rule this build uses.
    #[cfg(not(feature = "wine"))]
    pub const FLAVOUR: Self = Self::RequestorMode;
    /// The rule this build uses (`wine` feature: the portable flavour, for Wine).
    #[cfg(feature = "wine")]
    pub const FLAVOUR: Self = Self::RequestorModeOrDriverProcess;

    /// Whether a request with this `RequestorMode`, dispatched in or outside the driver's own
    /// process, came from kernel mode.
    #[must_use]
    pub const fn sent_from_kernel_mode(self, requestor_user_mode: bool, in_driver_process: bool) -> bool {
        match self {
            Self::RequestorMode => !requestor_user_mode,
            Self::RequestorModeOrDriverProcess => !requestor_user_mode || in_driver_process,
        }
    }
}
