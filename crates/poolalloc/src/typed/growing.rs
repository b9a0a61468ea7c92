//! [`GrowingPool`]: a typed pool that adds chunks of slots as it fills.

use super::api::typed_pool_api;
use super::config::{GrowthStrategy, PoolConfig};
use super::core::{Core, SlotSource, drop_values};
use super::error::{AcquireError, ConfigError, Full};
use super::key::Key;
use super::owned::Owned;
use super::poolable::Poolable;
use super::shared::Shared;
use super::slot::{Chunk, Geometry, Slot, SlotPtr, state};
use crate::index::{Stack, Strategy};
use crate::stats::Stats;
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::fmt;
use core::ptr::NonNull;

/// A pool of values of type `T` that starts with `capacity` slots and,
/// when full, adds a chunk of slots sized by its [`GrowthStrategy`], up to
/// exactly its maximum capacity (the last chunk is cut to fit; past the
/// maximum, allocation fails and hands the value back). Chunks are never
/// moved or freed before the pool, so a live value never moves.
///
/// Same handles, keys and strategies as [`FixedPool`](crate::FixedPool).
/// A key into the initial capacity is resolved by arithmetic, as in a
/// fixed pool; a key into a later chunk costs one more load (a table from
/// index to slot, one word per slot added by growth). Growth
/// costs a zeroed allocation plus O(new slots) for that table (and for the
/// initializer with `pre_initialize`). A failed growth (heap exhausted, or
/// a custom strategy returning 0) fails the allocation and counts in
/// `failed_allocations`.
///
/// ```
/// use poolalloc::{GrowingPool, GrowthStrategy, PoolConfig};
///
/// let config = PoolConfig::builder()
///     .capacity(2)
///     .max_capacity(Some(5))
///     .growth_strategy(GrowthStrategy::Linear(2))
///     .build()
///     .unwrap();
/// let mut pool = GrowingPool::with_config(config).unwrap();
/// let keys: Vec<_> = (0..5).map(|i| pool.try_insert(i).unwrap()).collect();
/// assert_eq!(pool.capacity(), 5); // 2, then 4, then capped at 5.
/// assert_eq!(pool.try_insert(5).unwrap_err().into_inner(), 5);
/// assert_eq!(pool.remove(keys[4]), Some(4));
/// assert_eq!(pool.get(keys[4]), None);
/// assert_eq!(pool.stats().growth_events, 2);
/// ```
pub struct GrowingPool<T, S: Strategy = Stack> {
    core: Core<T, S>,
    /// The first slot of the first chunk, which holds the slots below
    /// `first_len`.
    first_base: NonNull<u8>,
    first_len: u32,
    /// The slots from index `first_len` on, by index. Borrowed only in
    /// `reserve`, `lookup`, `slot_count` and `grow`, never across code of
    /// the caller.
    table: UnsafeCell<Vec<SlotPtr<T>>>,
    /// The chunks, oldest first. Borrowed only in `grow`.
    chunks: UnsafeCell<Vec<Chunk<T>>>,
    geometry: Geometry,
    max_capacity: usize,
    growth: GrowthStrategy,
}

impl<T> GrowingPool<T> {
    /// A pool of `capacity` slots at first, doubling when full, with no
    /// maximum but [`MAX_SLOTS`](super::MAX_SLOTS) (or, where fewer fit in the address space,
    /// as many as fit), and the [`Stack`] strategy.
    pub fn new(capacity: usize) -> Result<Self, ConfigError> {
        Self::with_config(PoolConfig::with_capacity(capacity)?)
    }

    /// A pool as `config` describes, with the [`Stack`] strategy; see
    /// [`with_strategy`](Self::with_strategy).
    pub fn with_config(config: PoolConfig<T>) -> Result<Self, ConfigError> {
        Self::with_strategy(config)
    }
}

impl<T, S: Strategy> GrowingPool<T, S> {
    /// A pool as `config` describes, choosing slots with the strategy
    /// `S` (`FixedPool::<T, FreeList>::with_strategy(config)`). With `pre_initialize`, every slot is
    /// filled by the initializer as it is created, here and at each
    /// growth.
    pub fn with_strategy(config: PoolConfig<T>) -> Result<Self, ConfigError> {
        let geometry = Geometry::new::<T>(config.alignment);
        let max_capacity = match config.max_capacity {
            Some(max_capacity) => {
                // Fail now, not at some growth, if the maximum cannot be
                // laid out.
                geometry.layout(max_capacity)?;
                max_capacity
            }
            // No maximum: as many slots as can be laid out.
            None => geometry.max_len(),
        };
        let capacity = config.capacity;
        let chunk = Chunk::new(geometry, capacity)?;
        let first_base = chunk.base();
        let chunks = alloc::vec![chunk];
        // `build` checked `capacity <= MAX_SLOTS`, which fits a `u32`.
        let strategy = S::with_capacity(capacity as u32).ok_or(ConfigError::OutOfMemory)?;
        let growth = config.growth;
        let pool = GrowingPool {
            core: Core::new(strategy, config),
            first_base,
            first_len: capacity as u32,
            table: UnsafeCell::new(Vec::new()),
            chunks: UnsafeCell::new(chunks),
            geometry,
            max_capacity,
            growth,
        };
        if pool.core.pre_initialize() {
            // SAFETY: the slots of the first chunk, which lives as long as
            // the pool.
            unsafe { pool.core.pre_fill(pool.slots_from(0)) };
        }
        Ok(pool)
    }

