//! `VarPool` against its shadow model: generated operation sequences
//! (proptest) and a hand-written one that reaches every outcome.

// The operations and the runner live in a file that is meant to move, as
// is, into `poolalloc-model`, where the `arbitrary` feature it mentions
// exists; this crate has no such feature.
#![allow(unexpected_cfgs)]

#[allow(dead_code)]
use poolalloc_model::var as var_ops;

use proptest::prelude::*;
use var_ops::{BadPtr, Config, MAX_REGION_LEN, MAX_SPARE_LEN, Op, run};

fn size() -> impl Strategy<Value = u16> {
    // Roughly log-uniform: many small requests, some large ones.
    prop_oneof![0u16..=32, 0u16..=256, 0u16..=1024, 0u16..=4096]
}

fn align_log2() -> impl Strategy<Value = u8> {
    prop_oneof![8 => 0u8..=4, 3 => 0u8..=10, 1 => Just(255u8)]
}

fn bad_ptr() -> impl Strategy<Value = BadPtr> {
    prop_oneof![
        any::<u16>().prop_map(BadPtr::Foreign),
        (any::<u16>(), any::<u16>()).prop_map(|(index, offset)| BadPtr::Interior { index, offset }),
        (any::<u16>(), any::<u16>()).prop_map(|(index, offset)| BadPtr::PastEnd { index, offset }),
        any::<u16>().prop_map(BadPtr::Stale),
        any::<u32>().prop_map(BadPtr::Wild),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        30 => (size(), align_log2()).prop_map(|(size, align_log2)| Op::Alloc { size, align_log2 }),
        3 => (size(), align_log2()).prop_map(|(size, align_log2)| Op::AllocZeroed { size, align_log2 }),
        20 => any::<u16>().prop_map(Op::Free),
        4 => any::<u16>().prop_map(Op::FreeUnchecked),
        10 => (any::<u16>(), size()).prop_map(|(index, size)| Op::Realloc { index, size }),
        10 => bad_ptr().prop_map(Op::FreeBad),
        2 => any::<u8>().prop_map(Op::AddSpare),
        1 => Just(Op::Reset),
        2 => prop_oneof![Just(0u8), 1u8..=40].prop_map(Op::EnableGuards),
        1 => Just(Op::DisableGuards),
        1 => proptest::option::of(0u8..=50).prop_map(Op::SetPolicy),
        1 => any::<bool>().prop_map(Op::SetScrub),
        1 => Just(Op::VerifyAll),
        1 => Just(Op::Dump),
    ]
}

/// Miri interprets `check()` and `dump()`, both O(capacity), after every
/// step: smaller regions there.
fn max_region_len() -> u32 {
    if cfg!(miri) {
        8 * 1024
    } else {
        MAX_REGION_LEN as u32
    }
}

fn config() -> impl Strategy<Value = Config> {
    (
        prop_oneof![1 => 0u32..600, 8 => 1024u32..=max_region_len()],
        0u8..64,
        proptest::array::uniform3(0u16..=MAX_SPARE_LEN as u16),
    )
        .prop_map(|(region_len, skew, spare_lens)| Config {
            region_len,
            skew,
            spare_lens,
        })
}

fn proptest_config() -> ProptestConfig {
    ProptestConfig {
        cases: if cfg!(miri) { 2 } else { 256 },
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(proptest_config())]

    #[test]
    fn var_pool_matches_its_model(
        config in config(),
        ops in proptest::collection::vec(op(), 0..if cfg!(miri) { 32 } else { 300 }),
    ) {
        run(&config, &ops);
    }
}

