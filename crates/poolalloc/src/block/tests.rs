use super::*;
use crate::error::CheckError;
use std::boxed::Box;
use std::collections::BTreeSet;
use std::vec::Vec;

fn memory(len: usize) -> Box<[MaybeUninit<u8>]> {
    Box::new_uninit_slice(len)
}

fn drain(pool: &mut BlockPool<'_>) -> Vec<NonNull<u8>> {
    core::iter::from_fn(|| pool.alloc()).collect()
}

#[test]
fn layout_is_rounded_to_alignment_and_link() {
    let mut mem = memory(4096);
    // (size, align) -> (stride, alignment) on 64-bit and on 32-bit targets.
    type Pair = (usize, usize);
    let cases: [(Pair, Pair, Pair); 8] = [
        ((1, 1), (8, 8), (4, 4)),
        ((3, 2), (8, 8), (4, 4)),
        ((8, 8), (8, 8), (8, 8)),
        ((9, 8), (16, 8), (16, 8)),
        ((24, 16), (32, 16), (32, 16)),
        ((64, 64), (64, 64), (64, 64)),
        ((65, 64), (128, 64), (128, 64)),
        ((100, 4), (104, 8), (100, 4)),
    ];
    for ((size, align), on64, on32) in cases {
        let pool = BlockPool::new(Region::new(&mut mem), size, align).unwrap();
        let expected = if size_of::<usize>() == 8 { on64 } else { on32 };
        assert_eq!(
            (pool.block_size(), pool.block_align()),
            expected,
            "{size} {align}"
        );
    }
}

#[test]
fn every_block_is_aligned_whatever_the_region_start() {
    let mut mem = memory(2048 + 64);
    for skew in (0..64).step_by(if cfg!(miri) { 7 } else { 1 }) {
        for align in [1, 2, 8, 16, 32, 64] {
            let mut pool =
                BlockPool::new(Region::new(&mut mem[skew..skew + 2048]), 40, align).unwrap();
            let range = pool.segments_range();
            let blocks = drain(&mut pool);
            assert_eq!(blocks.len(), pool.capacity());
            assert!(!blocks.is_empty());
            for block in &blocks {
                let addr = block.as_ptr().addr();
                assert_eq!(addr % pool.block_align(), 0);
                assert!(range.contains(&addr) && addr + pool.block_size() <= range.end);
            }
            pool.check().unwrap();
        }
    }
}

impl BlockPool<'_> {
    /// The address range of the only region.
    fn segments_range(&self) -> core::ops::Range<usize> {
        // SAFETY: the pool has one live segment.
        let seg = unsafe { &*self.segments };
        seg.region_start..seg.region_end
    }
}

#[test]
fn blocks_are_distinct_and_writable_and_reused_lifo() {
    let mut mem = memory(4096);
    let mut pool = BlockPool::new(Region::new(&mut mem), 32, 8).unwrap();
    let blocks = drain(&mut pool);
    let stride = pool.block_size();
    for (i, b) in blocks.iter().enumerate() {
        // SAFETY: each block is ours and `stride` bytes long.
        unsafe { b.as_ptr().write_bytes(i as u8, stride) };
    }
    for (i, b) in blocks.iter().enumerate() {
        // SAFETY: as above; the bytes were written just now.
        let bytes = unsafe { core::slice::from_raw_parts(b.as_ptr(), stride) };
        assert!(
            bytes.iter().all(|&x| x == i as u8),
            "block {i} was overwritten"
        );
    }
    let distinct: BTreeSet<_> = blocks.iter().map(|b| b.as_ptr().addr()).collect();
    assert_eq!(distinct.len(), blocks.len());
    assert_eq!(pool.alloc(), None);

    pool.free(blocks[3]).unwrap();
    pool.free(blocks[7]).unwrap();
    assert_eq!(pool.alloc(), Some(blocks[7]));
    assert_eq!(pool.alloc(), Some(blocks[3]));
    pool.check().unwrap();
}

#[test]
fn creation_touches_no_block() {
    // Under Miri, reading an uninitialised block would be reported; here we
    // check that a large pool is usable at once and hands out in order.
    let len = if cfg!(miri) { 1 << 14 } else { 1 << 20 };
    let mut mem = memory(len);
    let mut pool = BlockPool::new(Region::new(&mut mem), 8, 8).unwrap();
    assert!(pool.capacity() > len / 9);
    let a = pool.alloc().unwrap();
    let b = pool.alloc().unwrap();
    assert_eq!(b.as_ptr().addr() - a.as_ptr().addr(), 8);
    pool.check().unwrap();
}

