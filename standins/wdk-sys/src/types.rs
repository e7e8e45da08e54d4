//! Types of the wdk-sys stand-in (Linux cross-builds only), following the real crate's
//! bindgen output for the WDM headers of WDK 10.0.22621/10.0.26100 on x86_64.
//!
//! Conventions (bindgen's):
//! - a C `typedef struct _X {..} X, *PX;` is `pub struct _X`, `pub type X = _X;`,
//!   `pub type PX = *mut _X;`;
//! - an anonymous member is a field `__bindgen_anon_N` (N counts anonymous members of that
//!   aggregate) of type `_X__bindgen_ty_M` (M counts all unnamed aggregate types declared
//!   inside `_X`, named members such as `Tail` included), nested as in C, so that the same field
//!   paths and the same `unsafe` union reads compile against both crates;
//! - fields that C aligns beyond their natural alignment (`POINTER_ALIGNMENT`) get explicit
//!   `__bindgen_padding_N` fields before them, as bindgen emits them;
//! - `DECLSPEC_ALIGN(MEMORY_ALLOCATION_ALIGNMENT)` structs (`_IRP`, `_DEVICE_OBJECT`) are
//!   `#[repr(align(16))]`;
//! - C bitfields become `_bitfield_align_N`/`_bitfield_N` storage of the right size and
//!   alignment ([`__BindgenBitfieldUnit`]); unlike bindgen, no accessor methods are generated.
//! - every struct and union implements `Default` (all-zero, as bindgen's `derive_default`),
//!   `Copy` and `Clone`; structs without unions also derive `Debug`.
//!
//! Simplifications (sizes and offsets are unaffected; `tests/layout.rs` checks them):
//! - in `_DISPATCHER_HEADER`, the single-byte unions that pair a flags byte with a bitfield
//!   struct keep only the flags byte (`TimerControlFlags`, `ThreadControlFlags`, ...);
//! - pointee types nobody dereferences are opaque (`{ _unused: [u8; 0] }`, bindgen's form for
//!   incomplete types): `_KTHREAD`, `_KPROCESS`, `_EPROCESS`, `_ETHREAD`, `_OBJECT_TYPE`,
//!   `_IO_TIMER`, `_IORING_OBJECT` and `_EX_RUNDOWN_REF_CACHE_AWARE` (opaque in the WDK too),
//!   and `_DEVOBJ_EXTENSION`, `_FAST_IO_DISPATCH`, `_ACCESS_STATE`,
//!   `_SECURITY_QUALITY_OF_SERVICE` (complete in the WDK, opaque here).
//!
//! Scalar widths are written out (`LONG = i32`, not `c_long`) so that the host layout test sees
//! the LLP64 sizes of the Windows target.

use core::ffi::{c_char, c_void};

/// All-zero `Default`, as bindgen's `derive_default` generates for types with pointers, unions
/// or function pointers.
macro_rules! zeroed_default {
    ($($t:ty),* $(,)?) => {$(
        impl Default for $t {
            fn default() -> Self {
                // SAFETY: the type is `repr(C)` and made only of integers, raw pointers,
                // `Option`s of function pointers and aggregates of those, for all of which
                // all-zero bytes are a valid value.
                unsafe { core::mem::zeroed() }
            }
        }
    )*};
}

/// bindgen's storage type for C bitfields (`_bitfield_N` fields): the raw bytes, with the
/// alignment supplied by a sibling `_bitfield_align_N: [T; 0]` field.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct __BindgenBitfieldUnit<Storage> {
    storage: Storage,
}

impl<Storage> __BindgenBitfieldUnit<Storage> {
    /// Wraps raw bitfield storage.
    #[inline]
    pub const fn new(storage: Storage) -> Self {
        Self { storage }
    }
}

// ---------------------------------------------------------------------------------------------
// Scalars (ntdef.h / basetsd.h, LLP64)
// ---------------------------------------------------------------------------------------------

pub type VOID = c_void;
pub type CHAR = c_char;
pub type CCHAR = c_char;
pub type UCHAR = u8;
pub type BOOLEAN = UCHAR;
pub type SHORT = i16;
pub type CSHORT = SHORT;
pub type USHORT = u16;
pub type WCHAR = u16;
pub type LONG = i32;
pub type ULONG = u32;
pub type LONG64 = i64;
pub type ULONG64 = u64;
pub type LONGLONG = i64;
pub type ULONGLONG = u64;
pub type LONG_PTR = i64;
pub type ULONG_PTR = u64;
pub type SIZE_T = ULONG_PTR;
pub type NTSTATUS = LONG;
pub type KIRQL = UCHAR;
pub type KPROCESSOR_MODE = CCHAR;
pub type KPRIORITY = LONG;
pub type KSPIN_LOCK = ULONG_PTR;
pub type KAFFINITY = ULONG_PTR;
pub type ACCESS_MASK = ULONG;
pub type DEVICE_TYPE = ULONG;
pub type SECURITY_INFORMATION = ULONG;
pub type SECURITY_DESCRIPTOR_CONTROL = USHORT;
pub type POOL_FLAGS = ULONG64;

pub type PVOID = *mut c_void;
pub type HANDLE = *mut c_void;
pub type PHANDLE = *mut HANDLE;
pub type PCHAR = *mut CHAR;
pub type PSTR = *mut CHAR;
pub type PCSTR = *const CHAR;
pub type PUCHAR = *mut UCHAR;
pub type PWCH = *mut WCHAR;
pub type PWSTR = *mut WCHAR;
pub type PCWSTR = *const WCHAR;
pub type PULONG = *mut ULONG;
pub type PLONG = *mut LONG;
pub type PSIZE_T = *mut SIZE_T;
pub type PKSPIN_LOCK = *mut KSPIN_LOCK;
pub type PACCESS_MASK = *mut ACCESS_MASK;
pub type PSID = PVOID;
pub type PSECURITY_DESCRIPTOR = PVOID;

// ---------------------------------------------------------------------------------------------
// Enums (bindgen `ModuleConsts`)
// ---------------------------------------------------------------------------------------------

pub mod _EVENT_TYPE {
    pub type Type = i32;
    pub const NotificationEvent: Type = 0;
    pub const SynchronizationEvent: Type = 1;
}
pub type EVENT_TYPE = _EVENT_TYPE::Type;

pub mod _TIMER_TYPE {
    pub type Type = i32;
    pub const NotificationTimer: Type = 0;
    pub const SynchronizationTimer: Type = 1;
}
pub type TIMER_TYPE = _TIMER_TYPE::Type;

pub mod _MODE {
    pub type Type = i32;
    pub const KernelMode: Type = 0;
    pub const UserMode: Type = 1;
    pub const MaximumMode: Type = 2;
}
pub type MODE = _MODE::Type;

