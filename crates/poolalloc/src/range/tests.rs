use super::*;
use crate::error::CheckError;
use std::format;
use std::string::String;
use std::vec;
use std::vec::Vec;

/// A small deterministic generator (xorshift64*), so tests need no crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

fn scaled(n: usize) -> usize {
    // Miri runs `check()`, which reads every size bin, a thousand times
    // slower: a few dozen steps per test.
    if cfg!(miri) { n.div_ceil(100) } else { n }
}

/// Whether a randomised test checks the whole pool after step `step`:
/// always natively; under Miri every eighth step and the last (`check()`
/// is safe code reading every size bin, and the point of running these
/// tests under Miri is the pool's operations).
fn check_after(step: usize, steps: usize) -> bool {
    !cfg!(miri) || step % 8 == 7 || step + 1 == steps
}

#[cfg(feature = "alloc")]
fn growing(len: usize, granularity: usize) -> RangePool<Vec<Node>> {
    RangePool::new(len, granularity, Vec::new()).unwrap()
}

fn map<S: NodeStorage>(pool: &RangePool<S>) -> Vec<(usize, usize, bool)> {
    pool.ranges().map(|r| (r.offset, r.size, r.used)).collect()
}

fn dump<S: NodeStorage>(pool: &RangePool<S>) -> String {
    let mut text = String::new();
    pool.dump(&mut text).unwrap();
    text
}

#[test]
fn creation_refuses_bad_parameters() {
    let mut nodes = [Node::EMPTY; 4];
    for granularity in [0, 3, 6, 24, usize::MAX] {
        assert_eq!(
            RangePool::new(64, granularity, &mut nodes[..]).unwrap_err(),
            RangeError::BadGranularity { granularity }
        );
    }
    for (len, granularity) in [(0, 1), (0, 8), (12, 8), (1, 2)] {
        assert_eq!(
            RangePool::new(len, granularity, &mut nodes[..]).unwrap_err(),
            RangeError::BadLength { len, granularity }
        );
    }
    assert_eq!(
        RangePool::new(64, 1, &mut [][..]).unwrap_err(),
        RangeError::NodesExhausted
    );
    let pool = RangePool::new(usize::MAX, 1, [Node::EMPTY; 1]).unwrap();
    assert_eq!(map(&pool), [(0, usize::MAX, false)]);
    pool.check().unwrap();
    let pool = RangePool::new(1 << 20, 1 << 20, [Node::EMPTY; 1]).unwrap();
    assert_eq!(map(&pool), [(0, 1 << 20, false)]);
}

#[test]
fn a_fresh_pool_is_one_free_range() {
    let pool = RangePool::new(4096, 16, [Node::EMPTY; 8]).unwrap();
    assert_eq!(map(&pool), [(0, 4096, false)]);
    assert_eq!((pool.capacity(), pool.granularity()), (4096, 16));
    assert_eq!((pool.len(), pool.in_use(), pool.available()), (0, 0, 4096));
    assert!(pool.is_empty());
    assert_eq!((pool.node_capacity(), pool.nodes_in_use()), (8, 1));
    let stats = pool.stats();
    assert_eq!(
        (
            stats.capacity,
            stats.free,
            stats.largest_free,
            stats.free_blocks
        ),
        (4096, 4096, 4096, 1)
    );
    pool.check().unwrap();
}

#[test]
fn sizes_round_up_to_the_granularity_and_zero_gets_one_granule() {
    let mut pool = RangePool::new(1024, 16, [Node::EMPTY; 16]).unwrap();
    let a = pool.alloc(1, 1).unwrap();
    let b = pool.alloc(16, 1).unwrap();
    let c = pool.alloc(17, 1).unwrap();
    let z1 = pool.alloc(0, 1).unwrap();
    let z2 = pool.alloc(0, 1).unwrap();
    let sizes: Vec<_> = [a, b, c, z1, z2]
        .iter()
        .map(|a| (a.offset(), a.size()))
        .collect();
    assert_eq!(sizes, [(0, 16), (16, 16), (32, 32), (64, 16), (80, 16)]);
    assert_ne!(z1.offset(), z2.offset());
    assert_eq!(z1.range(), 64..80);
    assert_eq!(z1.end(), 80);
    assert_eq!(pool.in_use(), 96);
    pool.check().unwrap();

    // Granularity 1 is byte-exact.
    let mut exact = RangePool::new(10, 1, [Node::EMPTY; 8]).unwrap();
    let sizes: Vec<_> = [3, 0, 6]
        .iter()
        .map(|&size| exact.alloc(size, 1).unwrap().size())
        .collect();
    assert_eq!(sizes, [3, 1, 6]);
    assert_eq!(exact.available(), 0);
}

