use super::*;
use std::vec::Vec;

#[test]
fn requests_map_to_the_smallest_class_that_fits_unless_over_aligned() {
    let l = |size, align| Layout::from_size_align(size, align).unwrap();
    assert_eq!(class_of(l(1, 1)), Some(0));
    assert_eq!(class_of(l(16, 8)), Some(0));
    assert_eq!(class_of(l(17, 1)), Some(1));
    assert_eq!(class_of(l(8, 16)), Some(0));
    assert_eq!(class_of(l(33, 16)), Some(2));
    assert_eq!(class_of(l(256, 16)), Some(4));
    // More aligned than the classes: the `VarPool`.
    assert_eq!(class_of(l(8, 32)), None);
    assert_eq!(class_of(l(256, 256)), None);
    assert_eq!(class_of(l(257, 1)), None);
    assert_eq!(CLASSES, 5);
}

#[test]
fn allocations_are_aligned_disjoint_and_counted() {
    static MEMORY: StaticRegion<{ 64 * 1024 }> = StaticRegion::new();
    let pool: GlobalPool64K = GlobalPool::new(&MEMORY);
    let mut live: Vec<(*mut u8, Layout)> = Vec::new();
    for (i, &(size, align)) in [
        (1, 1),
        (24, 8),
        (100, 16),
        (256, 256),
        (300, 8),
        (40, 64),
        (2000, 128),
    ]
    .iter()
    .cycle()
    .take(70)
    .enumerate()
    {
        let layout = Layout::from_size_align(size, align).unwrap();
        // SAFETY: non-zero size.
        let p = unsafe { pool.alloc(layout) };
        assert!(!p.is_null(), "{size} {align}");
        assert_eq!(p.addr() % align, 0);
        // SAFETY: the block is ours and `size` bytes long.
        unsafe { p.write_bytes(i as u8, size) };
        for &(q, l) in &live {
            assert!(p.addr() + size <= q.addr() || q.addr() + l.size() <= p.addr());
        }
        live.push((p, layout));
    }
    let requested: usize = live.iter().map(|(_, l)| l.size()).sum();
    assert_eq!(pool.stats().in_use, requested);
    for (i, &(p, l)) in live.iter().enumerate() {
        // SAFETY: the block is live and was filled with `i`.
        let bytes = unsafe { core::slice::from_raw_parts(p, l.size()) };
        assert!(bytes.iter().all(|&b| b == i as u8));
        // SAFETY: allocated with `l`, freed once.
        unsafe { pool.dealloc(p, l) };
    }
    let stats = pool.stats();
    assert_eq!(
        (
            stats.in_use,
            stats.high_water,
            stats.allocations,
            stats.frees,
            stats.failures
        ),
        (0, requested, 70, 70, 0)
    );
}

#[test]
fn exhaustion_returns_null_counts_a_failure_and_recovers() {
    static MEMORY: StaticRegion<4096> = StaticRegion::new();
    let pool: GlobalPool<4096> = GlobalPool::new(&MEMORY);
    let layout = Layout::from_size_align(1000, 8).unwrap();
    // SAFETY: non-zero sizes; blocks freed with their layouts.
    unsafe {
        let blocks: Vec<_> =
            core::iter::from_fn(|| Some(pool.alloc(layout)).filter(|p| !p.is_null())).collect();
        assert!((2..=4).contains(&blocks.len()), "{}", blocks.len());
        // The allocation that ended the loop failed, and so does this one.
        assert!(pool.alloc(layout).is_null());
        assert_eq!(pool.stats().failures, 2);
        pool.dealloc(blocks[0], layout);
        let again = pool.alloc(layout);
        assert_eq!(again, blocks[0]);
    }
}

