//! # poolalloc
//!
//! Memory pools that are fast, `no_std`, and sound whatever their caller
//! does with the safe API.
//!
//! What is here:
//!
//! - [`region`]: the memory a pool carves, from a slice, a `static`, a raw
//!   pointer or (feature `alloc`) the heap. All alignment arithmetic lives
//!   there.
//! - [`BlockPool`]: fixed-size blocks, O(1) `alloc`/`free`, no per-block
//!   header, checked frees that refuse foreign, interior and double-freed
//!   pointers with certainty, iteration over allocated blocks, statistics
//!   and a full invariant [`check`](BlockPool::check).
//!   [`GrowingBlockPool`] (feature `alloc`) obtains heap regions as it
//!   fills, up to an optional cap.
//! - [`VarPool`]: allocations of any size and alignment (TLSF: two-level
//!   segregated fit with boundary tags), O(1) `alloc`/`free`, in-place
//!   `realloc`, checked frees with the same certainty as `BlockPool`'s,
//!   guard bytes, a memory dump and a full invariant check;
//!   [`GrowingVarPool`] (feature `alloc`) grows it by heap regions.
//! - [`RangePool`]: variable sizes over offsets `[0, len)` with all
//!   metadata outside the managed range, for memory that must not be
//!   written to and for byte-exact accounting.
//! - [`slab::Slab`] and [`bytes`]: byte slots behind generation-checked
//!   handles, and chunked byte buffers and queues over them; no heap.
//! - `typed` (feature `alloc`): `FixedPool<T>` and `GrowingPool<T>` with
//!   `Owned`, `Shared`/`Weak` handles and generation-checked `Key`s.
//! - [`sync`]: [`Locked`](sync::Locked) puts any engine behind a lock of
//!   your choice; [`LockFreePool`](sync::LockFreePool) shares fixed-size
//!   blocks without one.
//! - [`global::GlobalPool`]: a `#[global_allocator]` over a `static`
//!   region.
//!
//! ```
//! use core::mem::MaybeUninit;
//! use poolalloc::{BlockPool, FreeError, region::Region};
//!
//! let mut memory = [MaybeUninit::<u8>::uninit(); 1024];
//! let mut pool = BlockPool::new(Region::new(&mut memory), 64, 64).unwrap();
//!
//! let a = pool.alloc().expect("a free block");
//! assert_eq!(a.as_ptr().addr() % 64, 0);
//! assert!(pool.is_allocated(a));
//!
//! pool.free(a).unwrap();
//! assert_eq!(pool.free(a), Err(FreeError::DoubleFree));
//! pool.check().unwrap();
//! ```
//!
//! ## Features
//!
//! - `std` (default): implies `alloc`.
//! - `alloc`: [`HeapRegion`](region::HeapRegion), [`GrowingBlockPool`] and
//!   [`GrowingVarPool`].
//!
//! Without features the crate is `#![no_std]` and needs no allocator.

#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
// The docs name types that exist only with some features (`alloc`,
// `parking_lot`, `critical-section`); with all of them, every link is
// checked.
#![cfg_attr(
    not(all(
        feature = "alloc",
        feature = "parking_lot",
        feature = "critical-section"
    )),
    allow(rustdoc::broken_intra_doc_links)
)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod block;
pub mod bytes;
pub mod error;
pub mod global;
#[cfg(feature = "alloc")]
pub mod index;
pub mod range;
pub mod region;
mod seg_fit;
pub mod slab;
pub mod stats;
mod stride;
pub mod sync;
#[cfg(feature = "alloc")]
pub mod typed;
pub mod var;

#[cfg(feature = "alloc")]
pub use block::GrowingBlockPool;
pub use block::{AllocatedBlocks, BlockPool};
pub use bytes::{ByteBuffer, ByteDeque, ByteSlab, BytesError};
pub use error::{
    AllocError, CheckError, FreeError, GuardConfigError, GuardCorruption, GuardSide, RangeError,
    ReallocError, RegionError,
};
pub use range::RangePool;
pub use slab::{Slab, SlabCheckError, SlabError};
pub use stats::{ByteStats, Stats};
#[cfg(feature = "alloc")]
pub use typed::{
    AcquireError, ConfigError, FixedPool, Full, GrowingPool, GrowthStrategy, Key, Owned,
    PoolConfig, PoolConfigBuilder, Poolable, Shared, Weak,
};
#[cfg(feature = "alloc")]
pub use var::GrowingVarPool;
pub use var::{FitPolicy, LiveAllocations, VarPool};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
