//! Keyed containers that store the blocks by value: `slab::Slab` and
//! `slotmap::SlotMap`. Allocating inserts the filled block; freeing
//! removes it by key.

use super::{Block, Contender, Entrant, WithContender, pattern};
use slab::Slab;
use slotmap::{DefaultKey, SlotMap};

/// `Slab<[u8; 64]>`, created with the workload's peak capacity.
pub struct SlabEntrant(Slab<Block>);

impl Contender for SlabEntrant {
    type Handle = usize;

    #[inline(always)]
    fn alloc(&mut self, fill: u64) -> usize {
        self.0.insert(pattern(fill))
    }

    #[inline(always)]
    fn free(&mut self, handle: usize) {
        self.0.remove(handle);
    }

    fn read(&self, handle: &usize) -> Block {
        self.0[*handle]
    }
}

impl Entrant for SlabEntrant {
    const NAME: &'static str = "slab::Slab";

    fn with<F: WithContender>(live: usize, f: F) -> F::Output {
        f.call(&mut SlabEntrant(Slab::with_capacity(live)))
    }
}

/// `SlotMap<DefaultKey, [u8; 64]>`, created with the workload's peak
/// capacity.
pub struct SlotMapEntrant(SlotMap<DefaultKey, Block>);

impl Contender for SlotMapEntrant {
    type Handle = DefaultKey;

    #[inline(always)]
    fn alloc(&mut self, fill: u64) -> DefaultKey {
        self.0.insert(pattern(fill))
    }

    #[inline(always)]
    fn free(&mut self, handle: DefaultKey) {
        if self.0.remove(handle).is_none() {
            panic!("slotmap: removed a key that was not live");
        }
    }

    fn read(&self, handle: &DefaultKey) -> Block {
        self.0[*handle]
    }
}

impl Entrant for SlotMapEntrant {
    const NAME: &'static str = "slotmap::SlotMap";

    fn with<F: WithContender>(live: usize, f: F) -> F::Output {
        f.call(&mut SlotMapEntrant(SlotMap::with_capacity(live)))
    }
}
