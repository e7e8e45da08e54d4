//! Constants of the wdk-sys stand-in (Linux cross-builds only).
//!
//! Types as in the real crate: `STATUS_*` are `NTSTATUS` (the real crate's hand-written list),
//! `POOL_FLAG_*` are `POOL_FLAGS` (hand-ported there too, bindgen cannot read `ui64` suffixes),
//! and every other `#define` is what bindgen makes of an integer macro that fits: `u32`.
//! `tests/layout.rs` checks every value against mingw-w64's DDK headers.

use crate::types::{NTSTATUS, POBJECT_TYPE, POOL_FLAGS};

// ---------------------------------------------------------------------------------------------
// NTSTATUS values (ntstatus.h)
// ---------------------------------------------------------------------------------------------

pub const STATUS_SUCCESS: NTSTATUS = 0x0000_0000_u32 as NTSTATUS;
pub const STATUS_WAIT_0: NTSTATUS = 0x0000_0000_u32 as NTSTATUS;
pub const STATUS_ABANDONED: NTSTATUS = 0x0000_0080_u32 as NTSTATUS;
pub const STATUS_USER_APC: NTSTATUS = 0x0000_00C0_u32 as NTSTATUS;
pub const STATUS_ALERTED: NTSTATUS = 0x0000_0101_u32 as NTSTATUS;
pub const STATUS_TIMEOUT: NTSTATUS = 0x0000_0102_u32 as NTSTATUS;
pub const STATUS_PENDING: NTSTATUS = 0x0000_0103_u32 as NTSTATUS;
pub const STATUS_REPARSE: NTSTATUS = 0x0000_0104_u32 as NTSTATUS;
pub const STATUS_MORE_ENTRIES: NTSTATUS = 0x0000_0105_u32 as NTSTATUS;
pub const STATUS_OBJECT_NAME_EXISTS: NTSTATUS = 0x4000_0000_u32 as NTSTATUS;
pub const STATUS_BUFFER_OVERFLOW: NTSTATUS = 0x8000_0005_u32 as NTSTATUS;
pub const STATUS_NO_MORE_ENTRIES: NTSTATUS = 0x8000_001A_u32 as NTSTATUS;
pub const STATUS_DEVICE_BUSY: NTSTATUS = 0x8000_0011_u32 as NTSTATUS;
pub const STATUS_UNSUCCESSFUL: NTSTATUS = 0xC000_0001_u32 as NTSTATUS;
pub const STATUS_NOT_IMPLEMENTED: NTSTATUS = 0xC000_0002_u32 as NTSTATUS;
pub const STATUS_INVALID_INFO_CLASS: NTSTATUS = 0xC000_0003_u32 as NTSTATUS;
pub const STATUS_INFO_LENGTH_MISMATCH: NTSTATUS = 0xC000_0004_u32 as NTSTATUS;
pub const STATUS_ACCESS_VIOLATION: NTSTATUS = 0xC000_0005_u32 as NTSTATUS;
pub const STATUS_INVALID_HANDLE: NTSTATUS = 0xC000_0008_u32 as NTSTATUS;
pub const STATUS_INVALID_PARAMETER: NTSTATUS = 0xC000_000D_u32 as NTSTATUS;
pub const STATUS_NO_SUCH_DEVICE: NTSTATUS = 0xC000_000E_u32 as NTSTATUS;
pub const STATUS_NO_SUCH_FILE: NTSTATUS = 0xC000_000F_u32 as NTSTATUS;
pub const STATUS_INVALID_DEVICE_REQUEST: NTSTATUS = 0xC000_0010_u32 as NTSTATUS;
pub const STATUS_END_OF_FILE: NTSTATUS = 0xC000_0011_u32 as NTSTATUS;
pub const STATUS_MORE_PROCESSING_REQUIRED: NTSTATUS = 0xC000_0016_u32 as NTSTATUS;
pub const STATUS_NO_MEMORY: NTSTATUS = 0xC000_0017_u32 as NTSTATUS;
pub const STATUS_ACCESS_DENIED: NTSTATUS = 0xC000_0022_u32 as NTSTATUS;
pub const STATUS_BUFFER_TOO_SMALL: NTSTATUS = 0xC000_0023_u32 as NTSTATUS;
pub const STATUS_OBJECT_TYPE_MISMATCH: NTSTATUS = 0xC000_0024_u32 as NTSTATUS;
pub const STATUS_OBJECT_NAME_INVALID: NTSTATUS = 0xC000_0033_u32 as NTSTATUS;
pub const STATUS_OBJECT_NAME_NOT_FOUND: NTSTATUS = 0xC000_0034_u32 as NTSTATUS;
pub const STATUS_OBJECT_NAME_COLLISION: NTSTATUS = 0xC000_0035_u32 as NTSTATUS;
pub const STATUS_OBJECT_PATH_NOT_FOUND: NTSTATUS = 0xC000_003A_u32 as NTSTATUS;
pub const STATUS_SHARING_VIOLATION: NTSTATUS = 0xC000_0043_u32 as NTSTATUS;
pub const STATUS_DELETE_PENDING: NTSTATUS = 0xC000_0056_u32 as NTSTATUS;
pub const STATUS_INTEGER_OVERFLOW: NTSTATUS = 0xC000_0095_u32 as NTSTATUS;
pub const STATUS_INSUFFICIENT_RESOURCES: NTSTATUS = 0xC000_009A_u32 as NTSTATUS;
pub const STATUS_DEVICE_NOT_READY: NTSTATUS = 0xC000_00A3_u32 as NTSTATUS;
pub const STATUS_ILLEGAL_FUNCTION: NTSTATUS = 0xC000_00AF_u32 as NTSTATUS;
pub const STATUS_NOT_SUPPORTED: NTSTATUS = 0xC000_00BB_u32 as NTSTATUS;
pub const STATUS_DEVICE_DOES_NOT_EXIST: NTSTATUS = 0xC000_00C0_u32 as NTSTATUS;
pub const STATUS_INTERNAL_ERROR: NTSTATUS = 0xC000_00E5_u32 as NTSTATUS;
pub const STATUS_INVALID_USER_BUFFER: NTSTATUS = 0xC000_00E8_u32 as NTSTATUS;
pub const STATUS_INVALID_PARAMETER_1: NTSTATUS = 0xC000_00EF_u32 as NTSTATUS;
pub const STATUS_INVALID_PARAMETER_2: NTSTATUS = 0xC000_00F0_u32 as NTSTATUS;
pub const STATUS_INVALID_PARAMETER_3: NTSTATUS = 0xC000_00F1_u32 as NTSTATUS;
pub const STATUS_PROCESS_IS_TERMINATING: NTSTATUS = 0xC000_010A_u32 as NTSTATUS;
pub const STATUS_CANCELLED: NTSTATUS = 0xC000_0120_u32 as NTSTATUS;
pub const STATUS_FILE_CLOSED: NTSTATUS = 0xC000_0128_u32 as NTSTATUS;
pub const STATUS_INVALID_DEVICE_STATE: NTSTATUS = 0xC000_0184_u32 as NTSTATUS;
pub const STATUS_INVALID_BUFFER_SIZE: NTSTATUS = 0xC000_0206_u32 as NTSTATUS;
pub const STATUS_NOT_FOUND: NTSTATUS = 0xC000_0225_u32 as NTSTATUS;
pub const STATUS_RETRY: NTSTATUS = 0xC000_022D_u32 as NTSTATUS;
pub const STATUS_REQUEST_ABORTED: NTSTATUS = 0xC000_0240_u32 as NTSTATUS;
pub const STATUS_DEVICE_REMOVED: NTSTATUS = 0xC000_02B6_u32 as NTSTATUS;
pub const STATUS_NOINTERFACE: NTSTATUS = 0xC000_02B9_u32 as NTSTATUS;

