//! The declaration every IOCTL table is written in: one row per request gives its name, function,
//! method, access, input and output messages and the statuses its operation may fail with, and
//! `ioctl_table!` derives the rest from the rows:
//!
//! - the request enum ([`Ioctl`](crate::Ioctl), [`PeerIoctl`](crate::peer::PeerIoctl)) with
//!   `ALL`, `function()`, `method()`, `access()`, `code()`, `name()`, `description()`,
//!   `from_function()`, `decode()`, the input and output sizes and their checks,
//!   `check_input()`, the messages' layouts (`input_layout()`, `output_layout()`, from each
//!   message's [`Described`](crate::Described)) and `failures()`;
//! - an `IOCTL_*` constant per code;
//! - a marker type per request (`requests::Query`, ...) implementing [`IoctlRequest`], so that
//!   one generic client call (`rundown_client::Device::call::<R>`) serves every request with its
//!   own input and output types.
//!
//! Each row reads (the shared device's VERSION, from `ioctl.rs`):
//!
//! ```text
//! /// `IOCTL_RUNDOWN_VERSION`: the ABI version and the driver's build; a client sends it first.
//! Version = IOCTL_RUNDOWN_VERSION {
//!     function: 0x807,
//!     method: Buffered,
//!     access: Read,
//!     input: (),
//!     output: VersionReply,
//!     failures: [],
//! }
//! ```
//!
//! Code that must act on every request (the service's dispatch) matches on the enum without a
//! wildcard arm, so the compiler names each such place when a row is added; everything else
//! (the README's tables, the C header, the tests' layouts, rundownctl's commands for requests
//! without input) reads the rows and the layouts, and takes a new row as it is.

use core::fmt;

use crate::ctl_code::{Access, Method};
use crate::status::NtStatus;
use crate::wire::WireError;

/// The statuses the ABI's checks of a request answer before its operation runs, for every
/// request alike: a code the table does not declare (`STATUS_INVALID_DEVICE_REQUEST`), an input
/// or output of another length (`STATUS_INFO_LENGTH_MISMATCH`), an output buffer shorter than
/// the reply (`STATUS_BUFFER_TOO_SMALL`). A request's own failures are its row's `failures`.
///
/// ```
/// use rundown_abi::{ABI_CHECK_STATUSES, NtStatus};
/// assert!(ABI_CHECK_STATUSES.contains(&NtStatus::BUFFER_TOO_SMALL));
/// ```
pub const ABI_CHECK_STATUSES: [NtStatus; 3] =
    [NtStatus::INVALID_DEVICE_REQUEST, NtStatus::INFO_LENGTH_MISMATCH, NtStatus::BUFFER_TOO_SMALL];

/// The requests of one device, as an `ioctl_table!` declares them: [`Ioctl`](crate::Ioctl) for
/// `\Device\RundownShared`, [`PeerIoctl`](crate::peer::PeerIoctl) for the sample peer's device.
///
/// Each method is the enum's inherent `const fn` of the same name, for code generic over the
/// device.
///
/// ```
/// use rundown_abi::{IoctlSet, Ioctl, peer::PeerIoctl};
/// fn names<S: IoctlSet>() -> Vec<&'static str> {
///     S::ALL.iter().map(|ioctl| ioctl.name()).collect()
/// }
/// assert_eq!(names::<Ioctl>()[0], "IOCTL_RUNDOWN_QUERY");
/// assert_eq!(names::<PeerIoctl>()[0], "IOCTL_RUNDOWN_PEER_START");
/// ```
pub trait IoctlSet: Copy + Eq + fmt::Debug + 'static {
    /// The device type every code of the set carries.
    const DEVICE_TYPE: u16;
    /// Its constant's name (`FILE_DEVICE_RUNDOWN`).
    const DEVICE_TYPE_NAME: &'static str;
    /// Every request, in declaration order.
    const ALL: &'static [Self];
    /// The WDK-style name, `IOCTL_*`.
    fn name(self) -> &'static str;
    /// The function code.
    fn function(self) -> u16;
    /// The transfer method.
    fn method(self) -> Method;
    /// The access the caller's handle needs.
    fn access(self) -> Access;
    /// The control code.
    fn code(self) -> u32;
}