#[test]
fn too_large_requests_are_refused_exactly() {
    let mut pool = RangePool::new(1024, 8, [Node::EMPTY; 8]).unwrap();
    for size in [
        1025,
        1031,
        usize::MAX,
        usize::MAX - 7,
        isize::MAX as usize + 1,
    ] {
        assert_eq!(pool.alloc(size, 1), Err(RangeError::TooLarge { size }));
        assert_eq!(pool.alloc(size, 4096), Err(RangeError::TooLarge { size }));
    }
    assert_eq!(pool.stats().failed_allocations, 10);
    // The largest request that fits does.
    let all = pool.alloc(1024, 1).unwrap();
    assert_eq!((all.offset(), all.size()), (0, 1024));
    pool.check().unwrap();
}

#[test]
fn bad_alignment_is_refused_and_not_counted_as_a_failure() {
    let mut pool = RangePool::new(1024, 8, [Node::EMPTY; 8]).unwrap();
    for align in [0, 3, 6, 12, usize::MAX] {
        assert_eq!(
            pool.alloc(8, align),
            Err(RangeError::BadAlignment { align })
        );
    }
    assert_eq!(pool.stats().failed_allocations, 0);
    assert_eq!(map(&pool), [(0, 1024, false)]);
}

#[test]
fn alignment_below_the_granularity_changes_nothing() {
    let mut pool = RangePool::new(1024, 64, [Node::EMPTY; 8]).unwrap();
    let a = pool.alloc(1, 1).unwrap();
    let b = pool.alloc(1, 32).unwrap();
    let c = pool.alloc(1, 64).unwrap();
    assert_eq!([a.offset(), b.offset(), c.offset()], [0, 64, 128]);
    assert_eq!(pool.stats().free_blocks, 1);
}

#[test]
fn alignment_splits_off_the_leading_gap_as_a_free_range() {
    let mut pool = RangePool::new(4096, 16, [Node::EMPTY; 8]).unwrap();
    let a = pool.alloc(16, 1).unwrap();
    let b = pool.alloc(100, 1024).unwrap();
    assert_eq!((a.offset(), b.offset(), b.size()), (0, 1024, 112));
    assert_eq!(
        map(&pool),
        [
            (0, 16, true),
            (16, 1008, false),
            (1024, 112, true),
            (1136, 2960, false)
        ]
    );
    pool.check().unwrap();
    // A later small request takes the gap.
    let c = pool.alloc(32, 1).unwrap();
    assert!(c.offset() == 16 || c.offset() == 1136);
    pool.check().unwrap();
}

#[test]
fn alignment_larger_than_the_pool_is_served_only_at_offset_zero() {
    let mut pool = RangePool::new(1024, 1, [Node::EMPTY; 8]).unwrap();
    let huge = 1 << (usize::BITS - 1);
    let a = pool.alloc(10, 2048).unwrap();
    assert_eq!(a.offset(), 0);
    assert_eq!(
        pool.alloc(10, 2048),
        Err(RangeError::OutOfSpace {
            size: 10,
            align: 2048
        })
    );
    assert_eq!(
        pool.alloc(1, huge),
        Err(RangeError::OutOfSpace {
            size: 1,
            align: huge
        })
    );
    pool.free(a).unwrap();
    assert_eq!(pool.alloc(1, huge).unwrap().offset(), 0);
    pool.check().unwrap();
}

