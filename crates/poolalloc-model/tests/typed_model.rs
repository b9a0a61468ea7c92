//! Model test of `FixedPool` and `GrowingPool`: random operation sequences
//! against a `HashMap` model (see `poolalloc_model::typed`), with every
//! live, stale, foreign and forged key checked after every step.

use poolalloc_model::typed::{Config, Growth, MAX_CAPACITY, Op, StrategyKind, run};
use proptest::prelude::*;

fn strategy_kind() -> impl Strategy<Value = StrategyKind> {
    prop_oneof![
        Just(StrategyKind::Stack),
        Just(StrategyKind::FreeList),
        Just(StrategyKind::Bitmap)
    ]
}

fn config() -> impl Strategy<Value = Config> {
    (
        any::<bool>(),
        strategy_kind(),
        prop_oneof![1..=4usize, 1..=MAX_CAPACITY],
        0..=MAX_CAPACITY,
        prop_oneof![
            (1..=8usize).prop_map(Growth::Linear),
            (1..=200u32).prop_map(Growth::Exponential)
        ],
    )
        .prop_map(|(fixed, strategy, capacity, extra, growth)| {
            if fixed {
                Config::fixed(strategy, capacity)
            } else {
                let max = (capacity + extra).min(MAX_CAPACITY);
                Config::growing(strategy, capacity, max, growth)
            }
        })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => any::<u16>().prop_map(Op::Insert),
        3 => any::<u16>().prop_map(Op::Get),
        2 => (any::<u16>(), any::<u16>()).prop_map(|(i, v)| Op::GetMut(i, v)),
        4 => any::<u16>().prop_map(Op::Remove),
        2 => any::<u16>().prop_map(Op::StaleGet),
        1 => any::<u16>().prop_map(Op::StaleRemove),
        1 => Just(Op::ForeignGet),
        2 => any::<u64>().prop_map(Op::Forged),
        5 => any::<u16>().prop_map(Op::Alloc),
        2 => (any::<u16>(), any::<u16>()).prop_map(|(i, v)| Op::Mutate(i, v)),
        3 => any::<u16>().prop_map(Op::DropOwned),
        3 => any::<u16>().prop_map(Op::AllocShared),
        1 => any::<u16>().prop_map(Op::IntoShared),
        2 => any::<u16>().prop_map(Op::CloneShared),
        3 => any::<u16>().prop_map(Op::DropShared),
        2 => any::<u16>().prop_map(Op::Downgrade),
        3 => any::<u16>().prop_map(Op::Upgrade),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 2 } else { 256 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn typed_pools_match_their_model(
        config in config(),
        ops in proptest::collection::vec(op(), 1..if cfg!(miri) { 40 } else { 300 }),
    ) {
        run(&config, &ops);
    }
}

/// Forged keys near the live ones: the same index with nearby generations.
#[test]
fn keys_forged_near_live_ones_reach_nothing_else() {
    let mut ops = vec![Op::Insert(1), Op::Insert(2), Op::Remove(0), Op::Insert(3)];
    for bits in [1u64, 3, 5, 7, 9]
        .iter()
        .flat_map(|g| [g << 32, (g << 32) | 1])
    {
        ops.push(Op::Forged(bits));
    }
    let summary = run(&Config::fixed(StrategyKind::Stack, 2), &ops);
    assert_eq!(summary.count("forged"), 10);
}

/// Every operation and outcome, in one fixed sequence, for every kind and
/// strategy.
#[test]
fn every_operation_and_outcome_is_reached() {
    let ops = [
        Op::Insert(1),
        Op::Insert(2),
        Op::Get(0),
        Op::Alloc(3),
        Op::Mutate(0, 4),
        Op::AllocShared(5),
        Op::CloneShared(0),
        Op::Downgrade(0),
        Op::Upgrade(0),
        Op::Insert(6), // Full: 4 live of 4.
        Op::Alloc(7),
        Op::AllocShared(8),
        Op::DropShared(0),
        Op::DropShared(0), // The last owner.
        Op::Upgrade(0),    // Dead.
        Op::IntoShared(0),
        Op::DropShared(0),
        Op::ForeignGet,
        Op::Forged(u64::MAX),
        Op::Forged(2 << 32),
        Op::Remove(0), // Ends the segment.
        Op::StaleGet(0),
        Op::StaleRemove(0),
        Op::GetMut(0, 9),
        Op::DropOwned(0), // Nothing held: skipped.
        Op::Alloc(10),
        Op::DropOwned(0),
    ];
    for strategy in [
        StrategyKind::Stack,
        StrategyKind::FreeList,
        StrategyKind::Bitmap,
    ] {
        let summary = run(&Config::fixed(strategy, 4), &ops);
        for event in [
            "insert.ok",
            "insert.full",
            "get",
            "get_mut",
            "remove",
            "stale_get",
            "stale_remove",
            "foreign_get",
            "forged",
            "forged.invalid",
            "alloc.ok",
            "alloc.full",
            "mutate",
            "drop_owned",
            "alloc_shared.ok",
            "alloc_shared.full",
            "into_shared",
            "clone_shared",
            "drop_shared",
            "drop_shared.last",
            "downgrade",
            "upgrade.ok",
            "upgrade.dead",
            "skipped",
        ] {
            assert!(
                summary.count(event) > 0,
                "{strategy:?}: {event} never happened"
            );
        }
        // A growing pool from 1 to 4 slots by one slot at a time goes
        // through the same outcomes, growing three times.
        let growing = Config::growing(strategy, 1, 4, Growth::Linear(1));
        let summary = run(&growing, &ops);
        assert_eq!(summary.count("insert.full"), 1);
    }
}