#[test]
fn checked_free_refuses_bad_pointers_without_touching_the_pool() {
    let mut mem = memory(1024);
    let mut other = memory(64);
    let mut pool = BlockPool::new(Region::new(&mut mem), 24, 8).unwrap();
    let a = pool.alloc().unwrap();
    let b = pool.alloc().unwrap();
    let before = (pool.len(), pool.stats());

    let foreign = NonNull::new(other.as_mut_ptr().cast::<u8>()).unwrap();
    assert_eq!(pool.free(foreign), Err(FreeError::Foreign));
    for offset in 1..pool.block_size() {
        // SAFETY: the offset stays inside block `a`.
        let interior = unsafe { a.add(offset) };
        assert_eq!(pool.free(interior), Err(FreeError::Interior { offset }));
    }
    // SAFETY: two blocks further on is still inside the block area.
    let fresh = unsafe { b.add(2 * pool.block_size()) };
    assert_eq!(pool.free(fresh), Err(FreeError::NeverAllocated));
    assert_eq!((pool.len(), pool.stats()), before);
    pool.check().unwrap();

    pool.free(a).unwrap();
    let after_one = pool.stats();
    assert_eq!(pool.free(a), Err(FreeError::DoubleFree));
    assert_eq!(pool.stats(), after_one);
    pool.check().unwrap();
    // The double free did not put `a` on the free list twice.
    assert_eq!(pool.alloc(), Some(a));
    let c = pool.alloc().unwrap();
    assert_ne!(c, a);
    assert_ne!(c, b);
}

#[test]
fn pointer_just_past_the_block_area_is_foreign() {
    let mut mem = memory(512);
    let mut pool = BlockPool::new(Region::new(&mut mem), 16, 16).unwrap();
    let blocks = drain(&mut pool);
    let last = *blocks.last().unwrap();
    // SAFETY: one block past the last block is at most the region's end.
    let past = unsafe { last.add(pool.block_size()) };
    assert_eq!(pool.free(past), Err(FreeError::Foreign));
    assert!(!pool.contains(past));
}

#[test]
fn contains_and_is_allocated() {
    let mut mem = memory(512);
    let mut pool = BlockPool::new(Region::new(&mut mem), 16, 8).unwrap();
    let a = pool.alloc().unwrap();
    // SAFETY: inside block `a`.
    let inside = unsafe { a.add(1) };
    assert!(pool.contains(a) && pool.is_allocated(a));
    assert!(!pool.contains(inside) && !pool.is_allocated(inside));
    // SAFETY: the next block, never handed out.
    let next = unsafe { a.add(pool.block_size()) };
    assert!(pool.contains(next) && !pool.is_allocated(next));
    pool.free(a).unwrap();
    assert!(pool.contains(a) && !pool.is_allocated(a));
}

#[test]
fn bad_layouts_are_refused() {
    let mut mem = memory(256);
    assert_eq!(
        BlockPool::new(Region::new(&mut mem), 0, 8).unwrap_err(),
        RegionError::ZeroSize
    );
    assert_eq!(
        BlockPool::new(Region::new(&mut mem), 8, 0).unwrap_err(),
        RegionError::BadAlignment { align: 0 }
    );
    assert_eq!(
        BlockPool::new(Region::new(&mut mem), 8, 24).unwrap_err(),
        RegionError::BadAlignment { align: 24 }
    );
    assert_eq!(
        BlockPool::new(Region::new(&mut mem), usize::MAX, 8).unwrap_err(),
        RegionError::TooLarge
    );
    assert_eq!(
        BlockPool::new(Region::new(&mut mem), isize::MAX as usize + 1, 1).unwrap_err(),
        RegionError::TooLarge
    );
    assert!(matches!(
        BlockPool::new(Region::new(&mut mem), 512, 8).unwrap_err(),
        RegionError::TooSmall { available: 256, .. }
    ));
    assert!(matches!(
        BlockPool::new(Region::new(&mut mem), 8, 512).unwrap_err(),
        RegionError::TooSmall { available: 256, .. }
    ));
    assert!(matches!(
        BlockPool::new(Region::empty(), 8, 8).unwrap_err(),
        RegionError::TooSmall { available: 0, .. }
    ));
    assert_eq!(
        BlockPool::region_size_for(usize::MAX, 8, 8),
        Err(RegionError::TooLarge)
    );
}

