//! The drivers' log: `DbgPrintEx` under the component `DPFLTR_IHVDRIVER_ID`, at a level, one
//! line per call.
//!
//! | macro | [`Level`] | `Level` argument | filter-mask bit | on Windows, by default |
//! |---|---|---|---|---|
//! | [`error!`](crate::error) | [`Level::Error`] | `DPFLTR_ERROR_LEVEL` (0) | `0x1` | shown |
//! | [`warn!`](crate::warn) | [`Level::Warning`] | `DPFLTR_WARNING_LEVEL` (1) | `0x2` | dropped |
//! | [`trace!`](crate::trace) | [`Level::Trace`] | `DPFLTR_TRACE_LEVEL` (2) | `0x4` | dropped |
//! | [`info!`](crate::info) | [`Level::Info`] | `DPFLTR_INFO_LEVEL` (3) | `0x8` | dropped |
//!
//! [`log!`](crate::log!) takes the level as a value, for a line whose level depends on what it
//! reports.
//!
//! Windows sends a `DbgPrintEx` message to the debugger when its level's bit is set in the
//! component's filter mask, ORed with the system-wide `WIN2000` mask, which is 0x1: so errors
//! always show, and the rest only once the `IHVDRIVER` mask lets them through (the
//! `IHVDRIVER` value of the registry key `HKLM\SYSTEM\CurrentControlSet\Control\Session
//! Manager\Debug Print Filter`, read at boot, or `nt!Kd_IHVDRIVER_Mask` in a kernel debugger;
//! DebugView's "Enable Verbose Kernel Output" does it too). docs/windows.md says how.
//!
//! # The call
//!
//! Each line is formatted with `core::fmt` into a 512-byte buffer on the caller's stack (wdk's
//! [`FlushableFormatBuffer`]; nothing is allocated) and handed over as
//! `DbgPrintEx(DPFLTR_IHVDRIVER_ID, level, "%s", buffer)`. The text is never a format string,
//! so a `%` in it is printed as it is. One `DbgPrintEx` call transmits at most 512 bytes, so a
//! line longer than 511 bytes goes out in several calls at the same level, each cut at a UTF-8
//! character boundary; an interior NUL ends its piece early.
//!
//! # IRQL
//!
//! `DbgPrintEx` may be called at IRQL <= DIRQL, with Unicode format codes only at PASSIVE_LEVEL
//! and `%s` only over memory that cannot be paged out. The only format code is `%s`, over the
//! running thread's own stack, which is resident; so the macros can be used at PASSIVE_LEVEL, in
//! dispatch routines, under a spin lock and in DPCs (DISPATCH_LEVEL). The arguments' `Display`
//! and `Debug` implementations run at the caller's IRQL, so at DISPATCH_LEVEL they must not
//! touch pageable memory. Formatting happens whether or not the mask lets the line through.

use core::ffi::CStr;
use core::fmt::{self, Write as _};

use wdk::fmt::{FlushableFormatBuffer, FormatBuffer};
use wdk_sys::ULONG;
use wdk_sys::ntddk::DbgPrintEx;

/// The component the drivers log under: `DPFLTR_IHVDRIVER_ID` (77), the id Microsoft tells
/// drivers that are not video, audio, network, streaming or bus drivers to use, so that their
/// output stays apart from Windows' own. Its filter mask is the `IHVDRIVER` registry value and
/// `nt!Kd_IHVDRIVER_Mask`.
///
/// ```
/// assert_eq!(rundown_wdm::log::COMPONENT_ID, 77);
/// ```
pub const COMPONENT_ID: ULONG = wdk_sys::_DPFLTR_TYPE::DPFLTR_IHVDRIVER_ID.cast_unsigned();

/// The bytes `DbgPrintEx` transmits per call, NUL included; the buffer of one piece.
const DBGPRINT_LIMIT: usize = 512;

