//! `BlockPool` against its model: generated sequences (proptest) and
//! hand-written ones that reach every operation and outcome regardless of
//! luck.

use poolalloc::BlockPool;
use poolalloc_model::block::{Config, Op, Summary, Target, run};

/// `full` normally, `miri` under Miri, where every step is slow.
fn pick<T: Copy>(full: &[T], miri: &[T]) -> Vec<T> {
    if cfg!(miri) { miri } else { full }.to_vec()
}

/// `full` normally, `miri` under Miri.
const fn scale(full: usize, miri: usize) -> usize {
    if cfg!(miri) { miri } else { full }
}

/// A sequence that performs every operation and reaches every outcome on a
/// pool of [`every_op_config`], which holds fewer than 50 blocks (20
/// under Miri) with the spare it adds.
fn every_op() -> Vec<Op> {
    let mut ops = vec![
        Op::Alloc,
        Op::Alloc,
        Op::Alloc,
        Op::AllocZeroed,
        Op::Alloc,
        Op::Free(1),
        Op::Free(0),
        Op::Alloc,
        Op::AllocZeroed,
        Op::FreeUnchecked(2),
    ];
    ops.extend((0..12).map(Op::FreeForeign));
    ops.extend([
        Op::FreeInterior {
            block: 0,
            offset: 0,
        },
        Op::FreeInterior {
            block: 3,
            offset: 100,
        },
        Op::FreeInterior {
            block: 40,
            offset: 7,
        },
        Op::DoubleFree(0),
        Op::FreeNeverAllocated(0),
        Op::FreeNeverAllocated(5),
        Op::Query(Target::Live(0)),
        Op::Query(Target::Freed(0)),
        Op::Query(Target::Fresh(0)),
        Op::Query(Target::Fresh(9)),
        Op::Query(Target::Interior {
            block: 2,
            offset: 5,
        }),
        Op::Query(Target::Foreign(3)),
        Op::Iterate { stop: 1 },
        Op::Iterate { stop: u16::MAX },
        // Spare 0 is accepted, then refused as overlapping itself; the tiny
        // spare is too small, and once refused it is gone.
        Op::AddSpare(0),
        Op::AddSpare(0),
        Op::AddSpare(3),
        Op::AddSpare(3),
        Op::AddOverlapping {
            region: 0,
            start: 0,
            len: 0,
        },
        Op::AddOverlapping {
            region: 1,
            start: 1000,
            len: 700,
        },
        Op::AddOverlapping {
            region: 0,
            start: 77,
            len: 511,
        },
    ]);
    ops.extend(vec![Op::Alloc; scale(50, 25)]);
    ops.extend([
        Op::Iterate { stop: 5 },
        Op::Reset,
        Op::Free(0),
        Op::Alloc,
        Op::AllocZeroed,
        Op::Alloc,
        Op::Free(1),
        Op::DoubleFree(0),
        Op::FreeNeverAllocated(0),
        Op::Query(Target::Fresh(3)),
        Op::Iterate { stop: 0 },
    ]);
    ops
}

fn every_op_config(counters: bool) -> Config {
    Config {
        skew: 3,
        spare_lens: [scale(600, 300), 300, 200],
        tiny_len: 5,
        gap: 8,
        counters,
        ..Config::simple(24, 16, scale(1000, 400))
    }
}

fn assert_reached(summary: &Summary, events: &[&str]) {
    for event in events {
        assert!(
            summary.count(event) > 0,
            "{event} never happened: {summary:?}"
        );
    }
}

const EVERY_EVENT: &[&str] = &[
    "alloc",
    "alloc_zeroed",
    "free",
    "free_unchecked",
    "free.foreign",
    "free.interior",
    "free.double",
    "free.never_allocated",
    "reset",
    "add_spare",
    "add_overlapping",
    "query",
    "iterate",
    "alloc.reused",
    "alloc.fresh",
    "alloc.none",
    "new.ok",
    "add_region.ok",
    "add_region.too_small",
    "add_region.overlap",
    "query.live",
    "query.freed",
    "query.fresh",
    "query.interior",
    "query.foreign",
    "iterate.break",
    "skipped",
];

