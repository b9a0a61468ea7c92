use super::*;
use crate::error::{CheckError, GuardConfigError, GuardCorruption, GuardSide};
use std::string::{String, ToString};
use std::vec;
use std::vec::Vec;

/// `full` normally, `miri` under Miri, where every step is slow.
fn pick<T: Clone>(full: &[T], miri: &[T]) -> Vec<T> {
    if cfg!(miri) { miri } else { full }.to_vec()
}

fn memory(len: usize) -> Vec<MaybeUninit<u8>> {
    vec![MaybeUninit::uninit(); len]
}

/// Fills `len` bytes at `ptr` with a pattern derived from `seed`.
fn fill(ptr: NonNull<u8>, len: usize, seed: u8) {
    for i in 0..len {
        // SAFETY: the tests only fill their own allocations.
        unsafe { ptr.as_ptr().add(i).write(seed.wrapping_add(i as u8)) };
    }
}

/// Verifies the pattern written by `fill`.
fn verify(ptr: NonNull<u8>, len: usize, seed: u8) {
    for i in 0..len {
        // SAFETY: the bytes were written by `fill`.
        let byte = unsafe { ptr.as_ptr().add(i).read() };
        assert_eq!(byte, seed.wrapping_add(i as u8), "byte {i}");
    }
}

fn offset(a: NonNull<u8>, b: NonNull<u8>) -> usize {
    a.as_ptr().addr() - b.as_ptr().addr()
}

impl VarPool<'_> {
    /// The base address of the first area.
    fn first_base(&self) -> usize {
        // SAFETY: the test pools have a region.
        unsafe { (*self.areas).base_addr() }
    }
}

#[test]
fn alloc_free_and_coalesce_both_sides() {
    let mut mem = memory(4096);
    let mut pool = VarPool::new(Region::new(&mut mem)).unwrap();
    let capacity = pool.capacity();
    assert_eq!(pool.stats().free, capacity);
    assert_eq!(pool.stats().largest_free, capacity);
    let ptrs: Vec<_> = (0..5).map(|i| pool.alloc(50 + i, 8).unwrap()).collect();
    for (i, p) in ptrs.iter().enumerate() {
        assert_eq!(p.as_ptr().addr() % G, 0);
        assert!(pool.is_allocated(*p));
        assert!(pool.usable_size(*p).unwrap() >= 50 + i);
        fill(*p, 50 + i, i as u8);
    }
    // Blocks are carved front to back.
    assert!(ptrs.windows(2).all(|w| w[0] < w[1]));
    pool.check().unwrap();
    pool.free(ptrs[1]).unwrap();
    pool.free(ptrs[3]).unwrap();
    pool.check().unwrap();
    assert_eq!(pool.stats().free_blocks, 3);
    // Merges with the free blocks on both sides.
    pool.free(ptrs[2]).unwrap();
    pool.check().unwrap();
    assert_eq!(pool.stats().free_blocks, 2);
    verify(ptrs[0], 50, 0);
    verify(ptrs[4], 54, 4);
    pool.free(ptrs[0]).unwrap();
    pool.free(ptrs[4]).unwrap();
    pool.check().unwrap();
    let stats = pool.stats();
    assert_eq!(
        (stats.free_blocks, stats.in_use, stats.live_allocations),
        (1, 0, 0)
    );
    assert_eq!((stats.allocations, stats.frees), (5, 5));
    assert_eq!(stats.largest_free, capacity);
    assert_eq!(stats.fragmentation(), 0.0);
}

#[test]
fn block_sizes_are_header_plus_rounded_request() {
    let mut mem = memory(4096);
    let mut pool = VarPool::new(Region::new(&mut mem)).unwrap();
    for (size, usable) in [
        (0, G),
        (1, G),
        (G, G),
        (G + 1, 2 * G),
        (100, 100usize.next_multiple_of(G)),
    ] {
        let before = pool.stats().in_use;
        let p = pool.alloc(size, 1).unwrap();
        assert_eq!(pool.usable_size(p), Some(usable), "{size}");
        assert_eq!(pool.stats().in_use - before, usable + G, "{size}");
    }
    pool.check().unwrap();
}

