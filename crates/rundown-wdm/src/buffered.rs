//! METHOD_BUFFERED: one system buffer for both directions, and the lengths that cut it.
//!
//! The I/O manager copies the caller's input into `Irp->AssociatedIrp.SystemBuffer`
//! (`max(InputBufferLength, OutputBufferLength)` bytes), the driver writes its reply over the
//! same bytes, and the I/O manager copies `IoStatus.Information` of them back. An input slice and
//! an output slice of the buffer would therefore alias. [`Irp`] never hands out the input as a
//! slice of the buffer: [`Irp::buffered`] copies it out first ([`InputCopy`]), and only then
//! lends the output.

use core::ops::Deref;

use wdk_sys::{IRP_MJ_DEVICE_CONTROL, IRP_MJ_INTERNAL_DEVICE_CONTROL, METHOD_BUFFERED};

use crate::Irp;

/// The two low bits of an I/O control code: its transfer type.
const TRANSFER_TYPE_MASK: u32 = 3;

/// `Parameters.DeviceIoControl` of a DEVICE_CONTROL or INTERNAL_DEVICE_CONTROL request.
///
/// ```
/// use rundown_wdm::IoControl;
///
/// let request = IoControl { code: 0x8352_6000, input_len: 0, output_len: 24 };
/// assert_eq!(request.output_len, 24);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoControl {
    /// `IoControlCode`.
    pub code: u32,
    /// `InputBufferLength`.
    pub input_len: usize,
    /// `OutputBufferLength`.
    pub output_len: usize,
}

/// A METHOD_BUFFERED input, copied out of the system buffer before the reply overwrites it: the
/// first `min(InputBufferLength, N)` bytes.
///
/// Choose `N` one more than the longest input any request of the device accepts: a longer input
/// is then cut to `N` bytes and still refused for its length, while the copy stays on the stack.
///
/// ```
/// use rundown_wdm::InputCopy;
///
/// let input = InputCopy::<4>::new(b"abcdef");
/// assert_eq!(&*input, b"abcd");
/// assert_eq!(InputCopy::<4>::new(b"ab").len(), 2);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct InputCopy<const N: usize> {
    bytes: [u8; N],
    kept: usize,
}

impl<const N: usize> InputCopy<N> {
    /// The first `min(input.len(), N)` bytes of `input`.
    ///
    /// ```
    /// use rundown_wdm::InputCopy;
    ///
    /// assert!(InputCopy::<8>::new(&[]).is_empty());
    /// ```
    #[must_use]
    pub fn new(input: &[u8]) -> Self {
        let kept = input.len().min(N);
        let mut bytes = [0; N];
        bytes[..kept].copy_from_slice(&input[..kept]);
        Self { bytes, kept }
    }
}

impl<const N: usize> Deref for InputCopy<N> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.bytes[..self.kept]
    }
}

impl Irp {
    /// The request's parameters if it is a METHOD_BUFFERED DEVICE_CONTROL or
    /// INTERNAL_DEVICE_CONTROL: only then is `SystemBuffer` `max(input, output)` bytes. The caller
    /// picks the code's transfer type, so a METHOD_IN_DIRECT/OUT_DIRECT code (a system buffer of
    /// only the input's length) or METHOD_NEITHER (none) must not reach the buffer.
    fn buffered_request(&self) -> Option<IoControl> {
        let major = u32::from(self.major_function());
        if major != IRP_MJ_DEVICE_CONTROL && major != IRP_MJ_INTERNAL_DEVICE_CONTROL {
            return None;
        }
        let request = self.io_control();
        (request.code & TRANSFER_TYPE_MASK == METHOD_BUFFERED).then_some(request)
    }

    /// METHOD_BUFFERED's system buffer, or null.
    fn system_buffer(&self) -> *mut u8 {
        // SAFETY: a valid IRP (the `Irp` invariant); only `AssociatedIrp` is borrowed, which
        // nobody else changes while the driver owns the IRP.
        let associated = unsafe { &(*self.as_ptr()).AssociatedIrp };
        // SAFETY: METHOD_BUFFERED requests (`buffered_request`) use `SystemBuffer`.
        unsafe { associated.SystemBuffer }.cast::<u8>()
    }

    /// METHOD_BUFFERED's input, copied out: the first `min(InputBufferLength, N)` bytes of the
    /// system buffer. `None` if the request is not a METHOD_BUFFERED DEVICE_CONTROL or
    /// INTERNAL_DEVICE_CONTROL, or the I/O manager gave no buffer for a non-zero length.
    ///
    /// ```
    /// use rundown_wdm::Irp;
    ///
    /// # // Defined, never called: the host that runs the doctests has no I/O manager.
    /// fn first_byte(irp: &mut Irp) -> Option<u8> {
    ///     irp.buffered_input::<1>()?.first().copied()
    /// }
    /// ```
    #[must_use]
    pub fn buffered_input<const N: usize>(&mut self) -> Option<InputCopy<N>> {
        let request = self.buffered_request()?;
        if request.input_len == 0 {
            return Some(InputCopy::new(&[]));
        }
        let buffer = self.system_buffer();
        // SAFETY: METHOD_BUFFERED (checked): a non-null system buffer holds max(input, output)
        // bytes, the first `input_len` of them the caller's input, valid until completion.
        (!buffer.is_null()).then(|| InputCopy::new(unsafe { core::slice::from_raw_parts(buffer, request.input_len) }))
    }