/// How important a line is: `DbgPrintEx`'s `Level` argument.
///
/// ```
/// use rundown_wdm::log::Level;
///
/// assert_eq!(Level::Error.dpfltr_level(), wdk_sys::DPFLTR_ERROR_LEVEL);
/// assert_eq!(Level::Info.mask_bit(), 0x8);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    /// `DPFLTR_ERROR_LEVEL`: something failed or an invariant broke. Windows shows these by
    /// default, so use it only for that.
    Error,
    /// `DPFLTR_WARNING_LEVEL`: something unusual that the driver handled.
    Warning,
    /// `DPFLTR_TRACE_LEVEL`: one line per operation (a rotation, a request).
    Trace,
    /// `DPFLTR_INFO_LEVEL`: the driver's life: load, unload and the unload's statistics.
    Info,
}

impl Level {
    /// The `Level` argument of `DbgPrintEx`: the `DPFLTR_*_LEVEL` value.
    ///
    /// ```
    /// use rundown_wdm::log::Level;
    ///
    /// assert_eq!(Level::Warning.dpfltr_level(), 1);
    /// ```
    #[must_use]
    pub const fn dpfltr_level(self) -> ULONG {
        match self {
            Self::Error => wdk_sys::DPFLTR_ERROR_LEVEL,
            Self::Warning => wdk_sys::DPFLTR_WARNING_LEVEL,
            Self::Trace => wdk_sys::DPFLTR_TRACE_LEVEL,
            Self::Info => wdk_sys::DPFLTR_INFO_LEVEL,
        }
    }

    /// The importance bit `DbgPrintEx` makes of the level (`1 << level`, as the level is below
    /// 32), which it ANDs with the component's filter mask; Wine prints it after the component.
    ///
    /// ```
    /// use rundown_wdm::log::Level;
    ///
    /// let masks = [Level::Error, Level::Warning, Level::Trace, Level::Info].map(Level::mask_bit);
    /// assert_eq!(masks, [0x1, 0x2, 0x4, 0x8]);
    /// ```
    #[must_use]
    pub const fn mask_bit(self) -> ULONG {
        1 << self.dpfltr_level()
    }
}

/// Logs one line at `level`; the macros call it. Public only for them.
#[doc(hidden)]
pub fn emit(level: Level, args: fmt::Arguments<'_>) {
    pieces(args, |text| {
        // SAFETY: `%s` and `text` are NUL-terminated and live across the call; `%s` is the only
        // format code and `text` is a string of this thread's stack (resident), so DbgPrintEx
        // reads exactly that string, at any IRQL <= DIRQL. It keeps no pointer after returning.
        unsafe {
            DbgPrintEx(COMPONENT_ID, level.dpfltr_level(), c"%s".as_ptr().cast(), text.as_ptr());
        }
    });
}

/// Formats `args` and a newline into a stack buffer and hands `print` the line in pieces of at
/// most 511 bytes (`DbgPrintEx`'s 512 with the NUL).
fn pieces(args: fmt::Arguments<'_>, mut print: impl FnMut(&CStr)) {
    let mut writer = FlushableFormatBuffer::<_, DBGPRINT_LIMIT>::new(|piece: &FormatBuffer<DBGPRINT_LIMIT>| {
        print(piece.as_c_str());
    });
    // No character is longer than the 511 usable bytes, so the writer itself never fails; a
    // failing `Display` implementation only shortens the line.
    let _ = writer.write_fmt(args);
    let _ = writer.write_str("\n");
    writer.flush();
}

/// Logs a line at the [`Level`] given as a value, through `DbgPrintEx(DPFLTR_IHVDRIVER_ID, ...)`;
/// the arguments are those of [`format_args!`], and the macro adds the newline. See the
/// [module](mod@crate::log) for the buffer, the 512-byte pieces and IRQL.
///
/// ```
/// # // Defined, never called: the host that runs the doctests has no DbgPrintEx.
/// # fn report(violations: u64) {
/// use rundown_wdm::log::Level;
///
/// let level = if violations == 0 { Level::Info } else { Level::Error };
/// rundown_wdm::log!(level, "rundown: run-down invariant violations seen: {violations}");
/// # }
/// ```
#[macro_export]
macro_rules! log {
    ($level:expr, $($arg:tt)+) => {
        $crate::log::emit($level, ::core::format_args!($($arg)+))
    };
}

