//! [`LockFreePool`]: fixed-size blocks shared by `&self`, with no lock.
//!
//! # Design
//!
//! The region holds a side table of one `AtomicU32` link per block, then
//! the blocks. Free blocks form a LIFO stack (a Treiber stack) threaded
//! through the side table, never through the blocks: a thread that lost a
//! race may still read the link of a block another thread has just taken,
//! and that read must not race with the new owner's writes into the block.
//! Blocks that were never handed out are taken from a bump cursor, so the
//! first allocations come in address order.
//!
//! The head of the stack is one `AtomicU64`: the index of the top block in
//! the low 32 bits, and a tag in the high 32 bits that every successful
//! push and pop increments. A link holds the index of the next free block,
//! `END`, or one of two states of a block that is not on the stack:
//! `LIVE` (handed out) and `NEVER` (not handed out since creation).
//!
//! # Why the tag (ABA)
//!
//! `alloc` reads the head `(tag, a)`, then `a`'s link `b`, then swaps the
//! head to `b` if it still equals `(tag, a)`. Without a tag this goes
//! wrong when other threads pop `a`, pop `b` and push `a` back in between:
//!
//! | step | thread 1 (alloc)            | thread 2                  | stack       |
//! |------|-----------------------------|---------------------------|-------------|
//! | 1    | reads head `(t, a)`         |                           | a → b → c   |
//! | 2    | reads link of `a`: `b`      |                           | a → b → c   |
//! | 3    |                             | pops `a`: head `(t+1, b)` | b → c       |
//! | 4    |                             | pops `b`: head `(t+2, c)` | c           |
//! | 5    |                             | pushes `a`: `(t+3, a)`    | a → c       |
//! | 6    | swaps `(t, a)` for `(t+1, b)`: **fails**, the tag is `t+3` | | a → c |
//!
//! Without the tag, step 6 would compare `a` with `a`, succeed, and make
//! `b` (handed out to thread 2) the top of the stack: the next two `alloc`s
//! would both return `b`. With it, thread 1 retries from the new head.
//!
//! The tag only fails if it wraps to the same value: thread 1 would have to
//! stall between steps 1 and 6 while exactly a multiple of 2^32 successful
//! pushes and pops happen, and the head be back at `a` at the end. At one
//! operation every few nanoseconds that is more than ten seconds of
//! continuous traffic on this pool during one stall, and then an exact
//! coincidence of count and index; this is the standard bound for tagged
//! Treiber stacks, and it is why the tag has 32 bits rather than the 8 or
//! 16 that packing into one 32-bit word would leave.
//!
//! # Memory ordering
//!
//! A push writes the block's link, then publishes the block with a
//! `Release` compare-and-swap on the head; a pop's `Acquire` load and
//! compare-and-swap synchronise with it (every successful swap is a
//! read-modify-write, so it continues the release sequence of the push
//! that wrote the value it replaces). So the popper sees the link written
//! by the push, and the new owner of a block sees everything its previous
//! owner wrote before freeing it.
//!
//! A link is written only while its block is off the stack (by the thread
//! that pops or frees it), so while a block is on the stack its link is
//! stable; a pop that read a link after the block left the stack fails its
//! swap, because the tag moved on.
//!
//! # Checked frees
//!
//! [`free`](LockFreePool::free) maps the pointer to its block (refusing
//! foreign and interior pointers), then claims the block by swapping its
//! link from `LIVE` to `CLAIMED`. Only one of two concurrent frees of
//! the same block can win that swap; the other, like any free of a block
//! that is not handed out, gets an error and changes nothing.
//!
//! # Targets without 64-bit compare-and-swap
//!
//! On `thumbv7em`, `riscv32imac` and other 32-bit targets the head is
//! `portable_atomic::AtomicU64`, which is not lock-free there. By default
//! portable-atomic guards it with a global spin lock: correct between
//! threads, but an interrupt handler that uses the pool while the code it
//! interrupted holds that lock would spin forever. On a single-core
//! microcontroller, build the application with
//! `--cfg portable_atomic_unsafe_assume_single_core` (or enable
//! portable-atomic's `critical-section` feature and provide a critical
//! section): each operation on the head then runs with interrupts
//! disabled, atomic with respect to every handler, which is all the
//! argument above needs. On `thumbv6m` (no compare-and-swap at all) this
//! crate enables the `critical-section` implementation itself.