#[test]
fn every_alignment_is_honoured_whatever_the_region_start() {
    let mut mem = memory(8192 + 64);
    for skew in pick(&[0, 1, 3, 8, 13, 31], &[0, 13]) {
        let mut pool = VarPool::new(Region::new(&mut mem[skew..skew + 8192])).unwrap();
        let mut live = Vec::new();
        for (i, align) in [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
            .into_iter()
            .enumerate()
        {
            for size in pick(&[1, 24, 100], &[24]) {
                let p = pool
                    .alloc(size, align)
                    .unwrap_or_else(|| panic!("{skew} {align} {size}"));
                assert_eq!(p.as_ptr().addr() % align, 0);
                fill(p, size, i as u8);
                live.push((p, size, i as u8));
                pool.check().unwrap();
            }
        }
        for (j, (p, size, seed)) in live.iter().enumerate() {
            verify(*p, *size, *seed);
            if j % 2 == 0 {
                pool.free(*p).unwrap();
            }
        }
        pool.check().unwrap();
        for (j, (p, _, _)) in live.iter().enumerate() {
            if j % 2 == 1 {
                pool.free(*p).unwrap();
            }
        }
        pool.check().unwrap();
        assert_eq!(pool.stats().free_blocks, 1);
    }
}

#[test]
fn one_granule_gap_goes_to_the_previous_block() {
    let mut mem = memory(4096);
    let mut pool = VarPool::new(Region::new(&mut mem)).unwrap();
    let base = pool.first_base();
    // Find a first allocation that leaves the next free block one granule
    // short of an aligned allocation pointer.
    let align = 4 * G;
    let mut size = G;
    let a = loop {
        let a = pool.alloc(size, 1).unwrap();
        let next_block = a.as_ptr().addr() + pool.usable_size(a).unwrap();
        if (next_block + G + G) % align == 0 {
            break a;
        }
        pool.free(a).unwrap();
        size += G;
    };
    let usable = pool.usable_size(a).unwrap();
    let b = pool.alloc(8, align).unwrap();
    assert_eq!(b.as_ptr().addr() % align, 0);
    assert_eq!(pool.usable_size(a), Some(usable + G), "the gap joined `a`");
    assert_eq!(offset(b, a), usable + 2 * G);
    pool.check().unwrap();
    pool.free(a).unwrap();
    pool.free(b).unwrap();
    pool.check().unwrap();
    assert_eq!(pool.stats().free_blocks, 1);
    assert!(base < b.as_ptr().addr());
}

#[test]
fn over_aligned_request_fits_a_region_exactly_sized_for_it() {
    for align in pick(&[32, 64, 256, 4096], &[64, 4096]) {
        for size in pick(&[1, 100, 1000], &[100]) {
            let bytes = VarPool::region_size_for(size, align).unwrap();
            let mut mem = memory(bytes + 64);
            for skew in pick(&[0, 1, 7, 16, 33], &[0, 7]) {
                let mut pool = VarPool::new(Region::new(&mut mem[skew..skew + bytes])).unwrap();
                let p = pool
                    .alloc(size, align)
                    .unwrap_or_else(|| panic!("{align} {size} {skew}"));
                assert_eq!(p.as_ptr().addr() % align, 0);
                pool.check().unwrap();
            }
        }
    }
}

/// A pool whose only free block is `block` bytes long, inside a bin (so
/// that the constant-time search skips it for a request of its exact size).
fn pool_with_one_free_block(mem: &mut [MaybeUninit<u8>], block: usize) -> VarPool<'_> {
    let mut pool = VarPool::new(Region::new(mem)).unwrap();
    let a = pool.alloc(block - G, 1).unwrap();
    let _separator = pool.alloc(1, 1).unwrap();
    let rest = pool.stats().largest_free - G;
    let _filler = pool.alloc(rest, 1).unwrap();
    pool.free(a).unwrap();
    assert_eq!(pool.stats().free_blocks, 1);
    assert_eq!(pool.stats().largest_free, block);
    pool
}

#[test]
fn a_block_the_constant_time_search_skips_is_still_found() {
    let block = 261 * G;
    assert_ne!(Bin::for_block(261).min_units(), 261);
    let mut mem = memory(16 * 1024);
    // Good fit: a request of exactly the block.
    let mut pool = pool_with_one_free_block(&mut mem, block);
    let p = pool.alloc(block - G, 1).unwrap();
    pool.check().unwrap();
    pool.free(p).unwrap();
    // Over-aligned: a request that fits at any placement.
    let align = 4 * G;
    let p = pool.alloc(block - align - 2 * G, align).unwrap();
    assert_eq!(p.as_ptr().addr() % align, 0);
    pool.check().unwrap();
    pool.free(p).unwrap();
    // Best fit falls back the same way.
    pool.set_policy(FitPolicy::BestFit {
        tolerance_percent: 0,
    });
    let p = pool.alloc(block - G, 1).unwrap();
    pool.free(p).unwrap();
    pool.check().unwrap();
}

#[test]
fn zero_size_requests_get_unique_minimal_blocks() {
    let mut mem = memory(1024);
    let mut pool = VarPool::new(Region::new(&mut mem)).unwrap();
    let a = pool.alloc(0, 1).unwrap();
    let b = pool.alloc(0, 1).unwrap();
    assert_ne!(a, b);
    assert_eq!(pool.usable_size(a), Some(G));
    pool.free(a).unwrap();
    assert_eq!(pool.free(a), Err(FreeError::DoubleFree));
    // `realloc(p, 0)` shrinks to the minimum; it does not free.
    let c = pool.alloc(500, 8).unwrap();
    let c2 = pool.realloc(c, 0).unwrap();
    assert_eq!(c2, c);
    assert_eq!(pool.usable_size(c), Some(G));
    pool.free(b).unwrap();
    pool.free(c).unwrap();
    pool.check().unwrap();
}

#[test]
fn bad_requests_report_the_exact_error() {
    let mut mem = memory(4096);
    let mut pool = VarPool::new(Region::new(&mut mem)).unwrap();
    assert_eq!(pool.try_alloc(usize::MAX, 8), Err(AllocError::TooLarge));
    assert_eq!(pool.try_alloc(usize::MAX - G, 1), Err(AllocError::TooLarge));
    assert_eq!(
        pool.try_alloc(isize::MAX as usize, 1),
        Err(AllocError::TooLarge)
    );
    assert_eq!(
        pool.try_alloc(8, 3),
        Err(AllocError::BadAlignment { align: 3 })
    );
    assert_eq!(
        pool.try_alloc(8, 0),
        Err(AllocError::BadAlignment { align: 0 })
    );
    assert_eq!(
        pool.try_alloc(8, 48),
        Err(AllocError::BadAlignment { align: 48 })
    );
    assert_eq!(
        pool.try_alloc(8, 1 << 20),
        Err(AllocError::Exhausted),
        "align > region"
    );
    assert_eq!(
        pool.try_alloc(8, 1 << (usize::BITS - 1)),
        Err(AllocError::TooLarge)
    );
    assert_eq!(pool.try_alloc(5000, 8), Err(AllocError::Exhausted));
    assert!(pool.alloc(8, 3).is_none());
    assert!(pool.alloc(usize::MAX, 1).is_none());
    // Bad alignment is a usage error, not a failed allocation.
    assert_eq!(pool.stats().failed_allocations, 7);
    assert!(pool.is_empty());
    pool.check().unwrap();
    // The largest request that fits does fit, exactly.
    let largest = pool.stats().largest_free - pool.overhead();
    let p = pool.try_alloc(largest, 8).unwrap();
    assert_eq!(pool.try_alloc(1, 1), Err(AllocError::Exhausted));
    pool.free(p).unwrap();
    assert_eq!(pool.try_alloc(largest + 1, 8), Err(AllocError::Exhausted));
    pool.check().unwrap();
}