#[test]
fn every_operation_and_outcome_with_counters() {
    let summary = run(&every_op_config(true), &every_op());
    assert_reached(&summary, EVERY_EVENT);
    assert_eq!(summary.count("add_region.ok"), 1);
    assert_eq!(summary.count("add_region.too_small"), 1);
    assert_eq!(summary.count("add_region.overlap"), 4);
    // Only the second add of the tiny spare and the free after the reset
    // find nothing to work on.
    assert_eq!(summary.count("skipped"), 2);
    assert_eq!(summary.count("free.foreign"), 12);
}

#[test]
fn every_operation_and_outcome_without_counters() {
    let summary = run(&every_op_config(false), &every_op());
    assert_reached(&summary, EVERY_EVENT);
}

#[test]
fn a_main_region_too_small_leaves_an_empty_pool_that_can_grow() {
    let config = Config {
        spare_lens: [400, 300, 0],
        ..Config::simple(40, 8, 10)
    };
    let ops = [
        Op::Alloc,
        Op::Query(Target::Foreign(0)),
        Op::FreeForeign(1),
        Op::FreeNeverAllocated(0),
        Op::Iterate { stop: 0 },
        Op::AddOverlapping {
            region: 0,
            start: 0,
            len: 10,
        },
        Op::AddSpare(2),
        // Spare 1 first, then spare 0, which lies before it.
        Op::AddSpare(1),
        Op::AddSpare(0),
        Op::AddOverlapping {
            region: 1,
            start: 0,
            len: 400,
        },
        Op::Alloc,
        Op::Alloc,
        Op::Free(0),
        Op::Query(Target::Freed(0)),
        Op::Reset,
        Op::Alloc,
        Op::Iterate { stop: 0 },
    ];
    let summary = run(&config, &ops);
    assert_eq!(summary.count("new.too_small"), 1);
    assert_eq!(summary.count("alloc.none"), 1);
    assert_eq!(summary.count("add_region.ok"), 2);
    assert_eq!(summary.count("add_region.too_small"), 1);
    assert_eq!(summary.count("add_region.overlap"), 1);
    assert_eq!(summary.count("skipped"), 2);
}

#[test]
fn every_alignment_size_and_skew() {
    let aligns = pick(&[1, 2, 4, 8, 16, 32, 64, 128], &[1, 64]);
    let sizes = pick(&[1, 7, 8, 9, 24, 63, 64, 65, 127, 300], &[9, 65]);
    let skews = pick(&[0, 1, 3, 7, 13, 31, 63], &[5]);
    let mut ops = vec![Op::Alloc; scale(40, 12)];
    ops.extend([
        Op::Free(0),
        Op::Free(3),
        Op::FreeInterior {
            block: 5,
            offset: 3,
        },
        Op::FreeNeverAllocated(0),
        Op::DoubleFree(1),
        Op::Iterate { stop: 2 },
        Op::AllocZeroed,
        Op::Reset,
        Op::Alloc,
        Op::AllocZeroed,
        Op::AddSpare(0),
        Op::AddSpare(1),
    ]);
    ops.extend(vec![Op::Alloc; scale(40, 8)]);
    ops.push(Op::Iterate { stop: 3 });
    for &align in &aligns {
        for &size in &sizes {
            for &skew in &skews {
                let config = Config {
                    skew,
                    spare_lens: [700, 64, 1000],
                    ..Config::simple(size, align, 1500)
                };
                let summary = run(&config, &ops);
                assert_eq!(summary.count("new.ok"), 1, "{config:?}");
                assert!(summary.count("alloc.fresh") > 0, "{config:?}");
            }
        }
    }
}

