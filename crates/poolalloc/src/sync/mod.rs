//! Pools shared between threads (and interrupt handlers).
//!
//! - [`Locked`]: any engine behind a lock chosen by the user: a spin lock
//!   ([`SpinLocked`]), a `parking_lot` mutex ([`MutexLocked`], feature
//!   `parking_lot`) or a critical section ([`CriticalSectionLocked`],
//!   feature `critical-section`).
//! - [`LockFreePool`]: fixed-size blocks behind `&self`, allocated and
//!   freed with compare-and-swap on one 64-bit word: a Treiber stack of
//!   32-bit block indices tagged against ABA; [`LockFreeTypedPool`] is its
//!   typed form, with RAII handles.
//! - [`GlobalDeque`]: a `static` byte queue behind a lock, for interrupt
//!   handlers ([`CriticalSectionDeque`]) or threads ([`SpinDeque`]).
//! - [`SpscQueue`]: a lock-free byte ring for one producer and one
//!   consumer.
//! - [`ThreadSafePool`] (feature `std`): a typed pool for many threads,
//!   each allocating from and freeing into its own cache of free slots.
//! - [`ThreadLocalPool`] (feature `std`): a typed pool bound to one thread,
//!   and [`thread_local_pool!`](crate::thread_local_pool) for one per
//!   thread.
//!
//! The engines in the rest of the crate take `&mut self`; the types here are
//! the ways to reach one pool from many places at once.

mod atomic;
#[cfg(feature = "critical-section")]
mod critical;
pub mod deque;
pub mod lock_free;
pub mod lock_free_typed;
pub mod locked;
#[cfg(feature = "std")]
mod magazine;
mod ring;
pub mod spsc;
#[cfg(feature = "std")]
pub mod thread_local;
#[cfg(feature = "std")]
pub mod thread_safe;

#[cfg(feature = "critical-section")]
pub use critical::CriticalSectionRawMutex;
#[cfg(feature = "critical-section")]
pub use deque::CriticalSectionDeque;
pub use deque::{GlobalDeque, QueueFull, SpinDeque};
pub use lock_free::LockFreePool;
pub use lock_free_typed::{LockFreeOwned, LockFreeTypedPool};
#[cfg(feature = "critical-section")]
pub use locked::CriticalSectionLocked;
#[cfg(feature = "parking_lot")]
pub use locked::MutexLocked;
pub use locked::{Locked, SpinLocked};
pub use spsc::{Consumer, Producer, SpscQueue};
#[cfg(feature = "std")]
pub use thread_local::ThreadLocalPool;
#[cfg(feature = "std")]
pub use thread_safe::{SyncOwned, ThreadSafePool, ThreadSafePoolBuilder};
