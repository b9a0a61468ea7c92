//! Iteration over the allocated blocks of a [`BlockPool`](super::BlockPool).

use super::segment::Segment;
use crate::stride::Stride;
use core::iter::FusedIterator;
use core::marker::PhantomData;
use core::ptr::{self, NonNull};

/// The allocated blocks of a pool in address order, from
/// [`BlockPool::iter_allocated`](super::BlockPool::iter_allocated).
///
/// It reads one bitmap word per 64 blocks, so it costs O(capacity / 64 +
/// allocated blocks).
pub struct AllocatedBlocks<'p> {
    seg: *const Segment,
    stride: Stride,
    /// Index of the next word to load in `seg`.
    next_word: usize,
    /// Index of the first block of the loaded word.
    word_base: usize,
    /// The loaded word's remaining set bits.
    bits: u64,
    _pool: PhantomData<&'p Segment>,
}

impl<'p> AllocatedBlocks<'p> {
    pub(super) fn new(first: *mut Segment, stride: Stride) -> Self {
        AllocatedBlocks {
            seg: first,
            stride,
            next_word: 0,
            word_base: 0,
            bits: 0,
            _pool: PhantomData,
        }
    }
}

impl Iterator for AllocatedBlocks<'_> {
    type Item = NonNull<u8>;

    fn next(&mut self) -> Option<NonNull<u8>> {
        loop {
            if self.bits != 0 {
                let bit = self.bits.trailing_zeros() as usize;
                self.bits &= self.bits - 1;
                // SAFETY: `seg` is a live header (the pool is borrowed) and
                // the bit belongs to a block below its cursor.
                let block = unsafe {
                    (*self.seg)
                        .blocks
                        .add((self.word_base + bit) * self.stride.size())
                };
                // SAFETY: block addresses are inside a region: non-null.
                return Some(unsafe { NonNull::new_unchecked(block) });
            }
            if self.seg.is_null() {
                return None;
            }
            // SAFETY: as above.
            let seg = unsafe { &*self.seg };
            if self.next_word * 64 < seg.bump {
                // SAFETY: the word starts below the cursor.
                self.bits = unsafe { seg.live_word(self.next_word) };
                self.word_base = self.next_word * 64;
                self.next_word += 1;
            } else {
                self.seg = if seg.next.is_null() {
                    ptr::null()
                } else {
                    seg.next
                };
                self.next_word = 0;
            }
        }
    }
}

impl FusedIterator for AllocatedBlocks<'_> {}
