//! One region of a [`BlockPool`](super::BlockPool): its header, its
//! allocated-bit map and its blocks.
//!
//! ```text
//! region: | pad | Segment | pad | bitmap: ceil(count/64) u64 | pad | block 0 | block 1 | ... |
//! ```
//!
//! Blocks `[0, bump)` have been handed out at least once since the cursor
//! last rewound; each is either allocated (its bit is set) or on the pool's
//! free list (its bit is clear). Blocks `[bump, count)` are fresh: not on
//! the free list, not allocated.
//!
//! Bitmap words are cleared lazily: the word holding block `i` is zeroed
//! when the bump cursor reaches `i` with `i % 64 == 0`. Bits are valid (and
//! may be read) for blocks `[0, high)`, where `high` is the furthest the
//! cursor has reached since the last reset: a rewind (the pool became empty,
//! every bit clear) moves the cursor back but keeps `high`, so a block freed
//! before the rewind still reads as freed. A reset clears `high` too, and
//! words past it may hold stale bits that are never read.

use crate::region::Region;
use crate::stride::Stride;
use core::ptr::{self, NonNull};

/// The header a pool writes at the front of each of its regions.
#[repr(C)]
pub(super) struct Segment {
    /// The next segment in address order, or null.
    pub(super) next: *mut Segment,
    /// The first byte of the region this segment was built in.
    pub(super) region_start: usize,
    /// One past the last byte of that region.
    pub(super) region_end: usize,
    /// The first block; blocks follow at `stride` intervals.
    pub(super) blocks: *mut u8,
    /// How many blocks the segment holds.
    pub(super) count: usize,
    /// How many blocks, from the first, have been handed out since the
    /// cursor last rewound.
    pub(super) bump: usize,
    /// The furthest `bump` has reached since the last reset: bits below it
    /// are valid.
    pub(super) high: usize,
    /// `count * stride`: the length of the block area.
    pub(super) span: usize,
    /// `ceil(count / 64)` words, one allocated bit per block.
    pub(super) bits: *mut u64,
}

impl Segment {
    /// Lays out a segment in `region` for blocks of `stride` bytes aligned
    /// to `align`, holding at most `limit` blocks. Writes only the header:
    /// no block and no bitmap word is touched.
    ///
    /// Returns `None` when the region cannot hold the header and one block.
    pub(super) fn build(
        mut region: Region<'_>,
        stride: Stride,
        align: usize,
        limit: usize,
    ) -> Option<NonNull<Segment>> {
        let region_range = region.addr_range();
        let header = region.carve(size_of::<Segment>(), align_of::<Segment>())?;
        let (fit, _) = region.fit_with_bitmap(stride.size(), align);
        let count = fit.min(limit);
        if count == 0 {
            return None;
        }
        let bits = region.carve(count.div_ceil(64) * 8, align_of::<u64>())?;
        let blocks = region.carve(count * stride.size(), align)?;
        let header = header.cast::<Segment>();
        // SAFETY: `header` is a fresh, aligned piece of the region, large
        // enough for a `Segment`, which nothing else references.
        unsafe {
            header.as_ptr().write(Segment {
                next: ptr::null_mut(),
                region_start: region_range.start,
                region_end: region_range.end,
                blocks: blocks.as_ptr(),
                count,
                bump: 0,
                high: 0,
                span: count * stride.size(),
                bits: bits.cast::<u64>().as_ptr(),
            });
        }
        Some(header)
    }

    /// The smallest region that [`build`](Self::build) turns into a segment
    /// of at least `count` blocks, whatever the region's start address.
    pub(super) const fn region_size_for(
        count: usize,
        stride: Stride,
        align: usize,
    ) -> Option<usize> {
        let words = count.div_ceil(64);
        let parts = [
            align_of::<Segment>() - 1,
            size_of::<Segment>(),
            align_of::<u64>() - 1,
            words * 8,
            align - 1,
        ];
        let Some(blocks) = count.checked_mul(stride.size()) else {
            return None;
        };
        let mut total = blocks;
        let mut i = 0;
        while i < parts.len() {
            total = match total.checked_add(parts[i]) {
                Some(t) => t,
                None => return None,
            };
            i += 1;
        }
        Some(total)
    }

    /// The address of the first block.
    #[inline(always)]
    pub(super) fn blocks_addr(&self) -> usize {
        self.blocks.addr()
    }

    /// One past the last block's last byte.
    #[inline(always)]
    pub(super) fn blocks_end(&self) -> usize {
        self.blocks.addr() + self.span
    }

    /// Whether `addr` falls within the block area.
    #[inline(always)]
    pub(super) fn holds(&self, addr: usize) -> bool {
        addr.wrapping_sub(self.blocks_addr()) < self.span
    }

    /// Reads allocated bit `index`.
    ///
    /// # Safety
    ///
    /// `index < self.high`.
    #[inline(always)]
    pub(super) unsafe fn bit(&self, index: usize) -> bool {
        debug_assert!(index < self.high);
        // SAFETY: `index < high <= count`, so the word is inside the bitmap
        // and has been initialised since the last reset.
        let word = unsafe { *self.bits.add(index / 64) };
        word & (1 << (index % 64)) != 0
    }

    /// Hands out the next never-used block, marking it allocated, or
    /// returns `None` when every block has been handed out.
    #[inline(always)]
    pub(super) fn bump(&mut self, stride: Stride) -> Option<*mut u8> {
        let index = self.bump;
        if index >= self.count {
            return None;
        }
        self.bump = index + 1;
        if self.bump > self.high {
            self.high = self.bump;
        }
        // SAFETY: `index < count`, so the word is inside the bitmap. A word
        // is (re)initialised when the cursor enters it, so its stale bits
        // are never read. When the cursor re-enters a word after a rewind,
        // no block of the word is allocated, so zeroing it loses nothing.
        unsafe {
            let word = self.bits.add(index / 64);
            if index % 64 == 0 {
                *word = 1;
            } else {
                *word |= 1 << (index % 64);
            }
        }
        // SAFETY: `index < count`, so the block lies inside the block area.
        Some(unsafe { self.blocks.add(index * stride.size()) })
    }

    /// The allocated bits of word `w`, restricted to blocks below the
    /// cursor (blocks between the cursor and `high` are never allocated).
    ///
    /// # Safety
    ///
    /// `w * 64 < self.bump`.
    #[inline]
    pub(super) unsafe fn live_word(&self, w: usize) -> u64 {
        debug_assert!(w * 64 < self.bump);
        // SAFETY: the word is at or before the cursor's word.
        let word = unsafe { *self.bits.add(w) };
        let valid = self.bump - w * 64;
        if valid >= 64 {
            word
        } else {
            word & ((1u64 << valid) - 1)
        }
    }
}

/// Sets bit `index` of the bitmap at `bits`.
///
/// # Safety
///
/// The word holding `index` is inside a live bitmap and initialised.
#[inline(always)]
pub(super) unsafe fn set_bit(bits: *mut u64, index: usize) {
    // SAFETY: the caller's contract.
    unsafe { *bits.add(index / 64) |= 1 << (index % 64) };
}

/// Clears bit `index` of the bitmap at `bits`.
///
/// # Safety
///
/// As [`set_bit`].
#[inline(always)]
pub(super) unsafe fn clear_bit(bits: *mut u64, index: usize) {
    // SAFETY: the caller's contract.
    unsafe { *bits.add(index / 64) &= !(1 << (index % 64)) };
}