#[test]
fn an_exactly_fitting_range_of_the_same_size_class_is_found() {
    // 64 and 65 granules share a size class, so a request of 65 is not
    // certain to fit there; the search must still find the 65.
    let mut pool = RangePool::new(64 + 1 + 65 + 1, 1, [Node::EMPTY; 16]).unwrap();
    let a = pool.alloc(64, 1).unwrap();
    let _b = pool.alloc(1, 1).unwrap();
    let c = pool.alloc(65, 1).unwrap();
    let _d = pool.alloc(1, 1).unwrap();
    pool.free(c).unwrap();
    pool.free(a).unwrap(); // Heads the class: searched first.
    let e = pool.alloc(65, 1).unwrap();
    assert_eq!(e.offset(), 65);
    assert_eq!(
        pool.alloc(65, 1),
        Err(RangeError::OutOfSpace { size: 65, align: 1 })
    );
    pool.check().unwrap();
}

#[test]
fn an_aligned_exact_fit_below_the_good_fit_class_is_found() {
    let mut pool = RangePool::new(1024, 1, [Node::EMPTY; 16]).unwrap();
    let a = pool.alloc(256, 1).unwrap();
    let b = pool.alloc(64, 1).unwrap();
    let _c = pool.alloc(1024 - 320, 1).unwrap();
    pool.free(b).unwrap();
    pool.free(a).unwrap();
    // Free: [0, 320). A request of 64 aligned to 512 fits only at 0.
    let d = pool.alloc(64, 512).unwrap();
    assert_eq!(d.offset(), 0);
    pool.free(d).unwrap();
    let _e = pool.alloc(256, 1).unwrap();
    // Free: [256, 320): exactly 64 at a multiple of 256.
    let f = pool.alloc(64, 256).unwrap();
    assert_eq!(f.offset(), 256);
    assert_eq!(pool.available(), 0);
    pool.check().unwrap();
}

#[test]
fn free_by_handle_refuses_stale_handles() {
    let mut pool = RangePool::new(1024, 8, [Node::EMPTY; 8]).unwrap();
    let a = pool.alloc(100, 1).unwrap();
    assert_eq!(pool.free(a), Ok(104));
    assert_eq!(pool.free(a), Err(RangeError::Stale));
    // The same node and offset serve a new allocation: the old handle is
    // still refused and the new one untouched.
    let b = pool.alloc(100, 1).unwrap();
    assert_eq!((b.offset(), b.node), (a.offset(), a.node));
    let before = dump(&pool);
    assert_eq!(pool.free(a), Err(RangeError::Stale));
    assert_eq!(dump(&pool), before);
    assert_eq!(pool.free(b), Ok(104));
    pool.check().unwrap();
}

#[test]
fn free_by_handle_refuses_foreign_handles() {
    let mut one = RangePool::new(1024, 8, [Node::EMPTY; 8]).unwrap();
    let mut two = RangePool::new(1024, 8, [Node::EMPTY; 8]).unwrap();
    let a = one.alloc(64, 1).unwrap();
    let b = two.alloc(64, 1).unwrap();
    // Same node, generation, offset and size: only the pool differs.
    assert_eq!(
        (a.offset(), a.size(), a.node),
        (b.offset(), b.size(), b.node)
    );
    let before = dump(&two);
    assert_eq!(two.free(a), Err(RangeError::Foreign));
    assert_eq!(dump(&two), before);
    let mut a2 = a;
    assert_eq!(two.grow_in_place(&mut a2, 128), Err(RangeError::Foreign));
    assert_eq!(two.shrink_in_place(&mut a2, 8), Err(RangeError::Foreign));
    assert_eq!(a2, a);
    assert_eq!(one.free(a), Ok(64));
    assert_eq!(two.free(b), Ok(64));
}

