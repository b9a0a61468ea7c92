//! [`GrowingVarPool`]: a [`VarPool`] that obtains heap regions when nothing
//! fits (mem_pool's variadic pool grows by whole buffers).

use super::{FitPolicy, LiveAllocations, VarPool};
use crate::error::{
    AllocError, CheckError, FreeError, GuardConfigError, GuardCorruption, ReallocError, RegionError,
};
use crate::region::HeapRegion;
use crate::stats::ByteStats;
use alloc::vec::Vec;
use core::ops::ControlFlow;
use core::ptr::NonNull;

/// A variable-size pool that, when no free block fits a request, allocates
/// a heap region of `max(grow_size, what the request needs)` bytes, up to an
/// optional maximum of bytes obtained in total.
///
/// Growth never moves an allocation: earlier regions stay where they are
/// until the pool is dropped.
///
/// ```
/// use poolalloc::GrowingVarPool;
///
/// let mut pool = GrowingVarPool::new(4096).unwrap().with_max_size(64 * 1024);
/// let small: Vec<_> = (0..100).map(|_| pool.alloc(100, 8).unwrap()).collect();
/// let big = pool.alloc(10_000, 64).unwrap(); // larger than `grow_size`
/// assert!(pool.stats().growth_events >= 2);
/// assert!(pool.alloc(100_000, 8).is_none()); // over the maximum
/// for ptr in small {
///     pool.free(ptr).unwrap();
/// }
/// pool.free(big).unwrap();
/// pool.check().unwrap();
/// ```
pub struct GrowingVarPool {
    pool: VarPool<'static>,
    /// Declared after `pool` so that it is dropped after it; `pool` holds
    /// pointers into these regions.
    regions: Vec<HeapRegion>,
    grow_size: usize,
    max_size: Option<usize>,
    obtained: usize,
    growth_events: u64,
}

impl core::fmt::Debug for GrowingVarPool {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GrowingVarPool")
            .field("pool", &self.pool)
            .field("grow_size", &self.grow_size)
            .field("max_size", &self.max_size)
            .field("obtained", &self.obtained)
            .finish()
    }
}

impl GrowingVarPool {
    /// An empty pool that grows by regions of at least `grow_size` bytes
    /// (bookkeeping included). No memory is taken until the first
    /// allocation.
    ///
    /// # Errors
    ///
    /// [`RegionError::ZeroSize`] when `grow_size` is zero.
    pub fn new(grow_size: usize) -> Result<Self, RegionError> {
        if grow_size == 0 {
            return Err(RegionError::ZeroSize);
        }
        Ok(GrowingVarPool {
            pool: VarPool::empty(),
            regions: Vec::new(),
            grow_size,
            max_size: None,
            obtained: 0,
            growth_events: 0,
        })
    }

    /// Caps the bytes of heap regions obtained in total at `max`: a region
    /// is cut to what remains when that still serves the request; otherwise
    /// the allocation fails.
    #[must_use]
    pub fn with_max_size(mut self, max: usize) -> Self {
        self.max_size = Some(max);
        self
    }

    /// As [`VarPool::with_policy`]: sets the fit policy.
    #[must_use]
    pub fn with_policy(mut self, policy: FitPolicy) -> Self {
        self.pool.set_policy(policy);
        self
    }

    /// Allocates `size` bytes aligned to `align`, growing the pool if no
    /// free block fits; `None` when `align` is not a power of two, the size
    /// overflows, the maximum size would be passed or the heap refuses.
    #[inline]
    pub fn alloc(&mut self, size: usize, align: usize) -> Option<NonNull<u8>> {
        if let Some(ptr) = self.pool.alloc(size, align) {
            return Some(ptr);
        }
        self.try_alloc(size, align).ok()
    }

