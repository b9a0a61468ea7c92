//! Errors of the typed pools.

use core::fmt;

/// Why a [`PoolConfig`](crate::PoolConfig) was refused, or a pool could
/// not be created from it.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The capacity is zero.
    ZeroCapacity,
    /// The capacity or maximum capacity is more than a pool can index
    /// ([`MAX_SLOTS`](crate::typed::MAX_SLOTS)), or its slots would not fit
    /// in the address space.
    CapacityTooLarge {
        /// The capacity asked for.
        requested: usize,
    },
    /// The maximum capacity is below the capacity.
    MaxBelowCapacity {
        /// The capacity.
        capacity: usize,
        /// The maximum capacity.
        max_capacity: usize,
    },
    /// The alignment is not a power of two, or is above
    /// [`MAX_ALIGNMENT`](crate::typed::MAX_ALIGNMENT).
    BadAlignment {
        /// The alignment asked for.
        alignment: usize,
    },
    /// `GrowthStrategy::Linear(0)`: the pool could never grow.
    ZeroGrowth,
    /// `GrowthStrategy::Exponential(factor)` with a factor that is not a
    /// finite number above 1.
    BadGrowthFactor {
        /// The factor asked for.
        factor: f64,
    },
    /// `pre_initialize(true)` without an initializer to build the values.
    PreInitializeWithoutInitializer,
    /// A `FixedPool` was given a maximum capacity other than its capacity.
    FixedPoolCannotGrow {
        /// The capacity.
        capacity: usize,
        /// The maximum capacity.
        max_capacity: usize,
    },
    /// The heap refused the pool's memory.
    OutOfMemory,
    /// A per-thread cache larger than
    /// [`MAX_CACHE`](crate::sync::thread_safe::MAX_CACHE).
    CacheTooLarge {
        /// The cache size asked for.
        cache: usize,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ConfigError::ZeroCapacity => f.write_str("the capacity must be at least 1"),
            ConfigError::CapacityTooLarge { requested } => {
                write!(f, "a capacity of {requested} slots is too large")
            }
            ConfigError::MaxBelowCapacity {
                capacity,
                max_capacity,
            } => write!(
                f,
                "the maximum capacity {max_capacity} is below the capacity {capacity}"
            ),
            ConfigError::BadAlignment { alignment } => write!(
                f,
                "alignment {alignment} is not a power of two up to {}",
                super::MAX_ALIGNMENT
            ),
            ConfigError::ZeroGrowth => f.write_str("linear growth by 0 slots"),
            ConfigError::BadGrowthFactor { factor } => {
                write!(f, "growth factor {factor} is not a finite number above 1")
            }
            ConfigError::PreInitializeWithoutInitializer => {
                f.write_str("pre_initialize needs an initializer")
            }
            ConfigError::FixedPoolCannotGrow {
                capacity,
                max_capacity,
            } => write!(
                f,
                "a fixed pool of {capacity} slots cannot have a maximum capacity of {max_capacity}"
            ),
            ConfigError::OutOfMemory => f.write_str("the heap is out of memory"),
            ConfigError::CacheTooLarge { cache } => {
                write!(f, "a per-thread cache of {cache} slots is too large")
            }
        }
    }
}

impl core::error::Error for ConfigError {}

/// The pool had no free slot (and, for a growing pool, could not grow):
/// the value that was to be stored, handed back.
///
/// ```
/// use poolalloc::FixedPool;
///
/// let pool = FixedPool::new(1).unwrap();
/// let _a = pool.try_alloc(String::from("a")).unwrap();
/// let err = pool.try_alloc(String::from("b")).unwrap_err();
/// assert_eq!(err.into_inner(), "b");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Full<T>(pub T);

impl<T> Full<T> {
    /// The value that could not be stored.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Full(..)")
    }
}

impl<T> fmt::Display for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the pool is full")
    }
}

impl<T> core::error::Error for Full<T> {}

/// Why `acquire` could not hand out a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AcquireError {
    /// The pool was configured without an initializer.
    NoInitializer,
    /// The pool had no free slot and could not grow.
    Full,
}

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AcquireError::NoInitializer => f.write_str("the pool has no initializer"),
            AcquireError::Full => f.write_str("the pool is full"),
        }
    }
}

impl core::error::Error for AcquireError {}
