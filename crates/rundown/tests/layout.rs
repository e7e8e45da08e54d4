//! The types are NT's structures bit for bit, so they can be handed to C and to NtosKrnl.
//!
//! Sizes and field offsets come from the public WDK headers (`EX_RUNDOWN_REF`: one pointer-sized
//! union) and from the public symbols of ntoskrnl (`EX_RUNDOWN_REF_CACHE_AWARE`: `RunRefs`,
//! `PoolToFree`, `RunRefSize`, `Number`, 0x18 bytes on x64). The cache-aware sizes, strides,
//! slot counts and `PoolToFree` values are those of NT's own routines as the Windows Research
//! Kernel's `base/ntos/ex/rundown.c` has them (see the portable provider's `cache_aware` module).
//!
//! The tests set the processor count of their own thread (`simulation::set_processor_count`), so
//! they show every layout whatever the machine.

use core::mem::{MaybeUninit, align_of, size_of};
use core::ptr::NonNull;
use core::sync::atomic::Ordering::SeqCst;

use rundown::irql::PassiveLevel;
use rundown::provider::portable::{ACTIVE, COUNT_INC, COUNT_SHIFT, CacheAwareBlock};
use rundown::provider::{Portable, Provider, RundownWord};
use rundown::{CacheAwareRundownRef, RundownRef, RundownState, simulation};

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

/// `sizeof(EX_RUNDOWN_REF_CACHE_AWARE)`.
const HEADER: usize = 0x18;
/// The stride on more than one processor: `KeGetRecommendedSharedDataAlignment()`, the cache line.
const LINE: usize = 64;
/// `PoolToFree` of caller storage: NT's signature (WRK ex/rundown.c).
const CALLER_STORAGE: usize = 0x0BAD_CA11;

/// The header's four fields, read at NT's offsets.
#[derive(Debug, PartialEq, Eq)]
struct Header {
    run_refs: usize,
    pool_to_free: usize,
    run_ref_size: u32,
    number: u32,
}

/// Reads the header at `block` by byte offset: `RunRefs` at 0, `PoolToFree` at 8, `RunRefSize`
/// at 0x10, `Number` at 0x14.
fn header_at(block: *const CacheAwareBlock) -> Header {
    let words = block.cast::<usize>();
    let halves = block.cast::<u32>();
    // SAFETY: an initialized header of 0x18 bytes at `block`, aligned for a pointer;
    // nobody writes it after initialization.
    let run_refs = unsafe { words.read() };
    // SAFETY: as above.
    let pool_to_free = unsafe { words.wrapping_byte_add(8).read() };
    // SAFETY: as above.
    let run_ref_size = unsafe { halves.wrapping_byte_add(0x10).read() };
    // SAFETY: as above.
    let number = unsafe { halves.wrapping_byte_add(0x14).read() };
    Header { run_refs, pool_to_free, run_ref_size, number }
}

/// Word `index` of an initialized block, found by NT's arithmetic (`RunRefs + index *
/// RunRefSize`).
fn word_at(block: *const CacheAwareBlock, index: u32) -> &'static RundownWord {
    let header = header_at(block);
    assert!(index < header.number);
    let address = header.run_refs + index as usize * header.run_ref_size as usize;
    assert_eq!(address % align_of::<RundownWord>(), 0, "word {index} is aligned");
    // SAFETY: an initialized word; the tests keep the storage alive while they use the result
    // (the 'static is this helper's shortcut, never kept past the storage).
    unsafe { &*(address as *const RundownWord) }
}

/// Storage as C would declare it: `words` pointer-sized words, garbage-filled so that
/// initialization has to write every field and word.
fn c_storage(words: usize) -> Vec<MaybeUninit<usize>> {
    vec![MaybeUninit::new(usize::MAX); words]
}

/// `ExInitializeRundownProtectionCacheAware(block, size)` by the provider, as C calls it, on
/// storage starting `offset` bytes into `storage`.
fn c_initialize(storage: &mut [MaybeUninit<usize>], offset: usize, size: usize) -> NonNull<CacheAwareBlock> {
    assert!(offset + size <= size_of_val(storage));
    assert_eq!(offset % size_of::<usize>(), 0);
    let block = NonNull::from(&mut storage[offset / size_of::<usize>()]).cast::<CacheAwareBlock>();
    // SAFETY: `size` writable, pointer-aligned bytes that nothing else uses.
    unsafe { Portable::cache_aware_initialize(block, size) };
    block
}

/// Runs `body` on this thread as if the machine had `processors` processors.
fn with_processors<T>(processors: u32, body: impl FnOnce() -> T) -> T {
    simulation::set_processor_count(Some(processors));
    let result = body();
    simulation::set_processor_count(None);
    result
}

