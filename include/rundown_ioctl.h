/*
 * rundown_ioctl.h: the rundown driver's device control interface for user-mode clients, in C.
 *
 * The definition is Rust: crates/rundown-abi (ioctl.rs, wire/, names.rs). This header is the
 * same ABI for clients in C or C++. Its codes, named values, message structs and list of
 * FAILURES are generated from the Rust declarations (the blocks between "generated" comments;
 * `RUNDOWN_BLESS=1 cargo test -p rundown-abi --test ioctl_header` rewrites them), the rest is
 * written by hand. crates/rundown-abi/tests/ioctl_header.rs compiles it with mingw-w64 (C11 with
 * -Wall -Wextra -pedantic -Werror, and C++17) and checks against the Rust definitions: every code
 * (and that every IOCTL of the Rust side is here), every struct's size and every field's offset,
 * width and type, the named values, the constants, the device names and the generated blocks.
 *
 * Include <windows.h> and <winioctl.h> first. (Kernel-mode code may include it after <ntddk.h>
 * or <wdm.h>, alone or with rundown_interface.h, in either order.)
 *
 * OPENING THE DEVICE. CreateFileW(RUNDOWN_WIN32_PATH, GENERIC_READ | GENERIC_WRITE, ...,
 * OPEN_EXISTING, ...). The device admits SYSTEM and Administrators only. A handle without write
 * access gets STATUS_ACCESS_DENIED from the I/O manager for WRITE and ROTATE, whose codes ask for
 * FILE_WRITE_ACCESS. Every protection ACQUIRE takes belongs to the handle: closing the handle
 * releases what it still holds.
 *
 * FIRST, VERSION. Its reply's AbiVersion must be RUNDOWN_ABI_VERSION, the contract this header
 * describes; it also says which flavour of the driver runs and how the shared object is
 * protected.
 *
 * SENDING A REQUEST. Every code is METHOD_BUFFERED, and the buffer lengths are exact: the input
 * is the request struct its comment names (none where it says "Input: none"; WRITE's is
 * variable, see RUNDOWN_WRITE_INPUT_LENGTH), the output buffer is exactly the reply struct. On
 * success the number of bytes returned is the reply's size. All integers are little-endian.
 *   RUNDOWN_QUERY_REPLY reply;
 *   DWORD returned;
 *   BOOL ok = DeviceIoControl(device, IOCTL_RUNDOWN_QUERY, NULL, 0, &reply, sizeof reply,
 *                             &returned, NULL);
 * DeviceIoControl reports a failure as the Win32 error Windows maps the NTSTATUS to
 * (GetLastError); NtDeviceIoControlFile returns the NTSTATUS itself.
 *
 * ROTATE is pended until every holder released: on a synchronous handle DeviceIoControl waits
 * for it, so a handle that holds protection must not send it (it gets
 * STATUS_INVALID_DEVICE_STATE). CancelIoEx or closing the handle completes it STATUS_CANCELLED;
 * the rotation it started carries on.
 *
 * FAILURES. The ABI's checks answer as the list after this comment says, in its order; then come
 * the operation's own failures (the README's IOCTL reference lists them): among them
 * STATUS_NOT_FOUND for a RELEASE of more than the handle holds, STATUS_DELETE_PENDING while the
 * object runs down or the driver unloads, STATUS_DEVICE_BUSY for a second ROTATE.
 */
/* generated:abi-failures:begin */
/*
 * FAILURES THE ABI DECIDES, in the order the driver checks them (the first failure is the answer):
 *   STATUS_INVALID_DEVICE_REQUEST  every IOCTL: a code of another device type than 0x8352, an
 *                                  unknown function, another method or other access bits;
 *   STATUS_INFO_LENGTH_MISMATCH    every IOCTL but WRITE: an input of another length than the
 *                                  table's;
 *   STATUS_BUFFER_TOO_SMALL        every IOCTL: an output buffer shorter than the reply;
 *   STATUS_INFO_LENGTH_MISMATCH    every IOCTL: an output buffer longer than the reply;
 *   STATUS_INVALID_PARAMETER       ACQUIRE, RELEASE: count is 0;
 *   STATUS_INFO_LENGTH_MISMATCH    WRITE: an input shorter than the 4-byte len;
 *   STATUS_INFO_LENGTH_MISMATCH    WRITE: an input longer than 260 bytes, such as a 257-byte
 *                                  payload (261 bytes): the input's length is checked before len;
 *   STATUS_INVALID_PARAMETER       WRITE: len over 256 in an input of at most 260 bytes;
 *   STATUS_INFO_LENGTH_MISMATCH    WRITE: len other than the number of bytes after it.
 */