/// One request as a type: its control code and its input and output messages, so that a typed
/// call is written once for every request (`fn call<R: IoctlRequest>(device, &R::Input) ->
/// Result<R::Output, _>`). The marker types are `rundown_abi::requests::*` and
/// `rundown_abi::peer::requests::*`.
///
/// ```
/// use rundown_abi::{AcquireRequest, Encode, HoldsReply, Ioctl, IoctlRequest, Message, requests};
/// fn describe<R: IoctlRequest>() -> (u32, usize, usize) {
///     (R::CODE, R::Input::SIZE, R::Output::SIZE)
/// }
/// assert_eq!(describe::<requests::Acquire>(), (Ioctl::Acquire.code(), 4, HoldsReply::SIZE));
/// assert_eq!(describe::<requests::Version>(), (0x8352_601C, 0, 16));
/// let input: <requests::Acquire as IoctlRequest>::Input = AcquireRequest { count: 2 };
/// assert_eq!(input.encode().as_ref(), [2, 0, 0, 0]);
/// ```
pub trait IoctlRequest {
    /// The device's request enum.
    type Set: IoctlSet;
    /// This request.
    const IOCTL: Self::Set;
    /// Its control code.
    const CODE: u32;
    /// What the caller sends (`()`: nothing).
    type Input: crate::wire::Message;
    /// What the driver answers (`()`: nothing).
    type Output: crate::wire::Message;
}

/// Why a control code is not one of a device's requests (see [`BadCode`](crate::BadCode), the
/// shared device's).
///
/// Every variant answers `STATUS_INVALID_DEVICE_REQUEST` ([`CodeError::status`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CodeError<I> {
    /// The device type is not the set's.
    WrongDeviceType {
        /// The code's device type.
        found: u16,
    },
    /// The device type is right but no request has this function code.
    UnknownFunction {
        /// The code's function.
        function: u16,
    },
    /// A known function with another method than the request's.
    WrongMethod {
        /// The request the function names.
        ioctl: I,
        /// The code's method.
        found: Method,
    },
    /// A known function and method with access bits other than the request's.
    WrongAccess {
        /// The request the function names.
        ioctl: I,
        /// The code's access bits.
        found: Access,
    },
}

impl<I: Copy> CodeError<I> {
    /// The status the driver answers: `STATUS_INVALID_DEVICE_REQUEST` for every variant.
    ///
    /// ```
    /// use rundown_abi::{BadCode, NtStatus};
    /// assert_eq!(BadCode::UnknownFunction { function: 0x900 }.status(), NtStatus::INVALID_DEVICE_REQUEST);
    /// ```
    #[must_use]
    pub const fn status(self) -> NtStatus {
        match self {
            Self::WrongDeviceType { .. }
            | Self::UnknownFunction { .. }
            | Self::WrongMethod { .. }
            | Self::WrongAccess { .. } => NtStatus::INVALID_DEVICE_REQUEST,
        }
    }
}

impl<I: Copy> From<CodeError<I>> for NtStatus {
    fn from(err: CodeError<I>) -> Self {
        err.status()
    }
}

impl<I: IoctlSet> fmt::Display for CodeError<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::WrongDeviceType { found } => {
                write!(f, "device type 0x{found:04X} is not {} (0x{:04X})", I::DEVICE_TYPE_NAME, I::DEVICE_TYPE)
            }
            Self::UnknownFunction { function } => write!(f, "unknown function 0x{function:03X}"),
            Self::WrongMethod { ioctl, found } => {
                write!(f, "{} uses {:?}, not {found:?}", ioctl.name(), ioctl.method())
            }
            Self::WrongAccess { ioctl, found } => {
                write!(f, "{} needs {:?} access, not {found:?}", ioctl.name(), ioctl.access())
            }
        }
    }
}

impl<I: IoctlSet> core::error::Error for CodeError<I> {}

