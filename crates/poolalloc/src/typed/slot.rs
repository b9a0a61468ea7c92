//! Slots and the chunks of memory that hold them.
//!
//! A slot is a value followed by two `u32` cells: its stamp (even when
//! free, odd when occupied; bumped at each change) and its state (see
//! [`state`]). Slots sit `stride` bytes apart in a chunk, so that a larger
//! alignment than the value's own can be honoured at run time. Chunks are
//! zeroed on allocation, which makes every slot free, empty and unused
//! without touching it.

use super::MAX_SLOTS;
use super::error::ConfigError;
use alloc::alloc::{Layout, alloc_zeroed, dealloc};
use core::cell::{Cell, UnsafeCell};
use core::marker::PhantomData;
use core::mem::{MaybeUninit, align_of, size_of};
use core::ptr::{NonNull, addr_of};

/// Meanings of a slot's state cell.
pub(crate) mod state {
    /// Occupied and reached by keys; or free and holding no value.
    pub(crate) const KEYED_OR_EMPTY: u32 = 0;
    /// Free, holding a value kept by the reset hook or pre-initialization.
    pub(crate) const RETAINED: u32 = 1;
    /// Occupied and being released (or removed): reached by no key and no
    /// `Weak`.
    pub(crate) const EXCLUSIVE: u32 = u32::MAX;
    /// The state of a slot occupied by an `Owned` handle: its index,
    /// inverted, which is never 0 (indices are below `u32::MAX`). Keys
    /// need state 0 and so never reach it; no `Weak` handle carries the
    /// stamp of an `Owned` occupancy, so the value's range overlapping
    /// the shared counts is harmless. Keeping the index here lets the
    /// handle be two words.
    #[inline(always)]
    pub(crate) const fn owned(index: u32) -> u32 {
        !index
    }
    /// Occupied by `Shared` handles: their count, from 1 to `MAX_SHARED`.
    pub(crate) const MAX_SHARED: u32 = u32::MAX - 1;
}

/// One value and its bookkeeping.
#[repr(C)]
pub(crate) struct Slot<T> {
    value: UnsafeCell<MaybeUninit<T>>,
    stamp: Cell<u32>,
    state: Cell<u32>,
}

/// A pointer to a slot inside a live chunk.
pub(crate) type SlotPtr<T> = NonNull<Slot<T>>;

impl<T> Slot<T> {
    /// The slot's value.
    ///
    /// # Safety
    ///
    /// `slot` must point into a live chunk.
    #[inline(always)]
    pub(crate) unsafe fn value(slot: SlotPtr<T>) -> *mut T {
        // SAFETY: the caller promises a slot in a live chunk; no reference
        // to the slot is made.
        unsafe { UnsafeCell::raw_get(addr_of!((*slot.as_ptr()).value)).cast::<T>() }
    }

    /// The slot's stamp.
    ///
    /// # Safety
    ///
    /// `slot` must point into a chunk that lives for `'a`.
    #[inline(always)]
    pub(crate) unsafe fn stamp<'a>(slot: SlotPtr<T>) -> &'a Cell<u32> {
        // SAFETY: the caller promises the slot lives for `'a`; the cell is
        // only ever accessed through shared references.
        unsafe { &*addr_of!((*slot.as_ptr()).stamp) }
    }

    /// The slot's state.
    ///
    /// # Safety
    ///
    /// `slot` must point into a chunk that lives for `'a`.
    #[inline(always)]
    pub(crate) unsafe fn state<'a>(slot: SlotPtr<T>) -> &'a Cell<u32> {
        // SAFETY: as for `stamp`.
        unsafe { &*addr_of!((*slot.as_ptr()).state) }
    }

    /// Whether the slot holds a value (occupied, or free and retained).
    ///
    /// # Safety
    ///
    /// `slot` must point into a live chunk.
    pub(crate) unsafe fn holds_value(slot: SlotPtr<T>) -> bool {
        // SAFETY: as the caller promises.
        let (stamp, state) = unsafe { (Self::stamp(slot).get(), Self::state(slot).get()) };
        stamp % 2 == 1 || state == state::RETAINED
    }
}

/// The spacing and alignment of slots, fixed for a pool's life.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Geometry {
    /// Bytes from one slot to the next: a multiple of `align`.
    pub(crate) stride: usize,
    /// The alignment of every slot, and so of every value.
    pub(crate) align: usize,
}

impl Geometry {
    /// The geometry for slots of `T` aligned to at least `alignment` (a
    /// power of two).
    pub(crate) fn new<T>(alignment: usize) -> Geometry {
        let align = alignment.max(align_of::<Slot<T>>());
        // `size_of` is a multiple of `align_of`, and both are powers of two,
        // so this is a multiple of both; it cannot overflow, as a type's
        // size is at most `isize::MAX` and `align` at most `MAX_ALIGNMENT`.
        let stride = size_of::<Slot<T>>().next_multiple_of(align);
        Geometry { stride, align }
    }

    /// The layout of a chunk of `len` slots.
    /// The most slots one allocation can hold: [`MAX_SLOTS`], or fewer
    /// where that many would not fit in the address space (on 32-bit
    /// targets, say).
    pub(crate) fn max_len(&self) -> usize {
        // `stride` is a non-zero multiple of `align`, so every multiple of
        // it up to `isize::MAX` is a valid layout size.
        MAX_SLOTS.min(isize::MAX as usize / self.stride)
    }

    pub(crate) fn layout(&self, len: usize) -> Result<Layout, ConfigError> {
        let too_large = ConfigError::CapacityTooLarge { requested: len };
        if len > MAX_SLOTS {
            return Err(too_large);
        }
        let bytes = self.stride.checked_mul(len).ok_or(too_large)?;
        Layout::from_size_align(bytes, self.align).map_err(|_| too_large)
    }
}

/// A heap allocation of `len` slots, freed on drop (without dropping any
/// value: the pool does that first).
pub(crate) struct Chunk<T> {
    base: NonNull<u8>,
    len: usize,
    layout: Layout,
    _slots: PhantomData<Slot<T>>,
}

impl<T> Chunk<T> {
    /// A zeroed chunk of `len >= 1` slots: all free, empty, never used.
    pub(crate) fn new(geometry: Geometry, len: usize) -> Result<Self, ConfigError> {
        debug_assert!(len >= 1);
        let layout = geometry.layout(len)?;
        // SAFETY: the layout's size is at least one stride, which is not
        // zero (a slot holds two `u32` cells).
        let base = unsafe { alloc_zeroed(layout) };
        let base = NonNull::new(base).ok_or(ConfigError::OutOfMemory)?;
        Ok(Chunk {
            base,
            len,
            layout,
            _slots: PhantomData,
        })
    }

    /// The slot at `index`.
    ///
    /// # Safety
    ///
    /// `index` must be below `len`, and `geometry` the one the chunk was
    /// made with.
    #[inline(always)]
    pub(crate) unsafe fn slot(&self, geometry: Geometry, index: usize) -> SlotPtr<T> {
        debug_assert!(index < self.len);
        // SAFETY: as the caller promises, the offset stays inside the
        // chunk's allocation.
        unsafe { self.base.byte_add(index * geometry.stride).cast() }
    }

    /// The address of the first slot.
    pub(crate) fn base(&self) -> NonNull<u8> {
        self.base
    }
}

impl<T> Drop for Chunk<T> {
    fn drop(&mut self) {
        // SAFETY: `base` was allocated with `layout` and not freed since.
        unsafe { dealloc(self.base.as_ptr(), self.layout) }
    }
}