/* generated:abi-failures:end */

#ifndef RUNDOWN_IOCTL_H
#define RUNDOWN_IOCTL_H
#pragma once

#if !defined(CTL_CODE)
#error "rundown_ioctl.h: include <windows.h> and <winioctl.h> (kernel mode: <ntddk.h>) first"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The device's names: the Win32 path user mode opens (wide, for CreateFileW, and narrow, for
   CreateFileA), the NT device name and its DOS symbolic link. */
#define RUNDOWN_WIN32_PATH      L"\\\\.\\RundownShared"
#define RUNDOWN_WIN32_PATH_A    "\\\\.\\RundownShared"
#define RUNDOWN_NT_DEVICE_NAME  L"\\Device\\RundownShared"
#define RUNDOWN_DOS_DEVICE_NAME L"\\DosDevices\\RundownShared"

/* The device type of \Device\RundownShared (vendor range). Unsigned, so that CTL_CODE's
   shift by 16 stays in range. */
#define FILE_DEVICE_RUNDOWN 0x8352u

/* The largest payload, in bytes. */
#define RUNDOWN_MAX_PAYLOAD 256

/*
 * The control codes: CTL_CODE(FILE_DEVICE_RUNDOWN, function, METHOD_BUFFERED, access). The
 * functions are in the vendor range (0x800 and up).
 */

/* generated:codes:begin */
/* IOCTL_RUNDOWN_QUERY: function 0x800, METHOD_BUFFERED, FILE_READ_ACCESS (0x83526000).
   Input: none. Output: RUNDOWN_QUERY_REPLY. The object's generation, version, holders and state. */
#define IOCTL_RUNDOWN_QUERY \
    CTL_CODE(FILE_DEVICE_RUNDOWN, 0x800, METHOD_BUFFERED, FILE_READ_ACCESS)

/* IOCTL_RUNDOWN_ACQUIRE: function 0x801, METHOD_BUFFERED, FILE_READ_ACCESS (0x83526004).
   Input: RUNDOWN_ACQUIRE_REQUEST. Output: RUNDOWN_HOLDS_REPLY. Take protection on behalf of the
   calling handle, all count or none. */
#define IOCTL_RUNDOWN_ACQUIRE \
    CTL_CODE(FILE_DEVICE_RUNDOWN, 0x801, METHOD_BUFFERED, FILE_READ_ACCESS)

/* IOCTL_RUNDOWN_RELEASE: function 0x802, METHOD_BUFFERED, FILE_READ_ACCESS (0x83526008).
   Input: RUNDOWN_RELEASE_REQUEST. Output: RUNDOWN_HOLDS_REPLY. Give back protection the calling
   handle holds. */
#define IOCTL_RUNDOWN_RELEASE \
    CTL_CODE(FILE_DEVICE_RUNDOWN, 0x802, METHOD_BUFFERED, FILE_READ_ACCESS)

/* IOCTL_RUNDOWN_READ: function 0x803, METHOD_BUFFERED, FILE_READ_ACCESS (0x8352600C).
   Input: none. Output: RUNDOWN_READ_REPLY. Read the payload under protection. */
#define IOCTL_RUNDOWN_READ \
    CTL_CODE(FILE_DEVICE_RUNDOWN, 0x803, METHOD_BUFFERED, FILE_READ_ACCESS)

/* IOCTL_RUNDOWN_WRITE: function 0x804, METHOD_BUFFERED, FILE_WRITE_ACCESS (0x8352A010).
   Input: RUNDOWN_WRITE_REQUEST, 4 to 260 bytes of it. Output: RUNDOWN_WRITE_REPLY. Replace the
   payload under protection. */
