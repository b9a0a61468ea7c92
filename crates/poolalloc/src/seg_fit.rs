//! The two-level segregated-fit index behind the variable-size engines.
//!
//! Free blocks are kept in bins by size. A size (in granules, `units >= 1`)
//! maps to a first level, its power of two, and a second level, one of
//! [`SL_COUNT`] equal slices of that power of two; sizes below `SL_COUNT`
//! granules get a bin each. Two bitmaps record which bins are non-empty, so
//! finding the smallest non-empty bin that can hold a request takes two
//! bit scans: O(1) whatever the number of free blocks. Mapping a size to
//! its bin is branchless (see [`Bin`]).
//!
//! The index knows nothing of the blocks themselves: each engine keeps its
//! own list heads, one per [`Bin`], indexed by [`Bin::index`].
//!
//! ```text
//! units:   1..32      32..64      64..128        ...   2^k .. 2^(k+1)
//! first:     0          1           2                    k - 4
//! second:  units    (units-32)   (units-64)/2            32 slices
//! ```

/// log2 of the number of second-level bins per first level.
pub(crate) const SL_LOG2: u32 = 5;
/// The number of second-level bins per first level.
pub(crate) const SL_COUNT: usize = 1 << SL_LOG2;
/// The number of first levels: enough for any `usize` number of units.
pub(crate) const FL_COUNT: usize = (usize::BITS - SL_LOG2 + 1) as usize;
/// The number of bins.
pub(crate) const BIN_COUNT: usize = FL_COUNT * SL_COUNT;

/// A bin: a first and a second level, stored as its position in
/// `0..BIN_COUNT` (`first * SL_COUNT + second`).
///
/// The mapping from sizes is branchless: with `shift` the position of the
/// highest set bit of `units | SL_COUNT`, minus [`SL_LOG2`], the position is
/// `shift * SL_COUNT + (units >> shift)`. Below `2 * SL_COUNT` units the
/// shift is 0 and every size gets its own bin (first levels 0 and 1);
/// above, `units >> shift` is in `SL_COUNT..2 * SL_COUNT`, so the top bit
/// lands in the first level and the next [`SL_LOG2`] bits are the second.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Bin(usize);

/// The shift that maps `units` to its second level: 0 below
/// `2 * SL_COUNT`, `log2(units) - SL_LOG2` above.
#[inline(always)]
const fn level_shift(units: usize) -> u32 {
    usize::BITS - 1 - (units | SL_COUNT).leading_zeros() - SL_LOG2
}

impl Bin {
    /// The bin's position in `0..BIN_COUNT`, increasing with size.
    #[inline(always)]
    pub(crate) const fn index(self) -> usize {
        self.0
    }

    /// The first level.
    #[inline(always)]
    pub(crate) const fn fl(self) -> usize {
        self.0 >> SL_LOG2
    }

    /// The second level.
    #[inline(always)]
    pub(crate) const fn sl(self) -> usize {
        self.0 & (SL_COUNT - 1)
    }

    /// The bin holding free blocks of `units` granules (`units >= 1`):
    /// every block in it is at least [`min_units`](Self::min_units) long.
    #[inline(always)]
    pub(crate) const fn for_block(units: usize) -> Bin {
        debug_assert!(units >= 1);
        let shift = level_shift(units);
        Bin(((shift as usize) << SL_LOG2) + (units >> shift))
    }

    /// The first bin whose every block holds at least `units` granules, or
    /// `None` when no bin can (the request is too large for any block).
    ///
    /// Rounding `units` up to the next bin boundary with the shift of
    /// `units` itself is enough: when the rounding carries into the next
    /// power of two, `rounded >> shift` is `2 * SL_COUNT`, which is the
    /// position of that power's first bin.
    #[inline(always)]
    pub(crate) const fn for_request(units: usize) -> Option<Bin> {
        let shift = level_shift(units);
        match units.checked_add((1 << shift) - 1) {
            Some(rounded) => Some(Bin(((shift as usize) << SL_LOG2) + (rounded >> shift))),
            None => None,
        }
    }

    /// The smallest size, in granules, that maps to this bin.
    #[inline]
    pub(crate) const fn min_units(self) -> usize {
        if self.fl() == 0 {
            self.sl()
        } else {
            (SL_COUNT | self.sl()) << (self.fl() - 1)
        }
    }
}

/// The length of [`BinIndex`]'s second-level array: a power of two above
/// [`FL_COUNT`], so that masking a first level keeps it in bounds without a
/// check.
const FL_SLOTS: usize = usize::BITS as usize;
const _: () = assert!(FL_COUNT <= FL_SLOTS && FL_SLOTS.is_power_of_two());

