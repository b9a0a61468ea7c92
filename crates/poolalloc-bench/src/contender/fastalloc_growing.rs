//! fastalloc 1.5's `GrowingPool<[u8; 64]>`, created with the workload's
//! peak capacity: `allocate(value)` returns an RAII `OwnedHandle` that
//! borrows the pool; dropping it frees the slot.

use super::{Block, Contender, Entrant, WithContender, pattern};
use fastalloc::handle::OwnedHandle;
use fastalloc::{GrowingPool, PoolConfig};

/// A `GrowingPool`, borrowed by its handles.
pub struct GrowingPoolEntrant<'p>(&'p GrowingPool<Block>);

impl<'p> Contender for GrowingPoolEntrant<'p> {
    type Handle = OwnedHandle<'p, Block>;

    #[inline(always)]
    fn alloc(&mut self, fill: u64) -> Self::Handle {
        match self.0.allocate(pattern(fill)) {
            Ok(handle) => handle,
            Err(e) => panic!("fastalloc GrowingPool: {e}"),
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

impl Entrant for GrowingPoolEntrant<'_> {
    const NAME: &'static str = "fastalloc GrowingPool";

    fn with<F: WithContender>(live: usize, f: F) -> F::Output {
        let config = PoolConfig::builder()
            .capacity(live)
            .build()
            .expect("a valid configuration");
        let pool = GrowingPool::with_config(config).expect("a non-zero capacity");
        f.call(&mut GrowingPoolEntrant(&pool))
    }
}
