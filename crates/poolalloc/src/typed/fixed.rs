//! [`FixedPool`]: a typed pool of a capacity fixed at creation, in one
//! contiguous allocation.

use super::api::typed_pool_api;
use super::config::PoolConfig;
use super::core::{Core, SlotSource, drop_values};
use super::error::{AcquireError, ConfigError, Full};
use super::key::Key;
use super::owned::Owned;
use super::poolable::Poolable;
use super::shared::Shared;
use super::slot::{Chunk, Geometry, Slot, SlotPtr, state};
use crate::index::{Stack, Strategy};
use crate::stats::Stats;
use core::fmt;

/// A pool of up to `capacity` values of type `T`, in one contiguous,
/// zeroed heap allocation made at creation (so creating even a large pool
/// touches none of its slots), choosing free slots with the strategy `S`
/// (see [`index`](crate::index)).
///
/// Values are handed out as [`Owned`] or [`Shared`] handles that borrow
/// the pool, or stored under [`Key`]s. All operations are O(1) (with the
/// [`Bitmap`](crate::index::Bitmap) strategy, allocation is O(capacity /
/// 64) in the worst case). A value never moves while it is live.
///
/// The pool is neither `Sync` nor `Send`: handles update it through
/// `&self`.
///
/// ```
/// use poolalloc::FixedPool;
///
/// let mut pool = FixedPool::new(3).unwrap();
/// let a = pool.try_alloc(1u64).unwrap();
/// let b = pool.try_alloc_shared(2u64).unwrap();
/// let key = pool.try_insert(3u64).unwrap();
/// assert_eq!(pool.try_alloc(4).unwrap_err().into_inner(), 4);
/// assert_eq!((*a, *b, pool.get(key)), (1, 2, Some(&3)));
/// drop((a, b));
/// assert_eq!(pool.remove(key), Some(3));
/// assert_eq!(pool.stats().to_string(),
///     "in use 0/3 (high water 3), 3 allocations, 3 frees, 1 failed, 0 growths");
/// ```
pub struct FixedPool<T, S: Strategy = Stack> {
    core: Core<T, S>,
    chunk: Chunk<T>,
    geometry: Geometry,
    capacity: u32,
}

impl<T> FixedPool<T> {
    /// A pool of `capacity` slots with the default configuration and the
    /// [`Stack`] strategy.
    pub fn new(capacity: usize) -> Result<Self, ConfigError> {
        Self::with_config(PoolConfig::with_capacity(capacity)?)
    }

    /// A pool as `config` describes, with the [`Stack`] strategy; see
    /// [`with_strategy`](Self::with_strategy).
    pub fn with_config(config: PoolConfig<T>) -> Result<Self, ConfigError> {
        Self::with_strategy(config)
    }
}

impl<T, S: Strategy> FixedPool<T, S> {
    /// A pool as `config` describes, choosing slots with the strategy
    /// `S` (`FixedPool::<T, FreeList>::with_strategy(config)`). Its maximum capacity must be unset
    /// or equal to its capacity; its growth strategy is ignored. With
    /// `pre_initialize`, every slot is filled by the initializer here (if
    /// it panics, the values built so far are dropped and the memory
    /// freed).
    pub fn with_strategy(config: PoolConfig<T>) -> Result<Self, ConfigError> {
        if let Some(max_capacity) = config.max_capacity {
            if max_capacity != config.capacity {
                return Err(ConfigError::FixedPoolCannotGrow {
                    capacity: config.capacity,
                    max_capacity,
                });
            }
        }
        let capacity = config.capacity;
        let geometry = Geometry::new::<T>(config.alignment);
        let chunk = Chunk::new(geometry, capacity)?;
        // `build` checked `capacity <= MAX_SLOTS`, which fits a `u32`.
        let capacity = capacity as u32;
        let strategy = S::with_capacity(capacity).ok_or(ConfigError::OutOfMemory)?;
        let pool = FixedPool {
            core: Core::new(strategy, config),
            chunk,
            geometry,
            capacity,
        };
        if pool.core.pre_initialize() {
            // SAFETY: every index below the capacity is a slot of the
            // chunk.
            unsafe { pool.core.pre_fill(pool.slots()) };
        }
        Ok(pool)
    }

    /// Every slot, in index order.
    fn slots(&self) -> impl Iterator<Item = SlotPtr<T>> + '_ {
        // SAFETY: each index is below the chunk's length.
        (0..self.capacity as usize).map(|i| unsafe { self.chunk.slot(self.geometry, i) })
    }

    /// The address of slot 0; slots follow every `stride` bytes.
    pub fn base_addr(&self) -> usize {
        self.chunk.base().as_ptr().addr()
    }

    /// Bytes from one slot to the next.
    pub fn stride(&self) -> usize {
        self.geometry.stride
    }
}

impl<T, S: Strategy> SlotSource<T, S> for FixedPool<T, S> {
    #[inline(always)]
    fn reserve(&self) -> Option<(u32, SlotPtr<T>)> {
        let index = self.core.strategy_alloc()?;
        // SAFETY: the strategy hands out indices below its capacity, which
        // is the chunk's length.
        Some((index, unsafe {
            self.chunk.slot(self.geometry, index as usize)
        }))
    }

    #[inline(always)]
    fn lookup(&self, index: u32) -> Option<SlotPtr<T>> {
        if index < self.capacity {
            // SAFETY: just checked.
            Some(unsafe { self.chunk.slot(self.geometry, index as usize) })
        } else {
            None
        }
    }

    fn slot_count(&self) -> usize {
        self.capacity as usize
    }
}

typed_pool_api!(FixedPool);

impl<T, S: Strategy> Drop for FixedPool<T, S> {
    fn drop(&mut self) {
        // SAFETY: the chunk lives until this pool's fields are dropped,
        // after this; no handle outlives the pool, so no one uses the
        // values again. (A handle that was leaked with `mem::forget` has
        // its value dropped here.)
        unsafe { drop_values(self.slots()) }
    }
}
