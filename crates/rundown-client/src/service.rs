//! The driver's own request handling (`rundown-service`) in this process, as a [`Transport`]:
//! what host tests of a client run against instead of a hand-written fake.

use std::io;
use std::sync::{Arc, Mutex, TryLockError};

use rundown::irql::PassiveLevel;
use rundown_abi::{NtStatus, RotateReply};
use rundown_service::{HandleState, PoolUsage, Reply, Request, Rotator, Service};

use crate::transport::{Completion, Transport};

/// The driver in this process: its shared object, its [`Service`] (which answers every request
/// as the driver does) and the owner's [`Rotator`], which serves ROTATE as the driver's owner
/// thread does. Each [`open`](Self::open) is a handle on it.
///
/// A driver lives until the process exits (its object is leaked: a few hundred bytes), so that
/// handles are `'static` and can move to other threads, as a test's clients do.
///
/// ```
/// use rundown_client::{Device, LocalDriver};
///
/// let driver = LocalDriver::new();
/// let mut holder = Device::new(driver.open());
/// let mut other = Device::new(driver.open());
/// holder.acquire(2).unwrap();
/// assert_eq!(other.query().unwrap().holders, 2);
/// drop(holder); // CLEANUP and CLOSE release its holds
/// assert_eq!(other.rotate().unwrap().new_generation, 2);
/// ```
#[derive(Clone, Debug)]
pub struct LocalDriver {
    service: &'static Service<'static>,
    rotator: Arc<Mutex<Rotator<'static, 'static>>>,
}

impl Default for LocalDriver {
    fn default() -> Self {
        Self::new()
    }
}

impl LocalDriver {
    /// Generation 1, version 0, an empty payload, no holders; STATS reports no pool in use.
    ///
    /// ```
    /// let driver = rundown_client::LocalDriver::new();
    /// assert_eq!(driver.generation(), 1);
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::with_pool_usage(PoolUsage::default)
    }

    /// As [`new`](Self::new), with STATS' pool figures from `pool_usage` (the driver gives its
    /// allocator's): a test can make a leak to find.
    ///
    /// ```
    /// use rundown_client::{Device, LocalDriver, PoolUsage};
    ///
    /// let driver = LocalDriver::with_pool_usage(|| PoolUsage { bytes: 312, blocks: 1 });
    /// assert_eq!(Device::new(driver.open()).stats().unwrap().pool_blocks, 1);
    /// ```
    ///
    /// # Panics
    ///
    /// If the calling thread does not run at `PASSIVE_LEVEL` (a host thread always does).
    #[must_use]
    pub fn with_pool_usage(pool_usage: fn() -> PoolUsage) -> Self {
        let irql = PassiveLevel::check().expect("host threads run at PASSIVE_LEVEL");
        let object = rundown_service::shared_object(&irql).expect("the shared object's protection");
        let object = Box::leak(Box::new(object));
        let service: &'static Service<'static> = Box::leak(Box::new(Service::new(object, pool_usage)));
        let rotator = Rotator::new(service).expect("a new object's owner is unclaimed");
        Self { service, rotator: Arc::new(Mutex::new(rotator)) }
    }

    /// A new handle (`IRP_MJ_CREATE`).
    ///
    /// ```
    /// use rundown_client::{Device, LocalDriver};
    /// let mut device = Device::new(LocalDriver::new().open());
    /// assert_eq!(device.query().unwrap().handle_holds, 0);
    /// ```
    #[must_use]
    pub fn open(&self) -> ServiceTransport {
        ServiceTransport { driver: self.clone(), handle: Some(self.service.open_handle()) }
    }

    /// The service itself, for what a test checks beside the requests (its invariants).
    ///
    /// ```
    /// let driver = rundown_client::LocalDriver::new();
    /// assert_eq!(driver.service().violations(), 0);
    /// ```
    #[must_use]
    pub fn service(&self) -> &'static Service<'static> {
        self.service
    }

    /// The current generation number.
    ///
    /// ```
    /// use rundown_client::{Device, LocalDriver};
    /// let driver = LocalDriver::new();
    /// Device::new(driver.open()).rotate().unwrap();
    /// assert_eq!(driver.generation(), 2);
    /// ```
    #[must_use]
    pub fn generation(&self) -> u64 {
        self.service.generation()
    }

    /// A request of `handle`, as the driver's dispatch routine serves it: [`Service::control`],
    /// and for a ROTATE it accepted, the rotation (`STATUS_DEVICE_BUSY` while another runs).
    fn serve(&self, handle: &HandleState<'static, 'static>, code: u32, input: &[u8], output_len: usize) -> Completion {
        let mut irql = PassiveLevel::check().expect("host threads run at PASSIVE_LEVEL");
        let request = Request { code, input, output_len, from_user_mode: true };
        let reply = match self.service.control(handle, &request, &mut irql) {
            Ok(Reply::RotateQueued) => match self.rotator.try_lock() {
                Ok(mut rotator) => Ok(rotator.rotate(&irql)),
                Err(TryLockError::WouldBlock) => return Completion::failed(NtStatus::DEVICE_BUSY, output_len),
                Err(TryLockError::Poisoned(_)) => panic!("a rotation panicked"),
            },
            // Only kernel-mode callers get the interface.
            Ok(Reply::InterfaceRequested) => return Completion::failed(NtStatus::ACCESS_DENIED, output_len),
            Ok(reply) => Err(reply),
            Err(status) => return Completion::failed(status, output_len),
        };
        let mut output = vec![0; output_len];
        let written = match reply {
            Ok(rotated) => encode(&rotated, &mut output),
            Err(reply) => reply.write_to(&mut output),
        };
        match written {
            Some(information) => Completion { status: NtStatus::SUCCESS, information, output },
            None => Completion::failed(NtStatus::BUFFER_TOO_SMALL, output_len),
        }
    }
}