#[test]
fn region_size_for_is_enough_whatever_the_start() {
    let mut mem = memory(16384);
    for &(blocks, size, align) in &[
        (1, 8, 8),
        (63, 24, 8),
        (64, 24, 8),
        (65, 100, 32),
        (200, 8, 64),
    ] {
        let need = BlockPool::region_size_for(blocks, size, align).unwrap();
        for skew in (0..16).step_by(if cfg!(miri) { 5 } else { 1 }) {
            let pool =
                BlockPool::new(Region::new(&mut mem[skew..skew + need]), size, align).unwrap();
            assert!(pool.capacity() >= blocks, "{blocks} {size} {align} {skew}");
        }
    }
}

#[test]
fn exhaustion_counts_failures_and_recovers() {
    let mut mem = memory(256);
    let mut pool = BlockPool::new(Region::new(&mut mem), 32, 8).unwrap();
    let blocks = drain(&mut pool);
    assert!(pool.is_full());
    assert_eq!(pool.alloc(), None);
    assert_eq!(pool.alloc_zeroed(), None);
    let stats = pool.stats();
    assert_eq!(stats.failed_allocations, 3, "drain's final None plus two");
    assert_eq!(
        (stats.in_use, stats.high_water),
        (blocks.len(), blocks.len())
    );
    pool.free(blocks[0]).unwrap();
    assert_eq!(pool.alloc(), Some(blocks[0]));
}

#[test]
fn alloc_zeroed_zeroes_a_reused_block() {
    let mut mem = memory(256);
    let mut pool = BlockPool::new(Region::new(&mut mem), 32, 8).unwrap();
    let a = pool.alloc().unwrap();
    // SAFETY: the block is ours.
    unsafe { a.as_ptr().write_bytes(0xFF, 32) };
    pool.free(a).unwrap();
    let z = pool.alloc_zeroed().unwrap();
    assert_eq!(z, a);
    // SAFETY: the block is ours and was just zeroed.
    let bytes = unsafe { core::slice::from_raw_parts(z.as_ptr(), 32) };
    assert!(bytes.iter().all(|&b| b == 0));
}

#[test]
fn reset_frees_everything_and_rebumps() {
    let mut mem = memory(1024);
    let mut pool = BlockPool::new(Region::new(&mut mem), 16, 8).unwrap();
    let first = drain(&mut pool);
    pool.free(first[2]).unwrap();
    pool.reset();
    assert_eq!((pool.len(), pool.stats().high_water), (0, 0));
    pool.check().unwrap();
    assert_eq!(pool.free(first[0]), Err(FreeError::NeverAllocated));
    let second = drain(&mut pool);
    assert_eq!(
        first, second,
        "after reset blocks come in address order again"
    );
    pool.check().unwrap();
}

#[test]
fn add_region_grows_and_refuses_overlap() {
    let mut mem = memory(3 * 512);
    let base = mem.as_mut_ptr().cast::<u8>();
    let (a, rest) = mem.split_at_mut(512);
    let (b, c) = rest.split_at_mut(512);
    let mut pool = BlockPool::new(Region::new(c), 16, 8).unwrap();
    let cap_c = pool.capacity();
    pool.add_region(Region::new(a)).unwrap();
    assert_eq!(pool.region_count(), 2);
    // A region straddling `a` and `b` cannot be added.
    // SAFETY: the bytes are in bounds of `mem`; the region is never
    // accessed: the pool refuses it before touching it.
    let overlap =
        unsafe { Region::from_raw_parts(NonNull::new(base.wrapping_add(500)).unwrap(), 64) };
    assert_eq!(pool.add_region(overlap), Err(RegionError::Overlap));
    pool.add_region(Region::new(b)).unwrap();
    assert_eq!(pool.region_count(), 3);
    assert!(pool.capacity() > 2 * cap_c);
    let blocks = drain(&mut pool);
    assert_eq!(blocks.len(), pool.capacity());
    pool.check().unwrap();
    // Iteration is in address order across regions.
    let iterated: Vec<_> = pool.iter_allocated().collect();
    let mut sorted = blocks.clone();
    sorted.sort();
    assert_eq!(iterated, sorted);
    for (i, block) in blocks.iter().enumerate() {
        if i % 3 == 0 {
            pool.free(*block).unwrap();
        }
    }
    pool.check().unwrap();
    let live: Vec<_> = pool.iter_allocated().collect();
    let expected: Vec<_> = sorted
        .iter()
        .copied()
        .filter(|b| pool.is_allocated(*b))
        .collect();
    assert_eq!(live, expected);
    assert_eq!(live.len(), pool.len());
}

