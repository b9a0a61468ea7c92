//! [`BlockPool`]: fixed-size blocks carved from one or more regions.
//!
//! - `alloc` and `free` are O(1): an intrusive LIFO free list threaded
//!   through free blocks, plus a bump cursor over blocks never handed out,
//!   so creating a pool of a million blocks touches none of them.
//! - No per-block header: a block costs its stride plus one bit of
//!   bookkeeping in an allocated-bit map.
//! - Every block is aligned as asked, whatever the region's start address;
//!   the stride is the requested size rounded up to a multiple of the
//!   alignment, and to at least one pointer so a free block can hold its
//!   link.
//! - [`BlockPool::free`] checks its pointer against the bitmap and refuses
//!   a foreign pointer, an interior pointer or a double free with certainty
//!   and without touching the pool; [`BlockPool::free_unchecked`] trusts its
//!   caller.
//!
//! ```
//! use core::mem::MaybeUninit;
//! use poolalloc::{BlockPool, FreeError, region::Region};
//!
//! let mut memory = [MaybeUninit::<u8>::uninit(); 4096];
//! let mut pool = BlockPool::new(Region::new(&mut memory), 48, 16).unwrap();
//! assert_eq!(pool.block_size(), 48);
//!
//! let block = pool.alloc().unwrap();
//! assert_eq!(block.as_ptr().addr() % 16, 0);
//! // SAFETY: the block is ours, 48 bytes long.
//! unsafe { block.as_ptr().write_bytes(0xAB, 48) };
//!
//! assert_eq!(pool.free(block), Ok(()));
//! assert_eq!(pool.free(block), Err(FreeError::DoubleFree));
//! ```
//!
//! Blocks are reused most-recently-freed first. When the pool becomes
//! empty after handing out more than 64 blocks, it rewinds: the free list is
//! dropped and allocation restarts at each region's first block, in address
//! order, which keeps a workload that fills and drains the pool on dense,
//! cache-friendly memory. A block freed before the rewind still reads as
//! freed ([`FreeError::DoubleFree`]). [`BlockPool::set_rewind_when_empty`]
//! turns this off.
//!
//! Operations that map a pointer to its region (`free`, `contains`,
//! `is_allocated`) look at the region that served the previous such lookup
//! first and otherwise walk the regions in address order: O(1) for a pool
//! of one region, O(regions) in the worst case.

mod check;
#[cfg(feature = "alloc")]
mod growing;
mod iter;
mod segment;

#[cfg(feature = "alloc")]
pub use growing::GrowingBlockPool;
pub use iter::AllocatedBlocks;

use crate::error::{FreeError, RegionError};
use crate::region::{Region, align_up};
use crate::stats::Stats;
use crate::stride::Stride;
use core::fmt;
use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::ptr::{self, NonNull};
use segment::Segment;

/// A pool of fixed-size blocks over memory borrowed for `'a`.
///
/// `COUNTERS` selects whether the pool keeps its high-water mark and its
/// count of failed allocations; it is on by default. With `false`,
/// [`stats`](Self::stats) reports both as zero. Allocation and free counts
/// are always kept: with the number of live blocks they are one counter on
/// the free path. `poolalloc-bench` runs both modes to show that the
/// counters cost nothing measurable.
#[repr(C)] // Hot fields first.
pub struct BlockPool<'a, const COUNTERS: bool = true> {
    /// The most recently freed block, or null.
    free_head: *mut u8,
    len: usize,
    /// Whether the pool rewinds its cursors the next time it becomes empty:
    /// rewinding is enabled and more than `REWIND_MIN` blocks lie below the
    /// cursors. Kept up to date on the bump path, so that the free path
    /// tests one flag.
    rewind_armed: bool,
    /// The segment that served the latest pointer lookup, with copies of
    /// the fields the hot paths need.
    hint: Hint,
    /// Blocks ever freed: with `len`, the only statistic kept on the hot
    /// paths (allocations are derived from the two). Not next to `len`, so
    /// that the compiler does not update both with one vector store, which
    /// the next `len` load cannot forward from.
    frees: u64,
    stride: Stride,
    /// The segment whose bump cursor serves allocations when the free list
    /// is empty.
    bump_seg: *mut Segment,
    /// The first segment in address order.
    segments: *mut Segment,
    align: usize,
    capacity: usize,
    /// Blocks never handed out since the cursors last rewound, over all
    /// segments.
    unbumped: usize,
    regions: usize,
    /// Whether the cursors rewind when the pool becomes empty.
    rewind: bool,
    /// The most blocks in use at once since creation or `reset`. Only an
    /// allocation from a bump cursor can raise it: see `handed_out_fresh`.
    high_water: usize,
    failed_allocations: u64,
    /// Live blocks dropped by `reset`, so that allocations are `len +
    /// frees + released_by_reset`.
    released_by_reset: u64,
    _memory: PhantomData<&'a mut [MaybeUninit<u8>]>,
}

