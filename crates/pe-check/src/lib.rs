//! Checks that a PE image is a well-formed Windows kernel driver of the `rundown` project, as
//! issue 3 asks: PE32+ AMD64, subsystem NATIVE, entry `DriverEntry`; imports only from
//! ntoskrnl.exe (and hal.dll), no CRT or user-mode DLL; base relocations; a correct checksum;
//! DYNAMIC_BASE and NX_COMPAT; and per [`Flavour`], the run-down imports.
//!
//! - [`DriverImage`]: the facts, read with `object` ([`image`]);
//! - [`check_driver`] / [`check`]: the rules, giving [`Violation`]s ([`rules`]);
//! - [`pe_checksum`]: the PE checksum algorithm ([`checksum`](mod@checksum)).
//!
//! ```no_run
//! use pe_check::{check_driver, DriverImage, Flavour};
//! let bytes = std::fs::read("target/sys/rundown.sys").unwrap();
//! let image = DriverImage::parse(&bytes).unwrap();
//! let violations = check_driver(&image, Flavour::Ntoskrnl);
//! assert!(violations.is_empty(), "{violations:#?}");
//! ```
#![forbid(unsafe_code)]

pub mod checksum;
pub mod dll;
pub mod error;
pub mod image;
pub mod rules;
pub mod violation;

pub use checksum::{checksum_field_offset, pe_checksum};
pub use dll::DllKind;
pub use error::PeError;
pub use image::{DllImports, DriverImage};
pub use rules::{Expectations, Flavour, KERNEL_DLLS, RUNDOWN_ROUTINES, check, check_driver, forbids};
pub use violation::Violation;
