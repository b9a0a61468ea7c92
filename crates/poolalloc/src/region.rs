//! The memory a pool carves.
//!
//! A [`Region`] is an exclusive borrow of a run of bytes that a pool may use
//! however it likes for as long as the borrow lasts. It can come from:
//!
//! - a mutable slice of uninitialised bytes (safe: [`Region::new`]),
//! - a `static` buffer taken once ([`StaticRegion::take`], safe),
//! - a pointer and a length ([`Region::from_raw_parts`], `unsafe`, with a
//!   documented contract),
//! - a heap allocation owned by a [`HeapRegion`] (feature `alloc`).
//!
//! All alignment arithmetic of the crate lives in this module: [`align_up`]
//! and [`Region::carve`], which takes an aligned piece off the front of a
//! region. Engines never compute an aligned address themselves.
//!
//! ```
//! use core::mem::MaybeUninit;
//! use poolalloc::region::Region;
//!
//! let mut memory = [MaybeUninit::<u8>::uninit(); 256];
//! let mut region = Region::new(&mut memory);
//! let first = region.carve(10, 8).unwrap();
//! assert_eq!(first.as_ptr().addr() % 8, 0);
//! assert!(region.len() <= 256 - 10);
//! ```

use core::fmt;
use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::ptr::NonNull;

/// Rounds `value` up to the next multiple of `align`.
///
/// Returns `None` when `align` is not a power of two or when the result
/// would overflow `usize`.
///
/// ```
/// use poolalloc::region::align_up;
/// assert_eq!(align_up(13, 8), Some(16));
/// assert_eq!(align_up(16, 8), Some(16));
/// assert_eq!(align_up(1, 3), None);
/// assert_eq!(align_up(usize::MAX, 2), None);
/// ```
#[inline]
pub const fn align_up(value: usize, align: usize) -> Option<usize> {
    if !align.is_power_of_two() {
        return None;
    }
    match value.checked_add(align - 1) {
        Some(v) => Some(v & !(align - 1)),
        None => None,
    }
}

/// The number of bytes to add to `addr` to reach a multiple of `align`
/// (a power of two).
#[inline]
const fn padding_for(addr: usize, align: usize) -> usize {
    addr.wrapping_neg() & (align - 1)
}

/// An exclusive borrow of `len` bytes starting at `ptr`, for the lifetime
/// `'a`.
///
/// A `Region` is to a pool what `&'a mut [MaybeUninit<u8>]` is to safe code:
/// nobody else reads or writes the bytes while the region (or the pool built
/// on it) lives. The bytes need not be initialised.
pub struct Region<'a> {
    ptr: NonNull<u8>,
    len: usize,
    _borrow: PhantomData<&'a mut [MaybeUninit<u8>]>,
}

// SAFETY: a `Region` is an exclusive borrow of plain bytes, like
// `&mut [MaybeUninit<u8>]`, which is `Send` and `Sync`.
unsafe impl Send for Region<'_> {}
// SAFETY: as above; `&Region` only exposes the address and the length.
unsafe impl Sync for Region<'_> {}

impl fmt::Debug for Region<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Region")
            .field("start", &self.ptr)
            .field("len", &self.len)
            .finish()
    }
}

impl<'a> Region<'a> {
    /// A region over a mutable slice of (possibly uninitialised) bytes.
    #[inline]
    pub fn new(memory: &'a mut [MaybeUninit<u8>]) -> Self {
        let len = memory.len();
        Region {
            ptr: NonNull::from(memory).cast::<u8>(),
            len,
            _borrow: PhantomData,
        }
    }

    /// A region over `len` bytes starting at `ptr`.
    ///
    /// # Safety
    ///
    /// For the whole lifetime `'a` the caller guarantees that:
    /// - `ptr .. ptr + len` is one live allocation (or a part of one), valid
    ///   for reads and writes, and `ptr + len` does not wrap the address
    ///   space;
    /// - nothing else reads, writes or frees those bytes, except through
    ///   pointers that the pool built on this region hands out;
    /// - the bytes stay where they are (the memory is not moved or resized).
    #[inline]
    pub unsafe fn from_raw_parts(ptr: NonNull<u8>, len: usize) -> Self {
        Region {
            ptr,
            len,
            _borrow: PhantomData,
        }
    }