use super::atomic::{AtomicU32, AtomicU64, Ordering};
use crate::error::{FreeError, RegionError};
use crate::region::{self, Region};
use crate::stride::Stride;
use core::fmt;
use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::ptr::NonNull;

/// Exponential back-off after a lost compare-and-swap: spinning a little
/// before retrying lets the winner's cache line settle instead of bouncing
/// it between cores on every attempt. Bounded, so a retry always comes.
struct Backoff {
    spins: u32,
}

impl Backoff {
    /// The most spins before a retry.
    const MAX_SPINS: u32 = 64;

    #[inline]
    fn new() -> Self {
        Backoff { spins: 1 }
    }

    #[inline]
    fn spin(&mut self) {
        for _ in 0..self.spins {
            core::hint::spin_loop();
        }
        self.spins = (self.spins * 2).min(Self::MAX_SPINS);
    }
}

/// A link value: the end of the free stack.
pub(crate) const END: u32 = u32::MAX;
/// A link value: the block is handed out.
pub(crate) const LIVE: u32 = u32::MAX - 1;
/// A link value: a `free` has claimed the block and is pushing it.
pub(crate) const CLAIMED: u32 = u32::MAX - 2;
/// A link value: the block has not been handed out since creation.
pub(crate) const NEVER: u32 = u32::MAX - 3;
/// The largest number of blocks a pool holds: indices stay below the four
/// link states.
pub const MAX_BLOCKS: usize = NEVER as usize;

/// Packs a tag and an index into a head word.
#[inline(always)]
const fn pack(tag: u32, index: u32) -> u64 {
    ((tag as u64) << 32) | index as u64
}

/// The index in a head word.
#[inline(always)]
const fn index_of(head: u64) -> u32 {
    head as u32
}

/// The tag in a head word.
#[inline(always)]
const fn tag_of(head: u64) -> u32 {
    (head >> 32) as u32
}

/// Fixed-size blocks that any number of threads allocate and free through
/// `&self`, without a lock: a tagged Treiber stack of block indices (see
/// the [module documentation](self) for the argument).
///
/// ```
/// use core::mem::MaybeUninit;
/// use poolalloc::{FreeError, region::Region, sync::LockFreePool};
///
/// let mut memory = [MaybeUninit::<u8>::uninit(); 4096];
/// let pool = LockFreePool::new(Region::new(&mut memory), 48, 16).unwrap();
///
/// std::thread::scope(|s| {
///     for _ in 0..2 {
///         s.spawn(|| {
///             for _ in 0..100 {
///                 let block = pool.alloc().expect("a free block");
///                 assert_eq!(block.as_ptr().addr() % 16, 0);
///                 pool.free(block).unwrap();
///             }
///         });
///     }
/// });
/// let block = pool.alloc().unwrap();
/// pool.free(block).unwrap();
/// assert_eq!(pool.free(block), Err(FreeError::DoubleFree));
/// ```
pub struct LockFreePool<'a> {
    /// `(tag, index of the top free block or END)`.
    head: AtomicU64,
    /// The next never-used block; `count` when all have been used.
    fresh: AtomicU32,
    /// `count` links, one per block, initialised.
    links: NonNull<AtomicU32>,
    blocks: NonNull<u8>,
    stride: Stride,
    align: usize,
    count: u32,
    _memory: PhantomData<&'a mut [MaybeUninit<u8>]>,
}

