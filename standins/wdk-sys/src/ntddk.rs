//! Functions of the wdk-sys stand-in (Linux cross-builds only), as in the real
//! `wdk_sys::ntddk`: only functions live here; types are at the crate root.
//!
//! Declarations follow the WDK prototypes with bindgen's mapping: `extern "C"` (NTAPI on
//! x86_64), parameter names as in the headers, `#[must_use]` where the result is `NTSTATUS`,
//! `-> !` for `DECLSPEC_NORETURN`. Routines that are inline in the x64 headers
//! (`IoGetCurrentIrpStackLocation`, `IoCompleteRequest`, `PsGetCurrentThread`, ...) and the
//! routines bindgen is told to skip (`ExAllocatePoolWithTag` and its relatives) are absent, as
//! in the real crate.

use crate::types::*;

// The real crate links BufferOverflowFastFailK, ntoskrnl, hal and wmilib for WDM. The stand-in
// links only ntoskrnl: `build.rs` puts mingw-w64's `libntoskrnl.a` there as `ntoskrnl.lib`.
// The cfg also keeps host builds (the layout test) from linking anything.
#[cfg(all(target_os = "windows", target_env = "msvc", not(feature = "suppress-wdk-linking")))]
#[link(name = "ntoskrnl", kind = "static", modifiers = "-bundle")]
unsafe extern "C" {}