#[test]
fn region_lengths_around_the_smallest_region() {
    let layouts = pick(&[(1, 1), (24, 8), (33, 32), (200, 128)], &[(24, 8)]);
    for (size, align) in layouts {
        let needed = BlockPool::region_size_for(1, size, align).unwrap();
        let step = scale(1, 29);
        let mut accepted = 0;
        for len in (0..=needed + 200).step_by(step) {
            for skew in pick(&[0, 1, 8, 9, 40], &[3]) {
                let config = Config {
                    skew,
                    spare_lens: [len, 0, 0],
                    ..Config::simple(size, align, len)
                };
                let summary = run(
                    &config,
                    &[
                        Op::Alloc,
                        Op::Alloc,
                        Op::AddSpare(0),
                        Op::Alloc,
                        Op::FreeNeverAllocated(0),
                        Op::Iterate { stop: 0 },
                    ],
                );
                accepted += summary.count("new.ok");
                if len >= needed {
                    assert_eq!(summary.count("new.ok"), 1, "{config:?}");
                    assert_eq!(summary.count("add_region.ok"), 1, "{config:?}");
                }
            }
        }
        assert!(accepted > 0);
    }
}

#[test]
fn bitmap_words_survive_reset_and_reuse() {
    // Stride 8: a 2 KiB region holds a few hundred blocks, several bitmap
    // words; a reset must not let stale bits of the words past the cursor
    // show through.
    let config = Config::simple(8, 8, scale(2048, 700));
    let n = scale(10, 1);
    let mut ops = vec![Op::Alloc; scale(200, 70)];
    ops.extend((0..6 * n as u16).map(|i| Op::Free(i * 7)));
    ops.push(Op::Iterate { stop: 70 });
    ops.push(Op::Reset);
    ops.extend([Op::Alloc; 70]);
    ops.extend((0..4 * n as u16).map(|i| Op::Query(Target::Fresh(i * 3))));
    ops.extend((0..4 * n as u16).map(|i| Op::FreeNeverAllocated(i * 5)));
    ops.extend((0..2 * n as u16).map(|i| Op::Query(Target::Live(i * 11))));
    ops.extend((0..3 * n as u16).map(|i| Op::Free(i * 2)));
    ops.extend((0..3 * n as u16).map(Op::DoubleFree));
    ops.push(Op::Iterate { stop: 9 });
    ops.extend(vec![Op::AllocZeroed; scale(250, 30)]);
    ops.push(Op::Iterate { stop: 0 });
    let summary = run(&config, &ops);
    assert_eq!(summary.count("skipped"), 0);
    assert_eq!(summary.count("alloc.reused"), 3 * n);
    assert!(summary.count("alloc.none") > 0);
}

#[test]
fn fill_empty_fill_across_regions() {
    let config = Config {
        skew: 17,
        gap: 0,
        spare_lens: [300, 300, 300],
        ..Config::simple(48, 16, 500)
    };
    let n = scale(60, 20);
    let mut ops = vec![Op::AddSpare(2), Op::AddSpare(0)];
    ops.extend(vec![Op::Alloc; n]);
    ops.extend((0..n).map(|_| Op::FreeUnchecked(0)));
    ops.extend(vec![Op::AllocZeroed; n]);
    ops.extend((0..n as u16).map(|i| Op::Free(i * 13)));
    ops.push(Op::AddSpare(1));
    ops.extend(vec![Op::Alloc; n]);
    ops.push(Op::Iterate { stop: 0 });
    let summary = run(&config, &ops);
    // Adjacent spares (gap 0) touch but do not overlap.
    assert_eq!(summary.count("add_region.ok"), 3);
    assert!(summary.count("alloc.none") > 0);
}

