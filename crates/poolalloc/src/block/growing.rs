//! [`GrowingBlockPool`]: a [`BlockPool`] that obtains heap regions as it
//! fills (mem_pool's fixed pool grows by whole buffers).

use super::BlockPool;
use crate::error::{CheckError, FreeError, RegionError};
use crate::region::HeapRegion;
use crate::stats::Stats;
use alloc::vec::Vec;
use core::ptr::NonNull;

/// A block pool that, when no block is free, allocates a heap region of
/// `blocks_per_region` more blocks, up to an optional maximum capacity.
///
/// Growth never moves a block: earlier regions stay where they are until the
/// pool is dropped.
///
/// ```
/// use poolalloc::GrowingBlockPool;
///
/// let mut pool = GrowingBlockPool::new(64, 8, 100).unwrap().with_max_capacity(250);
/// let blocks: Vec<_> = core::iter::from_fn(|| pool.alloc()).collect();
/// assert_eq!(blocks.len(), 250);
/// assert_eq!(pool.stats().growth_events, 3);
/// for block in blocks {
///     pool.free(block).unwrap();
/// }
/// ```
pub struct GrowingBlockPool {
    pool: BlockPool<'static>,
    /// Declared after `pool` so that it is dropped after it; `pool` holds
    /// pointers into these regions.
    regions: Vec<HeapRegion>,
    blocks_per_region: usize,
    max_capacity: Option<usize>,
    growth_events: u64,
}

impl core::fmt::Debug for GrowingBlockPool {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GrowingBlockPool")
            .field("pool", &self.pool)
            .field("blocks_per_region", &self.blocks_per_region)
            .field("max_capacity", &self.max_capacity)
            .finish()
    }
}

impl GrowingBlockPool {
    /// An empty pool of blocks of `block_size` bytes aligned to `align`
    /// that grows by `blocks_per_region` blocks at a time. No memory is
    /// taken until the first allocation.
    ///
    /// # Errors
    ///
    /// [`RegionError::ZeroSize`] when `block_size` or `blocks_per_region`
    /// is zero, [`RegionError::BadAlignment`], or [`RegionError::TooLarge`]
    /// when a region of `blocks_per_region` blocks overflows.
    pub fn new(
        block_size: usize,
        align: usize,
        blocks_per_region: usize,
    ) -> Result<Self, RegionError> {
        if blocks_per_region == 0 {
            return Err(RegionError::ZeroSize);
        }
        BlockPool::region_size_for(blocks_per_region, block_size, align)?;
        Ok(GrowingBlockPool {
            pool: BlockPool::empty(block_size, align)?,
            regions: Vec::new(),
            blocks_per_region,
            max_capacity: None,
            growth_events: 0,
        })
    }

    /// Caps the capacity at `max` blocks: the last region is cut short so
    /// that the capacity stops exactly there.
    #[must_use]
    pub fn with_max_capacity(mut self, max: usize) -> Self {
        self.max_capacity = Some(max);
        self
    }

    /// Hands out a block, growing the pool if none is free; `None` when the
    /// maximum capacity is reached or the heap refuses.
    #[inline]
    pub fn alloc(&mut self) -> Option<NonNull<u8>> {
        if let Some(block) = self.pool.alloc() {
            return Some(block);
        }
        self.grow().ok()?;
        self.pool.alloc()
    }

    /// As [`alloc`](Self::alloc), with the block's bytes set to zero.
    pub fn alloc_zeroed(&mut self) -> Option<NonNull<u8>> {
        if self.pool.is_full() {
            self.grow().ok()?;
        }
        self.pool.alloc_zeroed()
    }

    /// Adds one region of up to `blocks_per_region` blocks.
    ///
    /// # Errors
    ///
    /// [`RegionError::CapacityLimit`] at the maximum capacity,
    /// [`RegionError::OutOfMemory`] when the heap refuses.
    pub fn grow(&mut self) -> Result<(), RegionError> {
        let room = match self.max_capacity {
            Some(max) => max.saturating_sub(self.pool.capacity()),
            None => usize::MAX,
        };
        let blocks = self.blocks_per_region.min(room);
        if blocks == 0 {
            return Err(RegionError::CapacityLimit);
        }
        let size =
            BlockPool::region_size_for(blocks, self.pool.block_size(), self.pool.block_align())?;
        self.regions
            .try_reserve(1)
            .map_err(|_| RegionError::OutOfMemory)?;
        let heap = HeapRegion::new(size, self.pool.block_align())?;
        // SAFETY: the region is kept in `self.regions`, which is dropped
        // after `self.pool`, is never used by anything but the pool, and a
        // `HeapRegion` does not move its memory when it is moved.
        let region = unsafe { heap.region_unbounded() };
        self.pool.add_region_limited(region, blocks)?;
        self.regions.push(heap);
        self.growth_events += 1;
        Ok(())
    }

    /// As [`BlockPool::free`].
    ///
    /// # Errors
    ///
    /// As [`BlockPool::free`]; the pool is untouched on error.
    pub fn free(&mut self, block: NonNull<u8>) -> Result<(), FreeError> {
        self.pool.free(block)
    }

    /// As [`BlockPool::free_unchecked`].
    ///
    /// # Safety
    ///
    /// `block` must have been returned by this pool's `alloc` and not freed
    /// or invalidated by [`reset`](Self::reset) since.
    #[inline]
    pub unsafe fn free_unchecked(&mut self, block: NonNull<u8>) {
        // SAFETY: forwarded contract.
        unsafe { self.pool.free_unchecked(block) }
    }

    /// Makes every block free again, keeping the regions.
    pub fn reset(&mut self) {
        self.pool.reset();
    }

    /// The statistics, including how many times the pool grew.
    pub fn stats(&self) -> Stats {
        Stats {
            growth_events: self.growth_events,
            ..self.pool.stats()
        }
    }

    /// The pool of all regions obtained so far, for read-only queries
    /// (`contains`, `is_allocated`, `len`, `capacity`, `iter_allocated`,
    /// `check`, ...).
    pub fn pool(&self) -> &BlockPool<'static> {
        &self.pool
    }

    /// The usable size of every block.
    pub fn block_size(&self) -> usize {
        self.pool.block_size()
    }

    /// The number of blocks handed out now.
    pub fn len(&self) -> usize {
        self.pool.len()
    }

    /// Whether no block is handed out.
    pub fn is_empty(&self) -> bool {
        self.pool.is_empty()
    }

    /// The number of blocks the pool holds now.
    pub fn capacity(&self) -> usize {
        self.pool.capacity()
    }

    /// As [`BlockPool::contains`].
    pub fn contains(&self, ptr: NonNull<u8>) -> bool {
        self.pool.contains(ptr)
    }

    /// As [`BlockPool::is_allocated`].
    pub fn is_allocated(&self, ptr: NonNull<u8>) -> bool {
        self.pool.is_allocated(ptr)
    }

    /// As [`BlockPool::check`].
    ///
    /// # Errors
    ///
    /// As [`BlockPool::check`].
    pub fn check(&self) -> Result<(), CheckError> {
        self.pool.check()
    }
}
