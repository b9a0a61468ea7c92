//! Pool statistics.
//!
//! Every pool keeps a few counters and reports them as a [`Stats`]
//! snapshot. The counters are plain integer updates on the pool's own
//! `&mut self` path, arranged so that each hot path pays at most one;
//! `poolalloc-bench` measures them against a pool built without the
//! optional ones (`BlockPool<'_, false>`).

use core::fmt;

/// A snapshot of a pool's counters.
///
/// ```
/// use core::mem::MaybeUninit;
/// use poolalloc::{BlockPool, region::Region};
///
/// let mut memory = [MaybeUninit::<u8>::uninit(); 1024];
/// let mut pool = BlockPool::new(Region::new(&mut memory), 32, 8).unwrap();
/// let a = pool.alloc().unwrap();
/// let _b = pool.alloc().unwrap();
/// pool.free(a).unwrap();
/// let stats = pool.stats();
/// assert_eq!((stats.in_use, stats.high_water, stats.allocations, stats.frees), (1, 2, 2, 1));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Blocks the pool can hand out in total.
    pub capacity: usize,
    /// Blocks handed out now.
    pub in_use: usize,
    /// The largest `in_use` seen since creation or the last reset.
    pub high_water: usize,
    /// Successful allocations since creation.
    pub allocations: u64,
    /// Successful frees since creation.
    pub frees: u64,
    /// Allocations refused because the pool was exhausted.
    pub failed_allocations: u64,
    /// Times a growing pool obtained a new region.
    pub growth_events: u64,
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "in use {}/{} (high water {}), {} allocations, {} frees, {} failed, {} growths",
            self.in_use,
            self.capacity,
            self.high_water,
            self.allocations,
            self.frees,
            self.failed_allocations,
            self.growth_events
        )
    }
}

/// The event counters a pool keeps when counting is enabled.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Counters {
    pub(crate) high_water: usize,
    pub(crate) allocations: u64,
    /// Counted by engines whose free path cannot derive it (`BlockPool`
    /// derives it from `allocations` and its live count instead).
    pub(crate) frees: u64,
    pub(crate) failed_allocations: u64,
}

impl Counters {
    /// Records a successful allocation that brought the pool to `in_use`.
    #[inline(always)]
    pub(crate) fn allocated(&mut self, in_use: usize) {
        self.allocations += 1;
        if in_use > self.high_water {
            self.high_water = in_use;
        }
    }

    /// Records a successful free.
    #[inline(always)]
    pub(crate) fn freed(&mut self) {
        self.frees += 1;
    }

    /// Records a refused allocation.
    #[inline(always)]
    pub(crate) fn failed(&mut self) {
        self.failed_allocations += 1;
    }
}

/// A snapshot of a variable-size pool's counters, in bytes.
///
/// `in_use` counts the bytes each allocation reserves from the pool (its
/// rounded size plus any per-block overhead), so `in_use + free == capacity`
/// for engines without hidden bookkeeping.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ByteStats {
    /// Bytes the pool manages for its blocks.
    pub capacity: usize,
    /// Bytes reserved by live allocations.
    pub in_use: usize,
    /// Bytes in free blocks.
    pub free: usize,
    /// The size of the largest free block: the largest request that
    /// surely fits, before alignment and overhead.
    pub largest_free: usize,
    /// The number of free blocks.
    pub free_blocks: usize,
    /// The number of live allocations.
    pub live_allocations: usize,
    /// The largest `in_use` seen since creation or the last reset.
    pub high_water: usize,
    /// Successful allocations since creation.
    pub allocations: u64,
    /// Successful frees since creation.
    pub frees: u64,
    /// Allocations refused because nothing fitted.
    pub failed_allocations: u64,
    /// Times a growing pool obtained a new region.
    pub growth_events: u64,
}

impl ByteStats {
    /// External fragmentation in `[0, 1]`: `1 - largest_free / free`, the
    /// share of free memory that the largest request cannot use. Zero when
    /// all free memory is one block (or there is none).
    pub fn fragmentation(&self) -> f64 {
        if self.free == 0 {
            0.0
        } else {
            1.0 - self.largest_free as f64 / self.free as f64
        }
    }
}

impl fmt::Display for ByteStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "in use {}/{} bytes (high water {}), free {} in {} blocks (largest {}, fragmentation {:.1}%), \
             {} live, {} allocations, {} frees, {} failed, {} growths",
            self.in_use,
            self.capacity,
            self.high_water,
            self.free,
            self.free_blocks,
            self.largest_free,
            self.fragmentation() * 100.0,
            self.live_allocations,
            self.allocations,
            self.frees,
            self.failed_allocations,
            self.growth_events
        )
    }
}
