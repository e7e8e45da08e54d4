//! Service states and the wait for one, apart from the service control manager's calls
//! (`scm`, Windows only) so that the waiting rules are tested on any host.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rundown_client::Win32Error;

/// How often `start` and `stop` ask for the service's state.
pub const POLL: Duration = Duration::from_millis(50);

/// `SERVICE_STATUS.dwCurrentState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceState {
    /// `SERVICE_STOPPED` (1).
    Stopped,
    /// `SERVICE_START_PENDING` (2).
    StartPending,
    /// `SERVICE_STOP_PENDING` (3).
    StopPending,
    /// `SERVICE_RUNNING` (4).
    Running,
    /// `SERVICE_CONTINUE_PENDING` (5).
    ContinuePending,
    /// `SERVICE_PAUSE_PENDING` (6).
    PausePending,
    /// `SERVICE_PAUSED` (7).
    Paused,
    /// Any other value.
    Other(u32),
}

impl ServiceState {
    /// The state with this `dwCurrentState` value.
    #[must_use]
    pub fn from_raw(raw: u32) -> Self {
        match raw {
            1 => Self::Stopped,
            2 => Self::StartPending,
            3 => Self::StopPending,
            4 => Self::Running,
            5 => Self::ContinuePending,
            6 => Self::PausePending,
            7 => Self::Paused,
            other => Self::Other(other),
        }
    }
}

impl fmt::Display for ServiceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Stopped => f.write_str("STOPPED"),
            Self::StartPending => f.write_str("START_PENDING"),
            Self::StopPending => f.write_str("STOP_PENDING"),
            Self::Running => f.write_str("RUNNING"),
            Self::ContinuePending => f.write_str("CONTINUE_PENDING"),
            Self::PausePending => f.write_str("PAUSE_PENDING"),
            Self::Paused => f.write_str("PAUSED"),
            Self::Other(raw) => write!(f, "state {raw}"),
        }
    }
}

/// What `QueryServiceStatus` says, in part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceStatus {
    /// The current state.
    pub state: ServiceState,
    /// `dwWin32ExitCode`: why the service stopped (0 if it did not fail).
    pub win32_exit_code: u32,
}

/// Why the wait for a state ended without it.
#[derive(Debug, thiserror::Error)]
pub enum WaitError<E> {
    /// Asking for the state failed.
    #[error(transparent)]
    Query(E),
    /// The service stopped while it was being started.
    #[error("the service stopped while starting{}", exit_code_note(*.0))]
    StoppedWhileStarting(u32),
    /// The time ran out.
    #[error("still {last} after {}", crate::output::seconds(*.waited))]
    Timeout {
        /// The last state seen.
        last: ServiceState,
        /// How long the wait lasted.
        waited: Duration,
    },
}

fn exit_code_note(code: u32) -> String {
    if code == 0 { String::new() } else { format!(": {}", Win32Error(code).describe_with(None)) }
}

/// Asks `query` for the state every `poll` until it is `target`, for at most `timeout`
/// (`query` is asked at least once). Waiting for [`ServiceState::Running`] ends early if the
/// service stops.
///
/// # Errors
///
/// See [`WaitError`].
pub fn wait_for<E>(
    target: ServiceState,
    timeout: Duration,
    poll: Duration,
    mut query: impl FnMut() -> Result<ServiceStatus, E>,
) -> Result<(), WaitError<E>> {
    let started = Instant::now();
    loop {
        let status = query().map_err(WaitError::Query)?;
        if status.state == target {
            return Ok(());
        }
        if target == ServiceState::Running && status.state == ServiceState::Stopped {
            return Err(WaitError::StoppedWhileStarting(status.win32_exit_code));
        }
        let waited = started.elapsed();
        match timeout.checked_sub(waited).filter(|left| !left.is_zero()) {
            Some(left) => std::thread::sleep(poll.min(left)),
            None => return Err(WaitError::Timeout { last: status.state, waited }),
        }
    }
}

/// The image path to register: a relative path naming an existing file is made absolute
/// (the service control manager would resolve it against the system root); anything else
/// (an absolute path, `\SystemRoot\...`, `system32\drivers\x.sys`) is kept as given.
#[must_use]
pub fn image_path(sys: &Path) -> PathBuf {
    if sys.is_relative() && sys.is_file() {
        std::path::absolute(sys).unwrap_or_else(|_| sys.to_owned())
    } else {
        sys.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(state: ServiceState) -> ServiceStatus {
        ServiceStatus { state, win32_exit_code: 0 }
    }

    #[test]
    fn image_paths() {
        let here = Path::new("Cargo.toml");
        assert!(here.is_file(), "tests run in the crate's directory");
        let abs = image_path(here);
        assert!(abs.is_absolute() && abs.ends_with("rundownctl/Cargo.toml"), "{}", abs.display());
        assert_eq!(image_path(Path::new("missing/x.sys")), Path::new("missing/x.sys"));
        assert_eq!(image_path(Path::new("/abs/x.sys")), Path::new("/abs/x.sys"));
    }

    #[test]
    fn states() {
        assert_eq!(ServiceState::from_raw(4), ServiceState::Running);
        assert_eq!(ServiceState::from_raw(1).to_string(), "STOPPED");
        assert_eq!(ServiceState::from_raw(2).to_string(), "START_PENDING");
        assert_eq!(ServiceState::from_raw(9).to_string(), "state 9");
    }

    #[test]
    fn reaches_the_state() {
        let mut seen = vec![ServiceState::Running, ServiceState::StartPending, ServiceState::StartPending];
        let result: Result<(), WaitError<&str>> =
            wait_for(ServiceState::Running, Duration::from_secs(5), Duration::ZERO, || Ok(status(seen.pop().unwrap())));
        assert!(result.is_ok());
        assert!(seen.is_empty());
    }

    #[test]
    fn times_out() {
        let err = wait_for::<&str>(ServiceState::Stopped, Duration::from_millis(30), Duration::from_millis(10), || {
            Ok(status(ServiceState::StopPending))
        })
        .unwrap_err();
        assert!(err.to_string().starts_with("still STOP_PENDING after "), "{err}");
    }

    #[test]
    fn stopping_while_starting_fails_at_once() {
        let err = wait_for::<&str>(ServiceState::Running, Duration::from_mins(1), Duration::from_mins(1), || {
            Ok(ServiceStatus { state: ServiceState::Stopped, win32_exit_code: 1114 })
        })
        .unwrap_err();
        assert!(err.to_string().starts_with("the service stopped while starting: a DLL initialization"), "{err}");
        let err = wait_for::<&str>(ServiceState::Running, Duration::ZERO, Duration::ZERO, || {
            Ok(status(ServiceState::Stopped))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "the service stopped while starting");
    }

    #[test]
    fn query_errors_pass_through() {
        let err = wait_for(ServiceState::Running, Duration::ZERO, Duration::ZERO, || Err::<ServiceStatus, _>("gone"))
            .unwrap_err();
        assert!(matches!(err, WaitError::Query("gone")));
    }
}
