//! Layout and constant check of the wdk-sys stand-in against an independent source: mingw-w64's
//! DDK headers (`<ntifs.h>`, which includes `<ntddk.h>` and `<wdm.h>`).
//!
//! The test turns the stand-in's `size_of`, `align_of`, `offset_of!` and field sizes, and the
//! values of its constants, into C11 `_Static_assert`s and compiles them with
//! `x86_64-w64-mingw32-gcc -fsyntax-only`. A failing assertion fails the test; the report names
//! the struct and field (by its Rust path), the stand-in's value and the header's value.
//!
//! C field paths are the Rust paths without the `__bindgen_anon_N` segments (C reaches into
//! anonymous members directly). Where mingw-w64's headers are older than the WDK the real
//! wdk-sys is generated from, the check says so and compares with what the older header does
//! have (the union sibling at the same place, or the WDK value with its source).
//!
//! Needs mingw-w64 (`apt-get install gcc-mingw-w64-x86-64`); `cargo xtask test` installs it.
// Union fields need `unsafe` to be named in the field-size closures; plain fields do not, and
// one macro serves both.
#![allow(unused_unsafe)]

use core::mem::{align_of, offset_of, size_of};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use wdk_sys::*;

/// The cross compiler; `WDK_STANDIN_MINGW_GCC` overrides it.
const DEFAULT_GCC: &str = "x86_64-w64-mingw32-gcc";

/// Where Debian's mingw-w64-common puts the DDK headers; `WDK_STANDIN_MINGW_DDK` overrides it.
const DDK_DIRS: &[&str] = &["/usr/share/mingw-w64/include/ddk", "/usr/x86_64-w64-mingw32/include/ddk"];

/// Declarations the C side needs before the checks.
const PRELUDE: &str = r"#include <ntifs.h>
#include <stddef.h>
/* The WDK declares IRP and DEVICE_OBJECT with DECLSPEC_ALIGN(MEMORY_ALLOCATION_ALIGNMENT), i.e.
   16-byte aligned on x64 (so sizeof(DEVICE_OBJECT) is 0x150, not 0x148); mingw-w64's headers
   omit the attribute. These wrappers add it back; offsets are unaffected. */
typedef struct { IRP s; } __attribute__((aligned(16))) WDK_ALIGNED_IRP;
typedef struct { DEVICE_OBJECT s; } __attribute__((aligned(16))) WDK_ALIGNED_DEVICE_OBJECT;
";

/// One `_Static_assert((c_expr) == rust_value, label)`.
struct Check {
    label: String,
    c_expr: String,
    rust_value: i128,
}

#[derive(Default)]
struct Checks {
    list: Vec<Check>,
}

impl Checks {
    fn push(&mut self, label: String, c_expr: String, rust_value: impl Into<i128>) {
        self.list.push(Check { label, c_expr, rust_value: rust_value.into() });
    }

    fn size_align(&mut self, rust_type: &str, c_type: &str, size: usize, align: usize) {
        self.push(format!("{rust_type}: size_of"), format!("sizeof({c_type})"), size as u64);
        self.push(format!("{rust_type}: align_of"), format!("_Alignof({c_type})"), align as u64);
    }

    fn field(&mut self, rust_type: &str, c_type: &str, rust_path: &str, c_path: &str, offset: usize, size: usize) {
        self.push(
            format!("{rust_type}.{rust_path}: offset_of"),
            format!("offsetof({c_type}, {c_path})"),
            offset as u64,
        );
        self.push(
            format!("{rust_type}.{rust_path}: size_of"),
            format!("sizeof((({c_type} *)0)->{c_path})"),
            size as u64,
        );
    }

    /// A field whose offset is checked but whose size differs on purpose from mingw-w64's.
    fn offset_only(&mut self, rust_type: &str, c_type: &str, rust_path: &str, c_path: &str, offset: usize) {
        self.push(
            format!("{rust_type}.{rust_path}: offset_of"),
            format!("offsetof({c_type}, {c_path})"),
            offset as u64,
        );
    }

    fn constant(&mut self, rust_name: &str, value: i128) {
        let c_name = rust_name.rsplit("::").next().unwrap_or(rust_name);
        self.push(format!("{rust_name}: value"), c_name.to_owned(), value);
    }

    fn c_source(&self) -> String {
        let mut source = String::from(PRELUDE);
        for check in &self.list {
            writeln!(
                source,
                "_Static_assert(({}) == {}, \"{} is {} in the stand-in\");",
                check.c_expr,
                c_literal(check.rust_value),
                check.label,
                check.rust_value
            )
            .expect("writing to a String cannot fail");
        }
        source
    }
}

fn c_literal(value: i128) -> String {
    if value < 0 { format!("({value}LL)") } else { format!("{value}ULL") }
}

/// `rust.path.__bindgen_anon_2.x` -> `rust.path.x`.
fn c_path(rust_path: &str) -> String {
    rust_path.split('.').filter(|segment| !segment.starts_with("__bindgen_anon_")).collect::<Vec<_>>().join(".")
}

fn field_size<T, F>(_field: fn(&T) -> &F) -> usize {
    size_of::<F>()
}

/// Size and alignment of a type: `ty!(checks, RustType, "CType")`.
macro_rules! ty {
    ($checks:ident, $rust:ty, $c:literal) => {
        $checks.size_align(stringify!($rust), $c, size_of::<$rust>(), align_of::<$rust>())
    };
}

/// Offset and size of a field; the C path is the Rust path without `__bindgen_anon_N`.
macro_rules! field {
    ($checks:ident, $rust:ty, $c:literal, $($path:ident).+) => {{
        let rust_path = stringify!($($path).+).replace(' ', "");
        $checks.field(
            stringify!($rust),
            $c,
            &rust_path,
            &c_path(&rust_path),
            offset_of!($rust, $($path).+),
            // SAFETY: the closure is never called; it only names the field's type.
            field_size::<$rust, _>(|s| unsafe { &s.$($path).+ }),
        )
    }};
}

/// Like `field!`, but compared with a different C path (a member mingw-w64 names differently or
/// lacks, checked against its union sibling at the same place).
macro_rules! field_as {
    ($checks:ident, $rust:ty, $c:literal, $c_path:literal, $($path:ident).+) => {{
        let rust_path = stringify!($($path).+).replace(' ', "");
        $checks.field(
            stringify!($rust),
            $c,
            &rust_path,
            $c_path,
            offset_of!($rust, $($path).+),
            // SAFETY: the closure is never called; it only names the field's type.
            field_size::<$rust, _>(|s| unsafe { &s.$($path).+ }),
        )
    }};
}

/// Like `field!`, offset only (mingw-w64's member has another size, see the call).
macro_rules! offset {
    ($checks:ident, $rust:ty, $c:literal, $($path:ident).+) => {{
        let rust_path = stringify!($($path).+).replace(' ', "");
        $checks.offset_only(stringify!($rust), $c, &rust_path, &c_path(&rust_path), offset_of!($rust, $($path).+))
    }};
}

/// Size and signedness of an integer typedef.
macro_rules! int {
    ($checks:ident, $($t:ident),+) => {$(
        $checks.push(format!("{}: size_of", stringify!($t)), format!("sizeof({})", stringify!($t)), size_of::<$t>() as u64);
        $checks.push(
            format!("{}: is signed", stringify!($t)),
            format!("(({})-1 < 0)", stringify!($t)),
            u8::from(<$t>::MIN != 0),
        );
    )+};
}

/// Size of a pointer typedef.
macro_rules! ptr {
    ($checks:ident, $($t:ident),+) => {$(
        $checks.push(format!("{}: size_of", stringify!($t)), format!("sizeof({})", stringify!($t)), size_of::<$t>() as u64);
    )+};
}

/// Values of constants (macros or enumerators; the C name is the last path segment).
macro_rules! consts {
    ($checks:ident, $($($name:ident)::+),+ $(,)?) => {$(
        $checks.constant(&stringify!($($name)::+).replace(' ', ""), i128::from($($name)::+));
    )+};
}