pub mod _KWAIT_REASON {
    pub type Type = i32;
    pub const Executive: Type = 0;
    pub const FreePage: Type = 1;
    pub const PageIn: Type = 2;
    pub const PoolAllocation: Type = 3;
    pub const DelayExecution: Type = 4;
    pub const Suspended: Type = 5;
    pub const UserRequest: Type = 6;
    pub const WrExecutive: Type = 7;
    pub const WrFreePage: Type = 8;
    pub const WrPageIn: Type = 9;
    pub const WrPoolAllocation: Type = 10;
    pub const WrDelayExecution: Type = 11;
    pub const WrSuspended: Type = 12;
    pub const WrUserRequest: Type = 13;
    pub const WrSpare0: Type = 14;
    pub const WrQueue: Type = 15;
    pub const WrLpcReceive: Type = 16;
    pub const WrLpcReply: Type = 17;
    pub const WrVirtualMemory: Type = 18;
    pub const WrPageOut: Type = 19;
    pub const WrRendezvous: Type = 20;
    pub const WrKeyedEvent: Type = 21;
    pub const WrTerminated: Type = 22;
    pub const WrProcessInSwap: Type = 23;
    pub const WrCpuRateControl: Type = 24;
    pub const WrCalloutStack: Type = 25;
    pub const WrKernel: Type = 26;
    pub const WrResource: Type = 27;
    pub const WrPushLock: Type = 28;
    pub const WrMutex: Type = 29;
    pub const WrQuantumEnd: Type = 30;
    pub const WrDispatchInt: Type = 31;
    pub const WrPreempted: Type = 32;
    pub const WrYieldExecution: Type = 33;
    pub const WrFastMutex: Type = 34;
    pub const WrGuardedMutex: Type = 35;
    pub const WrRundown: Type = 36;
    pub const WrAlertByThreadId: Type = 37;
    pub const WrDeferredPreempt: Type = 38;
    pub const WrPhysicalFault: Type = 39;
}
pub type KWAIT_REASON = _KWAIT_REASON::Type;

pub mod _POOL_TYPE {
    pub type Type = i32;
    pub const NonPagedPool: Type = 0;
    pub const NonPagedPoolExecute: Type = 0;
    pub const PagedPool: Type = 1;
    pub const NonPagedPoolMustSucceed: Type = 2;
    pub const DontUseThisType: Type = 3;
    pub const NonPagedPoolCacheAligned: Type = 4;
    pub const PagedPoolCacheAligned: Type = 5;
    pub const NonPagedPoolCacheAlignedMustS: Type = 6;
    pub const MaxPoolType: Type = 7;
    pub const NonPagedPoolBase: Type = 0;
    pub const NonPagedPoolBaseMustSucceed: Type = 2;
    pub const NonPagedPoolBaseCacheAligned: Type = 4;
    pub const NonPagedPoolBaseCacheAlignedMustS: Type = 6;
    pub const NonPagedPoolSession: Type = 32;
    pub const PagedPoolSession: Type = 33;
    pub const NonPagedPoolMustSucceedSession: Type = 34;
    pub const DontUseThisTypeSession: Type = 35;
    pub const NonPagedPoolCacheAlignedSession: Type = 36;
    pub const PagedPoolCacheAlignedSession: Type = 37;
    pub const NonPagedPoolCacheAlignedMustSSession: Type = 38;
    pub const NonPagedPoolNx: Type = 512;
    pub const NonPagedPoolNxCacheAligned: Type = 516;
    pub const NonPagedPoolSessionNx: Type = 544;
}
pub type POOL_TYPE = _POOL_TYPE::Type;

pub mod _IO_ALLOCATION_ACTION {
    pub type Type = i32;
    pub const KeepObject: Type = 1;
    pub const DeallocateObject: Type = 2;
    pub const DeallocateObjectKeepRegisters: Type = 3;
}
pub type IO_ALLOCATION_ACTION = _IO_ALLOCATION_ACTION::Type;

/// The debug-print component ids of dpfilter.h (`DbgPrintEx`'s `ComponentId`): only the
/// system's first id, the six Microsoft reserves for third-party drivers and `DEFAULT` (the one
/// `DbgPrint` uses).
pub mod _DPFLTR_TYPE {
    pub type Type = i32;
    pub const DPFLTR_SYSTEM_ID: Type = 0;
    pub const DPFLTR_IHVDRIVER_ID: Type = 77;
    pub const DPFLTR_IHVVIDEO_ID: Type = 78;
    pub const DPFLTR_IHVAUDIO_ID: Type = 79;
    pub const DPFLTR_IHVNETWORK_ID: Type = 80;
    pub const DPFLTR_IHVSTREAMING_ID: Type = 81;
    pub const DPFLTR_IHVBUS_ID: Type = 82;
    pub const DPFLTR_DEFAULT_ID: Type = 101;
}
pub type DPFLTR_TYPE = _DPFLTR_TYPE::Type;

// ---------------------------------------------------------------------------------------------
// Opaque pointee types
// ---------------------------------------------------------------------------------------------

macro_rules! opaque {
    ($($name:ident),* $(,)?) => {$(
        #[repr(C)]
        #[derive(Debug, Copy, Clone)]
        pub struct $name {
            _unused: [u8; 0],
        }
    )*};
}

opaque!(
    _KTHREAD,
    _KPROCESS,
    _EPROCESS,
    _ETHREAD,
    _OBJECT_TYPE,
    _IO_TIMER,
    _IORING_OBJECT,
    _EX_RUNDOWN_REF_CACHE_AWARE,
    _DEVOBJ_EXTENSION,
    _FAST_IO_DISPATCH,
    _ACCESS_STATE,
    _SECURITY_QUALITY_OF_SERVICE,
);

pub type PKTHREAD = *mut _KTHREAD;
pub type PRKTHREAD = *mut _KTHREAD;
pub type PKPROCESS = *mut _KPROCESS;
pub type PRKPROCESS = *mut _KPROCESS;
// ntifs.h (which the real wdk-sys parses for WDM) maps these to the K* types.
pub type PEPROCESS = *mut _KPROCESS;
pub type PETHREAD = *mut _KTHREAD;
pub type POBJECT_TYPE = *mut _OBJECT_TYPE;
pub type PIO_TIMER = *mut _IO_TIMER;
pub type EX_RUNDOWN_REF_CACHE_AWARE = _EX_RUNDOWN_REF_CACHE_AWARE;
pub type PEX_RUNDOWN_REF_CACHE_AWARE = *mut _EX_RUNDOWN_REF_CACHE_AWARE;
pub type DEVOBJ_EXTENSION = _DEVOBJ_EXTENSION;
pub type PDEVOBJ_EXTENSION = *mut _DEVOBJ_EXTENSION;
pub type FAST_IO_DISPATCH = _FAST_IO_DISPATCH;
pub type PFAST_IO_DISPATCH = *mut _FAST_IO_DISPATCH;
pub type ACCESS_STATE = _ACCESS_STATE;
pub type PACCESS_STATE = *mut _ACCESS_STATE;
pub type SECURITY_QUALITY_OF_SERVICE = _SECURITY_QUALITY_OF_SERVICE;
pub type PSECURITY_QUALITY_OF_SERVICE = *mut _SECURITY_QUALITY_OF_SERVICE;

// ---------------------------------------------------------------------------------------------
// Callbacks: `Option<unsafe extern "C" fn>` (bindgen maps NTAPI to "C" on x86_64)
// ---------------------------------------------------------------------------------------------

pub type DRIVER_INITIALIZE =
    Option<unsafe extern "C" fn(DriverObject: *mut _DRIVER_OBJECT, RegistryPath: PUNICODE_STRING) -> NTSTATUS>;
