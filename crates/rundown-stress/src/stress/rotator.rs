//! The stress run's rotator: ROTATE on the parent's own handle (which holds no protection), a
//! pause, again, until time is up.

use std::time::{Duration, Instant};

use rundown_abi::NtStatus;
use rundown_client::{Device, Transport};

use super::report::{RotatorCounts, Tally};

/// The rotator's counts and timings.
#[derive(Clone, Debug, Default)]
pub struct Rotator {
    /// Successes, busy answers and faults.
    pub counts: RotatorCounts,
    /// The faults, for the detail line.
    pub tally: Tally,
    /// Rotations that had to wait for holders.
    pub waited: u64,
    /// The longest ROTATE (the wait for holders included).
    pub longest: Duration,
    attempts: u64,
}

impl Rotator {
    /// One ROTATE: a success must advance the generation by exactly 1; `STATUS_DEVICE_BUSY` is
    /// not a fault; anything else is.
    pub fn rotate<T: Transport + ?Sized>(&mut self, device: &mut Device<T>) {
        let at = self.attempts;
        self.attempts += 1;
        let started = Instant::now();
        let result = device.rotate();
        self.longest = self.longest.max(started.elapsed());
        match result {
            Ok(reply) => {
                self.counts.rotations += 1;
                if reply.waited_for_holders > 0 {
                    self.waited += 1;
                }
                if reply.old_generation.checked_add(1) != Some(reply.new_generation) {
                    self.counts.faults += 1;
                    let example = || format!("{} -> {}", reply.old_generation, reply.new_generation);
                    self.tally.note("rotate: the new generation is not the old plus 1", at, example);
                }
            }
            Err(err) if err.status() == Some(NtStatus::DEVICE_BUSY) => self.counts.busy += 1,
            Err(err) => {
                self.counts.faults += 1;
                self.tally.note(&format!("rotate: {}", err.describe()), at, String::new);
            }
        }
    }

    /// The detail line: `rotator: rotations=N busy=N faults=N waited_for_holders=N longest_ms=T`,
    /// then the faults if there were any.
    #[must_use]
    pub fn line(&self) -> String {
        let mut line = format!(
            "rotator: rotations={} busy={} faults={} waited_for_holders={} longest_ms={:.3}",
            self.counts.rotations,
            self.counts.busy,
            self.counts.faults,
            self.waited,
            self.longest.as_secs_f64() * 1000.0
        );
        if !self.tally.is_empty() {
            line = format!("{line} ({})", self.tally);
        }
        line
    }
}

/// ROTATEs on `device`, `every` apart, until `duration` has passed.
#[must_use]
pub fn run<T: Transport + ?Sized>(device: &mut Device<T>, every: Duration, duration: Duration) -> Rotator {
    let mut rotator = Rotator::default();
    let started = Instant::now();
    while started.elapsed() < duration {
        rotator.rotate(device);
        let left = duration.saturating_sub(started.elapsed());
        std::thread::sleep(every.min(left));
    }
    rotator
}

#[cfg(test)]
mod tests {
    use rundown_abi::{Ioctl, RotateReply};
    use rundown_client::{Completion, LocalDriver, Scripted};

    use super::*;

    #[test]
    fn counts_rotations_busy_answers_and_faults() {
        let mut dev = Device::new(Scripted::new(LocalDriver::new().open()));
        let mut rotator = Rotator::default();
        rotator.rotate(&mut dev);
        dev.transport_mut().fail(Ioctl::Rotate.code(), NtStatus::DEVICE_BUSY);
        rotator.rotate(&mut dev);
        dev.transport_mut().fail(Ioctl::Rotate.code(), NtStatus::INSUFFICIENT_RESOURCES);
        rotator.rotate(&mut dev);
        let skipped = RotateReply { old_generation: 2, new_generation: 4, waited_for_holders: 1 };
        dev.transport_mut().answer(Ioctl::Rotate.code(), Completion::succeeded(&skipped.to_bytes(), 24));
        rotator.rotate(&mut dev);
        assert_eq!(rotator.counts, RotatorCounts { rotations: 2, busy: 1, faults: 2 });
        assert_eq!(rotator.waited, 1);
        let line = rotator.line();
        assert!(line.starts_with("rotator: rotations=2 busy=1 faults=2 waited_for_holders=1 longest_ms="), "{line}");
        assert!(
            line.ends_with(
                " (rotate: STATUS_INSUFFICIENT_RESOURCES (0xC000009A) x1 (first at iteration 2); \
                 rotate: the new generation is not the old plus 1 x1 (first at iteration 3: 2 -> 4))"
            ),
            "{line}"
        );
    }

    #[test]
    fn rotates_until_time_is_up() {
        let mut dev = Device::new(LocalDriver::new().open());
        let started = Instant::now();
        let rotator = run(&mut dev, Duration::from_millis(5), Duration::from_millis(40));
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(40) && took < Duration::from_secs(5), "{took:?}");
        assert!((2..=9).contains(&rotator.counts.rotations), "{:?}", rotator.counts);
        assert_eq!(rotator.counts.faults, 0);
        assert_eq!(dev.query().unwrap().generation, 1 + rotator.counts.rotations);
    }
}
