//! User-mode clients of the rundown driver's device: a [`Device`] with one typed call per
//! request of `rundown-abi`'s tables, over a [`Transport`].
//!
//! - [`Device`]: `query`, `acquire`, `release`, `read`, `write`, `rotate`, `stats`, `version`,
//!   the peer's `peer_start`, `peer_stop`, `peer_stats`, and [`Device::call`] for any request;
//!   failures are an [`Error`] that keeps the exact `NTSTATUS`;
//! - [`Transport`]: what a device needs from a handle (send a code, get back the status,
//!   `IoStatus.Information` and the output buffer);
//! - on Windows, `Handle`: `CreateFileW` and `NtDeviceIoControlFile`, synchronous or
//!   overlapped (`OpenOptions`);
//! - with the `service` feature (the default), [`LocalDriver`] and [`ServiceTransport`]: the
//!   driver's own request handling (`rundown-service`) in this process, which host tests of a
//!   client run against;
//! - [`Scripted`] and [`FakePeer`] for what the driver does not answer on a host;
//! - [`status`] and [`Win32Error`]: statuses and errors for people (on Windows with the system's
//!   texts, `FormatMessageW`, for values this crate does not name).
//!
//! ```
//! use rundown_abi::NtStatus;
//! use rundown_client::{Device, LocalDriver};
//!
//! let driver = LocalDriver::new();
//! let mut device = Device::new(driver.open());
//! device.write(b"hello").unwrap();
//! device.acquire(1).unwrap();
//! // A handle that holds protection may not rotate: it would wait for itself.
//! let err = device.rotate().unwrap_err();
//! assert_eq!(err.status(), Some(NtStatus::INVALID_DEVICE_STATE));
//! device.release(1).unwrap();
//! assert_eq!(device.rotate().unwrap().new_generation, 2);
//! assert_eq!(device.read().unwrap().data(), b"hello");
//! ```
//!
//! On Windows the same calls go to the driver:
//!
//! ```no_run
//! # #[cfg(windows)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut device = rundown_client::Device::open(rundown_abi::WIN32_PATH)?;
//! println!("{:?}", device.version()?);
//! # Ok(())
//! # }
//! # #[cfg(not(windows))]
//! # fn main() {}
//! ```

mod device;
#[cfg(feature = "service")]
mod service;
pub mod status;
#[cfg(windows)]
mod system;
mod testing;
mod transport;
pub mod win32;
#[cfg(windows)]
mod windows;

pub use device::{Device, Error, PEER_STOP_WAIT};
#[cfg(feature = "service")]
pub use rundown_service::PoolUsage;
#[cfg(feature = "service")]
pub use service::{LocalDriver, ServiceTransport};
pub use testing::{Call, FakePeer, Scripted};
pub use transport::{Completion, Finished, InFlight, Transport};
pub use win32::Win32Error;
#[cfg(windows)]
pub use windows::{Handle, OpenError, OpenOptions};
