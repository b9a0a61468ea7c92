//! Proptest strategies for [`Config`] and [`Op`] sequences.

use super::{Config, MAX_BLOCK_SIZE, MAX_GAP, MAX_SKEW, Op, Target};
use proptest::prelude::*;

/// Configurations with a main region of at most `max_region_len` bytes and
/// spares of at most `max_spare_len` bytes. Small block sizes and small
/// regions are drawn more often, so that pools fill up.
pub fn config(max_region_len: usize, max_spare_len: usize) -> impl Strategy<Value = Config> {
    (
        prop_oneof![1..=16usize, 1..=MAX_BLOCK_SIZE],
        0..=super::MAX_ALIGN.trailing_zeros(),
        prop_oneof![0..=max_region_len.min(256), 0..=max_region_len],
        0..=MAX_SKEW,
        proptest::array::uniform3(0..=max_spare_len),
        0..=MAX_BLOCK_SIZE,
        0..=MAX_GAP,
        any::<bool>(),
    )
        .prop_map(
            |(block_size, shift, region_len, skew, spare_lens, tiny_len, gap, counters)| Config {
                block_size,
                align: 1 << shift,
                region_len,
                skew,
                spare_lens,
                tiny_len,
                gap,
                counters,
            },
        )
}

/// A pointer target for queries.
pub fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        any::<u16>().prop_map(Target::Live),
        any::<u16>().prop_map(Target::Freed),
        any::<u16>().prop_map(Target::Fresh),
        (any::<u16>(), any::<u16>()).prop_map(|(block, offset)| Target::Interior { block, offset }),
        any::<u16>().prop_map(Target::Foreign),
    ]
}

/// One operation, allocations weighted so that pools fill up.
pub fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => Just(Op::Alloc),
        2 => Just(Op::AllocZeroed),
        4 => any::<u16>().prop_map(Op::Free),
        2 => any::<u16>().prop_map(Op::FreeUnchecked),
        1 => any::<u16>().prop_map(Op::FreeForeign),
        1 => (any::<u16>(), any::<u16>())
            .prop_map(|(block, offset)| Op::FreeInterior { block, offset }),
        1 => any::<u16>().prop_map(Op::DoubleFree),
        1 => any::<u16>().prop_map(Op::FreeNeverAllocated),
        1 => Just(Op::Reset),
        1 => any::<u8>().prop_map(Op::AddSpare),
        1 => (any::<u8>(), any::<u16>(), any::<u16>())
            .prop_map(|(region, start, len)| Op::AddOverlapping { region, start, len }),
        2 => target().prop_map(Op::Query),
        1 => any::<u16>().prop_map(|stop| Op::Iterate { stop }),
    ]
}

/// Up to `max_len` operations.
pub fn ops(max_len: usize) -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(op(), 0..=max_len)
}
