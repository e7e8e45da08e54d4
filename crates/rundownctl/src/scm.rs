//! The service control manager's calls, each a method on an owned handle.

use std::ffi::OsStr;
use std::ptr::{null, null_mut};

use windows_sys::Win32::System::Services::{
    CloseServiceHandle, ControlService, CreateServiceW, DeleteService, OpenSCManagerW, OpenServiceW,
    QueryServiceStatus, SC_HANDLE, SERVICE_CONTROL_STOP, SERVICE_DEMAND_START, SERVICE_ERROR_NORMAL,
    SERVICE_KERNEL_DRIVER, SERVICE_STATUS, StartServiceW,
};

pub use windows_sys::Win32::Storage::FileSystem::DELETE;
pub use windows_sys::Win32::System::Services::{
    SC_MANAGER_CONNECT, SC_MANAGER_CREATE_SERVICE, SERVICE_ALL_ACCESS, SERVICE_QUERY_STATUS, SERVICE_START,
    SERVICE_STOP,
};

use crate::service::{ServiceState, ServiceStatus};
use crate::wide;
use crate::win32_error::Win32Error;

/// An open `SC_HANDLE`, closed on drop.
#[derive(Debug)]
struct ScHandle(SC_HANDLE);

impl ScHandle {
    /// Takes ownership of what an open or create call returned; null is its failure.
    fn new(handle: SC_HANDLE) -> Result<Self, Win32Error> {
        if handle.is_null() { Err(Win32Error::last()) } else { Ok(Self(handle)) }
    }
}

impl Drop for ScHandle {
    fn drop(&mut self) {
        // SAFETY: the handle is open and owned by `self`; it is not used again.
        unsafe { CloseServiceHandle(self.0) };
    }
}

/// Turns a `BOOL` result into `GetLastError` on failure.
fn check(ok: windows_sys::core::BOOL) -> Result<(), Win32Error> {
    if ok == 0 { Err(Win32Error::last()) } else { Ok(()) }
}

/// The local service control manager.
#[derive(Debug)]
pub struct Manager(ScHandle);

impl Manager {
    /// `OpenSCManagerW(NULL, NULL, access)`.
    ///
    /// # Errors
    ///
    /// The call's Win32 error.
    pub fn connect(access: u32) -> Result<Self, Win32Error> {
        // SAFETY: null machine and database names mean the local, active database.
        let handle = unsafe { OpenSCManagerW(null(), null(), access) };
        ScHandle::new(handle).map(Self)
    }

    /// `CreateServiceW` for a kernel driver started on demand, as `sc create NAME type= kernel
    /// start= demand binPath= PATH [group= GROUP]`: display name = name, error control normal,
    /// no tag, dependencies or account.
    ///
    /// # Errors
    ///
    /// The call's Win32 error (1073 if the service exists).
    pub fn create_kernel_driver(
        &self,
        name: &str,
        bin_path: &OsStr,
        group: Option<&str>,
    ) -> Result<Service, Win32Error> {
        let name_w = wide::nul_terminated(name);
        let path_w = wide::nul_terminated(bin_path);
        let group_w = group.map(wide::nul_terminated);
        let group_ptr = group_w.as_ref().map_or(null(), |g| g.as_ptr());
        // SAFETY: the manager handle is open; every string is NUL-terminated and outlives the
        // call; the optional arguments are null.
        let handle = unsafe {
            CreateServiceW(
                self.0.0,
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
        ScHandle::new(handle).map(Service)
    }

    /// `OpenServiceW(name, access)`.
    ///
    /// # Errors
    ///
    /// The call's Win32 error (1060 if there is no such service).
    pub fn open(&self, name: &str, access: u32) -> Result<Service, Win32Error> {
        let name_w = wide::nul_terminated(name);
        // SAFETY: the manager handle is open; the name is NUL-terminated and outlives the call.
        let handle = unsafe { OpenServiceW(self.0.0, name_w.as_ptr(), access) };
        ScHandle::new(handle).map(Service)
    }
}

/// One service.
#[derive(Debug)]
pub struct Service(ScHandle);

impl Service {
    /// `StartServiceW` with no arguments (needs `SERVICE_START`).
    ///
    /// # Errors
    ///
    /// The call's Win32 error (Windows: 2 for a missing image; Wine: 1114).
    pub fn start(&self) -> Result<(), Win32Error> {
        // SAFETY: the service handle is open; no argument vector.
        check(unsafe { StartServiceW(self.0.0, 0, null()) })
    }

    /// `ControlService(SERVICE_CONTROL_STOP)` (needs `SERVICE_STOP`): the status it returned.
    ///
    /// # Errors
    ///
    /// The call's Win32 error (1062 if the service is not running).
    pub fn stop(&self) -> Result<ServiceStatus, Win32Error> {
        let mut status = zeroed_status();
        // SAFETY: the service handle is open; `status` is a writable SERVICE_STATUS.
        check(unsafe { ControlService(self.0.0, SERVICE_CONTROL_STOP, &raw mut status) })?;
        Ok(convert(&status))
    }

    /// `QueryServiceStatus` (needs `SERVICE_QUERY_STATUS`).
    ///
    /// # Errors
    ///
    /// The call's Win32 error.
    pub fn status(&self) -> Result<ServiceStatus, Win32Error> {
        let mut status = zeroed_status();
        // SAFETY: the service handle is open; `status` is a writable SERVICE_STATUS.
        check(unsafe { QueryServiceStatus(self.0.0, &raw mut status) })?;
        Ok(convert(&status))
    }

    /// `DeleteService` (needs `DELETE`): the service goes once every handle on it is closed.
    ///
    /// # Errors
    ///
    /// The call's Win32 error (1072 if already marked for deletion).
    pub fn delete(&self) -> Result<(), Win32Error> {
        // SAFETY: the service handle is open.
        check(unsafe { DeleteService(self.0.0) })
    }
}

fn zeroed_status() -> SERVICE_STATUS {
    SERVICE_STATUS {
        dwServiceType: 0,
        dwCurrentState: 0,
        dwControlsAccepted: 0,
        dwWin32ExitCode: 0,
        dwServiceSpecificExitCode: 0,
        dwCheckPoint: 0,
        dwWaitHint: 0,
    }
}

fn convert(status: &SERVICE_STATUS) -> ServiceStatus {
    ServiceStatus { state: ServiceState::from_raw(status.dwCurrentState), win32_exit_code: status.dwWin32ExitCode }
}
