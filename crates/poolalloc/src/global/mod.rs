//! [`GlobalPool`]: a `#[global_allocator]` over a `static` region.
//!
//! Small requests (at most [`LARGEST_CLASS`] bytes, aligned to at most
//! [`CLASS_ALIGN`]) go to one [`BlockPool`] per power-of-two size class,
//! from 16 to 256 bytes: O(1), no header, no fragmentation inside a class.
//! Each class grows by chunks of up to 16 blocks (and at most a 32nd of the
//! region, but at least one block) taken from a [`VarPool`] that owns the
//! whole region, and keeps them (a class's memory is its own high-water
//! mark). Larger or more aligned requests go to the `VarPool` directly
//! (TLSF, O(1)).
//!
//! All of it sits behind one lock `R` (a [`lock_api::RawMutex`]): a spin
//! lock by default, or a critical section with
//! [`CriticalSectionGlobalPool`] (feature `critical-section`) so that
//! interrupt handlers may allocate. The statistics are atomics readable at
//! any time without the lock.
//!
//! The memory is a [`StaticRegion`] of its own, named in the constructor,
//! so that both are `static` and `const`-constructed, and the pool may be
//! moved or copied around freely before use without ever invalidating a
//! block:
//!
//! ```
//! use poolalloc::{global::GlobalPool, region::StaticRegion};
//! use core::alloc::{GlobalAlloc, Layout};
//!
//! static MEMORY: StaticRegion<{ 16 * 1024 }> = StaticRegion::new();
//! // In a program: `#[global_allocator]` on this line.
//! static POOL: GlobalPool<{ 16 * 1024 }> = GlobalPool::new(&MEMORY);
//!
//! let layout = Layout::from_size_align(24, 8).unwrap();
//! // SAFETY: the layout has a non-zero size; the block is freed with it.
//! unsafe {
//!     let p = POOL.alloc(layout);
//!     assert!(!p.is_null());
//!     POOL.dealloc(p, layout);
//! }
//! assert_eq!(POOL.stats().allocations, 1);
//! ```
//!
//! Preset sizes are spelled as the const generic: `GlobalPool<{ 64 * 1024
//! }>` with a `StaticRegion<{ 64 * 1024 }>`; the aliases [`GlobalPool1K`],
//! [`GlobalPool16K`] and [`GlobalPool64K`] name common ones.

use crate::region::{Region, StaticRegion};
use crate::{BlockPool, VarPool};
use core::alloc::{GlobalAlloc, Layout};
use core::fmt;
use core::ptr::{self, NonNull};
use lock_api::{Mutex, RawMutex};
use portable_atomic::{AtomicUsize, Ordering};

/// The smallest size class, in bytes.
pub const SMALLEST_CLASS: usize = 16;
/// The largest size class, in bytes: larger requests go to the `VarPool`.
pub const LARGEST_CLASS: usize = 256;
/// The number of size classes: 16, 32, 64, 128 and 256 bytes.
const CLASSES: usize =
    (LARGEST_CLASS.trailing_zeros() - SMALLEST_CLASS.trailing_zeros() + 1) as usize;
/// The most blocks per chunk a class takes from the `VarPool` when it is
/// full.
const BLOCKS_PER_CHUNK: usize = 16;
/// A chunk is at most this fraction of the region (but holds at least one
/// block), so that small heaps are not used up by half-empty chunks.
const CHUNK_SHARE: usize = 32;

/// The alignment of every size class's blocks: more aligned requests go
/// to the `VarPool`, so that a class's chunks need no more alignment than
/// this (a 256-byte class aligned to 256 would waste up to 255 bytes a
/// chunk).
pub const CLASS_ALIGN: usize = 16;

/// The size class of a request, or `None` for the `VarPool`.
#[inline]
fn class_of(layout: Layout) -> Option<usize> {
    if layout.size() > LARGEST_CLASS || layout.align() > CLASS_ALIGN {
        return None;
    }
    let rounded = layout.size().max(SMALLEST_CLASS).next_power_of_two();
    Some((rounded.trailing_zeros() - SMALLEST_CLASS.trailing_zeros()) as usize)
}

/// The block size of class `class`.
#[inline]
const fn class_size(class: usize) -> usize {
    SMALLEST_CLASS << class
}

/// The engines. They are `const`-constructed inside the `static`
/// allocator (no region yet), so that nothing large is ever built on the
/// stack: a microcontroller's stack may be smaller than they are. The
/// first allocation gives the `VarPool` its region.
struct Engines {
    var: VarPool<'static>,
    classes: [BlockPool<'static>; CLASSES],
    phase: Phase,
}

/// Whether the engines have their region.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Not yet: the first allocation takes the region.
    Unbuilt,
    /// The `VarPool` owns the region.
    Ready,
    /// The region was taken by something else, or too small: every
    /// allocation fails.
    Unusable,
}