unsafe extern "C" {
    // ----- Debugging, IRQL, bug checks -----
    pub fn DbgPrint(Format: PCSTR, ...) -> ULONG;
    pub fn DbgPrintEx(ComponentId: ULONG, Level: ULONG, Format: PCSTR, ...) -> ULONG;
    pub fn KeGetCurrentIrql() -> KIRQL;
    pub fn KeBugCheckEx(
        BugCheckCode: ULONG,
        BugCheckParameter1: ULONG_PTR,
        BugCheckParameter2: ULONG_PTR,
        BugCheckParameter3: ULONG_PTR,
        BugCheckParameter4: ULONG_PTR,
    ) -> !;
    pub fn KeQueryActiveProcessorCountEx(GroupNumber: USHORT) -> ULONG;
    pub fn KeGetCurrentProcessorNumberEx(ProcNumber: PPROCESSOR_NUMBER) -> ULONG;
    pub fn MmGetSystemRoutineAddress(SystemRoutineName: PUNICODE_STRING) -> PVOID;

    // ----- Devices and IRPs -----
    #[must_use]
    pub fn IoCreateDevice(
        DriverObject: PDRIVER_OBJECT,
        DeviceExtensionSize: ULONG,
        DeviceName: PUNICODE_STRING,
        DeviceType: DEVICE_TYPE,
        DeviceCharacteristics: ULONG,
        Exclusive: BOOLEAN,
        DeviceObject: *mut PDEVICE_OBJECT,
    ) -> NTSTATUS;
    pub fn IoDeleteDevice(DeviceObject: PDEVICE_OBJECT);
    #[must_use]
    pub fn IoCreateSymbolicLink(SymbolicLinkName: PUNICODE_STRING, DeviceName: PUNICODE_STRING) -> NTSTATUS;
    #[must_use]
    pub fn IoDeleteSymbolicLink(SymbolicLinkName: PUNICODE_STRING) -> NTSTATUS;
    pub fn IofCompleteRequest(Irp: PIRP, PriorityBoost: CCHAR);
    pub fn IoReleaseCancelSpinLock(Irql: KIRQL);
    #[must_use]
    pub fn IofCallDriver(DeviceObject: PDEVICE_OBJECT, Irp: PIRP) -> NTSTATUS;
    #[must_use]
    pub fn IoGetDeviceObjectPointer(
        ObjectName: PUNICODE_STRING,
        DesiredAccess: ACCESS_MASK,
        FileObject: *mut PFILE_OBJECT,
        DeviceObject: *mut PDEVICE_OBJECT,
    ) -> NTSTATUS;
    pub fn IoBuildDeviceIoControlRequest(
        IoControlCode: ULONG,
        DeviceObject: PDEVICE_OBJECT,
        InputBuffer: PVOID,
        InputBufferLength: ULONG,
        OutputBuffer: PVOID,
        OutputBufferLength: ULONG,
        InternalDeviceIoControl: BOOLEAN,
        Event: PKEVENT,
        IoStatusBlock: PIO_STATUS_BLOCK,
    ) -> PIRP;

    // ----- Strings -----
    pub fn RtlInitUnicodeString(DestinationString: PUNICODE_STRING, SourceString: PCWSTR);

    // ----- Events and waits -----
    pub fn KeInitializeEvent(Event: PRKEVENT, Type: EVENT_TYPE, State: BOOLEAN);
    pub fn KeSetEvent(Event: PRKEVENT, Increment: KPRIORITY, Wait: BOOLEAN) -> LONG;
    pub fn KeClearEvent(Event: PRKEVENT);
    #[must_use]
    pub fn KeWaitForSingleObject(
        Object: PVOID,
        WaitReason: KWAIT_REASON,
        WaitMode: KPROCESSOR_MODE,
        Alertable: BOOLEAN,
        Timeout: PLARGE_INTEGER,
    ) -> NTSTATUS;

    // ----- Timers and DPCs -----
    pub fn KeInitializeTimerEx(Timer: PKTIMER, Type: TIMER_TYPE);
    pub fn KeSetTimerEx(Timer: PKTIMER, DueTime: LARGE_INTEGER, Period: LONG, Dpc: PKDPC) -> BOOLEAN;
    pub fn KeCancelTimer(arg1: PKTIMER) -> BOOLEAN;
    pub fn KeInitializeDpc(Dpc: PRKDPC, DeferredRoutine: PKDEFERRED_ROUTINE, DeferredContext: PVOID);
    pub fn KeFlushQueuedDpcs();

    #[must_use]
    pub fn KeDelayExecutionThread(WaitMode: KPROCESSOR_MODE, Alertable: BOOLEAN, Interval: PLARGE_INTEGER) -> NTSTATUS;

    // ----- Threads and processes -----
    #[must_use]
    pub fn PsCreateSystemThread(
        ThreadHandle: PHANDLE,
        DesiredAccess: ULONG,
        ObjectAttributes: POBJECT_ATTRIBUTES,
        ProcessHandle: HANDLE,
        ClientId: PCLIENT_ID,
        StartRoutine: PKSTART_ROUTINE,
        StartContext: PVOID,
    ) -> NTSTATUS;
    #[must_use]
    pub fn PsTerminateSystemThread(ExitStatus: NTSTATUS) -> NTSTATUS;
    pub fn PsGetCurrentProcessId() -> HANDLE;

    // ----- Handles, files, objects -----
    #[must_use]
    pub fn ZwClose(Handle: HANDLE) -> NTSTATUS;
    #[must_use]
    pub fn ZwWaitForSingleObject(Handle: HANDLE, Alertable: BOOLEAN, Timeout: PLARGE_INTEGER) -> NTSTATUS;
    #[must_use]
    pub fn ZwCreateFile(
        FileHandle: PHANDLE,
        DesiredAccess: ACCESS_MASK,
        ObjectAttributes: POBJECT_ATTRIBUTES,
        IoStatusBlock: PIO_STATUS_BLOCK,
        AllocationSize: PLARGE_INTEGER,
        FileAttributes: ULONG,
        ShareAccess: ULONG,
        CreateDisposition: ULONG,
        CreateOptions: ULONG,
        EaBuffer: PVOID,
        EaLength: ULONG,
    ) -> NTSTATUS;
    #[must_use]
    pub fn ZwDeviceIoControlFile(
        FileHandle: HANDLE,
        Event: HANDLE,
        ApcRoutine: PIO_APC_ROUTINE,
        ApcContext: PVOID,
        IoStatusBlock: PIO_STATUS_BLOCK,
        IoControlCode: ULONG,
        InputBuffer: PVOID,
        InputBufferLength: ULONG,
        OutputBuffer: PVOID,
        OutputBufferLength: ULONG,
    ) -> NTSTATUS;
    #[must_use]
    pub fn ObReferenceObjectByHandle(
        Handle: HANDLE,
        DesiredAccess: ACCESS_MASK,
        ObjectType: POBJECT_TYPE,
        AccessMode: KPROCESSOR_MODE,
        Object: *mut PVOID,
        HandleInformation: POBJECT_HANDLE_INFORMATION,
    ) -> NTSTATUS;
    pub fn ObfReferenceObject(Object: PVOID) -> LONG_PTR;
    pub fn ObfDereferenceObject(Object: PVOID) -> LONG_PTR;
    #[must_use]
    pub fn ObOpenObjectByPointer(
        Object: PVOID,
        HandleAttributes: ULONG,
        PassedAccessState: PACCESS_STATE,
        DesiredAccess: ACCESS_MASK,
        ObjectType: POBJECT_TYPE,
        AccessMode: KPROCESSOR_MODE,
        Handle: PHANDLE,
    ) -> NTSTATUS;

    // ----- Security -----
    #[must_use]
    pub fn ZwSetSecurityObject(
        Handle: HANDLE,
        SecurityInformation: SECURITY_INFORMATION,
        SecurityDescriptor: PSECURITY_DESCRIPTOR,
    ) -> NTSTATUS;
    #[must_use]
    pub fn RtlCreateSecurityDescriptor(SecurityDescriptor: PSECURITY_DESCRIPTOR, Revision: ULONG) -> NTSTATUS;
    #[must_use]
    pub fn RtlSetDaclSecurityDescriptor(
        SecurityDescriptor: PSECURITY_DESCRIPTOR,
        DaclPresent: BOOLEAN,
        Dacl: PACL,
        DaclDefaulted: BOOLEAN,
    ) -> NTSTATUS;
    #[must_use]
    pub fn RtlCreateAcl(Acl: PACL, AclLength: ULONG, AclRevision: ULONG) -> NTSTATUS;
    #[must_use]
    pub fn RtlAddAccessAllowedAce(Acl: PACL, AceRevision: ULONG, AccessMask: ACCESS_MASK, Sid: PSID) -> NTSTATUS;
    pub fn RtlLengthSid(Sid: PSID) -> ULONG;

    // ----- Pool -----
    pub fn ExFreePool(P: PVOID);
    pub fn ExFreePoolWithTag(P: PVOID, Tag: ULONG);

    // ----- Run-down protection -----
    pub fn ExInitializeRundownProtection(RunRef: PEX_RUNDOWN_REF);
    pub fn ExReInitializeRundownProtection(RunRef: PEX_RUNDOWN_REF);
    pub fn ExAcquireRundownProtection(RunRef: PEX_RUNDOWN_REF) -> BOOLEAN;
    pub fn ExAcquireRundownProtectionEx(RunRef: PEX_RUNDOWN_REF, Count: ULONG) -> BOOLEAN;
    pub fn ExReleaseRundownProtection(RunRef: PEX_RUNDOWN_REF);
    pub fn ExReleaseRundownProtectionEx(RunRef: PEX_RUNDOWN_REF, Count: ULONG);
    pub fn ExWaitForRundownProtectionRelease(RunRef: PEX_RUNDOWN_REF);
    pub fn ExRundownCompleted(RunRef: PEX_RUNDOWN_REF);

    // ----- Cache-aware run-down protection -----
    pub fn ExAllocateCacheAwareRundownProtection(PoolType: POOL_TYPE, PoolTag: ULONG) -> PEX_RUNDOWN_REF_CACHE_AWARE;
    pub fn ExSizeOfRundownProtectionCacheAware() -> SIZE_T;
    pub fn ExInitializeRundownProtectionCacheAware(RunRefCacheAware: PEX_RUNDOWN_REF_CACHE_AWARE, RunRefSize: SIZE_T);
    pub fn ExFreeCacheAwareRundownProtection(RunRefCacheAware: PEX_RUNDOWN_REF_CACHE_AWARE);
    pub fn ExAcquireRundownProtectionCacheAware(RunRefCacheAware: PEX_RUNDOWN_REF_CACHE_AWARE) -> BOOLEAN;
    pub fn ExReleaseRundownProtectionCacheAware(RunRefCacheAware: PEX_RUNDOWN_REF_CACHE_AWARE);
    pub fn ExAcquireRundownProtectionCacheAwareEx(
        RunRefCacheAware: PEX_RUNDOWN_REF_CACHE_AWARE,
        Count: ULONG,
    ) -> BOOLEAN;
    pub fn ExReleaseRundownProtectionCacheAwareEx(RunRef: PEX_RUNDOWN_REF_CACHE_AWARE, Count: ULONG);
    pub fn ExWaitForRundownProtectionReleaseCacheAware(RunRef: PEX_RUNDOWN_REF_CACHE_AWARE);
    pub fn ExReInitializeRundownProtectionCacheAware(RunRefCacheAware: PEX_RUNDOWN_REF_CACHE_AWARE);
    pub fn ExRundownCompletedCacheAware(RunRefCacheAware: PEX_RUNDOWN_REF_CACHE_AWARE);
}

// `ExAllocatePool2` (Windows 10 2004+) is not in mingw-w64's libntoskrnl.a, so it is imported
// from ntoskrnl.exe by name (`raw-dylib`: rustc writes the import itself). The image then links
// and imports it only if something calls it. Wine 8 does not export it: see wdk-alloc.
#[cfg_attr(
    all(target_os = "windows", target_env = "msvc", not(feature = "suppress-wdk-linking")),
    link(name = "ntoskrnl.exe", kind = "raw-dylib", modifiers = "+verbatim")
)]
unsafe extern "C" {
    pub fn ExAllocatePool2(Flags: POOL_FLAGS, NumberOfBytes: SIZE_T, Tag: ULONG) -> PVOID;
}
