//! [`VarPool`]: allocations of any size and alignment from one or more
//! regions, with a two-level segregated fit (TLSF) and boundary tags.
//!
//! - `alloc` and `free` are O(1) whatever the number of blocks: free blocks
//!   sit in size bins found by two bit scans, and each block's header links
//!   it to its physical neighbours, so a free merges with both of them at
//!   once.
//! - A block costs one header of two words (16 bytes on 64-bit targets, 8
//!   on 32-bit ones: the *granule*) plus its size rounded up to the granule;
//!   free-list links live only in free blocks. Each region also keeps one
//!   bit per granule, the *block-start map*: set where a block (used or
//!   free) starts. It changes only when blocks are split or merged.
//! - Any power-of-two alignment is honoured.
//! - [`VarPool::free`] and [`VarPool::realloc`] check their pointer against
//!   the block-start map *before* reading any header, and so
//!   refuse a foreign, interior or already-freed pointer with certainty;
//!   [`VarPool::free_unchecked`] trusts its caller.
//! - Optional guard bytes around every allocation
//!   ([`enable_guards`](VarPool::enable_guards)), a full invariant
//!   [`check`](VarPool::check) and a [`dump`](VarPool::dump) of the block
//!   map and memory.
//!
//! ```
//! use core::mem::MaybeUninit;
//! use poolalloc::{FreeError, VarPool, region::Region};
//!
//! let mut memory = [MaybeUninit::<u8>::uninit(); 4096];
//! let mut pool = VarPool::new(Region::new(&mut memory)).unwrap();
//!
//! let a = pool.alloc(100, 8).unwrap();
//! let b = pool.alloc(1000, 64).unwrap();
//! assert_eq!(b.as_ptr().addr() % 64, 0);
//! // SAFETY: `a` is ours and at least 100 bytes long.
//! unsafe { a.as_ptr().write_bytes(7, 100) };
//!
//! let a = pool.realloc(a, 300).unwrap();
//! // SAFETY: the first 100 bytes were kept.
//! assert_eq!(unsafe { a.as_ptr().add(99).read() }, 7);
//!
//! pool.free(b).unwrap();
//! assert_eq!(pool.free(b), Err(FreeError::DoubleFree));
//! // SAFETY: `a` is in bounds of its own allocation.
//! let inside = unsafe { a.add(8) };
//! assert_eq!(pool.free(inside), Err(FreeError::Interior { offset: 8 }));
//! pool.free(a).unwrap();
//! pool.check().unwrap();
//! assert_eq!(pool.stats().free_blocks, 1);
//! ```
//!
//! # Checked frees
//!
//! A pointer given to [`free`](VarPool::free), [`realloc`](VarPool::realloc),
//! [`is_allocated`](VarPool::is_allocated) or
//! [`usable_size`](VarPool::usable_size) is trusted only when it lies in a
//! region's block area, is granule-aligned, the map marks a block start
//! `overhead()` bytes before it, and that block's header (which the map
//! proves is one: no allocation's bytes can forge it) says the block is
//! used. Otherwise it is classified without trusting anything it points
//! at: the nearest set bit at or below `overhead()` bytes before it is the
//! start of the block enclosing the pointer. Each block *extends* from
//! its allocation's pointer to the next block's allocation pointer (its
//! usable bytes and the header of the block after it). The rule:
//!
//! | where the pointer is | error |
//! |---|---|
//! | in no region's block area (the region's own bookkeeping included) | [`Foreign`](crate::FreeError::Foreign) |
//! | before the first block's allocation pointer (its header) | [`NeverAllocated`](crate::FreeError::NeverAllocated) |
//! | in a live allocation's extent, not at its start | [`Interior { offset }`](crate::FreeError::Interior), `offset` from the allocation's pointer |
//! | in a free block's extent, granule-aligned | [`DoubleFree`](crate::FreeError::DoubleFree) |
//! | in a free block's extent, not granule-aligned | [`NeverAllocated`](crate::FreeError::NeverAllocated) |
//!
//! A freed allocation's pointer can end up anywhere in a merged free block,
//! and the pool cannot tell it from any other granule-aligned address of
//! free memory: all of them are reported as `DoubleFree`. A pointer that
//! was freed and whose memory was handed out again is, of course, whatever
//! the new allocation makes it.
//!
//! Classifying a refused pointer scans the map back to the start of the
//! enclosing block: O(block size / (64 granules)) words. Mapping a pointer
//! to its region looks at the region that served the previous lookup first
//! and otherwise walks the regions in address order: O(1) for a pool of one
//! region, O(regions) in the worst case. `alloc` and `free` do the same
//! lookup to update the map when they split or merge blocks.
//!
//! # Fast paths
//!
//! [`alloc`](VarPool::alloc), [`free`](VarPool::free) and
//! [`free_unchecked`](VarPool::free_unchecked) are inlined into their
//! callers for the common case: guards, scrubbing and best fit off (one
//! flag tells), alignment at most the granule. The size-to-bin mapping is
//! branchless, and so are the free-list updates: a back link with no block
//! to go to is stored in a scratch slot of the pool.
//!
//! # Zero-sized requests
//!
//! `alloc(0, align)` returns a unique allocation of one granule, like
//! C's `malloc(0)`: it must be freed like any other. `realloc(ptr, 0)`
//! shrinks an allocation to that minimum; it does not free it.
//!
//! # Memory contents
//!
//! Allocations are not initialised (use [`alloc_zeroed`](VarPool::alloc_zeroed)).
//! In debug builds (`cfg(debug_assertions)`) the payload of every freed
//! block is overwritten with [`VarPool::SCRUB_BYTE`] to make use-after-free
//! visible. With [`set_scrub(true)`](VarPool::set_scrub) the pool keeps
//! *every* byte of free memory filled with that byte, in all builds, so
//! that [`dump`](VarPool::dump) can show it.
//!
//! Whatever `free` and `realloc` write into the bytes of the allocation
//! they are given (free-list links, headers of a split-off tail, scrub
//! bytes, guards) goes through the pointer they were given, never through
//! one of the pool's own: the caller may still hold those bytes under a
//! Stacked or Tree Borrows protector, as a `Box` being dropped does.

mod check;
mod dump;
#[cfg(feature = "alloc")]
mod growing;
mod guard;
mod iter;
mod layout;

#[cfg(feature = "alloc")]
pub use growing::GrowingVarPool;
pub use iter::LiveAllocations;

use crate::error::{AllocError, FreeError, ReallocError, RegionError};
use crate::region::{Region, align_up};
use crate::seg_fit::{BIN_COUNT, Bin, BinIndex};
use crate::stats::{ByteStats, Counters};
use core::alloc::Layout;
use core::fmt;
use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::ops::ControlFlow;
use core::ptr::{self, NonNull};
use layout::{
    Area, Caller, FLAGS, FREE, FreeHdr, G, G_SHIFT, Hdr, MIN_BLOCK, PREV_FREE, WORD, clear_bit,
    next_free, prev_free, set_bit, set_links, set_prev_free, size_of_block,
};

/// The largest request the inline path of [`VarPool::alloc`] serves: its
/// block size cannot overflow or exceed `isize::MAX`.
const FAST_MAX: usize = isize::MAX as usize - 2 * G;

/// How a [`VarPool`] picks a free block for a request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FitPolicy {
    /// TLSF's good fit: the head of the first non-empty bin whose every
    /// block is large enough. O(1): two bit scans. The block taken is split,
    /// so an allocation keeps less than two granules beyond its rounded
    /// size; what good fit gives up against best fit is the choice of
    /// *which* block is split (it may skip a block of the request's own
    /// bin that would have fitted: bins are 1/32 of a power of two wide).
    #[default]
    Good,
    /// mem_pool's best fit within a tolerance.
    ///
    /// Let `r` be the bytes a request needs: its size (plus any tail guard)
    /// rounded up to the granule, plus the block header. A free block of
    /// `b` bytes (header included) is accepted when
    /// `r <= b <= r + r * tolerance_percent / 100` (integer arithmetic,
    /// saturating). The bins from the one holding `r` up to the one holding
    /// that limit are searched in size order, each list from its head, and
    /// the first acceptable block is taken; when none is, the request falls
    /// back to [`Good`](Self::Good).
    ///
    /// This is *not* constant time: it costs the number of bins searched
    /// (at most 32 per doubling of the tolerance range) plus the length of
    /// their lists, which is bounded only by the number of free blocks.
    /// Over-aligned requests (alignment above the granule) always use good
    /// fit.
    BestFit {
        /// How much larger than the request, in percent, an accepted block
        /// may be.
        tolerance_percent: usize,
    },
}

