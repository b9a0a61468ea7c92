//! Model test of `RangePool`: random operation sequences against a shadow
//! model (see `support/range_ops.rs`), with `check()` after every step.

// The support module derives `arbitrary::Arbitrary` behind a feature that
// only the model crate has.
#![allow(unexpected_cfgs)]

use poolalloc_model::range as range_ops;

use proptest::prelude::*;
use range_ops::{Config, MAX_GRANULARITY_LOG2, MAX_NODES, MAX_UNITS, Op, run};

fn config() -> impl Strategy<Value = Config> {
    (
        prop_oneof![1..=16usize, 1..=MAX_UNITS],
        0..=MAX_GRANULARITY_LOG2,
        0..=MAX_NODES,
        any::<bool>(),
    )
        .prop_flat_map(|(units, granularity_log2, max_nodes, fixed)| {
            let initial = if fixed {
                Just(max_nodes).boxed()
            } else {
                (0..=max_nodes).boxed()
            };
            initial.prop_map(move |initial_nodes| {
                Config::new(units, granularity_log2, initial_nodes, max_nodes)
            })
        })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (prop_oneof![0..64u16, any::<u16>()], prop_oneof![3 => Just(0u8), 2 => 0..16u8])
            .prop_map(|(size, align_log2)| Op::Alloc { size, align_log2 }),
        1 => any::<u16>().prop_map(|below_max| Op::AllocHuge { below_max }),
        1 => (any::<u16>(), any::<u16>()).prop_map(|(size, align)| Op::AllocBadAlign { size, align }),
        3 => any::<u16>().prop_map(Op::Free),
        3 => any::<u16>().prop_map(Op::FreeAt),
        2 => any::<u32>().prop_map(Op::FreeAtOffset),
        2 => (any::<u16>(), prop_oneof![0..128u16, any::<u16>()])
            .prop_map(|(index, new_size)| Op::Grow { index, new_size }),
        2 => (any::<u16>(), prop_oneof![0..128u16, any::<u16>()])
            .prop_map(|(index, new_size)| Op::Shrink { index, new_size }),
        1 => (any::<u16>(), any::<u8>()).prop_map(|(index, how)| Op::Stale { index, how }),
        1 => (any::<u16>(), any::<u8>()).prop_map(|(index, how)| Op::Foreign { index, how }),
        1 => any::<u32>().prop_map(Op::Query),
        1 => any::<u16>().prop_map(|stop| Op::Iterate { stop }),
        1 => Just(Op::Reset),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 2 } else { 256 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn range_pool_matches_its_model(
        config in config(),
        ops in proptest::collection::vec(op(), 1..if cfg!(miri) { 24 } else { 300 }),
    ) {
        run(&config, &ops);
    }
}

/// Every operation and outcome, in one fixed sequence.
#[test]
fn every_operation_and_outcome_is_reached() {
    // 512 bytes in granules of 8; five nodes, growing to six. The
    // comments give the live allocations in address order after a step.
    let ops = [
        Op::Alloc {
            size: 100,
            align_log2: 0,
        }, // a [0, 104)
        Op::Alloc {
            size: 0,
            align_log2: 6,
        }, // a, b [128, 136): a gap before
        Op::Alloc {
            size: 40,
            align_log2: 0,
        }, // a, b, c [136, 176)
        Op::AllocHuge { below_max: 0 },
        Op::AllocBadAlign { size: 8, align: 2 },
        Op::Alloc {
            size: 600,
            align_log2: 0,
        }, // Too large.
        Op::Alloc {
            size: 200,
            align_log2: 0,
        }, // a, b, c, d [176, 376): grows to 6 nodes
        Op::Alloc {
            size: 200,
            align_log2: 0,
        }, // Out of space.
        Op::Alloc {
            size: 8,
            align_log2: 0,
        }, // Fits, but no node is left.
        Op::Grow {
            index: 0,
            new_size: 104,
        }, // Same size.
        Op::Grow {
            index: 0,
            new_size: 500,
        }, // b is in the way.
        Op::Grow {
            index: 0,
            new_size: 1,
        }, // Wrong direction.
        Op::Grow {
            index: 3,
            new_size: 336,
        }, // d [176, 512): takes the whole tail.
        Op::Shrink {
            index: 0,
            new_size: 10_000,
        }, // Wrong direction.
        Op::Shrink {
            index: 2,
            new_size: 8,
        }, // c [136, 144): a new free range.
        Op::Shrink {
            index: 3,
            new_size: 8,
        }, // Needs a node; none is left.
        Op::Free(1), // a, c, d
        Op::Stale { index: 0, how: 0 },
        Op::Stale { index: 1, how: 1 },
        Op::Stale { index: 2, how: 2 },
        Op::Foreign { index: 0, how: 0 },
        Op::Foreign { index: 1, how: 1 },
        Op::Foreign { index: 2, how: 2 },
        Op::FreeAtOffset(3),   // Inside a.
        Op::FreeAtOffset(520), // Past the end.
        Op::FreeAtOffset(110), // Free space.
        Op::FreeAtOffset(136), // c: a, d
        Op::Query(0),
        Op::Query(5),
        Op::Query(300),
        Op::Iterate { stop: 1 },
        Op::Iterate { stop: 100 },
        Op::FreeAt(0), // d
        Op::Reset,
        Op::Stale { index: 3, how: 0 },
        Op::Free(0), // Nothing is live: skipped.
    ];
    let summary = run(&Config::new(64, 3, 5, 6), &ops);
    println!("{summary:#?}");
    for event in [
        "alloc.ok",
        "alloc.too_large",
        "alloc.out_of_space",
        "alloc.nodes_exhausted",
        "free",
        "free_at",
        "free_at.ok",
        "free_at.out_of_bounds",
        "free_at.interior",
        "free_at.not_allocated",
        "grow.ok",
        "grow.no_room",
        "grow.wrong",
        "shrink.ok",
        "shrink.no_node",
        "shrink.wrong",
        "stale",
        "foreign",
        "query",
        "iterate.break",
        "reset",
        "skipped",
    ] {
        assert!(summary.count(event) > 0, "{event} never happened");
    }
}

#[test]
fn a_pool_without_nodes_cannot_be_created() {
    let summary = run(&Config::new(8, 0, 0, 0), &[Op::Reset]);
    assert_eq!(summary.count("new.nodes_exhausted"), 1);
}

/// A storage that can grow, but not by enough for a split that needs two
/// nodes: the allocation fails cleanly (the storage keeps the node it grew).
#[test]
fn growth_short_of_two_nodes_fails_cleanly() {
    let ops = [
        Op::Alloc {
            size: 10,
            align_log2: 2,
        }, // [0, 10) and a tail: 2 nodes.
        Op::Alloc {
            size: 1,
            align_log2: 4,
        }, // A gap and a tail: 2 more; 1 can grow.
        Op::Alloc {
            size: 1,
            align_log2: 0,
        }, // A tail: the grown node.
    ];
    let summary = run(&Config::new(100, 0, 0, 3), &ops);
    assert_eq!(
        (
            summary.count("alloc.ok"),
            summary.count("alloc.nodes_exhausted")
        ),
        (2, 1)
    );
}