pub type PDRIVER_INITIALIZE = DRIVER_INITIALIZE;
pub type DRIVER_STARTIO = Option<unsafe extern "C" fn(DeviceObject: *mut _DEVICE_OBJECT, Irp: *mut _IRP)>;
pub type PDRIVER_STARTIO = DRIVER_STARTIO;
pub type DRIVER_UNLOAD = Option<unsafe extern "C" fn(DriverObject: *mut _DRIVER_OBJECT)>;
pub type PDRIVER_UNLOAD = DRIVER_UNLOAD;
pub type DRIVER_DISPATCH = Option<unsafe extern "C" fn(DeviceObject: *mut _DEVICE_OBJECT, Irp: *mut _IRP) -> NTSTATUS>;
pub type PDRIVER_DISPATCH = DRIVER_DISPATCH;
pub type DRIVER_ADD_DEVICE = Option<
    unsafe extern "C" fn(DriverObject: *mut _DRIVER_OBJECT, PhysicalDeviceObject: *mut _DEVICE_OBJECT) -> NTSTATUS,
>;
pub type PDRIVER_ADD_DEVICE = DRIVER_ADD_DEVICE;
pub type DRIVER_CANCEL = Option<unsafe extern "C" fn(DeviceObject: *mut _DEVICE_OBJECT, Irp: *mut _IRP)>;
pub type PDRIVER_CANCEL = DRIVER_CANCEL;
pub type DRIVER_CONTROL = Option<
    unsafe extern "C" fn(
        DeviceObject: *mut _DEVICE_OBJECT,
        Irp: *mut _IRP,
        MapRegisterBase: PVOID,
        Context: PVOID,
    ) -> IO_ALLOCATION_ACTION,
>;
pub type PDRIVER_CONTROL = DRIVER_CONTROL;
pub type IO_COMPLETION_ROUTINE =
    Option<unsafe extern "C" fn(DeviceObject: *mut _DEVICE_OBJECT, Irp: *mut _IRP, Context: PVOID) -> NTSTATUS>;
pub type PIO_COMPLETION_ROUTINE = IO_COMPLETION_ROUTINE;
pub type KDEFERRED_ROUTINE = Option<
    unsafe extern "C" fn(Dpc: *mut _KDPC, DeferredContext: PVOID, SystemArgument1: PVOID, SystemArgument2: PVOID),
>;
pub type PKDEFERRED_ROUTINE = KDEFERRED_ROUTINE;
pub type KSTART_ROUTINE = Option<unsafe extern "C" fn(StartContext: PVOID)>;
pub type PKSTART_ROUTINE = KSTART_ROUTINE;
pub type PIO_APC_ROUTINE =
    Option<unsafe extern "C" fn(ApcContext: PVOID, IoStatusBlock: PIO_STATUS_BLOCK, Reserved: ULONG)>;
pub type PINTERFACE_REFERENCE = Option<unsafe extern "C" fn(Context: PVOID)>;
pub type PINTERFACE_DEREFERENCE = Option<unsafe extern "C" fn(Context: PVOID)>;

// ---------------------------------------------------------------------------------------------
// Basic aggregates
// ---------------------------------------------------------------------------------------------

#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct _LIST_ENTRY {
    pub Flink: *mut _LIST_ENTRY,
    pub Blink: *mut _LIST_ENTRY,
}
pub type LIST_ENTRY = _LIST_ENTRY;
pub type PLIST_ENTRY = *mut _LIST_ENTRY;
pub type PRLIST_ENTRY = *mut _LIST_ENTRY;

#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct _SINGLE_LIST_ENTRY {
    pub Next: *mut _SINGLE_LIST_ENTRY,
}
pub type SINGLE_LIST_ENTRY = _SINGLE_LIST_ENTRY;
pub type PSINGLE_LIST_ENTRY = *mut _SINGLE_LIST_ENTRY;

#[repr(C)]
#[derive(Copy, Clone)]
pub union _LARGE_INTEGER {
    pub __bindgen_anon_1: _LARGE_INTEGER__bindgen_ty_1,
    pub u: _LARGE_INTEGER__bindgen_ty_2,
    pub QuadPart: LONGLONG,
}
#[repr(C)]
#[derive(Debug, Default, Copy, Clone)]
pub struct _LARGE_INTEGER__bindgen_ty_1 {
    pub LowPart: ULONG,
    pub HighPart: LONG,
}
#[repr(C)]
#[derive(Debug, Default, Copy, Clone)]
pub struct _LARGE_INTEGER__bindgen_ty_2 {
    pub LowPart: ULONG,
    pub HighPart: LONG,
}
pub type LARGE_INTEGER = _LARGE_INTEGER;
pub type PLARGE_INTEGER = *mut LARGE_INTEGER;

#[repr(C)]
#[derive(Copy, Clone)]
pub union _ULARGE_INTEGER {
    pub __bindgen_anon_1: _ULARGE_INTEGER__bindgen_ty_1,
    pub u: _ULARGE_INTEGER__bindgen_ty_2,
    pub QuadPart: ULONGLONG,
}
#[repr(C)]
#[derive(Debug, Default, Copy, Clone)]
pub struct _ULARGE_INTEGER__bindgen_ty_1 {
    pub LowPart: ULONG,
    pub HighPart: ULONG,
}
#[repr(C)]
#[derive(Debug, Default, Copy, Clone)]
pub struct _ULARGE_INTEGER__bindgen_ty_2 {
    pub LowPart: ULONG,
    pub HighPart: ULONG,
}
pub type ULARGE_INTEGER = _ULARGE_INTEGER;
pub type PULARGE_INTEGER = *mut ULARGE_INTEGER;

#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct _UNICODE_STRING {
    pub Length: USHORT,
    pub MaximumLength: USHORT,
    pub Buffer: PWCH,
}
pub type UNICODE_STRING = _UNICODE_STRING;
pub type PUNICODE_STRING = *mut UNICODE_STRING;
pub type PCUNICODE_STRING = *const UNICODE_STRING;

#[repr(C)]
#[derive(Debug, Default, Copy, Clone)]
pub struct _GUID {
    pub Data1: ULONG,
    pub Data2: USHORT,
    pub Data3: USHORT,
    pub Data4: [UCHAR; 8],
}
pub type GUID = _GUID;
pub type LPGUID = *mut GUID;
pub type LPCGUID = *const GUID;

#[repr(C)]
#[derive(Copy, Clone)]
pub struct _IO_STATUS_BLOCK {
    pub __bindgen_anon_1: _IO_STATUS_BLOCK__bindgen_ty_1,
    pub Information: ULONG_PTR,
}
#[repr(C)]
#[derive(Copy, Clone)]
pub union _IO_STATUS_BLOCK__bindgen_ty_1 {
    pub Status: NTSTATUS,
    pub Pointer: PVOID,
}
pub type IO_STATUS_BLOCK = _IO_STATUS_BLOCK;
pub type PIO_STATUS_BLOCK = *mut _IO_STATUS_BLOCK;

#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct _OBJECT_ATTRIBUTES {
    pub Length: ULONG,
    pub RootDirectory: HANDLE,
    pub ObjectName: PUNICODE_STRING,
    pub Attributes: ULONG,
    pub SecurityDescriptor: PVOID,
    pub SecurityQualityOfService: PVOID,
}
pub type OBJECT_ATTRIBUTES = _OBJECT_ATTRIBUTES;
pub type POBJECT_ATTRIBUTES = *mut OBJECT_ATTRIBUTES;
pub type PCOBJECT_ATTRIBUTES = *const OBJECT_ATTRIBUTES;

