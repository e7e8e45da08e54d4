//! The DACL of [`DeviceAccess::SystemAndAdministrators`](crate::DeviceAccess): SDDL
//! `D:P(A;;FA;;;SY)(A;;FA;;;BA)`.
//!
//! `IoCreateDeviceSecure` lives in the static library wdmsec.lib, which windows-drivers-rs does
//! not link, so the DACL is built and applied with NtosKrnl's own routines.

use core::ffi::c_void;
use core::ptr::NonNull;

use rundown_abi::NtStatus;
use wdk_sys::ntddk::{
    ObOpenObjectByPointer, RtlAddAccessAllowedAce, RtlCreateAcl, RtlCreateSecurityDescriptor,
    RtlSetDaclSecurityDescriptor, ZwClose, ZwSetSecurityObject,
};
use wdk_sys::{
    ACL, ACL_REVISION, DACL_SECURITY_INFORMATION, DEVICE_OBJECT, FILE_ALL_ACCESS, HANDLE, OBJ_KERNEL_HANDLE,
    SECURITY_DESCRIPTOR, SECURITY_DESCRIPTOR_REVISION, WRITE_DAC,
};

use crate::status::check;
use crate::wdk_values::{FALSE, KERNEL_MODE, TRUE};

/// A well-known SID in the NT authority (S-1-5-...), laid out as `SID` with `N` sub-authorities.
#[repr(C)]
struct NtAuthoritySid<const N: usize> {
    revision: u8,
    sub_authority_count: u8,
    identifier_authority: [u8; 6],
    sub_authority: [u32; N],
}

impl<const N: usize> NtAuthoritySid<N> {
    const fn new(sub_authority: [u32; N]) -> Self {
        assert!(N <= 15, "a SID has at most 15 sub-authorities");
        #[expect(clippy::cast_possible_truncation, reason = "at most 15, asserted above")]
        let count = N as u8;
        Self { revision: 1, sub_authority_count: count, identifier_authority: [0, 0, 0, 0, 0, 5], sub_authority }
    }

    fn as_psid(&self) -> *mut c_void {
        core::ptr::from_ref(self).cast_mut().cast()
    }
}

/// S-1-5-18, LocalSystem.
const LOCAL_SYSTEM: NtAuthoritySid<1> = NtAuthoritySid::new([18]);
/// S-1-5-32-544, BUILTIN\Administrators.
const ADMINISTRATORS: NtAuthoritySid<2> = NtAuthoritySid::new([32, 544]);

/// An ACL with room for the two ACEs: header 8 + (8 + 12) + (8 + 16) bytes, rounded up.
#[repr(C, align(4))]
struct AclBuffer([u8; 64]);

/// Replaces `device`'s DACL with one that grants all access to SYSTEM and Administrators and
/// nothing to anyone else.
pub(crate) fn restrict_to_system_and_administrators(device: NonNull<DEVICE_OBJECT>) -> Result<(), NtStatus> {
    let (system, administrators) = (LOCAL_SYSTEM, ADMINISTRATORS);
    let mut acl_buffer = AclBuffer([0; 64]);
    let acl = core::ptr::from_mut(&mut acl_buffer).cast::<ACL>();
    // SAFETY: a 64-byte, 4-aligned buffer, the size given.
    check(unsafe { RtlCreateAcl(acl, 64, ACL_REVISION) })?;
    // SAFETY: an initialized ACL with room for this ACE; a valid SID.
    check(unsafe { RtlAddAccessAllowedAce(acl, ACL_REVISION, FILE_ALL_ACCESS, system.as_psid()) })?;
    // SAFETY: as above, and the buffer has room for the second ACE.
    check(unsafe { RtlAddAccessAllowedAce(acl, ACL_REVISION, FILE_ALL_ACCESS, administrators.as_psid()) })?;
    let mut descriptor = SECURITY_DESCRIPTOR::default();
    let descriptor_ptr = core::ptr::from_mut(&mut descriptor).cast::<c_void>();
    // SAFETY: a SECURITY_DESCRIPTOR-sized buffer.
    check(unsafe { RtlCreateSecurityDescriptor(descriptor_ptr, SECURITY_DESCRIPTOR_REVISION) })?;
    // SAFETY: an initialized absolute descriptor and a valid ACL, both alive until the call below
    // has copied them.
    check(unsafe { RtlSetDaclSecurityDescriptor(descriptor_ptr, TRUE, acl, FALSE) })?;
    let mut handle: HANDLE = core::ptr::null_mut();
    // SAFETY: a live device object; a kernel handle for WRITE_DAC, closed below.
    check(unsafe {
        ObOpenObjectByPointer(
            device.as_ptr().cast(),
            OBJ_KERNEL_HANDLE,
            core::ptr::null_mut(),
            WRITE_DAC,
            core::ptr::null_mut(),
            KERNEL_MODE,
            &raw mut handle,
        )
    })?;
    // SAFETY: the handle just opened with WRITE_DAC; the descriptor is valid.
    let status = unsafe { ZwSetSecurityObject(handle, DACL_SECURITY_INFORMATION, descriptor_ptr) };
    // SAFETY: opened above, closed once.
    let _ = unsafe { ZwClose(handle) };
    check(status)
}