#[test]
fn checked_free_refuses_bad_pointers_with_certainty() {
    let mut mem = memory(4096);
    let mut pool = VarPool::new(Region::new(&mut mem)).unwrap();
    let base = pool.first_base();
    let a = pool.alloc(100, 8).unwrap();
    let b = pool.alloc(100, 8).unwrap();
    let c = pool.alloc(100, 8).unwrap();
    fill(a, 100, 1);
    fill(b, 100, 2);
    fill(c, 100, 3);
    let at =
        |p: NonNull<u8>, delta: isize| NonNull::new(p.as_ptr().wrapping_offset(delta)).unwrap();

    // Foreign: outside every region.
    let mut other = [0u8; 64];
    let foreign = NonNull::new(other.as_mut_ptr()).unwrap();
    assert_eq!(pool.free(foreign), Err(FreeError::Foreign));
    assert!(!pool.contains(foreign));
    // Foreign: the region's own bookkeeping, before the blocks.
    assert_eq!(pool.free(at(a, -(G as isize) - 1)), Err(FreeError::Foreign));
    // Never allocated: the first block's header.
    assert_eq!(pool.free(at(a, -1)), Err(FreeError::NeverAllocated));
    assert_eq!(
        pool.free(at(a, -(G as isize))),
        Err(FreeError::NeverAllocated)
    );
    // Interior, aligned or not, up to the next block's header.
    for delta in [1, 7, 8, 16, 99, 100] {
        assert_eq!(
            pool.free(at(b, delta)),
            Err(FreeError::Interior {
                offset: delta as usize
            })
        );
    }
    let b_extent = offset(c, b);
    assert_eq!(
        pool.free(at(c, -1)),
        Err(FreeError::Interior {
            offset: b_extent - 1
        })
    );
    pool.check().unwrap();
    verify(b, 100, 2);

    // Double free, at the freed pointer and anywhere aligned in free memory.
    pool.free(b).unwrap();
    assert_eq!(pool.free(b), Err(FreeError::DoubleFree));
    assert_eq!(pool.free(at(b, G as isize)), Err(FreeError::DoubleFree));
    assert_eq!(pool.free(at(b, 3)), Err(FreeError::NeverAllocated));
    // Merged into a larger free block, it is still a double free.
    pool.free(c).unwrap();
    assert_eq!(pool.free(c), Err(FreeError::DoubleFree));
    assert_eq!(pool.free(b), Err(FreeError::DoubleFree));
    // Past the last live block: free memory to the end of the area.
    // SAFETY: reading the area length of the test pool's only region.
    let len = unsafe { (*pool.areas).len };
    let end = NonNull::new(pool.hint_base.wrapping_add(len - 1)).unwrap();
    assert_eq!(pool.free(end), Err(FreeError::NeverAllocated));
    assert!(pool.contains(end));
    let past = NonNull::new(pool.hint_base.wrapping_add(len)).unwrap();
    assert_eq!(pool.free(past), Err(FreeError::Foreign));
    assert!(!pool.contains(past));
    // The same rule when the first block is free.
    pool.free(a).unwrap();
    assert_eq!(pool.free(a), Err(FreeError::DoubleFree));
    assert_eq!(pool.free(at(a, 1)), Err(FreeError::NeverAllocated));
    assert_eq!(a.as_ptr().addr() - base, G);
    pool.check().unwrap();
    assert_eq!(pool.stats().frees, 3);
}

#[test]
fn classification_scans_far_for_the_nearest_live_block() {
    let mut mem = memory(64 * 1024);
    let mut pool = VarPool::new(Region::new(&mut mem)).unwrap();
    let big = pool.alloc(40_000, 8).unwrap();
    let small = pool.alloc(10, 8).unwrap();
    for delta in [1, 8, 1000, 20_000, 39_999] {
        assert_eq!(
            pool.free(NonNull::new(big.as_ptr().wrapping_add(delta)).unwrap()),
            Err(FreeError::Interior { offset: delta })
        );
    }
    pool.free(big).unwrap();
    assert_eq!(
        pool.free(NonNull::new(big.as_ptr().wrapping_add(30_000)).unwrap()),
        Err(FreeError::DoubleFree)
    );
    pool.free(small).unwrap();
    pool.check().unwrap();
}

#[test]
fn realloc_grows_and_shrinks_in_place_and_moves_when_it_must() {
    let mut mem = memory(8192);
    let mut pool = VarPool::new(Region::new(&mut mem)).unwrap();
    let a = pool.alloc(100, 8).unwrap();
    fill(a, 100, 9);
    // Grows into the free rest of the region.
    let a2 = pool.realloc(a, 1000).unwrap();
    assert_eq!(a2, a);
    assert!(pool.usable_size(a).unwrap() >= 1000);
    verify(a, 100, 9);
    pool.check().unwrap();
    // Shrinks in place, the tail merging with the free rest.
    let a3 = pool.realloc(a, 50).unwrap();
    assert_eq!(a3, a);
    assert_eq!(pool.stats().free_blocks, 1);
    verify(a, 50, 9);
    pool.check().unwrap();
    // A neighbour blocks in-place growth: the allocation moves.
    let b = pool.alloc(16, 8).unwrap();
    let a4 = pool.realloc(a, 2000).unwrap();
    assert_ne!(a4, a);
    verify(a4, 50, 9);
    assert!(!pool.is_allocated(a));
    assert!(pool.is_allocated(a4));
    pool.check().unwrap();
    // Failure leaves the allocation intact.
    fill(a4, 2000, 4);
    assert_eq!(
        pool.realloc(a4, 100_000),
        Err(ReallocError::Alloc(AllocError::Exhausted))
    );
    assert_eq!(
        pool.realloc(a4, usize::MAX),
        Err(ReallocError::Alloc(AllocError::TooLarge))
    );
    assert_eq!(
        pool.realloc_aligned(a4, 10, 3),
        Err(ReallocError::Alloc(AllocError::BadAlignment { align: 3 }))
    );
    verify(a4, 2000, 4);
    assert!(pool.is_allocated(a4));
    pool.check().unwrap();
    // Bad pointers are refused like a checked free would.
    assert_eq!(
        pool.realloc(a, 10),
        Err(ReallocError::Pointer(FreeError::DoubleFree))
    );
    assert_eq!(
        pool.realloc(NonNull::new(a4.as_ptr().wrapping_add(4)).unwrap(), 10),
        Err(ReallocError::Pointer(FreeError::Interior { offset: 4 }))
    );
    // A larger alignment moves it to an aligned place.
    let a5 = pool.realloc_aligned(a4, 2000, 1024).unwrap();
    assert_eq!(a5.as_ptr().addr() % 1024, 0);
    verify(a5, 2000, 4);
    pool.free(a5).unwrap();
    pool.free(b).unwrap();
    pool.check().unwrap();
    assert_eq!(pool.stats().free_blocks, 1);
}

