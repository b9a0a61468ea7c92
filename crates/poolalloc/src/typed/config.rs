//! [`PoolConfig`]: how a typed pool is sized, aligned, grown and filled.

use super::error::ConfigError;
use super::{MAX_ALIGNMENT, MAX_SLOTS};
use alloc::boxed::Box;
use core::fmt;

/// How a [`GrowingPool`](crate::GrowingPool) computes the number of slots
/// to add when it is full. The result is capped so that the capacity stops
/// exactly at the maximum capacity.
#[derive(Clone, Copy, Debug)]
pub enum GrowthStrategy {
    /// Add this many slots (at least 1).
    Linear(usize),
    /// Multiply the capacity by this factor (a finite number above 1),
    /// rounding the number of new slots up, so at least one is added.
    Exponential(f64),
    /// Add `f(current_capacity)` slots; 0 means the pool does not grow and
    /// the allocation fails.
    Custom(fn(usize) -> usize),
}

impl GrowthStrategy {
    /// The number of slots to add to a pool of `capacity` slots, before
    /// the cap.
    pub fn additional(&self, capacity: usize) -> usize {
        match *self {
            GrowthStrategy::Linear(n) => n,
            GrowthStrategy::Exponential(factor) => {
                let exact = capacity as f64 * (factor - 1.0);
                let truncated = exact as usize;
                let rounded = if (truncated as f64) < exact {
                    truncated.saturating_add(1)
                } else {
                    truncated
                };
                rounded.max(1)
            }
            GrowthStrategy::Custom(f) => f(capacity),
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        match *self {
            GrowthStrategy::Linear(0) => Err(ConfigError::ZeroGrowth),
            GrowthStrategy::Exponential(factor) if !(factor.is_finite() && factor > 1.0) => {
                Err(ConfigError::BadGrowthFactor { factor })
            }
            _ => Ok(()),
        }
    }
}

impl Default for GrowthStrategy {
    /// Doubling.
    fn default() -> Self {
        GrowthStrategy::Exponential(2.0)
    }
}

/// A constructor of values, for `acquire` and `pre_initialize`.
pub(crate) type Initializer<T> = Box<dyn Fn() -> T>;
/// A hook that readies a released value for its next use.
pub(crate) type Reset<T> = Box<dyn Fn(&mut T)>;

/// A validated configuration for a [`FixedPool`](crate::FixedPool) or a
/// [`GrowingPool`](crate::GrowingPool), made by [`PoolConfig::builder`].
///
/// ```
/// use poolalloc::{GrowingPool, GrowthStrategy, PoolConfig};
///
/// let config = PoolConfig::builder()
///     .capacity(16)
///     .max_capacity(Some(40))
///     .growth_strategy(GrowthStrategy::Exponential(2.0))
///     .alignment(64)
///     .initializer(|| vec![0u8; 32])
///     .reset(|v: &mut Vec<u8>| v.fill(0))
///     .build()
///     .unwrap();
/// let pool = GrowingPool::with_config(config).unwrap();
/// let buffer = pool.acquire().unwrap();
/// assert_eq!(buffer.len(), 32);
/// assert_eq!((&*buffer as *const Vec<u8>).addr() % 64, 0);
/// ```
pub struct PoolConfig<T> {
    pub(crate) capacity: usize,
    pub(crate) max_capacity: Option<usize>,
    pub(crate) growth: GrowthStrategy,
    pub(crate) alignment: usize,
    pub(crate) pre_initialize: bool,
    pub(crate) initializer: Option<Initializer<T>>,
    pub(crate) reset: Option<Reset<T>>,
}

impl<T> PoolConfig<T> {
    /// A builder with the defaults: capacity 1024, no maximum (for a
    /// growing pool: [`MAX_SLOTS`]), doubling growth, the type's own
    /// alignment, no initializer, no reset hook, no pre-initialization.
    pub fn builder() -> PoolConfigBuilder<T> {
        PoolConfigBuilder {
            config: PoolConfig {
                capacity: 1024,
                max_capacity: None,
                growth: GrowthStrategy::default(),
                alignment: 1,
                pre_initialize: false,
                initializer: None,
                reset: None,
            },
        }
    }

    /// The configuration of a pool of `capacity` slots, everything else
    /// by default.
    pub fn with_capacity(capacity: usize) -> Result<Self, ConfigError> {
        Self::builder().capacity(capacity).build()
    }

    /// The initial capacity.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The maximum capacity, if one was set.
    pub fn max_capacity(&self) -> Option<usize> {
        self.max_capacity
    }