/// A segment and copies of its fields that do not change while it lives.
#[derive(Clone, Copy)]
struct Hint {
    /// The address of the first block.
    base: usize,
    /// The length of the block area (zero for no segment).
    span: usize,
    bits: *mut u64,
    seg: *mut Segment,
}

impl Hint {
    const NONE: Hint = Hint {
        base: 0,
        span: 0,
        bits: ptr::null_mut(),
        seg: ptr::null_mut(),
    };

    /// The hint for `seg`, a live header.
    fn of(seg: *mut Segment) -> Hint {
        // SAFETY: the caller passes a live header.
        let s = unsafe { &*seg };
        Hint {
            base: s.blocks_addr(),
            span: s.span,
            bits: s.bits,
            seg,
        }
    }
}

/// A pool rewinds its cursors when it becomes empty only after handing out
/// more than this many blocks, so that a pool cycling one block keeps
/// reusing it.
const REWIND_MIN: usize = 64;

// SAFETY: the pool exclusively borrows its regions (like
// `&'a mut [MaybeUninit<u8>]`, which is `Send`); its raw pointers lead only
// into them.
unsafe impl<const C: bool> Send for BlockPool<'_, C> {}
// SAFETY: `&self` methods only read the pool's bookkeeping; there is no
// interior mutability.
unsafe impl<const C: bool> Sync for BlockPool<'_, C> {}

impl<const C: bool> fmt::Debug for BlockPool<'_, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockPool")
            .field("block_size", &self.stride.size())
            .field("align", &self.align)
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .field("regions", &self.regions)
            .finish()
    }
}

/// The stride and alignment of blocks of `size` bytes aligned to `align`.
const fn block_layout(size: usize, align: usize) -> Result<(usize, usize), RegionError> {
    if size == 0 {
        return Err(RegionError::ZeroSize);
    }
    if !align.is_power_of_two() {
        return Err(RegionError::BadAlignment { align });
    }
    // `const`: no `Ord::max`, no `?`.
    let word = size_of::<*mut u8>();
    let align = if align < word { word } else { align };
    let stride = match align_up(if size < word { word } else { size }, align) {
        Some(stride) => stride,
        None => return Err(RegionError::TooLarge),
    };
    // Keep every block offset representable as an `isize`.
    if stride > isize::MAX as usize {
        return Err(RegionError::TooLarge);
    }
    Ok((stride, align))
}

impl<'a> BlockPool<'a, true> {
    /// A pool of blocks of at least `block_size` bytes, aligned to `align`,
    /// carved from `region`.
    ///
    /// # Errors
    ///
    /// [`RegionError::ZeroSize`], [`RegionError::BadAlignment`] or
    /// [`RegionError::TooLarge`] for a bad layout;
    /// [`RegionError::TooSmall`] when the region cannot hold one block.
    pub fn new(region: Region<'a>, block_size: usize, align: usize) -> Result<Self, RegionError> {
        Self::with_counters(region, block_size, align)
    }

    /// The smallest region that holds at least `blocks` blocks of
    /// `block_size` bytes aligned to `align`, whatever its start address.
    ///
    /// ```
    /// use core::mem::MaybeUninit;
    /// use poolalloc::{BlockPool, region::Region};
    ///
    /// let bytes = BlockPool::region_size_for(100, 24, 8).unwrap();
    /// let mut memory = [MaybeUninit::<u8>::uninit(); 4096];
    /// // Any start address will do: skip one byte to show it.
    /// let pool = BlockPool::new(Region::new(&mut memory[1..1 + bytes]), 24, 8).unwrap();
    /// assert!(pool.capacity() >= 100);
    /// ```
    ///
    /// # Errors
    ///
    /// As [`BlockPool::empty`], and [`RegionError::TooLarge`] when the size
    /// overflows.
    pub fn region_size_for(
        blocks: usize,
        block_size: usize,
        align: usize,
    ) -> Result<usize, RegionError> {
        let (stride, align) = block_layout(block_size, align)?;
        Segment::region_size_for(blocks.max(1), Stride::new(stride), align)
            .ok_or(RegionError::TooLarge)
    }
}