#[test]
fn best_fit_takes_a_block_within_tolerance() {
    let mut mem = memory(16 * 1024);
    let mut pool = VarPool::new(Region::new(&mut mem)).unwrap();
    // Free blocks of 1024 + G and 2048 + G bytes (with used separators),
    // and the large rest.
    let a = pool.alloc(1024, 8).unwrap();
    let _s1 = pool.alloc(8, 8).unwrap();
    let b = pool.alloc(1000, 8).unwrap();
    let _s2 = pool.alloc(8, 8).unwrap();
    pool.free(a).unwrap();
    pool.free(b).unwrap();
    // Good fit skips the 1000-byte block's bin for a 990-byte request only
    // if it is a different bin; best fit with 10 % takes `b`'s block.
    pool.set_policy(FitPolicy::BestFit {
        tolerance_percent: 10,
    });
    let c = pool.alloc(990, 8).unwrap();
    assert_eq!(c, b);
    // 0 % tolerance: only an exact fit is accepted, else good fit.
    pool.set_policy(FitPolicy::BestFit {
        tolerance_percent: 0,
    });
    let d = pool.alloc(1024, 8).unwrap();
    assert_eq!(d, a);
    pool.check().unwrap();
    // Nothing within tolerance: falls back to good fit.
    let e = pool.alloc(100, 8).unwrap();
    assert!(e > b);
    pool.check().unwrap();
}

#[test]
fn regions_never_merge_across_their_edges() {
    let mut mem = memory(2 * 4096);
    let (lo, hi) = mem.split_at_mut(4096);
    let mut pool = VarPool::new(Region::new(hi)).unwrap();
    pool.add_region(Region::new(lo)).unwrap();
    assert_eq!(pool.region_count(), 2);
    pool.check().unwrap();
    let cap = pool.capacity();
    let mut ptrs = Vec::new();
    while let Some(p) = pool.alloc(200, 8) {
        ptrs.push(p);
    }
    assert!(ptrs.len() >= 30);
    pool.check().unwrap();
    for p in ptrs {
        pool.free(p).unwrap();
    }
    pool.check().unwrap();
    assert_eq!(pool.stats().free_blocks, 2);
    assert_eq!(pool.stats().free, cap);
    // A region too large for either half can never be served.
    assert_eq!(pool.try_alloc(5000, 8), Err(AllocError::Exhausted));
}

#[test]
fn add_region_refuses_overlap_and_tiny_regions() {
    let mut mem = memory(4096);
    let ptr = NonNull::new(mem.as_mut_ptr().cast::<u8>()).unwrap();
    // SAFETY: the second region overlaps the first on purpose and is
    // refused without being touched.
    let (r1, r2) = unsafe {
        (
            Region::from_raw_parts(ptr, 2048),
            Region::from_raw_parts(ptr.add(1024), 2048),
        )
    };
    let mut pool = VarPool::new(r1).unwrap();
    assert_eq!(pool.add_region(r2), Err(RegionError::Overlap));
    let mut tiny = memory(32);
    assert!(matches!(
        pool.add_region(Region::new(&mut tiny)),
        Err(RegionError::TooSmall { available: 32, .. })
    ));
    assert!(matches!(
        VarPool::new(Region::empty()),
        Err(RegionError::TooSmall { available: 0, .. })
    ));
    pool.check().unwrap();
    assert_eq!(pool.region_count(), 1);
    let mut empty = VarPool::empty();
    assert!(empty.alloc(1, 1).is_none());
    assert_eq!(empty.free(ptr), Err(FreeError::Foreign));
    empty.check().unwrap();
}

#[test]
fn guards_catch_every_one_byte_overrun_and_underrun() {
    let mut mem = memory(4096);
    let mut pool = VarPool::new(Region::new(&mut mem)).unwrap();
    for guard in pick(&[1, 3, 16, 21], &[3, 16]) {
        pool.enable_guards(guard).unwrap();
        assert_eq!(pool.guard_size(), guard);
        for size in pick(&[1, 13, 16, 33], &[13]) {
            for side in [GuardSide::Underrun, GuardSide::Overrun] {
                for pos in 0..guard {
                    let p = pool.alloc(size, 8).unwrap();
                    assert_eq!(pool.usable_size(p), Some(size));
                    fill(p, size, 0x5A);
                    assert_eq!(pool.verify_guards(), Ok(()));
                    let victim = match side {
                        GuardSide::Underrun => p.as_ptr().wrapping_sub(1 + pos),
                        GuardSide::Overrun => p.as_ptr().wrapping_add(size + pos),
                    };
                    // SAFETY: guard bytes are inside the block, owned by
                    // the pool's region.
                    unsafe { victim.write(!VarPool::GUARD_BYTE) };
                    let expected = GuardCorruption {
                        addr: p.as_ptr().addr(),
                        side,
                        offset: pos,
                    };
                    assert_eq!(pool.verify_guards(), Err(expected), "{guard} {size} {pos}");
                    // `realloc` refuses, leaving the block allocated.
                    assert_eq!(
                        pool.realloc(p, size + 1),
                        Err(ReallocError::Pointer(FreeError::GuardCorrupted(expected)))
                    );
                    assert!(pool.is_allocated(p));
                    // `free` frees and reports.
                    assert_eq!(pool.free(p), Err(FreeError::GuardCorrupted(expected)));
                    assert!(pool.is_empty());
                    pool.check().unwrap();
                }
            }
        }
        pool.disable_guards().unwrap();
    }
}

