/*
 * rundown_interface.h: the rundown driver's interface for kernel-mode peer drivers, in C.
 *
 * The definition is Rust: crates/rundown-abi/src/interface.rs (and ioctl.rs, names.rs). This
 * header is the same ABI for peers built with the WDK. crates/rundown-abi/tests/c_header.rs
 * compiles it with mingw-w64's DDK headers and checks every size, offset, field and function
 * type and every constant below against the Rust definitions, and the statuses the comments
 * name (their values; GET_INTERFACE's length failures; Read's short buffer, Write's long data).
 *
 * Include <ntddk.h> or <wdm.h> first. In one source file, include <initguid.h> before this
 * header to define RUNDOWN_INTERFACE_GUID (the definition is DECLSPEC_SELECTANY, so more than one
 * file may do so). 64-bit Windows only: the sizes are x64's.
 *
 * GETTING THE TABLE (kernel mode, IRQL == PASSIVE_LEVEL, from DriverEntry or a system thread):
 *   1. ZwCreateFile on RUNDOWN_NT_DEVICE_NAME with OBJ_KERNEL_HANDLE, SYNCHRONIZE and
 *      FILE_SYNCHRONOUS_IO_NONALERT (so that step 2 returns the final status).
 *   2. ZwDeviceIoControlFile(IOCTL_RUNDOWN_GET_INTERFACE): input a RUNDOWN_GET_INTERFACE_REQUEST
 *      { RUNDOWN_INTERFACE_GUID, sizeof(RUNDOWN_SHARED_INTERFACE), RUNDOWN_INTERFACE_VERSION }
 *      (20 bytes); output a RUNDOWN_SHARED_INTERFACE (exactly 72 bytes).
 *   3. On STATUS_SUCCESS the driver has filled the table, every pointer in it is non-null, and
 *      one interface reference has been taken for the caller. Before closing the handle, take a
 *      reference to its file object: ObReferenceObjectByHandle(handle, 0, *IoFileObjectType,
 *      KernelMode, &FileObject, NULL); then ZwClose the handle. The interface reference keeps
 *      the table usable; the file object keeps the rundown driver's image loaded (Windows does
 *      not call a driver's DriverUnload while a file object of its device exists).
 *   4. When the peer no longer uses the table (at the latest in its DriverUnload), it calls
 *      Table.Header.InterfaceDereference(Table.Header.Context), once per reference it holds,
 *      and only after the last of those calls has returned, ObDereferenceObject(FileObject).
 *      While any reference is held the rundown driver cannot unload: InterfaceReference and
 *      InterfaceDereference hold driver-level run-down protection, and its DriverUnload waits
 *      until the last reference is dropped. That wait can end while the peer's thread is still
 *      returning from InterfaceDereference through the rundown driver's code; the file object,
 *      dereferenced afterwards, keeps the image mapped until then. (Wine 8 is the exception:
 *      its ObReferenceObjectByHandle faults on a device handle, and it calls DriverUnload with
 *      file objects alive anyway; the sample peer's portable flavour skips the file object.)
 *
 * GET_INTERFACE fails, first failure wins, with:
 *   STATUS_ACCESS_DENIED          sent from user mode (before anything else is looked at);
 *   STATUS_INFO_LENGTH_MISMATCH   an input length other than 20, or an output longer than 72;
 *   STATUS_BUFFER_TOO_SMALL       an output shorter than 72;
 *   STATUS_NOT_SUPPORTED          another GUID, or a Version other than 1;
 *   STATUS_INVALID_PARAMETER      a Size below sizeof(RUNDOWN_SHARED_INTERFACE);
 *   STATUS_DELETE_PENDING         the rundown driver is unloading.
 *
 * USING IT. A peer:
 *   1. calls Acquire, which returns a hold (or NULL while the object runs down);
 *   2. calls Read, Write or QueryGeneration with that hold: they reach the generation the hold
 *      pins, which no rotation can free meanwhile (a rotation waits for the hold);
 *   3. calls Release with the hold, once;
 *   4. calls InterfaceDereference when it no longer uses the table, then dereferences the file
 *      object it took in step 3 of GETTING IT.
 * Context (Table.Header.Context) is passed back as the first argument of every function.
 *
 * IRQL. Acquire, Release, Read, Write, QueryGeneration, InterfaceReference and
 * InterfaceDereference may be called at IRQL <= DISPATCH_LEVEL, like NtosKrnl's own
 * ExAcquireRundownProtection and ExReleaseRundownProtection: they take no lock that waits, and
 * the driver's code and data are nonpaged. GET_INTERFACE itself (ZwCreateFile,
 * ZwDeviceIoControlFile) needs PASSIVE_LEVEL.
 *
 * A later version only appends functions to the table.
 */
