//! [`VarPool::check`]: verifies every invariant of the pool.

use super::VarPool;
use super::layout::{
    Area, FLAGS, FREE, G, G_SHIFT, Hdr, MIN_BLOCK, PREV_FREE, next_free, prev_free, size_of_block,
};
use crate::error::CheckError;
use crate::seg_fit::Bin;
use core::ptr;

/// The set bits of an area's bitmap, in increasing order.
struct SetBits<'a> {
    area: &'a Area,
    word: usize,
    bits: u64,
}

impl Iterator for SetBits<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        loop {
            if self.bits != 0 {
                let bit = self.bits.trailing_zeros() as usize;
                self.bits &= self.bits - 1;
                return Some((self.word - 1) * 64 + bit);
            }
            if self.word >= self.area.words() {
                return None;
            }
            // SAFETY: the word index is in range.
            self.bits = unsafe { self.area.word(self.word) };
            self.word += 1;
        }
    }
}

/// What walking the areas found.
#[derive(Default)]
struct Totals {
    regions: usize,
    capacity: usize,
    in_use: usize,
    live: usize,
    free_blocks: usize,
}

impl VarPool<'_> {
    /// Walks the pool and verifies every invariant:
    ///
    /// - regions disjoint and in address order, their bookkeeping in range,
    ///   the lookup hint one of them;
    /// - in each region, the blocks tile the block area exactly: every size
    ///   a multiple of the granule, at least the minimum, the last block
    ///   followed by the sentinel;
    /// - boundary tags: each block's link to its predecessor and its
    ///   "previous is free" flag agree with that predecessor; no two free
    ///   blocks are adjacent;
    /// - the block-start map has a bit set exactly at each block's start
    ///   (used or free, the sentinel excluded);
    /// - the bins hold exactly the free blocks: every list entry is a real
    ///   free block (reached from a trusted neighbour) of its bin's size,
    ///   every back link is right, no list has a cycle, the list lengths add
    ///   up to the number of free blocks, and the bin index marks exactly
    ///   the non-empty bins;
    /// - the recorded capacity, bytes in use, live allocations, free blocks
    ///   and region count agree with what was found.
    ///
    /// It costs O(blocks + bitmap words + bins). Tests and fuzz targets call
    /// it after every operation. Guard bytes are not part of it (see
    /// [`verify_guards`](Self::verify_guards)).
    ///
    /// # Errors
    ///
    /// The first broken invariant found, as a [`CheckError`].
    pub fn check(&self) -> Result<(), CheckError> {
        let totals = self.check_areas()?;
        count_matches("regions", self.regions, totals.regions)?;
        count_matches("capacity", self.capacity, totals.capacity)?;
        count_matches("bytes in use", self.in_use, totals.in_use)?;
        count_matches("live allocations", self.live, totals.live)?;
        count_matches("free blocks", self.free_blocks, totals.free_blocks)?;
        self.check_bins(totals.free_blocks)
    }

    fn check_areas(&self) -> Result<Totals, CheckError> {
        let expected_lead = if self.guard == 0 {
            G
        } else {
            G + crate::region::align_up(self.guard + super::layout::WORD, G).unwrap_or(0)
        };
        let expected_slow = self.guard != 0 || self.scrub || self.policy != super::FitPolicy::Good;
        if self.lead != expected_lead || self.slow != expected_slow {
            return Err(CheckError::BadRegionHeader);
        }
        let mut totals = Totals::default();
        let mut last_end = 0usize;
        let mut hint_found = self.hint.is_null() && self.hint_len == 0;
        let mut cur = self.areas;
        while !cur.is_null() {
            // SAFETY: `cur` is a live area header of this pool.
            let area = unsafe { &*cur };
            if area.region_start < last_end || area.region_end < area.region_start {
                return Err(CheckError::RegionsOverlap);
            }
            let base = area.base_addr();
            if base < area.region_start
                || area.len > area.region_end - base
                || base % G != 0
                || area.len % G != 0
                || area.len < MIN_BLOCK + G
                || area.bits.addr() < area.region_start
                || area.bits.addr() + area.words() * 8 > base
            {
                return Err(CheckError::BadRegionHeader);
            }
            if cur == self.hint {
                hint_found = self.hint_base == area.base
                    && self.hint_len == area.len
                    && self.hint_bits == area.bits;
            }
            self.check_blocks(area, &mut totals)?;
            last_end = area.region_end;
            totals.regions += 1;
            totals.capacity += area.len - G;
            cur = area.next;
        }
        if !hint_found {
            return Err(CheckError::BadRegionHeader);
        }
        Ok(totals)
    }

    /// Walks the blocks of one area.
    fn check_blocks(&self, area: &Area, totals: &mut Totals) -> Result<(), CheckError> {
        let granules = area.len >> G_SHIFT;
        let mut set_bits = SetBits {
            area,
            word: 0,
            bits: 0,
        };
        let mut off = 0usize;
        let mut prev: *mut Hdr = ptr::null_mut();
        let mut prev_is_free = false;
        loop {
            // SAFETY: `off` is a multiple of `G` below `len - G + 1`: a block
            // start reached from the area's base by valid sizes.
            let b = unsafe { area.base.add(off).cast::<Hdr>() };
            let addr = b.addr();
            // SAFETY: as above: a header inside the area.
            let (link, raw) = unsafe { ((*b).prev, (*b).size) };
            let size = raw & !FLAGS;
            if link != prev || (raw & PREV_FREE != 0) != prev_is_free {
                return Err(CheckError::BoundaryTagMismatch { addr });
            }
            if size == 0 {
                if off != area.len - G || raw & FREE != 0 {
                    return Err(CheckError::BadBlockSize { addr });
                }
                break;
            }
            if size < MIN_BLOCK || size % G != 0 || size > area.len - G - off {
                return Err(CheckError::BadBlockSize { addr });
            }
            match set_bits.next() {
                Some(g) if g == off >> G_SHIFT => {}
                Some(g) if g < off >> G_SHIFT => {
                    return Err(CheckError::AllocatedBitMismatch {
                        addr: area.base_addr() + (g << G_SHIFT),
                    });
                }
                _ => return Err(CheckError::AllocatedBitMismatch { addr }),
            }
            let is_free = raw & FREE != 0;
            if is_free {
                if prev_is_free {
                    return Err(CheckError::AdjacentFreeBlocks { addr });
                }
                totals.free_blocks += 1;
            } else {
                if size < self.lead + G {
                    return Err(CheckError::BadBlockSize { addr });
                }
                totals.live += 1;
                totals.in_use += size;
            }
            prev = b;
            prev_is_free = is_free;
            off += size;
        }
        if let Some(g) = set_bits.next() {
            let addr = if g < granules {
                area.base_addr() + (g << G_SHIFT)
            } else {
                area.base_addr() + area.len
            };
            return Err(CheckError::AllocatedBitMismatch { addr });
        }
        Ok(())
    }

    /// Verifies the lists and the bin index against `free_blocks`, the
    /// number of free blocks the walk found.
    fn check_bins(&self, free_blocks: usize) -> Result<(), CheckError> {
        if !self.index.is_consistent() {
            return Err(CheckError::BinIndexMismatch { bin: 0 });
        }
        let mut listed = 0usize;
        let mut nonempty = 0usize;
        for (i, &head) in self.heads.iter().enumerate() {
            if head.is_null() {
                continue;
            }
            nonempty += 1;
            let mut node = head;
            let mut back: *mut Hdr = ptr::null_mut();
            while !node.is_null() {
                if listed == free_blocks {
                    return Err(CheckError::FreeListCycle);
                }
                let size = self.check_free_entry(node)?;
                let bin = Bin::for_block(size >> G_SHIFT);
                if bin.index() != i {
                    return Err(CheckError::WrongBin { addr: node.addr() });
                }
                if node == head && !self.index.is_nonempty(bin) {
                    return Err(CheckError::BinIndexMismatch { bin: i });
                }
                // SAFETY: `check_free_entry` proved `node` a free block.
                if unsafe { prev_free(node) } != back {
                    return Err(CheckError::FreeListBadLink { addr: node.addr() });
                }
                listed += 1;
                back = node;
                // SAFETY: as above.
                node = unsafe { next_free(node) };
            }
        }
        count_matches("free list entries", free_blocks, listed)?;
        let mut marked = 0usize;
        let mut first = None;
        let mut last = None;
        for bin in self.index.nonempty() {
            if self.heads[bin.index()].is_null() {
                return Err(CheckError::BinIndexMismatch { bin: bin.index() });
            }
            first = first.or(Some(bin));
            last = Some(bin);
            marked += 1;
        }
        count_matches("non-empty bins", marked, nonempty)?;
        if self.index.last() != last
            || first.is_some_and(|f| self.index.first_at_or_after(Bin::for_block(1)) != Some(f))
        {
            return Err(CheckError::BinIndexMismatch {
                bin: last.map_or(0, Bin::index),
            });
        }
        Ok(())
    }

    /// Proves that list entry `node` is a free block of this pool without
    /// reading anything at its address first: it must lie in an area and be
    /// the start of the block that the (already verified) block-start map
    /// says encloses it. Returns its size.
    fn check_free_entry(&self, node: *mut Hdr) -> Result<usize, CheckError> {
        let addr = node.addr();
        let area = self
            .find(addr)
            .ok_or(CheckError::FreeListOutOfBounds { addr })?;
        // SAFETY: `find` returns live areas.
        let area = unsafe { &*area };
        let off = addr - area.base_addr();
        if off % G != 0 || self.enclosing_block(area, off) != Some(off) {
            return Err(CheckError::FreeListMisaligned { addr });
        }
        // SAFETY: `node` is a block start of this area.
        let raw = unsafe { (*node).size };
        if raw & FREE == 0 {
            return Err(CheckError::FreeListHoldsLiveBlock { addr });
        }
        Ok(raw & !FLAGS)
    }

    /// The offset of the block that encloses byte offset `off` of `area`:
    /// the last block start at or below `off`, from the block-start map.
    /// `None` for the sentinel.
    ///
    /// Only meaningful once the area's blocks and map have been verified.
    fn enclosing_block(&self, area: &Area, off: usize) -> Option<usize> {
        // SAFETY: `off` is a granule index's offset inside the area.
        let b = unsafe { area.last_set_at_or_before(off >> G_SHIFT) }? << G_SHIFT;
        // SAFETY: a set bit marks a block start of this area.
        let size = unsafe { size_of_block(area.base.add(b).cast::<Hdr>()) };
        (off < b + size).then_some(b)
    }
}

fn count_matches(what: &'static str, recorded: usize, found: usize) -> Result<(), CheckError> {
    if recorded == found {
        Ok(())
    } else {
        Err(CheckError::CountMismatch {
            what,
            recorded,
            found,
        })
    }
}