#[test]
fn guards_survive_realloc_and_alignment() {
    let mut mem = memory(8192);
    let mut pool = VarPool::new(Region::new(&mut mem)).unwrap();
    pool.enable_guards(0).unwrap();
    assert_eq!(pool.guard_size(), VarPool::DEFAULT_GUARD);
    let mut ptrs = Vec::new();
    for (i, align) in [1, 64, 8, 256, 16].into_iter().enumerate() {
        let p = pool.alloc(10 + i * 7, align).unwrap();
        assert_eq!(p.as_ptr().addr() % align, 0);
        fill(p, 10 + i * 7, i as u8);
        ptrs.push((p, 10 + i * 7, i as u8));
    }
    assert_eq!(pool.verify_guards(), Ok(()));
    // Grow, shrink and move, keeping guards intact.
    let (p, size, seed) = ptrs[2];
    let p = pool.realloc(p, 500).unwrap();
    verify(p, size, seed);
    fill(p, 500, seed);
    assert_eq!(pool.usable_size(p), Some(500));
    let p = pool.realloc(p, 3).unwrap();
    verify(p, 3, seed);
    assert_eq!(pool.usable_size(p), Some(3));
    ptrs[2] = (p, 3, seed);
    assert_eq!(pool.verify_guards(), Ok(()));
    pool.check().unwrap();
    assert_eq!(
        pool.disable_guards(),
        Err(GuardConfigError::Outstanding { live: 5 })
    );
    assert_eq!(
        pool.enable_guards(8),
        Err(GuardConfigError::Outstanding { live: 5 })
    );
    assert_eq!(
        pool.enable_guards(usize::MAX),
        Err(GuardConfigError::Outstanding { live: 5 })
    );
    for (p, size, seed) in ptrs {
        verify(p, size, seed);
        pool.free(p).unwrap();
    }
    assert_eq!(
        pool.enable_guards(usize::MAX),
        Err(GuardConfigError::TooLarge)
    );
    pool.disable_guards().unwrap();
    pool.check().unwrap();
}

#[test]
fn guard_on_a_corrupted_size_word_is_an_underrun() {
    let mut mem = memory(1024);
    let mut pool = VarPool::new(Region::new(&mut mem)).unwrap();
    pool.enable_guards(16).unwrap();
    let p = pool.alloc(10, 8).unwrap();
    let front = pool.overhead() - G - size_of::<usize>();
    // SAFETY: the size word is inside the block; the test corrupts it.
    unsafe {
        p.as_ptr()
            .sub(front + size_of::<usize>())
            .cast::<usize>()
            .write_unaligned(usize::MAX)
    };
    let expected = GuardCorruption {
        addr: p.as_ptr().addr(),
        side: GuardSide::Underrun,
        offset: front,
    };
    assert_eq!(pool.free(p), Err(FreeError::GuardCorrupted(expected)));
    pool.check().unwrap();
}

#[test]
fn iteration_is_in_address_order_and_stops_early() {
    let mut mem = memory(4096);
    let mut pool = VarPool::new(Region::new(&mut mem)).unwrap();
    let ptrs: Vec<_> = (0..8).map(|i| pool.alloc(8 + i * 8, 8).unwrap()).collect();
    for p in ptrs.iter().skip(1).step_by(2) {
        pool.free(*p).unwrap();
    }
    let live: Vec<_> = pool.iter_allocated().collect();
    let expected: Vec<_> = ptrs
        .iter()
        .step_by(2)
        .map(|p| (*p, pool.usable_size(*p).unwrap()))
        .collect();
    assert_eq!(live, expected);
    let mut seen = 0;
    let r = pool.for_each_allocated(|p, _| {
        seen += 1;
        if p == ptrs[4] {
            ControlFlow::Break(p)
        } else {
            ControlFlow::Continue(())
        }
    });
    assert_eq!((r, seen), (ControlFlow::Break(ptrs[4]), 3));
}

#[test]
fn reset_frees_everything_and_keeps_settings() {
    let mut mem = memory(4096);
    let mut pool = VarPool::with_policy(
        Region::new(&mut mem),
        FitPolicy::BestFit {
            tolerance_percent: 5,
        },
    )
    .unwrap();
    pool.enable_guards(4).unwrap();
    let a = pool.alloc(100, 8).unwrap();
    let _b = pool.alloc(200, 64).unwrap();
    assert!(pool.stats().high_water > 0);
    pool.reset();
    pool.check().unwrap();
    let stats = pool.stats();
    assert_eq!(
        (
            stats.in_use,
            stats.live_allocations,
            stats.free_blocks,
            stats.high_water
        ),
        (0, 0, 1, 0)
    );
    assert!(!pool.is_allocated(a));
    assert_eq!(pool.free(a), Err(FreeError::DoubleFree));
    assert_eq!(pool.guard_size(), 4);
    assert_eq!(
        pool.policy(),
        FitPolicy::BestFit {
            tolerance_percent: 5
        }
    );
    let c = pool.alloc(100, 8).unwrap();
    assert_eq!(c, a);
    pool.free(c).unwrap();
}