#[test]
fn free_at_refuses_unknown_interior_and_freed_offsets() {
    let mut pool = RangePool::new(1024, 8, [Node::EMPTY; 8]).unwrap();
    let a = pool.alloc(64, 1).unwrap();
    let b = pool.alloc(64, 1).unwrap();
    let before = dump(&pool);
    for offset in [1024, 1025, usize::MAX] {
        assert_eq!(
            pool.free_at(offset),
            Err(RangeError::OutOfBounds { offset })
        );
    }
    for offset in [b.offset() + 8, b.offset() + 1, b.end() - 1] {
        assert_eq!(
            pool.free_at(offset),
            Err(RangeError::Interior {
                offset,
                start: b.offset()
            })
        );
    }
    // Never allocated: the start and the inside of the free tail.
    for offset in [128, 129, 512, 1023] {
        assert_eq!(
            pool.free_at(offset),
            Err(RangeError::NotAllocated { offset })
        );
    }
    assert_eq!(dump(&pool), before);
    assert_eq!(pool.free_at(a.offset()), Ok(64));
    // A double free, and a free of the coalesced range's inside.
    assert_eq!(pool.free_at(0), Err(RangeError::NotAllocated { offset: 0 }));
    assert_eq!(pool.free(a), Err(RangeError::Stale));
    assert_eq!(pool.free_at(b.offset()), Ok(64));
    assert_eq!(
        pool.free_at(b.offset()),
        Err(RangeError::NotAllocated { offset: 64 })
    );
    assert_eq!(pool.free(b), Err(RangeError::Stale));
    assert_eq!(map(&pool), [(0, 1024, false)]);
    pool.check().unwrap();
}

#[test]
fn handles_and_offsets_agree() {
    let mut pool = RangePool::new(1024, 8, [Node::EMPTY; 8]).unwrap();
    let a = pool.alloc(40, 1).unwrap();
    assert_eq!(pool.allocation_at(a.offset()), Some(a));
    assert_eq!(pool.allocation_at(a.offset() + 8), None);
    assert_eq!(pool.allocation_at(2000), None);
    assert!(pool.contains_offset(1023) && !pool.contains_offset(1024));
    assert_eq!(
        pool.range_containing(45)
            .map(|r| (r.offset, r.size, r.used)),
        Some((40, 984, false))
    );
    assert_eq!(pool.range_containing(39).map(|r| r.used), Some(true));
    assert_eq!(pool.range_containing(1024), None);
    // A handle from the offset frees the allocation.
    let again = pool.allocation_at(0).unwrap();
    assert_eq!(pool.free(again), Ok(40));
    assert_eq!(pool.free(a), Err(RangeError::Stale));
}

#[test]
fn frees_coalesce_with_both_neighbours() {
    let mut pool = RangePool::new(1000, 1, [Node::EMPTY; 16]).unwrap();
    let parts: Vec<_> = (0..5).map(|_| pool.alloc(200, 1).unwrap()).collect();
    pool.free(parts[1]).unwrap();
    pool.free(parts[3]).unwrap();
    assert_eq!(pool.stats().free_blocks, 2);
    pool.free(parts[2]).unwrap();
    assert_eq!(
        map(&pool),
        [(0, 200, true), (200, 600, false), (800, 200, true)]
    );
    assert_eq!(pool.nodes_in_use(), 3);
    pool.free(parts[0]).unwrap();
    pool.free(parts[4]).unwrap();
    assert_eq!(map(&pool), [(0, 1000, false)]);
    assert_eq!(pool.nodes_in_use(), 1);
    pool.check().unwrap();
}

