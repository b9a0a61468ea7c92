//! `thunderdome::Arena<[u8; 64]>`: a generational arena; allocating
//! inserts the filled block, freeing removes it by index.

use super::{Block, Contender, Entrant, WithContender, pattern};
use thunderdome::{Arena, Index};

/// An `Arena` created with the workload's peak capacity.
pub struct ArenaEntrant(Arena<Block>);

impl Contender for ArenaEntrant {
    type Handle = Index;

    #[inline(always)]
    fn alloc(&mut self, fill: u64) -> Index {
        self.0.insert(pattern(fill))
    }

    #[inline(always)]
    fn free(&mut self, index: Index) {
        if self.0.remove(index).is_none() {
            panic!("thunderdome: removed an index that was not live");
        }
    }

    fn read(&self, index: &Index) -> Block {
        self.0[*index]
    }
}

impl Entrant for ArenaEntrant {
    const NAME: &'static str = "thunderdome::Arena";

    fn with<F: WithContender>(live: usize, f: F) -> F::Output {
        f.call(&mut ArenaEntrant(Arena::with_capacity(live)))
    }
}