#[test]
fn check_finds_corruption() {
    let mut mem = memory(4096);
    let mut pool = VarPool::new(Region::new(&mut mem)).unwrap();
    let a = pool.alloc(64, 8).unwrap();
    let b = pool.alloc(64, 8).unwrap();
    pool.free(a).unwrap();
    pool.check().unwrap();
    let hdr = b.as_ptr().wrapping_sub(G).cast::<Hdr>();
    // SAFETY: the test corrupts, then restores, the header of `b`.
    unsafe {
        let saved = (*hdr).size;
        (*hdr).size = saved + G;
        assert!(matches!(
            pool.check(),
            Err(CheckError::BoundaryTagMismatch { .. })
        ));
        (*hdr).size = saved & !PREV_FREE;
        assert!(matches!(
            pool.check(),
            Err(CheckError::BoundaryTagMismatch { .. })
        ));
        (*hdr).size = saved | FREE;
        assert!(matches!(
            pool.check(),
            Err(CheckError::AdjacentFreeBlocks { .. })
        ));
        (*hdr).size = saved;
        let link = (*hdr).prev;
        (*hdr).prev = hdr;
        assert!(matches!(
            pool.check(),
            Err(CheckError::BoundaryTagMismatch { .. })
        ));
        (*hdr).prev = link;
    }
    pool.check().unwrap();
    pool.live += 1;
    assert!(matches!(
        pool.check(),
        Err(CheckError::CountMismatch {
            what: "live allocations",
            ..
        })
    ));
    pool.live -= 1;
    let bin = pool.index.nonempty().next().unwrap();
    pool.index.mark_empty(bin);
    assert!(matches!(
        pool.check(),
        Err(CheckError::BinIndexMismatch { .. })
    ));
    pool.index.mark_nonempty(bin);
    pool.check().unwrap();
}

#[test]
fn scrub_keeps_free_memory_filled() {
    let mut mem = memory(1024);
    let mut pool = VarPool::new(Region::new(&mut mem)).unwrap();
    let a = pool.alloc(100, 8).unwrap();
    fill(a, 100, 1);
    pool.set_scrub(true);
    let b = pool.alloc(100, 8).unwrap();
    fill(b, 100, 2);
    pool.free(a).unwrap();
    let c = pool.alloc(300, 8).unwrap();
    fill(c, 300, 3);
    let c = pool.realloc(c, 40).unwrap();
    pool.free(b).unwrap();
    let mut text = String::new();
    pool.dump(&mut text).unwrap();
    // Only `c`'s contents are hidden: free memory is all shown.
    let hidden = text.matches(" ??").count();
    assert_eq!(hidden, pool.usable_size(c).unwrap(), "{text}");
    pool.free(c).unwrap();
    let mut text = String::new();
    pool.dump(&mut text).unwrap();
    assert!(!text.contains('?'), "{text}");
    pool.reset();
    pool.check().unwrap();
    let mut again = String::new();
    pool.dump(&mut again).unwrap();
    assert!(!again.contains('?'), "{again}");
}

#[test]
fn dump_format_on_a_small_pool() {
    let mut mem = memory(512);
    let mut pool = VarPool::new(Region::new(&mut mem)).unwrap();
    pool.set_scrub(true);
    pool.enable_guards(4).unwrap();
    let a = pool.alloc(5, 1).unwrap();
    let b = pool.alloc(3, 1).unwrap();
    fill(a, 5, b'A');
    pool.free(b).unwrap();
    // SAFETY: a one-byte overrun into `a`'s guard.
    unsafe { a.as_ptr().add(6).write(b'!') };
    let base = pool.first_base();
    let len = pool.capacity() + G;
    let stats = pool.stats();
    let mut text = String::new();
    pool.dump(&mut text).unwrap();
    let expected = if G == 16 {
        std::format!(
            "VarPool: {stats}\n\
             granule 16, overhead 32, guards 4, scrub on\n\
             region 0 at {base:#x}: {len} bytes\n\
             \x20 +0000 used     48  ptr +0020 usable 5  guard overrun at 1\n\
             \x20 +0030 free {free:>6}\n\
             \x20 +{end:04x} end\n\
             \x20 0000  -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- --  |----------------|\n\
             \x20 0010  -- -- -- -- -- -- -- -- fd fd fd fd fd fd fd fd  |--------........|\n\
             \x20 0020  ?? ?? ?? ?? ?? fd 21 fd fd fd fd fd fd fd fd fd  |?????.!.........|\n\
             \x20 0030  -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- --  |----------------|\n\
             \x20 0040  -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- --  |----------------|\n\
             \x20 0050  dd dd dd dd dd dd dd dd dd dd dd dd dd dd dd dd  |................|\n",
            free = len - G - 48,
            end = len - G,
        )
    } else {
        std::format!(
            "VarPool: {stats}\n\
             granule 8, overhead 16, guards 4, scrub on\n\
             region 0 at {base:#x}: {len} bytes\n\
             \x20 +0000 used     32  ptr +0010 usable 5  guard overrun at 1\n\
             \x20 +0020 free {free:>6}\n\
             \x20 +{end:04x} end\n\
             \x20 0000  -- -- -- -- -- -- -- -- -- -- -- -- fd fd fd fd  |------------....|\n\
             \x20 0010  ?? ?? ?? ?? ?? fd 21 fd fd fd fd fd fd fd fd fd  |?????.!.........|\n\
             \x20 0020  -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- --  |----------------|\n",
            free = len - G - 32,
            end = len - G,
        )
    };
    assert!(
        text.starts_with(&expected),
        "got:\n{text}\nexpected prefix:\n{expected}"
    );
    // The rest: scrubbed free memory, then the sentinel.
    let tail = &text[expected.len()..];
    let last = tail.lines().last().unwrap();
    assert!(last.ends_with("|"), "{last}");
    assert!(last.contains("-- -- -- -- -- -- -- --"), "{last}");
    for line in tail.lines().take(tail.lines().count() - 1) {
        assert!(
            line.ends_with("  dd dd dd dd dd dd dd dd dd dd dd dd dd dd dd dd  |................|"),
            "{line}"
        );
    }

    // With contents, the allocation's bytes show too.
    let mut text = String::new();
    // SAFETY: the only live allocation's 5 usable bytes were all written.
    unsafe { pool.dump_with_contents(&mut text).unwrap() };
    assert!(text.contains("|AB"), "{text}");
    assert!(text.contains("41 42 43 44 45 fd 21 fd"), "{text}");
    assert!(text.contains("|ABCDE.!."), "{text}");
}