impl<'a, const COUNTERS: bool> BlockPool<'a, COUNTERS> {
    /// As [`BlockPool::new`], for a pool of either counting mode.
    ///
    /// # Errors
    ///
    /// As [`BlockPool::new`].
    pub fn with_counters(
        region: Region<'a>,
        block_size: usize,
        align: usize,
    ) -> Result<Self, RegionError> {
        let mut pool = Self::empty(block_size, align)?;
        pool.add_region(region)?;
        Ok(pool)
    }

    /// A pool with no region yet: every allocation fails until
    /// [`add_region`](Self::add_region) gives it memory.
    ///
    /// # Errors
    ///
    /// [`RegionError::ZeroSize`], [`RegionError::BadAlignment`] or
    /// [`RegionError::TooLarge`] for a bad layout.
    pub const fn empty(block_size: usize, align: usize) -> Result<Self, RegionError> {
        let (stride, align) = match block_layout(block_size, align) {
            Ok(layout) => layout,
            Err(e) => return Err(e),
        };
        Ok(BlockPool {
            free_head: ptr::null_mut(),
            len: 0,
            frees: 0,
            rewind_armed: false,
            hint: Hint::NONE,
            stride: Stride::new(stride),
            bump_seg: ptr::null_mut(),
            segments: ptr::null_mut(),
            align,
            capacity: 0,
            unbumped: 0,
            regions: 0,
            rewind: true,
            high_water: 0,
            failed_allocations: 0,
            released_by_reset: 0,
            _memory: PhantomData,
        })
    }

    /// Adds a region of memory to the pool; its blocks become available.
    ///
    /// # Errors
    ///
    /// [`RegionError::Overlap`] when the region overlaps one the pool
    /// already has; [`RegionError::TooSmall`] when it cannot hold a block.
    /// The pool is unchanged on error.
    pub fn add_region(&mut self, region: Region<'a>) -> Result<(), RegionError> {
        self.add_region_limited(region, usize::MAX).map(|_| ())
    }

    /// As [`add_region`](Self::add_region), using at most `limit` blocks of
    /// the region; returns the number of blocks added.
    pub(crate) fn add_region_limited(
        &mut self,
        region: Region<'a>,
        limit: usize,
    ) -> Result<usize, RegionError> {
        let range = region.addr_range();
        // Find the segment after which the new one goes, refusing overlap.
        let mut prev: *mut Segment = ptr::null_mut();
        let mut cur = self.segments;
        while !cur.is_null() {
            // SAFETY: `cur` is a live segment header of this pool.
            let seg = unsafe { &*cur };
            if seg.region_start < range.end && range.start < seg.region_end {
                return Err(RegionError::Overlap);
            }
            if seg.region_start > range.start {
                break;
            }
            prev = cur;
            cur = seg.next;
        }
        let available = region.len();
        let Some(seg) = Segment::build(region, self.stride, self.align, limit) else {
            return Err(RegionError::TooSmall {
                needed: Segment::region_size_for(1, self.stride, self.align).unwrap_or(usize::MAX),
                available,
            });
        };
        let seg = seg.as_ptr();
        // SAFETY: `seg` is the fresh header; `prev`, when not null, is a live
        // header of this pool. Neither is referenced elsewhere.
        let count = unsafe {
            (*seg).next = cur;
            if prev.is_null() {
                self.segments = seg;
            } else {
                (*prev).next = seg;
            }
            (*seg).count
        };
        self.capacity += count;
        self.unbumped += count;
        self.regions += 1;
        // SAFETY: `bump_seg`, when not null, is a live header.
        if self.bump_seg.is_null() || unsafe { (*self.bump_seg).bump >= (*self.bump_seg).count } {
            self.bump_seg = seg;
        }
        if self.hint.seg.is_null() {
            self.hint = Hint::of(seg);
        }
        Ok(count)
    }

