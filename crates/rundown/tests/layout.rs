//! The types are NT's structures bit for bit, so they can be handed to C and to NtosKrnl.
//!
//! Sizes and field offsets come from the public WDK headers (`EX_RUNDOWN_REF`: one pointer-sized
//! union) and from the public symbols of ntoskrnl (`EX_RUNDOWN_REF_CACHE_AWARE`: `RunRefs`,
//! `PoolToFree`, `RunRefSize`, `Number`, 0x18 bytes on x64).

use core::mem::{MaybeUninit, align_of, size_of};

use rundown::irql::PassiveLevel;
use rundown::provider::portable::{ACTIVE, COUNT_INC, COUNT_SHIFT, CacheAwareBlock};
use rundown::{CacheAwareRundownRef, RundownRef, simulation};

fn passive() -> PassiveLevel {
    PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL")
}

fn word_of(run_ref: &RundownRef) -> usize {
    // SAFETY: `as_ptr` names the live, aligned word; reading it races only with our own thread.
    unsafe { run_ref.as_ptr().cast::<usize>().read_volatile() }
}

#[test]
fn rundown_ref_is_one_pointer_sized_word() {
    assert_eq!(size_of::<RundownRef>(), size_of::<*mut ()>());
    assert_eq!(align_of::<RundownRef>(), align_of::<*mut ()>());
    assert_eq!(size_of::<Option<RundownRef>>(), 2 * size_of::<usize>(), "no niche: every bit pattern is a state");
}

#[test]
fn word_constants_match_the_wdk() {
    assert_eq!(ACTIVE, 0x1, "EX_RUNDOWN_ACTIVE");
    assert_eq!(COUNT_SHIFT, 1, "EX_RUNDOWN_COUNT_SHIFT");
    assert_eq!(COUNT_INC, 2, "EX_RUNDOWN_COUNT_INC");
}

#[test]
fn word_holds_the_count_shifted_by_one_then_exactly_one_after_completed() {
    let irql = passive();
    let mut storage = RundownRef::new();
    let owner = storage.owner(&irql);
    let shared = owner.protection();
    assert_eq!(word_of(shared), 0, "ExInitializeRundownProtection leaves zero");
    let one = shared.acquire(&irql).expect("active");
    let three = shared.acquire_many(rundown::count!(3), &irql).expect("active");
    assert_eq!(word_of(shared), 4 << COUNT_SHIFT);
    drop(one);
    drop(three);
    assert_eq!(word_of(shared), 0);
    let owner = owner.wait_for_release(&irql);
    assert_eq!(word_of(shared), ACTIVE, "no holders: the wait sets the active bit and nothing else");
    let owner = owner.completed(&irql);
    assert_eq!(word_of(shared), ACTIVE, "ExRundownCompleted leaves exactly 1");
    let _owner = owner.reinitialize(&irql);
    assert_eq!(word_of(shared), 0);
}

#[test]
fn cache_aware_header_is_ex_rundown_ref_cache_aware() {
    assert_eq!(size_of::<CacheAwareBlock>(), 0x18);
    assert_eq!(align_of::<CacheAwareBlock>(), 8);
    let irql = passive();
    let required = CacheAwareRundownRef::required_size(&irql);
    let mut storage = vec![MaybeUninit::<usize>::uninit(); required.div_ceil(size_of::<usize>())];
    let base = storage.as_ptr() as usize;
    let end = base + size_of_val(storage.as_slice());
    let shared = CacheAwareRundownRef::initialize_in(&mut storage, &irql).expect("large enough");
    // SAFETY: `initialize_in` wrote the 24-byte header at the start of the storage, which stays
    // borrowed by `shared`; we only read it.
    let header = unsafe { (base as *const [usize; 3]).read() };
    let [run_refs, pool_to_free, sizes] = header;
    let run_ref_size = sizes & 0xffff_ffff;
    let number = sizes >> 32;
    assert_eq!(run_ref_size, 64, "RunRefSize: one cache line per processor");
    assert_eq!(number, simulation::processor_count() as usize, "Number: one slot per processor");
    assert_eq!(pool_to_free, 1, "PoolToFree: caller storage is not freed");
    assert_eq!(run_refs % 64, 0, "RunRefs is cache-line aligned");
    assert!(run_refs >= base + 0x18 && run_refs + number * run_ref_size <= end, "the slots live inside the storage");
    drop(shared);
}

#[test]
fn cache_aware_size_covers_header_padding_and_one_line_per_processor() {
    let irql = passive();
    let required = CacheAwareRundownRef::required_size(&irql);
    assert_eq!(required, 0x18 + 64 + 64 * simulation::processor_count() as usize);
}

#[test]
fn too_small_storage_is_refused_with_both_sizes() {
    let irql = passive();
    let required = CacheAwareRundownRef::required_size(&irql);
    let mut storage = vec![MaybeUninit::<usize>::uninit(); required / size_of::<usize>() - 1];
    let error = CacheAwareRundownRef::initialize_in(&mut storage, &irql).expect_err("one word short");
    assert_eq!(error.required, required);
    assert_eq!(error.provided, required - size_of::<usize>());
    assert_eq!(error.to_string(), format!("cache-aware run-down storage needs {required} bytes, got {}", required - 8));
}
