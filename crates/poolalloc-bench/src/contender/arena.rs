//! The arena every arena-based W4 contender allocates from: one heap
//! allocation of the workload's arena size, page-aligned and written once
//! before the contender is built, so that no timed run pays for first-touch
//! page faults and every contender starts from the same kind of memory.

use core::mem::MaybeUninit;
use core::ops::Range;
use poolalloc::region::{HeapRegion, Region};

/// Alignment of every arena's start.
pub const ARENA_ALIGN: usize = 4096;

/// A page-aligned, pre-faulted heap arena.
pub struct Arena(HeapRegion);

impl Arena {
    /// An arena of `bytes` bytes, every page of it already touched.
    pub fn new(bytes: usize) -> Arena {
        let mut heap = HeapRegion::new(bytes, ARENA_ALIGN).expect("the heap provides the arena");
        let region = heap.region();
        // SAFETY: the region is ours, `region.len()` bytes long and not yet
        // handed to any allocator.
        unsafe { region.start().as_ptr().write_bytes(0, region.len()) };
        Arena(heap)
    }

    /// The arena's address range.
    pub fn range(&mut self) -> Range<usize> {
        self.0.region().addr_range()
    }

    /// The arena as a poolalloc [`Region`].
    pub fn region(&mut self) -> Region<'_> {
        self.0.region()
    }

    /// The arena as a slice of bytes.
    pub fn bytes(&mut self) -> &mut [MaybeUninit<u8>] {
        let region = self.0.region();
        // SAFETY: the region is the whole live allocation, valid for reads
        // and writes of `region.len()` bytes; the slice borrows `self`
        // mutably, so nothing else reaches the bytes while it lives.
        unsafe {
            core::slice::from_raw_parts_mut(
                region.start().as_ptr().cast::<MaybeUninit<u8>>(),
                region.len(),
            )
        }
    }
}
