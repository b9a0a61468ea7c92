//! [`Stack`]: LIFO reuse of freed indices.

use super::sealed::IndexAllocator;
use alloc::vec::Vec;

/// Reuses the most recently freed index first (LIFO): the slot handed out
/// was touched last, so it is likely still in cache. O(1) `alloc` and
/// `free`; 4 bytes of bookkeeping per slot, reserved up front.
#[derive(Debug)]
pub struct Stack {
    /// Freed indices, the next to reuse last.
    freed: Vec<u32>,
    /// Indices below `fresh` have been handed out at least once.
    fresh: u32,
    capacity: u32,
}

impl IndexAllocator for Stack {
    fn with_capacity(capacity: u32) -> Option<Self> {
        let mut freed = Vec::new();
        freed.try_reserve_exact(capacity as usize).ok()?;
        Some(Stack {
            freed,
            fresh: 0,
            capacity,
        })
    }

    #[inline(always)]
    fn alloc(&mut self) -> Option<u32> {
        if let Some(index) = self.freed.pop() {
            return Some(index);
        }
        if self.fresh < self.capacity {
            self.fresh += 1;
            Some(self.fresh - 1)
        } else {
            None
        }
    }

    #[inline(always)]
    fn free(&mut self, index: u32) {
        debug_assert!(index < self.fresh);
        // Never reallocates: `freed` holds every index at most once and
        // its capacity is reserved for all of them.
        self.freed.push(index);
    }

    fn grow(&mut self, new_capacity: u32) -> bool {
        debug_assert!(new_capacity >= self.capacity);
        let extra = (new_capacity as usize).saturating_sub(self.freed.len());
        if self.freed.try_reserve_exact(extra).is_err() {
            return false;
        }
        self.capacity = new_capacity;
        true
    }

    fn capacity(&self) -> u32 {
        self.capacity
    }
}
