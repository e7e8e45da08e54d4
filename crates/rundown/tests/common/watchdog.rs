//! Turns a hang (a wait that never returns) into a failure: aborts the test process, naming the
//! last step, once no step was taken for [`LIMIT`]. Not synchronization: tests that pass
//! never meet it.
//!
//! Shared by the test files that wait on real threads (`#[path]`-included by each).

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, Once, PoisonError};
use std::time::Duration;

/// How long no step may be taken.
pub const LIMIT: Duration = Duration::from_mins(2);

static STEPS: AtomicU64 = AtomicU64::new(0);
static LAST: Mutex<String> = Mutex::new(String::new());
static START: Once = Once::new();

/// Records progress, naming what starts now.
pub fn step(what: &str) {
    what.clone_into(&mut LAST.lock().unwrap_or_else(PoisonError::into_inner));
    STEPS.fetch_add(1, Relaxed);
    START.call_once(|| {
        std::thread::spawn(|| {
            let tick = Duration::from_secs(1);
            let mut seen = u64::MAX;
            let mut idle = Duration::ZERO;
            loop {
                std::thread::sleep(tick);
                let steps = STEPS.load(Relaxed);
                if steps == seen {
                    idle += tick;
                } else {
                    (seen, idle) = (steps, Duration::ZERO);
                }
                if idle >= LIMIT {
                    let last = LAST.lock().unwrap_or_else(PoisonError::into_inner).clone();
                    // Straight to stderr: the test harness captures `eprintln!`.
                    let _ = writeln!(
                        std::io::stderr(),
                        "watchdog: no progress for {LIMIT:?} after `{last}`: a wait never returned"
                    );
                    std::process::abort();
                }
            }
        });
    });
}
