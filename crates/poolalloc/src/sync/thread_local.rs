//! [`ThreadLocalPool`]: one typed pool per thread.
//!
//! A `ThreadLocalPool<T>` is a [`GrowingPool`] that cannot leave the thread
//! that made it: it is neither `Send` nor `Sync`, so its handles and keys
//! are only ever used where it lives, and none of its operations needs a
//! lock or an atomic. [`thread_local_pool!`](crate::thread_local_pool)
//! declares a `static` that gives each thread its own instance, made from
//! the same configuration on the thread's first use and dropped (with any
//! values still in it) when the thread exits.
//!
//! ```
//! use poolalloc::{PoolConfig, thread_local_pool};
//!
//! thread_local_pool! {
//!     /// Scratch vectors, one pool per thread.
//!     static SCRATCH: Vec<u32> = PoolConfig::builder().capacity(8).build().unwrap();
//! }
//!
//! let here = SCRATCH.with(|pool| {
//!     let mut v = pool.try_alloc(Vec::new()).unwrap();
//!     v.push(1);
//!     v.len()
//! });
//! assert_eq!(here, 1);
//! std::thread::spawn(|| {
//!     // Another thread, another pool: empty.
//!     SCRATCH.with(|pool| assert_eq!(pool.len(), 0));
//! })
//! .join()
//! .unwrap();
//! ```

use crate::index::{Stack, Strategy};
use crate::typed::{ConfigError, GrowingPool, PoolConfig};
use core::fmt;
use core::marker::PhantomData;
use core::ops::Deref;

/// A [`GrowingPool`] bound to the thread that made it: `!Send`, `!Sync`.
/// Derefs to the pool. See the [module documentation](self).
pub struct ThreadLocalPool<T, S: Strategy = Stack> {
    pool: GrowingPool<T, S>,
    /// Neither `Send` nor `Sync`.
    _this_thread: PhantomData<*const ()>,
}

impl<T> ThreadLocalPool<T> {
    /// A pool of `capacity` slots at first, growing as
    /// [`GrowingPool::new`] does.
    ///
    /// # Errors
    ///
    /// As [`GrowingPool::new`].
    pub fn new(capacity: usize) -> Result<Self, ConfigError> {
        Self::with_strategy(PoolConfig::with_capacity(capacity)?)
    }

    /// A pool as `config` describes.
    ///
    /// # Errors
    ///
    /// As [`GrowingPool::with_config`].
    pub fn with_config(config: PoolConfig<T>) -> Result<Self, ConfigError> {
        Self::with_strategy(config)
    }
}

impl<T, S: Strategy> ThreadLocalPool<T, S> {
    /// A pool as `config` describes, choosing slots with strategy `S`.
    ///
    /// # Errors
    ///
    /// As [`GrowingPool::with_strategy`].
    pub fn with_strategy(config: PoolConfig<T>) -> Result<Self, ConfigError> {
        Ok(ThreadLocalPool {
            pool: GrowingPool::with_strategy(config)?,
            _this_thread: PhantomData,
        })
    }

    /// The pool itself, still on this thread.
    pub fn into_inner(self) -> GrowingPool<T, S> {
        self.pool
    }
}

impl<T, S: Strategy> Deref for ThreadLocalPool<T, S> {
    type Target = GrowingPool<T, S>;

    fn deref(&self) -> &GrowingPool<T, S> {
        &self.pool
    }
}

impl<T: crate::typed::Poolable, S: Strategy> fmt::Debug for ThreadLocalPool<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadLocalPool")
            .field("capacity", &self.pool.capacity())
            .field("len", &self.pool.len())
            .finish_non_exhaustive()
    }
}

/// Declares a `static` holding one [`ThreadLocalPool`] per thread, made
/// on the thread's first use from the configuration expression (evaluated
/// once per thread, and unwrapped: an invalid configuration panics on that
/// first use). Use it through `NAME.with(|pool| ..)`.
///
/// ```
/// poolalloc::thread_local_pool! {
///     static NAMES: String = poolalloc::PoolConfig::with_capacity(4).unwrap();
///     pub(crate) static COUNTS: u64 = poolalloc::PoolConfig::with_capacity(16).unwrap();
/// }
/// NAMES.with(|pool| {
///     let name = pool.try_alloc(String::from("ada")).unwrap();
///     assert_eq!(*name, "ada");
/// });
/// COUNTS.with(|pool| assert_eq!(pool.capacity(), 16));
/// ```
#[macro_export]
macro_rules! thread_local_pool {
    ($($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $config:expr;)+) => {
        ::std::thread_local! {
            $(
                $(#[$attr])*
                $vis static $name: $crate::sync::ThreadLocalPool<$t> =
                    $crate::sync::ThreadLocalPool::with_config($config)
                        .expect("the configuration of a thread-local pool is valid");
            )+
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::thread_local_pool! {
        static POOL: u64 = PoolConfig::builder().capacity(2).max_capacity(Some(2)).build().unwrap();
    }

    #[test]
    fn each_thread_has_its_own_pool() {
        let here = POOL.with(|pool| {
            let a = pool.try_alloc(1).unwrap();
            let b = pool.try_alloc(2).unwrap();
            assert_eq!(pool.try_alloc(3).unwrap_err().into_inner(), 3);
            core::mem::forget((a, b));
            pool as *const ThreadLocalPool<u64> as usize
        });
        let there = std::thread::spawn(|| {
            POOL.with(|pool| {
                assert_eq!(pool.len(), 0);
                let _c = pool.try_alloc(4).unwrap();
                assert_eq!(pool.len(), 1);
                pool as *const ThreadLocalPool<u64> as usize
            })
        })
        .join()
        .unwrap();
        assert_ne!(here, there);
        POOL.with(|pool| assert_eq!(pool.len(), 2));
    }

    #[test]
    fn made_directly_and_unwrapped() {
        let pool = ThreadLocalPool::new(3).unwrap();
        let k = pool.try_insert(5u8).unwrap();
        assert_eq!(pool.get(k), Some(&5));
        assert_eq!(
            std::format!("{pool:?}"),
            "ThreadLocalPool { capacity: 3, len: 1, .. }"
        );
        let mut inner = pool.into_inner();
        assert_eq!(inner.remove(k), Some(5));
        assert_eq!(
            ThreadLocalPool::<u8>::new(0).unwrap_err(),
            ConfigError::ZeroCapacity
        );
    }
}
