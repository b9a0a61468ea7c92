//! General-purpose allocators called directly through
//! [`GlobalAlloc::alloc`]/[`GlobalAlloc::dealloc`]: mimalloc (not installed
//! as the global allocator) and the system allocator. W1–W3 ask for a
//! 64-byte, 8-aligned layout; W4 for each request's size, aligned to
//! [`VAR_ALIGN`]. They take memory from the system, not from an arena, so
//! W4 reports no footprint for them.

use super::{
    BLOCK_ALIGN, BLOCK_SIZE, Block, Contender, Entrant, VAR_ALIGN, VarContender, VarEntrant,
    WithContender, WithVarContender,
};
use core::ops::Range;
use core::ptr::NonNull;
use std::alloc::{GlobalAlloc, Layout, System, handle_alloc_error};

/// The layout of every block.
const LAYOUT: Layout = match Layout::from_size_align(BLOCK_SIZE, BLOCK_ALIGN) {
    Ok(layout) => layout,
    Err(_) => panic!("a valid block layout"),
};

/// Any [`GlobalAlloc`] serving one block per call.
pub struct Global<A>(A);

impl<A: GlobalAlloc> Contender for Global<A> {
    type Handle = NonNull<u8>;

    #[inline(always)]
    fn alloc(&mut self, fill: u64) -> NonNull<u8> {
        // SAFETY: `LAYOUT` has a non-zero size.
        let ptr = unsafe { self.0.alloc(LAYOUT) };
        let Some(block) = NonNull::new(ptr) else {
            handle_alloc_error(LAYOUT)
        };
        // SAFETY: the allocator returned `BLOCK_SIZE` bytes aligned to
        // `BLOCK_ALIGN`, which are ours.
        unsafe { super::write_raw(block, fill) };
        block
    }

    #[inline(always)]
    fn free(&mut self, handle: NonNull<u8>) {
        // SAFETY: `handle` came from `self.0.alloc(LAYOUT)` and is freed
        // once (the workloads move each handle in and out exactly once).
        unsafe { self.0.dealloc(handle.as_ptr(), LAYOUT) }
    }

    fn read(&self, handle: &NonNull<u8>) -> Block {
        // SAFETY: a live handle points to a block `alloc` initialised.
        unsafe { super::read_raw(*handle) }
    }
}

/// The layout of a W4 request of `size` bytes.
#[inline(always)]
fn var_layout(size: usize) -> Layout {
    match Layout::from_size_align(size, VAR_ALIGN) {
        Ok(layout) => layout,
        Err(_) => unreachable!("W4 sizes are small"),
    }
}

impl<A: GlobalAlloc> VarContender for Global<A> {
    #[inline(always)]
    fn alloc(&mut self, size: usize, fill: u64) -> NonNull<u8> {
        let layout = var_layout(size);
        // SAFETY: W4 sizes are at least 8, so the layout is not zero-sized.
        let ptr = unsafe { self.0.alloc(layout) };
        let Some(block) = NonNull::new(ptr) else {
            handle_alloc_error(layout)
        };
        // SAFETY: `block` is a fresh allocation of `size` bytes.
        unsafe { super::touch(block, size, fill) };
        block
    }

    #[inline(always)]
    unsafe fn free(&mut self, ptr: NonNull<u8>, size: usize) {
        // SAFETY: the caller promises a live allocation of `self.0` made
        // with `size`, hence with this layout.
        unsafe { self.0.dealloc(ptr.as_ptr(), var_layout(size)) }
    }

    fn arena(&self) -> Option<Range<usize>> {
        None
    }
}

/// mimalloc through `GlobalAlloc` on `mimalloc::MiMalloc`.
pub struct MiMallocEntrant;

impl Entrant for MiMallocEntrant {
    const NAME: &'static str = "mimalloc";

    fn with<F: WithContender>(_live: usize, f: F) -> F::Output {
        f.call(&mut Global(mimalloc::MiMalloc))
    }
}

impl VarEntrant for MiMallocEntrant {
    const NAME: &'static str = <Self as Entrant>::NAME;

    fn with_arena<F: WithVarContender>(_arena_bytes: usize, f: F) -> F::Output {
        f.call(&mut Global(mimalloc::MiMalloc))
    }
}

/// The system allocator (`std::alloc::System`, glibc malloc on Linux).
pub struct SystemEntrant;

impl Entrant for SystemEntrant {
    const NAME: &'static str = "system allocator";

    fn with<F: WithContender>(_live: usize, f: F) -> F::Output {
        f.call(&mut Global(System))
    }
}

impl VarEntrant for SystemEntrant {
    const NAME: &'static str = <Self as Entrant>::NAME;

    fn with_arena<F: WithVarContender>(_arena_bytes: usize, f: F) -> F::Output {
        f.call(&mut Global(System))
    }
}