    /// An empty region at a dangling, well-aligned address.
    #[inline]
    pub const fn empty() -> Self {
        Region {
            ptr: NonNull::dangling(),
            len: 0,
            _borrow: PhantomData,
        }
    }

    /// The first byte of the region.
    #[inline]
    pub const fn start(&self) -> NonNull<u8> {
        self.ptr
    }

    /// The number of bytes in the region.
    #[inline]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether the region holds no bytes.
    #[inline]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The address range `[start, end)` of the region.
    #[inline]
    pub fn addr_range(&self) -> core::ops::Range<usize> {
        let start = self.ptr.as_ptr().addr();
        start..start + self.len
    }

    /// The number of bytes that [`carve`](Self::carve) would skip before an
    /// `align`-aligned piece (a power of two).
    #[inline]
    pub fn padding_for(&self, align: usize) -> usize {
        debug_assert!(align.is_power_of_two());
        padding_for(self.ptr.as_ptr().addr(), align)
    }

    /// Takes `size` bytes aligned to `align` off the front of the region and
    /// returns their start; the region keeps what follows them.
    ///
    /// Returns `None`, leaving the region unchanged, when `align` is not a
    /// power of two or the region is too short.
    pub fn carve(&mut self, size: usize, align: usize) -> Option<NonNull<u8>> {
        if !align.is_power_of_two() {
            return None;
        }
        let pad = self.padding_for(align);
        let used = pad.checked_add(size)?;
        if used > self.len {
            return None;
        }
        // SAFETY: `pad <= used <= len`, so the result lies inside the region
        // (or one past its end when `size == 0` and `pad == len`), and the
        // region does not wrap the address space.
        let piece = unsafe { self.ptr.add(pad) };
        // SAFETY: `used <= len`, as above.
        self.ptr = unsafe { self.ptr.add(used) };
        self.len -= used;
        Some(piece)
    }

    /// The largest number of items of `stride` bytes (with `stride` a
    /// multiple of `align`, a power of two) that fit in the region after the
    /// padding to `align`, each additionally costing `extra_bits` bits of
    /// bookkeeping placed in front of them.
    ///
    /// This is the arithmetic behind sizing a pool to its region: it returns
    /// `(count, bookkeeping_bytes)` where the bookkeeping is a run of `u64`
    /// words placed first.
    pub(crate) fn fit_with_bitmap(&self, stride: usize, align: usize) -> (usize, usize) {
        debug_assert!(stride > 0 && align.is_power_of_two() && stride % align == 0);
        let fits = |count: usize| -> Option<usize> {
            let words = count.div_ceil(64);
            let start = self.ptr.as_ptr().addr();
            let bits_at = padding_for(start, align_of::<u64>());
            let bits_end = bits_at.checked_add(words.checked_mul(8)?)?;
            let blocks_at =
                bits_end.checked_add(padding_for(start.wrapping_add(bits_end), align))?;
            let end = blocks_at.checked_add(count.checked_mul(stride)?)?;
            (end <= self.len).then_some(words * 8)
        };
        // An upper bound: each item costs `stride` bytes plus one bit.
        let bound = ((self.len as u128 * 8) / (stride as u128 * 8 + 1)) as usize;
        let mut count = bound;
        loop {
            if let Some(bytes) = fits(count) {
                return (count, bytes);
            }
            if count == 0 {
                return (0, 0);
            }
            count -= 1;
        }
    }
}

