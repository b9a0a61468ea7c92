//! linked_list_allocator's [`Heap`] over the workload's arena, with
//! `allocate_first_fit`/`deallocate`. Its free list is kept in address
//! order and searched first-fit, so both calls are O(free blocks): the
//! driver skips it where one run would take too long.

use super::arena::Arena;
use super::{VAR_ALIGN, VarContender, VarEntrant, WithVarContender};
use core::alloc::Layout;
use core::ops::Range;
use core::ptr::NonNull;
use linked_list_allocator::Heap;

/// A `Heap` over the arena whose address range is `arena`.
pub struct HeapEntrant {
    heap: Heap,
    arena: Range<usize>,
}

/// The layout of a W4 request of `size` bytes.
#[inline(always)]
fn layout(size: usize) -> Layout {
    match Layout::from_size_align(size, VAR_ALIGN) {
        Ok(layout) => layout,
        Err(_) => unreachable!("W4 sizes are small"),
    }
}

impl VarContender for HeapEntrant {
    #[inline(always)]
    fn alloc(&mut self, size: usize, fill: u64) -> NonNull<u8> {
        let Ok(block) = self.heap.allocate_first_fit(layout(size)) else {
            panic!("linked_list_allocator: out of memory for {size} bytes");
        };
        // SAFETY: `block` is a fresh allocation of `size` bytes.
        unsafe { super::touch(block, size, fill) };
        block
    }

    #[inline(always)]
    unsafe fn free(&mut self, ptr: NonNull<u8>, size: usize) {
        // SAFETY: the caller promises a live allocation of this heap made
        // with `size`, hence with this layout.
        unsafe { self.heap.deallocate(ptr, layout(size)) }
    }

    fn arena(&self) -> Option<Range<usize>> {
        Some(self.arena.clone())
    }
}

impl VarEntrant for HeapEntrant {
    const NAME: &'static str = "linked_list_allocator";

    fn with_arena<F: WithVarContender>(arena_bytes: usize, f: F) -> F::Output {
        let mut memory = Arena::new(arena_bytes);
        let arena = memory.range();
        let bytes = memory.bytes();
        // SAFETY: `bytes` is exclusively borrowed for as long as the heap
        // lives (both end with this function, the heap first, and `Heap`
        // has no destructor), so nothing else uses the memory but through
        // the heap's allocations. It is far larger than the heap's
        // metadata.
        let heap = unsafe { Heap::new(bytes.as_mut_ptr().cast::<u8>(), bytes.len()) };
        let mut contender = HeapEntrant { heap, arena };
        f.call(&mut contender)
    }
}