#[test]
fn dump_without_scrub_hides_free_memory() {
    let mut mem = memory(256);
    let mut pool = VarPool::new(Region::new(&mut mem)).unwrap();
    let a = pool.alloc(G, 1).unwrap();
    let mut text = String::new();
    pool.dump(&mut text).unwrap();
    let lines: Vec<_> = text.lines().collect();
    assert!(lines[0].starts_with("VarPool: in use "));
    assert_eq!(
        lines[1],
        std::format!("granule {G}, overhead {G}, guards off, scrub off")
    );
    assert_eq!(
        lines[3],
        std::format!("  +0000 used {:>6}  ptr +{G:04x} usable {G}", 2 * G)
    );
    assert!(lines.iter().any(|l| l.contains(" ?? ?? ")));
    assert!(!lines.iter().any(|l| l.contains(" dd ")));
    pool.free(a).unwrap();
}

#[test]
fn stats_track_bytes_and_high_water() {
    let mut mem = memory(4096);
    let mut pool = VarPool::new(Region::new(&mut mem)).unwrap();
    let a = pool.alloc(100, 8).unwrap();
    let b = pool.alloc(300, 8).unwrap();
    let s = pool.stats();
    let a_size = 100usize.next_multiple_of(G) + G;
    let b_size = 300usize.next_multiple_of(G) + G;
    assert_eq!(s.in_use, a_size + b_size);
    assert_eq!(s.high_water, a_size + b_size);
    assert_eq!(s.in_use + s.free, s.capacity);
    pool.free(b).unwrap();
    let s = pool.stats();
    assert_eq!((s.in_use, s.high_water), (a_size, a_size + b_size));
    assert_eq!(s.largest_free, s.free);
    pool.free(a).unwrap();
    assert!(pool.stats().to_string().contains("in use 0/"));
}

#[test]
fn pool_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<VarPool<'static>>();
    assert_send_sync::<FreeError>();
}

#[cfg(feature = "alloc")]
mod growing {
    use super::*;
    use crate::GrowingVarPool;

    #[test]
    fn grows_for_large_requests_and_respects_the_cap() {
        let mut pool = GrowingVarPool::new(1024).unwrap().with_max_size(16 * 1024);
        assert!(pool.pool().region_count() == 0);
        let a = pool.alloc(100, 8).unwrap();
        assert_eq!(pool.stats().growth_events, 1);
        assert_eq!(pool.obtained(), 1024);
        let big = pool.alloc(5000, 512).unwrap();
        assert_eq!(big.as_ptr().addr() % 512, 0);
        assert_eq!(pool.stats().growth_events, 2);
        assert!(pool.obtained() > 5000);
        assert_eq!(pool.try_alloc(20_000, 8), Err(AllocError::Exhausted));
        // Realloc grows the pool when it must move.
        fill(a, 100, 3);
        let a = pool.realloc(a, 3000).unwrap();
        verify(a, 100, 3);
        pool.check().unwrap();
        pool.free(a).unwrap();
        pool.free(big).unwrap();
        pool.check().unwrap();
        assert!(pool.obtained() <= 16 * 1024);
        assert_eq!(GrowingVarPool::new(0).err(), Some(RegionError::ZeroSize));
    }

    #[test]
    fn the_last_region_is_cut_to_the_cap() {
        let mut pool = GrowingVarPool::new(4096).unwrap().with_max_size(6000);
        let mut n = 0;
        while pool.alloc(64, 8).is_some() {
            n += 1;
        }
        assert_eq!(pool.obtained(), 6000);
        assert_eq!(pool.stats().growth_events, 2);
        assert!(n > 50);
        pool.check().unwrap();
        pool.reset();
        pool.check().unwrap();
    }
}

#[test]
fn a_header_forged_in_user_data_is_not_trusted() {
    let mut mem = memory(4096);
    let mut pool = VarPool::new(Region::new(&mut mem)).unwrap();
    let a = pool.alloc(256, 8).unwrap();
    let words = 256 / size_of::<usize>();
    // Fill the allocation with what looks like used headers of every size,
    // linked to the block before.
    for i in 0..words {
        let value = if i % 2 == 0 {
            0usize
        } else {
            (i * 16) & !(G - 1)
        };
        // SAFETY: in bounds of `a`, which is ours.
        unsafe { a.as_ptr().cast::<usize>().add(i).write(value) };
    }
    for k in 1..256 / G {
        // SAFETY: in bounds of `a`.
        let inside = unsafe { a.add(k * G) };
        assert_eq!(
            pool.free(inside),
            Err(FreeError::Interior { offset: k * G })
        );
        assert!(!pool.is_allocated(inside));
        assert_eq!(pool.usable_size(inside), None);
    }
    pool.check().unwrap();
    let b = pool.alloc(64, 8).unwrap();
    pool.free(a).unwrap();
    // `a`'s memory is now free: every granule in it is a double free.
    for k in 0..256 / G {
        // SAFETY: `a + k * G` stays in the pool's block area.
        let stale = unsafe { a.add(k * G) };
        assert_eq!(pool.free(stale), Err(FreeError::DoubleFree));
    }
    pool.free(b).unwrap();
    assert_eq!(pool.free(b), Err(FreeError::DoubleFree));
    pool.check().unwrap();
}

/// Calls `f` with the pool and a pointer derived from a `&mut [u8; N]`
/// argument over the first `N` bytes of the allocation at `ptr`.
///
/// Stacked and Tree Borrows *protect* the bytes of a reference argument
/// until the call returns, as they protect a `Box`'s bytes while
/// `GlobalAlloc::dealloc` frees it: a write the pool makes into those bytes
/// through its own pointer instead of the one it was given is undefined
/// behaviour, which Miri reports.
fn while_protected<'a, const N: usize, R>(
    pool: &mut VarPool<'a>,
    ptr: NonNull<u8>,
    f: impl FnOnce(&mut VarPool<'a>, NonNull<u8>) -> R,
) -> R {
    assert!(pool.usable_size(ptr).unwrap() >= N);
    // SAFETY: the allocation is live and at least `N` bytes long; it is initialised
    // before a reference to it is made.
    let bytes = unsafe {
        ptr.as_ptr().write_bytes(0x5A, N);
        &mut *ptr.as_ptr().cast::<[u8; N]>()
    };
    protected_call(pool, bytes, f)
}