#ifndef RUNDOWN_INTERFACE_H
#define RUNDOWN_INTERFACE_H
#pragma once

#if !defined(_WDMDDK_)
#error "rundown_interface.h: include <ntddk.h> or <wdm.h> first"
#endif
#if !defined(_WIN64)
#error "rundown_interface.h: the rundown driver's interface is defined for 64-bit Windows only"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* {B91C70C6-04C6-45D5-BC8D-967746867ECB}: the rundown driver's shared-object interface. */
DEFINE_GUID(RUNDOWN_INTERFACE_GUID,
            0xb91c70c6, 0x04c6, 0x45d5, 0xbc, 0x8d, 0x96, 0x77, 0x46, 0x86, 0x7e, 0xcb);

/* The interface version this header describes. A later version only appends functions. */
#define RUNDOWN_INTERFACE_VERSION 1

/* The device's names: the NT device name (what peers open), its DOS symbolic link, and the
   Win32 path user mode opens (user mode gets STATUS_ACCESS_DENIED for GET_INTERFACE). */
#define RUNDOWN_NT_DEVICE_NAME  L"\\Device\\RundownShared"
#define RUNDOWN_DOS_DEVICE_NAME L"\\DosDevices\\RundownShared"
#define RUNDOWN_WIN32_PATH      L"\\\\.\\RundownShared"

/* The device type of \Device\RundownShared (vendor range). Unsigned, so that CTL_CODE's
   shift by 16 stays in range. */
#define FILE_DEVICE_RUNDOWN 0x8352u

/* GET_INTERFACE: function 0x8F0, METHOD_BUFFERED, FILE_ANY_ACCESS; 0x835223C0. Kernel mode only. */
#define IOCTL_RUNDOWN_GET_INTERFACE \
    CTL_CODE(FILE_DEVICE_RUNDOWN, 0x8F0, METHOD_BUFFERED, FILE_ANY_ACCESS)

/* The largest payload, in bytes (Write's Length, and the buffer that holds any payload). */
#define RUNDOWN_MAX_PAYLOAD 256

/* An opaque hold on the shared object, from Acquire. Only pointers to it exist. */
typedef struct _RUNDOWN_PEER_HOLD RUNDOWN_PEER_HOLD, *PRUNDOWN_PEER_HOLD;

/* What Read reports besides the bytes (24 bytes: 4 bytes of padding follow Length). */
typedef struct _RUNDOWN_PEER_READ_RESULT {
    ULONGLONG Generation; /* The generation the hold pins. */
    ULONGLONG Version;    /* The payload's version. */
    ULONG Length;         /* The payload's length; at most the buffer's length bytes were copied. */
} RUNDOWN_PEER_READ_RESULT, *PRUNDOWN_PEER_READ_RESULT;

/*
 * The functions. No calling-convention keyword, as for the WDK's PINTERFACE_REFERENCE: x64 has
 * one calling convention (NTAPI, __stdcall and __cdecl all name it), which is what the Rust
 * definition's extern "C" means there. Callers: kernel-mode code of a peer driver that holds an
 * interface reference, at IRQL <= DISPATCH_LEVEL (see IRQL above).
 */

/* Acquires protection on the current generation: a hold, or NULL while a rotation or the
   unload runs the object down. */
typedef PRUNDOWN_PEER_HOLD RUNDOWN_ACQUIRE(PVOID Context);
typedef RUNDOWN_ACQUIRE *PRUNDOWN_ACQUIRE;

