//! [`LockFreeTypedPool`]: the typed form of [`LockFreePool`]: values of
//! one type `T` in its blocks, handed out as RAII handles that any thread
//! may use and drop.
//!
//! ```
//! use core::mem::MaybeUninit;
//! use poolalloc::{region::Region, sync::LockFreeTypedPool};
//!
//! let mut memory = [MaybeUninit::<u8>::uninit(); 1024];
//! let pool = LockFreeTypedPool::<[u32; 4]>::new(Region::new(&mut memory)).unwrap();
//! std::thread::scope(|s| {
//!     for t in 0..2 {
//!         let pool = &pool;
//!         s.spawn(move || {
//!             let mut v = pool.try_alloc([t; 4]).unwrap();
//!             v[1] += 1;
//!             assert_eq!(*v, [t, t + 1, t, t]);
//!         });
//!     }
//! });
//! assert_eq!(pool.len(), 0);
//! ```

use super::lock_free::LockFreePool;
use crate::error::RegionError;
use crate::region::Region;
use core::fmt;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

/// A [`LockFreePool`] whose blocks hold values of `T`. See the [module
/// documentation](self).
pub struct LockFreeTypedPool<'a, T> {
    blocks: LockFreePool<'a>,
    _values: PhantomData<T>,
}

// SAFETY: the pool owns no `T` outside its handles (each live value belongs
// to one `LockFreeOwned`); through `&LockFreeTypedPool` a thread can only
// move a `T` in, and handles let any thread use and drop it, which
// `T: Send` allows. The block bookkeeping is `LockFreePool`'s, which is
// `Sync`.
unsafe impl<T: Send> Send for LockFreeTypedPool<'_, T> {}
// SAFETY: as above; `&LockFreeTypedPool` gives no access to any value.
unsafe impl<T: Send> Sync for LockFreeTypedPool<'_, T> {}

impl<'a, T> LockFreeTypedPool<'a, T> {
    /// As many slots for `T` as `region` holds (zero-sized values take one
    /// byte each).
    ///
    /// # Errors
    ///
    /// As [`LockFreePool::new`]: [`RegionError::TooSmall`] when not even one
    /// value fits.
    pub fn new(region: Region<'a>) -> Result<Self, RegionError> {
        Ok(LockFreeTypedPool {
            blocks: LockFreePool::new(region, size_of::<T>().max(1), align_of::<T>())?,
            _values: PhantomData,
        })
    }

    /// The smallest region that holds `values` values of `T`, whatever its
    /// start address.
    ///
    /// # Errors
    ///
    /// As [`LockFreePool::region_size_for`].
    pub fn region_size_for(values: usize) -> Result<usize, RegionError> {
        LockFreePool::region_size_for(values, size_of::<T>().max(1), align_of::<T>())
    }

    /// The number of slots.
    pub fn capacity(&self) -> usize {
        self.blocks.capacity()
    }

    /// The number of values handed out. O(capacity); exact only when no
    /// other thread is allocating or freeing.
    pub fn len(&self) -> usize {
        self.blocks.count_allocated()
    }

    /// Whether no value is handed out (with the caveat of
    /// [`len`](Self::len)).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Moves `value` into a free slot. Lock-free.
    ///
    /// # Errors
    ///
    /// The value, when every slot is in use.
    pub fn try_alloc(&self, value: T) -> Result<LockFreeOwned<'_, 'a, T>, T> {
        let Some(block) = self.blocks.alloc() else {
            return Err(value);
        };
        let slot = block.cast::<T>();
        // SAFETY: a block just handed out to this thread alone, sized and
        // aligned for `T`.
        unsafe { slot.write(value) };
        Ok(LockFreeOwned { pool: self, slot })
    }
}

impl<T> fmt::Debug for LockFreeTypedPool<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockFreeTypedPool")
            .field("capacity", &self.capacity())
            .finish_non_exhaustive()
    }
}

/// Exclusive ownership of a value in a [`LockFreeTypedPool`]: derefs to
/// it, may move to another thread (`T: Send`), and drops the value and
/// frees its slot when dropped.
pub struct LockFreeOwned<'p, 'a, T> {
    pool: &'p LockFreeTypedPool<'a, T>,
    slot: NonNull<T>,
}

// SAFETY: the handle owns its value; sending it sends the value (`T:
// Send`) and a shared reference to the pool, which is `Sync` for such `T`.
unsafe impl<T: Send> Send for LockFreeOwned<'_, '_, T> {}
// SAFETY: `&LockFreeOwned` gives only `&T`.
unsafe impl<T: Sync> Sync for LockFreeOwned<'_, '_, T> {}