fn scalar_checks(c: &mut Checks) {
    int!(c, CHAR, CCHAR, UCHAR, BOOLEAN, SHORT, CSHORT, USHORT, WCHAR, LONG, ULONG, LONG64, ULONG64);
    int!(c, LONGLONG, ULONGLONG, LONG_PTR, ULONG_PTR, SIZE_T, NTSTATUS, KIRQL, KPROCESSOR_MODE);
    int!(c, KPRIORITY, KSPIN_LOCK, KAFFINITY, ACCESS_MASK, DEVICE_TYPE, SECURITY_INFORMATION);
    int!(c, SECURITY_DESCRIPTOR_CONTROL);
    // Enums are C `int` for MSVC and for clang with the MSVC ABI (bindgen's view), so `i32`;
    // gcc makes enums without negative values unsigned, so only their size is compared.
    ptr!(c, EVENT_TYPE, MODE, KWAIT_REASON, POOL_TYPE, IO_ALLOCATION_ACTION);
    ptr!(c, PVOID, HANDLE, PHANDLE, PCHAR, PCSTR, PWCH, PCWSTR, PSID, PSECURITY_DESCRIPTOR);
    ptr!(c, PDRIVER_DISPATCH, PDRIVER_UNLOAD, PKSTART_ROUTINE, PIO_COMPLETION_ROUTINE, PIO_APC_ROUTINE);
    ptr!(c, PINTERFACE_REFERENCE, PINTERFACE_DEREFERENCE, PDRIVER_CANCEL, PKDEFERRED_ROUTINE);
}

fn basic_struct_checks(c: &mut Checks) {
    ty!(c, LIST_ENTRY, "LIST_ENTRY");
    field!(c, LIST_ENTRY, "LIST_ENTRY", Flink);
    field!(c, LIST_ENTRY, "LIST_ENTRY", Blink);
    ty!(c, SINGLE_LIST_ENTRY, "SINGLE_LIST_ENTRY");
    field!(c, SINGLE_LIST_ENTRY, "SINGLE_LIST_ENTRY", Next);

    ty!(c, LARGE_INTEGER, "LARGE_INTEGER");
    field!(c, LARGE_INTEGER, "LARGE_INTEGER", __bindgen_anon_1.LowPart);
    field!(c, LARGE_INTEGER, "LARGE_INTEGER", __bindgen_anon_1.HighPart);
    field!(c, LARGE_INTEGER, "LARGE_INTEGER", u.LowPart);
    field!(c, LARGE_INTEGER, "LARGE_INTEGER", u.HighPart);
    field!(c, LARGE_INTEGER, "LARGE_INTEGER", QuadPart);
    ty!(c, ULARGE_INTEGER, "ULARGE_INTEGER");
    field!(c, ULARGE_INTEGER, "ULARGE_INTEGER", __bindgen_anon_1.HighPart);
    field!(c, ULARGE_INTEGER, "ULARGE_INTEGER", u.HighPart);
    field!(c, ULARGE_INTEGER, "ULARGE_INTEGER", QuadPart);

    ty!(c, UNICODE_STRING, "UNICODE_STRING");
    field!(c, UNICODE_STRING, "UNICODE_STRING", Length);
    field!(c, UNICODE_STRING, "UNICODE_STRING", MaximumLength);
    field!(c, UNICODE_STRING, "UNICODE_STRING", Buffer);

    ty!(c, GUID, "GUID");
    field!(c, GUID, "GUID", Data1);
    field!(c, GUID, "GUID", Data2);
    field!(c, GUID, "GUID", Data3);
    field!(c, GUID, "GUID", Data4);

    ty!(c, IO_STATUS_BLOCK, "IO_STATUS_BLOCK");
    field!(c, IO_STATUS_BLOCK, "IO_STATUS_BLOCK", __bindgen_anon_1.Status);
    field!(c, IO_STATUS_BLOCK, "IO_STATUS_BLOCK", __bindgen_anon_1.Pointer);
    field!(c, IO_STATUS_BLOCK, "IO_STATUS_BLOCK", Information);

    ty!(c, OBJECT_ATTRIBUTES, "OBJECT_ATTRIBUTES");
    field!(c, OBJECT_ATTRIBUTES, "OBJECT_ATTRIBUTES", Length);
    field!(c, OBJECT_ATTRIBUTES, "OBJECT_ATTRIBUTES", RootDirectory);
    field!(c, OBJECT_ATTRIBUTES, "OBJECT_ATTRIBUTES", ObjectName);
    field!(c, OBJECT_ATTRIBUTES, "OBJECT_ATTRIBUTES", Attributes);
    field!(c, OBJECT_ATTRIBUTES, "OBJECT_ATTRIBUTES", SecurityDescriptor);
    field!(c, OBJECT_ATTRIBUTES, "OBJECT_ATTRIBUTES", SecurityQualityOfService);

    ty!(c, CLIENT_ID, "CLIENT_ID");
    field!(c, CLIENT_ID, "CLIENT_ID", UniqueProcess);
    field!(c, CLIENT_ID, "CLIENT_ID", UniqueThread);

    ty!(c, OBJECT_HANDLE_INFORMATION, "OBJECT_HANDLE_INFORMATION");
    field!(c, OBJECT_HANDLE_INFORMATION, "OBJECT_HANDLE_INFORMATION", HandleAttributes);
    field!(c, OBJECT_HANDLE_INFORMATION, "OBJECT_HANDLE_INFORMATION", GrantedAccess);

    ty!(c, PROCESSOR_NUMBER, "PROCESSOR_NUMBER");
    field!(c, PROCESSOR_NUMBER, "PROCESSOR_NUMBER", Group);
    field!(c, PROCESSOR_NUMBER, "PROCESSOR_NUMBER", Number);
    field!(c, PROCESSOR_NUMBER, "PROCESSOR_NUMBER", Reserved);

    ty!(c, EX_RUNDOWN_REF, "EX_RUNDOWN_REF");
    field!(c, EX_RUNDOWN_REF, "EX_RUNDOWN_REF", __bindgen_anon_1.Count);
    field!(c, EX_RUNDOWN_REF, "EX_RUNDOWN_REF", __bindgen_anon_1.Ptr);
}