// ---------------------------------------------------------------------------------------------
// Pool flags for ExAllocatePool2 (wdm.h)
// ---------------------------------------------------------------------------------------------

pub const POOL_FLAG_REQUIRED_START: POOL_FLAGS = 0x0000_0000_0000_0001;
pub const POOL_FLAG_USE_QUOTA: POOL_FLAGS = 0x0000_0000_0000_0001;
pub const POOL_FLAG_UNINITIALIZED: POOL_FLAGS = 0x0000_0000_0000_0002;
pub const POOL_FLAG_SESSION: POOL_FLAGS = 0x0000_0000_0000_0004;
pub const POOL_FLAG_CACHE_ALIGNED: POOL_FLAGS = 0x0000_0000_0000_0008;
pub const POOL_FLAG_RESERVED1: POOL_FLAGS = 0x0000_0000_0000_0010;
pub const POOL_FLAG_RAISE_ON_FAILURE: POOL_FLAGS = 0x0000_0000_0000_0020;
pub const POOL_FLAG_NON_PAGED: POOL_FLAGS = 0x0000_0000_0000_0040;
pub const POOL_FLAG_NON_PAGED_EXECUTE: POOL_FLAGS = 0x0000_0000_0000_0080;
pub const POOL_FLAG_PAGED: POOL_FLAGS = 0x0000_0000_0000_0100;
pub const POOL_FLAG_RESERVED2: POOL_FLAGS = 0x0000_0000_0000_0200;
pub const POOL_FLAG_RESERVED3: POOL_FLAGS = 0x0000_0000_0000_0400;
pub const POOL_FLAG_REQUIRED_END: POOL_FLAGS = 0x0000_0000_8000_0000;
pub const POOL_FLAG_OPTIONAL_START: POOL_FLAGS = 0x0000_0001_0000_0000;
pub const POOL_FLAG_SPECIAL_POOL: POOL_FLAGS = 0x0000_0001_0000_0000;
pub const POOL_FLAG_OPTIONAL_END: POOL_FLAGS = 0x8000_0000_0000_0000;