fn encode(reply: &RotateReply, out: &mut [u8]) -> Option<usize> {
    let bytes = reply.to_bytes();
    out.get_mut(..bytes.len())?.copy_from_slice(&bytes);
    Some(bytes.len())
}

/// One handle on a [`LocalDriver`]: a [`Transport`] whose requests the driver's own request
/// handling answers. Dropping it is the handle's CLEANUP and CLOSE: its holds end.
///
/// `&ServiceTransport` is a transport too, for threads sharing one handle.
///
/// ```
/// use rundown_abi::NtStatus;
/// use rundown_client::{Device, LocalDriver};
///
/// let mut device = Device::new(LocalDriver::new().open());
/// device.acquire(1).unwrap();
/// // A handle that holds protection may not rotate: it would wait for itself.
/// assert_eq!(device.rotate().unwrap_err().status(), Some(NtStatus::INVALID_DEVICE_STATE));
/// ```
#[derive(Debug)]
pub struct ServiceTransport {
    driver: LocalDriver,
    /// `None` once closed.
    handle: Option<HandleState<'static, 'static>>,
}

impl ServiceTransport {
    /// The driver this handle is open on.
    ///
    /// ```
    /// let handle = rundown_client::LocalDriver::new().open();
    /// assert_eq!(handle.driver().generation(), 1);
    /// ```
    #[must_use]
    pub fn driver(&self) -> &LocalDriver {
        &self.driver
    }

    /// Sends `code` on this handle (see [`Transport::control`]); callable from several threads
    /// at once.
    ///
    /// ```
    /// use rundown_abi::Ioctl;
    /// let handle = rundown_client::LocalDriver::new().open();
    /// assert!(handle.request(Ioctl::Stats.code(), &[], 56).unwrap().status.is_success());
    /// ```
    ///
    /// # Errors
    ///
    /// The handle was closed ([`Transport::close`]).
    pub fn request(&self, code: u32, input: &[u8], output_len: usize) -> io::Result<Completion> {
        let handle = self.handle.as_ref().ok_or_else(|| io::Error::other("the handle is closed"))?;
        Ok(self.driver.serve(handle, code, input, output_len))
    }
}

impl Transport for ServiceTransport {
    fn control(&mut self, code: u32, input: &[u8], output_len: usize) -> io::Result<Completion> {
        self.request(code, input, output_len)
    }

    fn close(&mut self) -> io::Result<()> {
        let handle = self.handle.take().ok_or_else(|| io::Error::other("the handle is closed"))?;
        cleanup(&handle);
        Ok(())
    }
}

/// Threads sharing one handle: each holds a `&ServiceTransport`.
impl Transport for &ServiceTransport {
    fn control(&mut self, code: u32, input: &[u8], output_len: usize) -> io::Result<Completion> {
        self.request(code, input, output_len)
    }
}

impl Drop for ServiceTransport {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            cleanup(&handle);
        }
    }
}

/// `IRP_MJ_CLEANUP`: the handle's holds end.
fn cleanup(handle: &HandleState<'static, 'static>) {
    let irql = PassiveLevel::check().expect("host threads run at PASSIVE_LEVEL");
    let _released = handle.cleanup(&irql);
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use rundown_abi::Ioctl;

    use super::*;
    use crate::Device;

    #[test]
    fn a_rotation_waits_for_another_handles_hold() {
        let driver = LocalDriver::new();
        let mut holder = Device::new(driver.open());
        holder.acquire(1).unwrap();
        let rotating = std::thread::spawn({
            let driver = driver.clone();
            move || Device::new(driver.open()).rotate().unwrap()
        });
        let mut other = Device::new(driver.open());
        while other.query().unwrap().state != rundown_abi::ObjectState::RunningDown as u32 {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(other.rotate().unwrap_err().status(), Some(NtStatus::DEVICE_BUSY));
        assert_eq!(other.acquire(1).unwrap_err().status(), Some(NtStatus::DELETE_PENDING));
        holder.release(1).unwrap();
        let rotated = rotating.join().unwrap();
        assert_eq!((rotated.new_generation, rotated.waited_for_holders), (2, 1));
        assert_eq!(driver.service().violations(), 0);
    }

    #[test]
    fn the_abi_checks_run_first() {
        let mut device = Device::new(LocalDriver::new().open());
        let done = device.control(Ioctl::Query.code(), &[0], 32).unwrap();
        assert_eq!(done.status, NtStatus::INFO_LENGTH_MISMATCH);
        let done = device.control(Ioctl::GetInterface.code(), &[], 0).unwrap();
        assert_eq!(done.status, NtStatus::ACCESS_DENIED);
        let done = device.control(0x0022_0000, &[], 0).unwrap();
        assert_eq!((done.status, done.information), (NtStatus::INVALID_DEVICE_REQUEST, 0));
    }

    #[test]
    fn closing_ends_the_holds_and_the_handle() {
        let driver = LocalDriver::new();
        let mut device = Device::new(driver.open());
        device.acquire(3).unwrap();
        device.transport_mut().close().unwrap();
        assert_eq!(device.query().unwrap_err().to_string(), "the handle is closed");
        assert_eq!(Device::new(driver.open()).query().unwrap().holders, 0);
    }
}