// SAFETY: the pool exclusively borrows its region (like
// `&'a mut [MaybeUninit<u8>]`, which is `Send`); its pointers lead only
// into it.
unsafe impl Send for LockFreePool<'_> {}
// SAFETY: every state shared through `&self` is an atomic (the head, the
// cursor and the links); a block's bytes are only ever accessed by the
// caller that holds it, and hand-over between threads goes through the
// head's release/acquire pair (see the module documentation).
unsafe impl Sync for LockFreePool<'_> {}

impl fmt::Debug for LockFreePool<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockFreePool")
            .field("block_size", &self.block_size())
            .field("align", &self.align)
            .field("capacity", &self.count)
            .finish_non_exhaustive()
    }
}

/// The stride of blocks of `size` bytes aligned to `align`.
fn stride_for(size: usize, align: usize) -> Result<usize, RegionError> {
    if size == 0 {
        return Err(RegionError::ZeroSize);
    }
    if !align.is_power_of_two() {
        return Err(RegionError::BadAlignment { align });
    }
    region::align_up(size, align).ok_or(RegionError::TooLarge)
}

/// The bytes a pool of `count` blocks of `stride` bytes aligned to `align`
/// needs, whatever the region's start: the worst-case paddings, the links
/// and the blocks.
fn bytes_for(count: usize, stride: usize, align: usize) -> Option<usize> {
    let link = size_of::<AtomicU32>();
    count
        .checked_mul(stride.checked_add(link)?)?
        .checked_add(align_of::<AtomicU32>() - 1)?
        .checked_add(align - 1)
}

impl<'a> LockFreePool<'a> {
    /// A pool of blocks of at least `block_size` bytes (rounded up to a
    /// multiple of `align`), aligned to `align`, carved from `region`. The
    /// region also holds 4 bytes of bookkeeping per block; creation writes
    /// those, never the blocks.
    ///
    /// # Errors
    ///
    /// [`RegionError::ZeroSize`], [`RegionError::BadAlignment`] or
    /// [`RegionError::TooLarge`] for a bad layout;
    /// [`RegionError::TooSmall`] when the region cannot hold one block.
    /// A region holding more than [`MAX_BLOCKS`] blocks uses only that many.
    pub fn new(
        mut region: Region<'a>,
        block_size: usize,
        align: usize,
    ) -> Result<Self, RegionError> {
        let stride = stride_for(block_size, align)?;
        let available = region.len();
        let link = size_of::<AtomicU32>();
        let too_small = RegionError::TooSmall {
            needed: bytes_for(1, stride, align).unwrap_or(usize::MAX),
            available,
        };
        // An upper bound on the count, then down to what fits once the
        // paddings are known (at most a few steps: the paddings are less
        // than one block and one link).
        let mut count = (available / (stride + link)).min(MAX_BLOCKS);
        let (links, blocks) = loop {
            if count == 0 {
                return Err(too_small);
            }
            let links_at = region.padding_for(align_of::<AtomicU32>());
            let after_links = region.start().as_ptr().addr() + links_at + count * link;
            let blocks_at = region::align_up(after_links, align).ok_or(RegionError::TooLarge)?;
            let end = blocks_at - region.start().as_ptr().addr() + count * stride;
            if end <= available {
                let links = region
                    .carve(count * link, align_of::<AtomicU32>())
                    .ok_or(RegionError::TooLarge)?;
                let blocks = region
                    .carve(count * stride, align)
                    .ok_or(RegionError::TooLarge)?;
                break (links.cast::<AtomicU32>(), blocks);
            }
            count -= 1;
        };
        for i in 0..count {
            // SAFETY: `links` has room for `count` aligned `AtomicU32`s,
            // carved from memory the pool borrows exclusively.
            unsafe { links.add(i).write(AtomicU32::new(NEVER)) };
        }
        Ok(LockFreePool {
            head: AtomicU64::new(pack(0, END)),
            fresh: AtomicU32::new(0),
            links,
            blocks,
            stride: Stride::new(stride),
            align,
            count: count as u32,
            _memory: PhantomData,
        })
    }