fn kernel_object_checks(c: &mut Checks) {
    // DISPATCHER_HEADER: mingw-w64 has the Windows 7 arrangement of the first four bytes; the
    // names both share are checked, the rest of those bytes are the WDK's (see types.rs).
    ty!(c, DISPATCHER_HEADER, "DISPATCHER_HEADER");
    field!(c, DISPATCHER_HEADER, "DISPATCHER_HEADER", __bindgen_anon_1.__bindgen_anon_1.Lock);
    field!(c, DISPATCHER_HEADER, "DISPATCHER_HEADER", __bindgen_anon_1.__bindgen_anon_2.Type);
    field!(c, DISPATCHER_HEADER, "DISPATCHER_HEADER", __bindgen_anon_1.__bindgen_anon_2.Signalling);
    field!(c, DISPATCHER_HEADER, "DISPATCHER_HEADER", __bindgen_anon_1.__bindgen_anon_2.Size);
    field!(
        c,
        DISPATCHER_HEADER,
        "DISPATCHER_HEADER",
        __bindgen_anon_1.__bindgen_anon_3.__bindgen_anon_1.TimerControlFlags
    );
    field!(c, DISPATCHER_HEADER, "DISPATCHER_HEADER", __bindgen_anon_1.__bindgen_anon_3.Hand);
    field!(
        c,
        DISPATCHER_HEADER,
        "DISPATCHER_HEADER",
        __bindgen_anon_1.__bindgen_anon_3.__bindgen_anon_2.TimerMiscFlags
    );
    field!(
        c,
        DISPATCHER_HEADER,
        "DISPATCHER_HEADER",
        __bindgen_anon_1.__bindgen_anon_6.__bindgen_anon_1.ThreadControlFlags
    );
    field!(c, DISPATCHER_HEADER, "DISPATCHER_HEADER", __bindgen_anon_1.__bindgen_anon_6.__bindgen_anon_2.DebugActive);
    field!(c, DISPATCHER_HEADER, "DISPATCHER_HEADER", SignalState);
    field!(c, DISPATCHER_HEADER, "DISPATCHER_HEADER", WaitListHead);

    ty!(c, KEVENT, "KEVENT");
    field!(c, KEVENT, "KEVENT", Header);

    // KDPC: mingw-w64 has the Windows 7 layout (LIST_ENTRY DpcListEntry where the WDK has
    // SINGLE_LIST_ENTRY DpcListEntry + KAFFINITY ProcessorHistory in the same 16 bytes).
    ty!(c, KDPC, "KDPC");
    c.offset_only(
        "KDPC",
        "KDPC",
        "__bindgen_anon_1.TargetInfoAsUlong",
        "Type",
        offset_of!(KDPC, __bindgen_anon_1.TargetInfoAsUlong),
    );
    c.push(
        "KDPC.__bindgen_anon_1.TargetInfoAsUlong: size_of".into(),
        "offsetof(KDPC, DpcListEntry) - offsetof(KDPC, Type) - 4".into(),
        // SAFETY: the closure is never called; it only names the field's type.
        field_size::<KDPC, _>(|s| unsafe { &s.__bindgen_anon_1.TargetInfoAsUlong }) as u64,
    );
    field!(c, KDPC, "KDPC", __bindgen_anon_1.__bindgen_anon_1.Type);
    field!(c, KDPC, "KDPC", __bindgen_anon_1.__bindgen_anon_1.Importance);
    field!(c, KDPC, "KDPC", __bindgen_anon_1.__bindgen_anon_1.Number);
    offset!(c, KDPC, "KDPC", DpcListEntry);
    field!(c, KDPC, "KDPC", DeferredRoutine);
    field!(c, KDPC, "KDPC", DeferredContext);
    field!(c, KDPC, "KDPC", SystemArgument1);
    field!(c, KDPC, "KDPC", SystemArgument2);
    field!(c, KDPC, "KDPC", DpcData);
    // The WDK's KDPC.ProcessorHistory sits in the second half of mingw's LIST_ENTRY.
    c.push(
        "KDPC.ProcessorHistory: offset_of".into(),
        "offsetof(KDPC, DpcListEntry.Blink)".into(),
        offset_of!(KDPC, ProcessorHistory) as u64,
    );

    ty!(c, KTIMER, "KTIMER");
    field!(c, KTIMER, "KTIMER", Header);
    field!(c, KTIMER, "KTIMER", DueTime);
    field!(c, KTIMER, "KTIMER", TimerListEntry);
    field!(c, KTIMER, "KTIMER", Dpc);
    field!(c, KTIMER, "KTIMER", Processor);
    field!(c, KTIMER, "KTIMER", Period);

    ty!(c, KDEVICE_QUEUE_ENTRY, "KDEVICE_QUEUE_ENTRY");
    field!(c, KDEVICE_QUEUE_ENTRY, "KDEVICE_QUEUE_ENTRY", DeviceListEntry);
    field!(c, KDEVICE_QUEUE_ENTRY, "KDEVICE_QUEUE_ENTRY", SortKey);
    field!(c, KDEVICE_QUEUE_ENTRY, "KDEVICE_QUEUE_ENTRY", Inserted);

    ty!(c, KDEVICE_QUEUE, "KDEVICE_QUEUE");
    field!(c, KDEVICE_QUEUE, "KDEVICE_QUEUE", Type);
    field!(c, KDEVICE_QUEUE, "KDEVICE_QUEUE", Size);
    field!(c, KDEVICE_QUEUE, "KDEVICE_QUEUE", DeviceListHead);
    field!(c, KDEVICE_QUEUE, "KDEVICE_QUEUE", Lock);
    field!(c, KDEVICE_QUEUE, "KDEVICE_QUEUE", __bindgen_anon_1.Busy);
    // The anonymous union that holds Busy runs to the end of the struct.
    c.push(
        "KDEVICE_QUEUE.__bindgen_anon_1: size_of".into(),
        "sizeof(KDEVICE_QUEUE) - offsetof(KDEVICE_QUEUE, Busy)".into(),
        field_size::<KDEVICE_QUEUE, _>(|s| &s.__bindgen_anon_1) as u64,
    );

    // WAIT_CONTEXT_BLOCK: mingw-w64 lacks the DMA alternative of the first union.
    ty!(c, WAIT_CONTEXT_BLOCK, "WAIT_CONTEXT_BLOCK");
    field!(c, WAIT_CONTEXT_BLOCK, "WAIT_CONTEXT_BLOCK", __bindgen_anon_1.WaitQueueEntry);
    field_as!(
        c,
        WAIT_CONTEXT_BLOCK,
        "WAIT_CONTEXT_BLOCK",
        "WaitQueueEntry.DeviceListEntry",
        __bindgen_anon_1.__bindgen_anon_1.DmaWaitEntry
    );
    field_as!(
        c,
        WAIT_CONTEXT_BLOCK,
        "WAIT_CONTEXT_BLOCK",
        "WaitQueueEntry.SortKey",
        __bindgen_anon_1.__bindgen_anon_1.NumberOfChannels
    );
    field!(c, WAIT_CONTEXT_BLOCK, "WAIT_CONTEXT_BLOCK", DeviceRoutine);
    field!(c, WAIT_CONTEXT_BLOCK, "WAIT_CONTEXT_BLOCK", DeviceContext);
    field!(c, WAIT_CONTEXT_BLOCK, "WAIT_CONTEXT_BLOCK", NumberOfMapRegisters);
    field!(c, WAIT_CONTEXT_BLOCK, "WAIT_CONTEXT_BLOCK", DeviceObject);
    field!(c, WAIT_CONTEXT_BLOCK, "WAIT_CONTEXT_BLOCK", CurrentIrp);
    field!(c, WAIT_CONTEXT_BLOCK, "WAIT_CONTEXT_BLOCK", BufferChainingDpc);

    // KAPC: mingw-w64 names the three routine pointers the WDK calls `Reserved[3]`.
    ty!(c, KAPC, "KAPC");
    field!(c, KAPC, "KAPC", Type);
    field!(c, KAPC, "KAPC", SpareByte0);
    field!(c, KAPC, "KAPC", Size);
    field!(c, KAPC, "KAPC", SpareByte1);
    field!(c, KAPC, "KAPC", SpareLong0);
    field!(c, KAPC, "KAPC", Thread);
    field!(c, KAPC, "KAPC", ApcListEntry);
    c.push(
        "KAPC.Reserved: offset_of".into(),
        "offsetof(KAPC, KernelRoutine)".into(),
        offset_of!(KAPC, Reserved) as u64,
    );
    c.push(
        "KAPC.Reserved: size_of".into(),
        "offsetof(KAPC, NormalContext) - offsetof(KAPC, KernelRoutine)".into(),
        field_size::<KAPC, _>(|s| &s.Reserved) as u64,
    );
    field!(c, KAPC, "KAPC", NormalContext);
    field!(c, KAPC, "KAPC", SystemArgument1);
    field!(c, KAPC, "KAPC", SystemArgument2);
    field!(c, KAPC, "KAPC", ApcStateIndex);
    field!(c, KAPC, "KAPC", ApcMode);
    field!(c, KAPC, "KAPC", Inserted);
}