#[test]
fn node_exhaustion_leaves_the_pool_unchanged() {
    let mut nodes = [Node::EMPTY; 3];
    let mut pool = RangePool::new(1024, 1, &mut nodes[..]).unwrap();
    let a = pool.alloc(100, 1).unwrap(); // Used + free tail: 2 nodes.
    let before = dump(&pool);
    let failed = pool.stats().failed_allocations;
    // A gap and a tail would need two more nodes; one is left.
    assert_eq!(pool.alloc(10, 512), Err(RangeError::NodesExhausted));
    assert_eq!(
        dump(&pool).lines().skip(1).collect::<Vec<_>>(),
        before.lines().skip(1).collect::<Vec<_>>()
    );
    assert_eq!(pool.stats().failed_allocations, failed + 1);
    pool.check().unwrap();
    // One more node is enough for a split without gap.
    let b = pool.alloc(10, 1).unwrap();
    assert_eq!(pool.nodes_in_use(), 3);
    assert_eq!(pool.alloc(10, 1), Err(RangeError::NodesExhausted));
    // An exact fit needs no node.
    let rest = pool.alloc(1024 - 110, 1).unwrap();
    assert_eq!(pool.available(), 0);
    // Shrinking `a` would need a node for its released tail: refused.
    let mut a2 = a;
    pool.free(rest).unwrap();
    let c = pool.alloc(1024 - 110, 1).unwrap();
    let before = dump(&pool);
    assert_eq!(pool.shrink_in_place(&mut a2, 50), Ok(false));
    assert_eq!((a2, dump(&pool)), (a, before));
    // Freeing `b` lets its neighbours merge; shrinking then has room.
    pool.free(b).unwrap();
    assert_eq!(pool.shrink_in_place(&mut a2, 50), Ok(true));
    assert_eq!(pool.free(c), Ok(1024 - 110));
    assert_eq!(pool.free(a2), Ok(50));
    assert_eq!(map(&pool), [(0, 1024, false)]);
    pool.check().unwrap();
}

#[test]
fn nodes_for_live_allocations_suffice() {
    let mut rng = Rng(7);
    for max_live in [1, 2, 5, 20] {
        let mut nodes = vec![Node::EMPTY; nodes_for(max_live)];
        let mut pool = RangePool::new(4096, 4, &mut nodes[..]).unwrap();
        let mut live = Vec::new();
        let steps = scaled(2000);
        for step in 0..steps {
            if live.len() < max_live && rng.below(2) == 0 {
                let align = 1 << rng.below(8);
                match pool.alloc(rng.below(300), align) {
                    Ok(a) => live.push(a),
                    Err(e) => assert!(matches!(e, RangeError::OutOfSpace { .. }), "{e:?}"),
                }
            } else if !live.is_empty() {
                let a = live.swap_remove(rng.below(live.len()));
                let mut a2 = a;
                if rng.below(3) == 0 {
                    let _ = pool.shrink_in_place(&mut a2, a.size() / 2).unwrap();
                    let size = a2.size();
                    assert!(pool.shrink_in_place(&mut a2, size).unwrap());
                    live.push(a2);
                } else {
                    pool.free(a).unwrap();
                }
            }
            assert!(pool.nodes_in_use() <= nodes_for(live.len()));
            if check_after(step, steps) {
                pool.check().unwrap();
            }
        }
    }
}

#[test]
fn byte_exact_fill_then_coalesce_back_to_one_range() {
    let mut rng = Rng(0x5EED);
    for round in 0..scaled(40) {
        let n = 1 + rng.below(if round % 2 == 0 { 5000 } else { 100 });
        // Random sizes, some zero-free, summing exactly to n.
        let mut sizes = Vec::new();
        let mut left = n;
        while left > 0 {
            let size = 1 + rng.below(left.min(300));
            sizes.push(size);
            left -= size;
        }
        let mut nodes = vec![Node::EMPTY; nodes_for(sizes.len())];
        let mut pool = RangePool::new(n, 1, &mut nodes[..]).unwrap();
        let mut live: Vec<_> = sizes
            .iter()
            .map(|&size| {
                let a = pool.alloc(size, 1).unwrap();
                assert_eq!(a.size(), size);
                a
            })
            .collect();
        assert_eq!(pool.in_use(), n);
        assert_eq!(
            pool.alloc(1, 1),
            Err(RangeError::OutOfSpace { size: 1, align: 1 })
        );
        assert_eq!(pool.stats().free_blocks, 0);
        pool.check().unwrap();
        rng.shuffle(&mut live);
        // Free half, then fill the holes exactly again, largest first (a
        // good fit takes a smaller request from a larger range).
        let half = live.len() / 2;
        for a in live.drain(..half) {
            pool.free(a).unwrap();
        }
        let mut holes: Vec<_> = pool.ranges().filter(|r| !r.used).map(|r| r.size).collect();
        holes.sort_unstable_by(|a, b| b.cmp(a));
        for hole in holes {
            live.push(pool.alloc(hole, 1).unwrap());
        }
        assert_eq!(pool.available(), 0);
        pool.check().unwrap();
        rng.shuffle(&mut live);
        for a in live {
            if rng.below(2) == 0 {
                assert_eq!(pool.free(a), Ok(a.size()));
            } else {
                assert_eq!(pool.free_at(a.offset()), Ok(a.size()));
            }
        }
        assert_eq!(map(&pool), [(0, n, false)]);
        assert_eq!(pool.nodes_in_use(), 1);
        pool.check().unwrap();
    }
}