impl<T> LockFreeOwned<'_, '_, T> {
    /// Moves the value out and frees the slot.
    pub fn into_inner(self) -> T {
        let this = ManuallyDrop::new(self);
        // SAFETY: the slot holds our value, read once; the block is freed
        // once, after the read, and the handle is not dropped.
        unsafe {
            let value = this.slot.read();
            this.pool.blocks.free_unchecked(this.slot.cast());
            value
        }
    }
}

impl<T> Deref for LockFreeOwned<'_, '_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the slot holds this handle's value while it lives.
        unsafe { self.slot.as_ref() }
    }
}

impl<T> DerefMut for LockFreeOwned<'_, '_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only reference.
        unsafe { self.slot.as_mut() }
    }
}

impl<T> Drop for LockFreeOwned<'_, '_, T> {
    fn drop(&mut self) {
        /// Frees the block even if the value's `drop` panics.
        struct FreeBlock<'p, 'a, T>(&'p LockFreeTypedPool<'a, T>, NonNull<T>);
        impl<T> Drop for FreeBlock<'_, '_, T> {
            fn drop(&mut self) {
                // SAFETY: the block was handed out for the handle being
                // dropped, and this is its one free.
                unsafe { self.0.blocks.free_unchecked(self.1.cast()) };
            }
        }
        let _free = FreeBlock(self.pool, self.slot);
        // SAFETY: the slot holds the handle's value, dropped once.
        unsafe { self.slot.drop_in_place() };
    }
}

impl<T: fmt::Debug> fmt::Debug for LockFreeOwned<'_, '_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("LockFreeOwned").field(&**self).finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use core::mem::MaybeUninit;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::vec::Vec;

    #[test]
    fn values_fill_the_pool_and_come_back() {
        let bytes = LockFreeTypedPool::<u64>::region_size_for(4).unwrap();
        let mut memory = std::vec![MaybeUninit::<u8>::uninit(); bytes];
        let pool = LockFreeTypedPool::<u64>::new(Region::new(&mut memory)).unwrap();
        assert!(pool.capacity() >= 4);
        let held: Vec<_> = (0..pool.capacity() as u64)
            .map(|i| pool.try_alloc(i).unwrap())
            .collect();
        assert_eq!(pool.try_alloc(99).err(), Some(99));
        assert!(held.iter().enumerate().all(|(i, v)| **v == i as u64));
        assert!(
            held.iter()
                .all(|v| (&**v as *const u64).addr() % align_of::<u64>() == 0)
        );
        assert_eq!(pool.len(), pool.capacity());
        let first = held.into_iter().next().unwrap();
        assert_eq!(first.into_inner(), 0);
        assert_eq!(pool.len(), 0);
        assert!(pool.is_empty());
    }

    #[test]
    fn values_are_dropped_once_on_any_thread() {
        struct Counted(Arc<AtomicUsize>);
        impl Drop for Counted {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::Relaxed);
            }
        }
        let drops = Arc::new(AtomicUsize::new(0));
        let mut memory = [MaybeUninit::<u8>::uninit(); 512];
        let pool = LockFreeTypedPool::<Counted>::new(Region::new(&mut memory)).unwrap();
        let rounds = if cfg!(miri) { 10 } else { 2_000 };
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    for _ in 0..rounds {
                        let v = pool.try_alloc(Counted(Arc::clone(&drops))).ok().unwrap();
                        // Dropped on another thread.
                        std::thread::scope(|inner| {
                            inner.spawn(move || drop(v));
                        });
                    }
                });
            }
        });
        assert_eq!(drops.load(Ordering::Relaxed), 2 * rounds);
        assert_eq!(pool.len(), 0);
    }

    #[test]
    fn zero_sized_values_and_a_region_too_small() {
        let mut memory = [MaybeUninit::<u8>::uninit(); 64];
        let pool = LockFreeTypedPool::<()>::new(Region::new(&mut memory)).unwrap();
        let a = pool.try_alloc(()).unwrap();
        let b = pool.try_alloc(()).unwrap();
        assert_eq!(pool.len(), 2);
        drop((a, b));
        let mut tiny = [MaybeUninit::<u8>::uninit(); 8];
        assert!(matches!(
            LockFreeTypedPool::<[u8; 64]>::new(Region::new(&mut tiny)),
            Err(RegionError::TooSmall { .. })
        ));
        assert_eq!(
            std::format!("{:?}", pool),
            std::format!("LockFreeTypedPool {{ capacity: {}, .. }}", pool.capacity())
        );
    }
}