/// A `static` buffer that yields its [`Region`] exactly once.
///
/// This is how a pool gets memory without a heap and without `unsafe`:
///
/// ```
/// use poolalloc::region::StaticRegion;
///
/// static MEMORY: StaticRegion<1024> = StaticRegion::new();
///
/// let region = MEMORY.take().expect("first take");
/// assert_eq!(region.len(), 1024);
/// assert!(MEMORY.take().is_none(), "a static region is handed out once");
/// ```
pub struct StaticRegion<const N: usize> {
    taken: portable_atomic::AtomicBool,
    memory: core::cell::UnsafeCell<[MaybeUninit<u8>; N]>,
}

// SAFETY: the bytes are reached only through the one `Region` that `take`
// hands out; the `taken` flag is atomic, so two threads cannot both take it.
unsafe impl<const N: usize> Sync for StaticRegion<N> {}

impl<const N: usize> StaticRegion<N> {
    /// A buffer of `N` bytes, not yet taken.
    pub const fn new() -> Self {
        StaticRegion {
            taken: portable_atomic::AtomicBool::new(false),
            memory: core::cell::UnsafeCell::new([MaybeUninit::uninit(); N]),
        }
    }

    /// The region over the buffer, the first time; `None` afterwards.
    pub fn take(&'static self) -> Option<Region<'static>> {
        if self.taken.swap(true, portable_atomic::Ordering::AcqRel) {
            return None;
        }
        // SAFETY: the flag was false and is now true, so this is the only
        // call that reaches the buffer, which lives for `'static` and is
        // never moved (it is in a `static`).
        Some(unsafe { Region::from_raw_parts(NonNull::new_unchecked(self.memory.get().cast()), N) })
    }
}

impl<const N: usize> Default for StaticRegion<N> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "alloc")]
pub use heap::HeapRegion;

#[cfg(feature = "alloc")]
mod heap {
    use super::{NonNull, Region};
    use crate::error::RegionError;
    use alloc::alloc::{Layout, alloc, dealloc};

    /// A region on the heap, owned: its memory is freed when it is dropped.
    ///
    /// The memory is held as a raw pointer, never as a `Box`, so moving a
    /// `HeapRegion` (or the pool that owns it) leaves every pointer into it
    /// valid.
    ///
    /// ```
    /// use poolalloc::region::HeapRegion;
    /// let mut heap = HeapRegion::new(4096, 64).unwrap();
    /// let region = heap.region();
    /// assert_eq!(region.len(), 4096);
    /// assert_eq!(region.start().as_ptr().addr() % 64, 0);
    /// ```
    pub struct HeapRegion {
        ptr: NonNull<u8>,
        layout: Layout,
    }

    // SAFETY: a `HeapRegion` owns its bytes exclusively, like a `Box<[u8]>`.
    unsafe impl Send for HeapRegion {}
    // SAFETY: `&HeapRegion` exposes only the address and the length.
    unsafe impl Sync for HeapRegion {}

