//! A routine's `NTSTATUS` as a `Result`.

use rundown_abi::NtStatus;
use wdk_sys::{NT_SUCCESS, NTSTATUS};

/// `Ok` for a success or informational status, the status as an [`NtStatus`] otherwise.
pub(crate) fn check(status: NTSTATUS) -> Result<(), NtStatus> {
    if NT_SUCCESS(status) { Ok(()) } else { Err(NtStatus::from_raw(status)) }
}