/// A variable-size pool over memory borrowed for `'a`.
///
/// See the [module documentation](self) for the design, the checked-free
/// rule and the treatment of zero-sized requests.
///
/// The pool struct itself holds one list head per size bin (about 15 KiB on
/// 64-bit targets, 3.5 KiB on 32-bit ones); the blocks live in the regions.
pub struct VarPool<'a> {
    index: BinIndex,
    heads: [*mut Hdr; BIN_COUNT],
    /// Copies of the fields of `hint`, the area that served the latest
    /// lookup: `hint_len == 0` when the pool has no region.
    hint_base: *mut u8,
    hint_len: usize,
    hint_bits: *mut u64,
    hint: *mut Area,
    /// The first area in address order, or null.
    areas: *mut Area,
    regions: usize,
    /// Bytes of blocks over all areas (sentinels excluded).
    capacity: usize,
    /// Bytes of used blocks, headers included.
    in_use: usize,
    /// Live allocations.
    live: usize,
    free_blocks: usize,
    counters: Counters,
    policy: FitPolicy,
    /// Bytes from a block's start to its allocation: `G`, plus the guard
    /// bookkeeping when guards are on.
    lead: usize,
    /// Guard bytes on each side of an allocation; 0 when guards are off.
    guard: usize,
    scrub: bool,
    /// Whether any feature that the inline paths of `alloc` and `free` do
    /// not handle is on: guards, scrubbing or a fit policy other than
    /// [`Good`](FitPolicy::Good). Tested once per call.
    slow: bool,
    /// Where [`push_free`](Self::push_free) and
    /// [`take_head`](Self::take_head) store a back link that has no block
    /// to go to (the list was empty), so that they need no branch. Written,
    /// never read.
    sink: MaybeUninit<FreeHdr>,
    _memory: PhantomData<&'a mut [MaybeUninit<u8>]>,
}

// SAFETY: the pool exclusively borrows its regions (like
// `&'a mut [MaybeUninit<u8>]`, which is `Send`); its raw pointers lead only
// into them.
unsafe impl Send for VarPool<'_> {}
// SAFETY: `&self` methods only read the pool's bookkeeping; there is no
// interior mutability.
unsafe impl Sync for VarPool<'_> {}

impl fmt::Debug for VarPool<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VarPool")
            .field("capacity", &self.capacity)
            .field("in_use", &self.in_use)
            .field("live", &self.live)
            .field("free_blocks", &self.free_blocks)
            .field("regions", &self.regions)
            .field("policy", &self.policy)
            .field("guard", &self.guard)
            .field("scrub", &self.scrub)
            .finish_non_exhaustive()
    }
}

impl Default for VarPool<'_> {
    fn default() -> Self {
        Self::empty()
    }
}

impl<'a> VarPool<'a> {
    /// The granule: the size of a block header, the unit of block sizes and
    /// the alignment every allocation has at least. Two words: 16 bytes on
    /// 64-bit targets, 8 on 32-bit ones.
    pub const GRANULE: usize = G;

    /// The guard size used when [`enable_guards`](Self::enable_guards) is
    /// given 0.
    pub const DEFAULT_GUARD: usize = 16;

    /// The byte written in guards.
    pub const GUARD_BYTE: u8 = 0xFD;

    /// The byte written over freed memory (see the
    /// [module documentation](self#memory-contents)).
    pub const SCRUB_BYTE: u8 = 0xDD;

    /// A pool over `region`, with the [`Good`](FitPolicy::Good) fit policy.
    ///
    /// Creation writes the region's bookkeeping, two block headers and
    /// zeroes the block-start map: O(region size / 1024) on 64-bit
    /// targets.
    ///
    /// # Errors
    ///
    /// [`RegionError::TooSmall`] when the region cannot hold its
    /// bookkeeping and one block.
    pub fn new(region: Region<'a>) -> Result<Self, RegionError> {
        let mut pool = Self::empty();
        pool.add_region(region)?;
        Ok(pool)
    }

    /// A pool over `region` with the given fit policy.
    ///
    /// # Errors
    ///
    /// As [`VarPool::new`].
    pub fn with_policy(region: Region<'a>, policy: FitPolicy) -> Result<Self, RegionError> {
        let mut pool = Self::new(region)?;
        pool.set_policy(policy);
        Ok(pool)
    }

    /// A pool with no region yet: every allocation fails until
    /// [`add_region`](Self::add_region) gives it memory.
    pub const fn empty() -> Self {
        VarPool {
            index: BinIndex::new(),
            heads: [ptr::null_mut(); BIN_COUNT],
            hint_base: ptr::null_mut(),
            hint_len: 0,
            hint_bits: ptr::null_mut(),
            hint: ptr::null_mut(),
            areas: ptr::null_mut(),
            regions: 0,
            capacity: 0,
            in_use: 0,
            live: 0,
            free_blocks: 0,
            counters: Counters {
                high_water: 0,
                allocations: 0,
                frees: 0,
                failed_allocations: 0,
            },
            policy: FitPolicy::Good,
            lead: G,
            guard: 0,
            scrub: false,
            slow: false,
            sink: MaybeUninit::uninit(),
            _memory: PhantomData,
        }
    }

    /// The smallest region that surely serves one allocation of `size`
    /// bytes aligned to `align` (guards off), whatever the region's start
    /// address; `None` when that overflows or `align` is not a power of two.
    ///
    /// ```
    /// use core::mem::MaybeUninit;
    /// use poolalloc::{VarPool, region::Region};
    ///
    /// let bytes = VarPool::region_size_for(1000, 256).unwrap();
    /// let mut memory = [MaybeUninit::<u8>::uninit(); 4096];
    /// // Any start address will do: skip one byte to show it.
    /// let mut pool = VarPool::new(Region::new(&mut memory[1..1 + bytes])).unwrap();
    /// assert!(pool.alloc(1000, 256).is_some());
    /// ```
    pub fn region_size_for(size: usize, align: usize) -> Option<usize> {
        Self::empty().region_size_for_request(size, align)
    }

    /// As [`region_size_for`](Self::region_size_for), with this pool's
    /// guard settings.
    pub(crate) fn region_size_for_request(&self, size: usize, align: usize) -> Option<usize> {
        if !align.is_power_of_two() {
            return None;
        }
        let total = self.block_size_for(size)?;
        // An over-aligned request may need to skip up to `align + G` bytes.
        let block = if align > G {
            total.checked_add(align)?.checked_add(G)?
        } else {
            total
        };
        Area::region_size_for(block)
    }

    /// Adds a region of memory to the pool; its bytes become one free block.
    /// Blocks never span two regions.
    ///
    /// # Errors
    ///
    /// [`RegionError::Overlap`] when the region overlaps one the pool
    /// already has; [`RegionError::TooSmall`] when it cannot hold its
    /// bookkeeping and one block. The pool is unchanged on error.
    pub fn add_region(&mut self, region: Region<'a>) -> Result<(), RegionError> {
        let range = region.addr_range();
        // Find the area after which the new one goes, refusing overlap.
        let mut prev: *mut Area = ptr::null_mut();
        let mut cur = self.areas;
        while !cur.is_null() {
            // SAFETY: `cur` is a live area header of this pool.
            let area = unsafe { &*cur };
            if area.region_start < range.end && range.start < area.region_end {
                return Err(RegionError::Overlap);
            }
            if area.region_start > range.start {
                break;
            }
            prev = cur;
            cur = area.next;
        }
        let available = region.len();
        let Some(area) = Area::build(region) else {
            return Err(RegionError::TooSmall {
                needed: Area::region_size_for(MIN_BLOCK).unwrap_or(usize::MAX),
                available,
            });
        };
        let area = area.as_ptr();
        // SAFETY: `area` is the fresh header; `prev`, when not null, is a
        // live header of this pool. Neither is referenced elsewhere.
        unsafe {
            (*area).next = cur;
            if prev.is_null() {
                self.areas = area;
            } else {
                (*prev).next = area;
            }
        }
        // SAFETY: as above.
        let (first, len) = unsafe { ((*area).base.cast::<Hdr>(), (*area).len) };
        // SAFETY: the area's first block is free, `len - G` bytes long, and
        // on no list.
        unsafe {
            self.push_free(first, len - G);
            if self.scrub {
                scrub_free_payload(first, len - G);
            }
        }
        self.capacity += len - G;
        self.regions += 1;
        if self.hint.is_null() {
            self.set_hint(area);
        }
        Ok(())
    }

