//! Iteration over the live allocations of a [`VarPool`](super::VarPool).

use super::layout::{Area, FREE, G, G_SHIFT, Hdr, size_of_block};
use core::iter::FusedIterator;
use core::marker::PhantomData;
use core::ptr::{self, NonNull};

/// The live allocations of a pool in address order, each with its usable
/// size, from [`VarPool::iter_allocated`](super::VarPool::iter_allocated).
///
/// It reads one block-start map word per 64 granules and one header per
/// block: O(capacity / (64 granules) + blocks).
pub struct LiveAllocations<'p> {
    area: *const Area,
    lead: usize,
    guards: bool,
    /// Index of the next word to load in `area`.
    next_word: usize,
    /// Index of the first granule of the loaded word.
    word_base: usize,
    /// The loaded word's remaining set bits.
    bits: u64,
    _pool: PhantomData<&'p Area>,
}

impl LiveAllocations<'_> {
    pub(super) fn new(first: *mut Area, lead: usize, guards: bool) -> Self {
        LiveAllocations {
            area: first,
            lead,
            guards,
            next_word: 0,
            word_base: 0,
            bits: 0,
            _pool: PhantomData,
        }
    }
}

impl Iterator for LiveAllocations<'_> {
    type Item = (NonNull<u8>, usize);

    fn next(&mut self) -> Option<(NonNull<u8>, usize)> {
        loop {
            if self.bits != 0 {
                let bit = self.bits.trailing_zeros() as usize;
                self.bits &= self.bits - 1;
                // SAFETY: `area` is a live area (the pool is borrowed) and a
                // set bit marks a block start, whose header is the pool's; a
                // used block's allocation is `lead` bytes into it, and with
                // guards its requested size follows the header.
                unsafe {
                    let b = (*self.area).base.add((self.word_base + bit) << G_SHIFT);
                    if (*b.cast::<Hdr>()).size & FREE != 0 {
                        continue;
                    }
                    let ptr = b.add(self.lead);
                    let usable = if self.guards {
                        b.add(G).cast::<usize>().read()
                    } else {
                        size_of_block(b.cast::<Hdr>()) - self.lead
                    };
                    return Some((NonNull::new_unchecked(ptr), usable));
                }
            }
            if self.area.is_null() {
                return None;
            }
            // SAFETY: as above.
            let area = unsafe { &*self.area };
            if self.next_word < area.words() {
                // SAFETY: the word index is in range.
                self.bits = unsafe { area.word(self.next_word) };
                self.word_base = self.next_word * 64;
                self.next_word += 1;
            } else {
                self.area = if area.next.is_null() {
                    ptr::null()
                } else {
                    area.next
                };
                self.next_word = 0;
            }
        }
    }
}

impl FusedIterator for LiveAllocations<'_> {}
