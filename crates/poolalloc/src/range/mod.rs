//! [`RangePool`]: variable-size allocation over offsets `[0, len)`, with
//! every byte of metadata outside the managed range.
//!
//! A range pool hands out offsets, not pointers, and never reads or writes
//! the memory it manages: it suits memory that must not be written to
//! (GPU heaps, mapped files, shared memory) and byte-exact accounting (a
//! pool of `N` bytes with granularity 1 holds allocations that add up to
//! exactly `N`).
//!
//! - Sizes and offsets are multiples of a power-of-two *granularity*; a
//!   request is rounded up to it, and a request of zero bytes gets one
//!   granule, so two allocations never share an offset.
//! - `alloc` and `free` are O(1): free ranges sit in the two-level
//!   segregated-fit bins of the TLSF engine, a free coalesces at once with
//!   both neighbours, and an aligned request splits its leading gap off as
//!   a free range. When no bin is certain to fit, `alloc` searches the
//!   size classes that might before giving up, so it fails only when no
//!   free range can hold the request.
//! - An [`Allocation`] handle carries its node and a generation: [`free`]
//!   refuses a stale handle or one from another pool with an exact error.
//!   [`free_at`] frees by offset through a hash table of live start offsets
//!   and refuses unknown, interior and already freed offsets.
//! - The metadata lives in [`Node`]s, from a caller's slice or array
//!   (fixed, `no_std`, no heap) or a `Vec` that grows (feature `alloc`). A
//!   pool with `L` live allocations needs at most
//!   [`nodes_for(L)`](nodes_for) `= 2L + 1` nodes. When nodes
//!   run out, the operation fails and nothing changes.
//!
//! ```
//! use poolalloc::{RangeError, range::{Node, RangePool}};
//!
//! let mut nodes = [Node::EMPTY; 16];
//! let mut pool = RangePool::new(1000, 1, &mut nodes[..]).unwrap();
//!
//! let a = pool.alloc(600, 1).unwrap();
//! let b = pool.alloc(400, 1).unwrap(); // 600 + 400 = 1000: the pool is full.
//! assert_eq!((a.offset(), b.offset(), b.size()), (0, 600, 400));
//! assert_eq!(pool.alloc(1, 1), Err(RangeError::OutOfSpace { size: 1, align: 1 }));
//!
//! assert_eq!(pool.free(a), Ok(600));
//! assert_eq!(pool.free(a), Err(RangeError::Stale));
//! assert_eq!(pool.free_at(600), Ok(400));
//! assert_eq!(pool.free_at(600), Err(RangeError::NotAllocated { offset: 600 }));
//! pool.check().unwrap();
//! ```
//!
//! Alignment is of the offset: offset 0 satisfies every alignment, so a
//! pool whose base address is aligned to `A` hands out addresses aligned to
//! any alignment up to `A`.
//!
//! [`free`]: RangePool::free
//! [`free_at`]: RangePool::free_at

mod check;
mod dump;
mod iter;
mod lists;
mod nodes;
mod offsets;

pub use iter::{RangeInfo, Ranges};
pub use nodes::{MAX_NODES, Node, NodeStorage};

use crate::error::RangeError;
use crate::region::align_up;
use crate::seg_fit::{BIN_COUNT, Bin, BinIndex};
use crate::stats::{ByteStats, Counters};
use core::fmt;
use nodes::{NIL, State};
use portable_atomic::{AtomicUsize, Ordering};

/// The source of pool identities, which handles carry.
static NEXT_POOL_ID: AtomicUsize = AtomicUsize::new(0);

