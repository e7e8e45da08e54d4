//! Ctrl-C and Ctrl-Break as a flag, so that `hold` can release before it exits.

use std::sync::atomic::{AtomicBool, Ordering};

use windows_sys::Win32::Foundation::{FALSE, TRUE};
use windows_sys::Win32::System::Console::{CTRL_BREAK_EVENT, CTRL_C_EVENT, SetConsoleCtrlHandler};
use windows_sys::core::BOOL;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Runs on the console's control thread: records Ctrl-C/Ctrl-Break and keeps the process
/// alive; other events (close, logoff, shutdown) go on to the default handler.
extern "system" fn on_control(ctrl_type: u32) -> BOOL {
    if ctrl_type == CTRL_C_EVENT || ctrl_type == CTRL_BREAK_EVENT {
        INTERRUPTED.store(true, Ordering::SeqCst);
        TRUE
    } else {
        FALSE
    }
}

/// Installs the handler. Returns `false` if it could not be installed (no console): Ctrl-C
/// then ends the process, and closing the handle still ends its holds.
#[must_use]
pub fn install() -> bool {
    // SAFETY: `on_control` is a valid handler for the life of the process.
    unsafe { SetConsoleCtrlHandler(Some(on_control), TRUE) != 0 }
}

/// Whether Ctrl-C or Ctrl-Break has been pressed since [`install`].
#[must_use]
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}