// ---------------------------------------------------------------------------------------------
// Booleans, IRQLs (x64), sizes
// ---------------------------------------------------------------------------------------------

pub const FALSE: u32 = 0;
pub const TRUE: u32 = 1;

pub const PASSIVE_LEVEL: u32 = 0;
pub const LOW_LEVEL: u32 = 0;
pub const APC_LEVEL: u32 = 1;
pub const DISPATCH_LEVEL: u32 = 2;
pub const CMCI_LEVEL: u32 = 5;
pub const CLOCK_LEVEL: u32 = 13;
pub const IPI_LEVEL: u32 = 14;
pub const DRS_LEVEL: u32 = 14;
pub const POWER_LEVEL: u32 = 14;
pub const PROFILE_LEVEL: u32 = 15;
pub const HIGH_LEVEL: u32 = 15;

pub const PAGE_SIZE: u32 = 0x1000;
pub const MEMORY_ALLOCATION_ALIGNMENT: u32 = 16;
pub const ALL_PROCESSOR_GROUPS: u32 = 0xffff;

// ---------------------------------------------------------------------------------------------
// IRPs and devices (wdm.h)
// ---------------------------------------------------------------------------------------------

pub const IRP_MJ_CREATE: u32 = 0x00;
pub const IRP_MJ_CREATE_NAMED_PIPE: u32 = 0x01;
pub const IRP_MJ_CLOSE: u32 = 0x02;
pub const IRP_MJ_READ: u32 = 0x03;
pub const IRP_MJ_WRITE: u32 = 0x04;
pub const IRP_MJ_QUERY_INFORMATION: u32 = 0x05;
pub const IRP_MJ_SET_INFORMATION: u32 = 0x06;
pub const IRP_MJ_QUERY_EA: u32 = 0x07;
pub const IRP_MJ_SET_EA: u32 = 0x08;
pub const IRP_MJ_FLUSH_BUFFERS: u32 = 0x09;
pub const IRP_MJ_QUERY_VOLUME_INFORMATION: u32 = 0x0a;
pub const IRP_MJ_SET_VOLUME_INFORMATION: u32 = 0x0b;
pub const IRP_MJ_DIRECTORY_CONTROL: u32 = 0x0c;
pub const IRP_MJ_FILE_SYSTEM_CONTROL: u32 = 0x0d;
pub const IRP_MJ_DEVICE_CONTROL: u32 = 0x0e;
pub const IRP_MJ_INTERNAL_DEVICE_CONTROL: u32 = 0x0f;
pub const IRP_MJ_SHUTDOWN: u32 = 0x10;
pub const IRP_MJ_LOCK_CONTROL: u32 = 0x11;
pub const IRP_MJ_CLEANUP: u32 = 0x12;
pub const IRP_MJ_CREATE_MAILSLOT: u32 = 0x13;
pub const IRP_MJ_QUERY_SECURITY: u32 = 0x14;
pub const IRP_MJ_SET_SECURITY: u32 = 0x15;
pub const IRP_MJ_POWER: u32 = 0x16;
pub const IRP_MJ_SYSTEM_CONTROL: u32 = 0x17;
pub const IRP_MJ_DEVICE_CHANGE: u32 = 0x18;
pub const IRP_MJ_QUERY_QUOTA: u32 = 0x19;
pub const IRP_MJ_SET_QUOTA: u32 = 0x1a;
pub const IRP_MJ_PNP: u32 = 0x1b;
pub const IRP_MJ_PNP_POWER: u32 = 0x1b;
pub const IRP_MJ_MAXIMUM_FUNCTION: u32 = 0x1b;
pub const IRP_MJ_SCSI: u32 = 0x0f;