/// The number of nodes that a [`RangePool`] needs so that `live`
/// allocations never fail for lack of nodes: one per allocation and one per
/// free range, and there is at most one free range more than allocations
/// since no two free ranges touch. Resizing in place needs no more.
///
/// ```
/// use poolalloc::range::{Node, RangePool, nodes_for};
///
/// let mut pool = RangePool::new(1000, 1, [Node::EMPTY; nodes_for(3)]).unwrap();
/// let _a = pool.alloc(10, 1).unwrap();
/// let _b = pool.alloc(10, 64).unwrap();
/// let _c = pool.alloc(10, 512).unwrap();
/// // a, gap, b, gap, c, tail: six of the seven nodes.
/// assert_eq!((pool.nodes_in_use(), pool.node_capacity()), (6, 7));
/// ```
pub const fn nodes_for(live: usize) -> usize {
    live.saturating_mul(2).saturating_add(1)
}

/// A live allocation of a [`RangePool`]: where it is, how long it is, and
/// which node and generation of which pool it was issued by.
///
/// A handle is `Copy`: the offset and size, the index of the allocation's
/// node, the node's 64-bit generation when the handle was issued, and the
/// identity of the pool. It goes stale when the allocation is freed (by
/// handle or by offset), resized through another copy, or when the pool is
/// reset (each bumps the generation); the pool then refuses it with
/// [`RangeError::Stale`], and a pool refuses another pool's handle with
/// [`RangeError::Foreign`]. Pool identities come from a global counter, so
/// they repeat only after `2^usize::BITS` pools have been created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Allocation {
    offset: usize,
    size: usize,
    generation: u64,
    pool: usize,
    node: u32,
}

impl Allocation {
    /// The start offset, a multiple of the pool's granularity and of the
    /// requested alignment.
    #[inline]
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The size in bytes: the request rounded up to the granularity (one
    /// granule for a request of zero).
    #[inline]
    pub fn size(&self) -> usize {
        self.size
    }

    /// The offset just past the end: `offset + size`.
    #[inline]
    pub fn end(&self) -> usize {
        self.offset + self.size
    }

    /// The bytes the allocation covers.
    #[inline]
    pub fn range(&self) -> core::ops::Range<usize> {
        self.offset..self.end()
    }
}

/// Variable-size allocation of offsets `[0, len)`, with its metadata in a
/// [`NodeStorage`] `S`.
///
/// `S` is `&mut [Node]` or `[Node; N]` for a fixed number of nodes, or
/// with feature `alloc` `Box<[Node]>` (fixed) or `Vec<Node>` (growing).
/// The pool itself also holds one list head per size bin (a few
/// kilobytes), so keep it in a `static` or on the heap on small stacks.
pub struct RangePool<S: NodeStorage> {
    storage: S,
    /// The number of nodes in use from the storage.
    cap: usize,
    /// The length, in granules.
    units: usize,
    /// log2 of the granularity.
    shift: u32,
    id: usize,
    /// The range at offset 0.
    first: u32,
    vacant_head: u32,
    vacant: usize,
    bins: BinIndex,
    heads: [u32; BIN_COUNT],
    /// Granules held by live allocations.
    in_use: usize,
    live: usize,
    free_ranges: usize,
    /// Counts, with the high-water mark in bytes.
    counters: Counters,
    growth_events: u64,
}

impl<S: NodeStorage> fmt::Debug for RangePool<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RangePool")
            .field("capacity", &self.capacity())
            .field("granularity", &self.granularity())
            .field("in_use", &self.in_use())
            .field("live", &self.live)
            .field("free_ranges", &self.free_ranges)
            .field("node_capacity", &self.cap)
            .field("nodes_in_use", &self.nodes_in_use())
            .finish()
    }
}

