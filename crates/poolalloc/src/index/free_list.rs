//! [`FreeList`]: FIFO reuse of freed indices.

use super::sealed::IndexAllocator;
use alloc::collections::VecDeque;

/// Reuses the least recently freed index first (FIFO), after every index
/// never used before: a freed slot rests as long as possible before it is
/// handed out again. O(1) `alloc` and `free`; 4 bytes of bookkeeping per
/// slot, reserved up front.
#[derive(Debug)]
pub struct FreeList {
    /// Freed indices, the next to reuse at the front.
    freed: VecDeque<u32>,
    /// Indices below `fresh` have been handed out at least once.
    fresh: u32,
    capacity: u32,
}

impl IndexAllocator for FreeList {
    fn with_capacity(capacity: u32) -> Option<Self> {
        let mut freed = VecDeque::new();
        freed.try_reserve_exact(capacity as usize).ok()?;
        Some(FreeList {
            freed,
            fresh: 0,
            capacity,
        })
    }

    #[inline(always)]
    fn alloc(&mut self) -> Option<u32> {
        if self.fresh < self.capacity {
            self.fresh += 1;
            return Some(self.fresh - 1);
        }
        self.freed.pop_front()
    }

    #[inline(always)]
    fn free(&mut self, index: u32) {
        debug_assert!(index < self.fresh);
        self.freed.push_back(index);
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