/// An empty size class of blocks of `class_size(c)` bytes.
const fn empty_class(c: usize) -> BlockPool<'static> {
    match BlockPool::empty(class_size(c), CLASS_ALIGN) {
        Ok(pool) => pool,
        Err(_) => panic!("the size classes are valid block layouts"),
    }
}

impl Engines {
    /// Engines with no memory yet.
    const fn new() -> Self {
        Engines {
            var: VarPool::empty(),
            classes: [
                empty_class(0),
                empty_class(1),
                empty_class(2),
                empty_class(3),
                empty_class(4),
            ],
            phase: Phase::Unbuilt,
        }
    }

    /// Allocates from class `c`, adding a chunk when it is full.
    fn alloc_small(&mut self, c: usize) -> Option<NonNull<u8>> {
        if let Some(block) = self.classes[c].alloc() {
            return Some(block);
        }
        let size = class_size(c);
        let share = self.var.stats().capacity / CHUNK_SHARE / size;
        let blocks = share.clamp(1, BLOCKS_PER_CHUNK);
        let bytes = BlockPool::region_size_for(blocks, size, CLASS_ALIGN).ok()?;
        let chunk = self.var.alloc(bytes, CLASS_ALIGN)?;
        // SAFETY: the chunk is `bytes` bytes handed out by the `VarPool`,
        // which owns the `'static` region; it is never freed, so the class
        // has it exclusively for as long as the engines live.
        let region = unsafe { Region::from_raw_parts(chunk, bytes) };
        if self.classes[c].add_region(region).is_err() {
            // SAFETY: the chunk was just allocated from the `VarPool` and is
            // not used.
            unsafe { self.var.free_unchecked(chunk) };
            return None;
        }
        self.classes[c].alloc()
    }
}

/// A global allocator over a [`StaticRegion`] of `BYTES` bytes, behind a
/// lock `R` (see the [module documentation](self)).
pub struct GlobalPool<const BYTES: usize, R: RawMutex = spin::mutex::SpinMutex<()>> {
    memory: &'static StaticRegion<BYTES>,
    state: Mutex<R, Engines>,
    in_use: AtomicUsize,
    high_water: AtomicUsize,
    allocations: AtomicUsize,
    frees: AtomicUsize,
    failures: AtomicUsize,
}

/// A [`GlobalPool`] behind a critical section: usable from interrupt
/// handlers on a single-core microcontroller.
#[cfg(feature = "critical-section")]
pub type CriticalSectionGlobalPool<const BYTES: usize> =
    GlobalPool<BYTES, crate::sync::CriticalSectionRawMutex>;

/// A 1 KiB global pool.
pub type GlobalPool1K = GlobalPool<1024>;
/// A 16 KiB global pool.
pub type GlobalPool16K = GlobalPool<{ 16 * 1024 }>;
/// A 64 KiB global pool.
pub type GlobalPool64K = GlobalPool<{ 64 * 1024 }>;

/// A snapshot of a [`GlobalPool`]'s counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GlobalStats {
    /// Bytes requested by the live allocations.
    pub in_use: usize,
    /// The most bytes in use at once.
    pub high_water: usize,
    /// Successful allocations (a reallocation is not a new one).
    pub allocations: usize,
    /// Deallocations.
    pub frees: usize,
    /// Allocations that returned null.
    pub failures: usize,
}

impl fmt::Display for GlobalStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "in use {} bytes (high water {}), {} allocations, {} frees, {} failed",
            self.in_use, self.high_water, self.allocations, self.frees, self.failures
        )
    }
}

impl<const BYTES: usize, R: RawMutex> GlobalPool<BYTES, R> {
    /// A pool over `memory`, built on its first allocation.
    pub const fn new(memory: &'static StaticRegion<BYTES>) -> Self {
        GlobalPool {
            memory,
            state: Mutex::const_new(R::INIT, Engines::new()),
            in_use: AtomicUsize::new(0),
            high_water: AtomicUsize::new(0),
            allocations: AtomicUsize::new(0),
            frees: AtomicUsize::new(0),
            failures: AtomicUsize::new(0),
        }
    }

    /// The counters, read without taking the lock.
    pub fn stats(&self) -> GlobalStats {
        GlobalStats {
            in_use: self.in_use.load(Ordering::Relaxed),
            high_water: self.high_water.load(Ordering::Relaxed),
            allocations: self.allocations.load(Ordering::Relaxed),
            frees: self.frees.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
        }
    }

    /// Runs `f` on the engines, building them first if needed; `None` when
    /// the region is unusable.
    fn with_engines<T>(&self, f: impl FnOnce(&mut Engines) -> T) -> Option<T> {
        let mut engines = self.state.lock();
        if engines.phase == Phase::Unbuilt {
            let region = self.memory.take();
            let owned = region.is_some_and(|region| engines.var.add_region(region).is_ok());
            engines.phase = if owned { Phase::Ready } else { Phase::Unusable };
        }
        (engines.phase == Phase::Ready).then(|| f(&mut engines))
    }