/// Which bins hold at least one free block.
#[derive(Clone, Debug)]
pub(crate) struct BinIndex {
    first: usize,
    second: [u32; FL_SLOTS],
}

impl BinIndex {
    /// An index with every bin empty.
    pub(crate) const fn new() -> Self {
        BinIndex {
            first: 0,
            second: [0; FL_SLOTS],
        }
    }

    /// The second-level bits of first level `fl`.
    #[inline(always)]
    fn second(&self, fl: usize) -> u32 {
        self.second[fl & (FL_SLOTS - 1)]
    }

    /// The second-level bits of first level `fl`, to update.
    #[inline(always)]
    fn second_mut(&mut self, fl: usize) -> &mut u32 {
        &mut self.second[fl & (FL_SLOTS - 1)]
    }

    /// Records that `bin` holds at least one block. Idempotent, so callers
    /// may call it without checking whether the bin was empty.
    #[inline(always)]
    pub(crate) fn mark_nonempty(&mut self, bin: Bin) {
        self.first |= 1 << bin.fl();
        *self.second_mut(bin.fl()) |= 1 << bin.sl();
    }

    /// Records that `bin` holds no block.
    #[inline(always)]
    pub(crate) fn mark_empty(&mut self, bin: Bin) {
        let second = self.second_mut(bin.fl());
        *second &= !(1 << bin.sl());
        if *second == 0 {
            self.first &= !(1 << bin.fl());
        }
    }

    /// Records that `bin`, which is marked non-empty, holds no block when
    /// `empty`; without a branch.
    #[inline(always)]
    pub(crate) fn mark_empty_if(&mut self, bin: Bin, empty: bool) {
        let second = self.second_mut(bin.fl());
        *second &= !(u32::from(empty) << bin.sl());
        let gone = usize::from(*second == 0);
        self.first &= !(gone << bin.fl());
    }

    /// Whether `bin` is recorded as holding a block.
    #[inline(always)]
    pub(crate) fn is_nonempty(&self, bin: Bin) -> bool {
        self.second(bin.fl()) & (1 << bin.sl()) != 0
    }

    /// The first non-empty bin at or after `from`, in size order.
    #[inline(always)]
    pub(crate) fn first_at_or_after(&self, from: Bin) -> Option<Bin> {
        let fl = from.fl();
        let same_level = self.second(fl) & (u32::MAX << from.sl());
        if same_level != 0 {
            return Some(Bin((fl << SL_LOG2) + same_level.trailing_zeros() as usize));
        }
        self.first_above(fl)
    }

    /// The first non-empty bin of a first level above `fl`.
    #[inline]
    fn first_above(&self, fl: usize) -> Option<Bin> {
        // `fl < FL_COUNT <= usize::BITS`, so the shifts stay in range.
        let higher = self.first & ((usize::MAX << (fl & (FL_SLOTS - 1))) << 1);
        if higher == 0 {
            return None;
        }
        let fl = higher.trailing_zeros() as usize;
        Some(Bin(
            (fl << SL_LOG2) + self.second(fl).trailing_zeros() as usize
        ))
    }

    /// The last non-empty bin: the one holding the largest free blocks.
    #[inline]
    pub(crate) fn last(&self) -> Option<Bin> {
        if self.first == 0 {
            return None;
        }
        let fl = (usize::BITS - 1 - self.first.leading_zeros()) as usize;
        let sl = (u32::BITS - 1 - self.second(fl).leading_zeros()) as usize;
        Some(Bin((fl << SL_LOG2) + sl))
    }

    /// Every non-empty bin, in size order: one step per non-empty bin,
    /// found from the bitmaps, not by scanning every bin.
    pub(crate) fn nonempty(&self) -> NonEmptyBins<'_> {
        NonEmptyBins {
            index: self,
            first: self.first,
            fl: 0,
            second: 0,
        }
    }

    /// Whether the two levels agree: a first-level bit is set exactly when
    /// its second-level word is non-zero, and no level at or past
    /// [`FL_COUNT`] is marked. The other queries assume this.
    pub(crate) fn is_consistent(&self) -> bool {
        (0..FL_SLOTS).all(|fl| {
            let marked = self.first & (1 << fl) != 0;
            let nonempty = self.second[fl] != 0;
            marked == nonempty && (fl < FL_COUNT || !nonempty)
        })
    }
}

/// The iterator of [`BinIndex::nonempty`].
pub(crate) struct NonEmptyBins<'a> {
    index: &'a BinIndex,
    /// First levels not yet visited.
    first: usize,
    /// The first level being visited.
    fl: usize,
    /// Its second-level bits not yet returned.
    second: u32,
}

