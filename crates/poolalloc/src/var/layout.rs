//! The memory layout of a [`VarPool`](super::VarPool): block headers,
//! free-list links and the bookkeeping at the front of each region.
//!
//! ```text
//! region: | pad | Area | pad | bitmap: ceil(n/64) u64 | pad | block | block | ... | sentinel |
//!                                                             ^ base: n granules up to the end of the sentinel
//!
//! used block:  | prev | size |  payload (the allocation starts at `lead`)   |
//! free block:  | prev | size | next free | prev free |  unused             |
//! sentinel:    | prev | 0    |
//! ```
//!
//! A granule is two words: 16 bytes on 64-bit targets, 8 on 32-bit ones.
//! Every block starts at a granule boundary and is a whole number of
//! granules long, so the low bits of the size word are free for flags:
//! [`FREE`] (this block is free) and [`PREV_FREE`] (the block before it is
//! free). `prev` always points to the block physically before (null for the
//! first block of a region), which is what lets a free coalesce in O(1).
//!
//! The sentinel is a zero-sized used header after the last block of each
//! region: coalescing never looks past it, and the first block has no
//! previous block, so merges never cross a region's edge.
//!
//! The bitmap (the *block-start map*) holds one bit per granule of the
//! block area, set exactly at the granule where a block, used or free,
//! starts (never at the sentinel). It changes only when blocks are split or
//! merged, not when a whole free block is handed out or a used block is
//! freed without merging, and it is what lets a checked free trust a
//! header: a pointer is a live allocation when a block starts `lead` bytes
//! before it and that block's header says it is used.

use crate::region::Region;
use core::ptr::{self, NonNull};

/// Bytes in a machine word.
pub(super) const WORD: usize = size_of::<usize>();
/// The granule: the size of a block header and the unit of every block
/// size and address.
pub(super) const G: usize = 2 * WORD;
/// `log2(G)`.
pub(super) const G_SHIFT: u32 = G.trailing_zeros();
/// Size-word flag: the block is free.
pub(super) const FREE: usize = 1;
/// Size-word flag: the block physically before this one is free.
pub(super) const PREV_FREE: usize = 2;
/// Both flags.
pub(super) const FLAGS: usize = FREE | PREV_FREE;
/// The smallest block: a header and room for the two free-list links.
pub(super) const MIN_BLOCK: usize = 2 * G;

/// The header at the start of every block.
#[repr(C)]
pub(super) struct Hdr {
    /// The block physically before this one, or null for the first block of
    /// a region.
    pub(super) prev: *mut Hdr,
    /// The block's size in bytes (header included), with [`FLAGS`] in the
    /// low bits.
    pub(super) size: usize,
}

/// A free block: its header and its free-list links, which occupy the first
/// granule of its payload.
#[repr(C)]
pub(super) struct FreeHdr {
    pub(super) hdr: Hdr,
    /// The next block in the same bin, or null.
    pub(super) next_free: *mut Hdr,
    /// The previous block in the same bin, or null for the list head.
    pub(super) prev_free: *mut Hdr,
}

const _: () = assert!(size_of::<Hdr>() == G && size_of::<FreeHdr>() == MIN_BLOCK);
const _: () = assert!(align_of::<FreeHdr>() <= G && G.is_power_of_two());

/// The size of block `b`, flags masked off.
///
/// # Safety
///
/// `b` is a block header or sentinel of a live region of the pool.
#[inline(always)]
pub(super) unsafe fn size_of_block(b: *mut Hdr) -> usize {
    // SAFETY: the caller promises a live header.
    unsafe { (*b).size & !FLAGS }
}

/// The next free block after `b` in its bin.
///
/// # Safety
///
/// `b` is a free block of a live region of the pool.
#[inline(always)]
pub(super) unsafe fn next_free(b: *mut Hdr) -> *mut Hdr {
    // SAFETY: a free block holds its links right after its header.
    unsafe { (*b.cast::<FreeHdr>()).next_free }
}

/// The previous free block before `b` in its bin.
///
/// # Safety
///
/// `b` is a free block of a live region of the pool.
#[inline(always)]
pub(super) unsafe fn prev_free(b: *mut Hdr) -> *mut Hdr {
    // SAFETY: as in `next_free`.
    unsafe { (*b.cast::<FreeHdr>()).prev_free }
}

