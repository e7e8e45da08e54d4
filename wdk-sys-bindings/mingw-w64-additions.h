/*
 * The declarations of the WDK's wdm.h that mingw-w64 10's DDK headers lack and that wdk-sys or
 * its users name. Appended to bindgen's input after ntifs.h, ntddk.h and ntstrsafe.h; nothing else.
 * Each is as the WDK (10.0.19041 and later) declares it, in mingw-w64's style (no SAL, no
 * DECLSPEC_RESTRICT, which only informs the optimizer):
 *
 * - POOL_FLAGS: the flags of ExAllocatePool2/ExAllocatePool3. wdk-sys's own src/constants.rs
 *   ports the POOL_FLAG_* values by hand (bindgen cannot read their MSVC `ui64` suffixes) and
 *   types them `crate::types::POOL_FLAGS`, so the type must be generated.
 * - ExAllocatePool2: what wdk-alloc's WdkAllocator calls. (Wine 8 does not export it; the
 *   drivers' Wine flavour allocates with ExAllocatePoolWithTag instead.)
 */
typedef ULONG64 POOL_FLAGS;

NTKERNELAPI
PVOID
NTAPI
ExAllocatePool2(
    IN POOL_FLAGS Flags,
    IN SIZE_T NumberOfBytes,
    IN ULONG Tag);