#[test]
fn cache_aware_header_is_0x18_bytes_with_nt_field_offsets() {
    assert_eq!(size_of::<CacheAwareBlock>(), HEADER);
    assert_eq!(align_of::<CacheAwareBlock>(), 8);
    with_processors(2, || {
        let size = Portable::cache_aware_size();
        let mut storage = c_storage(size / 8);
        let block = c_initialize(&mut storage, 0, size);
        let base = block.as_ptr() as usize;
        let header = header_at(block.as_ptr());
        assert!(
            header.run_refs >= base + HEADER && header.run_refs < base + HEADER + LINE,
            "RunRefs at 0: {header:x?}"
        );
        assert_eq!(header.pool_to_free, CALLER_STORAGE, "PoolToFree at 8");
        assert_eq!(header.run_ref_size, 64, "RunRefSize at 0x10");
        assert_eq!(header.number, 2, "Number at 0x14");
    });
}

#[test]
fn cache_aware_size_is_nt_formula_for_1_2_4_and_64_processors() {
    let irql = passive();
    for (processors, size, stride) in
        [(1, HEADER + 8, 8), (2, HEADER + LINE * 3, 64), (4, HEADER + LINE * 5, 64), (64, HEADER + LINE * 65, 64)]
    {
        with_processors(processors, || {
            assert_eq!(Portable::cache_aware_size(), size, "ExSizeOfRundownProtectionCacheAware on {processors}");
            assert_eq!(CacheAwareRundownRef::required_size(&irql), size);
            // That size, initialized, gives one word per processor at NT's stride.
            let mut storage = c_storage(size / 8);
            let block = c_initialize(&mut storage, 0, size);
            let header = header_at(block.as_ptr());
            assert_eq!((header.number, header.run_ref_size), (processors, stride), "on {processors} processors");
            // And so does the pool.
            let pooled = Portable::cache_aware_allocate().expect("pool");
            let header = header_at(pooled.as_ptr());
            assert_eq!((header.number, header.run_ref_size), (processors, stride), "allocated on {processors}");
            // SAFETY: from `cache_aware_allocate`, unused.
            unsafe { Portable::cache_aware_free(pooled) };
        });
    }
}

#[test]
fn one_processor_has_one_word_right_after_the_header() {
    let irql = passive();
    with_processors(1, || {
        let mut storage = c_storage(4);
        let base = storage.as_ptr() as usize;
        let shared = CacheAwareRundownRef::initialize_in(&mut storage, &irql).expect("0x20 bytes suffice");
        let header = header_at(shared.as_ptr());
        assert_eq!(
            header,
            Header { run_refs: base + HEADER, pool_to_free: CALLER_STORAGE, run_ref_size: 8, number: 1 }
        );
        // Every processor maps to the one word.
        simulation::run_on_processor(Some(5));
        let guard = shared.acquire(&irql).expect("active");
        assert_eq!(word_at(shared.as_ptr(), 0).load(SeqCst), COUNT_INC);
        drop(guard);
        simulation::run_on_processor(None);
    });
}

#[test]
fn number_comes_from_the_size_given_not_from_the_processor_count() {
    with_processors(2, || {
        let mut storage = c_storage(128);
        for (size, number, stride, why) in [
            (HEADER + LINE * 5, 4, 64, "room for 4 words on a 2-processor machine"),
            (HEADER + LINE * 5 + 63, 4, 64, "a size between layouts rounds down"),
            (HEADER + LINE * 5 - 8, 3, 64, "one byte short of 4 words gives 3"),
            (HEADER + LINE * 2, 1, 64, "the smallest multi-word layout holds one word"),
            (HEADER + 8, 1, 8, "exactly one EX_RUNDOWN_REF: the single-processor layout"),
        ] {
            let block = c_initialize(&mut storage, 0, size);
            let header = header_at(block.as_ptr());
            assert_eq!((header.number, header.run_ref_size), (number, stride), "size {size:#x}: {why}");
            for index in 0..number {
                assert_eq!(word_at(block.as_ptr(), index).load(SeqCst), 0, "word {index} initialized");
            }
        }
    });
    // On one processor a large size still gives the multi-word layout: the size decides.
    with_processors(1, || {
        let mut storage = c_storage(64);
        let block = c_initialize(&mut storage, 0, HEADER + LINE * 3);
        let header = header_at(block.as_ptr());
        assert_eq!((header.number, header.run_ref_size), (2, 64));
    });
}

#[test]
#[should_panic(expected = "holds no run-down word")]
fn a_size_that_gives_no_word_is_refused() {
    // 0x18 + 16: neither one word exactly nor two strides. NT would store Number = -1.
    let mut storage = c_storage(8);
    c_initialize(&mut storage, 0, HEADER + 16);
}