pub const IRP_MN_QUERY_INTERFACE: u32 = 0x08;

pub const IO_NO_INCREMENT: u32 = 0;

pub const SL_PENDING_RETURNED: u32 = 0x01;
pub const SL_ERROR_RETURNED: u32 = 0x02;
pub const SL_INVOKE_ON_CANCEL: u32 = 0x20;
pub const SL_INVOKE_ON_SUCCESS: u32 = 0x40;
pub const SL_INVOKE_ON_ERROR: u32 = 0x80;

pub const FILE_DEVICE_UNKNOWN: u32 = 0x0000_0022;
pub const FILE_DEVICE_SECURE_OPEN: u32 = 0x0000_0100;

pub const METHOD_BUFFERED: u32 = 0;
pub const METHOD_IN_DIRECT: u32 = 1;
pub const METHOD_OUT_DIRECT: u32 = 2;
pub const METHOD_NEITHER: u32 = 3;

pub const FILE_ANY_ACCESS: u32 = 0;
pub const FILE_SPECIAL_ACCESS: u32 = 0;
pub const FILE_READ_ACCESS: u32 = 0x0001;
pub const FILE_WRITE_ACCESS: u32 = 0x0002;

pub const DO_VERIFY_VOLUME: u32 = 0x0000_0002;
pub const DO_BUFFERED_IO: u32 = 0x0000_0004;
pub const DO_EXCLUSIVE: u32 = 0x0000_0008;
pub const DO_DIRECT_IO: u32 = 0x0000_0010;
pub const DO_MAP_IO_BUFFER: u32 = 0x0000_0020;
pub const DO_DEVICE_INITIALIZING: u32 = 0x0000_0080;
pub const DO_SHUTDOWN_REGISTERED: u32 = 0x0000_0800;
pub const DO_BUS_ENUMERATED_DEVICE: u32 = 0x0000_1000;
pub const DO_POWER_PAGABLE: u32 = 0x0000_2000;
pub const DO_POWER_INRUSH: u32 = 0x0000_4000;

// ---------------------------------------------------------------------------------------------
// Access rights
// ---------------------------------------------------------------------------------------------

pub const DELETE: u32 = 0x0001_0000;
pub const READ_CONTROL: u32 = 0x0002_0000;
pub const WRITE_DAC: u32 = 0x0004_0000;
pub const WRITE_OWNER: u32 = 0x0008_0000;
pub const SYNCHRONIZE: u32 = 0x0010_0000;
pub const STANDARD_RIGHTS_REQUIRED: u32 = 0x000F_0000;
pub const STANDARD_RIGHTS_READ: u32 = READ_CONTROL;
pub const STANDARD_RIGHTS_WRITE: u32 = READ_CONTROL;
pub const STANDARD_RIGHTS_EXECUTE: u32 = READ_CONTROL;
pub const STANDARD_RIGHTS_ALL: u32 = 0x001F_0000;
pub const SPECIFIC_RIGHTS_ALL: u32 = 0x0000_FFFF;
pub const MAXIMUM_ALLOWED: u32 = 0x0200_0000;
pub const GENERIC_READ: u32 = 0x8000_0000;
pub const GENERIC_WRITE: u32 = 0x4000_0000;
pub const GENERIC_EXECUTE: u32 = 0x2000_0000;
pub const GENERIC_ALL: u32 = 0x1000_0000;

