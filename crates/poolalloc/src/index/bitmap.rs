//! [`Bitmap`]: lowest free index first, one bit per slot.

use super::sealed::IndexAllocator;
use alloc::vec::Vec;

/// Hands out the lowest free index, so live values stay packed at low
/// indices. One bit of bookkeeping per slot. `free` is O(1); `alloc` scans
/// 64-slot words upward from the lowest word that may hold a free bit:
/// O(1) while the low slots are dense, O(capacity / 64) in the worst case
/// (a single free slot at the top after the low ones filled). A full pool
/// is refused in O(1).
#[derive(Debug)]
pub struct Bitmap {
    /// Bit `i % 64` of word `i / 64` is set when index `i` is free.
    free_bits: Vec<u64>,
    /// No word below this one has a free bit.
    lowest: usize,
    available: u32,
    capacity: u32,
}

impl Bitmap {
    /// Sets the bits of `from..to`, which must all be clear and covered by
    /// `free_bits`.
    fn set_range(&mut self, from: u32, to: u32) {
        for index in from..to {
            self.free_bits[index as usize / 64] |= 1 << (index % 64);
        }
    }
}

impl IndexAllocator for Bitmap {
    fn with_capacity(capacity: u32) -> Option<Self> {
        let mut bitmap = Bitmap {
            free_bits: Vec::new(),
            lowest: 0,
            available: 0,
            capacity: 0,
        };
        bitmap.grow(capacity).then_some(bitmap)
    }

    #[inline]
    fn alloc(&mut self) -> Option<u32> {
        if self.available == 0 {
            return None;
        }
        // A free bit exists, and none below `lowest`.
        let mut word = self.lowest;
        while self.free_bits[word] == 0 {
            word += 1;
        }
        self.lowest = word;
        let bits = self.free_bits[word];
        let bit = bits.trailing_zeros();
        self.free_bits[word] = bits & (bits - 1);
        self.available -= 1;
        Some(word as u32 * 64 + bit)
    }

    #[inline]
    fn free(&mut self, index: u32) {
        let word = index as usize / 64;
        debug_assert_eq!(self.free_bits[word] & (1 << (index % 64)), 0);
        self.free_bits[word] |= 1 << (index % 64);
        self.available += 1;
        if word < self.lowest {
            self.lowest = word;
        }
    }

    fn grow(&mut self, new_capacity: u32) -> bool {
        debug_assert!(new_capacity >= self.capacity);
        let words = (new_capacity as usize).div_ceil(64);
        let extra = words - self.free_bits.len();
        if self.free_bits.try_reserve_exact(extra).is_err() {
            return false;
        }
        self.free_bits.resize(words, 0);
        let old = self.capacity;
        self.set_range(old, new_capacity);
        self.available += new_capacity - old;
        if new_capacity > old {
            self.lowest = self.lowest.min(old as usize / 64);
        }
        self.capacity = new_capacity;
        true
    }

    fn capacity(&self) -> u32 {
        self.capacity
    }
}
