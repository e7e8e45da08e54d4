//! Why an image could not be read at all.

/// An image that is not a readable PE file. Faults of a readable image are
/// [`Violation`](crate::Violation)s instead.
///
/// ```
/// use pe_check::{DriverImage, PeError};
/// assert!(matches!(DriverImage::parse(b"not a PE"), Err(PeError::Malformed(_))));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum PeError {
    /// `object` could not parse the headers, sections, import or export table.
    #[error("malformed PE image: {0}")]
    Malformed(#[from] object::read::Error),
    /// The optional header magic is neither PE32 (`0x10b`) nor PE32+ (`0x20b`).
    #[error("unknown optional header magic {0:#x}")]
    UnknownMagic(u16),
}