fn io_object_checks(c: &mut Checks) {
    ty!(c, MDL, "MDL");
    for (path, offset) in [
        ("Next", offset_of!(MDL, Next)),
        ("Size", offset_of!(MDL, Size)),
        ("MdlFlags", offset_of!(MDL, MdlFlags)),
        ("Process", offset_of!(MDL, Process)),
        ("MappedSystemVa", offset_of!(MDL, MappedSystemVa)),
        ("StartVa", offset_of!(MDL, StartVa)),
        ("ByteCount", offset_of!(MDL, ByteCount)),
        ("ByteOffset", offset_of!(MDL, ByteOffset)),
    ] {
        c.offset_only("MDL", "MDL", path, path, offset);
    }

    ty!(c, VPB, "VPB");
    field!(c, VPB, "VPB", Type);
    field!(c, VPB, "VPB", Size);
    field!(c, VPB, "VPB", Flags);
    field!(c, VPB, "VPB", VolumeLabelLength);
    field!(c, VPB, "VPB", DeviceObject);
    field!(c, VPB, "VPB", RealDevice);
    field!(c, VPB, "VPB", SerialNumber);
    field!(c, VPB, "VPB", ReferenceCount);
    field!(c, VPB, "VPB", VolumeLabel);

    ty!(c, SECTION_OBJECT_POINTERS, "SECTION_OBJECT_POINTERS");
    field!(c, SECTION_OBJECT_POINTERS, "SECTION_OBJECT_POINTERS", DataSectionObject);
    field!(c, SECTION_OBJECT_POINTERS, "SECTION_OBJECT_POINTERS", SharedCacheMap);
    field!(c, SECTION_OBJECT_POINTERS, "SECTION_OBJECT_POINTERS", ImageSectionObject);
    ty!(c, IO_COMPLETION_CONTEXT, "IO_COMPLETION_CONTEXT");
    field!(c, IO_COMPLETION_CONTEXT, "IO_COMPLETION_CONTEXT", Port);
    field!(c, IO_COMPLETION_CONTEXT, "IO_COMPLETION_CONTEXT", Key);

    ty!(c, FILE_OBJECT, "FILE_OBJECT");
    field!(c, FILE_OBJECT, "FILE_OBJECT", Type);
    field!(c, FILE_OBJECT, "FILE_OBJECT", Size);
    field!(c, FILE_OBJECT, "FILE_OBJECT", DeviceObject);
    field!(c, FILE_OBJECT, "FILE_OBJECT", Vpb);
    field!(c, FILE_OBJECT, "FILE_OBJECT", FsContext);
    field!(c, FILE_OBJECT, "FILE_OBJECT", FsContext2);
    field!(c, FILE_OBJECT, "FILE_OBJECT", SectionObjectPointer);
    field!(c, FILE_OBJECT, "FILE_OBJECT", PrivateCacheMap);
    field!(c, FILE_OBJECT, "FILE_OBJECT", FinalStatus);
    field!(c, FILE_OBJECT, "FILE_OBJECT", RelatedFileObject);
    field!(c, FILE_OBJECT, "FILE_OBJECT", LockOperation);
    field!(c, FILE_OBJECT, "FILE_OBJECT", DeletePending);
    field!(c, FILE_OBJECT, "FILE_OBJECT", ReadAccess);
    field!(c, FILE_OBJECT, "FILE_OBJECT", WriteAccess);
    field!(c, FILE_OBJECT, "FILE_OBJECT", DeleteAccess);
    field!(c, FILE_OBJECT, "FILE_OBJECT", SharedRead);
    field!(c, FILE_OBJECT, "FILE_OBJECT", SharedWrite);
    field!(c, FILE_OBJECT, "FILE_OBJECT", SharedDelete);
    field!(c, FILE_OBJECT, "FILE_OBJECT", Flags);
    field!(c, FILE_OBJECT, "FILE_OBJECT", FileName);
    field!(c, FILE_OBJECT, "FILE_OBJECT", CurrentByteOffset);
    field!(c, FILE_OBJECT, "FILE_OBJECT", Waiters);
    field!(c, FILE_OBJECT, "FILE_OBJECT", Busy);
    field!(c, FILE_OBJECT, "FILE_OBJECT", LastLock);
    field!(c, FILE_OBJECT, "FILE_OBJECT", Lock);
    field!(c, FILE_OBJECT, "FILE_OBJECT", Event);
    field!(c, FILE_OBJECT, "FILE_OBJECT", CompletionContext);
    field!(c, FILE_OBJECT, "FILE_OBJECT", IrpListLock);
    field!(c, FILE_OBJECT, "FILE_OBJECT", IrpList);
    field!(c, FILE_OBJECT, "FILE_OBJECT", FileObjectExtension);

    ty!(c, DEVICE_OBJECT, "WDK_ALIGNED_DEVICE_OBJECT");
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", Type);
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", Size);
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", ReferenceCount);
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", DriverObject);
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", NextDevice);
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", AttachedDevice);
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", CurrentIrp);
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", Timer);
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", Flags);
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", Characteristics);
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", Vpb);
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", DeviceExtension);
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", DeviceType);
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", StackSize);
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", Queue);
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", Queue.ListEntry);
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", Queue.Wcb);
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", AlignmentRequirement);
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", DeviceQueue);
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", Dpc);
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", ActiveThreadCount);
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", SecurityDescriptor);
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", DeviceLock);
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", SectorSize);
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", Spare1);
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", DeviceObjectExtension);
    field!(c, DEVICE_OBJECT, "DEVICE_OBJECT", Reserved);

    ty!(c, DRIVER_EXTENSION, "DRIVER_EXTENSION");
    field!(c, DRIVER_EXTENSION, "DRIVER_EXTENSION", DriverObject);
    field!(c, DRIVER_EXTENSION, "DRIVER_EXTENSION", AddDevice);
    field!(c, DRIVER_EXTENSION, "DRIVER_EXTENSION", Count);
    field!(c, DRIVER_EXTENSION, "DRIVER_EXTENSION", ServiceKeyName);

    ty!(c, DRIVER_OBJECT, "DRIVER_OBJECT");
    field!(c, DRIVER_OBJECT, "DRIVER_OBJECT", Type);
    field!(c, DRIVER_OBJECT, "DRIVER_OBJECT", Size);
    field!(c, DRIVER_OBJECT, "DRIVER_OBJECT", DeviceObject);
    field!(c, DRIVER_OBJECT, "DRIVER_OBJECT", Flags);
    field!(c, DRIVER_OBJECT, "DRIVER_OBJECT", DriverStart);
    field!(c, DRIVER_OBJECT, "DRIVER_OBJECT", DriverSize);
    field!(c, DRIVER_OBJECT, "DRIVER_OBJECT", DriverSection);
    field!(c, DRIVER_OBJECT, "DRIVER_OBJECT", DriverExtension);
    field!(c, DRIVER_OBJECT, "DRIVER_OBJECT", DriverName);
    field!(c, DRIVER_OBJECT, "DRIVER_OBJECT", HardwareDatabase);
    field!(c, DRIVER_OBJECT, "DRIVER_OBJECT", FastIoDispatch);
    field!(c, DRIVER_OBJECT, "DRIVER_OBJECT", DriverInit);
    field!(c, DRIVER_OBJECT, "DRIVER_OBJECT", DriverStartIo);
    field!(c, DRIVER_OBJECT, "DRIVER_OBJECT", DriverUnload);
    field!(c, DRIVER_OBJECT, "DRIVER_OBJECT", MajorFunction);

    ty!(c, IO_SECURITY_CONTEXT, "IO_SECURITY_CONTEXT");
    field!(c, IO_SECURITY_CONTEXT, "IO_SECURITY_CONTEXT", SecurityQos);
    field!(c, IO_SECURITY_CONTEXT, "IO_SECURITY_CONTEXT", AccessState);
    field!(c, IO_SECURITY_CONTEXT, "IO_SECURITY_CONTEXT", DesiredAccess);
    field!(c, IO_SECURITY_CONTEXT, "IO_SECURITY_CONTEXT", FullCreateOptions);

    ty!(c, INTERFACE, "INTERFACE");
    field!(c, INTERFACE, "INTERFACE", Size);
    field!(c, INTERFACE, "INTERFACE", Version);
    field!(c, INTERFACE, "INTERFACE", Context);
    field!(c, INTERFACE, "INTERFACE", InterfaceReference);
    field!(c, INTERFACE, "INTERFACE", InterfaceDereference);
}

