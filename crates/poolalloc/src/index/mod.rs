//! Index allocators: the strategies a typed pool uses to choose a free slot.
//!
//! A typed pool ([`FixedPool`](crate::FixedPool),
//! [`GrowingPool`](crate::GrowingPool)) stores its values in numbered
//! slots and asks an index allocator which free slot to hand out next. The
//! allocator is a type parameter of the pool, so the choice costs no
//! dispatch:
//!
//! | strategy | reuses | alloc | free | memory per slot | use it when |
//! |---|---|---|---|---|---|
//! | [`Stack`] (default) | most recently freed first (LIFO) | O(1) | O(1) | 4 bytes | you want speed: the slot just freed is still in cache |
//! | [`FreeList`] | least recently freed first (FIFO) | O(1) | O(1) | 4 bytes | you want a freed slot to rest as long as possible before reuse (stale keys and weak handles then keep failing for longer; use-after-release bugs in `unsafe` callers surface later, and more reproducibly) |
//! | [`Bitmap`] | lowest free index first | O(capacity / 64) worst case, O(1) when the lowest free slots are dense | O(1) | 1 bit | you want live values packed at low indices (compact, scan-friendly), or the least bookkeeping memory |
//!
//! Every strategy hands out slots never used before in index order, and
//! none touches a slot before it is first handed out, so creating a pool
//! costs O(1) in the allocators (the bitmap clears its words up front:
//! O(capacity / 64)).
//!
//! ```
//! use poolalloc::index::{Bitmap, FreeList};
//! use poolalloc::{FixedPool, PoolConfig};
//!
//! let lifo = FixedPool::<u32>::new(4).unwrap();
//! let a = lifo.try_alloc(1).unwrap();
//! let first = a.index();
//! drop(a);
//! assert_eq!(lifo.try_alloc(2).unwrap().index(), first);
//!
//! let config = PoolConfig::builder().capacity(4).build().unwrap();
//! let fifo = FixedPool::<u32, FreeList>::with_strategy(config).unwrap();
//! let a = fifo.try_alloc(1).unwrap();
//! let first = a.index();
//! drop(a);
//! assert_ne!(fifo.try_alloc(2).unwrap().index(), first);
//!
//! let config = PoolConfig::builder().capacity(200).build().unwrap();
//! let bitmap = FixedPool::<u32, Bitmap>::with_strategy(config).unwrap();
//! let a = bitmap.try_alloc(1).unwrap();
//! let _b = bitmap.try_alloc(2).unwrap();
//! drop(a);
//! assert_eq!(bitmap.try_alloc(3).unwrap().index(), 0);
//! ```
//!
//! The allocators are sealed: a pool relies on them to never hand out one
//! index twice, so only the three here can be plugged in.

mod bitmap;
mod free_list;
mod stack;
#[cfg(test)]
mod tests;

pub use bitmap::Bitmap;
pub use free_list::FreeList;
pub use stack::Stack;

pub(crate) mod sealed {
    /// The operations a typed pool needs from its index allocator.
    ///
    /// Contract (which the pool relies on for soundness): `alloc` never
    /// returns an index that is already allocated or at least `capacity`;
    /// `free` is only called with an allocated index.
    pub trait IndexAllocator: Sized {
        /// An allocator of `capacity` free indices, or `None` when the heap
        /// refuses its bookkeeping.
        fn with_capacity(capacity: u32) -> Option<Self>;
        /// A free index, now allocated; `None` when all are allocated.
        fn alloc(&mut self) -> Option<u32>;
        /// Makes an allocated index free.
        fn free(&mut self, index: u32);
        /// Adds the indices `capacity()..new_capacity`, free. Returns
        /// `false`, changing nothing, when the heap refuses the bookkeeping.
        fn grow(&mut self, new_capacity: u32) -> bool;
        /// The number of indices managed.
        fn capacity(&self) -> u32;
    }
}

/// An index-allocation strategy for a typed pool: [`Stack`], [`FreeList`]
/// or [`Bitmap`]. Sealed.
pub trait Strategy: sealed::IndexAllocator {}

impl Strategy for Stack {}
impl Strategy for FreeList {}
impl Strategy for Bitmap {}
