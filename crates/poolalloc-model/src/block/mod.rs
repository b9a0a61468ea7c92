//! Model-based testing of [`BlockPool`](poolalloc::BlockPool).
//!
//! A run builds one buffer and splits it, with `split_at_mut`, into the
//! pieces the pool may use:
//!
//! ```text
//! | skew | main region | gap | spare 0 | gap | spare 1 | gap | spare 2 | gap | tiny | gap | tail |
//! ```
//!
//! The pool is created on the main region (or, when that is too small to
//! hold a block, created empty); [`Op::AddSpare`] hands it a spare;
//! [`Op::AddOverlapping`] offers it a region overlapping memory it already
//! manages. The skew moves the main region off any alignment; the gaps and
//! the tail are memory of the buffer that never belongs to the pool.
//!
//! [`run`] then applies the operations to the pool and to a [`Model`],
//! asserting after every step that they agree. See [`run`] for what is
//! checked.

mod model;
mod runner;
#[cfg(feature = "proptest")]
pub mod strategy;

pub use model::{AddExpectation, Class, Model, ModelRegion, REWIND_AFTER};
pub use runner::run;

/// Largest block size a [`Config`] may ask for.
pub const MAX_BLOCK_SIZE: usize = 300;
/// Largest alignment a [`Config`] may ask for.
pub const MAX_ALIGN: usize = 128;
/// Largest start skew of the main region.
pub const MAX_SKEW: usize = 63;
/// Largest main region.
pub const MAX_REGION_LEN: usize = 4096;
/// Largest spare region.
pub const MAX_SPARE_LEN: usize = 2048;
/// Largest gap between two pieces of the buffer.
pub const MAX_GAP: usize = 32;
/// The number of spare buffers a run can add: the three of
/// [`Config::spare_lens`] and the tiny one.
pub const SPARES: usize = 4;

/// The shape of a pool and of the memory it is built on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// Requested block size, `1..=MAX_BLOCK_SIZE`.
    pub block_size: usize,
    /// Requested alignment, a power of two in `1..=MAX_ALIGN`.
    pub align: usize,
    /// Length of the main region, `0..=MAX_REGION_LEN`.
    pub region_len: usize,
    /// Bytes of the buffer before the main region, `0..=MAX_SKEW`.
    pub skew: usize,
    /// Lengths of spares 0 to 2, each `0..=MAX_SPARE_LEN`.
    pub spare_lens: [usize; 3],
    /// Length of spare 3, taken modulo the block stride so that it can
    /// never hold a block: adding it must fail with `TooSmall`.
    pub tiny_len: usize,
    /// Bytes between two consecutive pieces, `0..=MAX_GAP`. With zero the
    /// spares touch each other and the main region.
    pub gap: usize,
    /// Whether the pool keeps its event counters
    /// (`BlockPool<'_, true>`) or not (`BlockPool<'_, false>`).
    pub counters: bool,
    /// Whether the pool rewinds its cursors when it becomes empty (the
    /// default; `false` calls `set_rewind_when_empty(false)`).
    pub rewind: bool,
}

impl Config {
    /// A configuration with the given layout, no skew, spares of 512, 256
    /// and 96 bytes, a tiny spare of 3 bytes (modulo the stride), gaps of
    /// 16 bytes, counters on and rewinding on.
    pub fn simple(block_size: usize, align: usize, region_len: usize) -> Self {
        Config {
            block_size,
            align,
            region_len,
            skew: 0,
            spare_lens: [512, 256, 96],
            tiny_len: 3,
            gap: 16,
            counters: true,
            rewind: true,
        }
    }

    /// Panics unless every field is in its documented range.
    pub fn validate(&self) {
        assert!(
            (1..=MAX_BLOCK_SIZE).contains(&self.block_size),
            "block size {} out of range",
            self.block_size
        );
        assert!(
            self.align.is_power_of_two() && self.align <= MAX_ALIGN,
            "alignment {} out of range",
            self.align
        );
        assert!(self.region_len <= MAX_REGION_LEN, "region too long");
        assert!(self.skew <= MAX_SKEW, "skew too large");
        assert!(
            self.spare_lens.iter().all(|&len| len <= MAX_SPARE_LEN),
            "spare too long"
        );
        assert!(self.gap <= MAX_GAP, "gap too large");
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Config {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Config {
            block_size: u.int_in_range(1..=MAX_BLOCK_SIZE)?,
            align: 1 << u.int_in_range(0..=MAX_ALIGN.trailing_zeros())?,
            region_len: u.int_in_range(0..=MAX_REGION_LEN)?,
            skew: u.int_in_range(0..=MAX_SKEW)?,
            spare_lens: [
                u.int_in_range(0..=MAX_SPARE_LEN)?,
                u.int_in_range(0..=MAX_SPARE_LEN)?,
                u.int_in_range(0..=MAX_SPARE_LEN)?,
            ],
            tiny_len: u.int_in_range(0..=MAX_BLOCK_SIZE)?,
            gap: u.int_in_range(0..=MAX_GAP)?,
            counters: u.arbitrary()?,
            rewind: u.arbitrary()?,
        })
    }
}

