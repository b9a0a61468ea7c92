use super::*;
use std::sync::atomic::AtomicBool;
use std::vec::Vec;

fn memory(bytes: usize) -> Vec<MaybeUninit<u8>> {
    std::vec![MaybeUninit::uninit(); bytes]
}

#[test]
fn blocks_are_aligned_distinct_and_in_bounds_at_every_skew() {
    let mut mem = memory(if cfg!(miri) { 512 } else { 2048 });
    for skew in 0..if cfg!(miri) { 4 } else { 16 } {
        for &(size, align) in &[(1, 1), (8, 8), (24, 8), (48, 16), (64, 64)] {
            let region = Region::new(&mut mem[skew..]);
            let range = region.addr_range();
            let pool = LockFreePool::new(region, size, align).unwrap();
            let blocks: Vec<_> = core::iter::from_fn(|| pool.alloc()).collect();
            assert_eq!(blocks.len(), pool.capacity());
            let stride = pool.block_size();
            assert!(stride >= size && stride % align == 0);
            for (i, b) in blocks.iter().enumerate() {
                let addr = b.as_ptr().addr();
                assert_eq!(addr % align, 0);
                assert!(range.start <= addr && addr + stride <= range.end);
                // Fresh blocks come in address order.
                assert_eq!(addr, blocks[0].as_ptr().addr() + i * stride);
            }
            // Nearly all of the region is used: at most one block and the
            // paddings are lost.
            let used = pool.capacity() * (stride + 4);
            assert!(
                used + stride + 4 + align + 4 > range.len(),
                "{size} {align} {skew}"
            );
        }
    }
}

#[test]
fn region_size_for_is_enough_at_every_skew() {
    let mut mem = memory(4096);
    for &(n, size, align) in &[(1, 8, 8), (10, 24, 8), (30, 48, 16), (7, 64, 64)] {
        let bytes = LockFreePool::region_size_for(n, size, align).unwrap();
        for skew in 0..64 {
            let pool =
                LockFreePool::new(Region::new(&mut mem[skew..skew + bytes]), size, align).unwrap();
            assert!(pool.capacity() >= n);
        }
    }
}

#[test]
fn bad_layouts_and_small_regions_are_refused() {
    let mut mem = memory(64);
    assert_eq!(
        LockFreePool::new(Region::new(&mut mem), 0, 8).unwrap_err(),
        RegionError::ZeroSize
    );
    assert_eq!(
        LockFreePool::new(Region::new(&mut mem), 8, 3).unwrap_err(),
        RegionError::BadAlignment { align: 3 }
    );
    assert_eq!(
        LockFreePool::new(Region::new(&mut mem), usize::MAX, 8).unwrap_err(),
        RegionError::TooLarge
    );
    assert!(matches!(
        LockFreePool::new(Region::new(&mut mem), 128, 8).unwrap_err(),
        RegionError::TooSmall { available: 64, .. }
    ));
    assert_eq!(
        LockFreePool::region_size_for(MAX_BLOCKS + 1, 8, 8),
        Err(RegionError::TooLarge)
    );
}

#[test]
fn bad_frees_get_exact_errors_and_change_nothing() {
    let mut mem = memory(1024);
    let mut other = memory(64);
    let pool = LockFreePool::new(Region::new(&mut mem), 32, 8).unwrap();
    let a = pool.alloc().unwrap();
    let b = pool.alloc().unwrap();
    let foreign = NonNull::new(other.as_mut_ptr().cast::<u8>()).unwrap();
    assert_eq!(pool.free(foreign), Err(FreeError::Foreign));
    // SAFETY: one byte past a block start stays inside the block.
    let interior = unsafe { a.add(5) };
    assert_eq!(pool.free(interior), Err(FreeError::Interior { offset: 5 }));
    // SAFETY: the third block is inside the block area.
    let never = unsafe { a.add(2 * pool.block_size()) };
    assert_eq!(pool.free(never), Err(FreeError::NeverAllocated));
    assert!(pool.contains(never) && !pool.is_allocated(never));
    assert_eq!(pool.count_allocated(), 2);

    pool.free(a).unwrap();
    assert_eq!(pool.free(a), Err(FreeError::DoubleFree));
    assert!(!pool.is_allocated(a) && pool.is_allocated(b));
    assert_eq!(pool.count_allocated(), 1);
    // The failed frees did not put anything on the stack twice: the next
    // allocation is `a`, then fresh blocks, never `a` again or `b`.
    assert_eq!(pool.alloc(), Some(a));
    let rest: Vec<_> = core::iter::from_fn(|| pool.alloc()).collect();
    assert_eq!(rest.len(), pool.capacity() - 2);
    assert!(!rest.contains(&a) && !rest.contains(&b));
}

#[test]
fn freed_blocks_come_back_last_in_first_out() {
    let mut mem = memory(1024);
    let pool = LockFreePool::new(Region::new(&mut mem), 16, 8).unwrap();
    let blocks: Vec<_> = (0..5).map(|_| pool.alloc().unwrap()).collect();
    for &b in &blocks {
        pool.free(b).unwrap();
    }
    for &b in blocks.iter().rev() {
        assert_eq!(pool.alloc(), Some(b));
    }
    // SAFETY: `blocks[0]` is handed out and freed once.
    unsafe { pool.free_unchecked(blocks[0]) };
    assert_eq!(pool.alloc(), Some(blocks[0]));
}