fn irp_checks(c: &mut Checks) {
    ty!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION");
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", MajorFunction);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", MinorFunction);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Flags);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Control);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.Create);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.Create.SecurityContext);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.Create.Options);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.Create.FileAttributes);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.Create.ShareAccess);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.Create.EaLength);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.Read);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.Read.Length);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.Read.Key);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.Read.Flags);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.Read.ByteOffset);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.Write);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.Write.Length);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.Write.Key);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.Write.Flags);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.Write.ByteOffset);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.DeviceIoControl);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.DeviceIoControl.OutputBufferLength);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.DeviceIoControl.InputBufferLength);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.DeviceIoControl.IoControlCode);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.DeviceIoControl.Type3InputBuffer);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.QueryInterface);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.QueryInterface.InterfaceType);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.QueryInterface.Size);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.QueryInterface.Version);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.QueryInterface.Interface);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.QueryInterface.InterfaceSpecificData);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.Others);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.Others.Argument1);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.Others.Argument2);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.Others.Argument3);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Parameters.Others.Argument4);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", DeviceObject);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", FileObject);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", CompletionRoutine);
    field!(c, IO_STACK_LOCATION, "IO_STACK_LOCATION", Context);

    ty!(c, IRP, "WDK_ALIGNED_IRP");
    field!(c, IRP, "IRP", Type);
    field!(c, IRP, "IRP", Size);
    field!(c, IRP, "IRP", MdlAddress);
    field!(c, IRP, "IRP", Flags);
    field!(c, IRP, "IRP", AssociatedIrp);
    field!(c, IRP, "IRP", AssociatedIrp.MasterIrp);
    field!(c, IRP, "IRP", AssociatedIrp.IrpCount);
    field!(c, IRP, "IRP", AssociatedIrp.SystemBuffer);
    field!(c, IRP, "IRP", ThreadListEntry);
    field!(c, IRP, "IRP", IoStatus);
    field!(c, IRP, "IRP", IoStatus.__bindgen_anon_1.Status);
    field!(c, IRP, "IRP", IoStatus.__bindgen_anon_1.Pointer);
    field!(c, IRP, "IRP", IoStatus.Information);
    field!(c, IRP, "IRP", RequestorMode);
    field!(c, IRP, "IRP", PendingReturned);
    field!(c, IRP, "IRP", StackCount);
    field!(c, IRP, "IRP", CurrentLocation);
    field!(c, IRP, "IRP", Cancel);
    field!(c, IRP, "IRP", CancelIrql);
    field!(c, IRP, "IRP", ApcEnvironment);
    field!(c, IRP, "IRP", AllocationFlags);
    field!(c, IRP, "IRP", __bindgen_anon_1.UserIosb);
    // WDK 10.0.22000+: IoRingContext shares UserIosb's union (not in mingw-w64).
    field_as!(c, IRP, "IRP", "UserIosb", __bindgen_anon_1.IoRingContext);
    field!(c, IRP, "IRP", UserEvent);
    field!(c, IRP, "IRP", Overlay);
    field!(c, IRP, "IRP", Overlay.AsynchronousParameters.__bindgen_anon_1.UserApcRoutine);
    field!(c, IRP, "IRP", Overlay.AsynchronousParameters.__bindgen_anon_1.IssuingProcess);
    field!(c, IRP, "IRP", Overlay.AsynchronousParameters.__bindgen_anon_2.UserApcContext);
    // WDK 10.0.22000+: IoRing shares UserApcContext's union (not in mingw-w64).
    field_as!(
        c,
        IRP,
        "IRP",
        "Overlay.AsynchronousParameters.UserApcContext",
        Overlay.AsynchronousParameters.__bindgen_anon_2.IoRing
    );
    field!(c, IRP, "IRP", Overlay.AllocationSize);
    field!(c, IRP, "IRP", CancelRoutine);
    field!(c, IRP, "IRP", UserBuffer);
    field!(c, IRP, "IRP", Tail);
    field!(c, IRP, "IRP", Tail.Overlay);
    field!(c, IRP, "IRP", Tail.Overlay.__bindgen_anon_1.DeviceQueueEntry);
    field!(c, IRP, "IRP", Tail.Overlay.__bindgen_anon_1.__bindgen_anon_1.DriverContext);
    field!(c, IRP, "IRP", Tail.Overlay.Thread);
    field!(c, IRP, "IRP", Tail.Overlay.AuxiliaryBuffer);
    field!(c, IRP, "IRP", Tail.Overlay.__bindgen_anon_2.ListEntry);
    field!(c, IRP, "IRP", Tail.Overlay.__bindgen_anon_2.__bindgen_anon_1.CurrentStackLocation);
    field!(c, IRP, "IRP", Tail.Overlay.__bindgen_anon_2.__bindgen_anon_1.PacketType);
    field!(c, IRP, "IRP", Tail.Overlay.OriginalFileObject);
    field!(c, IRP, "IRP", Tail.Apc);
    field!(c, IRP, "IRP", Tail.CompletionKey);
}

fn security_checks(c: &mut Checks) {
    ty!(c, SECURITY_DESCRIPTOR, "SECURITY_DESCRIPTOR");
    field!(c, SECURITY_DESCRIPTOR, "SECURITY_DESCRIPTOR", Revision);
    field!(c, SECURITY_DESCRIPTOR, "SECURITY_DESCRIPTOR", Sbz1);
    field!(c, SECURITY_DESCRIPTOR, "SECURITY_DESCRIPTOR", Control);
    field!(c, SECURITY_DESCRIPTOR, "SECURITY_DESCRIPTOR", Owner);
    field!(c, SECURITY_DESCRIPTOR, "SECURITY_DESCRIPTOR", Group);
    field!(c, SECURITY_DESCRIPTOR, "SECURITY_DESCRIPTOR", Sacl);
    field!(c, SECURITY_DESCRIPTOR, "SECURITY_DESCRIPTOR", Dacl);

    ty!(c, ACL, "ACL");
    field!(c, ACL, "ACL", AclRevision);
    field!(c, ACL, "ACL", Sbz1);
    field!(c, ACL, "ACL", AclSize);
    field!(c, ACL, "ACL", AceCount);
    field!(c, ACL, "ACL", Sbz2);

    ty!(c, ACE_HEADER, "ACE_HEADER");
    field!(c, ACE_HEADER, "ACE_HEADER", AceType);
    field!(c, ACE_HEADER, "ACE_HEADER", AceFlags);
    field!(c, ACE_HEADER, "ACE_HEADER", AceSize);
    ty!(c, ACCESS_ALLOWED_ACE, "ACCESS_ALLOWED_ACE");
    field!(c, ACCESS_ALLOWED_ACE, "ACCESS_ALLOWED_ACE", Header);
    field!(c, ACCESS_ALLOWED_ACE, "ACCESS_ALLOWED_ACE", Mask);
    field!(c, ACCESS_ALLOWED_ACE, "ACCESS_ALLOWED_ACE", SidStart);

    ty!(c, SID_IDENTIFIER_AUTHORITY, "SID_IDENTIFIER_AUTHORITY");
    field!(c, SID_IDENTIFIER_AUTHORITY, "SID_IDENTIFIER_AUTHORITY", Value);
    ty!(c, SID, "SID");
    field!(c, SID, "SID", Revision);
    field!(c, SID, "SID", SubAuthorityCount);
    field!(c, SID, "SID", IdentifierAuthority);
    field!(c, SID, "SID", SubAuthority);
}