/// Sets the links of free block `b`, through `caller` (see [`Caller`]).
///
/// # Safety
///
/// `b` starts a block of at least [`MIN_BLOCK`] bytes in a live region;
/// `caller`'s bytes are valid for writes through its pointer.
#[inline(always)]
pub(super) unsafe fn set_links(b: *mut Hdr, next: *mut Hdr, prev: *mut Hdr, caller: Caller) {
    let b = b.cast::<FreeHdr>();
    // SAFETY: the block is at least `MIN_BLOCK` long, room for the links.
    unsafe {
        caller.write(&raw mut (*b).next_free, next);
        caller.write(&raw mut (*b).prev_free, prev);
    }
}

/// Sets the back link of free block `b`.
///
/// # Safety
///
/// As [`set_links`].
#[inline(always)]
pub(super) unsafe fn set_prev_free(b: *mut Hdr, prev: *mut Hdr) {
    // SAFETY: as in `set_links`.
    unsafe { (*b.cast::<FreeHdr>()).prev_free = prev }
}

/// The bookkeeping a pool writes at the front of each of its regions.
#[repr(C)]
pub(super) struct Area {
    /// The next area in address order, or null.
    pub(super) next: *mut Area,
    /// The first byte of the region this area was built in.
    pub(super) region_start: usize,
    /// One past the last byte of that region.
    pub(super) region_end: usize,
    /// The first block.
    pub(super) base: *mut u8,
    /// Bytes from `base` to the end of the sentinel: a multiple of `G`.
    pub(super) len: usize,
    /// `ceil(len / G / 64)` words, one bit per granule from `base`.
    pub(super) bits: *mut u64,
}

impl Area {
    /// Lays out an area in `region`: header, bitmap marking only the first
    /// block, one free block spanning the rest and the sentinel. The free block is *not* put in
    /// any bin. O(bitmap words): the blocks' bytes are not touched beyond
    /// the two headers.
    ///
    /// Returns `None` when the region cannot hold the header, the bitmap
    /// and a block of [`MIN_BLOCK`] bytes.
    pub(super) fn build(mut region: Region<'_>) -> Option<NonNull<Area>> {
        let range = region.addr_range();
        let header = region.carve(size_of::<Area>(), align_of::<Area>())?;
        let (granules, bitmap_bytes) = region.fit_with_bitmap(G, G);
        // One granule is the sentinel; the block needs `MIN_BLOCK`.
        if granules < 1 + MIN_BLOCK / G {
            return None;
        }
        let bits = region.carve(bitmap_bytes, align_of::<u64>())?;
        let base = region.carve(granules * G, G)?;
        let len = granules * G;
        let bits = bits.cast::<u64>().as_ptr();
        let base = base.as_ptr();
        // SAFETY: `bits` is a fresh, aligned piece of the region of
        // `bitmap_bytes` bytes, a whole number of words and at least one
        // (the area has granules); the first block starts at granule 0.
        unsafe {
            ptr::write_bytes(bits, 0, bitmap_bytes / 8);
            *bits = 1;
        }
        let first = base.cast::<Hdr>();
        // SAFETY: `base .. base + len` is a fresh, `G`-aligned piece of the
        // region, at least `MIN_BLOCK + G` long; the block header goes at
        // its start and the sentinel at its last granule.
        unsafe {
            let sentinel = base.add(len - G).cast::<Hdr>();
            first.write(Hdr {
                prev: ptr::null_mut(),
                size: (len - G) | FREE,
            });
            sentinel.write(Hdr {
                prev: first,
                size: PREV_FREE,
            });
        }
        let header = header.cast::<Area>();
        // SAFETY: `header` is a fresh, aligned piece of the region, large
        // enough for an `Area`, which nothing else references.
        unsafe {
            header.as_ptr().write(Area {
                next: ptr::null_mut(),
                region_start: range.start,
                region_end: range.end,
                base,
                len,
                bits,
            });
        }
        Some(header)
    }