#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct _CLIENT_ID {
    pub UniqueProcess: HANDLE,
    pub UniqueThread: HANDLE,
}
pub type CLIENT_ID = _CLIENT_ID;
pub type PCLIENT_ID = *mut _CLIENT_ID;

#[repr(C)]
#[derive(Debug, Default, Copy, Clone)]
pub struct _OBJECT_HANDLE_INFORMATION {
    pub HandleAttributes: ULONG,
    pub GrantedAccess: ACCESS_MASK,
}
pub type OBJECT_HANDLE_INFORMATION = _OBJECT_HANDLE_INFORMATION;
pub type POBJECT_HANDLE_INFORMATION = *mut _OBJECT_HANDLE_INFORMATION;

#[repr(C)]
#[derive(Debug, Default, Copy, Clone)]
pub struct _PROCESSOR_NUMBER {
    pub Group: USHORT,
    pub Number: UCHAR,
    pub Reserved: UCHAR,
}
pub type PROCESSOR_NUMBER = _PROCESSOR_NUMBER;
pub type PPROCESSOR_NUMBER = *mut _PROCESSOR_NUMBER;

/// Run-down protection: `union { ULONG_PTR Count; PVOID Ptr; }`, one pointer-sized word.
#[repr(C)]
#[derive(Copy, Clone)]
pub struct _EX_RUNDOWN_REF {
    pub __bindgen_anon_1: _EX_RUNDOWN_REF__bindgen_ty_1,
}
#[repr(C)]
#[derive(Copy, Clone)]
pub union _EX_RUNDOWN_REF__bindgen_ty_1 {
    pub Count: ULONG_PTR,
    pub Ptr: PVOID,
}
pub type EX_RUNDOWN_REF = _EX_RUNDOWN_REF;
pub type PEX_RUNDOWN_REF = *mut _EX_RUNDOWN_REF;

// ---------------------------------------------------------------------------------------------
// Dispatcher objects, DPCs, device queues, APCs
// ---------------------------------------------------------------------------------------------

#[repr(C)]
#[derive(Copy, Clone)]
pub struct _DISPATCHER_HEADER {
    pub __bindgen_anon_1: _DISPATCHER_HEADER__bindgen_ty_1,
    pub SignalState: LONG,
    pub WaitListHead: LIST_ENTRY,
}
/// The first four bytes, as seen by each kind of dispatcher object.
#[repr(C)]
#[derive(Copy, Clone)]
pub union _DISPATCHER_HEADER__bindgen_ty_1 {
    pub __bindgen_anon_1: _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_1,
    pub __bindgen_anon_2: _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_2,
    pub __bindgen_anon_3: _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_3,
    pub __bindgen_anon_4: _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_4,
    pub __bindgen_anon_5: _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_5,
    pub __bindgen_anon_6: _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_6,
    pub __bindgen_anon_7: _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_7,
}
/// The object lock.
#[repr(C)]
#[derive(Copy, Clone)]
pub union _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_1 {
    pub Lock: LONG,
    pub LockNV: LONG,
}
/// Events, semaphores, gates.
#[repr(C)]
#[derive(Debug, Default, Copy, Clone)]
pub struct _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_2 {
    pub Type: UCHAR,
    pub Signalling: UCHAR,
    pub Size: UCHAR,
    pub Reserved1: UCHAR,
}
/// Timers.
#[repr(C)]
#[derive(Copy, Clone)]
pub struct _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_3 {
    pub TimerType: UCHAR,
    pub __bindgen_anon_1: _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_3__bindgen_ty_1,
    pub Hand: UCHAR,
    pub __bindgen_anon_2: _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_3__bindgen_ty_2,
}
#[repr(C)]
#[derive(Copy, Clone)]
pub union _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_3__bindgen_ty_1 {
    pub TimerControlFlags: UCHAR,
}
#[repr(C)]
#[derive(Copy, Clone)]
pub union _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_3__bindgen_ty_2 {
    pub TimerMiscFlags: UCHAR,
}
/// Timer2 objects.
#[repr(C)]
#[derive(Copy, Clone)]
pub struct _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_4 {
    pub Timer2Type: UCHAR,
    pub __bindgen_anon_1: _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_4__bindgen_ty_1,
    pub Timer2ComponentId: UCHAR,
    pub Timer2RelativeId: UCHAR,
}
#[repr(C)]
#[derive(Copy, Clone)]
pub union _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_4__bindgen_ty_1 {
    pub Timer2Flags: UCHAR,
}
/// Queues.
#[repr(C)]
#[derive(Copy, Clone)]
pub struct _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_5 {
    pub QueueType: UCHAR,
    pub __bindgen_anon_1: _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_5__bindgen_ty_1,
    pub QueueSize: UCHAR,
    pub QueueReserved: UCHAR,
}
#[repr(C)]
#[derive(Copy, Clone)]
pub union _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_5__bindgen_ty_1 {
    pub QueueControlFlags: UCHAR,
}
/// Threads.
#[repr(C)]
#[derive(Copy, Clone)]
pub struct _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_6 {
    pub ThreadType: UCHAR,
    pub ThreadReserved: UCHAR,
    pub __bindgen_anon_1: _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_6__bindgen_ty_1,
    pub __bindgen_anon_2: _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_6__bindgen_ty_2,
}
#[repr(C)]
#[derive(Copy, Clone)]
pub union _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_6__bindgen_ty_1 {
    pub ThreadControlFlags: UCHAR,
}
#[repr(C)]
#[derive(Copy, Clone)]
pub union _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_6__bindgen_ty_2 {
    pub DebugActive: UCHAR,
}
/// Mutants.
#[repr(C)]
#[derive(Debug, Default, Copy, Clone)]
pub struct _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_7 {
    pub MutantType: UCHAR,
    pub MutantSize: UCHAR,
    pub DpcActive: BOOLEAN,
    pub MutantReserved: UCHAR,
}
pub type DISPATCHER_HEADER = _DISPATCHER_HEADER;
pub type PDISPATCHER_HEADER = *mut _DISPATCHER_HEADER;

#[repr(C)]
#[derive(Copy, Clone)]
pub struct _KEVENT {
    pub Header: DISPATCHER_HEADER,
}
pub type KEVENT = _KEVENT;
pub type PKEVENT = *mut _KEVENT;
pub type PRKEVENT = *mut _KEVENT;

#[repr(C)]
#[derive(Copy, Clone)]
pub struct _KDPC {
    pub __bindgen_anon_1: _KDPC__bindgen_ty_1,
    pub DpcListEntry: SINGLE_LIST_ENTRY,
    pub ProcessorHistory: KAFFINITY,
    pub DeferredRoutine: PKDEFERRED_ROUTINE,
    pub DeferredContext: PVOID,
    pub SystemArgument1: PVOID,
    pub SystemArgument2: PVOID,
    pub DpcData: PVOID,
}
#[repr(C)]
#[derive(Copy, Clone)]
pub union _KDPC__bindgen_ty_1 {
    pub TargetInfoAsUlong: ULONG,
    pub __bindgen_anon_1: _KDPC__bindgen_ty_1__bindgen_ty_1,
}
#[repr(C)]
#[derive(Debug, Default, Copy, Clone)]
pub struct _KDPC__bindgen_ty_1__bindgen_ty_1 {
    pub Type: UCHAR,
    pub Importance: UCHAR,
    pub Number: USHORT,
}
pub type KDPC = _KDPC;
pub type PKDPC = *mut _KDPC;
pub type PRKDPC = *mut _KDPC;