    /// METHOD_BUFFERED's output: the first `OutputBufferLength` bytes of the system buffer, which
    /// overwrite the input. Bytes past the input are zeroed first (the I/O manager copies in only
    /// the input), so every byte lent is initialized and a short reply leaks nothing stale.
    /// `None` if the request is not a METHOD_BUFFERED DEVICE_CONTROL or INTERNAL_DEVICE_CONTROL,
    /// or there is no buffer for a non-zero length.
    ///
    /// ```
    /// use rundown_wdm::Irp;
    ///
    /// # // Defined, never called: the host that runs the doctests has no I/O manager.
    /// fn room(irp: &mut Irp) -> usize {
    ///     irp.buffered_output().map_or(0, |output| output.len())
    /// }
    /// ```
    #[must_use]
    pub fn buffered_output(&mut self) -> Option<&mut [u8]> {
        let request = self.buffered_request()?;
        if request.output_len == 0 {
            return Some(&mut []);
        }
        let buffer = self.system_buffer();
        if buffer.is_null() {
            return None;
        }
        if !self.output_zeroed {
            let initialized = request.input_len.min(request.output_len);
            // SAFETY: METHOD_BUFFERED (checked): the buffer holds max(input, output) bytes, so
            // `initialized` (at most `output_len`) stays inside it.
            let tail = unsafe { buffer.add(initialized) };
            // SAFETY: the `output_len - initialized` bytes from there are the buffer's too; they
            // are written before any reference to them, once (a second call must not wipe a
            // reply written through the first).
            unsafe { tail.write_bytes(0, request.output_len - initialized) };
            self.output_zeroed = true;
        }
        // SAFETY: as above, now all initialized, valid until completion; `&mut self` lends them
        // once.
        Some(unsafe { core::slice::from_raw_parts_mut(buffer, request.output_len) })
    }

    /// METHOD_BUFFERED's input, copied out first ([`buffered_input`](Self::buffered_input)), and
    /// then its output ([`buffered_output`](Self::buffered_output)): the two never alias.
    ///
    /// ```
    /// use rundown_abi::NtStatus;
    /// use rundown_wdm::{Completion, Irp};
    ///
    /// # // Defined, never called: the host that runs the doctests has no I/O manager.
    /// fn echo(mut irp: Irp) -> Completion {
    ///     let Some((input, output)) = irp.buffered::<16>() else {
    ///         return irp.complete(NtStatus::INVALID_PARAMETER, 0);
    ///     };
    ///     let len = input.len().min(output.len());
    ///     output[..len].copy_from_slice(&input[..len]);
    ///     irp.complete(NtStatus::SUCCESS, len)
    /// }
    /// ```
    #[must_use]
    pub fn buffered<const N: usize>(&mut self) -> Option<(InputCopy<N>, &mut [u8])> {
        let input = self.buffered_input()?;
        Some((input, self.buffered_output()?))
    }
}

#[cfg(test)]
mod tests {
    use wdk_sys::{IRP_MJ_CREATE, IRP_MJ_DEVICE_CONTROL, METHOD_BUFFERED, METHOD_OUT_DIRECT};

    use crate::test_irp::Request;

    #[test]
    fn a_buffered_control_lends_its_output_zeroed_past_the_input() {
        let mut request = Request::new(IRP_MJ_DEVICE_CONTROL, METHOD_BUFFERED, b"ab", 6);
        let mut irp = request.irp();
        assert_eq!(&*irp.buffered_input::<8>().expect("an input"), b"ab");
        let output = irp.buffered_output().expect("an output");
        assert_eq!(output, b"ab\0\0\0\0", "stale bytes past the input are lent as zeros");
        output[..3].copy_from_slice(b"xyz");
        assert_eq!(irp.buffered_output().expect("an output"), b"xyz\0\0\0", "a second look keeps the reply");
        drop(irp);
        assert_eq!(request.buffer(), b"xyz\0\0\0");
    }

    #[test]
    fn another_transfer_type_has_no_buffered_access() {
        // METHOD_OUT_DIRECT's system buffer holds the input only (here 1 byte); an 8-byte output
        // slice over it would overrun the pool block.
        let mut request = Request::new(IRP_MJ_DEVICE_CONTROL, METHOD_OUT_DIRECT, b"a", 8);
        let mut irp = request.irp();
        assert!(irp.buffered_output().is_none());
        assert!(irp.buffered_input::<8>().is_none());
        assert!(irp.buffered::<8>().is_none());
    }

    #[test]
    fn another_request_has_no_buffered_access() {
        let mut request = Request::new(IRP_MJ_CREATE, METHOD_BUFFERED, b"a", 8);
        let mut irp = request.irp();
        assert!(irp.buffered_output().is_none());
        assert!(irp.buffered_input::<8>().is_none());
    }
}
