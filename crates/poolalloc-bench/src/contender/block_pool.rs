//! poolalloc's [`BlockPool`] over a [`HeapRegion`] sized by
//! [`BlockPool::region_size_for`], in three configurations: unchecked free
//! with event counters (the default pool), unchecked free without counters,
//! and the checked [`BlockPool::free`].

use super::{BLOCK_ALIGN, BLOCK_SIZE, Block, Contender, Entrant, WithContender};
use core::ptr::NonNull;
use poolalloc::BlockPool;
use poolalloc::region::HeapRegion;

/// A heap region big enough for `live` blocks.
fn heap_for(live: usize) -> HeapRegion {
    let bytes = BlockPool::region_size_for(live, BLOCK_SIZE, BLOCK_ALIGN)
        .expect("a representable region size");
    HeapRegion::new(bytes, BLOCK_ALIGN).expect("the heap provides the region")
}

/// Allocates from `pool` and fills the block.
#[inline(always)]
fn alloc_filled<const C: bool>(pool: &mut BlockPool<'_, C>, fill: u64) -> NonNull<u8> {
    let block = pool.alloc().expect("the pool is sized for the workload");
    // SAFETY: `block` is a fresh block of the pool, `BLOCK_SIZE` bytes long
    // and aligned to `BLOCK_ALIGN`.
    unsafe { super::write_raw(block, fill) };
    block
}

/// Reads a block that `alloc_filled` handed out and that is still live.
fn read_block(block: &NonNull<u8>) -> Block {
    // SAFETY: handles reach `read` only while allocated, and `alloc_filled`
    // initialised all their bytes.
    unsafe { super::read_raw(*block) }
}

/// `BlockPool` (counters on), freeing with `free_unchecked`.
pub struct Unchecked<'a>(BlockPool<'a, true>);

impl Contender for Unchecked<'_> {
    type Handle = NonNull<u8>;

    #[inline(always)]
    fn alloc(&mut self, fill: u64) -> NonNull<u8> {
        alloc_filled(&mut self.0, fill)
    }

    #[inline(always)]
    fn free(&mut self, handle: NonNull<u8>) {
        // SAFETY: handles come from `alloc` of this pool and each is freed
        // once (the workloads move them in and out exactly once).
        unsafe { self.0.free_unchecked(handle) }
    }

    fn read(&self, handle: &NonNull<u8>) -> Block {
        read_block(handle)
    }
}

impl Entrant for Unchecked<'_> {
    const NAME: &'static str = "poolalloc BlockPool";

    fn with<F: WithContender>(live: usize, f: F) -> F::Output {
        let mut heap = heap_for(live);
        let pool = BlockPool::new(heap.region(), BLOCK_SIZE, BLOCK_ALIGN).expect("a valid pool");
        f.call(&mut Unchecked(pool))
    }
}

/// `BlockPool<'_, false>` (no event counters), freeing with
/// `free_unchecked`: shows what the counters cost.
pub struct NoCounters<'a>(BlockPool<'a, false>);

impl Contender for NoCounters<'_> {
    type Handle = NonNull<u8>;

    #[inline(always)]
    fn alloc(&mut self, fill: u64) -> NonNull<u8> {
        alloc_filled(&mut self.0, fill)
    }

    #[inline(always)]
    fn free(&mut self, handle: NonNull<u8>) {
        // SAFETY: as for `Unchecked::free`.
        unsafe { self.0.free_unchecked(handle) }
    }

    fn read(&self, handle: &NonNull<u8>) -> Block {
        read_block(handle)
    }
}

impl Entrant for NoCounters<'_> {
    const NAME: &'static str = "poolalloc BlockPool (no counters)";

    fn with<F: WithContender>(live: usize, f: F) -> F::Output {
        let mut heap = heap_for(live);
        let pool = BlockPool::<false>::with_counters(heap.region(), BLOCK_SIZE, BLOCK_ALIGN)
            .expect("a valid pool");
        f.call(&mut NoCounters(pool))
    }
}

/// `BlockPool` (counters on), freeing with the checked `free`, which
/// refuses foreign, interior and double-freed pointers.
pub struct CheckedFree<'a>(BlockPool<'a, true>);

impl Contender for CheckedFree<'_> {
    type Handle = NonNull<u8>;

    #[inline(always)]
    fn alloc(&mut self, fill: u64) -> NonNull<u8> {
        alloc_filled(&mut self.0, fill)
    }

    #[inline(always)]
    fn free(&mut self, handle: NonNull<u8>) {
        if let Err(e) = self.0.free(handle) {
            panic!("checked free refused a live block: {e}");
        }
    }

    fn read(&self, handle: &NonNull<u8>) -> Block {
        read_block(handle)
    }
}

impl Entrant for CheckedFree<'_> {
    const NAME: &'static str = "poolalloc BlockPool (checked free)";

    fn with<F: WithContender>(live: usize, f: F) -> F::Output {
        let mut heap = heap_for(live);
        let pool = BlockPool::new(heap.region(), BLOCK_SIZE, BLOCK_ALIGN).expect("a valid pool");
        f.call(&mut CheckedFree(pool))
    }
}