#[test]
fn grow_in_place_takes_from_the_next_free_range() {
    let mut pool = RangePool::new(1000, 1, [Node::EMPTY; 8]).unwrap();
    let mut a = pool.alloc(100, 1).unwrap();
    let old = a;
    assert_eq!(pool.grow_in_place(&mut a, 100), Ok(true));
    assert_eq!(a, old);
    assert_eq!(pool.grow_in_place(&mut a, 400), Ok(true));
    assert_eq!((a.offset(), a.size()), (0, 400));
    assert_eq!(pool.free(old), Err(RangeError::Stale));
    assert_eq!(map(&pool), [(0, 400, true), (400, 600, false)]);
    assert_eq!(
        pool.grow_in_place(&mut a, 399),
        Err(RangeError::WrongResize {
            size: 400,
            new_size: 399
        })
    );
    // Exactly the whole free range: its node goes.
    assert_eq!(pool.grow_in_place(&mut a, 1000), Ok(true));
    assert_eq!(
        (map(&pool), pool.nodes_in_use()),
        (vec![(0, 1000, true)], 1)
    );
    assert_eq!(pool.grow_in_place(&mut a, 1001), Ok(false));
    assert_eq!(pool.grow_in_place(&mut a, usize::MAX), Ok(false));
    assert_eq!(pool.stats().high_water, 1000);
    pool.check().unwrap();
    // Blocked by a used neighbour.
    pool.shrink_in_place(&mut a, 100).unwrap();
    let b = pool.alloc(900, 1).unwrap();
    let before = dump(&pool);
    assert_eq!(pool.grow_in_place(&mut a, 101), Ok(false));
    assert_eq!(dump(&pool), before);
    pool.free(b).unwrap();
    pool.free(a).unwrap();
    pool.check().unwrap();
}

#[test]
fn shrink_in_place_releases_the_tail() {
    let mut pool = RangePool::new(1024, 8, [Node::EMPTY; 8]).unwrap();
    let mut a = pool.alloc(512, 1).unwrap();
    let b = pool.alloc(512, 1).unwrap();
    // The tail becomes a new free range between two used ones.
    assert_eq!(pool.shrink_in_place(&mut a, 100), Ok(true));
    assert_eq!(a.size(), 104);
    assert_eq!(
        map(&pool),
        [(0, 104, true), (104, 408, false), (512, 512, true)]
    );
    // Then it joins the free range after it.
    assert_eq!(pool.shrink_in_place(&mut a, 0), Ok(true));
    assert_eq!(a.size(), 8);
    assert_eq!(
        map(&pool),
        [(0, 8, true), (8, 504, false), (512, 512, true)]
    );
    assert_eq!(
        pool.shrink_in_place(&mut a, 9),
        Err(RangeError::WrongResize {
            size: 8,
            new_size: 9
        })
    );
    let mut stale = b;
    pool.free(b).unwrap();
    assert_eq!(pool.shrink_in_place(&mut stale, 8), Err(RangeError::Stale));
    assert_eq!(pool.grow_in_place(&mut stale, 1000), Err(RangeError::Stale));
    assert_eq!(pool.in_use(), 8);
    pool.check().unwrap();
}

