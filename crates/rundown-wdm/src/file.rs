//! File-object contexts: what CREATE keeps in `FILE_OBJECT.FsContext`, owned the way
//! Rust-for-Linux's `ForeignOwnable` owns a file's private data.
//!
//! The value is turned into a pointer at CREATE ([`ForeignOwnable::into_foreign`]), borrowed as
//! `&Target` by every later request of the file object ([`ForeignOwnable::borrow`]), and turned
//! back into the value at CLOSE, the file object's last request
//! ([`ForeignOwnable::from_foreign`]). The dispatch routines of [`driver!`](crate::driver) do all
//! three; a driver only names the type ([`Driver::File`](crate::Driver::File)) and gets `&Target`
//! or the value back.

use alloc::boxed::Box;
use core::ffi::c_void;
use core::ptr::NonNull;

/// A value that can live behind a raw pointer owned by the kernel (`FsContext`) between CREATE
/// and CLOSE.
///
/// ```
/// use rundown_wdm::ForeignOwnable;
///
/// let pointer = Box::new(7u32).into_foreign();
/// // SAFETY: from `into_foreign`, not taken back yet; the borrow ends before `from_foreign`.
/// assert_eq!(unsafe { <Box<u32>>::borrow(pointer) }, &7);
/// // SAFETY: from `into_foreign`, taken back once.
/// let back: Box<u32> = unsafe { ForeignOwnable::from_foreign(pointer) };
/// assert_eq!(*back, 7);
/// ```
///
/// # Safety
/// An implementation promises that the pointer [`into_foreign`](Self::into_foreign) returns
/// stays valid for [`borrow`](Self::borrow) (as a `&Target` of any lifetime that ends before
/// [`from_foreign`](Self::from_foreign)), from any thread, until `from_foreign` takes the value
/// back; and that `from_foreign` gives back the value `into_foreign` consumed.
pub unsafe trait ForeignOwnable: Sized + Send + Sync {
    /// What requests borrow.
    type Target: Sync;

    /// Gives up the value for a pointer to it.
    ///
    /// ```
    /// use rundown_wdm::ForeignOwnable;
    ///
    /// let pointer = Box::new(1u8).into_foreign();
    /// // SAFETY: from `into_foreign`, taken back once.
    /// drop(unsafe { <Box<u8>>::from_foreign(pointer) });
    /// ```
    fn into_foreign(self) -> NonNull<c_void>;

    /// Borrows the value behind `pointer`.
    ///
    /// # Safety
    /// `pointer` came from [`into_foreign`](Self::into_foreign) of this type, and
    /// [`from_foreign`](Self::from_foreign) is not called for it while the borrow lasts.
    ///
    /// ```
    /// use rundown_wdm::ForeignOwnable;
    ///
    /// let pointer = ().into_foreign();
    /// // SAFETY: from `into_foreign`, not taken back.
    /// assert_eq!(unsafe { <()>::borrow(pointer) }, &());
    /// ```
    unsafe fn borrow<'a>(pointer: NonNull<c_void>) -> &'a Self::Target;

    /// Takes the value behind `pointer` back.
    ///
    /// # Safety
    /// `pointer` came from [`into_foreign`](Self::into_foreign) of this type, is taken back once,
    /// and no borrow of it is alive.
    ///
    /// ```
    /// use rundown_wdm::ForeignOwnable;
    ///
    /// let pointer = Box::new([1u32, 2]).into_foreign();
    /// // SAFETY: from `into_foreign`, taken back once, no borrow alive.
    /// let back: Box<[u32; 2]> = unsafe { ForeignOwnable::from_foreign(pointer) };
    /// assert_eq!(*back, [1, 2]);
    /// ```
    unsafe fn from_foreign(pointer: NonNull<c_void>) -> Self;
}

// SAFETY: `Box::into_raw` gives up a unique, live allocation until `Box::from_raw` takes it back;
// `T: Sync` lets any thread borrow it, `T: Send` lets CLOSE's thread drop it.
unsafe impl<T: Send + Sync> ForeignOwnable for Box<T> {
    type Target = T;

    fn into_foreign(self) -> NonNull<c_void> {
        NonNull::from(Box::leak(self)).cast()
    }

    unsafe fn borrow<'a>(pointer: NonNull<c_void>) -> &'a T {
        // SAFETY: a leaked `Box<T>`, alive until `from_foreign` (caller).
        unsafe { pointer.cast::<T>().as_ref() }
    }

    unsafe fn from_foreign(pointer: NonNull<c_void>) -> Self {
        // SAFETY: the `Box<T>` leaked by `into_foreign`, taken back once (caller).
        unsafe { Box::from_raw(pointer.cast::<T>().as_ptr()) }
    }
}

// SAFETY: nothing is owned: the pointer is dangling but non-null and aligned, which is all a `&()`
// needs.
unsafe impl ForeignOwnable for () {
    type Target = ();

    fn into_foreign(self) -> NonNull<c_void> {
        NonNull::<()>::dangling().cast()
    }

    unsafe fn borrow<'a>(_pointer: NonNull<c_void>) -> &'a () {
        &()
    }

    unsafe fn from_foreign(_pointer: NonNull<c_void>) -> Self {}
}

/// Which file object a request came through: its address, to tell requests of different handles
/// apart (a pended request is cancelled by its handle's CLEANUP). `FileKey::NONE` for a request
/// without one (a kernel sender's IRP built for a device object).
///
/// ```
/// use rundown_wdm::FileKey;
///
/// assert_eq!(FileKey::NONE.as_usize(), 0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FileKey(usize);

impl FileKey {
    /// No file object.
    pub const NONE: Self = Self(0);

    pub(crate) fn of(file: *const wdk_sys::FILE_OBJECT) -> Self {
        Self(file as usize)
    }

    /// The file object's address (0 for [`FileKey::NONE`]).
    ///
    /// ```
    /// assert_eq!(rundown_wdm::FileKey::NONE.as_usize(), 0);
    /// ```
    #[must_use]
    pub const fn as_usize(self) -> usize {
        self.0
    }
}