#define IOCTL_RUNDOWN_WRITE \
    CTL_CODE(FILE_DEVICE_RUNDOWN, 0x804, METHOD_BUFFERED, FILE_WRITE_ACCESS)

/* IOCTL_RUNDOWN_ROTATE: function 0x805, METHOD_BUFFERED, FILE_WRITE_ACCESS (0x8352A014).
   Input: none. Output: RUNDOWN_ROTATE_REPLY. Run the object down and install the next
   generation; pended until the holders released. */
#define IOCTL_RUNDOWN_ROTATE \
    CTL_CODE(FILE_DEVICE_RUNDOWN, 0x805, METHOD_BUFFERED, FILE_WRITE_ACCESS)

/* IOCTL_RUNDOWN_STATS: function 0x806, METHOD_BUFFERED, FILE_READ_ACCESS (0x83526018).
   Input: none. Output: RUNDOWN_STATS_REPLY. The driver's counters and pool usage. */
#define IOCTL_RUNDOWN_STATS \
    CTL_CODE(FILE_DEVICE_RUNDOWN, 0x806, METHOD_BUFFERED, FILE_READ_ACCESS)

/* IOCTL_RUNDOWN_VERSION: function 0x807, METHOD_BUFFERED, FILE_READ_ACCESS (0x8352601C).
   Input: none. Output: RUNDOWN_VERSION_REPLY. The contract's version and the driver's build; a
   client sends it first. */
#define IOCTL_RUNDOWN_VERSION \
    CTL_CODE(FILE_DEVICE_RUNDOWN, 0x807, METHOD_BUFFERED, FILE_READ_ACCESS)

/* IOCTL_RUNDOWN_PEERS: function 0x808, METHOD_BUFFERED, FILE_READ_ACCESS (0x83526020).
   Input: none. Output: RUNDOWN_PEERS_REPLY. What the driver knows of the kernel-mode peers that
   use its interface: the protections they hold, and whether GET_INTERFACE gives it now. */
#define IOCTL_RUNDOWN_PEERS \
    CTL_CODE(FILE_DEVICE_RUNDOWN, 0x808, METHOD_BUFFERED, FILE_READ_ACCESS)

/* IOCTL_RUNDOWN_GET_INTERFACE: function 0x8F0, METHOD_BUFFERED, FILE_ANY_ACCESS (0x835223C0).
   Its messages are in rundown_interface.h (which defines the code the same way). The interface
   for kernel-mode peer drivers; the driver refuses it from user mode (STATUS_ACCESS_DENIED). */
#define IOCTL_RUNDOWN_GET_INTERFACE \
    CTL_CODE(FILE_DEVICE_RUNDOWN, 0x8F0, METHOD_BUFFERED, FILE_ANY_ACCESS)
/* generated:codes:end */

/* generated:values:begin */
/* RUNDOWN_QUERY_REPLY.State, ObjectState in Rust:
     RUNDOWN_STATE_ACTIVE        Acquisitions succeed.
     RUNDOWN_STATE_RUNNING_DOWN  A rotation or the unload waits for holders; acquisitions fail.
     RUNDOWN_STATE_COMPLETED     The run-down completed; the next generation is being installed. */
#define RUNDOWN_STATE_ACTIVE       0
#define RUNDOWN_STATE_RUNNING_DOWN 1
#define RUNDOWN_STATE_COMPLETED    2

/* RUNDOWN_VERSION_REPLY.Flavour, DriverFlavour in Rust:
     RUNDOWN_FLAVOUR_NTOSKRNL  NtosKrnl's own run-down routines (the build for Windows).
     RUNDOWN_FLAVOUR_PORTABLE  The rundown crate's portable model with KEVENT waits (the build
                               for Wine). */
#define RUNDOWN_FLAVOUR_NTOSKRNL 0
#define RUNDOWN_FLAVOUR_PORTABLE 1

/* RUNDOWN_VERSION_REPLY.Protection, ProtectionKind in Rust:
     RUNDOWN_PROTECTION_PLAIN        A plain EX_RUNDOWN_REF.
     RUNDOWN_PROTECTION_CACHE_AWARE  An EX_RUNDOWN_REF_CACHE_AWARE, one counter per processor. */