impl<S: NodeStorage> RangePool<S> {
    /// A pool of `len` bytes in which every offset and size is a multiple
    /// of `granularity`, with its metadata in `storage`. All of it is free.
    ///
    /// The pool uses at most [`MAX_NODES`] nodes of the storage and resets
    /// every node it uses: O(nodes).
    ///
    /// ```
    /// use poolalloc::range::{Node, RangePool};
    ///
    /// // Fixed metadata, owned: room for 31 live allocations.
    /// let pool = RangePool::new(1 << 20, 256, [Node::EMPTY; 63]).unwrap();
    /// assert_eq!((pool.capacity(), pool.granularity(), pool.node_capacity()), (1 << 20, 256, 63));
    /// ```
    ///
    /// # Errors
    ///
    /// [`RangeError::BadGranularity`] when `granularity` is not a power of
    /// two; [`RangeError::BadLength`] when `len` is zero or not a multiple
    /// of it; [`RangeError::NodesExhausted`] when the storage has no node
    /// and cannot grow.
    pub fn new(len: usize, granularity: usize, storage: S) -> Result<Self, RangeError> {
        if !granularity.is_power_of_two() {
            return Err(RangeError::BadGranularity { granularity });
        }
        if len == 0 || len % granularity != 0 {
            return Err(RangeError::BadLength { len, granularity });
        }
        let mut pool = RangePool {
            storage,
            cap: 0,
            units: len >> granularity.trailing_zeros(),
            shift: granularity.trailing_zeros(),
            id: NEXT_POOL_ID.fetch_add(1, Ordering::Relaxed),
            first: NIL,
            vacant_head: NIL,
            vacant: 0,
            bins: BinIndex::new(),
            heads: [NIL; BIN_COUNT],
            in_use: 0,
            live: 0,
            free_ranges: 0,
            counters: Counters::default(),
            growth_events: 0,
        };
        let cap = pool.storage.nodes().len().min(MAX_NODES);
        pool.adopt(cap);
        if !pool.reserve(1) {
            return Err(RangeError::NodesExhausted);
        }
        pool.init_whole();
        Ok(pool)
    }

    /// Makes `[0, len)` one free range. The pool has no range and at least
    /// one vacant node.
    fn init_whole(&mut self) {
        let whole = self.take_vacant(0);
        self.first = whole;
        self.bin_insert(whole);
        self.free_ranges = 1;
    }