#[test]
fn empty_pool_refuses_everything_until_given_a_region() {
    let mut mem = memory(256);
    let mut pool: BlockPool<'_> = BlockPool::empty(16, 8).unwrap();
    assert_eq!(pool.alloc(), None);
    let p = NonNull::new(mem.as_mut_ptr().cast::<u8>()).unwrap();
    assert_eq!(pool.free(p), Err(FreeError::Foreign));
    assert!(!pool.contains(p));
    pool.check().unwrap();
    pool.add_region(Region::new(&mut mem)).unwrap();
    assert!(pool.alloc().is_some());
}

#[test]
fn iteration_stops_early_and_covers_word_edges() {
    let mut mem = memory(8 * 300 + 512);
    let mut pool = BlockPool::new(Region::new(&mut mem), 8, 8).unwrap();
    let blocks: Vec<_> = (0..200).map(|_| pool.alloc().unwrap()).collect();
    for (i, b) in blocks.iter().enumerate() {
        if i % 2 == 1 || i == 64 || i == 127 {
            pool.free(*b).unwrap();
        }
    }
    let expect: Vec<_> = blocks
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 2 == 0 && *i != 64)
        .map(|(_, b)| *b)
        .collect();
    assert_eq!(pool.iter_allocated().collect::<Vec<_>>(), expect);
    let mut n = 0;
    let r = pool.for_each_allocated(|_| {
        n += 1;
        if n == 40 {
            core::ops::ControlFlow::Break(n)
        } else {
            core::ops::ControlFlow::Continue(())
        }
    });
    assert_eq!(r, core::ops::ControlFlow::Break(40));
}

#[test]
fn counters_off_report_no_high_water_or_failures() {
    let mut mem = memory(256);
    let mut pool = BlockPool::<'_, false>::with_counters(Region::new(&mut mem), 16, 8).unwrap();
    let blocks: Vec<_> = core::iter::from_fn(|| pool.alloc()).collect();
    pool.free(blocks[0]).unwrap();
    let s = pool.stats();
    let n = blocks.len();
    // Allocations and frees cost nothing to count, so they are kept.
    assert_eq!(
        (s.allocations, s.frees, s.in_use, s.capacity),
        (n as u64, 1, n - 1, n)
    );
    assert_eq!((s.high_water, s.failed_allocations), (0, 0));
}

#[test]
fn high_water_follows_the_bump_cursor_through_rewinds_and_resets() {
    let mut mem = memory(4096);
    let mut pool = BlockPool::new(Region::new(&mut mem), 16, 8).unwrap();
    let blocks: Vec<_> = (0..100).map(|_| pool.alloc().unwrap()).collect();
    assert_eq!(pool.stats().high_water, 100);
    // Emptying the pool after more than 64 blocks rewinds its cursors; the
    // mark stays.
    for &b in &blocks {
        pool.free(b).unwrap();
    }
    assert_eq!((pool.stats().high_water, pool.len()), (100, 0));
    let again: Vec<_> = (0..101).map(|_| pool.alloc().unwrap()).collect();
    assert_eq!(pool.stats().high_water, 101);
    pool.free(again[3]).unwrap();
    pool.alloc().unwrap();
    assert_eq!(pool.stats().high_water, 101);
    pool.reset();
    assert_eq!(pool.stats().high_water, 0);
    pool.alloc().unwrap();
    let s = pool.stats();
    assert_eq!(
        (s.high_water, s.allocations, s.frees, s.in_use),
        (1, 100 + 101 + 1 + 1, 100 + 1, 1)
    );
}