/// One operation on a [`BlockPool`](poolalloc::BlockPool).
///
/// Operands are indices into the set the operation draws from, taken
/// modulo its size; an operation whose set is empty (freeing a live block
/// when none is live, say) is skipped and counted as `skipped`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Op {
    /// `alloc()`: `None` exactly when every block is live; otherwise the
    /// most recently freed block, or, when the free list is empty (or was
    /// dropped by a rewind), the block at some region's cursor.
    Alloc,
    /// `alloc_zeroed()`: as [`Op::Alloc`], and every byte of the block is
    /// zero.
    AllocZeroed,
    /// Checked `free` of the live block with this index (address order).
    Free(u16),
    /// `free_unchecked` of the live block with this index (address order).
    FreeUnchecked(u16),
    /// Checked `free` of a pointer outside every block: must be
    /// `FreeError::Foreign`.
    FreeForeign(u16),
    /// Checked `free` of a pointer inside a block (live or not), `1 +
    /// offset % (block_size - 1)` bytes past its start: must be
    /// `FreeError::Interior` with that offset.
    FreeInterior {
        /// Index of the block among all blocks of the pool.
        block: u16,
        /// Picks the offset inside the block.
        offset: u16,
    },
    /// Checked `free` of a block handed out since the last reset and free
    /// now: must be `FreeError::DoubleFree`.
    DoubleFree(u16),
    /// Checked `free` of a block start never handed out since creation or
    /// the last reset: must be `FreeError::NeverAllocated`.
    FreeNeverAllocated(u16),
    /// `reset()`: every block is free and never handed out again.
    Reset,
    /// `add_region` of spare `index % SPARES` (spare 3 is the tiny one).
    /// A spare added before is offered again over the same bytes, which
    /// the pool must refuse with `RegionError::Overlap`.
    AddSpare(u8),
    /// `add_region` of a region overlapping one the pool has (starting up
    /// to 64 bytes before it): must be `RegionError::Overlap`.
    AddOverlapping {
        /// Index of the pool region to overlap.
        region: u8,
        /// Picks where the new region starts.
        start: u16,
        /// Picks its length (1 to 512 bytes, cut at the buffer's end).
        len: u16,
    },
    /// `contains` and `is_allocated` of a pointer.
    Query(Target),
    /// `iter_allocated` against the model's live set, and a
    /// `for_each_allocated` that breaks after `stop % (live + 1) + 1`
    /// blocks; also verifies the contents of every live block.
    Iterate {
        /// Picks where `for_each_allocated` breaks.
        stop: u16,
    },
}

impl Op {
    /// The name under which [`Summary`] counts the operation.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Alloc => "alloc",
            Op::AllocZeroed => "alloc_zeroed",
            Op::Free(_) => "free",
            Op::FreeUnchecked(_) => "free_unchecked",
            Op::FreeForeign(_) => "free.foreign",
            Op::FreeInterior { .. } => "free.interior",
            Op::DoubleFree(_) => "free.double",
            Op::FreeNeverAllocated(_) => "free.never_allocated",
            Op::Reset => "reset",
            Op::AddSpare(_) => "add_spare",
            Op::AddOverlapping { .. } => "add_overlapping",
            Op::Query(_) => "query",
            Op::Iterate { .. } => "iterate",
        }
    }
}

/// Which kind of pointer a query (or a bad free) is made with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Target {
    /// A live block, by index in address order.
    Live(u16),
    /// A block handed out since the last reset and free now.
    Freed(u16),
    /// A block start never handed out since creation or the last reset.
    Fresh(u16),
    /// A pointer inside a block (any block), as in [`Op::FreeInterior`].
    Interior {
        /// Index of the block among all blocks of the pool.
        block: u16,
        /// Picks the offset inside the block.
        offset: u16,
    },
    /// A pointer outside every block: in the skew, a gap, the tail, an
    /// unused spare, a region's bookkeeping or tail padding, another
    /// allocation, the stack, or a dangling pointer.
    Foreign(u16),
}

/// What a run did: how many times each operation was carried out (not
/// skipped) and how many times each outcome was seen.
///
/// Operations count under [`Op::name`]. Outcomes count under
/// `alloc.reused`, `alloc.fresh`, `alloc.none`, `rewind`, `new.ok`,
/// `new.too_small`,
/// `add_region.ok`, `add_region.too_small`, `add_region.overlap`,
/// `query.live`, `query.freed`, `query.fresh`, `query.interior`,
/// `query.foreign`, `iterate.break` and `skipped`.
pub use crate::summary::Summary;

/// Byte `index` of the pattern written into a block allocated with `seed`.
///
/// Every allocation gets a new seed, so two blocks (or two lives of one
/// block) hold different patterns.
pub fn pattern_byte(seed: u64, index: usize) -> u8 {
    let mut x = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add((index as u64).wrapping_mul(0xD1B5_4A32_D192_ED03));
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    (x ^ (x >> 29)) as u8
}

/// The first index at which `bytes` differs from the pattern of `seed`.
pub fn pattern_mismatch(seed: u64, bytes: &[u8]) -> Option<usize> {
    bytes
        .iter()
        .enumerate()
        .position(|(i, &b)| b != pattern_byte(seed, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_differ_between_seeds_and_detect_a_flipped_byte() {
        let a: Vec<u8> = (0..64).map(|i| pattern_byte(1, i)).collect();
        let b: Vec<u8> = (0..64).map(|i| pattern_byte(2, i)).collect();
        assert_ne!(a, b);
        assert_eq!(pattern_mismatch(1, &a), None);
        assert_eq!(pattern_mismatch(2, &a), (0..64).find(|&i| a[i] != b[i]));
        let mut c = a.clone();
        c[37] ^= 0x10;
        assert_eq!(pattern_mismatch(1, &c), Some(37));
        // A block of zeroes is not a valid pattern.
        assert!(pattern_mismatch(1, &[0u8; 64]).is_some());
    }

    #[test]
    #[should_panic(expected = "alignment 3")]
    fn validate_rejects_a_bad_alignment() {
        Config::simple(8, 3, 64).validate();
    }
}