    /// The usable size of every block: the requested size rounded up to the
    /// alignment and to at least one pointer.
    #[inline]
    pub fn block_size(&self) -> usize {
        self.stride.size()
    }

    /// The alignment of every block.
    #[inline]
    pub fn block_align(&self) -> usize {
        self.align
    }

    /// The number of blocks the pool holds over all its regions.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The number of blocks handed out now.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no block is handed out.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether every block is handed out.
    #[inline]
    pub fn is_full(&self) -> bool {
        self.len() == self.capacity
    }

    /// The number of blocks that can still be handed out.
    #[inline]
    pub fn available(&self) -> usize {
        self.capacity - self.len()
    }

    /// The number of regions the pool spans.
    #[inline]
    pub fn region_count(&self) -> usize {
        self.regions
    }

    /// Hands out a block of [`block_size`](Self::block_size) bytes, or
    /// `None` when every block is in use. O(1).
    ///
    /// The block's contents are unspecified (it may hold a previous user's
    /// bytes, or be uninitialised).
    #[inline(always)]
    pub fn alloc(&mut self) -> Option<NonNull<u8>> {
        let block = self.free_head;
        if block.is_null() {
            return self.alloc_fresh();
        }
        // SAFETY: `block` heads the free list: a free block of this pool
        // whose first word holds the next link, written by `push_free`.
        self.free_head = unsafe { block.cast::<*mut u8>().read() };
        let offset = block.addr().wrapping_sub(self.hint.base);
        if offset < self.hint.span {
            // SAFETY: the block is in the hint's segment, below its cursor
            // (it was handed out before), so its bitmap word is valid.
            unsafe { segment::set_bit(self.hint.bits, self.stride.exact_index(offset)) };
        } else {
            self.mark_in_other_segment(block, true);
        }
        // The high-water mark needs no update here: the free list held this
        // block, so fewer blocks than the mark were in use.
        self.len += 1;
        // SAFETY: free-list links are never null.
        Some(unsafe { NonNull::new_unchecked(block) })
    }

    /// Sets (`allocated`) or clears the bit of a block outside the hint's
    /// segment, moving the hint there.
    #[cold]
    #[inline(never)]
    fn mark_in_other_segment(&mut self, block: *mut u8, allocated: bool) {
        let seg = self.find(block.addr());
        debug_assert!(seg.is_some(), "block outside the pool");
        let Some(seg) = seg else { return };
        self.hint = Hint::of(seg);
        let index = self.stride.exact_index(block.addr() - self.hint.base);
        // SAFETY: the block was handed out, so it lies below its segment's
        // cursor and its bitmap word is valid.
        unsafe {
            if allocated {
                segment::set_bit(self.hint.bits, index);
            } else {
                segment::clear_bit(self.hint.bits, index);
            }
        }
    }

    /// Serves an allocation from a bump cursor (the free list is empty).
    #[inline]
    fn alloc_fresh(&mut self) -> Option<NonNull<u8>> {
        if !self.bump_seg.is_null() {
            // SAFETY: `bump_seg` is a live header of this pool.
            if let Some(block) = unsafe { (*self.bump_seg).bump(self.stride) } {
                return Some(self.handed_out_fresh(block));
            }
        }
        self.alloc_from_other_segment()
    }

    #[cold]
    fn alloc_from_other_segment(&mut self) -> Option<NonNull<u8>> {
        if self.unbumped > 0 {
            let mut cur = self.segments;
            while !cur.is_null() {
                // SAFETY: `cur` is a live header of this pool.
                let seg = unsafe { &mut *cur };
                if let Some(block) = seg.bump(self.stride) {
                    self.bump_seg = cur;
                    return Some(self.handed_out_fresh(block));
                }
                cur = seg.next;
            }
        }
        if COUNTERS {
            self.failed_allocations += 1;
        }
        None
    }

    /// Counts a block just taken from a bump cursor.
    ///
    /// This is the only place the high-water mark can rise. Every block
    /// below the cursors is either live or on the free list, and a cursor
    /// moves only when the free list is empty, so the blocks below the
    /// cursors were all live at once when the last of them was handed out:
    /// the mark is at least their number, and an allocation from the free
    /// list leaves fewer live blocks than that. Rewinding and `reset` empty
    /// both the cursors and the free list, which keeps this true.
    #[inline(always)]
    fn handed_out_fresh(&mut self, block: *mut u8) -> NonNull<u8> {
        debug_assert!(self.unbumped > 0);
        self.unbumped -= 1;
        self.len += 1;
        if COUNTERS {
            self.high_water = self.high_water.max(self.len);
        }
        self.rewind_armed = self.rewind && self.capacity - self.unbumped > REWIND_MIN;
        // SAFETY: blocks lie inside a region, whose pointers are non-null.
        unsafe { NonNull::new_unchecked(block) }
    }

