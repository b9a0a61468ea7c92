//! poolalloc's typed pools of `[u8; 64]`: a `FixedPool` handing out RAII
//! `Owned` handles, and a `GrowingPool` storing blocks under `Key`s. Both
//! are created with the workload's peak capacity, as the other keyed
//! containers are.

use super::{Block, Contender, Entrant, WithContender, pattern};
use poolalloc::{FixedPool, GrowingPool, Key, Owned};

/// `FixedPool<[u8; 64]>`, borrowed by its `Owned` handles.
pub struct FixedOwned<'p>(&'p FixedPool<Block>);

impl<'p> Contender for FixedOwned<'p> {
    type Handle = Owned<'p, Block>;

    #[inline(always)]
    fn alloc(&mut self, fill: u64) -> Self::Handle {
        match self.0.try_alloc_with(|| pattern(fill)) {
            Ok(handle) => handle,
            Err(e) => panic!("poolalloc FixedPool: {e}"),
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

impl Entrant for FixedOwned<'_> {
    const NAME: &'static str = "poolalloc FixedPool+Owned";

    fn with<F: WithContender>(live: usize, f: F) -> F::Output {
        let pool = FixedPool::new(live).expect("a valid capacity");
        f.call(&mut FixedOwned(&pool))
    }
}

/// `GrowingPool<[u8; 64]>`, reached by `Key`s.
pub struct GrowingKeyed(GrowingPool<Block>);

impl Contender for GrowingKeyed {
    type Handle = Key;

    #[inline(always)]
    fn alloc(&mut self, fill: u64) -> Key {
        match self.0.try_insert_with(|| pattern(fill)) {
            Ok(key) => key,
            Err(e) => panic!("poolalloc GrowingPool: {e}"),
        }
    }

    #[inline(always)]
    fn free(&mut self, key: Key) {
        if self.0.remove(key).is_none() {
            panic!("poolalloc GrowingPool: removed a key that was not live");
        }
    }

    fn read(&self, key: &Key) -> Block {
        *self.0.get(*key).expect("a live key")
    }
}

impl Entrant for GrowingKeyed {
    const NAME: &'static str = "poolalloc GrowingPool+Key";

    fn with<F: WithContender>(live: usize, f: F) -> F::Output {
        f.call(&mut GrowingKeyed(
            GrowingPool::new(live).expect("a valid capacity"),
        ))
    }
}