    /// As [`alloc`](Self::alloc), saying why it failed.
    ///
    /// # Errors
    ///
    /// As [`VarPool::try_alloc`]; [`AllocError::Exhausted`] also when the
    /// pool cannot grow.
    pub fn try_alloc(&mut self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError> {
        match self.pool.try_alloc(size, align) {
            Err(AllocError::Exhausted) => {
                self.grow_for(size, align)
                    .map_err(|_| AllocError::Exhausted)?;
                self.pool.try_alloc(size, align)
            }
            other => other,
        }
    }

    /// Adds a region that surely serves `size` bytes aligned to `align`.
    ///
    /// # Errors
    ///
    /// [`RegionError::TooLarge`] when the size overflows,
    /// [`RegionError::CapacityLimit`] past the maximum size,
    /// [`RegionError::OutOfMemory`] when the heap refuses.
    pub fn grow_for(&mut self, size: usize, align: usize) -> Result<(), RegionError> {
        let needed = self
            .pool
            .region_size_for_request(size, align)
            .ok_or(RegionError::TooLarge)?;
        let mut bytes = needed.max(self.grow_size);
        if let Some(max) = self.max_size {
            let room = max.saturating_sub(self.obtained);
            if needed > room {
                return Err(RegionError::CapacityLimit);
            }
            bytes = bytes.min(room);
        }
        self.regions
            .try_reserve(1)
            .map_err(|_| RegionError::OutOfMemory)?;
        let heap = HeapRegion::new(bytes, VarPool::GRANULE)?;
        // SAFETY: the region is kept in `self.regions`, which is dropped
        // after `self.pool`, is never used by anything but the pool, and a
        // `HeapRegion` does not move its memory when it is moved.
        let region = unsafe { heap.region_unbounded() };
        self.pool.add_region(region)?;
        self.regions.push(heap);
        self.obtained += bytes;
        self.growth_events += 1;
        Ok(())
    }

    /// As [`VarPool::free`].
    ///
    /// # Errors
    ///
    /// As [`VarPool::free`].
    pub fn free(&mut self, ptr: NonNull<u8>) -> Result<(), FreeError> {
        self.pool.free(ptr)
    }

    /// As [`VarPool::free_unchecked`].
    ///
    /// # Safety
    ///
    /// `ptr` must be a live allocation of this pool.
    #[inline]
    pub unsafe fn free_unchecked(&mut self, ptr: NonNull<u8>) {
        // SAFETY: forwarded contract.
        unsafe { self.pool.free_unchecked(ptr) }
    }

    /// As [`VarPool::realloc`], growing the pool when the allocation must
    /// move and nothing fits.
    ///
    /// # Errors
    ///
    /// As [`VarPool::realloc`]; the original allocation is intact on error.
    pub fn realloc(
        &mut self,
        ptr: NonNull<u8>,
        new_size: usize,
    ) -> Result<NonNull<u8>, ReallocError> {
        self.realloc_aligned(ptr, new_size, VarPool::GRANULE)
    }

    /// As [`VarPool::realloc_aligned`], growing the pool when the allocation
    /// must move and nothing fits.
    ///
    /// # Errors
    ///
    /// As [`VarPool::realloc_aligned`].
    pub fn realloc_aligned(
        &mut self,
        ptr: NonNull<u8>,
        new_size: usize,
        align: usize,
    ) -> Result<NonNull<u8>, ReallocError> {
        match self.pool.realloc_aligned(ptr, new_size, align) {
            Err(ReallocError::Alloc(AllocError::Exhausted)) => {
                self.grow_for(new_size, align)
                    .map_err(|_| ReallocError::Alloc(AllocError::Exhausted))?;
                self.pool.realloc_aligned(ptr, new_size, align)
            }
            other => other,
        }
    }

    /// Frees every allocation, keeping the regions.
    pub fn reset(&mut self) {
        self.pool.reset();
    }

    /// The statistics, including how many times the pool grew.
    pub fn stats(&self) -> ByteStats {
        ByteStats {
            growth_events: self.growth_events,
            ..self.pool.stats()
        }
    }

    /// Bytes of heap regions obtained so far.
    pub fn obtained(&self) -> usize {
        self.obtained
    }

    /// The pool of all regions obtained so far, for read-only queries
    /// (`contains`, `is_allocated`, `usable_size`, `iter_allocated`,
    /// `dump`, ...).
    pub fn pool(&self) -> &VarPool<'static> {
        &self.pool
    }

    /// As [`VarPool::set_policy`].
    pub fn set_policy(&mut self, policy: FitPolicy) {
        self.pool.set_policy(policy);
    }

    /// As [`VarPool::set_scrub`].
    pub fn set_scrub(&mut self, on: bool) {
        self.pool.set_scrub(on);
    }

    /// As [`VarPool::enable_guards`].
    ///
    /// # Errors
    ///
    /// As [`VarPool::enable_guards`].
    pub fn enable_guards(&mut self, guard_size: usize) -> Result<(), GuardConfigError> {
        self.pool.enable_guards(guard_size)
    }

    /// As [`VarPool::disable_guards`].
    ///
    /// # Errors
    ///
    /// As [`VarPool::disable_guards`].
    pub fn disable_guards(&mut self) -> Result<(), GuardConfigError> {
        self.pool.disable_guards()
    }

    /// As [`VarPool::verify_guards`].
    ///
    /// # Errors
    ///
    /// As [`VarPool::verify_guards`].
    pub fn verify_guards(&self) -> Result<(), GuardCorruption> {
        self.pool.verify_guards()
    }

    /// The number of live allocations.
    pub fn len(&self) -> usize {
        self.pool.len()
    }

    /// Whether no allocation is live.
    pub fn is_empty(&self) -> bool {
        self.pool.is_empty()
    }

    /// As [`VarPool::contains`].
    pub fn contains(&self, ptr: NonNull<u8>) -> bool {
        self.pool.contains(ptr)
    }

    /// As [`VarPool::is_allocated`].
    pub fn is_allocated(&self, ptr: NonNull<u8>) -> bool {
        self.pool.is_allocated(ptr)
    }

    /// As [`VarPool::usable_size`].
    pub fn usable_size(&self, ptr: NonNull<u8>) -> Option<usize> {
        self.pool.usable_size(ptr)
    }

    /// As [`VarPool::iter_allocated`].
    pub fn iter_allocated(&self) -> LiveAllocations<'_> {
        self.pool.iter_allocated()
    }

    /// As [`VarPool::for_each_allocated`].
    pub fn for_each_allocated<B>(
        &self,
        f: impl FnMut(NonNull<u8>, usize) -> ControlFlow<B>,
    ) -> ControlFlow<B> {
        self.pool.for_each_allocated(f)
    }

    /// As [`VarPool::check`].
    ///
    /// # Errors
    ///
    /// As [`VarPool::check`].
    pub fn check(&self) -> Result<(), CheckError> {
        self.pool.check()
    }
}
