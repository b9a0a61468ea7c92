//! General-purpose allocators called directly through
//! [`GlobalAlloc::alloc`]/[`GlobalAlloc::dealloc`] with a 64-byte, 8-aligned
//! layout: mimalloc (not installed as the global allocator) and the system
//! allocator.

use super::{BLOCK_ALIGN, BLOCK_SIZE, Block, Contender, Entrant, WithContender};
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

/// mimalloc through `GlobalAlloc` on `mimalloc::MiMalloc`.
pub struct MiMallocEntrant;

impl Entrant for MiMallocEntrant {
    const NAME: &'static str = "mimalloc";

    fn with<F: WithContender>(_live: usize, f: F) -> F::Output {
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
