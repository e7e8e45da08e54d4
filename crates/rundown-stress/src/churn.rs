//! `churn`: several threads on one handle, each looping ACQUIRE 1, READ, WRITE (every 4th
//! iteration), RELEASE 1 until time is up.
//!
//! On an overlapped handle (`--overlapped`) the I/O manager does not serialize these requests,
//! so several are in the driver at once, and a process killed meanwhile has its handle's
//! CLEANUP race them. The handle's holds are shared by the threads, so after an ACQUIRE they
//! are between 1 and T and after a RELEASE below T; anything else, and any failure but
//! `STATUS_DELETE_PENDING` on ACQUIRE (counted as `refused`), is a fault.

use std::time::{Duration, Instant};

use rundown_abi::NtStatus;
use rundown_client::{Device, Transport};

use crate::stress::client::payload;

/// How long a thread waits after a refused ACQUIRE.
const RETRY_PAUSE: Duration = Duration::from_millis(1);

/// Faults quoted in full; the rest are only counted.
const QUOTED_FAULTS: usize = 5;

/// What the threads did, summed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Churned {
    /// Threads.
    pub threads: u32,
    /// Iterations started.
    pub iterations: u64,
    /// Iterations that ended with a successful RELEASE.
    pub released: u64,
    /// ACQUIREs answered `STATUS_DELETE_PENDING`.
    pub refused: u64,
    /// Protections kept at the end (`--end-holding`).
    pub left_held: u64,
    /// The most holds an ACQUIRE reported for the handle: above 1, the threads' requests
    /// interleaved on it.
    pub max_handle_holds: u32,
    /// Unexpected answers.
    pub faults: u64,
    /// The first few unexpected answers.
    pub quoted: Vec<String>,
}

impl Churned {
    /// `ok churn threads= iterations= released= refused= left_held= faults=`.
    #[must_use]
    pub fn line(&self) -> String {
        format!(
            "ok churn threads={} iterations={} released={} refused={} left_held={} max_handle_holds={} faults={}",
            self.threads,
            self.iterations,
            self.released,
            self.refused,
            self.left_held,
            self.max_handle_holds,
            self.faults
        )
    }

    fn fault(&mut self, what: String) {
        self.faults += 1;
        if self.quoted.len() < QUOTED_FAULTS {
            self.quoted.push(what);
        }
    }

    fn add(&mut self, other: Self) {
        self.iterations += other.iterations;
        self.released += other.released;
        self.refused += other.refused;
        self.left_held += other.left_held;
        self.max_handle_holds = self.max_handle_holds.max(other.max_handle_holds);
        self.faults += other.faults;
        for what in other.quoted {
            if self.quoted.len() < QUOTED_FAULTS {
                self.quoted.push(what);
            }
        }
    }
}

/// One thread's loop on its transport (all of them the same handle).
fn thread_loop<T: Transport>(
    device: &mut Device<T>,
    id: u32,
    threads: u32,
    duration: Duration,
    end_holding: bool,
) -> Churned {
    let mut counts = Churned::default();
    let started = Instant::now();
    let holds_range = 1..=threads;
    while started.elapsed() < duration {
        let at = counts.iterations;
        counts.iterations += 1;
        match device.acquire(1) {
            Ok(reply) if holds_range.contains(&reply.handle_holds) => {
                counts.max_handle_holds = counts.max_handle_holds.max(reply.handle_holds);
            }
            Ok(reply) => counts.fault(format!("thread {id}: acquire left the handle holding {}", reply.handle_holds)),
            Err(err) if err.status() == Some(NtStatus::DELETE_PENDING) => {
                counts.refused += 1;
                std::thread::sleep(RETRY_PAUSE);
                continue;
            }
            Err(err) => {
                counts.fault(format!("thread {id}: acquire: {}", err.describe()));
                std::thread::sleep(RETRY_PAUSE);
                continue;
            }
        }
        if let Err(err) = device.read() {
            counts.fault(format!("thread {id}: read: {}", err.describe()));
        }
        if at.is_multiple_of(4)
            && let Err(err) = device.write(&payload(id, at))
        {
            counts.fault(format!("thread {id}: write: {}", err.describe()));
        }
        match device.release(1) {
            Ok(reply) if reply.handle_holds < threads => counts.released += 1,
            Ok(reply) => counts.fault(format!("thread {id}: release left the handle holding {}", reply.handle_holds)),
            Err(err) => counts.fault(format!("thread {id}: release: {}", err.describe())),
        }
    }
    if end_holding {
        match device.acquire(1) {
            Ok(_) => counts.left_held += 1,
            Err(err) => counts.fault(format!("thread {id}: the last acquire: {}", err.describe())),
        }
    }
    counts
}

/// Runs one thread per device (each a view of the same handle: `Device<&Handle>`) for
/// `duration`.
///
/// # Panics
///
/// If a thread panicked.
#[must_use]
pub fn run<T: Transport + Send>(devices: Vec<Device<T>>, duration: Duration, end_holding: bool) -> Churned {
    let threads = u32::try_from(devices.len()).unwrap_or(u32::MAX);
    let mut total = Churned { threads, ..Churned::default() };
    std::thread::scope(|scope| {
        let workers: Vec<_> = devices
            .into_iter()
            .zip(0..)
            .map(|(mut device, id)| scope.spawn(move || thread_loop(&mut device, id, threads, duration, end_holding)))
            .collect();
        for worker in workers {
            total.add(worker.join().expect("a churn thread panicked"));
        }
    });
    total
}

#[cfg(test)]
mod tests {
    use rundown_abi::Ioctl;
    use rundown_client::{LocalDriver, Scripted};

    use super::*;

    #[test]
    fn threads_share_the_handle_and_sum_up() {
        let driver = LocalDriver::new();
        let handle = driver.open();
        let devices = vec![Device::new(&handle), Device::new(&handle)];
        let churned = run(devices, Duration::from_millis(20), true);
        assert_eq!(churned.threads, 2);
        assert!(churned.iterations > 0 && churned.released == churned.iterations, "{churned:?}");
        assert_eq!((churned.left_held, churned.faults, churned.refused), (2, 0, 0), "{churned:?}");
        assert!((1..=2).contains(&churned.max_handle_holds), "{churned:?}");
        assert!(churned.line().starts_with("ok churn threads=2 iterations="));
        assert_eq!(Device::new(&handle).query().unwrap().handle_holds, 2);
        drop(handle);
        assert_eq!(Device::new(driver.open()).query().unwrap().holders, 0, "the handle's cleanup released them");
    }

    #[test]
    fn failures_are_faults_and_delete_pending_is_refused() {
        let mut scripted = Scripted::new(LocalDriver::new().open());
        scripted.fail(Ioctl::Acquire.code(), NtStatus::DELETE_PENDING);
        scripted.fail(Ioctl::Read.code(), NtStatus::FILE_CLOSED);
        let churned = run(vec![Device::new(scripted)], Duration::from_millis(10), false);
        assert_eq!(churned.refused, 1);
        assert_eq!(churned.faults, 1);
        assert_eq!(churned.quoted, ["thread 0: read: STATUS_FILE_CLOSED (0xC0000128)"]);
    }
}
