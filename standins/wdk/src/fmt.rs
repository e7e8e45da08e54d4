//! Fixed-size formatting buffers (stand-in for `wdk::fmt`, Linux cross-builds only), with the
//! real crate's API and semantics: no allocation, the last byte is kept for a NUL terminator,
//! overflow stops at a UTF-8 character boundary.

use core::ffi::CStr;
use core::fmt;

/// The buffer size `print!` uses, and the default `N`.
const DEFAULT_SIZE: usize = 512;

/// A `fmt::Write` sink over `N` bytes on the stack, `N - 1` of them usable: the byte after the
/// content is always NUL, so the content can be handed to C as a string.
///
/// A write that does not fit stores the longest prefix that ends on a character boundary and
/// returns `fmt::Error`.
#[derive(Clone)]
pub struct FormatBuffer<const N: usize = DEFAULT_SIZE> {
    buffer: [u8; N],
    used: usize,
}

impl<const N: usize> FormatBuffer<N> {
    /// An empty, zeroed buffer. `N` must be at least 2 (checked at compile time).
    #[must_use]
    pub const fn new() -> Self {
        const { assert!(N >= 2, "FormatBuffer needs N >= 2: one byte of content and the NUL") };
        Self { buffer: [0; N], used: 0 }
    }

    /// Empties the buffer.
    pub const fn clear(&mut self) {
        self.used = 0;
        self.buffer[0] = 0;
    }

    /// Bytes written so far.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.used
    }

    /// Usable bytes: `N - 1`.
    #[must_use]
    pub const fn capacity(&self) -> usize {
        N - 1
    }

    /// Whether nothing has been written.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.used == 0
    }

    /// The content as UTF-8.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match core::str::from_utf8(&self.buffer[..self.used]) {
            Ok(text) => text,
            // Only whole `&str`s or prefixes cut at character boundaries are ever stored.
            Err(_) => unreachable!("FormatBuffer holds only UTF-8"),
        }
    }

    /// The content up to its first NUL byte (so an interior NUL truncates it).
    ///
    /// # Panics
    ///
    /// Never in practice: the byte after the content is always NUL.
    #[must_use]
    pub const fn as_c_str(&self) -> &CStr {
        let (with_terminator, _) = self.buffer.split_at(self.used + 1);
        match CStr::from_bytes_until_nul(with_terminator) {
            Ok(text) => text,
            Err(_) => panic!("FormatBuffer lost its NUL terminator"),
        }
    }

    /// Room left for content.
    const fn remaining(&self) -> usize {
        N - 1 - self.used
    }

    /// Appends bytes that are known to fit, and re-terminates.
    fn push(&mut self, bytes: &[u8]) {
        let end = self.used + bytes.len();
        self.buffer[self.used..end].copy_from_slice(bytes);
        self.buffer[end] = 0;
        self.used = end;
    }
}

impl<const N: usize> Default for FormatBuffer<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> fmt::Debug for FormatBuffer<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FormatBuffer")
            .field("used", &self.used)
            .field("capacity", &self.capacity())
            .field("content", &self.as_str())
            .finish_non_exhaustive()
    }
}

impl<const N: usize> fmt::Write for FormatBuffer<N> {
    /// # Errors
    ///
    /// `fmt::Error` when `s` does not fit; the part that fits (cut at a character boundary) is
    /// kept.
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if s.len() <= self.remaining() {
            self.push(s.as_bytes());
            Ok(())
        } else {
            let cut = s.floor_char_boundary(self.remaining());
            self.push(&s.as_bytes()[..cut]);
            Err(fmt::Error)
        }
    }
}

/// A [`FormatBuffer`] that hands its content to `flush_fn` whenever the next piece does not
/// fit, then carries on, so output of any length goes out in chunks of at most `N - 1` bytes.
/// Whatever is left is flushed on [`flush`](Self::flush) or on drop.
///
/// # Panics
///
/// A panic in `flush_fn` propagates from `flush`, `write_str` or drop.
pub struct FlushableFormatBuffer<F: FnMut(&FormatBuffer<N>), const N: usize = DEFAULT_SIZE> {
    format_buffer: FormatBuffer<N>,
    flush_fn: F,
}