pub const FILE_READ_DATA: u32 = 0x0001;
pub const FILE_WRITE_DATA: u32 = 0x0002;
pub const FILE_APPEND_DATA: u32 = 0x0004;
pub const FILE_READ_EA: u32 = 0x0008;
pub const FILE_WRITE_EA: u32 = 0x0010;
pub const FILE_EXECUTE: u32 = 0x0020;
pub const FILE_READ_ATTRIBUTES: u32 = 0x0080;
pub const FILE_WRITE_ATTRIBUTES: u32 = 0x0100;
pub const FILE_ALL_ACCESS: u32 = STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0x1FF;
pub const FILE_GENERIC_READ: u32 =
    STANDARD_RIGHTS_READ | FILE_READ_DATA | FILE_READ_ATTRIBUTES | FILE_READ_EA | SYNCHRONIZE;
pub const FILE_GENERIC_WRITE: u32 =
    STANDARD_RIGHTS_WRITE | FILE_WRITE_DATA | FILE_WRITE_ATTRIBUTES | FILE_WRITE_EA | FILE_APPEND_DATA | SYNCHRONIZE;

pub const THREAD_ALL_ACCESS: u32 = STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0xFFFF;

// ---------------------------------------------------------------------------------------------
// Files and object attributes
// ---------------------------------------------------------------------------------------------

pub const FILE_SHARE_READ: u32 = 0x0000_0001;
pub const FILE_SHARE_WRITE: u32 = 0x0000_0002;
pub const FILE_SHARE_DELETE: u32 = 0x0000_0004;
pub const FILE_ATTRIBUTE_NORMAL: u32 = 0x0000_0080;

pub const FILE_SUPERSEDE: u32 = 0x0000_0000;
pub const FILE_OPEN: u32 = 0x0000_0001;
pub const FILE_CREATE: u32 = 0x0000_0002;
pub const FILE_OPEN_IF: u32 = 0x0000_0003;
pub const FILE_OVERWRITE: u32 = 0x0000_0004;
pub const FILE_OVERWRITE_IF: u32 = 0x0000_0005;

pub const FILE_DIRECTORY_FILE: u32 = 0x0000_0001;
pub const FILE_WRITE_THROUGH: u32 = 0x0000_0002;
pub const FILE_SEQUENTIAL_ONLY: u32 = 0x0000_0004;
pub const FILE_SYNCHRONOUS_IO_ALERT: u32 = 0x0000_0010;
pub const FILE_SYNCHRONOUS_IO_NONALERT: u32 = 0x0000_0020;
pub const FILE_NON_DIRECTORY_FILE: u32 = 0x0000_0040;

pub const OBJ_INHERIT: u32 = 0x0000_0002;
pub const OBJ_PERMANENT: u32 = 0x0000_0010;
pub const OBJ_EXCLUSIVE: u32 = 0x0000_0020;
pub const OBJ_CASE_INSENSITIVE: u32 = 0x0000_0040;
pub const OBJ_OPENIF: u32 = 0x0000_0080;
pub const OBJ_OPENLINK: u32 = 0x0000_0100;
pub const OBJ_KERNEL_HANDLE: u32 = 0x0000_0200;
pub const OBJ_FORCE_ACCESS_CHECK: u32 = 0x0000_0400;

// ---------------------------------------------------------------------------------------------
// Security descriptors, ACLs, SIDs. `SECURITY_NT_AUTHORITY` is a brace initializer in C, which
// bindgen does not translate: build it as `SID_IDENTIFIER_AUTHORITY { Value: [0, 0, 0, 0, 0, 5] }`.
// ---------------------------------------------------------------------------------------------