#[test]
fn reset_frees_everything_and_stales_every_handle() {
    let mut pool = RangePool::new(1024, 8, [Node::EMPTY; 16]).unwrap();
    let live: Vec<_> = (0..5).map(|i| pool.alloc(8 * i, 64).unwrap()).collect();
    pool.free(live[2]).unwrap();
    pool.reset();
    assert_eq!(map(&pool), [(0, 1024, false)]);
    assert_eq!((pool.len(), pool.in_use(), pool.nodes_in_use()), (0, 0, 1));
    let stats = pool.stats();
    assert_eq!(
        (stats.high_water, stats.allocations, stats.frees),
        (0, 5, 1)
    );
    for a in &live {
        assert_eq!(pool.free(*a), Err(RangeError::Stale));
    }
    pool.check().unwrap();
    let again = pool.alloc(8, 1).unwrap();
    assert_eq!(again.offset(), 0);
    assert_eq!(pool.free(live[0]), Err(RangeError::Stale));
    assert_eq!(pool.free(again), Ok(8));
}

#[test]
fn stats_count_bytes_and_events() {
    let mut pool = RangePool::new(1000, 1, [Node::EMPTY; 16]).unwrap();
    let a = pool.alloc(100, 1).unwrap();
    let b = pool.alloc(300, 1).unwrap();
    let _c = pool.alloc(50, 1).unwrap();
    pool.free(b).unwrap();
    pool.free(a).unwrap();
    let _ = pool.alloc(2000, 1);
    let stats = pool.stats();
    assert_eq!(
        stats,
        ByteStats {
            capacity: 1000,
            in_use: 50,
            free: 950,
            largest_free: 550,
            free_blocks: 2,
            live_allocations: 1,
            high_water: 450,
            allocations: 3,
            frees: 2,
            failed_allocations: 1,
            growth_events: 0,
        }
    );
}

#[test]
fn dump_writes_stats_then_the_block_map() {
    let mut pool = RangePool::new(64, 8, [Node::EMPTY; 8]).unwrap();
    let a = pool.alloc(8, 1).unwrap();
    let _b = pool.alloc(16, 1).unwrap();
    pool.free(a).unwrap();
    let expected = format!(
        "range pool: 64 bytes, granularity 8: {}\n0 8 free\n8 16 used\n24 40 free\n",
        pool.stats()
    );
    assert_eq!(dump(&pool), expected);
    assert!(expected.starts_with(
        "range pool: 64 bytes, granularity 8: in use 16/64 bytes (high water 24), free 48 in 2 blocks"
    ));
}

#[test]
fn for_each_range_stops_early() {
    let mut pool = RangePool::new(100, 1, [Node::EMPTY; 16]).unwrap();
    for _ in 0..5 {
        pool.alloc(10, 1).unwrap();
    }
    let mut seen = 0;
    let found = pool.for_each_range(|r| {
        seen += 1;
        if r.offset == 30 {
            core::ops::ControlFlow::Break(r)
        } else {
            core::ops::ControlFlow::Continue(())
        }
    });
    assert_eq!(seen, 4);
    assert!(
        matches!(found, core::ops::ControlFlow::Break(r) if r.size == 10 && r.used && r.end() == 40)
    );
    assert_eq!(
        pool.for_each_range(|_| core::ops::ControlFlow::<()>::Continue(())),
        core::ops::ControlFlow::Continue(())
    );
}

#[cfg(feature = "alloc")]
#[test]
fn growing_storage_adds_nodes_and_keeps_handles() {
    let mut pool = growing(1 << 16, 16);
    assert_eq!(pool.node_capacity(), 8);
    let mut live: Vec<_> = (0..200)
        .map(|i| pool.alloc(16 * (i % 7), 1).unwrap())
        .collect();
    // Leave holes so that every free range needs its own node.
    for a in live.iter().step_by(2) {
        pool.free(*a).unwrap();
    }
    live = live.into_iter().skip(1).step_by(2).collect();
    let grown = pool.stats().growth_events;
    // 0, 8, 16, 32, 64, 128, 256 nodes for 201 ranges.
    assert_eq!(grown, 6);
    assert!(pool.node_capacity() >= pool.nodes_in_use());
    pool.check().unwrap();
    for a in &live {
        assert_eq!(pool.allocation_at(a.offset()), Some(*a));
    }
    for a in live {
        assert_eq!(pool.free(a), Ok(a.size()));
    }
    assert_eq!(map(&pool), [(0, 1 << 16, false)]);
    pool.check().unwrap();
    assert!(pool.into_storage().len() >= 8);
}