    /// As [`alloc`](Self::alloc), with the block's bytes set to zero.
    pub fn alloc_zeroed(&mut self) -> Option<NonNull<u8>> {
        let block = self.alloc()?;
        // SAFETY: the block is ours and `block_size` bytes long.
        unsafe { block.as_ptr().write_bytes(0, self.stride.size()) };
        Some(block)
    }

    /// Returns a block to the pool after checking that it is a block of this
    /// pool that is handed out now.
    ///
    /// # Errors
    ///
    /// [`FreeError::Foreign`], [`FreeError::Interior`],
    /// [`FreeError::DoubleFree`] or [`FreeError::NeverAllocated`]; the pool
    /// is untouched on error.
    pub fn free(&mut self, block: NonNull<u8>) -> Result<(), FreeError> {
        let addr = block.as_ptr().addr();
        let seg = self.find_mut(addr).ok_or(FreeError::Foreign)?;
        // SAFETY: `seg` is a live header of this pool.
        let seg_ref = unsafe { &mut *seg };
        let index = self
            .stride
            .index(addr - seg_ref.blocks_addr())
            .map_err(|offset| FreeError::Interior { offset })?;
        if index >= seg_ref.high {
            return Err(FreeError::NeverAllocated);
        }
        // SAFETY: `index < high`.
        if !unsafe { seg_ref.bit(index) } {
            return Err(FreeError::DoubleFree);
        }
        // SAFETY: as above.
        unsafe { segment::clear_bit(seg_ref.bits, index) };
        self.push_free(block.as_ptr());
        Ok(())
    }

    /// Returns a block to the pool without checking it.
    ///
    /// # Safety
    ///
    /// `block` must have been returned by `alloc` (or `alloc_zeroed`) of
    /// this pool and not freed or invalidated by [`reset`](Self::reset)
    /// since.
    #[inline(always)]
    pub unsafe fn free_unchecked(&mut self, block: NonNull<u8>) {
        let block = block.as_ptr();
        let offset = block.addr().wrapping_sub(self.hint.base);
        if offset < self.hint.span {
            // SAFETY: the caller promises an allocated block of this pool; it
            // is in the hint's segment, so the offset is a multiple of the
            // stride and the bit's word is valid.
            unsafe { segment::clear_bit(self.hint.bits, self.stride.exact_index(offset)) };
        } else {
            self.mark_in_other_segment(block, false);
        }
        self.push_free(block);
    }

    /// Threads `block` (a block whose bit was just cleared) onto the free
    /// list.
    #[inline(always)]
    fn push_free(&mut self, block: *mut u8) {
        // SAFETY: `block` is a block of this pool, aligned to at least a
        // pointer and at least a pointer long; the pool owns it now.
        unsafe { block.cast::<*mut u8>().write(self.free_head) };
        self.free_head = block;
        self.frees += 1;
        self.len -= 1;
        if self.len == 0 && self.rewind_armed {
            self.rewind_cursors();
        }
    }

    /// Forgets the free list and moves every cursor back to its region's
    /// first block: used when the pool is empty, so that the next
    /// allocations are in address order again.
    #[cold]
    fn rewind_cursors(&mut self) {
        self.free_head = ptr::null_mut();
        let mut cur = self.segments;
        while !cur.is_null() {
            // SAFETY: `cur` is a live header of this pool.
            let seg = unsafe { &mut *cur };
            seg.bump = 0;
            cur = seg.next;
        }
        self.bump_seg = self.segments;
        self.unbumped = self.capacity;
        self.rewind_armed = false;
    }

    /// Whether the pool rewinds its cursors when it becomes empty (after
    /// having handed out more than 64 blocks): the next allocations then
    /// come in address order, which keeps a cycling workload's memory dense,
    /// instead of most-recently-freed first. On by default.
    pub fn set_rewind_when_empty(&mut self, rewind: bool) {
        self.rewind = rewind;
        self.rewind_armed = rewind && self.capacity - self.unbumped > REWIND_MIN;
    }