#[repr(C)]
#[derive(Copy, Clone)]
pub struct _KTIMER {
    pub Header: DISPATCHER_HEADER,
    pub DueTime: ULARGE_INTEGER,
    pub TimerListEntry: LIST_ENTRY,
    pub Dpc: *mut _KDPC,
    pub Processor: ULONG,
    pub Period: ULONG,
}
pub type KTIMER = _KTIMER;
pub type PKTIMER = *mut _KTIMER;
pub type PRKTIMER = *mut _KTIMER;

#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct _KDEVICE_QUEUE_ENTRY {
    pub DeviceListEntry: LIST_ENTRY,
    pub SortKey: ULONG,
    pub Inserted: BOOLEAN,
}
pub type KDEVICE_QUEUE_ENTRY = _KDEVICE_QUEUE_ENTRY;
pub type PKDEVICE_QUEUE_ENTRY = *mut _KDEVICE_QUEUE_ENTRY;

#[repr(C)]
#[derive(Copy, Clone)]
pub struct _KDEVICE_QUEUE {
    pub Type: CSHORT,
    pub Size: CSHORT,
    pub DeviceListHead: LIST_ENTRY,
    pub Lock: KSPIN_LOCK,
    pub __bindgen_anon_1: _KDEVICE_QUEUE__bindgen_ty_1,
}
/// x64: `union { BOOLEAN Busy; struct { LONG64 Reserved : 8; LONG64 Hint : 56; }; }`.
#[repr(C)]
#[derive(Copy, Clone)]
pub union _KDEVICE_QUEUE__bindgen_ty_1 {
    pub Busy: BOOLEAN,
    pub __bindgen_anon_1: _KDEVICE_QUEUE__bindgen_ty_1__bindgen_ty_1,
}
#[repr(C)]
#[derive(Debug, Default, Copy, Clone)]
pub struct _KDEVICE_QUEUE__bindgen_ty_1__bindgen_ty_1 {
    pub _bitfield_align_1: [i64; 0],
    pub _bitfield_1: __BindgenBitfieldUnit<[u8; 8]>,
}
pub type KDEVICE_QUEUE = _KDEVICE_QUEUE;
pub type PKDEVICE_QUEUE = *mut _KDEVICE_QUEUE;
pub type PRKDEVICE_QUEUE = *mut _KDEVICE_QUEUE;

#[repr(C)]
#[derive(Copy, Clone)]
pub struct _WAIT_CONTEXT_BLOCK {
    pub __bindgen_anon_1: _WAIT_CONTEXT_BLOCK__bindgen_ty_1,
    pub DeviceRoutine: PDRIVER_CONTROL,
    pub DeviceContext: PVOID,
    pub NumberOfMapRegisters: ULONG,
    pub DeviceObject: PVOID,
    pub CurrentIrp: PVOID,
    pub BufferChainingDpc: PKDPC,
}
#[repr(C)]
#[derive(Copy, Clone)]
pub union _WAIT_CONTEXT_BLOCK__bindgen_ty_1 {
    pub WaitQueueEntry: KDEVICE_QUEUE_ENTRY,
    pub __bindgen_anon_1: _WAIT_CONTEXT_BLOCK__bindgen_ty_1__bindgen_ty_1,
}
/// `LIST_ENTRY DmaWaitEntry; ULONG NumberOfChannels;` and 32 bits of flags.
#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct _WAIT_CONTEXT_BLOCK__bindgen_ty_1__bindgen_ty_1 {
    pub DmaWaitEntry: LIST_ENTRY,
    pub NumberOfChannels: ULONG,
    pub _bitfield_align_1: [u32; 0],
    pub _bitfield_1: __BindgenBitfieldUnit<[u8; 4]>,
}
pub type WAIT_CONTEXT_BLOCK = _WAIT_CONTEXT_BLOCK;
pub type PWAIT_CONTEXT_BLOCK = *mut _WAIT_CONTEXT_BLOCK;

#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct _KAPC {
    pub Type: UCHAR,
    pub SpareByte0: UCHAR,
    pub Size: UCHAR,
    pub SpareByte1: UCHAR,
    pub SpareLong0: ULONG,
    pub Thread: *mut _KTHREAD,
    pub ApcListEntry: LIST_ENTRY,
    pub Reserved: [PVOID; 3],
    pub NormalContext: PVOID,
    pub SystemArgument1: PVOID,
    pub SystemArgument2: PVOID,
    pub ApcStateIndex: CCHAR,
    pub ApcMode: KPROCESSOR_MODE,
    pub Inserted: BOOLEAN,
}
pub type KAPC = _KAPC;
pub type PKAPC = *mut _KAPC;
pub type PRKAPC = *mut _KAPC;

// ---------------------------------------------------------------------------------------------
// I/O manager objects
// ---------------------------------------------------------------------------------------------

#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct _MDL {
    pub Next: *mut _MDL,
    pub Size: CSHORT,
    pub MdlFlags: CSHORT,
    pub Process: *mut _EPROCESS,
    pub MappedSystemVa: PVOID,
    pub StartVa: PVOID,
    pub ByteCount: ULONG,
    pub ByteOffset: ULONG,
}
pub type MDL = _MDL;
pub type PMDL = *mut _MDL;

#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct _VPB {
    pub Type: CSHORT,
    pub Size: CSHORT,
    pub Flags: USHORT,
    pub VolumeLabelLength: USHORT,
    pub DeviceObject: *mut _DEVICE_OBJECT,
    pub RealDevice: *mut _DEVICE_OBJECT,
    pub SerialNumber: ULONG,
    pub ReferenceCount: ULONG,
    pub VolumeLabel: [WCHAR; 32],
}
pub type VPB = _VPB;
pub type PVPB = *mut _VPB;

#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct _SECTION_OBJECT_POINTERS {
    pub DataSectionObject: PVOID,
    pub SharedCacheMap: PVOID,
    pub ImageSectionObject: PVOID,
}
pub type SECTION_OBJECT_POINTERS = _SECTION_OBJECT_POINTERS;
pub type PSECTION_OBJECT_POINTERS = *mut SECTION_OBJECT_POINTERS;

#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct _IO_COMPLETION_CONTEXT {
    pub Port: PVOID,
    pub Key: PVOID,
}
pub type IO_COMPLETION_CONTEXT = _IO_COMPLETION_CONTEXT;
pub type PIO_COMPLETION_CONTEXT = *mut _IO_COMPLETION_CONTEXT;