#[cfg(feature = "alloc")]
#[test]
fn owned_and_borrowed_storage_behave_alike() {
    let mut nodes = [Node::EMPTY; 8];
    let mut borrowed = RangePool::new(256, 4, &mut nodes[..]).unwrap();
    let boxed = vec![Node::EMPTY; 8].into_boxed_slice();
    let mut owned = RangePool::new(256, 4, boxed).unwrap();
    let mut array = RangePool::new(256, 4, [Node::EMPTY; 8]).unwrap();
    for size in [3, 40, 0, 17] {
        let a = borrowed.alloc(size, 8).unwrap();
        let b = owned.alloc(size, 8).unwrap();
        let c = array.alloc(size, 8).unwrap();
        assert_eq!((a.offset(), a.size()), (b.offset(), b.size()));
        assert_eq!((a.offset(), a.size()), (c.offset(), c.size()));
    }
    assert_eq!(map(&borrowed), map(&owned));
    assert_eq!(map(&borrowed), map(&array));
    assert_eq!(borrowed.storage().len(), 8);
    assert!(format!("{borrowed:?}").starts_with("RangePool { capacity: 256"));
}

#[test]
fn random_workload_keeps_every_invariant() {
    let mut rng = Rng(42);
    for granularity in [1, 8] {
        let len = if cfg!(miri) { 2048 } else { 8192 };
        let mut nodes = vec![Node::EMPTY; if cfg!(miri) { 256 } else { 1024 }];
        let mut pool = RangePool::new(len, granularity, &mut nodes[..]).unwrap();
        let mut live: Vec<Allocation> = Vec::new();
        let steps = scaled(3000);
        for step in 0..steps {
            match rng.below(10) {
                0..=4 => {
                    let align = 1 << rng.below(10);
                    let size = rng.below(if step % 50 == 0 { len / 2 } else { 200 });
                    match pool.alloc(size, align) {
                        Ok(a) => {
                            assert_eq!(a.offset() % align.max(granularity), 0);
                            assert!(
                                a.size() >= size.max(1) && a.size() < size.max(1) + granularity
                            );
                            for b in &live {
                                assert!(a.end() <= b.offset() || b.end() <= a.offset());
                            }
                            live.push(a);
                        }
                        Err(RangeError::OutOfSpace { .. }) => {
                            // No free range holds it.
                            let units = a_units(size, granularity);
                            for r in pool.ranges().filter(|r| !r.used) {
                                let start = r.offset.next_multiple_of(align.max(granularity));
                                assert!(start + units > r.end(), "{r:?} {size} {align}");
                            }
                        }
                        Err(e) => panic!("{e:?}"),
                    }
                }
                5..=7 if !live.is_empty() => {
                    let a = live.swap_remove(rng.below(live.len()));
                    assert_eq!(pool.free_at(a.offset()), Ok(a.size()));
                }
                8 if !live.is_empty() => {
                    let i = rng.below(live.len());
                    let new_size = rng.below(400);
                    let mut a = live[i];
                    let result = if new_size >= a.size() {
                        pool.grow_in_place(&mut a, new_size)
                    } else {
                        pool.shrink_in_place(&mut a, new_size)
                    };
                    if result.unwrap() {
                        assert!(a.size() >= new_size.max(1));
                    }
                    live[i] = a;
                }
                9 if step % 500 == 499 => {
                    pool.reset();
                    live.clear();
                }
                _ => {}
            }
            if check_after(step, steps) {
                pool.check().unwrap();
            }
            assert_eq!(pool.len(), live.len());
            assert_eq!(pool.in_use(), live.iter().map(|a| a.size()).sum::<usize>());
        }
    }
}

fn a_units(size: usize, granularity: usize) -> usize {
    size.max(1).next_multiple_of(granularity)
}

#[test]
fn errors_display() {
    let text = format!(
        "{} / {}",
        RangeError::Interior {
            offset: 9,
            start: 8
        },
        CheckError::AdjacentFreeRanges { offset: 64 }
    );
    assert_eq!(
        text,
        "offset 9 is inside the allocation at 8, not at its start / free range at offset 64 follows another free range"
    );
}
