//! The service control manager: the `windows-service` crate's calls, and `CreateServiceW` for
//! `install`.

use std::ffi::OsStr;
use std::os::windows::ffi::OsStrExt as _;
use std::ptr::{null, null_mut};

use rundown_client::Win32Error;
use windows_service::service::{ServiceAccess, ServiceExitCode};
use windows_service::service_manager::{ServiceManager, ServiceManagerAccess};
use windows_sys::Win32::System::Services::{
    CloseServiceHandle, CreateServiceW, OpenSCManagerW, SC_MANAGER_CONNECT, SC_MANAGER_CREATE_SERVICE,
    SERVICE_ALL_ACCESS, SERVICE_DEMAND_START, SERVICE_ERROR_NORMAL, SERVICE_KERNEL_DRIVER,
};

use crate::service::{ServiceState, ServiceStatus};

/// Why a service control manager call failed: the Win32 error when it has one.
#[derive(Debug, thiserror::Error)]
pub enum ScmError {
    /// The call's Win32 error.
    #[error(transparent)]
    Win32(#[from] Win32Error),
    /// Anything else `windows-service` refuses (a NUL in a name, a state it does not know).
    #[error("{0}")]
    Other(String),
}

impl ScmError {
    /// The Win32 error, if the call failed with one.
    #[must_use]
    pub fn win32(&self) -> Option<Win32Error> {
        match self {
            Self::Win32(code) => Some(*code),
            Self::Other(_) => None,
        }
    }
}

impl From<windows_service::Error> for ScmError {
    fn from(err: windows_service::Error) -> Self {
        match &err {
            windows_service::Error::Winapi(io) => {
                Win32Error::of(io).map_or_else(|| Self::Other(io.to_string()), Self::Win32)
            }
            _ => Self::Other(err.to_string()),
        }
    }
}

/// Opens service `name` of the local service control manager with `access`.
///
/// # Errors
///
/// The manager or the service could not be opened (1060: no such service).
pub fn open(name: &str, access: ServiceAccess) -> Result<Service, ScmError> {
    let manager = ServiceManager::local_computer(None::<&str>, ServiceManagerAccess::CONNECT)?;
    Ok(Service(manager.open_service(name, access)?))
}

/// Creates the kernel-driver service `name` started on demand, as `sc create NAME type= kernel
/// start= demand binPath= PATH [group= GROUP]`: display name = name, error control normal.
///
/// `windows-service` creates kernel drivers too, but its `create_service` always passes a null
/// load-order group (`ServiceInfo` has no field for it), and in Wine only drivers of one group
/// share a winedevice.exe and can call each other: the peer driver must be in the owner's group.
/// So this one call stays on `CreateServiceW`.
///
/// # Errors
///
/// The call's Win32 error (1073 if the service exists).
pub fn create_kernel_driver(name: &str, bin_path: &OsStr, group: Option<&str>) -> Result<(), Win32Error> {
    let wide = |text: &OsStr| text.encode_wide().chain(std::iter::once(0)).collect::<Vec<u16>>();
    let name_w = wide(OsStr::new(name));
    let path_w = wide(bin_path);
    let group_w = group.map(|group| wide(OsStr::new(group)));
    let group_ptr = group_w.as_ref().map_or(null(), |g| g.as_ptr());
    // SAFETY: null machine and database names mean the local, active database.
    let manager = unsafe { OpenSCManagerW(null(), null(), SC_MANAGER_CONNECT | SC_MANAGER_CREATE_SERVICE) };
    if manager.is_null() {
        return Err(Win32Error::last());
    }
    // SAFETY: the manager handle is open; every string is NUL-terminated and outlives the call;
    // the optional arguments are null.
    let service = unsafe {
        CreateServiceW(
            manager,
            name_w.as_ptr(),
            name_w.as_ptr(),
            SERVICE_ALL_ACCESS,
            SERVICE_KERNEL_DRIVER,
            SERVICE_DEMAND_START,
            SERVICE_ERROR_NORMAL,
            path_w.as_ptr(),
            group_ptr,
            null_mut(),
            null(),
            null(),
            null(),
        )
    };
    let created = if service.is_null() {
        Err(Win32Error::last())
    } else {
        // SAFETY: the service handle is open and not used again.
        unsafe { CloseServiceHandle(service) };
        Ok(())
    };
    // SAFETY: the manager handle is open and not used again.
    unsafe { CloseServiceHandle(manager) };
    created
}

/// One open service.
pub struct Service(windows_service::service::Service);

impl Service {
    /// `StartServiceW` with no arguments (needs `SERVICE_START`).
    ///
    /// # Errors
    ///
    /// The call's Win32 error (Windows: 2 for a missing image; Wine: 1114).
    pub fn start(&self) -> Result<(), ScmError> {
        Ok(self.0.start::<&OsStr>(&[])?)
    }

    /// `ControlService(SERVICE_CONTROL_STOP)` (needs `SERVICE_STOP`): the status it returned.
    ///
    /// # Errors
    ///
    /// The call's Win32 error (1062 if the service is not running).
    pub fn stop(&self) -> Result<ServiceStatus, ScmError> {
        Ok(convert(&self.0.stop()?))
    }

    /// The service's status (needs `SERVICE_QUERY_STATUS`).
    ///
    /// # Errors
    ///
    /// The call's Win32 error.
    pub fn status(&self) -> Result<ServiceStatus, ScmError> {
        Ok(convert(&self.0.query_status()?))
    }

    /// `DeleteService` (needs `DELETE`): the service goes once every handle on it is closed.
    ///
    /// # Errors
    ///
    /// The call's Win32 error (1072 if already marked for deletion).
    pub fn delete(&self) -> Result<(), ScmError> {
        Ok(self.0.delete()?)
    }
}

fn convert(status: &windows_service::service::ServiceStatus) -> ServiceStatus {
    use windows_service::service::ServiceState as S;
    let state = match status.current_state {
        S::Stopped => ServiceState::Stopped,
        S::StartPending => ServiceState::StartPending,
        S::StopPending => ServiceState::StopPending,
        S::Running => ServiceState::Running,
        S::ContinuePending => ServiceState::ContinuePending,
        S::PausePending => ServiceState::PausePending,
        S::Paused => ServiceState::Paused,
    };
    let win32_exit_code = match status.exit_code {
        ServiceExitCode::Win32(code) => code,
        ServiceExitCode::ServiceSpecific(_) => 0,
    };
    ServiceStatus { state, win32_exit_code }
}
