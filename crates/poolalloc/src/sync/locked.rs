//! [`Locked`]: any engine behind a lock the user chooses.
//!
//! The engines take `&mut self`; `Locked<E, R>` shares one between threads
//! (or between a main loop and interrupt handlers) by holding it in a
//! [`lock_api::Mutex`] over any [`lock_api::RawMutex`] `R`. Ready aliases:
//!
//! - [`SpinLocked`]: a spin lock, for `no_std` targets with threads or
//!   cores but no operating system.
//! - [`MutexLocked`] (feature `parking_lot`, on with `std`): a parking
//!   mutex that puts waiting threads to sleep.
//! - [`CriticalSectionLocked`] (feature `critical-section`): each lock is a
//!   critical section, so the pool can be used from interrupt handlers on
//!   a single-core microcontroller (the application provides the
//!   implementation, e.g. `cortex-m`'s `critical-section-single-core`).
//!
//! `Locked` forwards the common operations of [`BlockPool`] and [`VarPool`]
//! (each takes the lock for its duration); [`lock`](Locked::lock) gives the
//! whole engine for a sequence of operations under one lock.
//!
//! ```
//! use core::mem::MaybeUninit;
//! use poolalloc::{BlockPool, region::Region, sync::SpinLocked};
//!
//! let mut memory = [MaybeUninit::<u8>::uninit(); 4096];
//! let pool = SpinLocked::new(BlockPool::new(Region::new(&mut memory), 64, 8).unwrap());
//! std::thread::scope(|s| {
//!     for _ in 0..2 {
//!         s.spawn(|| {
//!             let block = pool.alloc().expect("a free block");
//!             pool.free(block).unwrap();
//!         });
//!     }
//! });
//! assert_eq!(pool.lock().len(), 0);
//! ```

use crate::error::{AllocError, FreeError, ReallocError};
use crate::stats::{ByteStats, Stats};
use crate::{BlockPool, VarPool};
use core::fmt;
use core::ptr::NonNull;
use lock_api::{Mutex, MutexGuard, RawMutex};

/// An engine `E` behind a lock of type `R`.
pub struct Locked<E, R: RawMutex> {
    inner: Mutex<R, E>,
}

/// [`Locked`] over a spin lock (`spin`'s): for `no_std` targets.
pub type SpinLocked<E> = Locked<E, spin::mutex::SpinMutex<()>>;

/// [`Locked`] over a `parking_lot` mutex.
#[cfg(feature = "parking_lot")]
pub type MutexLocked<E> = Locked<E, parking_lot::RawMutex>;

/// [`Locked`] over a critical section: interrupt-safe on single-core
/// microcontrollers.
#[cfg(feature = "critical-section")]
pub type CriticalSectionLocked<E> = Locked<E, super::critical::CriticalSectionRawMutex>;

impl<E, R: RawMutex> Locked<E, R> {
    /// Puts `engine` behind a new, unlocked lock. `const`, so a `Locked`
    /// can be a `static`.
    pub const fn new(engine: E) -> Self {
        Locked {
            inner: Mutex::const_new(R::INIT, engine),
        }
    }

    /// Locks the engine until the guard is dropped.
    #[inline]
    pub fn lock(&self) -> MutexGuard<'_, R, E> {
        self.inner.lock()
    }

    /// Locks the engine if no one else holds it.
    #[inline]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, R, E>> {
        self.inner.try_lock()
    }

    /// Runs `f` on the engine under the lock.
    #[inline]
    pub fn with<T>(&self, f: impl FnOnce(&mut E) -> T) -> T {
        f(&mut self.inner.lock())
    }

    /// The engine, without locking: `&mut self` proves no one else holds it.
    #[inline]
    pub fn get_mut(&mut self) -> &mut E {
        self.inner.get_mut()
    }

    /// The engine, out of its lock.
    pub fn into_inner(self) -> E {
        self.inner.into_inner()
    }
}

impl<E: fmt::Debug, R: RawMutex> fmt::Debug for Locked<E, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.inner.try_lock() {
            Some(engine) => f.debug_struct("Locked").field("engine", &&*engine).finish(),
            None => f.write_str("Locked { <locked> }"),
        }
    }
}

impl<'a, R: RawMutex, const C: bool> Locked<BlockPool<'a, C>, R> {
    /// [`BlockPool::alloc`] under the lock.
    #[inline]
    pub fn alloc(&self) -> Option<NonNull<u8>> {
        self.lock().alloc()
    }

    /// [`BlockPool::alloc_zeroed`] under the lock.
    #[inline]
    pub fn alloc_zeroed(&self) -> Option<NonNull<u8>> {
        self.lock().alloc_zeroed()
    }

    /// [`BlockPool::free`] under the lock.
    ///
    /// # Errors
    ///
    /// As [`BlockPool::free`]; the pool is untouched on error.
    #[inline]
    pub fn free(&self, block: NonNull<u8>) -> Result<(), FreeError> {
        self.lock().free(block)
    }

    /// [`BlockPool::free_unchecked`] under the lock.
    ///
    /// # Safety
    ///
    /// As [`BlockPool::free_unchecked`].
    #[inline]
    pub unsafe fn free_unchecked(&self, block: NonNull<u8>) {
        // SAFETY: the caller's contract is the pool's.
        unsafe { self.lock().free_unchecked(block) }
    }

    /// [`BlockPool::stats`] under the lock.
    pub fn stats(&self) -> Stats {
        self.lock().stats()
    }
}

impl<'a, R: RawMutex> Locked<VarPool<'a>, R> {
    /// [`VarPool::alloc`] under the lock.
    #[inline]
    pub fn alloc(&self, size: usize, align: usize) -> Option<NonNull<u8>> {
        self.lock().alloc(size, align)
    }

    /// [`VarPool::try_alloc`] under the lock.
    ///
    /// # Errors
    ///
    /// As [`VarPool::try_alloc`].
    #[inline]
    pub fn try_alloc(&self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError> {
        self.lock().try_alloc(size, align)
    }

    /// [`VarPool::free`] under the lock.
    ///
    /// # Errors
    ///
    /// As [`VarPool::free`].
    #[inline]
    pub fn free(&self, ptr: NonNull<u8>) -> Result<(), FreeError> {
        self.lock().free(ptr)
    }

    /// [`VarPool::realloc`] under the lock.
    ///
    /// # Errors
    ///
    /// As [`VarPool::realloc`].
    #[inline]
    pub fn realloc(&self, ptr: NonNull<u8>, new_size: usize) -> Result<NonNull<u8>, ReallocError> {
        self.lock().realloc(ptr, new_size)
    }

    /// [`VarPool::realloc_aligned`] under the lock.
    ///
    /// # Errors
    ///
    /// As [`VarPool::realloc_aligned`].
    #[inline]
    pub fn realloc_aligned(
        &self,
        ptr: NonNull<u8>,
        new_size: usize,
        align: usize,
    ) -> Result<NonNull<u8>, ReallocError> {
        self.lock().realloc_aligned(ptr, new_size, align)
    }

    /// [`VarPool::stats`] under the lock.
    pub fn stats(&self) -> ByteStats {
        self.lock().stats()
    }
}

#[cfg(test)]
mod tests;