    /// The smallest region that holds at least `blocks` blocks of
    /// `block_size` bytes aligned to `align`, whatever its start address.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new) for a bad layout, and
    /// [`RegionError::TooLarge`] when the size overflows or `blocks`
    /// exceeds [`MAX_BLOCKS`].
    pub fn region_size_for(
        blocks: usize,
        block_size: usize,
        align: usize,
    ) -> Result<usize, RegionError> {
        let stride = stride_for(block_size, align)?;
        if blocks > MAX_BLOCKS {
            return Err(RegionError::TooLarge);
        }
        bytes_for(blocks.max(1), stride, align).ok_or(RegionError::TooLarge)
    }

    /// The number of blocks.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.count as usize
    }

    /// The usable size of every block: the requested size rounded up to the
    /// alignment.
    #[inline]
    pub fn block_size(&self) -> usize {
        self.stride.size()
    }

    /// The alignment of every block.
    #[inline]
    pub fn block_align(&self) -> usize {
        self.align
    }

    /// The link of block `index`.
    ///
    /// # Safety
    ///
    /// `index < self.count`.
    #[inline(always)]
    unsafe fn link(&self, index: u32) -> &AtomicU32 {
        debug_assert!(index < self.count);
        // SAFETY: the caller's contract; the links were initialised at
        // creation and live as long as the pool.
        unsafe { self.links.add(index as usize).as_ref() }
    }

    /// The start of block `index`.
    ///
    /// # Safety
    ///
    /// `index < self.count`.
    #[inline(always)]
    unsafe fn block(&self, index: u32) -> NonNull<u8> {
        // SAFETY: the caller's contract: the block lies inside the block
        // area.
        unsafe { self.blocks.add(index as usize * self.stride.size()) }
    }

    /// Hands out a free block, or `None` when every block is in use.
    /// Lock-free: a thread retries only when another thread's operation
    /// succeeded.
    ///
    /// The block's contents are unspecified.
    #[inline]
    pub fn alloc(&self) -> Option<NonNull<u8>> {
        let index = self.pop().or_else(|| self.take_fresh())?;
        // SAFETY: `pop` and `take_fresh` return indices below `count`.
        unsafe {
            self.link(index).store(LIVE, Ordering::Relaxed);
            Some(self.block(index))
        }
    }

    /// Pops the top of the free stack.
    #[inline]
    fn pop(&self) -> Option<u32> {
        let mut backoff = Backoff::new();
        let mut head = self.head.load(Ordering::Acquire);
        loop {
            let index = index_of(head);
            if index == END {
                return None;
            }
            // SAFETY: the head holds END or an index below `count`.
            let next = unsafe { self.link(index) }.load(Ordering::Relaxed);
            if next >= self.count && next != END {
                // A state, not a link: `index` has left the stack since
                // `head` was read, so the head has changed. Never let such a
                // value reach the head; fetch the current head with a
                // read-modify-write (a plain load could keep returning the
                // old value) and start over.
                head = match self.head.compare_exchange(
                    head,
                    head,
                    Ordering::Acquire,
                    Ordering::Acquire,
                ) {
                    Ok(same) | Err(same) => same,
                };
                continue;
            }
            // If `index` left the stack since `head` was read, `next` may be
            // anything, but then the tag has moved on and the swap fails.
            let new = pack(tag_of(head).wrapping_add(1), next);
            match self
                .head
                .compare_exchange_weak(head, new, Ordering::Acquire, Ordering::Acquire)
            {
                Ok(_) => return Some(index),
                Err(now) => {
                    backoff.spin();
                    head = now;
                }
            }
        }
    }

    /// Takes the next never-used block.
    #[cold]
    fn take_fresh(&self) -> Option<u32> {
        let count = self.count;
        self.fresh
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |f| {
                (f < count).then_some(f + 1)
            })
            .ok()
    }

    /// Returns a block to the pool after checking that it is a block of this
    /// pool that is handed out now. Safe to call from any thread, also
    /// concurrently for the same pointer: exactly one such call succeeds.
    ///
    /// # Errors
    ///
    /// [`FreeError::Foreign`], [`FreeError::Interior`],
    /// [`FreeError::NeverAllocated`] or [`FreeError::DoubleFree`] (the
    /// block is free now, or another `free` of it is under way); the pool
    /// is untouched on error.
    pub fn free(&self, block: NonNull<u8>) -> Result<(), FreeError> {
        let index = self.index(block)?;
        // SAFETY: `index` checks `index < count`.
        let link = unsafe { self.link(index) };
        match link.compare_exchange(LIVE, CLAIMED, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => {
                self.push(index);
                Ok(())
            }
            Err(NEVER) => Err(FreeError::NeverAllocated),
            Err(_) => Err(FreeError::DoubleFree),
        }
    }

    /// Returns a block to the pool without checking it.
    ///
    /// # Safety
    ///
    /// `block` must have been returned by [`alloc`](Self::alloc) of this
    /// pool and not freed since, and no other `free` of it may run at the
    /// same time.
    #[inline]
    pub unsafe fn free_unchecked(&self, block: NonNull<u8>) {
        let offset = block
            .as_ptr()
            .addr()
            .wrapping_sub(self.blocks.as_ptr().addr());
        let index = self.stride.exact_index(offset);
        debug_assert_eq!(self.index(block), Ok(index as u32));
        self.push(index as u32);
    }

    /// Pushes block `index`, which the caller holds, onto the free stack.
    #[inline]
    fn push(&self, index: u32) {
        // SAFETY: callers pass indices below `count`.
        let link = unsafe { self.link(index) };
        let mut backoff = Backoff::new();
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            link.store(index_of(head), Ordering::Relaxed);
            let new = pack(tag_of(head).wrapping_add(1), index);
            match self
                .head
                .compare_exchange_weak(head, new, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(now) => {
                    backoff.spin();
                    head = now;
                }
            }
        }
    }

    /// The index of the block starting at `ptr`.
    fn index(&self, ptr: NonNull<u8>) -> Result<u32, FreeError> {
        let offset = ptr
            .as_ptr()
            .addr()
            .wrapping_sub(self.blocks.as_ptr().addr());
        if offset >= self.count as usize * self.stride.size() {
            return Err(FreeError::Foreign);
        }
        let index = self
            .stride
            .index(offset)
            .map_err(|offset| FreeError::Interior { offset })?;
        Ok(index as u32)
    }

    /// Whether `ptr` is the start of a block of this pool, handed out or
    /// not.
    pub fn contains(&self, ptr: NonNull<u8>) -> bool {
        self.index(ptr).is_ok()
    }

    /// Whether `ptr` is the start of a block of this pool that is handed out
    /// at the moment of the call (other threads may change that at once).
    pub fn is_allocated(&self, ptr: NonNull<u8>) -> bool {
        match self.index(ptr) {
            // SAFETY: `index` checks `index < count`.
            Ok(index) => unsafe { self.link(index) }.load(Ordering::Relaxed) == LIVE,
            Err(_) => false,
        }
    }

    /// The number of blocks handed out now. O(capacity): it reads every
    /// link, and is exact only while no other thread allocates or frees.
    pub fn count_allocated(&self) -> usize {
        (0..self.count)
            // SAFETY: `i < count`.
            .filter(|&i| unsafe { self.link(i) }.load(Ordering::Relaxed) == LIVE)
            .count()
    }
}

impl Drop for LockFreePool<'_> {
    fn drop(&mut self) {
        for i in 0..self.count as usize {
            // SAFETY: the links were initialised at creation and nothing
            // references them any more (`&mut self`).
            unsafe { self.links.add(i).drop_in_place() };
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