impl Iterator for NonEmptyBins<'_> {
    type Item = Bin;

    fn next(&mut self) -> Option<Bin> {
        while self.second == 0 {
            if self.first == 0 {
                return None;
            }
            self.fl = self.first.trailing_zeros() as usize;
            self.first &= self.first - 1;
            self.second = self.index.second(self.fl);
        }
        let sl = self.second.trailing_zeros() as usize;
        self.second &= self.second - 1;
        Some(Bin((self.fl << SL_LOG2) + sl))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn sizes() -> impl Iterator<Item = usize> {
        (1..5000)
            .chain((5..usize::BITS).flat_map(|k| {
                let p = 1usize << k;
                [p - 1, p, p + 1, p + p / 3]
            }))
            .chain([usize::MAX - 1, usize::MAX])
    }

    #[test]
    fn block_bins_are_monotonic_and_bounded() {
        let mut sorted: Vec<usize> = sizes().collect();
        sorted.sort_unstable();
        let mut last = Bin::for_block(1);
        for units in sorted {
            let bin = Bin::for_block(units);
            assert!(bin >= last, "{units}");
            assert!(bin.index() < BIN_COUNT);
            assert!(bin.min_units() <= units, "{units}: {bin:?}");
            last = bin;
        }
    }

    fn bin_at(index: usize) -> Bin {
        Bin(index)
    }

    #[test]
    fn request_bins_hold_only_large_enough_blocks_and_skip_no_fit() {
        for units in sizes() {
            match Bin::for_request(units) {
                Some(bin) => {
                    assert!(bin.min_units() >= units, "{units}: {bin:?}");
                    if bin.index() > 1 {
                        // The bin below may hold blocks shorter than the request.
                        assert!(bin_at(bin.index() - 1).min_units() < units, "{units}");
                    }
                }
                None => assert!(
                    units > usize::MAX - (usize::MAX >> (SL_LOG2 + 1)),
                    "{units}"
                ),
            }
        }
    }

    #[test]
    fn min_units_inverts_for_block() {
        // Bin 0 would be blocks of zero granules, which do not exist.
        for index in 1..BIN_COUNT {
            let bin = bin_at(index);
            assert_eq!(Bin::for_block(bin.min_units()), bin, "{index}");
        }
    }

    #[test]
    fn index_finds_the_first_nonempty_bin() {
        let mut index = BinIndex::new();
        assert_eq!(index.first_at_or_after(Bin::for_block(1)), None);
        assert_eq!(index.last(), None);
        let small = Bin::for_block(7);
        let mid = Bin::for_block(1000);
        let big = Bin::for_block(1 << 28);
        for bin in [small, mid, big] {
            index.mark_nonempty(bin);
        }
        assert_eq!(index.first_at_or_after(Bin::for_block(1)), Some(small));
        assert_eq!(index.first_at_or_after(small), Some(small));
        assert_eq!(index.first_at_or_after(Bin::for_block(8)), Some(mid));
        // 1001 shares 1000's bin; a request for 1001 must skip it.
        assert_eq!(index.first_at_or_after(Bin::for_block(1001)), Some(mid));
        assert_eq!(
            index.first_at_or_after(Bin::for_request(1001).unwrap()),
            Some(big)
        );
        assert_eq!(index.last(), Some(big));
        assert_eq!(index.nonempty().collect::<Vec<_>>(), [small, mid, big]);
        assert!(index.is_consistent());
        index.mark_empty(big);
        assert_eq!(
            index.first_at_or_after(Bin::for_request(1001).unwrap()),
            None
        );
        assert_eq!(index.last(), Some(mid));
        assert!(index.is_nonempty(mid) && !index.is_nonempty(big));
    }

    #[test]
    fn consistency_requires_both_levels_to_agree() {
        let mut index = BinIndex::new();
        assert!(index.is_consistent());
        let bin = Bin::for_block(100);
        index.mark_nonempty(bin);
        assert!(index.is_consistent());
        let mut stray_first = index.clone();
        stray_first.first |= 1 << (bin.fl() + 1);
        assert!(!stray_first.is_consistent());
        let mut stray_second = index.clone();
        stray_second.second[bin.fl() + 1] = 1;
        assert!(!stray_second.is_consistent());
        let mut past_the_levels = BinIndex::new();
        past_the_levels.first = 1 << (FL_SLOTS - 1);
        past_the_levels.second[FL_SLOTS - 1] = 1;
        assert_eq!(FL_COUNT < FL_SLOTS, !past_the_levels.is_consistent());
        index.mark_empty(bin);
        assert!(index.is_consistent());
        assert_eq!(index.nonempty().count(), 0);
    }
}