fn constant_checks(c: &mut Checks) {
    consts!(
        c,
        STATUS_SUCCESS,
        STATUS_WAIT_0,
        STATUS_ABANDONED,
        STATUS_USER_APC,
        STATUS_ALERTED,
        STATUS_TIMEOUT,
        STATUS_PENDING,
        STATUS_REPARSE,
        STATUS_MORE_ENTRIES,
        STATUS_OBJECT_NAME_EXISTS,
        STATUS_BUFFER_OVERFLOW,
        STATUS_NO_MORE_ENTRIES,
        STATUS_DEVICE_BUSY,
        STATUS_UNSUCCESSFUL,
        STATUS_NOT_IMPLEMENTED,
        STATUS_INVALID_INFO_CLASS,
        STATUS_INFO_LENGTH_MISMATCH,
        STATUS_ACCESS_VIOLATION,
        STATUS_INVALID_HANDLE,
        STATUS_INVALID_PARAMETER,
        STATUS_NO_SUCH_DEVICE,
        STATUS_NO_SUCH_FILE,
        STATUS_INVALID_DEVICE_REQUEST,
        STATUS_END_OF_FILE,
        STATUS_MORE_PROCESSING_REQUIRED,
        STATUS_NO_MEMORY,
        STATUS_ACCESS_DENIED,
        STATUS_BUFFER_TOO_SMALL,
        STATUS_OBJECT_TYPE_MISMATCH,
        STATUS_OBJECT_NAME_INVALID,
        STATUS_OBJECT_NAME_NOT_FOUND,
        STATUS_OBJECT_NAME_COLLISION,
        STATUS_OBJECT_PATH_NOT_FOUND,
        STATUS_SHARING_VIOLATION,
        STATUS_DELETE_PENDING,
        STATUS_INTEGER_OVERFLOW,
        STATUS_INSUFFICIENT_RESOURCES,
        STATUS_DEVICE_NOT_READY,
        STATUS_ILLEGAL_FUNCTION,
        STATUS_NOT_SUPPORTED,
        STATUS_DEVICE_DOES_NOT_EXIST,
        STATUS_INTERNAL_ERROR,
        STATUS_INVALID_USER_BUFFER,
        STATUS_INVALID_PARAMETER_1,
        STATUS_INVALID_PARAMETER_2,
        STATUS_INVALID_PARAMETER_3,
        STATUS_PROCESS_IS_TERMINATING,
        STATUS_CANCELLED,
        STATUS_FILE_CLOSED,
        STATUS_INVALID_DEVICE_STATE,
        STATUS_INVALID_BUFFER_SIZE,
        STATUS_NOT_FOUND,
        STATUS_RETRY,
        STATUS_REQUEST_ABORTED,
        STATUS_DEVICE_REMOVED,
        STATUS_NOINTERFACE,
    );
    consts!(
        c,
        FALSE,
        TRUE,
        PASSIVE_LEVEL,
        LOW_LEVEL,
        APC_LEVEL,
        DISPATCH_LEVEL,
        CMCI_LEVEL,
        CLOCK_LEVEL,
        IPI_LEVEL,
        DRS_LEVEL,
        POWER_LEVEL,
        PROFILE_LEVEL,
        HIGH_LEVEL,
        PAGE_SIZE,
        MEMORY_ALLOCATION_ALIGNMENT,
        ALL_PROCESSOR_GROUPS,
    );
    consts!(
        c,
        IRP_MJ_CREATE,
        IRP_MJ_CREATE_NAMED_PIPE,
        IRP_MJ_CLOSE,
        IRP_MJ_READ,
        IRP_MJ_WRITE,
        IRP_MJ_QUERY_INFORMATION,
        IRP_MJ_SET_INFORMATION,
        IRP_MJ_QUERY_EA,
        IRP_MJ_SET_EA,
        IRP_MJ_FLUSH_BUFFERS,
        IRP_MJ_QUERY_VOLUME_INFORMATION,
        IRP_MJ_SET_VOLUME_INFORMATION,
        IRP_MJ_DIRECTORY_CONTROL,
        IRP_MJ_FILE_SYSTEM_CONTROL,
        IRP_MJ_DEVICE_CONTROL,
        IRP_MJ_INTERNAL_DEVICE_CONTROL,
        IRP_MJ_SHUTDOWN,
        IRP_MJ_LOCK_CONTROL,
        IRP_MJ_CLEANUP,
        IRP_MJ_CREATE_MAILSLOT,
        IRP_MJ_QUERY_SECURITY,
        IRP_MJ_SET_SECURITY,
        IRP_MJ_POWER,
        IRP_MJ_SYSTEM_CONTROL,
        IRP_MJ_DEVICE_CHANGE,
        IRP_MJ_QUERY_QUOTA,
        IRP_MJ_SET_QUOTA,
        IRP_MJ_PNP,
        IRP_MJ_PNP_POWER,
        IRP_MJ_MAXIMUM_FUNCTION,
        IRP_MJ_SCSI,
        IRP_MN_QUERY_INTERFACE,
        IO_NO_INCREMENT,
        SL_PENDING_RETURNED,
        SL_ERROR_RETURNED,
        SL_INVOKE_ON_CANCEL,
        SL_INVOKE_ON_SUCCESS,
        SL_INVOKE_ON_ERROR,
        FILE_DEVICE_UNKNOWN,
        FILE_DEVICE_SECURE_OPEN,
        METHOD_BUFFERED,
        METHOD_IN_DIRECT,
        METHOD_OUT_DIRECT,
        METHOD_NEITHER,
        FILE_ANY_ACCESS,
        FILE_SPECIAL_ACCESS,
        FILE_READ_ACCESS,
        FILE_WRITE_ACCESS,
        DO_VERIFY_VOLUME,
        DO_BUFFERED_IO,
        DO_EXCLUSIVE,
        DO_DIRECT_IO,
        DO_MAP_IO_BUFFER,
        DO_DEVICE_INITIALIZING,
        DO_SHUTDOWN_REGISTERED,
        DO_BUS_ENUMERATED_DEVICE,
        DO_POWER_PAGABLE,
        DO_POWER_INRUSH,
    );
    consts!(
        c,
        DELETE,
        READ_CONTROL,
        WRITE_DAC,
        WRITE_OWNER,
        SYNCHRONIZE,
        STANDARD_RIGHTS_REQUIRED,
        STANDARD_RIGHTS_READ,
        STANDARD_RIGHTS_WRITE,
        STANDARD_RIGHTS_EXECUTE,
        STANDARD_RIGHTS_ALL,
        SPECIFIC_RIGHTS_ALL,
        MAXIMUM_ALLOWED,
        GENERIC_READ,
        GENERIC_WRITE,
        GENERIC_EXECUTE,
        GENERIC_ALL,
        FILE_READ_DATA,
        FILE_WRITE_DATA,
        FILE_APPEND_DATA,
        FILE_READ_EA,
        FILE_WRITE_EA,
        FILE_EXECUTE,
        FILE_READ_ATTRIBUTES,
        FILE_WRITE_ATTRIBUTES,
        FILE_ALL_ACCESS,
        FILE_GENERIC_READ,
        FILE_GENERIC_WRITE,
        THREAD_ALL_ACCESS,
        FILE_SHARE_READ,
        FILE_SHARE_WRITE,
        FILE_SHARE_DELETE,
        FILE_ATTRIBUTE_NORMAL,
        FILE_SUPERSEDE,
        FILE_OPEN,
        FILE_CREATE,
        FILE_OPEN_IF,
        FILE_OVERWRITE,
        FILE_OVERWRITE_IF,
        FILE_DIRECTORY_FILE,
        FILE_WRITE_THROUGH,
        FILE_SEQUENTIAL_ONLY,
        FILE_SYNCHRONOUS_IO_ALERT,
        FILE_SYNCHRONOUS_IO_NONALERT,
        FILE_NON_DIRECTORY_FILE,
        OBJ_INHERIT,
        OBJ_PERMANENT,
        OBJ_EXCLUSIVE,
        OBJ_CASE_INSENSITIVE,
        OBJ_OPENIF,
        OBJ_OPENLINK,
        OBJ_KERNEL_HANDLE,
        OBJ_FORCE_ACCESS_CHECK,
    );
    consts!(
        c,
        SECURITY_DESCRIPTOR_REVISION,
        SECURITY_DESCRIPTOR_REVISION1,
        SE_DACL_PRESENT,
        ACL_REVISION,
        ACL_REVISION_DS,
        SID_REVISION,
        ACCESS_ALLOWED_ACE_TYPE,
        ACCESS_DENIED_ACE_TYPE,
        OWNER_SECURITY_INFORMATION,
        GROUP_SECURITY_INFORMATION,
        DACL_SECURITY_INFORMATION,
        SACL_SECURITY_INFORMATION,
        LABEL_SECURITY_INFORMATION,
        PROTECTED_DACL_SECURITY_INFORMATION,
        SECURITY_NULL_RID,
        SECURITY_WORLD_RID,
        SECURITY_INTERACTIVE_RID,
        SECURITY_AUTHENTICATED_USER_RID,
        SECURITY_LOCAL_SYSTEM_RID,
        SECURITY_LOCAL_SERVICE_RID,
        SECURITY_NETWORK_SERVICE_RID,
        SECURITY_BUILTIN_DOMAIN_RID,
        DOMAIN_ALIAS_RID_ADMINS,
        DOMAIN_ALIAS_RID_USERS,
        EX_RUNDOWN_ACTIVE,
        EX_RUNDOWN_COUNT_SHIFT,
        EX_RUNDOWN_COUNT_INC,
        DPFLTR_ERROR_LEVEL,
        DPFLTR_WARNING_LEVEL,
        DPFLTR_TRACE_LEVEL,
        DPFLTR_INFO_LEVEL,
        DPFLTR_MASK,
    );
    consts!(
        c,
        _EVENT_TYPE::NotificationEvent,
        _EVENT_TYPE::SynchronizationEvent,
        _TIMER_TYPE::NotificationTimer,
        _TIMER_TYPE::SynchronizationTimer,
        _MODE::KernelMode,
        _MODE::UserMode,
        _MODE::MaximumMode,
        _IO_ALLOCATION_ACTION::KeepObject,
        _IO_ALLOCATION_ACTION::DeallocateObject,
        _IO_ALLOCATION_ACTION::DeallocateObjectKeepRegisters,
        _DPFLTR_TYPE::DPFLTR_SYSTEM_ID,
        _DPFLTR_TYPE::DPFLTR_IHVDRIVER_ID,
        _DPFLTR_TYPE::DPFLTR_IHVVIDEO_ID,
        _DPFLTR_TYPE::DPFLTR_IHVAUDIO_ID,
        _DPFLTR_TYPE::DPFLTR_IHVNETWORK_ID,
        _DPFLTR_TYPE::DPFLTR_IHVSTREAMING_ID,
        _DPFLTR_TYPE::DPFLTR_IHVBUS_ID,
        _DPFLTR_TYPE::DPFLTR_DEFAULT_ID,
    );
    consts!(
        c,
        _POOL_TYPE::NonPagedPool,
        _POOL_TYPE::NonPagedPoolExecute,
        _POOL_TYPE::PagedPool,
        _POOL_TYPE::NonPagedPoolMustSucceed,
        _POOL_TYPE::DontUseThisType,
        _POOL_TYPE::NonPagedPoolCacheAligned,
        _POOL_TYPE::PagedPoolCacheAligned,
        _POOL_TYPE::NonPagedPoolCacheAlignedMustS,
        _POOL_TYPE::MaxPoolType,
        _POOL_TYPE::NonPagedPoolBase,
        _POOL_TYPE::NonPagedPoolBaseMustSucceed,
        _POOL_TYPE::NonPagedPoolBaseCacheAligned,
        _POOL_TYPE::NonPagedPoolBaseCacheAlignedMustS,
        _POOL_TYPE::NonPagedPoolSession,
        _POOL_TYPE::PagedPoolSession,
        _POOL_TYPE::NonPagedPoolMustSucceedSession,
        _POOL_TYPE::DontUseThisTypeSession,
        _POOL_TYPE::NonPagedPoolCacheAlignedSession,
        _POOL_TYPE::PagedPoolCacheAlignedSession,
        _POOL_TYPE::NonPagedPoolCacheAlignedMustSSession,
        _POOL_TYPE::NonPagedPoolNx,
        _POOL_TYPE::NonPagedPoolNxCacheAligned,
        _POOL_TYPE::NonPagedPoolSessionNx,
    );
    consts!(
        c,
        _KWAIT_REASON::Executive,
        _KWAIT_REASON::FreePage,
        _KWAIT_REASON::PageIn,
        _KWAIT_REASON::PoolAllocation,
        _KWAIT_REASON::DelayExecution,
        _KWAIT_REASON::Suspended,
        _KWAIT_REASON::UserRequest,
        _KWAIT_REASON::WrExecutive,
        _KWAIT_REASON::WrFreePage,
        _KWAIT_REASON::WrPageIn,
        _KWAIT_REASON::WrPoolAllocation,
        _KWAIT_REASON::WrDelayExecution,
        _KWAIT_REASON::WrSuspended,
        _KWAIT_REASON::WrUserRequest,
        _KWAIT_REASON::WrSpare0,
        _KWAIT_REASON::WrQueue,
        _KWAIT_REASON::WrLpcReceive,
        _KWAIT_REASON::WrLpcReply,
        _KWAIT_REASON::WrVirtualMemory,
        _KWAIT_REASON::WrPageOut,
        _KWAIT_REASON::WrRendezvous,
        _KWAIT_REASON::WrKeyedEvent,
        _KWAIT_REASON::WrTerminated,
        _KWAIT_REASON::WrProcessInSwap,
        _KWAIT_REASON::WrCpuRateControl,
        _KWAIT_REASON::WrCalloutStack,
        _KWAIT_REASON::WrKernel,
        _KWAIT_REASON::WrResource,
        _KWAIT_REASON::WrPushLock,
        _KWAIT_REASON::WrMutex,
        _KWAIT_REASON::WrQuantumEnd,
        _KWAIT_REASON::WrDispatchInt,
        _KWAIT_REASON::WrPreempted,
        _KWAIT_REASON::WrYieldExecution,
        _KWAIT_REASON::WrFastMutex,
        _KWAIT_REASON::WrGuardedMutex,
        _KWAIT_REASON::WrRundown,
        _KWAIT_REASON::WrAlertByThreadId,
        _KWAIT_REASON::WrDeferredPreempt,
        _KWAIT_REASON::WrPhysicalFault,
    );
}