    impl core::fmt::Debug for HeapRegion {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.debug_struct("HeapRegion")
                .field("start", &self.ptr)
                .field("len", &self.layout.size())
                .field("align", &self.layout.align())
                .finish()
        }
    }

    impl HeapRegion {
        /// Allocates `size` bytes aligned to `align` (a power of two).
        ///
        /// # Errors
        ///
        /// [`RegionError::ZeroSize`] for `size == 0`,
        /// [`RegionError::BadAlignment`] when `align` is not a power of two,
        /// [`RegionError::TooLarge`] when the layout is invalid and
        /// [`RegionError::OutOfMemory`] when the heap refuses.
        pub fn new(size: usize, align: usize) -> Result<Self, RegionError> {
            if size == 0 {
                return Err(RegionError::ZeroSize);
            }
            if !align.is_power_of_two() {
                return Err(RegionError::BadAlignment { align });
            }
            let layout = Layout::from_size_align(size, align).map_err(|_| RegionError::TooLarge)?;
            // SAFETY: `layout` has a non-zero size.
            let ptr = unsafe { alloc(layout) };
            let ptr = NonNull::new(ptr).ok_or(RegionError::OutOfMemory)?;
            Ok(HeapRegion { ptr, layout })
        }

        /// The number of bytes owned.
        pub fn len(&self) -> usize {
            self.layout.size()
        }

        /// Always `false`: a heap region holds at least one byte.
        pub fn is_empty(&self) -> bool {
            false
        }

        /// The region over all the bytes, borrowed from `self`.
        pub fn region(&mut self) -> Region<'_> {
            // SAFETY: `ptr .. ptr + len` is our own live allocation; the
            // returned region borrows `self` mutably, so nothing else reaches
            // the bytes and they are not freed while it lives.
            unsafe { Region::from_raw_parts(self.ptr, self.layout.size()) }
        }

        /// The region over all the bytes, with a lifetime the caller picks.
        ///
        /// # Safety
        ///
        /// The caller must not use the region, or any pointer derived from
        /// it, after this `HeapRegion` is dropped, and must not create two
        /// regions over the same `HeapRegion` that are used at the same time.
        pub unsafe fn region_unbounded<'a>(&self) -> Region<'a> {
            // SAFETY: the allocation is live while `self` is; the caller
            // promises not to outlive it or alias it.
            unsafe { Region::from_raw_parts(self.ptr, self.layout.size()) }
        }
    }

    impl Drop for HeapRegion {
        fn drop(&mut self) {
            // SAFETY: `ptr` came from `alloc(layout)` and is freed once.
            unsafe { dealloc(self.ptr.as_ptr(), self.layout) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn align_up_rounds_and_rejects() {
        assert_eq!(align_up(0, 1), Some(0));
        assert_eq!(align_up(1, 1), Some(1));
        assert_eq!(align_up(1, 64), Some(64));
        assert_eq!(align_up(65, 64), Some(128));
        assert_eq!(align_up(5, 0), None);
        assert_eq!(align_up(5, 6), None);
        assert_eq!(align_up(usize::MAX - 2, 4), None);
    }

    #[test]
    fn carve_aligns_whatever_the_start() {
        let mut memory = [MaybeUninit::<u8>::uninit(); 200];
        for skew in 0..16 {
            let mut region = Region::new(&mut memory[skew..]);
            let before = region.addr_range();
            let piece = region.carve(24, 16).unwrap();
            assert_eq!(piece.as_ptr().addr() % 16, 0);
            assert!(piece.as_ptr().addr() >= before.start);
            assert_eq!(region.addr_range().start, piece.as_ptr().addr() + 24);
            assert_eq!(region.addr_range().end, before.end);
        }
    }

    #[test]
    fn carve_refuses_without_changing_the_region() {
        let mut memory = [MaybeUninit::<u8>::uninit(); 32];
        let mut region = Region::new(&mut memory);
        let before = region.addr_range();
        assert!(region.carve(33, 1).is_none());
        assert!(region.carve(1, 3).is_none());
        assert!(region.carve(usize::MAX, 1).is_none());
        assert_eq!(region.addr_range(), before);
        assert!(region.carve(32, 1).is_some());
        assert!(region.is_empty());
    }

    #[test]
    fn fit_with_bitmap_never_overflows_the_region() {
        let mut memory = [MaybeUninit::<u8>::uninit(); 1000];
        for skew in 0..8 {
            for &(stride, align) in &[(8, 8), (16, 16), (24, 8), (64, 64), (1000, 8)] {
                let region = Region::new(&mut memory[skew..]);
                let (count, bytes) = region.fit_with_bitmap(stride, align);
                assert_eq!(bytes, count.div_ceil(64) * 8);
                let mut r = Region::new(&mut memory[skew..]);
                assert!(r.carve(bytes, 8).is_some());
                assert!(
                    r.carve(count * stride, align).is_some(),
                    "{stride} {align} {skew}"
                );
            }
        }
    }

    #[test]
    fn static_region_is_taken_once() {
        static MEM: StaticRegion<64> = StaticRegion::new();
        let r = MEM.take().unwrap();
        assert_eq!(r.len(), 64);
        assert!(MEM.take().is_none());
    }
}
