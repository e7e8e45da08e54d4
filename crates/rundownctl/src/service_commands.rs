//! `install`, `start`, `stop` and `uninstall`: each returns what it did.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, Result};
use rundown_client::win32;
use windows_service::service::ServiceAccess;

use crate::output::ServiceDone;
use crate::scm::{self, Service};
use crate::service::{self, POLL, ServiceState};

fn done(name: &str, message: String) -> ServiceDone {
    ServiceDone { service: name.to_owned(), message }
}

/// Creates the kernel-driver service `name` for the image `sys`.
///
/// # Errors
///
/// The service control manager refused (the service exists: Win32 error 1073).
pub fn install(name: &str, sys: &Path, group: Option<&str>) -> Result<ServiceDone> {
    let path = service::image_path(sys);
    scm::create_kernel_driver(name, path.as_os_str(), group)
        .with_context(|| format!("cannot install service {name}"))?;
    let group = group.map(|g| format!(", group {g}")).unwrap_or_default();
    let message =
        format!("rundownctl: service {name} installed (kernel driver, demand start{group}): {}", path.display());
    Ok(done(name, message))
}

/// Starts `name` and waits until it runs.
///
/// # Errors
///
/// The service does not exist, could not start (Wine: Win32 error 1114 for a missing or
/// unloadable image), stopped while starting, or did not run within `timeout`.
pub fn start(name: &str, timeout: Duration) -> Result<ServiceDone> {
    let cannot = || format!("cannot start service {name}");
    let service = scm::open(name, ServiceAccess::START | ServiceAccess::QUERY_STATUS).with_context(cannot)?;
    service.start().with_context(cannot)?;
    service::wait_for(ServiceState::Running, timeout, POLL, || service.status())
        .with_context(|| format!("service {name} did not start"))?;
    Ok(done(name, format!("rundownctl: service {name} started")))
}

/// Stops `name` and waits until it has stopped.
///
/// # Errors
///
/// The service does not exist, is not running (Win32 error 1062), or did not stop within
/// `timeout`.
pub fn stop(name: &str, timeout: Duration) -> Result<ServiceDone> {
    let cannot = || format!("cannot stop service {name}");
    let service = scm::open(name, ServiceAccess::STOP | ServiceAccess::QUERY_STATUS).with_context(cannot)?;
    service.stop().with_context(cannot)?;
    wait_stopped(name, &service, timeout)?;
    Ok(done(name, format!("rundownctl: service {name} stopped")))
}

/// Stops `name` if it is not stopped, then deletes it.
///
/// # Errors
///
/// The service does not exist (Win32 error 1060), did not stop within `timeout`, or could
/// not be deleted.
pub fn uninstall(name: &str, timeout: Duration) -> Result<ServiceDone> {
    let cannot = || format!("cannot uninstall service {name}");
    let access = ServiceAccess::STOP | ServiceAccess::QUERY_STATUS | ServiceAccess::DELETE;
    let service = scm::open(name, access).with_context(cannot)?;
    let state = service.status().with_context(cannot)?.state;
    let stopped_it = state != ServiceState::Stopped;
    if stopped_it {
        if state != ServiceState::StopPending {
            match service.stop() {
                // It stopped by itself in between.
                Err(err) if err.win32() == Some(win32::SERVICE_NOT_ACTIVE) => {}
                other => {
                    other.with_context(cannot)?;
                }
            }
        }
        wait_stopped(name, &service, timeout)?;
    }
    service.delete().with_context(cannot)?;
    let how = if stopped_it { "stopped and uninstalled" } else { "uninstalled" };
    Ok(done(name, format!("rundownctl: service {name} {how}")))
}

fn wait_stopped(name: &str, service: &Service, timeout: Duration) -> Result<()> {
    service::wait_for(ServiceState::Stopped, timeout, POLL, || service.status())
        .with_context(|| format!("service {name} did not stop"))
}
