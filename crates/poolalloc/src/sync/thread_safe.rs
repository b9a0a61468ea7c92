//! [`ThreadSafePool`]: a typed pool shared by threads, scaling with them
//! through per-thread caches of free slots.
//!
//! The pool's slots are one fixed array. Which slots are free is kept in
//! two places: a shared depot behind a lock, and, for each thread that
//! uses the pool, a thread-local cache (a magazine of at most
//! [`cache`](ThreadSafePoolBuilder::cache) slot indices). A thread
//! allocates from and frees into its own cache, and touches the depot only
//! when its cache is empty or full, moving half a cache at once. So the
//! common allocation and free take no lock, do no atomic read-modify-write
//! and share no cache line with other threads, except the slot's own, which
//! an [`alignment`](ThreadSafePoolBuilder::alignment) of 64 (or 128) keeps
//! apart from its neighbours'.
//!
//! A handle ([`SyncOwned`]) may be sent to and dropped on another thread:
//! its slot then goes into that thread's cache. When a thread exits, its
//! caches go back to their pools.
//!
//! Capacity and exhaustion: [`try_alloc`](ThreadSafePool::try_alloc)
//! fails when the depot and the calling thread's cache are empty, even if
//! other threads' caches hold free slots: up to `cache` per thread that has
//! used the pool. [`flush_local_cache`](ThreadSafePool::flush_local_cache)
//! hands a thread's cached slots back early (for a thread about to go idle).
//!
//! ```
//! use poolalloc::sync::ThreadSafePool;
//!
//! let pool = ThreadSafePool::<[u64; 4]>::builder()
//!     .capacity(1024)
//!     .cache(32)
//!     .alignment(64)
//!     .build()
//!     .unwrap();
//! std::thread::scope(|s| {
//!     for t in 0..2u64 {
//!         let pool = &pool;
//!         s.spawn(move || {
//!             for i in 0..100 {
//!                 let mut v = pool.try_alloc([t, i, 0, 0]).ok().unwrap();
//!                 v[2] = v[0] + v[1];
//!                 assert_eq!((&*v as *const [u64; 4]).addr() % 64, 0);
//!             }
//!         });
//!     }
//! });
//! ```

use super::magazine::CachedIndices;
use crate::typed::{ConfigError, Full, MAX_ALIGNMENT, MAX_SLOTS, Poolable};
use alloc::alloc::{Layout, alloc, dealloc};
use core::fmt;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::ops::{Deref, DerefMut};
use core::ptr::{self, NonNull};

/// The default number of slot indices a thread caches per pool.
pub const DEFAULT_CACHE: usize = 32;

/// The most slot indices a thread may cache per pool.
pub const MAX_CACHE: usize = 1 << 16;

/// A typed pool for many threads, with per-thread caches of free slots.
/// See the [module documentation](self).
pub struct ThreadSafePool<T: Poolable> {
    indices: CachedIndices,
    /// `capacity` slots, `stride` bytes apart.
    slots: NonNull<u8>,
    stride: usize,
    capacity: u32,
    /// The layout `slots` was allocated with; `None` when nothing was
    /// (zero-sized slots).
    layout: Option<Layout>,
    _values: PhantomData<T>,
}

// SAFETY: the pool owns no `T` outside its handles (each live value belongs
// to one `SyncOwned`); through `&ThreadSafePool` a thread can only create
// values (moving a `T` in) and, through handles, use and drop them on any
// thread, which `T: Send` allows. The slot bookkeeping is `CachedIndices`,
// which is synchronised.
unsafe impl<T: Poolable + Send> Send for ThreadSafePool<T> {}
// SAFETY: as above; `&ThreadSafePool` gives no access to any value.
unsafe impl<T: Poolable + Send> Sync for ThreadSafePool<T> {}

/// The options of a [`ThreadSafePool`], validated by
/// [`build`](Self::build).
#[derive(Clone, Copy, Debug)]
pub struct ThreadSafePoolBuilder<T> {
    capacity: usize,
    cache: usize,
    alignment: usize,
    _values: PhantomData<fn() -> T>,
}

impl<T: Poolable> ThreadSafePoolBuilder<T> {
    /// The number of slots: at least 1, at most
    /// [`MAX_SLOTS`]. Default 1024.
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    /// The most free slots a thread keeps for itself: 0 (no cache: every
    /// operation takes the shared lock) up to [`MAX_CACHE`]. Default
    /// [`DEFAULT_CACHE`].
    pub fn cache(mut self, cache: usize) -> Self {
        self.cache = cache;
        self
    }