/// Logs a line at [`Level::Error`](crate::log::Level::Error) (`DPFLTR_ERROR_LEVEL`, shown by
/// default): a failure, a broken invariant. Arguments as for [`format_args!`].
///
/// ```
/// # // Defined, never called: the host that runs the doctests has no DbgPrintEx.
/// # fn failed(status: i32) {
/// rundown_wdm::error!("rundown: DriverEntry failed: {status:#x}");
/// # }
/// ```
#[macro_export]
macro_rules! error {
    ($($arg:tt)+) => {
        $crate::log!($crate::log::Level::Error, $($arg)+)
    };
}

/// Logs a line at [`Level::Warning`](crate::log::Level::Warning) (`DPFLTR_WARNING_LEVEL`):
/// something unusual the driver handled. Arguments as for [`format_args!`].
///
/// ```
/// # // Defined, never called: the host that runs the doctests has no DbgPrintEx.
/// # fn freed(unclosed: usize) {
/// rundown_wdm::warn!("rundown: freed {unclosed} handle contexts whose CLOSE never came");
/// # }
/// ```
#[macro_export]
macro_rules! warn {
    ($($arg:tt)+) => {
        $crate::log!($crate::log::Level::Warning, $($arg)+)
    };
}

/// Logs a line at [`Level::Trace`](crate::log::Level::Trace) (`DPFLTR_TRACE_LEVEL`): one line
/// per operation. Arguments as for [`format_args!`].
///
/// ```
/// # // Defined, never called: the host that runs the doctests has no DbgPrintEx.
/// # fn rotated(old: u64, new: u64) {
/// rundown_wdm::trace!("rundown: rotated: generation {old} -> {new}");
/// # }
/// ```
#[macro_export]
macro_rules! trace {
    ($($arg:tt)+) => {
        $crate::log!($crate::log::Level::Trace, $($arg)+)
    };
}

/// Logs a line at [`Level::Info`](crate::log::Level::Info) (`DPFLTR_INFO_LEVEL`): load, unload
/// and their statistics. Arguments as for [`format_args!`].
///
/// ```
/// # // Defined, never called: the host that runs the doctests has no DbgPrintEx.
/// # fn loaded() {
/// rundown_wdm::info!("rundown: loaded: \\Device\\RundownShared, generation 1");
/// # }
/// ```
#[macro_export]
macro_rules! info {
    ($($arg:tt)+) => {
        $crate::log!($crate::log::Level::Info, $($arg)+)
    };
}

#[cfg(test)]
mod tests {
    extern crate alloc;

    use alloc::string::String;
    use alloc::vec::Vec;

    use super::pieces;

    fn printed(args: core::fmt::Arguments<'_>) -> Vec<String> {
        let mut printed = Vec::new();
        pieces(args, |text| printed.push(String::from(text.to_str().expect("UTF-8"))));
        printed
    }

    #[test]
    fn a_line_is_one_piece_with_its_newline() {
        let status = 0xC000_0001_u32;
        assert_eq!(
            printed(format_args!("rundown: DriverEntry failed: {status:#x}")),
            ["rundown: DriverEntry failed: 0xc0000001\n"]
        );
        assert_eq!(printed(format_args!("100% %s %n")), ["100% %s %n\n"]);
    }

    #[test]
    fn a_long_line_goes_out_in_pieces_of_511_bytes() {
        let long = "x".repeat(600);
        let pieces = printed(format_args!("{long}"));
        assert_eq!(pieces.iter().map(String::len).collect::<Vec<_>>(), [511, 90]);
        assert_eq!(pieces.concat(), long + "\n");
    }

    #[test]
    fn pieces_end_at_character_boundaries() {
        // 510 ASCII bytes, then two-byte characters: the first cannot fit in the one byte left.
        let line = alloc::format!("{}{}", "a".repeat(510), "é".repeat(3));
        let pieces = printed(format_args!("{line}"));
        assert_eq!(pieces.iter().map(String::len).collect::<Vec<_>>(), [510, 7]);
        assert_eq!(pieces.concat(), line + "\n");
    }
}
