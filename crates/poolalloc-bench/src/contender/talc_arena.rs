//! talc 5's core allocator, [`Talc`] with the `Manual` source and the
//! default binning, called directly (`allocate`/`deallocate`) after one
//! `claim` of the workload's arena. talc 5 has no `Span` type any more:
//! `claim(base, size)` is how a heap is handed to it.

use super::arena::Arena;
use super::{VAR_ALIGN, VarContender, VarEntrant, WithVarContender};
use core::alloc::Layout;
use core::ops::Range;
use core::ptr::NonNull;
use talc::DefaultBinning;
use talc::base::Talc;
use talc::source::Manual;

/// A `Talc` that has claimed the arena whose address range is `arena`.
pub struct TalcEntrant {
    talc: Talc<Manual, DefaultBinning>,
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

impl VarContender for TalcEntrant {
    #[inline(always)]
    fn alloc(&mut self, size: usize, fill: u64) -> NonNull<u8> {
        // SAFETY: W4 sizes are at least 8, so the layout is not zero-sized.
        let Some(block) = (unsafe { self.talc.allocate(layout(size)) }) else {
            panic!("talc: out of memory for {size} bytes");
        };
        // SAFETY: `block` is a fresh allocation of `size` bytes.
        unsafe { super::touch(block, size, fill) };
        block
    }

    #[inline(always)]
    unsafe fn free(&mut self, ptr: NonNull<u8>, size: usize) {
        // SAFETY: the caller promises a live allocation of this `Talc` made
        // with `size`, hence with this layout.
        unsafe { self.talc.deallocate(ptr.as_ptr(), layout(size)) }
    }

    fn arena(&self) -> Option<Range<usize>> {
        Some(self.arena.clone())
    }
}

impl VarEntrant for TalcEntrant {
    const NAME: &'static str = "talc";

    fn with_arena<F: WithVarContender>(arena_bytes: usize, f: F) -> F::Output {
        let mut memory = Arena::new(arena_bytes);
        let arena = memory.range();
        let bytes = memory.bytes();
        let mut talc = Talc::new(Manual);
        // SAFETY: `bytes` is exclusively borrowed for as long as `talc`
        // lives (both end with this function, `talc` first), so nothing
        // else touches the claimed memory but through `talc`'s allocations.
        let claimed = unsafe { talc.claim(bytes.as_mut_ptr().cast::<u8>(), bytes.len()) };
        assert!(claimed.is_some(), "talc claims the arena");
        let mut contender = TalcEntrant { talc, arena };
        f.call(&mut contender)
    }
}