/// Constants mingw-w64's headers do not define, checked against the values Microsoft
/// publishes (wdm.h of WDK 10.0.19041+, "ExAllocatePool2" and "POOL_FLAGS" on learn.microsoft.com;
/// the same values as the real wdk-sys's hand-ported `kernel_mode` module).
#[test]
fn constants_missing_from_mingw_match_the_wdk() {
    let expected: [(&str, u64, u64); 16] = [
        ("POOL_FLAG_REQUIRED_START", POOL_FLAG_REQUIRED_START, 0x1),
        ("POOL_FLAG_USE_QUOTA", POOL_FLAG_USE_QUOTA, 0x1),
        ("POOL_FLAG_UNINITIALIZED", POOL_FLAG_UNINITIALIZED, 0x2),
        ("POOL_FLAG_SESSION", POOL_FLAG_SESSION, 0x4),
        ("POOL_FLAG_CACHE_ALIGNED", POOL_FLAG_CACHE_ALIGNED, 0x8),
        ("POOL_FLAG_RESERVED1", POOL_FLAG_RESERVED1, 0x10),
        ("POOL_FLAG_RAISE_ON_FAILURE", POOL_FLAG_RAISE_ON_FAILURE, 0x20),
        ("POOL_FLAG_NON_PAGED", POOL_FLAG_NON_PAGED, 0x40),
        ("POOL_FLAG_NON_PAGED_EXECUTE", POOL_FLAG_NON_PAGED_EXECUTE, 0x80),
        ("POOL_FLAG_PAGED", POOL_FLAG_PAGED, 0x100),
        ("POOL_FLAG_RESERVED2", POOL_FLAG_RESERVED2, 0x200),
        ("POOL_FLAG_RESERVED3", POOL_FLAG_RESERVED3, 0x400),
        ("POOL_FLAG_REQUIRED_END", POOL_FLAG_REQUIRED_END, 0x8000_0000),
        ("POOL_FLAG_OPTIONAL_START", POOL_FLAG_OPTIONAL_START, 0x1_0000_0000),
        ("POOL_FLAG_SPECIAL_POOL", POOL_FLAG_SPECIAL_POOL, 0x1_0000_0000),
        ("POOL_FLAG_OPTIONAL_END", POOL_FLAG_OPTIONAL_END, 0x8000_0000_0000_0000),
    ];
    for (name, actual, wdk) in expected {
        assert_eq!(actual, wdk, "{name}");
    }
}