#[repr(C)]
#[derive(Copy, Clone)]
pub struct _FILE_OBJECT {
    pub Type: CSHORT,
    pub Size: CSHORT,
    pub DeviceObject: PDEVICE_OBJECT,
    pub Vpb: PVPB,
    pub FsContext: PVOID,
    pub FsContext2: PVOID,
    pub SectionObjectPointer: PSECTION_OBJECT_POINTERS,
    pub PrivateCacheMap: PVOID,
    pub FinalStatus: NTSTATUS,
    pub RelatedFileObject: *mut _FILE_OBJECT,
    pub LockOperation: BOOLEAN,
    pub DeletePending: BOOLEAN,
    pub ReadAccess: BOOLEAN,
    pub WriteAccess: BOOLEAN,
    pub DeleteAccess: BOOLEAN,
    pub SharedRead: BOOLEAN,
    pub SharedWrite: BOOLEAN,
    pub SharedDelete: BOOLEAN,
    pub Flags: ULONG,
    pub FileName: UNICODE_STRING,
    pub CurrentByteOffset: LARGE_INTEGER,
    pub Waiters: ULONG,
    pub Busy: ULONG,
    pub LastLock: PVOID,
    pub Lock: KEVENT,
    pub Event: KEVENT,
    pub CompletionContext: PIO_COMPLETION_CONTEXT,
    pub IrpListLock: KSPIN_LOCK,
    pub IrpList: LIST_ENTRY,
    pub FileObjectExtension: PVOID,
}
pub type FILE_OBJECT = _FILE_OBJECT;
pub type PFILE_OBJECT = *mut _FILE_OBJECT;

#[repr(C)]
#[repr(align(16))]
#[derive(Copy, Clone)]
pub struct _DEVICE_OBJECT {
    pub Type: CSHORT,
    pub Size: USHORT,
    pub ReferenceCount: LONG,
    pub DriverObject: *mut _DRIVER_OBJECT,
    pub NextDevice: *mut _DEVICE_OBJECT,
    pub AttachedDevice: *mut _DEVICE_OBJECT,
    pub CurrentIrp: *mut _IRP,
    pub Timer: PIO_TIMER,
    pub Flags: ULONG,
    pub Characteristics: ULONG,
    pub Vpb: PVPB,
    pub DeviceExtension: PVOID,
    pub DeviceType: DEVICE_TYPE,
    pub StackSize: CCHAR,
    pub Queue: _DEVICE_OBJECT__bindgen_ty_1,
    pub AlignmentRequirement: ULONG,
    pub DeviceQueue: KDEVICE_QUEUE,
    pub Dpc: KDPC,
    pub ActiveThreadCount: ULONG,
    pub SecurityDescriptor: PSECURITY_DESCRIPTOR,
    pub DeviceLock: KEVENT,
    pub SectorSize: USHORT,
    pub Spare1: USHORT,
    pub DeviceObjectExtension: *mut _DEVOBJ_EXTENSION,
    pub Reserved: PVOID,
}
#[repr(C)]
#[derive(Copy, Clone)]
pub union _DEVICE_OBJECT__bindgen_ty_1 {
    pub ListEntry: LIST_ENTRY,
    pub Wcb: WAIT_CONTEXT_BLOCK,
}
pub type DEVICE_OBJECT = _DEVICE_OBJECT;
pub type PDEVICE_OBJECT = *mut _DEVICE_OBJECT;

#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct _DRIVER_EXTENSION {
    pub DriverObject: *mut _DRIVER_OBJECT,
    pub AddDevice: PDRIVER_ADD_DEVICE,
    pub Count: ULONG,
    pub ServiceKeyName: UNICODE_STRING,
}
pub type DRIVER_EXTENSION = _DRIVER_EXTENSION;
pub type PDRIVER_EXTENSION = *mut _DRIVER_EXTENSION;

#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct _DRIVER_OBJECT {
    pub Type: CSHORT,
    pub Size: CSHORT,
    pub DeviceObject: PDEVICE_OBJECT,
    pub Flags: ULONG,
    pub DriverStart: PVOID,
    pub DriverSize: ULONG,
    pub DriverSection: PVOID,
    pub DriverExtension: PDRIVER_EXTENSION,
    pub DriverName: UNICODE_STRING,
    pub HardwareDatabase: PUNICODE_STRING,
    pub FastIoDispatch: PFAST_IO_DISPATCH,
    pub DriverInit: PDRIVER_INITIALIZE,
    pub DriverStartIo: PDRIVER_STARTIO,
    pub DriverUnload: PDRIVER_UNLOAD,
    pub MajorFunction: [PDRIVER_DISPATCH; 28],
}
pub type DRIVER_OBJECT = _DRIVER_OBJECT;
pub type PDRIVER_OBJECT = *mut _DRIVER_OBJECT;

#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct _IO_SECURITY_CONTEXT {
    pub SecurityQos: PSECURITY_QUALITY_OF_SERVICE,
    pub AccessState: PACCESS_STATE,
    pub DesiredAccess: ACCESS_MASK,
    pub FullCreateOptions: ULONG,
}
pub type IO_SECURITY_CONTEXT = _IO_SECURITY_CONTEXT;
pub type PIO_SECURITY_CONTEXT = *mut _IO_SECURITY_CONTEXT;

/// The common header of every interface returned by `IRP_MN_QUERY_INTERFACE`.
#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct _INTERFACE {
    pub Size: USHORT,
    pub Version: USHORT,
    pub Context: PVOID,
    pub InterfaceReference: PINTERFACE_REFERENCE,
    pub InterfaceDereference: PINTERFACE_DEREFERENCE,
}
pub type INTERFACE = _INTERFACE;
pub type PINTERFACE = *mut _INTERFACE;