    /// The alignment of every slot: a power of two up to
    /// [`MAX_ALIGNMENT`]; raised to `T`'s own
    /// if lower. Default: `T`'s. 64 or 128 keeps values used by different
    /// threads off each other's cache lines.
    pub fn alignment(mut self, alignment: usize) -> Self {
        self.alignment = alignment;
        self
    }

    /// Validates the options and makes the pool. O(1): no slot is touched.
    ///
    /// # Errors
    ///
    /// [`ConfigError::ZeroCapacity`], [`ConfigError::CapacityTooLarge`]
    /// (also when the slots would not fit in memory),
    /// [`ConfigError::BadAlignment`], [`ConfigError::CacheTooLarge`], or
    /// [`ConfigError::OutOfMemory`].
    pub fn build(self) -> Result<ThreadSafePool<T>, ConfigError> {
        if self.capacity == 0 {
            return Err(ConfigError::ZeroCapacity);
        }
        let too_large = ConfigError::CapacityTooLarge {
            requested: self.capacity,
        };
        if self.capacity > MAX_SLOTS {
            return Err(too_large);
        }
        if !self.alignment.is_power_of_two() || self.alignment > MAX_ALIGNMENT {
            return Err(ConfigError::BadAlignment {
                alignment: self.alignment,
            });
        }
        if self.cache > MAX_CACHE {
            return Err(ConfigError::CacheTooLarge { cache: self.cache });
        }
        let align = self.alignment.max(align_of::<T>());
        let stride = size_of::<T>()
            .checked_next_multiple_of(align)
            .ok_or(too_large)?;
        let bytes = stride.checked_mul(self.capacity).ok_or(too_large)?;
        let layout = Layout::from_size_align(bytes, align).map_err(|_| too_large)?;
        let (slots, layout) = if bytes == 0 {
            // Zero-sized values: every slot is the same aligned, dangling
            // address, valid for zero-sized accesses.
            let addr = ptr::without_provenance_mut::<u8>(align);
            (NonNull::new(addr).ok_or(ConfigError::OutOfMemory)?, None)
        } else {
            // SAFETY: `layout` has a non-zero size.
            let memory = unsafe { alloc(layout) };
            (
                NonNull::new(memory).ok_or(ConfigError::OutOfMemory)?,
                Some(layout),
            )
        };
        // `capacity <= MAX_SLOTS == u32::MAX`.
        let capacity = self.capacity as u32;
        Ok(ThreadSafePool {
            indices: CachedIndices::new(capacity, self.cache),
            slots,
            stride,
            capacity,
            layout,
            _values: PhantomData,
        })
    }
}

impl<T: Poolable> ThreadSafePool<T> {
    /// A pool of `capacity` slots with the default cache and alignment.
    ///
    /// # Errors
    ///
    /// As [`ThreadSafePoolBuilder::build`].
    pub fn new(capacity: usize) -> Result<Self, ConfigError> {
        Self::builder().capacity(capacity).build()
    }

    /// The options, to set and then [`build`](ThreadSafePoolBuilder::build).
    pub fn builder() -> ThreadSafePoolBuilder<T> {
        ThreadSafePoolBuilder {
            capacity: 1024,
            cache: DEFAULT_CACHE,
            alignment: align_of::<T>(),
            _values: PhantomData,
        }
    }

    /// The number of slots.
    pub fn capacity(&self) -> usize {
        self.capacity as usize
    }

    /// The most free slots one thread caches.
    pub fn cache(&self) -> usize {
        self.indices.cache()
    }

    /// The slot address of `index`.
    fn slot(&self, index: u32) -> NonNull<T> {
        // `index < capacity`, so the offset is inside the allocation (or
        // zero for zero-sized values).
        // SAFETY: as above.
        unsafe { self.slots.add(index as usize * self.stride).cast() }
    }

    /// Moves `value` into a free slot and calls [`Poolable::on_acquire`].
    ///
    /// # Errors
    ///
    /// [`Full`] with the value when no slot is free for this thread (see
    /// the [module documentation](self) on what other threads cache).
    pub fn try_alloc(&self, value: T) -> Result<SyncOwned<'_, T>, Full<T>> {
        let Some(index) = self.indices.alloc() else {
            return Err(Full(value));
        };
        let mut slot = self.slot(index);
        // SAFETY: the index is ours alone until freed, so its slot is
        // uninitialised memory no one else uses, aligned for `T`.
        unsafe { slot.write(value) };
        // If `on_acquire` panics, the guard drops the value and frees the
        // slot (without `on_release`: the value was never handed out).
        let guard = ReleaseSlot {
            pool: self,
            index,
            slot,
        };
        // SAFETY: the slot holds the value just written, reached by no one
        // else.
        unsafe { slot.as_mut() }.on_acquire();
        core::mem::forget(guard);
        Ok(SyncOwned {
            pool: self,
            index,
            slot,
            _value: PhantomData,
        })
    }

    /// Free slots in the shared depot (not counting any thread's cache).
    /// Takes the depot's lock.
    pub fn available_in_depot(&self) -> usize {
        self.indices.in_depot()
    }

    /// Free slots cached by the calling thread.
    pub fn cached_here(&self) -> usize {
        self.indices.cached_here()
    }

    /// Hands the calling thread's cached free slots back to the shared
    /// depot, where every thread can take them.
    pub fn flush_local_cache(&self) {
        self.indices.flush_here();
    }
}