    /// The growth strategy.
    pub fn growth_strategy(&self) -> GrowthStrategy {
        self.growth
    }

    /// The minimum alignment of every value.
    pub fn alignment(&self) -> usize {
        self.alignment
    }

    /// Whether every slot is filled by the initializer when it is created.
    pub fn pre_initialize(&self) -> bool {
        self.pre_initialize
    }
}

impl<T> fmt::Debug for PoolConfig<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolConfig")
            .field("capacity", &self.capacity)
            .field("max_capacity", &self.max_capacity)
            .field("growth", &self.growth)
            .field("alignment", &self.alignment)
            .field("pre_initialize", &self.pre_initialize)
            .field("initializer", &self.initializer.is_some())
            .field("reset", &self.reset.is_some())
            .finish()
    }
}

/// Builds a [`PoolConfig`]; [`build`](PoolConfigBuilder::build) validates
/// every parameter.
pub struct PoolConfigBuilder<T> {
    config: PoolConfig<T>,
}

impl<T> PoolConfigBuilder<T> {
    /// The number of slots at creation: at least 1, at most [`MAX_SLOTS`].
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.config.capacity = capacity;
        self
    }

    /// The most slots a growing pool reaches (`None`: [`MAX_SLOTS`]); at
    /// least the capacity. A fixed pool accepts only `None` or its
    /// capacity.
    pub fn max_capacity(mut self, max_capacity: Option<usize>) -> Self {
        self.config.max_capacity = max_capacity;
        self
    }

    /// How a growing pool grows; ignored by a fixed pool.
    pub fn growth_strategy(mut self, growth: GrowthStrategy) -> Self {
        self.config.growth = growth;
        self
    }

    /// The minimum alignment of every value: a power of two up to
    /// [`MAX_ALIGNMENT`]. The value's own alignment applies when it is
    /// larger. A larger alignment spaces slots further apart (for example,
    /// 64 gives each value its own cache line when it fits in one).
    pub fn alignment(mut self, alignment: usize) -> Self {
        self.config.alignment = alignment;
        self
    }

    /// Fill every slot with the initializer's value as soon as the slot
    /// exists (at creation, and at each growth), so that `acquire` builds
    /// nothing. Needs an initializer.
    pub fn pre_initialize(mut self, pre_initialize: bool) -> Self {
        self.config.pre_initialize = pre_initialize;
        self
    }

    /// How `acquire` (and `pre_initialize`) builds a value.
    pub fn initializer(mut self, initializer: impl Fn() -> T + 'static) -> Self {
        self.config.initializer = Some(Box::new(initializer));
        self
    }

    /// Keep released values instead of dropping them: when a handle gives
    /// its value back (after [`on_release`](crate::Poolable::on_release)),
    /// the pool calls `reset` on it and keeps it in the slot, and the next
    /// `acquire` of that slot hands it out again without calling the
    /// initializer. `try_alloc` and `try_insert` drop a kept value before
    /// storing theirs; `remove` returns the value rather than keeping it.
    pub fn reset(mut self, reset: impl Fn(&mut T) + 'static) -> Self {
        self.config.reset = Some(Box::new(reset));
        self
    }

    /// Validates every parameter.
    pub fn build(self) -> Result<PoolConfig<T>, ConfigError> {
        let c = &self.config;
        if c.capacity == 0 {
            return Err(ConfigError::ZeroCapacity);
        }
        if c.capacity > MAX_SLOTS {
            return Err(ConfigError::CapacityTooLarge {
                requested: c.capacity,
            });
        }
        if let Some(max_capacity) = c.max_capacity {
            if max_capacity < c.capacity {
                return Err(ConfigError::MaxBelowCapacity {
                    capacity: c.capacity,
                    max_capacity,
                });
            }
            if max_capacity > MAX_SLOTS {
                return Err(ConfigError::CapacityTooLarge {
                    requested: max_capacity,
                });
            }
        }
        if !c.alignment.is_power_of_two() || c.alignment > MAX_ALIGNMENT {
            return Err(ConfigError::BadAlignment {
                alignment: c.alignment,
            });
        }
        c.growth.validate()?;
        if c.pre_initialize && c.initializer.is_none() {
            return Err(ConfigError::PreInitializeWithoutInitializer);
        }
        Ok(self.config)
    }
}

impl<T> fmt::Debug for PoolConfigBuilder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PoolConfigBuilder")
            .field(&self.config)
            .finish()
    }
}