fn all_checks() -> Checks {
    let mut checks = Checks::default();
    scalar_checks(&mut checks);
    basic_struct_checks(&mut checks);
    kernel_object_checks(&mut checks);
    io_object_checks(&mut checks);
    irp_checks(&mut checks);
    security_checks(&mut checks);
    constant_checks(&mut checks);
    checks
}

#[test]
fn layouts_and_constants_match_mingw_w64_headers() {
    let checks = all_checks();
    if let Err(report) = run(&checks, "layout") {
        panic!("{report}");
    }
    eprintln!("{} checks against mingw-w64's DDK headers passed", checks.list.len());
}

/// The harness itself: a wrong offset must fail, and the report must name the field and both
/// values.
#[test]
fn a_wrong_offset_is_reported() {
    let mut checks = Checks::default();
    checks.field("IRP", "IRP", "IoStatus", "IoStatus", offset_of!(IRP, IoStatus) + 8, size_of::<IO_STATUS_BLOCK>());
    let report = run(&checks, "selftest").expect_err("a wrong offset must fail the compile");
    assert!(report.contains("IRP.IoStatus: offset_of"), "{report}");
    assert!(report.contains("stand-in 56"), "{report}");
    assert!(report.contains("headers 48"), "{report}");
}

/// Compiles the checks; on failure, returns a report of the failed checks with both values.
fn run(checks: &Checks, name: &str) -> Result<(), String> {
    let gcc = std::env::var("WDK_STANDIN_MINGW_GCC").unwrap_or_else(|_| DEFAULT_GCC.to_owned());
    let ddk = ddk_include_dir();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let source_path = dir.join(format!("wdk-sys-{name}.c"));
    std::fs::write(&source_path, checks.c_source()).expect("write the C check file");
    compile(&gcc, &ddk, &source_path).map(|_| ()).map_err(|stderr| explain(checks, &gcc, &ddk, &dir, name, &stderr))
}

/// `Ok(stderr)` if gcc accepted the file, `Err(stderr)` if not.
fn compile(gcc: &str, ddk: &Path, source: &Path) -> Result<String, String> {
    let output = Command::new(gcc).args(["-fsyntax-only", "-std=gnu11", "-w", "-I"]).arg(ddk).arg(source).output();
    match output {
        Ok(output) if output.status.success() => Ok(String::from_utf8_lossy(&output.stderr).into_owned()),
        Ok(output) => Err(String::from_utf8_lossy(&output.stderr).into_owned()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => panic!(
            "{gcc} not found: the layout check compiles against mingw-w64's DDK headers. Install it \
             with `apt-get install gcc-mingw-w64-x86-64` (`cargo xtask test` does this), or set \
             WDK_STANDIN_MINGW_GCC."
        ),
        Err(error) => panic!("cannot run {gcc}: {error}"),
    }
}

fn ddk_include_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("WDK_STANDIN_MINGW_DDK") {
        return PathBuf::from(dir);
    }
    DDK_DIRS.iter().map(PathBuf::from).find(|dir| dir.join("ntifs.h").is_file()).unwrap_or_else(|| {
        panic!(
            "mingw-w64's DDK headers (ntifs.h) not found in {DDK_DIRS:?}: install them with \
                 `apt-get install gcc-mingw-w64-x86-64` (`cargo xtask test` does this), or set \
                 WDK_STANDIN_MINGW_DDK."
        )
    })
}

/// Builds the failure report: which checks failed, the stand-in's value and the headers'
/// value (read back from gcc's type warnings on `char (*)[value]` probes).
fn explain(checks: &Checks, gcc: &str, ddk: &Path, dir: &Path, name: &str, stderr: &str) -> String {
    let failed: Vec<&Check> =
        checks.list.iter().filter(|check| stderr.contains(&format!("\"{} is ", check.label))).collect();
    if failed.is_empty() {
        return format!("the C check file did not compile:\n{stderr}");
    }
    let mut probe = String::from(PRELUDE);
    let first_line = probe.lines().count() + 1;
    for check in &failed {
        writeln!(probe, "int *probe = (char (*)[(unsigned long long)({}) & 0xFFFFFFFFull])0;", check.c_expr)
            .expect("writing to a String cannot fail");
    }
    let probe_path = dir.join(format!("wdk-sys-{name}-probe.c"));
    std::fs::write(&probe_path, &probe).expect("write the C probe file");
    let output = Command::new(gcc)
        .args(["-fsyntax-only", "-std=gnu11", "-Wincompatible-pointer-types", "-I"])
        .arg(ddk)
        .arg(&probe_path)
        .output()
        .map(|output| String::from_utf8_lossy(&output.stderr).into_owned())
        .unwrap_or_default();
    let mut report = format!("{} layout/constant check(s) disagree with mingw-w64's DDK headers:\n", failed.len());
    for (index, check) in failed.iter().enumerate() {
        let line = format!("{}:{}:", probe_path.display(), first_line + index);
        let header_value = output
            .lines()
            .find(|l| l.starts_with(&line) && l.contains("char (*)["))
            .and_then(|l| l.split("char (*)[").nth(1))
            .and_then(|rest| rest.split(']').next())
            .map_or_else(|| "?".to_owned(), str::to_owned);
        writeln!(
            report,
            "  {}: stand-in {}, headers {} (C: {}; header values are shown modulo 2^32)",
            check.label, check.rust_value, header_value, check.c_expr
        )
        .expect("writing to a String cannot fail");
    }
    write!(report, "gcc said:\n{stderr}").expect("writing to a String cannot fail");
    report
}

/// Every struct and union has bindgen's all-zero `Default` (consumer code writes
/// `IRP::default()`, `IO_STACK_LOCATION { .., ..Default::default() }`).
#[test]
fn defaults_exist_and_are_zero() {
    fn exists<T: Default>() {
        let _ = T::default();
    }
    exists::<IRP>();
    exists::<IO_STACK_LOCATION>();
    exists::<DEVICE_OBJECT>();
    exists::<DRIVER_OBJECT>();
    exists::<FILE_OBJECT>();
    exists::<KEVENT>();
    exists::<UNICODE_STRING>();
    exists::<LARGE_INTEGER>();
    exists::<IO_STATUS_BLOCK>();
    exists::<OBJECT_ATTRIBUTES>();
    exists::<CLIENT_ID>();
    exists::<EX_RUNDOWN_REF>();
    exists::<SECURITY_DESCRIPTOR>();
    exists::<ACL>();
    exists::<SID>();
    exists::<INTERFACE>();
    exists::<IO_SECURITY_CONTEXT>();
    exists::<KDPC>();
    exists::<KTIMER>();
    exists::<KAPC>();
    exists::<GUID>();

    let irp = IRP::default();
    // SAFETY: integer/pointer members of zeroed unions: every bit pattern is a valid value.
    let overlay = unsafe { irp.Tail.Overlay };
    // SAFETY: as above.
    let stack = unsafe { overlay.__bindgen_anon_2.__bindgen_anon_1.CurrentStackLocation };
    // SAFETY: as above.
    let system_buffer = unsafe { irp.AssociatedIrp.SystemBuffer };
    // SAFETY: as above.
    let status = unsafe { irp.IoStatus.__bindgen_anon_1.Status };
    assert!(stack.is_null() && system_buffer.is_null() && status == 0 && irp.IoStatus.Information == 0);
    let run_ref = EX_RUNDOWN_REF::default();
    // SAFETY: as above.
    assert_eq!(unsafe { run_ref.__bindgen_anon_1.Count }, 0);
    let driver = DRIVER_OBJECT::default();
    assert!(driver.DriverUnload.is_none() && driver.MajorFunction.iter().all(Option::is_none));
}
