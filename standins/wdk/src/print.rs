//! Debugger printing for the wdk stand-in (Linux cross-builds only), with the real crate's macros and semantics.

use core::fmt;

/// Prints to the debugger through `DbgPrint`, like `std::print!`.
///
/// `DbgPrint`'s IRQL rules apply (at most DIRQL). Output longer than 511 bytes goes out in
/// several `DbgPrint` calls; an interior NUL ends its chunk early.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => {
        ($crate::_print(format_args!($($arg)*)))
    };
}

/// Prints to the debugger with a trailing newline, like `std::println!`.
#[macro_export]
macro_rules! println {
    () => {
        ($crate::print!("\n"))
    };
    ($($arg:tt)*) => {
        ($crate::print!("{}\n", format_args!($($arg)*)))
    };
}

/// Prints `[file:line:column] expr = value` to the debugger and returns the value, like
/// `std::dbg!`.
#[macro_export]
macro_rules! dbg {
    () => {
        $crate::println!("[{}:{}:{}]", core::file!(), core::line!(), core::column!())
    };
    ($value:expr $(,)?) => {
        match $value {
            tmp => {
                $crate::println!(
                    "[{}:{}:{}] {} = {:#?}",
                    core::file!(),
                    core::line!(),
                    core::column!(),
                    core::stringify!($value),
                    &&tmp as &dyn core::fmt::Debug,
                );
                tmp
            }
        }
    };
    ($($value:expr),+ $(,)?) => {
        ($($crate::dbg!($value)),+,)
    };
}

/// The implementation behind [`print!`]; public only for the macros.
#[doc(hidden)]
pub fn _print(args: fmt::Arguments) {
    let mut writer = crate::fmt::FlushableFormatBuffer::<_, 512>::new(|chunk| {
        let text = chunk.as_c_str();
        // SAFETY: both pointers are NUL-terminated strings that live across the call, and the
        // `%s` format keeps DbgPrint from interpreting the text itself.
        unsafe {
            wdk_sys::ntddk::DbgPrint(c"%s".as_ptr().cast(), text.as_ptr().cast::<wdk_sys::CHAR>());
        }
    });
    // With 511 usable bytes no character can fail to fit, and a failing `Display` impl only
    // shortens debug output.
    let _ = fmt::write(&mut writer, args);
    writer.flush();
}