    /// The number of bytes the pool manages: its `len`.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.units << self.shift
    }

    /// The granularity: every offset and size is a multiple of it.
    #[inline]
    pub fn granularity(&self) -> usize {
        1 << self.shift
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

    /// Bytes held by live allocations.
    #[inline]
    pub fn in_use(&self) -> usize {
        self.in_use << self.shift
    }

    /// Bytes in free ranges: `capacity() - in_use()`.
    #[inline]
    pub fn available(&self) -> usize {
        (self.units - self.in_use) << self.shift
    }

    /// The number of nodes the pool can use now (a growing storage may add
    /// more).
    #[inline]
    pub fn node_capacity(&self) -> usize {
        self.cap
    }

    /// The number of nodes describing ranges: live allocations plus free
    /// ranges.
    #[inline]
    pub fn nodes_in_use(&self) -> usize {
        self.cap - self.vacant
    }

    /// The node storage.
    #[inline]
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// Gives the node storage back.
    pub fn into_storage(self) -> S {
        self.storage
    }

    /// Granules for a request of `size` bytes: rounded up, at least one.
    #[inline]
    fn units_for(&self, size: usize) -> usize {
        let units = (size >> self.shift) + usize::from(size & (self.granularity() - 1) != 0);
        units.max(1)
    }

    /// Allocates `size` bytes at an offset that is a multiple of `align`.
    ///
    /// O(1) good fit: the head of the first non-empty size class whose
    /// every range holds the request plus its worst-case alignment gap.
    /// When no such class exists, the classes below it that may still hold
    /// the request (the request's own class, and with alignment the ones a
    /// well-placed range could serve from) are searched range by range,
    /// O(free ranges in them), so a request fails only when no free range
    /// can hold it: a pool of `N` bytes takes allocations that add up to
    /// exactly `N`.
    ///
    /// The size is rounded up to the granularity; zero bytes get one
    /// granule, so that every allocation has an offset of its own. `align`
    /// may be any power of two: below the granularity it changes nothing,
    /// and above the pool's length only offset 0 satisfies it.
    ///
    /// ```
    /// use poolalloc::{RangeError, range::{Node, RangePool}};
    ///
    /// let mut pool = RangePool::new(4096, 16, [Node::EMPTY; 8]).unwrap();
    /// let a = pool.alloc(1, 1).unwrap();
    /// let b = pool.alloc(100, 256).unwrap();
    /// assert_eq!((a.offset(), a.size()), (0, 16));
    /// assert_eq!((b.offset(), b.size()), (256, 112));
    /// // The gap [16, 256) stayed free.
    /// assert_eq!(pool.stats().free_blocks, 2);
    /// assert_eq!(pool.alloc(8, 3), Err(RangeError::BadAlignment { align: 3 }));
    /// ```
    ///
    /// # Errors
    ///
    /// [`RangeError::BadAlignment`] when `align` is not a power of two;
    /// [`RangeError::TooLarge`] when the rounded size exceeds the pool;
    /// [`RangeError::OutOfSpace`] when no free range holds it;
    /// [`RangeError::NodesExhausted`] when the split needs a node (one for
    /// a leading gap, one for a remainder) and none is left. The pool is
    /// unchanged on error (a growing storage may have grown); all but
    /// `BadAlignment` count as failed allocations.
    pub fn alloc(&mut self, size: usize, align: usize) -> Result<Allocation, RangeError> {
        if !align.is_power_of_two() {
            return Err(RangeError::BadAlignment { align });
        }
        let units = self.units_for(size);
        if units > self.units {
            self.counters.failed();
            return Err(RangeError::TooLarge { size });
        }
        let align_units = (align >> self.shift).max(1);
        let Some((f, start)) = self.find_free(units, align_units) else {
            self.counters.failed();
            return Err(RangeError::OutOfSpace {
                size: units << self.shift,
                align,
            });
        };
        let gap = start - self.node(f).start;
        let tail = self.end_of(f) - (start + units);
        let needed = usize::from(gap > 0) + usize::from(tail > 0);
        if !self.reserve(needed) {
            self.counters.failed();
            return Err(RangeError::NodesExhausted);
        }
        self.bin_remove(f);
        if gap > 0 {
            let g = self.take_vacant(self.node(f).start);
            self.link_before(f, g);
            self.node_mut(f).start = start;
            self.bin_insert(g);
        }
        if tail > 0 {
            let t = self.take_vacant(start + units);
            self.link_after(f, t);
            self.bin_insert(t);
        }
        self.node_mut(f).state = State::Used;
        offsets::insert(self.slots_mut(), f);
        self.free_ranges = self.free_ranges + needed - 1;
        self.in_use += units;
        self.live += 1;
        self.counters.allocated(self.in_use << self.shift);
        Ok(self.handle(f))
    }

    /// The handle of live allocation `i`.
    fn handle(&self, i: u32) -> Allocation {
        let node = self.node(i);
        Allocation {
            offset: node.start << self.shift,
            size: self.size_of(i) << self.shift,
            generation: node.generation,
            pool: self.id,
            node: i,
        }
    }

    /// A free range that holds `units` granules at a multiple of
    /// `align_units`, and that aligned start.
    fn find_free(&self, units: usize, align_units: usize) -> Option<(u32, usize)> {
        // Good fit: any range of a class at or above the request plus the
        // worst-case alignment gap fits, so take the head of the first.
        let worst = units.checked_add(align_units - 1);
        if let Some(bin) = worst
            .filter(|&worst| worst <= self.units)
            .and_then(Bin::for_request)
            .and_then(|request| self.bins.first_at_or_after(request))
        {
            let head = self.heads[bin.index()];
            return Some((head, align_up(self.node(head).start, align_units)?));
        }
        // No class is certain to fit: search the classes that may, from
        // the request's own upwards (those above the good-fit class are
        // empty).
        let mut from = Bin::for_block(units);
        loop {
            let bin = self.bins.first_at_or_after(from)?;
            let mut i = self.heads[bin.index()];
            while i != NIL {
                if let Some(start) = align_up(self.node(i).start, align_units) {
                    if start
                        .checked_add(units)
                        .is_some_and(|end| end <= self.end_of(i))
                    {
                        return Some((i, start));
                    }
                }
                i = self.node(i).link_next;
            }
            from = Bin::for_request(bin.min_units().checked_add(1)?)?;
        }
    }

    /// Frees an allocation by handle, in O(1); returns its size in bytes.
    ///
    /// # Errors
    ///
    /// [`RangeError::Foreign`] for a handle of another pool;
    /// [`RangeError::Stale`] for a handle whose allocation was freed,
    /// resized through another copy, or reset. The pool is untouched on
    /// error.
    pub fn free(&mut self, allocation: Allocation) -> Result<usize, RangeError> {
        let i = self.live_node(&allocation)?;
        Ok(self.release(i))
    }

    /// Frees the allocation starting at `offset`, in O(1) expected (a hash
    /// table lookup); returns its size in bytes. This is what a
    /// pointer-based API needs.
    ///
    /// A refused offset costs O(ranges), to name the exact error.
    ///
    /// ```
    /// use poolalloc::{RangeError, range::{Node, RangePool}};
    ///
    /// let mut pool = RangePool::new(256, 8, [Node::EMPTY; 8]).unwrap();
    /// let a = pool.alloc(20, 1).unwrap();
    /// assert_eq!(pool.free_at(a.offset() + 8), Err(RangeError::Interior { offset: 8, start: 0 }));
    /// assert_eq!(pool.free_at(256), Err(RangeError::OutOfBounds { offset: 256 }));
    /// assert_eq!(pool.free_at(a.offset()), Ok(24));
    /// assert_eq!(pool.free_at(a.offset()), Err(RangeError::NotAllocated { offset: 0 }));
    /// ```
    ///
    /// # Errors
    ///
    /// [`RangeError::OutOfBounds`] when `offset` is not below the pool's
    /// length; [`RangeError::Interior`] when it is inside a live
    /// allocation but not at its start; [`RangeError::NotAllocated`] when
    /// it is in free space (never allocated, or a double free). The pool is
    /// untouched on error.
    pub fn free_at(&mut self, offset: usize) -> Result<usize, RangeError> {
        match self.live_at(offset) {
            Some(i) => Ok(self.release(i)),
            None => Err(self.not_live(offset)),
        }
    }

    /// The node of the live allocation starting at byte `offset`.
    fn live_at(&self, offset: usize) -> Option<u32> {
        if offset & (self.granularity() - 1) != 0 || offset >> self.shift >= self.units {
            return None;
        }
        offsets::find(self.slots(), offset >> self.shift)
    }

    /// Why no live allocation starts at `offset`.
    #[cold]
    fn not_live(&self, offset: usize) -> RangeError {
        match self.range_containing(offset) {
            None => RangeError::OutOfBounds { offset },
            Some(range) if range.used => RangeError::Interior {
                offset,
                start: range.offset,
            },
            Some(_) => RangeError::NotAllocated { offset },
        }
    }

    /// The node of a live handle of this pool.
    fn live_node(&self, allocation: &Allocation) -> Result<u32, RangeError> {
        if allocation.pool != self.id {
            return Err(RangeError::Foreign);
        }
        let node = self
            .slots()
            .get(allocation.node as usize)
            .ok_or(RangeError::Stale)?;
        if node.state != State::Used || node.generation != allocation.generation {
            return Err(RangeError::Stale);
        }
        debug_assert_eq!(node.start << self.shift, allocation.offset);
        Ok(allocation.node)
    }

    /// Frees live allocation `i` and coalesces it with free neighbours;
    /// returns the bytes freed.
    fn release(&mut self, i: u32) -> usize {
        let size = self.size_of(i);
        let start = self.node(i).start;
        offsets::remove(self.slots_mut(), start);
        self.retire(i);
        self.in_use -= size;
        self.live -= 1;
        self.counters.freed();
        self.free_ranges += 1;
        let mut merged = i;
        let prev = self.node(i).prev;
        if prev != NIL && self.node(prev).state == State::Free {
            self.bin_remove(prev);
            self.unlink(i);
            self.put_vacant(i);
            self.free_ranges -= 1;
            merged = prev;
        }
        let next = self.node(merged).next;
        if next != NIL && self.node(next).state == State::Free {
            self.bin_remove(next);
            self.unlink(next);
            self.put_vacant(next);
            self.free_ranges -= 1;
        }
        self.bin_insert(merged);
        size << self.shift
    }

    /// Ends the identity of live node `i`: its handles go stale.
    #[inline]
    fn retire(&mut self, i: u32) {
        let node = self.node_mut(i);
        node.generation = node.generation.wrapping_add(1);
    }

    /// Gives resized allocation `i` a new identity and writes its new
    /// handle to `allocation`.
    fn resized(&mut self, allocation: &mut Allocation, i: u32) {
        self.retire(i);
        *allocation = self.handle(i);
    }

    /// Grows an allocation in place to `new_size` bytes (rounded up to the
    /// granularity) by taking the start of the free range right after it.
    /// Returns `false`, changing nothing, when that range is missing or too
    /// short: the caller then allocates elsewhere and moves the data.
    ///
    /// On success `allocation` is updated; other copies of it go stale.
    ///
    /// ```
    /// use poolalloc::range::{Node, RangePool};
    ///
    /// let mut pool = RangePool::new(100, 1, [Node::EMPTY; 8]).unwrap();
    /// let mut a = pool.alloc(10, 1).unwrap();
    /// assert_eq!(pool.grow_in_place(&mut a, 60), Ok(true));
    /// assert_eq!(a.size(), 60);
    /// let _b = pool.alloc(40, 1).unwrap();
    /// assert_eq!(pool.grow_in_place(&mut a, 61), Ok(false));
    /// ```
    ///
    /// # Errors
    ///
    /// [`RangeError::Foreign`] or [`RangeError::Stale`] for a bad handle;
    /// [`RangeError::WrongResize`] when `new_size` is smaller than the
    /// allocation.
    pub fn grow_in_place(
        &mut self,
        allocation: &mut Allocation,
        new_size: usize,
    ) -> Result<bool, RangeError> {
        let i = self.live_node(allocation)?;
        let size = self.size_of(i);
        let units = self.units_for(new_size);
        if units < size {
            return Err(RangeError::WrongResize {
                size: size << self.shift,
                new_size,
            });
        }
        if units == size {
            return Ok(true);
        }
        let extra = units - size;
        let next = self.node(i).next;
        if next == NIL || self.node(next).state != State::Free || self.size_of(next) < extra {
            return Ok(false);
        }
        self.bin_remove(next);
        if self.size_of(next) == extra {
            self.unlink(next);
            self.put_vacant(next);
            self.free_ranges -= 1;
        } else {
            self.node_mut(next).start += extra;
            self.bin_insert(next);
        }
        self.in_use += extra;
        let in_use = self.in_use << self.shift;
        if in_use > self.counters.high_water {
            self.counters.high_water = in_use;
        }
        self.resized(allocation, i);
        Ok(true)
    }

    /// Shrinks an allocation in place to `new_size` bytes (rounded up to
    /// the granularity, at least one granule); the released tail joins the
    /// free range after it or becomes one. Returns `false`, changing
    /// nothing, when that needs a node and none is left: the allocation
    /// simply keeps its size.
    ///
    /// On success `allocation` is updated; other copies of it go stale.
    ///
    /// ```
    /// use poolalloc::range::{Node, RangePool};
    ///
    /// let mut pool = RangePool::new(100, 1, [Node::EMPTY; 8]).unwrap();
    /// let mut a = pool.alloc(100, 1).unwrap();
    /// assert_eq!(pool.shrink_in_place(&mut a, 30), Ok(true));
    /// assert_eq!((a.size(), pool.available()), (30, 70));
    /// ```
    ///
    /// # Errors
    ///
    /// [`RangeError::Foreign`] or [`RangeError::Stale`] for a bad handle;
    /// [`RangeError::WrongResize`] when `new_size` is larger than the
    /// allocation.
    pub fn shrink_in_place(
        &mut self,
        allocation: &mut Allocation,
        new_size: usize,
    ) -> Result<bool, RangeError> {
        let i = self.live_node(allocation)?;
        let size = self.size_of(i);
        let units = self.units_for(new_size);
        if units > size {
            return Err(RangeError::WrongResize {
                size: size << self.shift,
                new_size,
            });
        }
        if units == size {
            return Ok(true);
        }
        let released = size - units;
        let next = self.node(i).next;
        if next != NIL && self.node(next).state == State::Free {
            self.bin_remove(next);
            self.node_mut(next).start -= released;
            self.bin_insert(next);
        } else {
            if !self.reserve(1) {
                return Ok(false);
            }
            let t = self.take_vacant(self.node(i).start + units);
            self.link_after(i, t);
            self.bin_insert(t);
            self.free_ranges += 1;
        }
        self.in_use -= released;
        self.resized(allocation, i);
        Ok(true)
    }

    /// The live allocation starting at `offset`, as a handle: O(1)
    /// expected. What a pointer-based `realloc` needs to learn a block's
    /// size and resize it.
    pub fn allocation_at(&self, offset: usize) -> Option<Allocation> {
        self.live_at(offset).map(|i| self.handle(i))
    }

    /// Whether `offset` lies in the managed range `[0, len)`.
    #[inline]
    pub fn contains_offset(&self, offset: usize) -> bool {
        offset < self.capacity()
    }

    /// Frees every allocation: the pool becomes one free range again and
    /// every handle issued before goes stale. O(ranges). The high-water
    /// mark restarts; the event counts go on.
    pub fn reset(&mut self) {
        let mut i = self.first;
        while i != NIL {
            let next = self.node(i).next;
            if self.node(i).state == State::Used {
                let start = self.node(i).start;
                offsets::remove(self.slots_mut(), start);
                self.retire(i);
            }
            self.put_vacant(i);
            i = next;
        }
        for bin in self.bins.nonempty() {
            self.heads[bin.index()] = NIL;
        }
        self.bins = BinIndex::new();
        self.in_use = 0;
        self.live = 0;
        self.counters.high_water = 0;
        self.init_whole();
    }

    /// A snapshot of the pool's statistics, in bytes. `free_blocks` counts
    /// free ranges and `growth_events` the times the node storage grew.
    /// O(free ranges in the largest size class), to find the largest.
    pub fn stats(&self) -> ByteStats {
        ByteStats {
            capacity: self.capacity(),
            in_use: self.in_use(),
            free: self.available(),
            largest_free: self.largest_free() << self.shift,
            free_blocks: self.free_ranges,
            live_allocations: self.live,
            high_water: self.counters.high_water,
            allocations: self.counters.allocations,
            frees: self.counters.frees,
            failed_allocations: self.counters.failed_allocations,
            growth_events: self.growth_events,
        }
    }

    /// The size of the largest free range, in granules.
    fn largest_free(&self) -> usize {
        let Some(bin) = self.bins.last() else {
            return 0;
        };
        let mut largest = 0;
        let mut i = self.heads[bin.index()];
        while i != NIL {
            largest = largest.max(self.size_of(i));
            i = self.node(i).link_next;
        }
        largest
    }
}

#[cfg(test)]
mod tests;
