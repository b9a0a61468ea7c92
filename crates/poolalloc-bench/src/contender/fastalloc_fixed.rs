//! fastalloc 1.5's `FixedPool<[u8; 64]>`: `allocate(value)` returns an
//! RAII `OwnedHandle` that borrows the pool; dropping it frees the slot.

use super::{Block, Contender, Entrant, WithContender, pattern};
use fastalloc::FixedPool;
use fastalloc::handle::OwnedHandle;

/// A `FixedPool` of the workload's peak capacity, borrowed by its handles.
pub struct FixedPoolEntrant<'p>(&'p FixedPool<Block>);

impl<'p> Contender for FixedPoolEntrant<'p> {
    type Handle = OwnedHandle<'p, Block>;

    #[inline(always)]
    fn alloc(&mut self, fill: u64) -> Self::Handle {
        match self.0.allocate(pattern(fill)) {
            Ok(handle) => handle,
            Err(e) => panic!("fastalloc FixedPool: {e}"),
        }
    }

    #[inline(always)]
    fn free(&mut self, handle: Self::Handle) {
        drop(handle);
    }

    fn read(&self, handle: &Self::Handle) -> Block {
        **handle
    }
}

impl Entrant for FixedPoolEntrant<'_> {
    const NAME: &'static str = "fastalloc FixedPool";

    fn with<F: WithContender>(live: usize, f: F) -> F::Output {
        let pool = FixedPool::new(live).expect("a non-zero capacity");
        f.call(&mut FixedPoolEntrant(&pool))
    }
}