#[test]
fn realloc_keeps_contents_within_and_across_engines() {
    static MEMORY: StaticRegion<{ 16 * 1024 }> = StaticRegion::new();
    let pool: GlobalPool<{ 16 * 1024 }> = GlobalPool::new(&MEMORY);
    let layout = Layout::from_size_align(10, 4).unwrap();
    // SAFETY: each pointer is live with the layout it is passed with.
    unsafe {
        let p = pool.alloc(layout);
        p.copy_from_nonoverlapping(b"0123456789".as_ptr(), 10);
        // Same class (16 bytes): in place.
        let q = pool.realloc(p, layout, 14);
        assert_eq!(q, p);
        // Class to VarPool and back.
        let r = pool.realloc(q, Layout::from_size_align(14, 4).unwrap(), 2000);
        assert!(!r.is_null());
        assert_eq!(core::slice::from_raw_parts(r, 10), b"0123456789");
        let s = pool.realloc(r, Layout::from_size_align(2000, 4).unwrap(), 3000);
        assert_eq!(core::slice::from_raw_parts(s, 10), b"0123456789");
        let t = pool.realloc(s, Layout::from_size_align(3000, 4).unwrap(), 8);
        assert_eq!(core::slice::from_raw_parts(t, 8), b"01234567");
        // Too large: null, and the old block stays.
        let u = pool.realloc(t, Layout::from_size_align(8, 4).unwrap(), 1 << 20);
        assert!(u.is_null());
        assert_eq!(core::slice::from_raw_parts(t, 8), b"01234567");
        pool.dealloc(t, Layout::from_size_align(8, 4).unwrap());
    }
    let stats = pool.stats();
    assert_eq!(
        (stats.in_use, stats.allocations, stats.frees, stats.failures),
        (0, 1, 1, 1)
    );
    assert_eq!(stats.high_water, 3000);
}

#[test]
fn a_region_taken_elsewhere_makes_every_allocation_fail() {
    static MEMORY: StaticRegion<1024> = StaticRegion::new();
    let _taken = MEMORY.take().unwrap();
    let pool: GlobalPool1K = GlobalPool::new(&MEMORY);
    // SAFETY: non-zero size.
    assert!(unsafe { pool.alloc(Layout::new::<u64>()) }.is_null());
    assert_eq!(pool.stats().failures, 1);
    assert!(std::format!("{pool:?}").contains("failures: 1"));
}

#[test]
fn threads_share_a_global_pool() {
    static MEMORY: StaticRegion<{ 64 * 1024 }> = StaticRegion::new();
    static POOL: GlobalPool64K = GlobalPool::new(&MEMORY);
    let rounds = if cfg!(miri) { 20 } else { 2000 };
    std::thread::scope(|s| {
        for t in 0..2u8 {
            s.spawn(move || {
                for r in 0..rounds {
                    let size = 1 + (r * 37 + t as usize * 11) % 600;
                    let layout = Layout::from_size_align(size, 8).unwrap();
                    // SAFETY: non-zero size; freed with its layout.
                    unsafe {
                        let p = POOL.alloc(layout);
                        assert!(!p.is_null());
                        p.write_bytes(t, size);
                        assert!(core::slice::from_raw_parts(p, size).iter().all(|&b| b == t));
                        POOL.dealloc(p, layout);
                    }
                }
            });
        }
    });
    let stats = POOL.stats();
    assert_eq!(
        (stats.in_use, stats.allocations, stats.frees),
        (0, 2 * rounds, 2 * rounds)
    );
}

#[test]
fn a_small_heap_serves_most_of_its_bytes() {
    static MEMORY: StaticRegion<5120> = StaticRegion::new();
    let pool: GlobalPool<5120> = GlobalPool::new(&MEMORY);
    let mut live = Vec::new();
    for (size, align) in [
        (8, 8),
        (240, 4),
        (140, 8),
        (232, 8),
        (232, 8),
        (24, 8),
        (1000, 8),
    ] {
        let layout = Layout::from_size_align(size, align).unwrap();
        // SAFETY: non-zero size.
        let p = unsafe { pool.alloc(layout) };
        assert!(!p.is_null(), "{size} after {:?}", pool.stats());
        live.push((p, layout));
    }
    for (p, layout) in live {
        // SAFETY: allocated above with `layout`.
        unsafe { pool.dealloc(p, layout) };
    }
    assert_eq!(pool.stats().in_use, 0);
}
