//! [`BlockPool::check`]: verifies every invariant of the pool.

use super::BlockPool;
use super::segment::Segment;
use crate::error::CheckError;

impl<const C: bool> BlockPool<'_, C> {
    /// Walks the pool and verifies every invariant: regions disjoint and in
    /// address order, cursors in range, the free list acyclic, in bounds,
    /// made of block starts that were handed out and are not marked
    /// allocated, and the counts of allocated, free, fresh and total blocks
    /// agreeing with the pool's own.
    ///
    /// It costs O(capacity + regions). Tests and fuzz
    /// targets call it after every operation.
    ///
    /// # Errors
    ///
    /// The first broken invariant found, as a [`CheckError`].
    pub fn check(&self) -> Result<(), CheckError> {
        let mut capacity = 0usize;
        let mut handed_out = 0usize;
        let mut allocated = 0usize;
        let mut regions = 0usize;
        let mut last_end = 0usize;
        let mut hint_found = self.hint.seg.is_null();
        let mut bump_found = self.bump_seg.is_null();
        let mut cur = self.segments;
        while !cur.is_null() {
            // SAFETY: `cur` is a live header of this pool.
            let seg: &Segment = unsafe { &*cur };
            if seg.region_start < last_end || seg.region_end < seg.region_start {
                return Err(CheckError::RegionsOverlap);
            }
            let blocks = seg.blocks_addr();
            if seg.bump > seg.high
                || seg.high > seg.count
                || seg.span != seg.count * self.stride.size()
                || seg.count == 0
                || blocks < seg.region_start
                || seg.blocks_end() > seg.region_end
                || blocks % self.align != 0
            {
                return Err(CheckError::BadRegionHeader);
            }
            last_end = seg.region_end;
            capacity += seg.count;
            handed_out += seg.bump;
            for w in 0..seg.bump.div_ceil(64) {
                // SAFETY: word `w` starts below the cursor.
                allocated += unsafe { seg.live_word(w) }.count_ones() as usize;
            }
            // Between the cursor and the high mark no block is allocated.
            let mut index = seg.bump;
            while index < seg.high {
                // SAFETY: `index < high`.
                if unsafe { seg.bit(index) } {
                    return Err(CheckError::BadRegionHeader);
                }
                index += 1;
            }
            hint_found |= cur == self.hint.seg;
            bump_found |= cur == self.bump_seg;
            regions += 1;
            cur = seg.next;
        }
        if !hint_found || !bump_found {
            return Err(CheckError::BadRegionHeader);
        }
        CheckError::expect_count("regions", self.regions, regions)?;
        CheckError::expect_count("capacity", self.capacity, capacity)?;
        CheckError::expect_count("fresh blocks", self.unbumped, capacity - handed_out)?;
        CheckError::expect_count("allocated blocks", self.len(), allocated)?;

        let expected_free = handed_out - allocated;
        let mut free = 0usize;
        let mut node = self.free_head;
        while !node.is_null() {
            if free == expected_free {
                return Err(CheckError::FreeListCycle);
            }
            let addr = node.addr();
            let seg = self
                .find(addr)
                .ok_or(CheckError::FreeListOutOfBounds { addr })?;
            // SAFETY: `find` returns live headers.
            let seg = unsafe { &*seg };
            let index = self
                .stride
                .index(addr - seg.blocks_addr())
                .map_err(|_| CheckError::FreeListMisaligned { addr })?;
            // SAFETY: `index < bump` is checked first.
            if index >= seg.bump || unsafe { seg.bit(index) } {
                return Err(CheckError::FreeListHoldsLiveBlock { addr });
            }
            free += 1;
            // SAFETY: `node` is a free block of this pool, which holds its
            // link in its first word.
            node = unsafe { node.cast::<*mut u8>().read() };
        }
        CheckError::expect_count("free blocks", expected_free, free)
    }
}