    /// The fit policy.
    pub fn policy(&self) -> FitPolicy {
        self.policy
    }

    /// Changes the fit policy; it applies to later requests.
    pub fn set_policy(&mut self, policy: FitPolicy) {
        self.policy = policy;
        self.refresh_slow();
    }

    /// Recomputes [`slow`](Self::slow) after a setting changed.
    pub(super) fn refresh_slow(&mut self) {
        self.slow = self.guard != 0 || self.scrub || self.policy != FitPolicy::Good;
    }

    /// The number of live allocations.
    #[inline]
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether no allocation is live.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Bytes of blocks over all regions, headers included (the regions'
    /// own bookkeeping excluded).
    #[inline]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The number of regions the pool spans.
    #[inline]
    pub fn region_count(&self) -> usize {
        self.regions
    }

    /// The bytes a block spends before its allocation: the header, plus the
    /// guard bookkeeping and front guard when guards are on.
    #[inline]
    pub fn overhead(&self) -> usize {
        self.lead
    }

    /// Allocates `size` bytes aligned to `align` (a power of two), or
    /// returns `None` when `align` is not a power of two, the size
    /// overflows, or no free block is large enough. See
    /// [`try_alloc`](Self::try_alloc) for the reason.
    ///
    /// O(1) with the [`Good`](FitPolicy::Good) policy. When the
    /// constant-time search finds nothing, the one bin that may still hold a
    /// large enough block is scanned before giving up (over-aligned
    /// requests: every bin that may hold one), so a request fails only when
    /// no free block can hold it. The contents are uninitialised.
    #[inline(always)]
    pub fn alloc(&mut self, size: usize, align: usize) -> Option<NonNull<u8>> {
        // The common case: guard-free good fit with the granule alignment,
        // served by the head of the first bin that fits.
        if align <= G && align.is_power_of_two() && size <= FAST_MAX && !self.slow {
            // `lead == G` (guards are off); the payload is at least `G`.
            let total = (size.max(1) + (2 * G - 1)) & !(G - 1);
            if let Some(found) =
                Bin::for_request(total >> G_SHIFT).and_then(|bin| self.index.first_at_or_after(bin))
            {
                // SAFETY: the index says the bin is non-empty, and every
                // block in it holds at least `total` bytes.
                return Some(unsafe { self.take_head_and_occupy(found, total) });
            }
        }
        self.alloc_cold(size, align)
    }

    /// [`alloc`](Self::alloc) for everything but the common case.
    #[cold]
    #[inline(never)]
    fn alloc_cold(&mut self, size: usize, align: usize) -> Option<NonNull<u8>> {
        self.try_alloc(size, align).ok()
    }

    /// Takes the head of non-empty bin `found` and hands out a block of
    /// `total` bytes from it, guards off.
    ///
    /// # Safety
    ///
    /// `found` is non-empty and all its blocks hold at least `total >=
    /// MIN_BLOCK` bytes; guards are off.
    #[inline(always)]
    unsafe fn take_head_and_occupy(&mut self, found: Bin, total: usize) -> NonNull<u8> {
        // SAFETY: the caller's contract; the head's previous block is used
        // (no two free blocks are adjacent), so `prev_flag` is 0.
        unsafe {
            let b = self.take_head(found);
            self.occupy::<true>(b, size_of_block(b), total, 0, 0)
        }
    }

    /// As [`alloc`](Self::alloc), for a [`Layout`].
    #[inline]
    pub fn alloc_layout(&mut self, layout: Layout) -> Option<NonNull<u8>> {
        self.alloc(layout.size(), layout.align())
    }

    /// As [`alloc`](Self::alloc), with the `size` requested bytes set to
    /// zero.
    pub fn alloc_zeroed(&mut self, size: usize, align: usize) -> Option<NonNull<u8>> {
        let ptr = self.alloc(size, align)?;
        // SAFETY: the allocation is ours and at least `size` bytes long.
        unsafe { ptr.as_ptr().write_bytes(0, size) };
        Some(ptr)
    }

    /// As [`alloc`](Self::alloc), saying why it failed.
    ///
    /// # Errors
    ///
    /// [`AllocError::BadAlignment`] when `align` is not a power of two,
    /// [`AllocError::TooLarge`] when the size with the block overhead and
    /// the alignment exceeds `isize::MAX`, [`AllocError::Exhausted`] when
    /// no free block can hold it. The pool is unchanged on error.
    pub fn try_alloc(&mut self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError> {
        if !align.is_power_of_two() {
            return Err(AllocError::BadAlignment { align });
        }
        let result = self.alloc_general(size, align);
        if result.is_err() {
            self.counters.failed();
        }
        result
    }

    #[inline(never)]
    fn alloc_general(&mut self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError> {
        let total = self
            .block_size_for(size)
            .filter(|&t| t <= isize::MAX as usize)
            .ok_or(AllocError::TooLarge)?;
        if align > G {
            if total
                .checked_add(align)
                .is_none_or(|t| t > isize::MAX as usize)
            {
                return Err(AllocError::TooLarge);
            }
            return self.alloc_aligned(total, align, size);
        }
        let mut found = None;
        if let FitPolicy::BestFit { tolerance_percent } = self.policy {
            found = self.take_best(total, tolerance_percent);
        }
        let b = found
            .or_else(|| self.take_good(total))
            .or_else(|| self.take_scan(total))
            .ok_or(AllocError::Exhausted)?;
        // SAFETY: the block is free, unlinked and at least `total` long.
        Ok(unsafe { self.occupy::<false>(b, size_of_block(b), total, 0, size) })
    }

    /// The block size, header and guards included, that a request of `size`
    /// bytes needs; `None` on overflow.
    #[inline(always)]
    fn block_size_for(&self, size: usize) -> Option<usize> {
        let payload = align_up(size.checked_add(self.guard)?, G)?;
        let payload = if payload < G { G } else { payload };
        payload.checked_add(self.lead)
    }

    /// Unlinks and returns the head of the first bin whose every block holds
    /// at least `total` bytes. O(1).
    #[inline(always)]
    fn take_good(&mut self, total: usize) -> Option<*mut Hdr> {
        let bin = Bin::for_request(total >> G_SHIFT)?;
        let found = self.index.first_at_or_after(bin)?;
        // SAFETY: the index says the bin is non-empty.
        Some(unsafe { self.take_head(found) })
    }

    /// Unlinks and returns the head of `bin`.
    ///
    /// # Safety
    ///
    /// `bin` is non-empty.
    #[inline(always)]
    unsafe fn take_head(&mut self, bin: Bin) -> *mut Hdr {
        let b = self.head(bin);
        // SAFETY: `b` is the head of a non-empty bin, a free block of this
        // pool, and so is its successor when there is one.
        unsafe {
            let next = next_free(b);
            *self.head_mut(bin) = next;
            set_prev_free(self.or_sink(next), ptr::null_mut());
            self.index.mark_empty_if(bin, next.is_null());
        }
        self.free_blocks -= 1;
        b
    }

    /// `b`, or the [`sink`](Self::sink) when `b` is null: where to store a
    /// link that belongs to `b` if it exists.
    #[inline(always)]
    fn or_sink(&mut self, b: *mut Hdr) -> *mut Hdr {
        let sink = ptr::addr_of_mut!(self.sink).cast::<Hdr>();
        if b.is_null() { sink } else { b }
    }

    /// The failure path of good fit: scans the bin holding blocks of
    /// `total` bytes, which the constant-time search skips because some of
    /// its blocks are smaller.
    #[cold]
    fn take_scan(&mut self, total: usize) -> Option<*mut Hdr> {
        let bin = Bin::for_block(total >> G_SHIFT);
        let mut b = self.heads[bin.index()];
        while !b.is_null() {
            // SAFETY: `b` is on a free list of this pool.
            let size = unsafe { size_of_block(b) };
            if size >= total {
                // SAFETY: as above.
                unsafe { self.unlink(b, size) };
                return Some(b);
            }
            // SAFETY: as above.
            b = unsafe { next_free(b) };
        }
        None
    }

    /// Best fit within `tolerance` percent; see [`FitPolicy::BestFit`].
    fn take_best(&mut self, total: usize, tolerance: usize) -> Option<*mut Hdr> {
        let limit = total.saturating_add(total.saturating_mul(tolerance) / 100);
        let last = Bin::for_block(limit >> G_SHIFT);
        let mut from = Bin::for_block(total >> G_SHIFT);
        while let Some(bin) = self.index.first_at_or_after(from) {
            if bin > last {
                break;
            }
            let mut b = self.heads[bin.index()];
            while !b.is_null() {
                // SAFETY: `b` is on a free list of this pool.
                let size = unsafe { size_of_block(b) };
                if total <= size && size <= limit {
                    // SAFETY: as above.
                    unsafe { self.unlink(b, size) };
                    return Some(b);
                }
                // SAFETY: as above.
                b = unsafe { next_free(b) };
            }
            // The next bin: the first whose blocks are all longer than this
            // bin's shortest.
            from = Bin::for_request(bin.min_units() + 1)?;
        }
        None
    }

    /// Serves a request aligned to `align > G`.
    fn alloc_aligned(
        &mut self,
        total: usize,
        align: usize,
        req: usize,
    ) -> Result<NonNull<u8>, AllocError> {
        // The allocation pointer is `lead` bytes into its block; the gap
        // before the block is a multiple of `G` below `align`, or
        // `align + G` when a gap of one granule cannot be handed to the
        // block before (there is none).
        let search = total + (align - G);
        let mut pick = self
            .peek_good(search)
            .and_then(|b| self.placement(b, total, align).map(|gap| (b, gap)));
        if pick.is_none() {
            pick = self
                .peek_good(search + 2 * G)
                .and_then(|b| self.placement(b, total, align).map(|gap| (b, gap)));
        }
        if pick.is_none() {
            pick = self.scan_aligned(total, align);
        }
        let (b, gap) = pick.ok_or(AllocError::Exhausted)?;
        // SAFETY: `b` is a free block of this pool in which `placement`
        // found room for `total` bytes after `gap`.
        Ok(unsafe { self.occupy_at(b, gap, total, req) })
    }

    /// The head of the first bin whose every block holds `total` bytes,
    /// left on its list.
    fn peek_good(&self, total: usize) -> Option<*mut Hdr> {
        let bin = Bin::for_request(total >> G_SHIFT)?;
        let found = self.index.first_at_or_after(bin)?;
        Some(self.heads[found.index()])
    }

    /// The failure path of an over-aligned request: every free block from
    /// the bin of `total` upwards.
    #[cold]
    fn scan_aligned(&self, total: usize, align: usize) -> Option<(*mut Hdr, usize)> {
        let mut from = Bin::for_block(total >> G_SHIFT);
        while let Some(bin) = self.index.first_at_or_after(from) {
            let mut b = self.heads[bin.index()];
            while !b.is_null() {
                if let Some(gap) = self.placement(b, total, align) {
                    return Some((b, gap));
                }
                // SAFETY: `b` is on a free list of this pool.
                b = unsafe { next_free(b) };
            }
            from = Bin::for_request(bin.min_units() + 1)?;
        }
        None
    }

    /// Where in free block `b` a block of `total` bytes whose allocation is
    /// aligned to `align` can start: the gap from `b`, or `None`.
    fn placement(&self, b: *mut Hdr, total: usize, align: usize) -> Option<usize> {
        // SAFETY: `b` is a free block of this pool.
        let (size, first) = unsafe { (size_of_block(b), (*b).prev.is_null()) };
        let user = align_up(b.addr().checked_add(self.lead)?, align)?;
        let mut gap = user - self.lead - b.addr();
        if gap == G && first {
            gap = gap.checked_add(align)?;
        }
        (gap.checked_add(total)? <= size).then_some(gap)
    }

    /// Hands out `total` bytes starting `gap` bytes into free block `b`
    /// (still on its list). A gap of one granule goes to the (used) block
    /// before; a longer one stays a free block.
    ///
    /// # Safety
    ///
    /// `b` is a free block of this pool on its list and `gap` came from
    /// [`placement`](Self::placement) for `total`.
    unsafe fn occupy_at(
        &mut self,
        b: *mut Hdr,
        gap: usize,
        total: usize,
        req: usize,
    ) -> NonNull<u8> {
        // SAFETY: the caller promises a free block on its list, with room
        // for `gap + total` bytes; a one-granule gap has a block before it,
        // which is used since `b` is free.
        unsafe {
            let size = size_of_block(b);
            self.unlink(b, size);
            if gap == 0 {
                return self.occupy::<false>(b, size, total, 0, req);
            }
            let start = b.byte_add(gap);
            self.mark_start(start);
            let prev_flag = if gap == G {
                self.unmark_start(b);
                let p = (*b).prev;
                (*p).size += G;
                self.in_use += G;
                // The granule joins the used block's slack: keep its bytes
                // initialised and, with guards, part of its tail guard.
                let fill = if self.guard != 0 { Self::GUARD_BYTE } else { 0 };
                b.cast::<u8>().write_bytes(fill, G);
                (*start).prev = p;
                0
            } else {
                (*b).size = gap | FREE;
                self.push_free(b, gap);
                (*start).prev = b;
                PREV_FREE
            };
            self.occupy::<false>(start, size - gap, total, prev_flag, req)
        }
    }

    /// Makes block `b` of `size` bytes used with `total` bytes, splitting
    /// off the rest as a free block when it is long enough, and hands out
    /// its allocation.
    ///
    /// # Safety
    ///
    /// `b .. b + size` is a block of this pool on no list, whose `prev` link
    /// is right and whose previous block is free exactly when `prev_flag`
    /// is [`PREV_FREE`]; the block at `b + size` records `b`'s range as
    /// free (its `PREV_FREE` flag is set); `total <= size`. `PLAIN` says
    /// that guards are off.
    #[inline(always)]
    unsafe fn occupy<const PLAIN: bool>(
        &mut self,
        b: *mut Hdr,
        size: usize,
        total: usize,
        prev_flag: usize,
        req: usize,
    ) -> NonNull<u8> {
        debug_assert!(total <= size && total >= MIN_BLOCK);
        // SAFETY: the caller's contract.
        let kept = unsafe { self.split_tail(b, size, total) };
        // SAFETY: `b` is a block header of this pool.
        unsafe { (*b).size = kept | prev_flag };
        self.in_use += kept;
        self.live += 1;
        self.counters.allocated(self.in_use);
        let lead = if PLAIN { G } else { self.lead };
        // SAFETY: `lead < total <= size`, so the allocation is in the block.
        let user = unsafe { b.cast::<u8>().add(lead) };
        if !PLAIN && self.guard != 0 {
            // SAFETY: the block is used, `kept` bytes, for `req` bytes; it
            // is a fresh allocation, with no caller's bytes yet.
            unsafe { self.arm_guards(b, kept, req, Caller::NONE) };
        }
        if kept < size {
            // SAFETY: the split-off rest starts inside the block.
            unsafe { self.mark_start(b.byte_add(kept)) };
        }
        // SAFETY: addresses inside a region are not null.
        unsafe { NonNull::new_unchecked(user) }
    }

    /// Keeps the first `total` bytes of block `b` (of `size` bytes, on no
    /// list), making the rest a free block when it is at least
    /// [`MIN_BLOCK`] long, and updates the next block's boundary tag.
    /// Returns `b`'s new size; `b`'s own size word is left to the caller,
    /// and so is marking the rest's start in the block-start map when the
    /// new size is less than `size`.
    ///
    /// # Safety
    ///
    /// As [`occupy`](Self::occupy): the block after `b` must have its
    /// `PREV_FREE` flag set.
    #[inline(always)]
    unsafe fn split_tail(&mut self, b: *mut Hdr, size: usize, total: usize) -> usize {
        // SAFETY: `b + size` is the next block (or sentinel); the rest, when
        // split off, is at least `MIN_BLOCK` long and inside `b`.
        unsafe {
            let next = b.byte_add(size);
            let rest = size - total;
            if rest >= MIN_BLOCK {
                let r = b.byte_add(total);
                (*r).prev = b;
                (*r).size = rest | FREE;
                (*next).prev = r;
                self.push_free(r, rest);
                total
            } else {
                (*next).prev = b;
                (*next).size &= !PREV_FREE;
                size
            }
        }
    }

    /// Returns an allocation to the pool after checking that it is a live
    /// allocation of this pool (see the [checked-free rule](self#checked-frees)).
    /// O(1) when the pointer is valid; the block merges with free
    /// neighbours at once.
    ///
    /// With guards on, the guards are verified first; a broken guard is
    /// reported as [`FreeError::GuardCorrupted`] *after* the block has been
    /// freed, so the pool stays consistent.
    ///
    /// # Errors
    ///
    /// [`FreeError::Foreign`], [`FreeError::Interior`],
    /// [`FreeError::DoubleFree`] or [`FreeError::NeverAllocated`] with the
    /// pool untouched; [`FreeError::GuardCorrupted`] with the block freed.
    #[inline(always)]
    pub fn free(&mut self, ptr: NonNull<u8>) -> Result<(), FreeError> {
        let addr = ptr.as_ptr().addr();
        // The common case: a valid pointer in the hinted region, guards and
        // scrubbing off.
        let off = addr.wrapping_sub(self.hint_base.addr());
        if off < self.hint_len && !self.slow {
            // SAFETY: `off` is inside the hinted area; with guards off the
            // lead is `G`.
            if let Some(b) = unsafe { live_at(self.hint_base, self.hint_bits, off, G) } {
                // SAFETY: `live_at` found a used block of this pool, whose
                // allocation is `ptr`; guards are off.
                unsafe { self.release::<true>(b, ptr.as_ptr(), usize::MAX, false) };
                return Ok(());
            }
        }
        self.free_slow(ptr)
    }

    /// [`free`](Self::free) for everything but the common case.
    #[inline(never)]
    fn free_slow(&mut self, ptr: NonNull<u8>) -> Result<(), FreeError> {
        let b = self.live_block_mut(ptr.as_ptr().addr())?;
        let guard = if self.guard != 0 {
            // SAFETY: `b` is a live block of this pool.
            unsafe { self.check_guards(b) }
        } else {
            Ok(())
        };
        // SAFETY: `b` is a live block of this pool, whose allocation is
        // `ptr`.
        unsafe { self.release::<false>(b, ptr.as_ptr(), usize::MAX, self.scrub) };
        guard.map_err(FreeError::GuardCorrupted)
    }

    /// Returns an allocation to the pool without checking it (guards are
    /// not verified either). O(1).
    ///
    /// # Safety
    ///
    /// `ptr` must have been returned by this pool's `alloc` family or
    /// `realloc` and not freed, reallocated or invalidated by
    /// [`reset`](Self::reset) since.
    #[inline(always)]
    pub unsafe fn free_unchecked(&mut self, ptr: NonNull<u8>) {
        // SAFETY: the caller's contract; `ptr` is valid for its whole
        // usable size.
        unsafe { self.free_unchecked_within(ptr, usize::MAX) }
    }

    /// As [`free_unchecked`](Self::free_unchecked), for a caller whose
    /// pointer may reach only the first `len` bytes of the allocation
    /// (`GlobalAlloc::dealloc` is given the layout's size, and a `Box`'s
    /// pointer covers no more): the pool writes those bytes through `ptr`
    /// and any beyond them through its own pointers.
    ///
    /// # Safety
    ///
    /// As [`free_unchecked`](Self::free_unchecked); `ptr` is valid for
    /// writes of `len` bytes, or of its usable size if that is less.
    #[inline(always)]
    pub(crate) unsafe fn free_unchecked_within(&mut self, ptr: NonNull<u8>, len: usize) {
        let addr = ptr.as_ptr().addr();
        // The block is derived from the area's base, not from `ptr`, so
        // that it carries the region's provenance.
        let (base, _) = self.area_of(addr);
        let off = addr - base.addr();
        // SAFETY: the caller promises a live allocation, whose block starts
        // `lead` bytes before it in the area of `base`: `G` bytes when the
        // pool is not on its slow path, as guards are off then. (Spelling
        // out `G` lets the compiler see that the links of the freed block
        // are at `ptr` itself.)
        unsafe {
            if !self.slow && len >= 2 * WORD {
                let b = base.add(off - G).cast::<Hdr>();
                self.release::<true>(b, ptr.as_ptr(), len, false);
            } else {
                let b = base.add(off - self.lead).cast::<Hdr>();
                self.release_cold(b, ptr.as_ptr(), len);
            }
        }
    }

    /// [`release`](Self::release) out of line, scrubbing when asked.
    ///
    /// # Safety
    ///
    /// As [`release`](Self::release).
    #[cold]
    #[inline(never)]
    unsafe fn release_cold(&mut self, b: *mut Hdr, user: *mut u8, len: usize) {
        // SAFETY: the caller's contract.
        unsafe { self.release::<false>(b, user, len, self.scrub) }
    }

    /// The block of the live allocation at `addr`, after the checks of a
    /// checked free; updates the lookup hint.
    #[inline]
    fn live_block_mut(&mut self, addr: usize) -> Result<*mut Hdr, FreeError> {
        let (base, bits) = if addr.wrapping_sub(self.hint_base.addr()) < self.hint_len {
            (self.hint_base, self.hint_bits)
        } else {
            let area = self.find(addr).ok_or(FreeError::Foreign)?;
            self.set_hint(area);
            (self.hint_base, self.hint_bits)
        };
        // SAFETY: `addr` is inside the area of `base` and `bits`.
        match unsafe { live_at(base, bits, addr - base.addr(), self.lead) } {
            Some(b) => Ok(b),
            None => Err(self.classify(addr)),
        }
    }

    /// The block of the live allocation at `addr`, or `None`.
    fn live_block(&self, addr: usize) -> Option<*mut Hdr> {
        let area = self.find(addr)?;
        // SAFETY: `find` returns live areas.
        let area = unsafe { &*area };
        // SAFETY: `addr` is inside `area`.
        unsafe { live_at(area.base, area.bits, addr - area.base_addr(), self.lead) }
    }

    /// Why `addr`, which is not a live allocation, was refused: see the
    /// [checked-free rule](self#checked-frees).
    #[cold]
    #[inline(never)]
    fn classify(&self, addr: usize) -> FreeError {
        let Some(area) = self.find(addr) else {
            return FreeError::Foreign;
        };
        // SAFETY: `find` returns live areas.
        let area = unsafe { &*area };
        let off = addr - area.base_addr();
        if off < self.lead {
            return FreeError::NeverAllocated;
        }
        // The block whose extent holds `off` is the last one starting at or
        // before `off - lead`: the first block starts at 0, so there is one.
        // SAFETY: `off - lead < area.len`.
        let start = unsafe { area.last_set_at_or_before((off - self.lead) >> G_SHIFT) };
        let start = start.unwrap_or(0) << G_SHIFT;
        // SAFETY: a set bit marks a block start of this area, whose header
        // is the pool's.
        let raw = unsafe { (*area.base.add(start).cast::<Hdr>()).size };
        if raw & FREE == 0 {
            FreeError::Interior {
                offset: off - start - self.lead,
            }
        } else if off & (G - 1) == 0 {
            FreeError::DoubleFree
        } else {
            FreeError::NeverAllocated
        }
    }

    /// Frees used block `b`, whose allocation the caller passed in as
    /// `user`, valid for the first `len` bytes of the allocation or its
    /// whole usable size if that is less: those bytes are written through
    /// `user` (see [`Caller`]). `scrub` is [`scrub`](Self::scrub) (or
    /// `false` when the caller knows it is off); `PLAIN` says that guards
    /// are off and `len` is at least two words.
    ///
    /// # Safety
    ///
    /// `b` is a used block of this pool, `user` its allocation with the
    /// provenance just described.
    #[inline(always)]
    unsafe fn release<const PLAIN: bool>(
        &mut self,
        b: *mut Hdr,
        user: *mut u8,
        len: usize,
        scrub: bool,
    ) {
        // SAFETY: the caller promises a used block.
        let raw = unsafe { (*b).size };
        let size = raw & !FLAGS;
        let len = if PLAIN {
            // Without guards the usable bytes run to the block's end, and
            // `make_free` writes through `caller` only inside the block:
            // `len` needs no cut to the usable size, which spares the hot
            // path a dependency on the size just loaded. Capped so that
            // addresses before `user` stay outside the caller's bytes.
            len.min(isize::MAX as usize)
        } else {
            // With guards the usable size is the request stored in the
            // block, which a broken guard (reported after this free) may
            // have overwritten: never past the block's end.
            // SAFETY: as above.
            unsafe { self.usable_of(b) }.min(size - self.lead).min(len)
        };
        self.in_use -= size;
        self.live -= 1;
        self.counters.freed();
        // SAFETY: as above; the caller's bytes are the block's payload
        // from `user` on.
        unsafe {
            let caller = Caller::new(user, len);
            // Without guards the links go to the first two words of the
            // caller's bytes, which it reaches when `PLAIN`.
            self.make_free::<false, PLAIN>(b, size, raw & PREV_FREE != 0, scrub, caller);
        }
    }

    /// Turns `b`, a block of `size` bytes that is on no list and whose
    /// payload nobody uses any more, into a free block merged with its free
    /// neighbours.
    ///
    /// Every write into `b`'s own bytes goes through `caller` (the
    /// caller's pointer for the caller's bytes, the region's elsewhere);
    /// the neighbours are written through the region's pointers.
    ///
    /// # Safety
    ///
    /// `b` is a block of this pool with a correct `prev` link; its previous
    /// block is free exactly when `prev_free`; its size word need not be
    /// set. `scrub` is [`scrub`](Self::scrub). The caller's bytes, if any,
    /// lie in `b .. b + size`, and in `b`'s header only when `TAIL` (`b`
    /// is the tail of a block shrunk in place, whose previous block is
    /// used). `AT_USER` says that they start `G` bytes into `b`, where its
    /// links go, and are at least two words long.
    #[inline(always)]
    unsafe fn make_free<const TAIL: bool, const AT_USER: bool>(
        &mut self,
        b: *mut Hdr,
        size: usize,
        prev_free: bool,
        scrub: bool,
        caller: Caller,
    ) {
        if cfg!(debug_assertions) || scrub {
            // SAFETY: the payload is the block's, unused now.
            unsafe { caller.fill(b.cast::<u8>().add(G), Self::SCRUB_BYTE, size - G) };
        }
        let mut start = b;
        let mut size = size;
        // SAFETY: the caller's contract: `b + size` is the next block or
        // the sentinel, and `prev` links are right.
        unsafe {
            let next = b.byte_add(size);
            let next_size = (*next).size;
            let merge_next = next_size & FREE != 0;
            if merge_next {
                let next_size = next_size & !FLAGS;
                self.unlink(next, next_size);
                if scrub {
                    // The next block is past the caller's bytes.
                    next.cast::<u8>().write_bytes(Self::SCRUB_BYTE, MIN_BLOCK);
                }
                size += next_size;
            }
            if prev_free {
                let p = (*b).prev;
                let p_size = size_of_block(p);
                self.unlink(p, p_size);
                if scrub {
                    caller.fill(b.cast::<u8>(), Self::SCRUB_BYTE, G);
                }
                size += p_size;
                start = p;
            }
            // The header and links of the merged block are `b`'s, written
            // through `caller` (its header is among the caller's bytes only
            // when `b` is a tail split off in place, and its links are the
            // first bytes of a freed allocation when guards are off), or
            // those of the free block before it, which are the pool's
            // alone.
            let caller = if prev_free { Caller::NONE } else { caller };
            // A free block's previous block is never free.
            if TAIL {
                caller.write(&raw mut (*start).size, size | FREE);
            } else {
                (*start).size = size | FREE;
            }
            let after = start.byte_add(size);
            (*after).prev = start;
            (*after).size |= PREV_FREE;
            if AT_USER {
                // The links are the first two words of the caller's bytes
                // (at `G` from `b`, as the caller's contract says), or the
                // previous block's.
                let links = if prev_free {
                    (&raw mut (*start.cast::<FreeHdr>()).next_free).cast::<u8>()
                } else {
                    caller.user()
                };
                // `links` is the links of `start`, valid for writes of
                // two words through its pointer (this closure runs inside
                // this `unsafe` block).
                self.push_free_with(start, size, |head| {
                    links.cast::<*mut Hdr>().write(head);
                    links.cast::<*mut Hdr>().add(1).write(ptr::null_mut());
                });
            } else {
                self.push_free_via(start, size, caller);
            }
            // Last, when nothing else is left to do: `next` and `b` (both
            // in the same area) stop being block starts when merged away.
            if merge_next || prev_free {
                let (base, bits) = self.area_of(b.addr());
                if merge_next {
                    clear_bit(bits, next.addr() - base.addr());
                }
                if prev_free {
                    clear_bit(bits, b.addr() - base.addr());
                }
            }
        }
    }

    /// The head of `bin`'s list.
    #[inline(always)]
    fn head(&self, bin: Bin) -> *mut Hdr {
        debug_assert!(bin.index() < BIN_COUNT);
        // SAFETY: a `Bin`'s levels are below `FL_COUNT` and `SL_COUNT`, so
        // its index is below `BIN_COUNT`.
        unsafe { *self.heads.get_unchecked(bin.index()) }
    }

    /// The head of `bin`'s list, to update.
    #[inline(always)]
    fn head_mut(&mut self, bin: Bin) -> &mut *mut Hdr {
        debug_assert!(bin.index() < BIN_COUNT);
        // SAFETY: as in `head`.
        unsafe { self.heads.get_unchecked_mut(bin.index()) }
    }

    /// Puts free block `b` of `size` bytes at the head of its bin.
    ///
    /// # Safety
    ///
    /// `b` is a free block of this pool, at least [`MIN_BLOCK`] long, on no
    /// list.
    #[inline(always)]
    unsafe fn push_free(&mut self, b: *mut Hdr, size: usize) {
        // SAFETY: the caller's contract.
        unsafe { self.push_free_via(b, size, Caller::NONE) }
    }

    /// As [`push_free`](Self::push_free), writing `b`'s links through
    /// `caller` (see [`Caller`]).
    ///
    /// # Safety
    ///
    /// As [`push_free`](Self::push_free); `caller`'s bytes are valid for
    /// writes through its pointer.
    #[inline(always)]
    unsafe fn push_free_via(&mut self, b: *mut Hdr, size: usize, caller: Caller) {
        let set = |head| {
            // SAFETY: the caller's contract: `b` has room for its links.
            unsafe { set_links(b, head, ptr::null_mut(), caller) }
        };
        // SAFETY: the caller's contract.
        unsafe { self.push_free_with(b, size, set) }
    }

    /// As [`push_free`](Self::push_free), with `set_links` writing `b`'s
    /// links: the head it is given and a null back link.
    ///
    /// # Safety
    ///
    /// As [`push_free`](Self::push_free).
    #[inline(always)]
    unsafe fn push_free_with(
        &mut self,
        b: *mut Hdr,
        size: usize,
        set_links: impl FnOnce(*mut Hdr),
    ) {
        let bin = Bin::for_block(size >> G_SHIFT);
        let head = self.head(bin);
        set_links(head);
        // SAFETY: `head`, when not null, is a free block of this pool, and
        // otherwise the back link goes to the sink.
        unsafe { set_prev_free(self.or_sink(head), b) };
        self.index.mark_nonempty(bin);
        *self.head_mut(bin) = b;
        self.free_blocks += 1;
    }

    /// Takes free block `b` of `size` bytes off its bin's list.
    ///
    /// # Safety
    ///
    /// `b` is a free block of this pool on the list of the bin of `size`.
    #[inline(always)]
    unsafe fn unlink(&mut self, b: *mut Hdr, size: usize) {
        let bin = Bin::for_block(size >> G_SHIFT);
        // SAFETY: `b` and its list neighbours are free blocks of this pool;
        // a missing neighbour's link goes to the sink or the bin's head.
        unsafe {
            let next = next_free(b);
            let prev = prev_free(b);
            set_prev_free(self.or_sink(next), prev);
            let head = ptr::from_mut(self.head_mut(bin));
            let forward = if prev.is_null() {
                head
            } else {
                ptr::addr_of_mut!((*prev.cast::<FreeHdr>()).next_free)
            };
            *forward = next;
            self.index
                .mark_empty_if(bin, prev.is_null() && next.is_null());
        }
        self.free_blocks -= 1;
    }

    /// Resizes an allocation to `new_size` bytes, keeping the granule
    /// alignment every allocation has; see
    /// [`realloc_aligned`](Self::realloc_aligned) for allocations made with
    /// a larger alignment.
    ///
    /// # Errors
    ///
    /// As [`realloc_aligned`](Self::realloc_aligned).
    pub fn realloc(
        &mut self,
        ptr: NonNull<u8>,
        new_size: usize,
    ) -> Result<NonNull<u8>, ReallocError> {
        self.realloc_aligned(ptr, new_size, G)
    }

    /// Resizes an allocation to `new_size` bytes aligned to `align`.
    ///
    /// The pointer is checked as [`free`](Self::free) checks it. A shrink
    /// happens in place, splitting off the tail as a free block when it is
    /// long enough; a growth happens in place when the next block is free
    /// and large enough; otherwise the allocation moves (allocate, copy the
    /// old usable bytes that fit, free) and the new pointer is returned.
    /// The pointer also moves when it is not aligned to `align`.
    ///
    /// # Errors
    ///
    /// [`ReallocError::Pointer`] when the pointer is not a live allocation
    /// or its guards are broken; [`ReallocError::Alloc`] when the new size
    /// cannot be served. On error the original allocation is intact.
    pub fn realloc_aligned(
        &mut self,
        ptr: NonNull<u8>,
        new_size: usize,
        align: usize,
    ) -> Result<NonNull<u8>, ReallocError> {
        self.realloc_within(ptr, usize::MAX, new_size, align)
    }

    /// As [`realloc_aligned`](Self::realloc_aligned), for a caller whose
    /// pointer may reach only the first `len` bytes of the allocation (see
    /// [`free_unchecked_within`](Self::free_unchecked_within)); a move
    /// keeps at most those bytes.
    pub(crate) fn realloc_within(
        &mut self,
        ptr: NonNull<u8>,
        len: usize,
        new_size: usize,
        align: usize,
    ) -> Result<NonNull<u8>, ReallocError> {
        if !align.is_power_of_two() {
            return Err(ReallocError::Alloc(AllocError::BadAlignment { align }));
        }
        let addr = ptr.as_ptr().addr();
        let b = self.live_block_mut(addr).map_err(ReallocError::Pointer)?;
        if self.guard != 0 {
            // SAFETY: `b` is a live block of this pool.
            unsafe { self.check_guards(b) }
                .map_err(|c| ReallocError::Pointer(FreeError::GuardCorrupted(c)))?;
        }
        let total = self
            .block_size_for(new_size)
            .filter(|&t| t <= isize::MAX as usize)
            .ok_or(ReallocError::Alloc(AllocError::TooLarge))?;
        // SAFETY: `b` is a live block of this pool.
        let (size, old_usable) = unsafe { (size_of_block(b), self.usable_of(b)) };
        // The bytes the caller's pointer reaches, and all that a move keeps.
        let kept = old_usable.min(len);
        let caller = Caller::new(ptr.as_ptr(), kept);
        if addr & (align - 1) == 0 {
            if total <= size {
                // SAFETY: as above; the caller's bytes are the block's
                // payload from `ptr` on.
                unsafe { self.shrink_in_place(b, size, total, new_size, caller) };
                return Ok(ptr);
            }
            // SAFETY: as above; the next block is a block or the sentinel.
            let (next, next_size) = unsafe {
                let next = b.byte_add(size);
                (next, (*next).size)
            };
            if next_size & FREE != 0 && size + (next_size & !FLAGS) >= total {
                // SAFETY: `next` is a free block of this pool on its list.
                unsafe {
                    self.grow_in_place(b, size, next, next_size & !FLAGS, total, new_size, caller);
                }
                return Ok(ptr);
            }
        }
        let new = self
            .try_alloc(new_size, align)
            .map_err(ReallocError::Alloc)?;
        // SAFETY: both allocations are live and distinct; the copy stays
        // within both, and within the bytes `ptr` reaches.
        unsafe {
            ptr::copy_nonoverlapping(ptr.as_ptr(), new.as_ptr(), kept.min(new_size));
        }
        // SAFETY: `b` is still the live block of `ptr`, with the caller's
        // bytes as above.
        unsafe { self.release::<false>(b, ptr.as_ptr(), len, self.scrub) };
        Ok(new)
    }

    /// Shrinks used block `b` of `size` bytes to `total` bytes. The
    /// split-off tail lies in the allocation's old bytes: what it writes
    /// there goes through `caller`.
    ///
    /// # Safety
    ///
    /// `b` is a live block of this pool; `total <= size`; `caller` holds
    /// the allocation's bytes that its caller's pointer reaches.
    unsafe fn shrink_in_place(
        &mut self,
        b: *mut Hdr,
        size: usize,
        total: usize,
        req: usize,
        caller: Caller,
    ) {
        let rest = size - total;
        let mut new_size = size;
        if rest >= MIN_BLOCK {
            new_size = total;
            // SAFETY: the tail is inside `b`, at least `MIN_BLOCK` long, and
            // no longer used; its previous block (`b`) is used. The caller's
            // bytes lie in `b`'s payload, so in the tail only from its
            // header on.
            unsafe {
                (*b).size = total | ((*b).size & PREV_FREE);
                let tail = b.byte_add(total);
                caller.write(&raw mut (*tail).prev, b);
                self.mark_start(tail);
                self.in_use -= rest;
                self.make_free::<true, false>(tail, rest, false, self.scrub, caller);
            }
        }
        if self.guard != 0 {
            // SAFETY: `b` is used, `new_size` bytes, for `req` bytes.
            unsafe { self.arm_guards(b, new_size, req, caller) };
        }
    }

    /// Grows used block `b` of `size` bytes to at least `total` bytes by
    /// taking free block `next`, which follows it.
    ///
    /// # Safety
    ///
    /// `b` is a live block of this pool and `next`, of `next_size` bytes,
    /// the free block after it, with `size + next_size >= total`; `caller`
    /// holds the allocation's bytes that its caller's pointer reaches.
    #[allow(clippy::too_many_arguments)]
    unsafe fn grow_in_place(
        &mut self,
        b: *mut Hdr,
        size: usize,
        next: *mut Hdr,
        next_size: usize,
        total: usize,
        req: usize,
        caller: Caller,
    ) {
        // SAFETY: the caller's contract; after the merge, the block after
        // `next` records a free predecessor, as `split_tail` needs.
        unsafe {
            self.unlink(next, next_size);
            self.unmark_start(next);
            let new_size = self.split_tail(b, size + next_size, total);
            if new_size < size + next_size {
                self.mark_start(b.byte_add(new_size));
            }
            (*b).size = new_size | ((*b).size & PREV_FREE);
            self.in_use += new_size - size;
            if self.in_use > self.counters.high_water {
                self.counters.high_water = self.in_use;
            }
            if self.guard != 0 {
                self.arm_guards(b, new_size, req, caller);
            }
        }
    }

    /// The usable bytes of live block `b`.
    ///
    /// # Safety
    ///
    /// `b` is a live block of this pool.
    unsafe fn usable_of(&self, b: *mut Hdr) -> usize {
        if self.guard != 0 {
            // SAFETY: with guards, a live block holds its requested size
            // right after its header.
            unsafe { b.cast::<u8>().add(G).cast::<usize>().read() }
        } else {
            // SAFETY: `b` is a live block.
            unsafe { size_of_block(b) - self.lead }
        }
    }

    /// Whether `ptr` lies in the block area of one of the pool's regions
    /// (inside a block, live or free; the regions' own bookkeeping is not
    /// part of it).
    pub fn contains(&self, ptr: NonNull<u8>) -> bool {
        self.find(ptr.as_ptr().addr()).is_some()
    }

    /// Whether `ptr` is a live allocation of this pool (exactly what
    /// `alloc` returned).
    pub fn is_allocated(&self, ptr: NonNull<u8>) -> bool {
        self.live_block(ptr.as_ptr().addr()).is_some()
    }

    /// The bytes the caller may use at `ptr`, a live allocation: at least
    /// what was requested (the block's payload without guards; exactly the
    /// request with guards). `None` when `ptr` is not a live allocation.
    pub fn usable_size(&self, ptr: NonNull<u8>) -> Option<usize> {
        let b = self.live_block(ptr.as_ptr().addr())?;
        // SAFETY: `b` is a live block.
        Some(unsafe { self.usable_of(b) })
    }

    /// A snapshot of the pool's statistics. `in_use` and `free` count whole
    /// blocks, headers included, so `in_use + free == capacity`;
    /// `largest_free` is the size of the largest free block, header
    /// included, so a request of up to `largest_free - overhead()` bytes
    /// fits. Finding it walks one bin's list.
    pub fn stats(&self) -> ByteStats {
        ByteStats {
            capacity: self.capacity,
            in_use: self.in_use,
            free: self.capacity - self.in_use,
            largest_free: self.largest_free(),
            free_blocks: self.free_blocks,
            live_allocations: self.live,
            high_water: self.counters.high_water,
            allocations: self.counters.allocations,
            frees: self.counters.frees,
            failed_allocations: self.counters.failed_allocations,
            growth_events: 0,
        }
    }

    /// The size of the largest free block, or 0.
    fn largest_free(&self) -> usize {
        let Some(bin) = self.index.last() else {
            return 0;
        };
        let mut largest = 0;
        let mut b = self.heads[bin.index()];
        while !b.is_null() {
            // SAFETY: `b` is on a free list of this pool.
            unsafe {
                largest = largest.max(size_of_block(b));
                b = next_free(b);
            }
        }
        largest
    }

    /// Frees every allocation at once: each region becomes one free block
    /// again. O(regions + block-start map words) (plus O(capacity) with
    /// [scrubbing](Self::set_scrub)). Pointers handed out before must not be
    /// used afterwards. The policy, guard and scrub settings are kept; the
    /// high-water mark restarts from zero.
    pub fn reset(&mut self) {
        for bin in self.index.nonempty() {
            self.heads[bin.index()] = ptr::null_mut();
        }
        self.index = BinIndex::new();
        self.free_blocks = 0;
        self.in_use = 0;
        self.live = 0;
        self.counters.high_water = 0;
        let mut cur = self.areas;
        while !cur.is_null() {
            // SAFETY: `cur` is a live area header of this pool.
            let area = unsafe { &mut *cur };
            area.reset();
            let first = area.base.cast::<Hdr>();
            // SAFETY: the first block is free, spans the area and is on no
            // list.
            unsafe {
                self.push_free(first, area.len - G);
                if self.scrub {
                    scrub_free_payload(first, area.len - G);
                }
            }
            cur = area.next;
        }
    }

    /// Whether free memory is kept filled with [`SCRUB_BYTE`](Self::SCRUB_BYTE).
    pub fn scrub(&self) -> bool {
        self.scrub
    }

    /// Switches scrubbing on or off. With it on, every byte of free memory
    /// beyond the free blocks' headers and links holds
    /// [`SCRUB_BYTE`](Self::SCRUB_BYTE), so [`dump`](Self::dump) can show
    /// free memory and stale data does not linger: switching it on fills
    /// all free memory (O(free bytes)), each free fills the freed block, and
    /// [`reset`](Self::reset) and [`add_region`](Self::add_region) fill
    /// their whole regions.
    pub fn set_scrub(&mut self, on: bool) {
        if on && !self.scrub {
            let mut cur = self.areas;
            while !cur.is_null() {
                // SAFETY: `cur` is a live area header of this pool.
                let area = unsafe { &*cur };
                let mut b = area.base.cast::<Hdr>();
                loop {
                    // SAFETY: walking an area's blocks by their sizes stays
                    // on headers until the sentinel (size 0).
                    let (size, free) = unsafe { (size_of_block(b), (*b).size & FREE != 0) };
                    if size == 0 {
                        break;
                    }
                    if free {
                        // SAFETY: `b` is a free block of `size` bytes.
                        unsafe { scrub_free_payload(b, size) };
                    }
                    // SAFETY: as above.
                    b = unsafe { b.byte_add(size) };
                }
                cur = area.next;
            }
        }
        self.scrub = on;
        self.refresh_slow();
    }

    /// The live allocations in address order, with their usable sizes.
    pub fn iter_allocated(&self) -> LiveAllocations<'_> {
        LiveAllocations::new(self.areas, self.lead, self.guard != 0)
    }

    /// Calls `f` with each live allocation and its usable size, in address
    /// order, until it returns [`ControlFlow::Break`].
    ///
    /// ```
    /// use core::{mem::MaybeUninit, ops::ControlFlow};
    /// use poolalloc::{VarPool, region::Region};
    ///
    /// let mut memory = [MaybeUninit::<u8>::uninit(); 2048];
    /// let mut pool = VarPool::new(Region::new(&mut memory)).unwrap();
    /// let ptrs: Vec<_> = (1..=5).map(|i| pool.alloc(i * 10, 8).unwrap()).collect();
    /// let mut seen = 0;
    /// let found = pool.for_each_allocated(|ptr, size| {
    ///     seen += 1;
    ///     assert!(size >= 10 * seen);
    ///     if ptr == ptrs[2] { ControlFlow::Break(ptr) } else { ControlFlow::Continue(()) }
    /// });
    /// assert_eq!(found, ControlFlow::Break(ptrs[2]));
    /// assert_eq!(seen, 3);
    /// ```
    pub fn for_each_allocated<B>(
        &self,
        mut f: impl FnMut(NonNull<u8>, usize) -> ControlFlow<B>,
    ) -> ControlFlow<B> {
        for (ptr, size) in self.iter_allocated() {
            f(ptr, size)?;
        }
        ControlFlow::Continue(())
    }

    /// Records that a block starts at `b` in the block-start map.
    ///
    /// # Safety
    ///
    /// `b` is a granule of one of the pool's block areas.
    #[inline(always)]
    unsafe fn mark_start(&mut self, b: *mut Hdr) {
        let (base, bits) = self.area_of(b.addr());
        // SAFETY: `b` lies in the area whose map is `bits`.
        unsafe { set_bit(bits, b.addr() - base.addr()) };
    }

    /// Records that no block starts at `b` any more.
    ///
    /// # Safety
    ///
    /// As [`mark_start`](Self::mark_start).
    #[inline(always)]
    unsafe fn unmark_start(&mut self, b: *mut Hdr) {
        let (base, bits) = self.area_of(b.addr());
        // SAFETY: as in `mark_start`.
        unsafe { clear_bit(bits, b.addr() - base.addr()) };
    }

    /// Makes `area` the lookup hint.
    #[inline]
    fn set_hint(&mut self, area: *mut Area) {
        // SAFETY: `area` is a live area header of this pool.
        let a = unsafe { &*area };
        self.hint = area;
        self.hint_base = a.base;
        self.hint_len = a.len;
        self.hint_bits = a.bits;
    }

    /// The base and block-start map of the area holding `addr`, which the caller
    /// knows is in the pool; updates the hint.
    #[inline(always)]
    fn area_of(&mut self, addr: usize) -> (*mut u8, *mut u64) {
        if addr.wrapping_sub(self.hint_base.addr()) < self.hint_len {
            return (self.hint_base, self.hint_bits);
        }
        self.area_of_slow(addr)
    }

    #[cold]
    #[inline(never)]
    fn area_of_slow(&mut self, addr: usize) -> (*mut u8, *mut u64) {
        match self.find(addr) {
            Some(area) => self.set_hint(area),
            None => unreachable!("a block address outside the pool"),
        }
        (self.hint_base, self.hint_bits)
    }

    /// The area whose block area holds `addr`.
    fn find(&self, addr: usize) -> Option<*mut Area> {
        if addr.wrapping_sub(self.hint_base.addr()) < self.hint_len {
            return Some(self.hint);
        }
        let mut cur = self.areas;
        while !cur.is_null() {
            // SAFETY: `cur` is a live area header of this pool.
            let area = unsafe { &*cur };
            if area.holds(addr) {
                return Some(cur);
            }
            if area.base_addr() > addr {
                return None;
            }
            cur = area.next;
        }
        None
    }
}

/// The used block whose allocation is at byte offset `off` of the block
/// area at `base` with block-start map `bits`, when there is one: `off` is
/// granule-aligned, a block starts `lead` bytes before it, and that block's
/// header (trusted because the map says it is one) says it is used.
///
/// # Safety
///
/// `base` and `bits` are a live area's, and `off` is less than its length.
#[inline(always)]
unsafe fn live_at(base: *mut u8, bits: *mut u64, off: usize, lead: usize) -> Option<*mut Hdr> {
    if off & (G - 1) != 0 || off < lead {
        return None;
    }
    let start = off - lead;
    let g = start >> G_SHIFT;
    // SAFETY: `start < off`, inside the area, so its word is in the map.
    if unsafe { *bits.add(g / 64) } & (1 << (g % 64)) == 0 {
        return None;
    }
    // SAFETY: a set bit marks a block start, whose header is the pool's.
    let b = unsafe { base.add(start).cast::<Hdr>() };
    // SAFETY: as above.
    if unsafe { (*b).size } & FREE != 0 {
        return None;
    }
    Some(b)
}

/// Fills the payload of free block `b` beyond its links.
///
/// # Safety
///
/// `b` is a free block of `size` bytes.
unsafe fn scrub_free_payload(b: *mut Hdr, size: usize) {
    // SAFETY: the bytes past the links are the block's and unused.
    unsafe {
        b.cast::<u8>()
            .add(MIN_BLOCK)
            .write_bytes(VarPool::SCRUB_BYTE, size - MIN_BLOCK)
    };
}

#[cfg(test)]
mod tests;