/* Releases a hold from Acquire, once. */
typedef VOID RUNDOWN_RELEASE(PVOID Context, PRUNDOWN_PEER_HOLD Hold);
typedef RUNDOWN_RELEASE *PRUNDOWN_RELEASE;

/* Copies the held generation's payload into Buffer (up to BufferLength bytes) and fills
   *Result; returns an NTSTATUS: STATUS_INVALID_PARAMETER for a null Hold or Result,
   STATUS_BUFFER_TOO_SMALL for a null Buffer or one shorter than the payload (then
   Result->Length says how much is needed). A buffer of RUNDOWN_MAX_PAYLOAD bytes always
   suffices. Callable at IRQL <= DISPATCH_LEVEL: it never waits. */
typedef NTSTATUS RUNDOWN_READ(PVOID Context, PRUNDOWN_PEER_HOLD Hold, PUCHAR Buffer,
                              ULONG BufferLength, PRUNDOWN_PEER_READ_RESULT Result);
typedef RUNDOWN_READ *PRUNDOWN_READ;

/* Replaces the held generation's payload with Length bytes at Data (at most
   RUNDOWN_MAX_PAYLOAD) and stores the new version in *Version; returns an NTSTATUS
   (STATUS_INVALID_PARAMETER for a null Hold, a null Data with a non-zero Length, or more than
   RUNDOWN_MAX_PAYLOAD bytes). Callable at IRQL <= DISPATCH_LEVEL: writers hold a spin lock for
   the whole write, so a reader spinning at DISPATCH_LEVEL never waits for a writer preempted on
   its own processor. */
typedef NTSTATUS RUNDOWN_WRITE(PVOID Context, PRUNDOWN_PEER_HOLD Hold, const UCHAR *Data,
                               ULONG Length, PULONGLONG Version);
typedef RUNDOWN_WRITE *PRUNDOWN_WRITE;

/* The generation a hold pins, or with a NULL Hold the current generation. */
typedef ULONGLONG RUNDOWN_QUERY_GENERATION(PVOID Context, PRUNDOWN_PEER_HOLD Hold);
typedef RUNDOWN_QUERY_GENERATION *PRUNDOWN_QUERY_GENERATION;

/*
 * The function table GET_INTERFACE fills: the WDK's INTERFACE first, then the functions
 * (72 bytes). Every pointer is non-null in a table the driver returned.
 *   Header.Size                  the size of the whole table, sizeof(RUNDOWN_SHARED_INTERFACE);
 *   Header.Version               RUNDOWN_INTERFACE_VERSION;
 *   Header.Context               passed back as the first argument of every function;
 *   Header.InterfaceReference    takes one more reference on the interface;
 *   Header.InterfaceDereference  drops one reference; the caller must not use the table after
 *                                dropping its last one.
 */
typedef struct _RUNDOWN_SHARED_INTERFACE {
    INTERFACE Header;
    PRUNDOWN_ACQUIRE Acquire;
    PRUNDOWN_RELEASE Release;
    PRUNDOWN_READ Read;
    PRUNDOWN_WRITE Write;
    PRUNDOWN_QUERY_GENERATION QueryGeneration;
} RUNDOWN_SHARED_INTERFACE, *PRUNDOWN_SHARED_INTERFACE;

/* GET_INTERFACE's input: which interface, of what size and version (20 bytes). */
typedef struct _RUNDOWN_GET_INTERFACE_REQUEST {
    GUID InterfaceType; /* Must be RUNDOWN_INTERFACE_GUID. */
    USHORT Size;        /* The caller's table size: at least sizeof(RUNDOWN_SHARED_INTERFACE). */
    USHORT Version;     /* The version the caller was written for: RUNDOWN_INTERFACE_VERSION. */
} RUNDOWN_GET_INTERFACE_REQUEST, *PRUNDOWN_GET_INTERFACE_REQUEST;

C_ASSERT(sizeof(RUNDOWN_PEER_READ_RESULT) == 24);
C_ASSERT(sizeof(RUNDOWN_SHARED_INTERFACE) == 72);
C_ASSERT(sizeof(RUNDOWN_GET_INTERFACE_REQUEST) == 20);

#ifdef __cplusplus
}
#endif

#endif /* RUNDOWN_INTERFACE_H */