#define RUNDOWN_PROTECTION_PLAIN       0
#define RUNDOWN_PROTECTION_CACHE_AWARE 1

/* RUNDOWN_PEERS_REPLY.Interface, PeerInterface in Rust:
     RUNDOWN_PEER_INTERFACE_OFFERED    GET_INTERFACE from kernel mode gets the interface.
     RUNDOWN_PEER_INTERFACE_WITHDRAWN  The driver is unloading: GET_INTERFACE answers
                                       STATUS_DELETE_PENDING; references already given stay valid
                                       until their peers drop them. */
#define RUNDOWN_PEER_INTERFACE_OFFERED   0
#define RUNDOWN_PEER_INTERFACE_WITHDRAWN 1
/* generated:values:end */

/* The contract this header describes: RUNDOWN_VERSION_REPLY.AbiVersion. It changes only when a
   request or reply changes in a way an existing client would misread. */
#define RUNDOWN_ABI_VERSION 1

/*
 * The messages. Every field lies at a multiple of its width and every struct ends with explicit
 * tail padding (Reserved, written as 0 by the driver, ignored by it), so the layout is the same
 * under any packing; pack(8) is the Rust definition's natural alignment.
 */
#pragma pack(push, 8)

/* generated:messages:begin */
/* QUERY's output (32 bytes). */
typedef struct _RUNDOWN_QUERY_REPLY {
    ULONGLONG Generation; /* The object's generation; ROTATE installs the next one. */
    ULONGLONG Version;    /* The payload's version; every WRITE changes it. */
    ULONG Holders;        /* Protections held on the object now, across all handles. */
    ULONG State;          /* The object's state: RUNDOWN_STATE_*. */
    ULONG PayloadLength;  /* The payload's length in bytes (at most 256). */
    ULONG HandleHolds;    /* Protections the calling handle holds. */
} RUNDOWN_QUERY_REPLY, *PRUNDOWN_QUERY_REPLY;

/* ACQUIRE's input (4 bytes). */
typedef struct _RUNDOWN_ACQUIRE_REQUEST {
    ULONG Count; /* How many protections to take for the calling handle: at least 1. */
} RUNDOWN_ACQUIRE_REQUEST, *PRUNDOWN_ACQUIRE_REQUEST;

/* ACQUIRE's and RELEASE's output (4 bytes). */
typedef struct _RUNDOWN_HOLDS_REPLY {
    ULONG HandleHolds; /* Protections the calling handle holds after the request. */
} RUNDOWN_HOLDS_REPLY, *PRUNDOWN_HOLDS_REPLY;

/* RELEASE's input (4 bytes). */
typedef struct _RUNDOWN_RELEASE_REQUEST {
    ULONG Count; /* How many of the calling handle's protections to give back: at least 1. */
} RUNDOWN_RELEASE_REQUEST, *PRUNDOWN_RELEASE_REQUEST;

/* READ's output (280 bytes). */
typedef struct _RUNDOWN_READ_REPLY {
    ULONGLONG Generation;               /* The generation read. */
    ULONGLONG Version;                  /* The version read. */
    ULONG Length;                       /* Valid bytes at the start of Payload (at most 256). */
    UCHAR Payload[RUNDOWN_MAX_PAYLOAD]; /* The payload; bytes past Length are zero. */
    ULONG Reserved;                     /* Tail padding, written as 0. */
} RUNDOWN_READ_REPLY, *PRUNDOWN_READ_REPLY;

/* WRITE's input (4 to 260 bytes). */
typedef struct _RUNDOWN_WRITE_REQUEST {
    ULONG Length;                       /* The payload bytes that follow (at most 256). */
    UCHAR Payload[RUNDOWN_MAX_PAYLOAD]; /* The payload: send only the first Length bytes (an
                                           input of 4 + Length bytes). */
} RUNDOWN_WRITE_REQUEST, *PRUNDOWN_WRITE_REQUEST;

/* WRITE's output (8 bytes). */
typedef struct _RUNDOWN_WRITE_REPLY {
    ULONGLONG Version; /* The payload's new version. */
} RUNDOWN_WRITE_REPLY, *PRUNDOWN_WRITE_REPLY;