    /// The smallest region that [`build`](Self::build) turns into an area
    /// whose first block is at least `block` bytes (a multiple of `G`, at
    /// least [`MIN_BLOCK`]), whatever the region's start address.
    pub(super) const fn region_size_for(block: usize) -> Option<usize> {
        let Some(len) = block.checked_add(G) else {
            return None;
        };
        let words = (len >> G_SHIFT).div_ceil(64);
        let parts = [
            align_of::<Area>() - 1,
            size_of::<Area>(),
            align_of::<u64>() - 1,
            words * 8,
            G - 1,
        ];
        let mut total = len;
        let mut i = 0;
        while i < parts.len() {
            total = match total.checked_add(parts[i]) {
                Some(t) => t,
                None => return None,
            };
            i += 1;
        }
        Some(total)
    }

    /// The address of the first block.
    #[inline(always)]
    pub(super) fn base_addr(&self) -> usize {
        self.base.addr()
    }

    /// Whether `addr` falls within the block area (sentinel included).
    #[inline(always)]
    pub(super) fn holds(&self, addr: usize) -> bool {
        addr.wrapping_sub(self.base_addr()) < self.len
    }

    /// The number of bitmap words.
    #[inline]
    pub(super) fn words(&self) -> usize {
        (self.len >> G_SHIFT).div_ceil(64)
    }

    /// The sentinel header.
    #[inline]
    pub(super) fn sentinel(&self) -> *mut Hdr {
        // SAFETY: the sentinel is the area's last granule.
        unsafe { self.base.add(self.len - G).cast::<Hdr>() }
    }

    /// Bitmap word `w`.
    ///
    /// # Safety
    ///
    /// `w < self.words()`.
    #[inline(always)]
    pub(super) unsafe fn word(&self, w: usize) -> u64 {
        // SAFETY: the caller keeps `w` in range; the words are initialised
        // when the area is built.
        unsafe { *self.bits.add(w) }
    }

    /// The largest granule index `<= g` whose bit is set.
    ///
    /// # Safety
    ///
    /// `g < self.len / G`.
    pub(super) unsafe fn last_set_at_or_before(&self, g: usize) -> Option<usize> {
        let mut w = g / 64;
        // SAFETY: `g` is in range, hence its word.
        let mut word = unsafe { self.word(w) } & (u64::MAX >> (63 - g % 64));
        loop {
            if word != 0 {
                return Some(w * 64 + 63 - word.leading_zeros() as usize);
            }
            if w == 0 {
                return None;
            }
            w -= 1;
            // SAFETY: `w` is below a valid word index.
            word = unsafe { self.word(w) };
        }
    }

    /// Makes the whole area one free block again (not put in any bin), the
    /// only block the bitmap marks. O(bitmap words).
    pub(super) fn reset(&mut self) {
        // SAFETY: the bitmap is `words()` initialised words of this area,
        // at least one.
        unsafe {
            ptr::write_bytes(self.bits, 0, self.words());
            *self.bits = 1;
        }
        let first = self.base.cast::<Hdr>();
        let sentinel = self.sentinel();
        // SAFETY: the first block and the sentinel are headers of this area.
        unsafe {
            first.write(Hdr {
                prev: ptr::null_mut(),
                size: (self.len - G) | FREE,
            });
            sentinel.write(Hdr {
                prev: first,
                size: PREV_FREE,
            });
        }
    }
}

/// Sets the bit of the granule at byte offset `off` of the block area whose
/// bitmap is `bits`.
///
/// # Safety
///
/// `bits` is a live area's bitmap and `off` is less than the area's length.
#[inline(always)]
pub(super) unsafe fn set_bit(bits: *mut u64, off: usize) {
    let g = off >> G_SHIFT;
    // SAFETY: the caller keeps `off` in the area, so the word is in range.
    unsafe { *bits.add(g / 64) |= 1 << (g % 64) };
}

/// Clears the bit of the granule at byte offset `off`.
///
/// # Safety
///
/// As [`set_bit`].
#[inline(always)]
pub(super) unsafe fn clear_bit(bits: *mut u64, off: usize) {
    let g = off >> G_SHIFT;
    // SAFETY: as in `set_bit`.
    unsafe { *bits.add(g / 64) &= !(1 << (g % 64)) };
}