/// One I/O stack location of an IRP.
///
/// `Parameters` keeps the members a driver of this kind reads (`Create`, `Read`, `Write`,
/// `DeviceIoControl`, `QueryInterface`, `Others`); the WDK's other members share the same 32
/// bytes. Their bindgen type numbers are the WDK's member order (`Create` is 1,
/// `DeviceIoControl` is 17).
#[repr(C)]
#[derive(Copy, Clone)]
pub struct _IO_STACK_LOCATION {
    pub MajorFunction: UCHAR,
    pub MinorFunction: UCHAR,
    pub Flags: UCHAR,
    pub Control: UCHAR,
    pub Parameters: _IO_STACK_LOCATION__bindgen_ty_1,
    pub DeviceObject: PDEVICE_OBJECT,
    pub FileObject: PFILE_OBJECT,
    pub CompletionRoutine: PIO_COMPLETION_ROUTINE,
    pub Context: PVOID,
}
#[repr(C)]
#[derive(Copy, Clone)]
pub union _IO_STACK_LOCATION__bindgen_ty_1 {
    pub Create: _IO_STACK_LOCATION__bindgen_ty_1__bindgen_ty_1,
    pub Read: _IO_STACK_LOCATION__bindgen_ty_1__bindgen_ty_4,
    pub Write: _IO_STACK_LOCATION__bindgen_ty_1__bindgen_ty_5,
    pub DeviceIoControl: _IO_STACK_LOCATION__bindgen_ty_1__bindgen_ty_17,
    pub QueryInterface: _IO_STACK_LOCATION__bindgen_ty_1__bindgen_ty_26,
    pub Others: _IO_STACK_LOCATION__bindgen_ty_1__bindgen_ty_39,
}
/// `Create`: `FileAttributes` and `EaLength` are `POINTER_ALIGNMENT`.
#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct _IO_STACK_LOCATION__bindgen_ty_1__bindgen_ty_1 {
    pub SecurityContext: PIO_SECURITY_CONTEXT,
    pub Options: ULONG,
    pub __bindgen_padding_0: [u16; 2],
    pub FileAttributes: USHORT,
    pub ShareAccess: USHORT,
    pub __bindgen_padding_1: u32,
    pub EaLength: ULONG,
}
/// `Read`: `Key` is `POINTER_ALIGNMENT`.
#[repr(C)]
#[derive(Copy, Clone)]
pub struct _IO_STACK_LOCATION__bindgen_ty_1__bindgen_ty_4 {
    pub Length: ULONG,
    pub __bindgen_padding_0: u32,
    pub Key: ULONG,
    pub Flags: ULONG,
    pub ByteOffset: LARGE_INTEGER,
}
/// `Write`: `Key` is `POINTER_ALIGNMENT`.
#[repr(C)]
#[derive(Copy, Clone)]
pub struct _IO_STACK_LOCATION__bindgen_ty_1__bindgen_ty_5 {
    pub Length: ULONG,
    pub __bindgen_padding_0: u32,
    pub Key: ULONG,
    pub Flags: ULONG,
    pub ByteOffset: LARGE_INTEGER,
}
/// `DeviceIoControl`: `InputBufferLength` and `IoControlCode` are `POINTER_ALIGNMENT`.
#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct _IO_STACK_LOCATION__bindgen_ty_1__bindgen_ty_17 {
    pub OutputBufferLength: ULONG,
    pub __bindgen_padding_0: u32,
    pub InputBufferLength: ULONG,
    pub __bindgen_padding_1: u32,
    pub IoControlCode: ULONG,
    pub Type3InputBuffer: PVOID,
}
/// `QueryInterface` (`IRP_MN_QUERY_INTERFACE`).
#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct _IO_STACK_LOCATION__bindgen_ty_1__bindgen_ty_26 {
    pub InterfaceType: *const GUID,
    pub Size: USHORT,
    pub Version: USHORT,
    pub Interface: PINTERFACE,
    pub InterfaceSpecificData: PVOID,
}
/// `Others`: four raw arguments.
#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct _IO_STACK_LOCATION__bindgen_ty_1__bindgen_ty_39 {
    pub Argument1: PVOID,
    pub Argument2: PVOID,
    pub Argument3: PVOID,
    pub Argument4: PVOID,
}
pub type IO_STACK_LOCATION = _IO_STACK_LOCATION;
pub type PIO_STACK_LOCATION = *mut _IO_STACK_LOCATION;

/// The I/O request packet (WDK 10.0.22000+ layout: `UserIosb` shares a union with
/// `IoRingContext`, `UserApcContext` with `IoRing`).
#[repr(C)]
#[repr(align(16))]
#[derive(Copy, Clone)]
pub struct _IRP {
    pub Type: CSHORT,
    pub Size: USHORT,
    pub MdlAddress: PMDL,
    pub Flags: ULONG,
    pub AssociatedIrp: _IRP__bindgen_ty_1,
    pub ThreadListEntry: LIST_ENTRY,
    pub IoStatus: IO_STATUS_BLOCK,
    pub RequestorMode: KPROCESSOR_MODE,
    pub PendingReturned: BOOLEAN,
    pub StackCount: CHAR,
    pub CurrentLocation: CHAR,
    pub Cancel: BOOLEAN,
    pub CancelIrql: KIRQL,
    pub ApcEnvironment: CCHAR,
    pub AllocationFlags: UCHAR,
    pub __bindgen_anon_1: _IRP__bindgen_ty_2,
    pub UserEvent: PKEVENT,
    pub Overlay: _IRP__bindgen_ty_3,
    pub CancelRoutine: PDRIVER_CANCEL,
    pub UserBuffer: PVOID,
    pub Tail: _IRP__bindgen_ty_4,
}
/// `AssociatedIrp`.
#[repr(C)]
#[derive(Copy, Clone)]
pub union _IRP__bindgen_ty_1 {
    pub MasterIrp: *mut _IRP,
    pub IrpCount: LONG,
    pub SystemBuffer: PVOID,
}
/// `union { PIO_STATUS_BLOCK UserIosb; PVOID IoRingContext; }`.
#[repr(C)]
#[derive(Copy, Clone)]
pub union _IRP__bindgen_ty_2 {
    pub UserIosb: PIO_STATUS_BLOCK,
    pub IoRingContext: PVOID,
}
/// `Overlay`.
#[repr(C)]
#[derive(Copy, Clone)]
pub union _IRP__bindgen_ty_3 {
    pub AsynchronousParameters: _IRP__bindgen_ty_3__bindgen_ty_1,
    pub AllocationSize: LARGE_INTEGER,
}
#[repr(C)]
#[derive(Copy, Clone)]
pub struct _IRP__bindgen_ty_3__bindgen_ty_1 {
    pub __bindgen_anon_1: _IRP__bindgen_ty_3__bindgen_ty_1__bindgen_ty_1,
    pub __bindgen_anon_2: _IRP__bindgen_ty_3__bindgen_ty_1__bindgen_ty_2,
}
#[repr(C)]
#[derive(Copy, Clone)]
pub union _IRP__bindgen_ty_3__bindgen_ty_1__bindgen_ty_1 {
    pub UserApcRoutine: PIO_APC_ROUTINE,
    pub IssuingProcess: PVOID,
}
#[repr(C)]
#[derive(Copy, Clone)]
pub union _IRP__bindgen_ty_3__bindgen_ty_1__bindgen_ty_2 {
    pub UserApcContext: PVOID,
    pub IoRing: *mut _IORING_OBJECT,
}
/// `Tail`.
#[repr(C)]
#[derive(Copy, Clone)]
pub union _IRP__bindgen_ty_4 {
    pub Overlay: _IRP__bindgen_ty_4__bindgen_ty_1,
    pub Apc: KAPC,
    pub CompletionKey: PVOID,
}
/// `Tail.Overlay`.
#[repr(C)]
#[derive(Copy, Clone)]
pub struct _IRP__bindgen_ty_4__bindgen_ty_1 {
    pub __bindgen_anon_1: _IRP__bindgen_ty_4__bindgen_ty_1__bindgen_ty_1,
    pub Thread: PETHREAD,
    pub AuxiliaryBuffer: PCHAR,
    pub __bindgen_anon_2: _IRP__bindgen_ty_4__bindgen_ty_1__bindgen_ty_2,
    pub OriginalFileObject: *mut _FILE_OBJECT,
}
/// `union { KDEVICE_QUEUE_ENTRY DeviceQueueEntry; struct { PVOID DriverContext[4]; }; }`.
#[repr(C)]
#[derive(Copy, Clone)]
pub union _IRP__bindgen_ty_4__bindgen_ty_1__bindgen_ty_1 {
    pub DeviceQueueEntry: KDEVICE_QUEUE_ENTRY,
    pub __bindgen_anon_1: _IRP__bindgen_ty_4__bindgen_ty_1__bindgen_ty_1__bindgen_ty_1,
}
#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct _IRP__bindgen_ty_4__bindgen_ty_1__bindgen_ty_1__bindgen_ty_1 {
    pub DriverContext: [PVOID; 4],
}
/// `struct { LIST_ENTRY ListEntry; union { .. CurrentStackLocation; ULONG PacketType; }; }`.
#[repr(C)]
#[derive(Copy, Clone)]
pub struct _IRP__bindgen_ty_4__bindgen_ty_1__bindgen_ty_2 {
    pub ListEntry: LIST_ENTRY,
    pub __bindgen_anon_1: _IRP__bindgen_ty_4__bindgen_ty_1__bindgen_ty_2__bindgen_ty_1,
}
#[repr(C)]
#[derive(Copy, Clone)]
pub union _IRP__bindgen_ty_4__bindgen_ty_1__bindgen_ty_2__bindgen_ty_1 {
    pub CurrentStackLocation: *mut _IO_STACK_LOCATION,
    pub PacketType: ULONG,
}
pub type IRP = _IRP;
pub type PIRP = *mut _IRP;