    /// Counts an allocation of `size` bytes (or a failure).
    fn count_alloc(&self, ptr: *mut u8, size: usize) -> *mut u8 {
        if ptr.is_null() {
            self.failures.fetch_add(1, Ordering::Relaxed);
        } else {
            self.allocations.fetch_add(1, Ordering::Relaxed);
            let now = self.in_use.fetch_add(size, Ordering::Relaxed) + size;
            self.high_water.fetch_max(now, Ordering::Relaxed);
        }
        ptr
    }

    /// Counts a reallocation from `old` to `new` bytes that returned
    /// `ptr` (null: it failed and the old block stays).
    fn count_realloc(&self, ptr: *mut u8, old: usize, new: usize) -> *mut u8 {
        if ptr.is_null() {
            self.failures.fetch_add(1, Ordering::Relaxed);
        } else if new >= old {
            let now = self.in_use.fetch_add(new - old, Ordering::Relaxed) + (new - old);
            self.high_water.fetch_max(now, Ordering::Relaxed);
        } else {
            self.in_use.fetch_sub(old - new, Ordering::Relaxed);
        }
        ptr
    }

    /// Counts a deallocation of `size` bytes.
    fn count_free(&self, size: usize) {
        self.frees.fetch_add(1, Ordering::Relaxed);
        self.in_use.fetch_sub(size, Ordering::Relaxed);
    }

    /// Allocates without counting.
    fn alloc_raw(&self, layout: Layout) -> *mut u8 {
        self.with_engines(|e| match class_of(layout) {
            Some(c) => e.alloc_small(c),
            None => e.var.alloc(layout.size(), layout.align()),
        })
        .flatten()
        .map_or(ptr::null_mut(), NonNull::as_ptr)
    }

    /// Frees without counting.
    ///
    /// # Safety
    ///
    /// `ptr` was returned by `alloc_raw` with `layout` and not freed since.
    unsafe fn dealloc_raw(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract: a block of this pool, non-null.
        let block = unsafe { NonNull::new_unchecked(ptr) };
        self.with_engines(|e| match class_of(layout) {
            // SAFETY: the same layout maps to the same class that served
            // it; the block is live (the caller's contract).
            Some(c) => unsafe { e.classes[c].free_unchecked(block) },
            // SAFETY: as above, for the `VarPool`; the caller's pointer
            // reaches the layout's size (a `Box`'s covers no more), which
            // the block's usable size is at least.
            None => unsafe { e.var.free_unchecked_within(block, layout.size()) },
        });
    }
}

impl<const BYTES: usize, R: RawMutex> fmt::Debug for GlobalPool<BYTES, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GlobalPool")
            .field("bytes", &BYTES)
            .field("stats", &self.stats())
            .finish()
    }
}

// SAFETY: every block handed out is a live block of one engine, which
// never hands it out again until it is freed; the engines are only touched
// under the lock; a block is freed into the engine its layout maps to,
// which is the one that served it (the caller passes the same layout);
// blocks are aligned as the layout asks (class blocks are aligned to their
// size, which is at least the requested alignment; the `VarPool` honours
// any alignment); a failed reallocation leaves the old block as it was.
unsafe impl<const BYTES: usize, R: RawMutex> GlobalAlloc for GlobalPool<BYTES, R> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = self.alloc_raw(layout);
        self.count_alloc(ptr, layout.size())
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `GlobalAlloc`'s contract: `ptr` came from `alloc` with
        // `layout`.
        unsafe { self.dealloc_raw(ptr, layout) };
        self.count_free(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `GlobalAlloc::realloc`'s contract makes this a valid
        // layout (non-zero size, no overflow when rounded up).
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        let old_class = class_of(layout);
        if old_class.is_some() && old_class == class_of(new_layout) {
            // Same class: the block already fits.
            return self.count_realloc(ptr, layout.size(), new_size);
        }
        if old_class.is_none() && class_of(new_layout).is_none() {
            // Both in the `VarPool`: grow or shrink in place when it can.
            // SAFETY: `ptr` is a live `VarPool` allocation.
            let block = unsafe { NonNull::new_unchecked(ptr) };
            let moved = self
                .with_engines(|e| {
                    e.var
                        .realloc_within(block, layout.size(), new_size, layout.align())
                        .ok()
                })
                .flatten();
            let new = moved.map_or(ptr::null_mut(), NonNull::as_ptr);
            return self.count_realloc(new, layout.size(), new_size);
        }
        // Across engines: allocate, copy, free.
        let new = self.alloc_raw(new_layout);
        if !new.is_null() {
            // SAFETY: both blocks are live and distinct, each at least
            // `min(old, new)` bytes long.
            unsafe {
                ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc_raw(ptr, layout);
            }
        }
        self.count_realloc(new, layout.size(), new_size)
    }
}

#[cfg(test)]
mod tests;