#[inline(never)]
fn protected_call<'a, const N: usize, R>(
    pool: &mut VarPool<'a>,
    bytes: &mut [u8; N],
    f: impl FnOnce(&mut VarPool<'a>, NonNull<u8>) -> R,
) -> R {
    // Written through the reference: under Tree Borrows its bytes are now
    // active, so a write through any other pointer is a conflict.
    bytes.fill(0xA5);
    f(pool, NonNull::from(bytes).cast())
}

/// Runs `f` on a fresh pool of 4 KiB with every combination of guards and
/// scrubbing.
fn with_each_setting(f: impl Fn(&mut VarPool<'_>, bool)) {
    for (guards, scrub) in [(false, false), (false, true), (true, false), (true, true)] {
        let mut mem = memory(4096);
        let mut pool = VarPool::new(Region::new(&mut mem)).unwrap();
        if guards {
            pool.enable_guards(0).unwrap();
        }
        pool.set_scrub(scrub);
        f(&mut pool, guards);
        pool.check().unwrap();
        assert_eq!(pool.verify_guards(), Ok(()));
        assert_eq!(
            pool.stats().free_blocks,
            1,
            "guards {guards}, scrub {scrub}"
        );
    }
}

#[test]
fn a_free_without_merging_writes_the_links_through_the_callers_pointer() {
    with_each_setting(|pool, _| {
        let ptrs: Vec<_> = (0..3).map(|_| pool.alloc(64, 8).unwrap()).collect();
        while_protected::<64, _>(pool, ptrs[1], |pool, p| pool.free(p)).unwrap();
        pool.check().unwrap();
        pool.free(ptrs[0]).unwrap();
        pool.free(ptrs[2]).unwrap();
    });
}

#[test]
fn a_free_merging_both_ways_writes_the_payload_through_the_callers_pointer() {
    with_each_setting(|pool, _| {
        let ptrs: Vec<_> = (0..4).map(|_| pool.alloc(64, 8).unwrap()).collect();
        pool.free(ptrs[0]).unwrap();
        // Merges with the free block before it.
        while_protected::<64, _>(pool, ptrs[1], |pool, p| pool.free(p)).unwrap();
        pool.check().unwrap();
        // Merges with the free blocks on both sides, unchecked.
        pool.free(ptrs[3]).unwrap();
        // SAFETY: `ptrs[2]` is live.
        while_protected::<64, _>(pool, ptrs[2], |pool, p| unsafe { pool.free_unchecked(p) });
    });
}

#[test]
fn a_shrink_in_place_writes_the_tail_through_the_callers_pointer() {
    with_each_setting(|pool, _| {
        let a = pool.alloc(64, 8).unwrap();
        // The block after is used, so the tail stays on its own.
        let b = pool.alloc(64, 8).unwrap();
        let a2 = while_protected::<64, _>(pool, a, |pool, p| pool.realloc(p, 8)).unwrap();
        assert_eq!(a2, a);
        pool.check().unwrap();
        // The tail merges with the free block after it.
        let b2 = while_protected::<64, _>(pool, b, |pool, p| pool.realloc(p, 1)).unwrap();
        assert_eq!(b2, b);
        pool.free(a).unwrap();
        pool.free(b).unwrap();
    });
}

#[test]
fn a_realloc_that_grows_or_moves_writes_the_payload_through_the_callers_pointer() {
    with_each_setting(|pool, _| {
        // Grows in place into the free block after it.
        let c = pool.alloc(64, 8).unwrap();
        let c2 = while_protected::<64, _>(pool, c, |pool, p| pool.realloc(p, 500)).unwrap();
        assert_eq!(c2, c);
        pool.check().unwrap();
        // Moves (the next block is used): the old block is freed.
        let d = pool.alloc(64, 8).unwrap();
        let e = pool.alloc(64, 8).unwrap();
        let d2 = while_protected::<64, _>(pool, d, |pool, p| pool.realloc(p, 1000)).unwrap();
        assert_ne!(d2, d);
        // SAFETY: the first 64 bytes were kept.
        assert_eq!(unsafe { d2.as_ptr().read() }, 0xA5);
        for p in [c, d2, e] {
            pool.free(p).unwrap();
        }
    });
}

#[test]
fn a_caller_reaching_less_than_the_usable_size_is_written_only_there() {
    // A pointer derived from a reference (or a `Box`) reaches only the
    // referent's bytes, here 60 of the 64 usable ones: the pool writes the
    // other 4 through its own pointer (Stacked Borrows rejects the
    // caller's there).
    with_each_setting(|pool, guards| {
        let size = if guards { 64 } else { 60 };
        let ptrs: Vec<_> = (0..4).map(|_| pool.alloc(size, 8).unwrap()).collect();
        // SAFETY: `ptrs[1]` is live and the pointer reaches 60 bytes.
        while_protected::<60, _>(pool, ptrs[1], |pool, p| unsafe {
            pool.free_unchecked_within(p, 60)
        });
        let a = while_protected::<60, _>(pool, ptrs[0], |pool, p| pool.realloc_within(p, 60, 8, G))
            .unwrap();
        assert_eq!(a, ptrs[0]);
        let c =
            while_protected::<60, _>(pool, ptrs[2], |pool, p| pool.realloc_within(p, 60, 1000, G))
                .unwrap();
        assert_ne!(c, ptrs[2]);
        // SAFETY: the first 60 bytes were kept.
        assert_eq!(unsafe { c.as_ptr().add(59).read() }, 0xA5);
        for p in [a, c, ptrs[3]] {
            pool.free(p).unwrap();
        }
    });
}