impl<F: FnMut(&FormatBuffer<N>), const N: usize> FlushableFormatBuffer<F, N> {
    /// An empty buffer that flushes through `flush_fn`.
    #[must_use]
    pub const fn new(flush_fn: F) -> Self {
        Self { format_buffer: FormatBuffer::new(), flush_fn }
    }

    /// Hands the content (if any) to the flush function and empties the buffer.
    pub fn flush(&mut self) {
        if !self.format_buffer.is_empty() {
            (self.flush_fn)(&self.format_buffer);
            self.format_buffer.clear();
        }
    }
}

impl<F: FnMut(&FormatBuffer<N>), const N: usize> Drop for FlushableFormatBuffer<F, N> {
    fn drop(&mut self) {
        self.flush();
    }
}

impl<F: FnMut(&FormatBuffer<N>), const N: usize> fmt::Write for FlushableFormatBuffer<F, N> {
    /// # Errors
    ///
    /// `fmt::Error` only if one character is longer than the whole buffer (`N - 1` bytes).
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut rest = s;
        while rest.len() > self.format_buffer.remaining() {
            let cut = rest.floor_char_boundary(self.format_buffer.remaining());
            if cut == 0 && self.format_buffer.is_empty() {
                return Err(fmt::Error);
            }
            self.format_buffer.push(&rest.as_bytes()[..cut]);
            self.flush();
            rest = &rest[cut..];
        }
        self.format_buffer.push(rest.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    extern crate alloc;

    use alloc::string::{String, ToString};
    use alloc::vec::Vec;
    use core::fmt::Write;

    use super::{FlushableFormatBuffer, FormatBuffer};

    #[test]
    fn fits_and_terminates() {
        let mut buffer = FormatBuffer::<16>::new();
        assert!(write!(buffer, "x = {}", 42).is_ok());
        assert_eq!(buffer.as_str(), "x = 42");
        assert_eq!(buffer.as_c_str(), c"x = 42");
        assert_eq!((buffer.len(), buffer.capacity()), (6, 15));
    }

    #[test]
    fn overflow_keeps_a_char_boundary_prefix() {
        let mut buffer = FormatBuffer::<8>::new();
        assert!(write!(buffer, "abcde").is_ok());
        // "é" is two bytes: only one byte is left after "abcdef".
        assert!(write!(buffer, "féé").is_err());
        assert_eq!(buffer.as_str(), "abcdef");
        buffer.clear();
        assert!(buffer.is_empty());
        assert_eq!(buffer.as_c_str(), c"");
    }

    #[test]
    fn interior_nul_truncates_the_c_string() {
        let mut buffer = FormatBuffer::<16>::new();
        assert!(write!(buffer, "ab\0cd").is_ok());
        assert_eq!(buffer.as_str(), "ab\0cd");
        assert_eq!(buffer.as_c_str(), c"ab");
    }

    #[test]
    fn flushable_chunks_long_output() {
        let mut chunks: Vec<String> = Vec::new();
        let mut writer = FlushableFormatBuffer::<_, 4>::new(|b: &FormatBuffer<4>| chunks.push(b.as_str().to_string()));
        assert!(write!(writer, "0123456789").is_ok());
        drop(writer);
        assert_eq!(chunks, ["012", "345", "678", "9"]);
    }

    #[test]
    fn flushable_moves_a_char_that_does_not_fit_to_the_next_chunk() {
        let mut chunks: Vec<String> = Vec::new();
        let mut writer = FlushableFormatBuffer::<_, 5>::new(|b: &FormatBuffer<5>| chunks.push(b.as_str().to_string()));
        assert!(write!(writer, "ab").is_ok());
        assert!(write!(writer, "€€").is_ok());
        writer.flush();
        assert!(write!(writer, "").is_ok());
        drop(writer);
        assert_eq!(chunks, ["ab", "€", "€"]);
    }

    #[test]
    fn flushable_rejects_a_char_longer_than_the_buffer() {
        let mut flushed = 0;
        let mut writer = FlushableFormatBuffer::<_, 3>::new(|_: &FormatBuffer<3>| flushed += 1);
        assert!(write!(writer, "€").is_err());
        drop(writer);
        assert_eq!(flushed, 0);
    }
}