impl<T: Poolable> Drop for ThreadSafePool<T> {
    fn drop(&mut self) {
        // No handle outlives the borrow it took of the pool, so every value
        // has been dropped; only the memory remains.
        if let Some(layout) = self.layout {
            // SAFETY: `slots` was allocated with `layout` and is freed once.
            unsafe { dealloc(self.slots.as_ptr(), layout) };
        }
    }
}

impl<T: Poolable> fmt::Debug for ThreadSafePool<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadSafePool")
            .field("capacity", &self.capacity)
            .field("cache", &self.cache())
            .field("stride", &self.stride)
            .finish_non_exhaustive()
    }
}

/// Exclusive ownership of a value in a [`ThreadSafePool`]: derefs to it,
/// may move to another thread (`T: Send`), and gives the slot back when
/// dropped, after [`Poolable::on_release`], to the cache of the thread that
/// drops it.
pub struct SyncOwned<'p, T: Poolable> {
    pool: &'p ThreadSafePool<T>,
    index: u32,
    slot: NonNull<T>,
    _value: PhantomData<T>,
}

// SAFETY: the handle owns its value; sending it sends the value (`T:
// Send`) and a shared reference to the pool, which is `Sync` for such `T`.
unsafe impl<T: Poolable + Send> Send for SyncOwned<'_, T> {}
// SAFETY: `&SyncOwned` gives only `&T`.
unsafe impl<T: Poolable + Sync> Sync for SyncOwned<'_, T> {}

impl<T: Poolable> SyncOwned<'_, T> {
    /// The index of the value's slot.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// Moves the value out and frees the slot, without
    /// [`Poolable::on_release`].
    pub fn into_inner(self) -> T {
        let this = ManuallyDrop::new(self);
        // SAFETY: the slot holds our value, read once; the index is freed
        // once, after the read, and the handle is not dropped.
        unsafe {
            let value = this.slot.read();
            this.pool.indices.free(this.index);
            value
        }
    }
}

impl<T: Poolable> Deref for SyncOwned<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the slot holds this handle's value while it lives.
        unsafe { self.slot.as_ref() }
    }
}

impl<T: Poolable> DerefMut for SyncOwned<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only reference.
        unsafe { self.slot.as_mut() }
    }
}

/// Drops the value and frees the slot when dropped, so that both happen
/// even if `on_release` or the value's `drop` panics.
struct ReleaseSlot<'a, T: Poolable> {
    pool: &'a ThreadSafePool<T>,
    index: u32,
    slot: NonNull<T>,
}

impl<T: Poolable> Drop for ReleaseSlot<'_, T> {
    fn drop(&mut self) {
        /// Frees the index even if the value's `drop` panics.
        struct FreeIndex<'a, T: Poolable>(&'a ThreadSafePool<T>, u32);
        impl<T: Poolable> Drop for FreeIndex<'_, T> {
            fn drop(&mut self) {
                // SAFETY: the index was allocated for the handle being
                // released, and this is its one release.
                unsafe { self.0.indices.free(self.1) };
            }
        }
        let _free = FreeIndex(self.pool, self.index);
        // SAFETY: the slot holds the released handle's value, dropped once.
        unsafe { ptr::drop_in_place(self.slot.as_ptr()) };
    }
}

impl<T: Poolable> Drop for SyncOwned<'_, T> {
    fn drop(&mut self) {
        let release = ReleaseSlot {
            pool: self.pool,
            index: self.index,
            slot: self.slot,
        };
        // If `on_release` panics, `release` still drops the value and frees
        // the slot as the panic unwinds.
        (**self).on_release();
        drop(release);
    }
}

impl<T: Poolable + fmt::Debug> fmt::Debug for SyncOwned<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SyncOwned").field(&**self).finish()
    }
}

#[cfg(test)]
mod tests;
