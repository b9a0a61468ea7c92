//! Typed pools: [`FixedPool`] and [`GrowingPool`], their configuration,
//! and the handles that reach their values.
//!
//! A typed pool stores values of one type `T` in numbered slots and hands
//! them out three ways:
//!
//! - [`Owned`]: one owner, RAII. Derefs to `&T` and `&mut T` and gives the
//!   value back when dropped. Made by `try_alloc` or `acquire`.
//! - [`Shared`] and [`Weak`]: reference counted, the count kept in the
//!   slot. Made by `try_alloc_shared`, [`Owned::into_shared`] and
//!   [`Shared::downgrade`].
//! - [`Key`]: a `Copy` name of eight bytes (index and generation) for a
//!   value the pool keeps until `remove`; checked at every `get`,
//!   `get_mut` and `remove`, so a stale or forged key gets `None`.
//!
//! Handles borrow the pool (`Owned<'p, T>`), so none outlives it, and they
//! reach their value through a pointer to its slot: no lookup, no
//! `RefCell`. The pool's bookkeeping is in `Cell`s, which makes it neither
//! `Sync` nor `Send`.
//!
//! Every value is dropped exactly once: when its handle gives it back,
//! when it is removed by key (it is returned), or when the pool is dropped
//! with values still in it (keyed ones, and those of leaked handles).
//! Panics in [`Poolable`] hooks, the initializer, the reset hook or a
//! value's `drop` free the slot and drop the value before they continue.
//!
//! ```
//! use poolalloc::{FixedPool, PoolConfig, Poolable};
//!
//! #[derive(Default)]
//! struct Particle {
//!     position: [f32; 3],
//!     alive: bool,
//! }
//!
//! impl Poolable for Particle {
//!     fn on_acquire(&mut self) {
//!         self.alive = true;
//!     }
//!     fn on_release(&mut self) {
//!         self.alive = false;
//!     }
//! }
//!
//! let config = PoolConfig::builder()
//!     .capacity(100)
//!     .alignment(64)
//!     .initializer(Particle::default)
//!     .reset(|p: &mut Particle| p.position = [0.0; 3])
//!     .pre_initialize(true)
//!     .build()
//!     .unwrap();
//! let pool = FixedPool::with_config(config).unwrap();
//!
//! let mut p = pool.acquire().unwrap();
//! assert!(p.alive);
//! p.position[0] = 1.5;
//! assert_eq!((&*p as *const Particle).addr() % 64, 0);
//! drop(p); // on_release, then reset; the value stays for the next acquire
//! assert_eq!(pool.stats().in_use, 0);
//! ```
//!
//! Feature `alloc`: the pools keep their slots on the heap.

mod api;
mod config;
mod core;
mod error;
mod fixed;
mod growing;
mod key;
mod owned;
mod poolable;
mod shared;
mod slot;
#[cfg(test)]
mod tests;

pub use config::{GrowthStrategy, PoolConfig, PoolConfigBuilder};
pub use error::{AcquireError, ConfigError, Full};
pub use fixed::FixedPool;
pub use growing::GrowingPool;
pub use key::Key;
pub use owned::Owned;
pub use poolable::Poolable;
pub use shared::{Shared, Weak};

/// The most slots a typed pool can have: indices are `u32`.
pub const MAX_SLOTS: usize = u32::MAX as usize;

/// The largest alignment a [`PoolConfig`] accepts.
pub const MAX_ALIGNMENT: usize = 4096;