/// Checks a length against a message's bounds: exact when `min == max`.
pub(crate) const fn check_input_bounds((min, max): (usize, usize), actual: usize) -> Result<(), WireError> {
    if min == max {
        crate::wire::check_input_len(max, actual)
    } else if actual < min {
        Err(WireError::InputLength { expected: min, actual })
    } else if actual > max {
        Err(WireError::InputLength { expected: max, actual })
    } else {
        Ok(())
    }
}

/// The request enum, its facts, its `IOCTL_*` constants and its marker types, from one row per
/// request (see the [module docs](self)).
///
/// `ioctl_table! { #[doc] pub enum Name in DEVICE_TYPE, "path::of::Name"; pub mod requests; rows }`;
/// each row is `Variant = IOCTL_NAME { function, method, access, input, output, failures }`.
macro_rules! ioctl_table {
    (
        $(#[$meta:meta])*
        pub enum $Set:ident in $device:path, $path:literal;
        pub mod $requests:ident;
        $(
            $(#[doc = $row_doc:literal])*
            $Variant:ident = $NAME:ident {
                function: $function:literal,
                method: $method:ident,
                access: $access:ident,
                input: $Input:ty,
                output: $Output:ty,
                failures: [$($failure:ident),* $(,)?] $(,)?
            }
        )+
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $Set {
            $(
                $(#[doc = $row_doc])*
                ///
                #[doc = concat!(
                    "Function `", stringify!($function), "`, `METHOD_", stringify!($method),
                    "`, access ", stringify!($access), "; input `", stringify!($Input),
                    "`, output `", stringify!($Output), "`."
                )]
                $Variant,
            )+
        }

        impl $Set {
            /// Every request, in declaration order.
            #[doc = concat!("```\nuse ", $path, ";\nassert!(!", stringify!($Set), "::ALL.is_empty());\n```")]
            pub const ALL: [Self; [$(stringify!($Variant)),+].len()] = [$(Self::$Variant),+];

            /// The function code (`0x800..=0xFFF`, the vendor range).
            #[must_use]
            pub const fn function(self) -> u16 {
                match self {
                    $(Self::$Variant => $function,)+
                }
            }

            /// The transfer method.
            #[must_use]
            pub const fn method(self) -> $crate::Method {
                match self {
                    $(Self::$Variant => $crate::Method::$method,)+
                }
            }

            /// The access the caller's handle needs (`FILE_*_ACCESS`).
            #[must_use]
            pub const fn access(self) -> $crate::Access {
                match self {
                    $(Self::$Variant => $crate::Access::$access,)+
                }
            }

            /// The control code: `CTL_CODE(device type, function, method, access)`.
            #[must_use]
            pub const fn code(self) -> u32 {
                $crate::ctl_code($device, self.function(), self.method(), self.access())
            }

            /// The WDK-style name, `IOCTL_*`.
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self {
                    $(Self::$Variant => stringify!($NAME),)+
                }
            }

            /// The request with this function code, whatever its method and access.
            #[must_use]
            pub const fn from_function(function: u16) -> Option<Self> {
                let mut i = 0;
                while i < Self::ALL.len() {
                    if Self::ALL[i].function() == function {
                        return Some(Self::ALL[i]);
                    }
                    i += 1;
                }
                None
            }

            /// The request a raw control code names, checked field by field: device type, then
            /// function, then method, then access.
            ///
            /// # Errors
            ///
            /// The first field that does not match, as a [`CodeError`]($crate::CodeError)
            /// (`STATUS_INVALID_DEVICE_REQUEST`).
            #[doc = concat!(
                "```\nuse ", $path, ";\nfor ioctl in ", stringify!($Set), "::ALL {\n    assert_eq!(",
                stringify!($Set), "::decode(ioctl.code()), Ok(ioctl));\n    assert!(",
                stringify!($Set), "::decode(ioctl.code() ^ 1).is_err());\n}\n```"
            )]
            pub const fn decode(raw: u32) -> Result<Self, $crate::CodeError<Self>> {
                let code = $crate::CtlCode::from_raw(raw);
                if code.device_type != $device {
                    return Err($crate::CodeError::WrongDeviceType { found: code.device_type });
                }
                let Some(ioctl) = Self::from_function(code.function) else {
                    return Err($crate::CodeError::UnknownFunction { function: code.function });
                };
                if code.method as u8 != ioctl.method() as u8 {
                    return Err($crate::CodeError::WrongMethod { ioctl, found: code.method });
                }
                if code.access as u8 != ioctl.access() as u8 {
                    return Err($crate::CodeError::WrongAccess { ioctl, found: code.access });
                }
                Ok(ioctl)
            }

            /// The input message's Rust type as the table declares it (`()`: no input).
            #[must_use]
            pub const fn input_type(self) -> &'static str {
                match self {
                    $(Self::$Variant => stringify!($Input),)+
                }
            }

            /// The output message's Rust type as the table declares it (`()`: no output).
            #[must_use]
            pub const fn output_type(self) -> &'static str {
                match self {
                    $(Self::$Variant => stringify!($Output),)+
                }
            }

            /// The row's documentation: what the request does, as its doc comment says (one
            /// line per comment line).
            #[doc = concat!(
                "```\nuse ", $path, ";\nassert!(", stringify!($Set), "::ALL[0].description().contains(\"IOCTL_\"));\n```"
            )]
            #[must_use]
            pub const fn description(self) -> &'static str {
                match self {
                    $(Self::$Variant => concat!($($row_doc, "\n"),*),)+
                }
            }

            /// The input message's layout (`None`: no input), from its `describe!`.
            #[doc = concat!(
                "```\nuse ", $path, ";\nfor ioctl in ", stringify!($Set), "::ALL {\n    assert_eq!(ioctl.input_layout().map_or(0, |layout| layout.size), ioctl.input_bounds().1);\n}\n```"
            )]
            #[must_use]
            pub const fn input_layout(self) -> Option<&'static $crate::Layout> {
                match self {
                    $(Self::$Variant => <$Input as $crate::Described>::LAYOUT,)+
                }
            }

            /// The output message's layout (`None`: no output), from its `describe!`.
            #[doc = concat!(
                "```\nuse ", $path, ";\nfor ioctl in ", stringify!($Set), "::ALL {\n    assert_eq!(ioctl.output_layout().map_or(0, |layout| layout.size), ioctl.output_size());\n}\n```"
            )]
            #[must_use]
            pub const fn output_layout(self) -> Option<&'static $crate::Layout> {
                match self {
                    $(Self::$Variant => <$Output as $crate::Described>::LAYOUT,)+
                }
            }

            /// The fewest and the most input bytes: the same but for a variable-length input
            /// (WRITE's).
            #[must_use]
            pub const fn input_bounds(self) -> (usize, usize) {
                match self {
                    $(Self::$Variant => (
                        <$Input as $crate::Message>::MIN_SIZE,
                        <$Input as $crate::Message>::SIZE,
                    ),)+
                }
            }

            /// The exact input length, or `None` for a variable-length input (see
            /// [`input_bounds`](Self::input_bounds)).
            #[must_use]
            pub const fn input_size(self) -> Option<usize> {
                match self.input_bounds() {
                    (min, max) if min == max => Some(max),
                    _ => None,
                }
            }

            /// The exact output length: the size of the request's reply.
            #[must_use]
            pub const fn output_size(self) -> usize {
                match self {
                    $(Self::$Variant => <$Output as $crate::Message>::SIZE,)+
                }
            }

            /// Checks the input buffer's length: exact, or within
            /// [`input_bounds`](Self::input_bounds) for a variable-length input (whose own
            /// `from_bytes` then checks it against its length field).
            ///
            /// # Errors
            ///
            /// [`WireError::InputLength`]($crate::WireError::InputLength)
            /// (`STATUS_INFO_LENGTH_MISMATCH`).
            pub const fn check_input_len(self, actual: usize) -> Result<(), $crate::WireError> {
                $crate::table::check_input_bounds(self.input_bounds(), actual)
            }

            /// Checks an input as the driver's decoding does: its length
            /// ([`check_input_len`](Self::check_input_len)), then its fields (the input message's
            /// `decode`).
            ///
            /// # Errors
            ///
            /// The first [`WireError`]($crate::WireError) (its `status()` is the driver's answer).
            pub fn check_input(self, input: &[u8]) -> Result<(), $crate::WireError> {
                self.check_input_len(input.len())?;
                match self {
                    $(Self::$Variant => <$Input as $crate::Decode>::decode(input).map(drop),)+
                }
            }

            /// Checks the output buffer's length against [`output_size`](Self::output_size).
            ///
            /// # Errors
            ///
            /// [`WireError::OutputTooSmall`]($crate::WireError::OutputTooSmall)
            /// (`STATUS_BUFFER_TOO_SMALL`) or
            /// [`WireError::OutputTooLarge`]($crate::WireError::OutputTooLarge)
            /// (`STATUS_INFO_LENGTH_MISMATCH`).
            pub const fn check_output_len(self, actual: usize) -> Result<(), $crate::WireError> {
                $crate::wire::check_output_len(self.output_size(), actual)
            }

            /// Checks both lengths, the input's first, as the driver does.
            ///
            /// # Errors
            ///
            /// As [`check_input_len`](Self::check_input_len), then
            /// [`check_output_len`](Self::check_output_len).
            pub const fn check_lengths(self, input: usize, output: usize) -> Result<(), $crate::WireError> {
                if let Err(error) = self.check_input_len(input) {
                    return Err(error);
                }
                self.check_output_len(output)
            }

            /// The statuses the request's own checks and operation may answer, besides the
            /// ABI's checks of every request ([`ABI_CHECK_STATUSES`]($crate::ABI_CHECK_STATUSES)).
            #[must_use]
            pub const fn failures(self) -> &'static [$crate::NtStatus] {
                match self {
                    $(Self::$Variant => &[$($crate::NtStatus::$failure),*],)+
                }
            }

            /// Whether the driver may answer `status` to this request: success, one of the
            /// ABI's checks, or one of [`failures`](Self::failures).
            #[must_use]
            pub fn may_answer(self, status: $crate::NtStatus) -> bool {
                status == $crate::NtStatus::SUCCESS
                    || $crate::ABI_CHECK_STATUSES.contains(&status)
                    || self.failures().contains(&status)
            }
        }

        impl $crate::IoctlSet for $Set {
            const DEVICE_TYPE: u16 = $device;
            const DEVICE_TYPE_NAME: &'static str = stringify!($device);
            const ALL: &'static [Self] = &$Set::ALL;

            fn name(self) -> &'static str {
                $Set::name(self)
            }

            fn function(self) -> u16 {
                $Set::function(self)
            }

            fn method(self) -> $crate::Method {
                $Set::method(self)
            }

            fn access(self) -> $crate::Access {
                $Set::access(self)
            }

            fn code(self) -> u32 {
                $Set::code(self)
            }
        }

        $(
            #[doc = concat!("`", stringify!($NAME), "`, [`", stringify!($Set), "::", stringify!($Variant), "`]'s code.")]
            pub const $NAME: u32 = $Set::$Variant.code();
        )+

        /// Each request as a type, for typed calls ([`IoctlRequest`]($crate::IoctlRequest)).
        pub mod $requests {
            #[allow(unused_imports, reason = "the rows' message types, whichever they name")]
            use super::*;

            $(
                #[doc = concat!(
                    "[`", stringify!($Set), "::", stringify!($Variant), "`](super::", stringify!($Set), "::",
                    stringify!($Variant), ") as a type: input `", stringify!($Input), "`, output `",
                    stringify!($Output), "`."
                )]
                #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
                pub struct $Variant;

                impl $crate::IoctlRequest for $Variant {
                    type Set = super::$Set;
                    const IOCTL: super::$Set = super::$Set::$Variant;
                    const CODE: u32 = super::$Set::$Variant.code();
                    type Input = $Input;
                    type Output = $Output;
                }
            )+
        }
    };
}

pub(crate) use ioctl_table;