/// The bytes of an allocation that is being freed or resized, as its caller
/// sees them: `len` bytes at `user`, the pointer the caller passed in.
///
/// The caller may still hold those bytes under a Stacked or Tree Borrows
/// *protector* while the pool works on them: a `Box` does while
/// `GlobalAlloc::dealloc` frees it, a reference argument does until its
/// function returns. A write to them through any other pointer, such as
/// one derived from the region's start, would then be undefined behaviour.
/// So every access the pool makes to a byte in `user .. user + len` goes
/// through a pointer derived from `user` ([`write`](Self::write),
/// [`fill`](Self::fill)), and every other access (block headers, guards,
/// neighbouring blocks, slack past `len`) through the region's pointers,
/// where the caller's pointer may have no provenance. Pointers *stored* in
/// headers and links always carry the region's provenance.
#[derive(Clone, Copy)]
pub(super) struct Caller {
    user: *mut u8,
    len: usize,
}

impl Caller {
    /// No caller's bytes: every access goes through the region's pointers.
    pub(super) const NONE: Caller = Caller {
        user: ptr::null_mut(),
        len: 0,
    };

    /// The `len` bytes at `user`.
    #[inline(always)]
    pub(super) fn new(user: *mut u8, len: usize) -> Caller {
        Caller { user, len }
    }

    /// The caller's pointer.
    #[inline(always)]
    pub(super) fn user(self) -> *mut u8 {
        self.user
    }

    /// Writes `value` at `at`, a pointer with the region's provenance:
    /// through the caller's pointer when `at` lies among the caller's
    /// bytes, through `at` otherwise, and byte by byte through each when
    /// the value straddles the end of the caller's bytes (which can end
    /// anywhere: a `Box`'s pointer reaches exactly its value's size).
    ///
    /// # Safety
    ///
    /// `at` is aligned and lies in one block of a live region; the
    /// caller's bytes are valid for writes through `user`.
    #[inline(always)]
    pub(super) unsafe fn write<T: Copy>(self, at: *mut T, value: T) {
        let off = at.addr().wrapping_sub(self.user.addr());
        if off >= self.len {
            // SAFETY: the caller's contract; not the caller's bytes.
            unsafe { at.write(value) };
        } else if self.len - off >= size_of::<T>() {
            // SAFETY: all of it is the caller's, reached from `user`; the
            // address is `at`'s, so aligned.
            unsafe { self.user.add(off).cast::<T>().write(value) };
        } else {
            // SAFETY: the caller's contract; `off` is among the caller's
            // bytes and `value` runs past their end.
            unsafe { self.write_straddling(at, value, off) };
        }
    }

    /// [`write`](Self::write) of a value that starts among the caller's
    /// bytes, `off` bytes in, and ends past them. Out of line: only a
    /// caller's pointer that reaches less than the usable size, ending in
    /// the middle of a word, makes one.
    ///
    /// # Safety
    ///
    /// As [`write`](Self::write); `off < len < off + size_of::<T>()`.
    #[cold]
    #[inline(never)]
    unsafe fn write_straddling<T: Copy>(self, at: *mut T, value: T, off: usize) {
        let inside = self.len - off;
        let src = (&raw const value).cast::<u8>();
        // SAFETY: the first `inside` bytes are the caller's, the others
        // not; both parts are in the block.
        unsafe {
            ptr::copy_nonoverlapping(src, self.user.add(off), inside);
            ptr::copy_nonoverlapping(
                src.add(inside),
                at.cast::<u8>().add(inside),
                size_of::<T>() - inside,
            );
        }
    }

    /// Fills `len` bytes at `at` (a pointer with the region's provenance)
    /// with `byte`: the caller's bytes among them through the caller's
    /// pointer, the others through `at`.
    ///
    /// # Safety
    ///
    /// `at .. at + len` lies in one block of a live region; the caller's
    /// bytes are valid for writes through `user`.
    #[inline(always)]
    pub(super) unsafe fn fill(self, at: *mut u8, byte: u8, len: usize) {
        let start = at.addr();
        let end = start + len;
        let lo = self.user.addr().clamp(start, end);
        let hi = self.user.addr().saturating_add(self.len).clamp(start, end);
        // SAFETY: `start <= lo <= hi <= end` split the range into the bytes
        // before the caller's, the caller's (reached from `user`, which is
        // at or before `lo` when the part is not empty) and the bytes
        // after; all are in the block.
        unsafe {
            at.write_bytes(byte, lo - start);
            if hi > lo {
                self.user
                    .add(lo - self.user.addr())
                    .write_bytes(byte, hi - lo);
            }
            at.add(hi - start).write_bytes(byte, end - hi);
        }
    }
}
