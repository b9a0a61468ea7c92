//! `Slab` against its model: generated sequences (proptest) and a
//! hand-written one that reaches every operation and outcome.

use poolalloc_model::slab::{Op, Shape, run};
use proptest::prelude::*;

fn shape() -> impl Strategy<Value = Shape> {
    prop::sample::select(Shape::ALL.to_vec())
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (prop_oneof![0..20u16, any::<u16>()], any::<u8>())
            .prop_map(|(len, fill)| Op::Alloc { len, fill }),
        2 => (prop_oneof![0..20u16, any::<u16>()], any::<u8>())
            .prop_map(|(len, fill)| Op::AllocUninit { len, fill }),
        1 => any::<u16>().prop_map(|below_max| Op::AllocHuge { below_max }),
        5 => any::<u16>().prop_map(Op::Free),
        2 => (any::<u16>(), any::<u8>()).prop_map(|(index, fill)| Op::Write { index, fill }),
        3 => (any::<u16>(), any::<u8>()).prop_map(|(index, how)| Op::Stale { index, how }),
        1 => (any::<u16>(), any::<u8>()).prop_map(|(index, how)| Op::Foreign { index, how }),
        1 => Just(Op::Clear),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 2 } else { 256 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn slab_matches_its_model(
        shape in shape(),
        ops in proptest::collection::vec(op(), 1..if cfg!(miri) { 40 } else { 400 }),
    ) {
        run(shape, &ops);
    }
}

/// Every operation and outcome, in one fixed sequence on `Slab<64, 4>`
/// (blocks of 16 bytes).
#[test]
fn every_operation_and_outcome_is_reached() {
    let ops = [
        Op::Free(0), // Nothing live: skipped.
        Op::Stale { index: 0, how: 0 },
        Op::Alloc { len: 16, fill: 1 }, // Exactly a block.
        Op::Alloc { len: 17, fill: 1 }, // One past: too large.
        Op::AllocUninit { len: 0, fill: 2 },
        Op::AllocHuge { below_max: 0 },
        Op::Alloc { len: 5, fill: 3 },
        Op::AllocUninit { len: 9, fill: 4 },
        Op::Alloc { len: 1, fill: 5 }, // Full.
        Op::Write { index: 2, fill: 9 },
        Op::Free(1),
        Op::Alloc { len: 3, fill: 6 }, // Reuses the freed slot.
    ]
    .into_iter()
    .chain((0..6u8).map(|how| Op::Stale { index: 0, how }))
    .chain((0..6u8).map(|how| Op::Foreign {
        index: how as u16,
        how,
    }))
    .chain([
        Op::Clear,
        Op::Stale { index: 3, how: 5 },
        Op::Alloc { len: 2, fill: 7 },
    ])
    .collect::<Vec<_>>();
    let summary = run(Shape::Small, &ops);
    println!("{summary:#?}");
    for event in [
        "alloc",
        "alloc_uninit",
        "alloc.huge",
        "alloc.ok",
        "alloc.too_large",
        "alloc.full",
        "free",
        "write",
        "stale",
        "foreign",
        "clear",
        "skipped",
    ] {
        assert!(summary.count(event) > 0, "{event} never happened");
    }
    assert_eq!(summary.count("alloc.full"), 1);
    assert_eq!(summary.count("stale"), 7);
}

/// A slab of more than 255 slots filled, drained and refilled (under
/// Miri, where every step checks all 300 slots slowly, only partly: the
/// library's own tests fill a 1000-slot slab there).
#[test]
fn wide_slab_fills_and_refills() {
    let (fill, drain) = if cfg!(miri) { (20u16, 10) } else { (301, 150) };
    let mut ops: Vec<Op> = (0..fill)
        .map(|i| Op::Alloc {
            len: i % 5,
            fill: i as u8,
        })
        .collect();
    ops.extend((0..drain).map(|_| Op::Free(7)));
    ops.extend((0..drain + 1).map(|i| Op::Alloc {
        len: 4,
        fill: i as u8,
    }));
    let summary = run(Shape::Wide, &ops);
    let full = if cfg!(miri) { 0 } else { 2 };
    assert_eq!(
        (summary.count("alloc.ok"), summary.count("alloc.full")),
        (fill as usize + drain as usize + 1 - full, full)
    );
}