pub const SECURITY_DESCRIPTOR_REVISION: u32 = 1;
pub const SECURITY_DESCRIPTOR_REVISION1: u32 = 1;
pub const SE_DACL_PRESENT: u32 = 0x0004;
pub const ACL_REVISION: u32 = 2;
pub const ACL_REVISION_DS: u32 = 4;
pub const SID_REVISION: u32 = 1;
pub const ACCESS_ALLOWED_ACE_TYPE: u32 = 0x0;
pub const ACCESS_DENIED_ACE_TYPE: u32 = 0x1;

pub const OWNER_SECURITY_INFORMATION: u32 = 0x0000_0001;
pub const GROUP_SECURITY_INFORMATION: u32 = 0x0000_0002;
pub const DACL_SECURITY_INFORMATION: u32 = 0x0000_0004;
pub const SACL_SECURITY_INFORMATION: u32 = 0x0000_0008;
pub const LABEL_SECURITY_INFORMATION: u32 = 0x0000_0010;
pub const PROTECTED_DACL_SECURITY_INFORMATION: u32 = 0x8000_0000;

pub const SECURITY_NULL_RID: u32 = 0x0000_0000;
pub const SECURITY_WORLD_RID: u32 = 0x0000_0000;
pub const SECURITY_INTERACTIVE_RID: u32 = 0x0000_0004;
pub const SECURITY_AUTHENTICATED_USER_RID: u32 = 0x0000_000B;
pub const SECURITY_LOCAL_SYSTEM_RID: u32 = 0x0000_0012;
pub const SECURITY_LOCAL_SERVICE_RID: u32 = 0x0000_0013;
pub const SECURITY_NETWORK_SERVICE_RID: u32 = 0x0000_0014;
pub const SECURITY_BUILTIN_DOMAIN_RID: u32 = 0x0000_0020;
pub const DOMAIN_ALIAS_RID_ADMINS: u32 = 0x0000_0220;
pub const DOMAIN_ALIAS_RID_USERS: u32 = 0x0000_0221;

// ---------------------------------------------------------------------------------------------
// Run-down protection (wdm.h)
// ---------------------------------------------------------------------------------------------

pub const EX_RUNDOWN_ACTIVE: u32 = 0x1;
pub const EX_RUNDOWN_COUNT_SHIFT: u32 = 0x1;
pub const EX_RUNDOWN_COUNT_INC: u32 = 1 << EX_RUNDOWN_COUNT_SHIFT;

// ---------------------------------------------------------------------------------------------
// Debug print levels for DbgPrintEx (dpfilter.h, included by wdm.h). The component ids are the
// `_DPFLTR_TYPE` enum in types.rs.
// ---------------------------------------------------------------------------------------------

pub const DPFLTR_ERROR_LEVEL: u32 = 0;
pub const DPFLTR_WARNING_LEVEL: u32 = 1;
pub const DPFLTR_TRACE_LEVEL: u32 = 2;
pub const DPFLTR_INFO_LEVEL: u32 = 3;
pub const DPFLTR_MASK: u32 = 0x8000_0000;

// ---------------------------------------------------------------------------------------------
// Variables ntoskrnl.exe exports (wdm.h). bindgen's VARS pass puts them here, as in the real
// crate; wdm.h declares `extern POBJECT_TYPE *IoFileObjectType;` (the import slot), hence the
// extra level of pointer: callers pass `*IoFileObjectType`.
//
// One difference, in the link name only: the WDK's ntoskrnl.lib defines the symbol
// `IoFileObjectType` as the import slot itself (a CONSTANT export), but mingw-w64's
// libntoskrnl.a defines only `__imp_IoFileObjectType`, the same slot under its import name.
// The stand-in links to that name, so the static means the same thing in both builds.
// ---------------------------------------------------------------------------------------------

unsafe extern "C" {
    #[link_name = "__imp_IoFileObjectType"]
    pub static mut IoFileObjectType: *mut POBJECT_TYPE;
}
