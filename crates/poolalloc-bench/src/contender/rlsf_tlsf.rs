//! rlsf's [`Tlsf`] over the workload's arena, given as one
//! `&mut [MaybeUninit<u8>]` with `insert_free_block`.
//!
//! Parameters: 32 second-level lists per power of two (as VarPool and
//! talc's default binning have) and 28 first-level classes, so that the
//! largest block rlsf can track (32 B << 28 = 8 GiB on 64-bit targets) is
//! larger than any arena: the arena stays one free block instead of being
//! cut into pieces of the maximum block size.

use super::arena::Arena;
use super::{VAR_ALIGN, VarContender, VarEntrant, WithVarContender};
use core::alloc::Layout;
use core::ops::Range;
use core::ptr::NonNull;
use rlsf::Tlsf;

/// The TLSF configuration measured.
type Heap<'a> = Tlsf<'a, u32, u32, 28, 32>;

/// A `Tlsf` over the arena whose address range is `arena`.
pub struct TlsfEntrant<'a> {
    tlsf: Heap<'a>,
    arena: Range<usize>,
}

impl VarContender for TlsfEntrant<'_> {
    #[inline(always)]
    fn alloc(&mut self, size: usize, fill: u64) -> NonNull<u8> {
        let layout = match Layout::from_size_align(size, VAR_ALIGN) {
            Ok(layout) => layout,
            Err(_) => unreachable!("W4 sizes are small"),
        };
        let Some(block) = self.tlsf.allocate(layout) else {
            panic!("rlsf: out of memory for {size} bytes");
        };
        // SAFETY: `block` is a fresh allocation of `size` bytes.
        unsafe { super::touch(block, size, fill) };
        block
    }

    #[inline(always)]
    unsafe fn free(&mut self, ptr: NonNull<u8>, _size: usize) {
        // SAFETY: the caller promises a live allocation of this `Tlsf`, and
        // every allocation is made with `VAR_ALIGN`.
        unsafe { self.tlsf.deallocate(ptr, VAR_ALIGN) }
    }

    fn arena(&self) -> Option<Range<usize>> {
        Some(self.arena.clone())
    }
}

impl VarEntrant for TlsfEntrant<'_> {
    const NAME: &'static str = "rlsf Tlsf";

    fn with_arena<F: WithVarContender>(arena_bytes: usize, f: F) -> F::Output {
        let mut memory = Arena::new(arena_bytes);
        let arena = memory.range();
        let mut tlsf = Heap::new();
        tlsf.insert_free_block(memory.bytes());
        f.call(&mut TlsfEntrant { tlsf, arena })
    }
}