#[test]
fn check_detects_corruption() {
    let mut mem = memory(512);
    let mut pool = BlockPool::new(Region::new(&mut mem), 16, 8).unwrap();
    let a = pool.alloc().unwrap();
    let b = pool.alloc().unwrap();
    pool.free(a).unwrap();
    pool.free(b).unwrap();
    pool.check().unwrap();
    // A use-after-free that overwrites the link of `b` (head) to point at itself.
    // SAFETY: the test deliberately corrupts a free block it knows is there;
    // the pool's memory stays valid.
    unsafe { b.as_ptr().cast::<*mut u8>().write(b.as_ptr()) };
    assert_eq!(pool.check(), Err(CheckError::FreeListCycle));
    // SAFETY: as above: a link into the middle of a block.
    unsafe {
        b.as_ptr()
            .cast::<*mut u8>()
            .write(a.as_ptr().wrapping_add(1))
    };
    assert_eq!(
        pool.check(),
        Err(CheckError::FreeListMisaligned {
            addr: a.as_ptr().addr() + 1
        })
    );
    // SAFETY: restore the original link.
    unsafe { b.as_ptr().cast::<*mut u8>().write(a.as_ptr()) };
    pool.check().unwrap();
}

#[test]
fn stats_track_allocations() {
    let mut mem = memory(1024);
    let mut pool = BlockPool::new(Region::new(&mut mem), 16, 8).unwrap();
    let blocks: Vec<_> = (0..10).map(|_| pool.alloc().unwrap()).collect();
    for b in &blocks[..4] {
        pool.free(*b).unwrap();
    }
    // SAFETY: the last block is live and ours.
    unsafe { pool.free_unchecked(blocks[9]) };
    let s = pool.stats();
    assert_eq!(
        (
            s.in_use,
            s.high_water,
            s.allocations,
            s.frees,
            s.failed_allocations
        ),
        (5, 10, 10, 5, 0)
    );
    assert!(std::format!("{s}").starts_with("in use 5/"));
}

#[test]
fn an_emptied_pool_rewinds_and_still_knows_its_freed_blocks() {
    let mut mem = memory(8 * 1024);
    let mut pool = BlockPool::new(Region::new(&mut mem), 16, 8).unwrap();
    let blocks: Vec<_> = (0..100).map(|_| pool.alloc().unwrap()).collect();
    for b in blocks.iter().rev() {
        pool.free(*b).unwrap();
    }
    pool.check().unwrap();
    // Rewound: allocation restarts at the first block, in address order.
    assert_eq!(pool.alloc(), Some(blocks[0]));
    assert_eq!(pool.alloc(), Some(blocks[1]));
    // A block freed before the rewind is still reported as a double free,
    // and one never handed out as such.
    assert_eq!(pool.free(blocks[50]), Err(FreeError::DoubleFree));
    // SAFETY: 200 blocks on is still inside the 8 KiB region.
    let fresh = unsafe { blocks[0].add(200 * pool.block_size()) };
    assert_eq!(pool.free(fresh), Err(FreeError::NeverAllocated));
    assert!(!pool.is_allocated(blocks[50]));
    pool.check().unwrap();
    let s = pool.stats();
    assert_eq!(
        (s.allocations, s.frees, s.in_use, s.high_water),
        (102, 100, 2, 100)
    );
}

#[test]
fn a_pool_cycling_few_blocks_or_told_not_to_rewind_reuses_the_last_freed() {
    let mut mem = memory(8 * 1024);
    let mut pool = BlockPool::new(Region::new(&mut mem), 16, 8).unwrap();
    let few: Vec<_> = (0..10).map(|_| pool.alloc().unwrap()).collect();
    for b in &few {
        pool.free(*b).unwrap();
    }
    assert_eq!(
        pool.alloc(),
        Some(few[9]),
        "10 blocks handed out: no rewind"
    );
    pool.free(few[9]).unwrap();

    pool.set_rewind_when_empty(false);
    let many: Vec<_> = (0..100).map(|_| pool.alloc().unwrap()).collect();
    for b in &many {
        pool.free(*b).unwrap();
    }
    assert_eq!(pool.alloc(), Some(many[99]));
    pool.check().unwrap();
}

#[test]
fn reset_with_live_blocks_keeps_counts_consistent() {
    let mut mem = memory(1024);
    let mut pool = BlockPool::new(Region::new(&mut mem), 16, 8).unwrap();
    let a = pool.alloc().unwrap();
    let _b = pool.alloc().unwrap();
    pool.free(a).unwrap();
    pool.reset();
    let _c = pool.alloc().unwrap();
    let s = pool.stats();
    assert_eq!((s.allocations, s.frees, s.in_use), (3, 1, 1));
}