/* ROTATE's output (24 bytes). */
typedef struct _RUNDOWN_ROTATE_REPLY {
    ULONGLONG OldGeneration; /* The generation retired. */
    ULONGLONG NewGeneration; /* The generation installed. */
    ULONG WaitedForHolders;  /* Holders outstanding when the run-down began (0: no wait). */
    ULONG Reserved;          /* Tail padding, written as 0. */
} RUNDOWN_ROTATE_REPLY, *PRUNDOWN_ROTATE_REPLY;

/* STATS' output (56 bytes). */
typedef struct _RUNDOWN_STATS_REPLY {
    ULONGLONG Acquisitions; /* Successful acquisitions. */
    ULONGLONG Refusals;     /* Acquisitions refused because the object was running down. */
    ULONGLONG Waits;        /* Run-downs that had to wait for holders. */
    ULONGLONG Rotations;    /* Completed rotations. */
    ULONG MaxHolders;       /* The most holders seen at once. */
    ULONG Holders;          /* Holders now. */
    ULONGLONG PoolBytes;    /* Bytes of pool the driver has allocated and not freed. */
    ULONGLONG PoolBlocks;   /* Pool allocations not freed. */
} RUNDOWN_STATS_REPLY, *PRUNDOWN_STATS_REPLY;

/* VERSION's output (16 bytes). */
typedef struct _RUNDOWN_VERSION_REPLY {
    ULONG AbiVersion; /* The contract's version, RUNDOWN_ABI_VERSION (1) for this one; it changes
                         only when a request or reply changes incompatibly. */
    ULONG Flavour;    /* The driver's run-down implementation: RUNDOWN_FLAVOUR_*. */
    ULONG Protection; /* The shared object's run-down reference: RUNDOWN_PROTECTION_*. */
    ULONG MaxPayload; /* The largest payload WRITE accepts and READ returns (256). */
} RUNDOWN_VERSION_REPLY, *PRUNDOWN_VERSION_REPLY;

/* PEERS' output (8 bytes). */
typedef struct _RUNDOWN_PEERS_REPLY {
    ULONG Holds;     /* Protections on the object that kernel-mode peers hold now (the
                        interface's Acquire, not yet released); a ROTATE waits for them. */
    ULONG Interface; /* Whether GET_INTERFACE gives kernel-mode peers the interface now:
                        RUNDOWN_PEER_INTERFACE_*. */
} RUNDOWN_PEERS_REPLY, *PRUNDOWN_PEERS_REPLY;

C_ASSERT(sizeof(RUNDOWN_ACQUIRE_REQUEST) == 4);
C_ASSERT(sizeof(RUNDOWN_RELEASE_REQUEST) == 4);
C_ASSERT(sizeof(RUNDOWN_WRITE_REQUEST) == 260);
C_ASSERT(sizeof(RUNDOWN_QUERY_REPLY) == 32);
C_ASSERT(sizeof(RUNDOWN_HOLDS_REPLY) == 4);
C_ASSERT(sizeof(RUNDOWN_READ_REPLY) == 280);
C_ASSERT(sizeof(RUNDOWN_WRITE_REPLY) == 8);
C_ASSERT(sizeof(RUNDOWN_ROTATE_REPLY) == 24);
C_ASSERT(sizeof(RUNDOWN_STATS_REPLY) == 56);
C_ASSERT(sizeof(RUNDOWN_VERSION_REPLY) == 16);
C_ASSERT(sizeof(RUNDOWN_PEERS_REPLY) == 8);
/* generated:messages:end */

#pragma pack(pop)

/* WRITE's input length for a payload of Length bytes: send the first
   RUNDOWN_WRITE_INPUT_LENGTH(Length) bytes of a RUNDOWN_WRITE_REQUEST. */
#define RUNDOWN_WRITE_INPUT_LENGTH(Length) \
    ((ULONG)FIELD_OFFSET(RUNDOWN_WRITE_REQUEST, Payload) + (ULONG)(Length))

#ifdef __cplusplus
}
#endif

#endif /* RUNDOWN_IOCTL_H */
