//! poolalloc's [`VarPool`] (good fit, its default) over a [`HeapRegion`]
//! of the workload's arena size, freeing with `free_unchecked`.
//!
//! [`HeapRegion`]: poolalloc::region::HeapRegion

use super::arena::Arena;
use super::{VAR_ALIGN, VarContender, VarEntrant, WithVarContender};
use core::ops::Range;
use core::ptr::NonNull;
use poolalloc::VarPool;

/// A `VarPool` over the arena whose address range is `arena`.
pub struct VarPoolEntrant<'a> {
    pool: VarPool<'a>,
    arena: Range<usize>,
}

impl VarContender for VarPoolEntrant<'_> {
    #[inline(always)]
    fn alloc(&mut self, size: usize, fill: u64) -> NonNull<u8> {
        let Some(block) = self.pool.alloc(size, VAR_ALIGN) else {
            panic!("VarPool: out of memory for {size} bytes");
        };
        // SAFETY: `block` is a fresh allocation of `size` bytes.
        unsafe { super::touch(block, size, fill) };
        block
    }

    #[inline(always)]
    unsafe fn free(&mut self, ptr: NonNull<u8>, _size: usize) {
        // SAFETY: the caller promises a live allocation of this pool.
        unsafe { self.pool.free_unchecked(ptr) }
    }

    fn arena(&self) -> Option<Range<usize>> {
        Some(self.arena.clone())
    }
}

impl VarEntrant for VarPoolEntrant<'_> {
    const NAME: &'static str = "poolalloc VarPool";

    fn with_arena<F: WithVarContender>(arena_bytes: usize, f: F) -> F::Output {
        let mut memory = Arena::new(arena_bytes);
        let arena = memory.range();
        let pool = VarPool::new(memory.region()).expect("the arena holds a pool");
        f.call(&mut VarPoolEntrant { pool, arena })
    }
}