#[test]
fn run_refs_is_aligned_up_to_run_ref_size_wherever_the_block_starts() {
    with_processors(4, || {
        let size = Portable::cache_aware_size();
        let mut storage = c_storage(size / 8 + LINE / 8);
        let mut paddings = Vec::new();
        for offset in (0..LINE).step_by(8) {
            let block = c_initialize(&mut storage, offset, size);
            let base = block.as_ptr() as usize;
            let header = header_at(block.as_ptr());
            assert_eq!(header.run_refs % LINE, 0, "RunRefs on a cache line");
            let padding = header.run_refs - (base + HEADER);
            assert!(padding < LINE, "rounded up, by less than one stride");
            let last_end = header.run_refs + 3 * LINE + 8;
            assert!(last_end <= base + size, "the last word ends inside the storage");
            paddings.push(padding);
        }
        paddings.sort_unstable();
        paddings.dedup();
        assert_eq!(paddings.len(), 8, "every start offset gave its own padding: {paddings:?}");
    });
}

#[test]
fn pool_to_free_marks_caller_storage_and_names_the_pool_block() {
    let irql = passive();
    let required = CacheAwareRundownRef::required_size(&irql);
    let mut storage = c_storage(required / 8);
    let in_storage = CacheAwareRundownRef::initialize_in(&mut storage, &irql).expect("large enough");
    assert_eq!(header_at(in_storage.as_ptr()).pool_to_free, CALLER_STORAGE, "caller storage: NT's 0x0BADCA11");
    drop(in_storage);

    // The model's allocation is one block, so PoolToFree names the header itself (NT's names a
    // second block holding the words; see the portable `cache_aware` module).
    for processors in [1, 3] {
        with_processors(processors, || {
            let pooled = CacheAwareRundownRef::allocate(&irql).expect("pool");
            let size = CacheAwareRundownRef::required_size(&irql);
            let header = header_at(pooled.as_ptr());
            assert_eq!(header.pool_to_free, pooled.as_ptr() as usize, "PoolToFree is the pool block");
            let words_end =
                header.run_refs + (header.number as usize - 1) * header.run_ref_size as usize + size_of::<usize>();
            assert!(header.run_refs >= header.pool_to_free + HEADER && words_end <= header.pool_to_free + size);
            pooled.free(&irql);
        });
    }
}

#[test]
fn c_initialized_block_reads_back_through_the_safe_type() {
    let irql = passive();
    with_processors(2, || {
        // C gives room for 4 words on this 2-processor machine.
        let mut storage = c_storage(64);
        let block = c_initialize(&mut storage, 0, HEADER + LINE * 5);
        // SAFETY: initialized by the provider and active; the storage outlives `shared` and does
        // not move; nothing else waits, completes or reinitializes it.
        let mut shared = unsafe { CacheAwareRundownRef::from_raw(block) };
        assert_eq!(shared.as_ptr(), block.as_ptr());
        assert_eq!(
            format!("{shared:?}"),
            "CacheAwareRundownRef { state: Granting { holders: 0 }, slots: 4, from_pool: false }"
        );
        let owner = shared.owner(&irql);
        let protection = owner.protection();
        // Processor 3 uses word 3: a word beyond the processor count, which only the size made.
        simulation::run_on_processor(Some(3));
        let guard = protection.acquire_many(rundown::count!(2), &irql).expect("active");
        assert_eq!(word_at(block.as_ptr(), 3).load(SeqCst), 2 << COUNT_SHIFT);
        assert_eq!(protection.state(), RundownState::Granting { holders: 2 });
        drop(guard);
        simulation::run_on_processor(None);
        let owner = owner.wait_for_release(&irql).completed(&irql);
        for index in 0..4 {
            assert_eq!(word_at(block.as_ptr(), index).load(SeqCst), ACTIVE, "word {index} completed");
        }
        drop(owner);
        drop(shared);
        // The safe type did not free or rewrite the C block.
        assert_eq!(header_at(block.as_ptr()).number, 4);
    });
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

#[test]
fn larger_storage_is_initialized_with_the_required_size() {
    // On one processor, 0x18 + 16 bytes would give NT no word: `initialize_in` passes the
    // required 0x20, and the rest of the storage is left alone.
    let irql = passive();
    with_processors(1, || {
        let mut storage = c_storage(5);
        let shared = CacheAwareRundownRef::initialize_in(&mut storage, &irql).expect("large enough");
        let header = header_at(shared.as_ptr());
        assert_eq!((header.number, header.run_ref_size), (1, 8));
        drop(shared);
        // SAFETY: written as garbage by `c_storage`, and beyond the block.
        assert_eq!(unsafe { storage[4].assume_init() }, usize::MAX);
    });
}