    /// Whether `ptr` is the start of a block of this pool, handed out or not.
    pub fn contains(&self, ptr: NonNull<u8>) -> bool {
        self.block_index(ptr).is_some()
    }

    /// Whether `ptr` is the start of a block of this pool that is handed out
    /// now.
    pub fn is_allocated(&self, ptr: NonNull<u8>) -> bool {
        match self.block_index(ptr) {
            // SAFETY: `index < high` is checked first.
            Some((seg, index)) => index < seg.high && unsafe { seg.bit(index) },
            None => false,
        }
    }

    /// The segment and index of the block starting at `ptr`.
    fn block_index(&self, ptr: NonNull<u8>) -> Option<(&Segment, usize)> {
        let addr = ptr.as_ptr().addr();
        let seg = self.find(addr)?;
        // SAFETY: `seg` is a live header of this pool.
        let seg = unsafe { &*seg };
        let index = self.stride.index(addr - seg.blocks_addr()).ok()?;
        Some((seg, index))
    }

    /// Makes every block free again, in O(regions). Pointers handed out
    /// before must not be used afterwards.
    pub fn reset(&mut self) {
        self.rewind_cursors();
        let mut cur = self.segments;
        while !cur.is_null() {
            // SAFETY: `cur` is a live header of this pool.
            let seg = unsafe { &mut *cur };
            seg.high = 0;
            cur = seg.next;
        }
        self.released_by_reset += self.len as u64;
        self.len = 0;
        self.high_water = 0;
    }

    /// A snapshot of the pool's statistics.
    pub fn stats(&self) -> Stats {
        Stats {
            capacity: self.capacity,
            in_use: self.len(),
            high_water: self.high_water,
            allocations: self.len as u64 + self.frees + self.released_by_reset,
            frees: self.frees,
            failed_allocations: self.failed_allocations,
            growth_events: 0,
        }
    }

    /// The allocated blocks, in address order.
    pub fn iter_allocated(&self) -> AllocatedBlocks<'_> {
        AllocatedBlocks::new(self.segments, self.stride)
    }

    /// Calls `f` with each allocated block in address order until it returns
    /// [`ControlFlow::Break`](core::ops::ControlFlow::Break).
    ///
    /// ```
    /// use core::{mem::MaybeUninit, ops::ControlFlow};
    /// use poolalloc::{BlockPool, region::Region};
    ///
    /// let mut memory = [MaybeUninit::<u8>::uninit(); 1024];
    /// let mut pool = BlockPool::new(Region::new(&mut memory), 16, 8).unwrap();
    /// let blocks: Vec<_> = (0..5).map(|_| pool.alloc().unwrap()).collect();
    /// let mut seen = 0;
    /// let found = pool.for_each_allocated(|block| {
    ///     seen += 1;
    ///     if block == blocks[2] { ControlFlow::Break(block) } else { ControlFlow::Continue(()) }
    /// });
    /// assert_eq!((found, seen), (ControlFlow::Break(blocks[2]), 3));
    /// ```
    pub fn for_each_allocated<B>(
        &self,
        mut f: impl FnMut(NonNull<u8>) -> core::ops::ControlFlow<B>,
    ) -> core::ops::ControlFlow<B> {
        for block in self.iter_allocated() {
            f(block)?;
        }
        core::ops::ControlFlow::Continue(())
    }

    /// The segment whose block area holds `addr`, updating the lookup hint.
    fn find_mut(&mut self, addr: usize) -> Option<*mut Segment> {
        let seg = self.find(addr)?;
        self.hint = Hint::of(seg);
        Some(seg)
    }

    /// The segment whose block area holds `addr`.
    fn find(&self, addr: usize) -> Option<*mut Segment> {
        if addr.wrapping_sub(self.hint.base) < self.hint.span {
            return Some(self.hint.seg);
        }
        let mut cur = self.segments;
        while !cur.is_null() {
            // SAFETY: `cur` is a live header of this pool.
            let seg = unsafe { &*cur };
            if seg.holds(addr) {
                return Some(cur);
            }
            if seg.blocks_addr() > addr {
                return None;
            }
            cur = seg.next;
        }
        None
    }
}

#[cfg(test)]
mod tests;