/// Emptying a pool after handing out more than 64 blocks (since the last
/// reset or rewind) drops the free list and restarts every cursor at its
/// region's first block; blocks freed before still read as double frees.
/// At exactly 64, or with rewinding off, the free list stays.
#[test]
fn draining_a_pool_after_more_than_64_blocks_rewinds() {
    let cases = pick(
        &[(65, true, 1), (64, true, 0), (65, false, 0), (200, true, 1)],
        &[(65, true, 1)],
    );
    for (handed, rewind, rewinds) in cases {
        let config = Config {
            rewind,
            ..Config::simple(8, 8, 2048)
        };
        let mut ops = vec![Op::Alloc; handed];
        ops.extend((0..handed as u16).map(|i| Op::Free(i * 5)));
        ops.extend([
            Op::Alloc,
            Op::AllocZeroed,
            Op::DoubleFree(3),
            Op::FreeNeverAllocated(0),
            Op::Query(Target::Freed(7)),
            Op::Query(Target::Fresh(0)),
            Op::Iterate { stop: 0 },
        ]);
        let summary = run(&config, &ops);
        assert_eq!(summary.count("rewind"), rewinds, "{handed} {rewind}");
        let reused = if rewinds == 1 { 0 } else { 2 };
        assert_eq!(summary.count("alloc.reused"), reused, "{handed} {rewind}");
        assert_eq!(summary.count("skipped"), 0);
    }
}

#[cfg(feature = "proptest")]
mod generated {
    use super::*;
    use poolalloc_model::block::strategy;
    use proptest::prelude::*;
    use proptest::test_runner::Config as ProptestConfig;

    /// 256 cases (or `PROPTEST_CASES`), 3 under Miri.
    fn proptest_config() -> ProptestConfig {
        let cases = if cfg!(miri) {
            3
        } else {
            std::env::var("PROPTEST_CASES")
                .ok()
                .and_then(|cases| cases.parse().ok())
                .unwrap_or(256)
        };
        ProptestConfig {
            cases,
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    }

    const MAX_OPS: usize = if cfg!(miri) { 24 } else { 300 };
    const MAX_REGION: usize = if cfg!(miri) { 320 } else { 4096 };
    const MAX_SPARE: usize = if cfg!(miri) { 192 } else { 2048 };

    proptest! {
        #![proptest_config(proptest_config())]

        #[test]
        fn block_pool_matches_its_model(
            config in strategy::config(MAX_REGION, MAX_SPARE),
            ops in strategy::ops(MAX_OPS),
        ) {
            run(&config, &ops);
        }
    }
}

/// A pointer inside a region but outside its block area (the pool's
/// bookkeeping at the front, the unused tail) encloses no block: the pool
/// calls it foreign, and the model (`Target::Foreign`) agrees. This pins
/// that reading of `FreeError::Foreign`, whose text says "not inside any
/// region of this pool".
#[test]
fn pointers_outside_the_block_area_of_a_region_are_foreign() {
    use core::mem::MaybeUninit;
    use core::ptr::NonNull;
    use poolalloc::{FreeError, region::Region};

    let mut memory = vec![MaybeUninit::<u8>::uninit(); 1000];
    let region = Region::new(&mut memory);
    let range = region.addr_range();
    let start = region.start();
    let mut pool = BlockPool::new(region, 40, 8).unwrap();
    let blocks: Vec<usize> = core::iter::from_fn(|| pool.alloc())
        .map(|b| b.as_ptr().addr())
        .collect();
    assert_eq!(blocks.len(), pool.capacity());
    let first = *blocks.iter().min().unwrap();
    let end = blocks.iter().max().unwrap() + pool.block_size();
    let mut outside = Vec::new();
    if range.start < first {
        outside.extend([range.start, first - 1]);
    }
    if end < range.end {
        outside.extend([end, range.end - 1]);
    }
    assert!(
        !outside.is_empty(),
        "the pool keeps its bookkeeping somewhere"
    );
    for addr in outside {
        let ptr = NonNull::new(start.as_ptr().wrapping_add(addr - range.start)).unwrap();
        assert!(!pool.contains(ptr) && !pool.is_allocated(ptr));
        assert_eq!(pool.free(ptr), Err(FreeError::Foreign), "{addr:#x}");
    }
    pool.check().unwrap();
}