// ---------------------------------------------------------------------------------------------
// Security
// ---------------------------------------------------------------------------------------------

#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct _SECURITY_DESCRIPTOR {
    pub Revision: UCHAR,
    pub Sbz1: UCHAR,
    pub Control: SECURITY_DESCRIPTOR_CONTROL,
    pub Owner: PSID,
    pub Group: PSID,
    pub Sacl: PACL,
    pub Dacl: PACL,
}
pub type SECURITY_DESCRIPTOR = _SECURITY_DESCRIPTOR;
pub type PISECURITY_DESCRIPTOR = *mut _SECURITY_DESCRIPTOR;

#[repr(C)]
#[derive(Debug, Default, Copy, Clone)]
pub struct _ACL {
    pub AclRevision: UCHAR,
    pub Sbz1: UCHAR,
    pub AclSize: USHORT,
    pub AceCount: USHORT,
    pub Sbz2: USHORT,
}
pub type ACL = _ACL;
pub type PACL = *mut ACL;

#[repr(C)]
#[derive(Debug, Default, Copy, Clone)]
pub struct _ACE_HEADER {
    pub AceType: UCHAR,
    pub AceFlags: UCHAR,
    pub AceSize: USHORT,
}
pub type ACE_HEADER = _ACE_HEADER;
pub type PACE_HEADER = *mut ACE_HEADER;

#[repr(C)]
#[derive(Debug, Default, Copy, Clone)]
pub struct _ACCESS_ALLOWED_ACE {
    pub Header: ACE_HEADER,
    pub Mask: ACCESS_MASK,
    pub SidStart: ULONG,
}
pub type ACCESS_ALLOWED_ACE = _ACCESS_ALLOWED_ACE;
pub type PACCESS_ALLOWED_ACE = *mut ACCESS_ALLOWED_ACE;

#[repr(C)]
#[derive(Debug, Default, Copy, Clone)]
pub struct _SID_IDENTIFIER_AUTHORITY {
    pub Value: [UCHAR; 6],
}
pub type SID_IDENTIFIER_AUTHORITY = _SID_IDENTIFIER_AUTHORITY;
pub type PSID_IDENTIFIER_AUTHORITY = *mut _SID_IDENTIFIER_AUTHORITY;

/// A SID with room for one sub-authority (`ANYSIZE_ARRAY`); longer SIDs extend past the end.
#[repr(C)]
#[derive(Debug, Default, Copy, Clone)]
pub struct _SID {
    pub Revision: UCHAR,
    pub SubAuthorityCount: UCHAR,
    pub IdentifierAuthority: SID_IDENTIFIER_AUTHORITY,
    pub SubAuthority: [ULONG; 1],
}
pub type SID = _SID;
pub type PISID = *mut _SID;

zeroed_default!(
    _LIST_ENTRY,
    _SINGLE_LIST_ENTRY,
    _LARGE_INTEGER,
    _ULARGE_INTEGER,
    _UNICODE_STRING,
    _IO_STATUS_BLOCK,
    _IO_STATUS_BLOCK__bindgen_ty_1,
    _OBJECT_ATTRIBUTES,
    _CLIENT_ID,
    _EX_RUNDOWN_REF,
    _EX_RUNDOWN_REF__bindgen_ty_1,
    _DISPATCHER_HEADER,
    _DISPATCHER_HEADER__bindgen_ty_1,
    _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_1,
    _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_3,
    _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_3__bindgen_ty_1,
    _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_3__bindgen_ty_2,
    _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_4,
    _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_4__bindgen_ty_1,
    _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_5,
    _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_5__bindgen_ty_1,
    _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_6,
    _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_6__bindgen_ty_1,
    _DISPATCHER_HEADER__bindgen_ty_1__bindgen_ty_6__bindgen_ty_2,
    _KEVENT,
    _KDPC,
    _KDPC__bindgen_ty_1,
    _KTIMER,
    _KDEVICE_QUEUE_ENTRY,
    _KDEVICE_QUEUE,
    _KDEVICE_QUEUE__bindgen_ty_1,
    _WAIT_CONTEXT_BLOCK,
    _WAIT_CONTEXT_BLOCK__bindgen_ty_1,
    _WAIT_CONTEXT_BLOCK__bindgen_ty_1__bindgen_ty_1,
    _KAPC,
    _MDL,
    _VPB,
    _SECTION_OBJECT_POINTERS,
    _IO_COMPLETION_CONTEXT,
    _FILE_OBJECT,
    _DEVICE_OBJECT,
    _DEVICE_OBJECT__bindgen_ty_1,
    _DRIVER_EXTENSION,
    _DRIVER_OBJECT,
    _IO_SECURITY_CONTEXT,
    _INTERFACE,
    _IO_STACK_LOCATION,
    _IO_STACK_LOCATION__bindgen_ty_1,
    _IO_STACK_LOCATION__bindgen_ty_1__bindgen_ty_1,
    _IO_STACK_LOCATION__bindgen_ty_1__bindgen_ty_4,
    _IO_STACK_LOCATION__bindgen_ty_1__bindgen_ty_5,
    _IO_STACK_LOCATION__bindgen_ty_1__bindgen_ty_17,
    _IO_STACK_LOCATION__bindgen_ty_1__bindgen_ty_26,
    _IO_STACK_LOCATION__bindgen_ty_1__bindgen_ty_39,
    _IRP,
    _IRP__bindgen_ty_1,
    _IRP__bindgen_ty_2,
    _IRP__bindgen_ty_3,
    _IRP__bindgen_ty_3__bindgen_ty_1,
    _IRP__bindgen_ty_3__bindgen_ty_1__bindgen_ty_1,
    _IRP__bindgen_ty_3__bindgen_ty_1__bindgen_ty_2,
    _IRP__bindgen_ty_4,
    _IRP__bindgen_ty_4__bindgen_ty_1,
    _IRP__bindgen_ty_4__bindgen_ty_1__bindgen_ty_1,
    _IRP__bindgen_ty_4__bindgen_ty_1__bindgen_ty_1__bindgen_ty_1,
    _IRP__bindgen_ty_4__bindgen_ty_1__bindgen_ty_2,
    _IRP__bindgen_ty_4__bindgen_ty_1__bindgen_ty_2__bindgen_ty_1,
    _SECURITY_DESCRIPTOR,
);