    /// The most slots the pool will have.
    pub fn max_capacity(&self) -> usize {
        self.max_capacity
    }

    /// The slots from index `from` on, as they are now.
    fn slots_from(&self, from: usize) -> impl Iterator<Item = SlotPtr<T>> + '_ {
        (from..SlotSource::slot_count(self)).filter_map(move |i| SlotSource::lookup(self, i as u32))
    }

    /// The slot at `index`, which must be below the slot count.
    ///
    /// # Safety
    ///
    /// `index` must be below `slot_count()`.
    #[inline(always)]
    unsafe fn slot_unchecked(&self, index: u32) -> SlotPtr<T> {
        if index < self.first_len {
            // SAFETY: the first chunk holds the slots below `first_len`.
            unsafe {
                self.first_base
                    .byte_add(index as usize * self.geometry.stride)
                    .cast()
            }
        } else {
            // SAFETY: a short borrow of the table, inside its bounds as the
            // caller promises.
            unsafe { *(&*self.table.get()).get_unchecked((index - self.first_len) as usize) }
        }
    }

    /// Adds a chunk; `false` if the pool is at its maximum, the growth
    /// strategy says 0, or the heap refuses.
    #[cold]
    #[inline(never)]
    fn grow(&self) -> bool {
        let old = SlotSource::slot_count(self);
        let room = self.max_capacity - old;
        let extra = self.growth.additional(old).min(room);
        if extra == 0 {
            return false;
        }
        let Ok(chunk) = Chunk::new(self.geometry, extra) else {
            return false;
        };
        {
            // SAFETY: no other borrow of the table or chunk list exists:
            // they are borrowed only briefly, and no code of the caller runs
            // in this block.
            let (table, chunks) = unsafe { (&mut *self.table.get(), &mut *self.chunks.get()) };
            if table.try_reserve_exact(extra).is_err() || chunks.try_reserve(1).is_err() {
                return false;
            }
            // `old + extra <= max_capacity <= MAX_SLOTS` fits a `u32`.
            if !self.core.strategy_grow((old + extra) as u32) {
                return false;
            }
            // SAFETY: each index is below the new chunk's length.
            table.extend((0..extra).map(|i| unsafe { chunk.slot(self.geometry, i) }));
            chunks.push(chunk);
        }
        self.core.grew();
        if self.core.pre_initialize() {
            // SAFETY: the new slots are in the chunk just added.
            unsafe { self.core.pre_fill(self.slots_from(old)) };
        }
        true
    }
}

impl<T, S: Strategy> SlotSource<T, S> for GrowingPool<T, S> {
    #[inline(always)]
    fn reserve(&self) -> Option<(u32, SlotPtr<T>)> {
        let index = match self.core.strategy_alloc() {
            Some(index) => index,
            None => {
                if !self.grow() {
                    return None;
                }
                self.core.strategy_alloc()?
            }
        };
        // SAFETY: the strategy's indices are below its capacity, the slot
        // count.
        Some((index, unsafe { self.slot_unchecked(index) }))
    }

    #[inline(always)]
    fn lookup(&self, index: u32) -> Option<SlotPtr<T>> {
        if index < self.first_len {
            // SAFETY: the first chunk holds the slots below `first_len`.
            Some(unsafe { self.slot_unchecked(index) })
        } else {
            // SAFETY: a short borrow of the table.
            unsafe { (&*self.table.get()).get((index - self.first_len) as usize) }.copied()
        }
    }

    #[inline(always)]
    fn slot_count(&self) -> usize {
        // SAFETY: a short borrow of the table.
        self.first_len as usize + unsafe { (&*self.table.get()).len() }
    }
}

typed_pool_api!(GrowingPool);

impl<T, S: Strategy> Drop for GrowingPool<T, S> {
    fn drop(&mut self) {
        // SAFETY: the chunks live until this pool's fields are dropped,
        // after this; no handle outlives the pool.
        unsafe { drop_values(self.slots_from(0)) }
    }
}