/// A sequence that reaches every operation and outcome.
fn every_op() -> Vec<Op> {
    let alloc = |size, align_log2| Op::Alloc { size, align_log2 };
    let mut ops = vec![
        alloc(100, 3),
        alloc(0, 0),
        alloc(1000, 6),
        Op::AllocZeroed {
            size: 50,
            align_log2: 4,
        },
        alloc(3, 255),
        alloc(4096, 0),
        alloc(4096, 0),
        Op::Free(1),
        Op::FreeUnchecked(1),
        Op::Realloc {
            index: 0,
            size: 150,
        },
        Op::Realloc { index: 0, size: 20 },
        alloc(40, 2),
        Op::Realloc {
            index: 0,
            size: 3000,
        },
        Op::Realloc {
            index: 0,
            size: 60_000,
        },
        Op::FreeBad(BadPtr::Foreign(0)),
        Op::FreeBad(BadPtr::Foreign(1)),
        Op::FreeBad(BadPtr::Foreign(u16::MAX)),
        Op::FreeBad(BadPtr::Interior {
            index: 0,
            offset: 5,
        }),
        Op::FreeBad(BadPtr::Interior {
            index: 1,
            offset: 6,
        }),
        Op::FreeBad(BadPtr::PastEnd {
            index: 0,
            offset: 0,
        }),
        Op::FreeBad(BadPtr::PastEnd {
            index: 1,
            offset: 1,
        }),
        Op::FreeBad(BadPtr::PastEnd {
            index: 2,
            offset: 40,
        }),
        Op::FreeBad(BadPtr::Stale(0)),
        Op::FreeBad(BadPtr::Stale(1)),
        Op::FreeBad(BadPtr::Stale(2)),
    ];
    // Miri interprets every step's `check()`; fewer wild pointers there.
    let wild = if cfg!(miri) { 8 } else { 64 };
    ops.extend((0..wild).map(|i| Op::FreeBad(BadPtr::Wild(i * 97 + 1))));
    ops.extend((0..wild).map(|i| Op::FreeBad(BadPtr::Wild(i * 16))));
    ops.extend([
        Op::AddSpare(0),
        Op::AddSpare(0),
        Op::AddSpare(2),
        Op::EnableGuards(8),
        Op::SetPolicy(Some(20)),
        alloc(500, 3),
        alloc(500, 3),
        Op::Free(0),
        alloc(480, 3),
        Op::SetScrub(true),
        Op::Dump,
        Op::VerifyAll,
        Op::Reset,
        Op::FreeBad(BadPtr::Stale(3)),
        Op::EnableGuards(0),
        alloc(10, 0),
        alloc(20, 7),
        Op::Realloc {
            index: 0,
            size: 400,
        },
        Op::DisableGuards,
        Op::Free(0),
        Op::Free(0),
        Op::DisableGuards,
        Op::SetPolicy(None),
        Op::SetScrub(false),
        alloc(10, 0),
        Op::Dump,
        Op::VerifyAll,
    ]);
    ops
}

#[test]
fn every_operation_and_outcome_is_reached() {
    let summary = run(&Config::simple(8192), &every_op());
    for event in [
        "created",
        "alloc",
        "alloc_zeroed",
        "alloc_failed",
        "bad_align",
        "free",
        "free_unchecked",
        "realloc_in_place",
        "realloc_moved",
        "realloc_failed",
        "foreign",
        "foreign_bookkeeping",
        "interior",
        "interior_slack",
        "double_free",
        "never_allocated",
        "add_spare",
        "add_overlap",
        "add_too_small",
        "reset",
        "guards_on",
        "guards_off",
        "guards_refused",
        "policy",
        "scrub",
        "verify",
        "dump",
    ] {
        assert!(
            summary.count(event) > 0,
            "{event} not reached: {:?}",
            summary.events().collect::<Vec<_>>()
        );
    }
}

#[test]
fn a_region_too_small_for_a_block_gives_an_empty_pool() {
    let config = Config {
        region_len: 40,
        skew: 3,
        spare_lens: [0, 2000, 0],
    };
    let summary = run(
        &config,
        &[
            Op::Alloc {
                size: 8,
                align_log2: 0,
            },
            Op::AddSpare(1),
            Op::Alloc {
                size: 8,
                align_log2: 0,
            },
            Op::AddSpare(0),
        ],
    );
    assert_eq!(summary.count("created_empty"), 1);
    assert_eq!(summary.count("alloc_failed"), 1);
    assert_eq!(summary.count("alloc"), 1);
    assert_eq!(summary.count("add_too_small"), 1);
}