#[test]
fn exhaustion_returns_none_until_a_free() {
    let mut mem = memory(256);
    let pool = LockFreePool::new(Region::new(&mut mem), 64, 8).unwrap();
    let blocks: Vec<_> = core::iter::from_fn(|| pool.alloc()).collect();
    assert_eq!(pool.alloc(), None);
    pool.free(blocks[1]).unwrap();
    assert_eq!(pool.alloc(), Some(blocks[1]));
    assert_eq!(pool.alloc(), None);
}

#[test]
fn the_tag_moves_on_every_push_and_pop() {
    let mut mem = memory(256);
    let pool = LockFreePool::new(Region::new(&mut mem), 16, 8).unwrap();
    let a = pool.alloc().unwrap();
    let tag = |p: &LockFreePool<'_>| tag_of(p.head.load(Ordering::Relaxed));
    let before = tag(&pool);
    pool.free(a).unwrap();
    pool.alloc().unwrap();
    assert_eq!(tag(&pool), before.wrapping_add(2));
}

#[test]
fn a_wrapped_tag_still_works() {
    let mut mem = memory(256);
    let pool = LockFreePool::new(Region::new(&mut mem), 16, 8).unwrap();
    let a = pool.alloc().unwrap();
    pool.head.store(pack(u32::MAX, END), Ordering::Relaxed);
    pool.free(a).unwrap();
    assert_eq!(tag_of(pool.head.load(Ordering::Relaxed)), 0);
    assert_eq!(pool.alloc(), Some(a));
}

/// Threads allocate, stamp each block with their own pattern, check it,
/// and free it; a block handed out twice would show another thread's
/// stamp, or trip the ownership flag.
#[test]
fn threads_never_share_a_block() {
    let (threads, rounds, blocks) = if cfg!(miri) {
        (3, 20, 4)
    } else {
        (4, 20_000, 16)
    };
    let mut mem = memory(LockFreePool::region_size_for(blocks, 64, 8).unwrap());
    let pool = LockFreePool::new(Region::new(&mut mem), 64, 8).unwrap();
    let owned: Vec<AtomicBool> = (0..pool.capacity())
        .map(|_| AtomicBool::new(false))
        .collect();
    let base = pool.blocks.as_ptr().addr();
    std::thread::scope(|s| {
        for t in 0..threads {
            let (pool, owned) = (&pool, &owned);
            s.spawn(move || {
                let mut held = Vec::new();
                for r in 0..rounds {
                    // Hold up to three blocks at a time, so the stack churns.
                    if held.len() < 3 {
                        if let Some(block) = pool.alloc() {
                            let i = (block.as_ptr().addr() - base) / pool.block_size();
                            assert!(
                                !owned[i].swap(true, Ordering::Relaxed),
                                "block {i} handed out twice"
                            );
                            let stamp = (t as u64) << 32 | r as u64;
                            // SAFETY: the block is ours, 64 bytes, aligned to 8.
                            unsafe { block.cast::<[u64; 8]>().write([stamp; 8]) };
                            held.push((block, i, stamp));
                        }
                    }
                    if held.len() == 3 || (r % 2 == 1 && !held.is_empty()) {
                        let (block, i, stamp) = held.remove(0);
                        // SAFETY: as above, and written by this thread.
                        assert_eq!(unsafe { block.cast::<[u64; 8]>().read() }, [stamp; 8]);
                        owned[i].store(false, Ordering::Relaxed);
                        pool.free(block).unwrap();
                    }
                }
                for (block, i, _) in held {
                    owned[i].store(false, Ordering::Relaxed);
                    pool.free(block).unwrap();
                }
            });
        }
    });
    assert_eq!(pool.count_allocated(), 0);
    let all: Vec<_> = core::iter::from_fn(|| pool.alloc()).collect();
    assert_eq!(all.len(), pool.capacity());
    let mut sorted: Vec<_> = all.iter().map(|b| b.as_ptr().addr()).collect();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), pool.capacity(), "every block exactly once");
}

/// Two threads free the same block at once: exactly one succeeds.
#[test]
fn concurrent_double_free_has_one_winner() {
    let rounds = if cfg!(miri) { 10 } else { 2_000 };
    let mut mem = memory(256);
    let pool = LockFreePool::new(Region::new(&mut mem), 16, 8).unwrap();
    for _ in 0..rounds {
        let block = pool.alloc().unwrap();
        let results: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    let pool = &pool;
                    // Raw pointers are not `Send`; pass the address.
                    let addr = block.as_ptr().addr();
                    s.spawn(move || {
                        let ptr = pool
                            .blocks
                            .with_addr(core::num::NonZeroUsize::new(addr).unwrap());
                        pool.free(ptr)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let wins = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(wins, 1, "{results:?}");
        assert!(results.contains(&Err(FreeError::DoubleFree)));
    }
    assert_eq!(pool.count_allocated(), 0);
}
