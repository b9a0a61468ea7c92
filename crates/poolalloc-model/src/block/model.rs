//! The shadow model of a [`BlockPool`](poolalloc::BlockPool): plain
//! addresses and sets, no pointers and no `unsafe`.

use poolalloc::FreeError;
use std::collections::{BTreeMap, BTreeSet};

/// A region the pool accepted, with the geometry of its blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelRegion {
    /// The region's first byte.
    pub start: usize,
    /// One past its last byte.
    pub end: usize,
    /// The address of its first block.
    pub first: usize,
    /// How many blocks it holds.
    pub count: usize,
}

impl ModelRegion {
    /// One past the last byte of its last block.
    pub fn blocks_end(&self, stride: usize) -> usize {
        self.first + self.count * stride
    }
}

/// What the model says an address is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Outside the block area of every region.
    Foreign,
    /// Inside a block, `offset` bytes past its start.
    Interior {
        /// The distance from the block's start.
        offset: usize,
    },
    /// The start of a block handed out now.
    Live,
    /// The start of a block handed out since the last reset, free now.
    Freed,
    /// The start of a block never handed out since creation or the last
    /// reset.
    Fresh,
}

impl Class {
    /// Whether the address is a block start (what `contains` answers).
    pub fn is_block_start(self) -> bool {
        matches!(self, Class::Live | Class::Freed | Class::Fresh)
    }

    /// What a checked `free` of the address must return.
    pub fn free_result(self) -> Result<(), FreeError> {
        match self {
            Class::Foreign => Err(FreeError::Foreign),
            Class::Interior { offset } => Err(FreeError::Interior { offset }),
            Class::Live => Ok(()),
            Class::Freed => Err(FreeError::DoubleFree),
            Class::Fresh => Err(FreeError::NeverAllocated),
        }
    }
}

/// What `add_region` must do with a region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddExpectation {
    /// It overlaps a region the pool has: `RegionError::Overlap`.
    Overlap,
    /// It is no longer than one block, so it cannot hold a block and its
    /// bookkeeping bit: `RegionError::TooSmall`.
    TooSmall,
    /// It is at least `BlockPool::region_size_for(1, ..)` long, which
    /// holds a block whatever the start address: accepted.
    Fits,
    /// Between the two: whether a block fits depends on the start address
    /// and the bookkeeping, so either answer is right.
    Either,
}

/// The state a [`BlockPool`](poolalloc::BlockPool) must be in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Model {
    /// The block stride: the requested size rounded up to at least a
    /// pointer and to a multiple of the block alignment.
    pub stride: usize,
    /// The block alignment: the requested one, and at least a pointer's.
    pub block_align: usize,
    /// The regions the pool accepted, in address order.
    pub regions: Vec<ModelRegion>,
    /// Live block address to the seed of the pattern it holds.
    pub live: BTreeMap<usize, u64>,
    /// Every block handed out since creation or the last reset.
    pub handed_out: BTreeSet<usize>,
    /// Blocks freed since the last reset and not handed out again, most
    /// recent last: the pool's free list is LIFO.
    pub free_stack: Vec<usize>,
    /// Blocks over all regions.
    pub capacity: usize,
    /// The most blocks live at once since creation or the last reset.
    pub high_water: usize,
    /// Successful allocations since creation.
    pub allocations: u64,
    /// Successful frees since creation.
    pub frees: u64,
    /// Allocations refused since creation.
    pub failed_allocations: u64,
}

impl Model {
    /// The model of an empty pool of blocks of `block_size` bytes aligned
    /// to `align`.
    pub fn new(block_size: usize, align: usize) -> Self {
        let block_align = align.max(align_of::<*mut u8>());
        let stride = block_size
            .max(size_of::<*mut u8>())
            .next_multiple_of(block_align);
        Model {
            stride,
            block_align,
            regions: Vec::new(),
            live: BTreeMap::new(),
            handed_out: BTreeSet::new(),
            free_stack: Vec::new(),
            capacity: 0,
            high_water: 0,
            allocations: 0,
            frees: 0,
            failed_allocations: 0,
        }
    }

    /// Whether `start..end` overlaps a region of the pool.
    pub fn overlaps(&self, start: usize, end: usize) -> bool {
        self.regions.iter().any(|r| r.start < end && start < r.end)
    }

    /// What `add_region` must do with the region `start..end`, given
    /// `needed`, the size of a region that holds one block whatever its
    /// start address.
    pub fn expect_add(&self, start: usize, end: usize, needed: usize) -> AddExpectation {
        let len = end - start;
        if self.overlaps(start, end) {
            AddExpectation::Overlap
        } else if len <= self.stride {
            AddExpectation::TooSmall
        } else if len >= needed {
            AddExpectation::Fits
        } else {
            AddExpectation::Either
        }
    }

    /// Records a region the pool accepted.
    pub fn add_region(&mut self, region: ModelRegion) {
        assert!(region.count > 0, "a region without blocks: {region:?}");
        assert!(!self.overlaps(region.start, region.end));
        let at = self.regions.partition_point(|r| r.start < region.start);
        self.regions.insert(at, region);
        self.capacity += region.count;
    }

    /// The region whose block area holds `addr`.
    pub fn block_region(&self, addr: usize) -> Option<&ModelRegion> {
        self.regions
            .iter()
            .find(|r| r.first <= addr && addr < r.blocks_end(self.stride))
    }

    /// What `addr` is.
    pub fn classify(&self, addr: usize) -> Class {
        let Some(region) = self.block_region(addr) else {
            return Class::Foreign;
        };
        let offset = (addr - region.first) % self.stride;
        if offset != 0 {
            Class::Interior { offset }
        } else if self.live.contains_key(&addr) {
            Class::Live
        } else if self.handed_out.contains(&addr) {
            Class::Freed
        } else {
            Class::Fresh
        }
    }

    /// Every block start, in address order.
    pub fn blocks(&self) -> impl Iterator<Item = usize> + '_ {
        let stride = self.stride;
        self.regions
            .iter()
            .flat_map(move |r| (0..r.count).map(move |i| r.first + i * stride))
    }

    /// The blocks handed out since the last reset and free now, in address
    /// order.
    pub fn freed(&self) -> Vec<usize> {
        self.handed_out
            .iter()
            .copied()
            .filter(|a| !self.live.contains_key(a))
            .collect()
    }

    /// The blocks never handed out since the last reset, in address order.
    pub fn fresh(&self) -> Vec<usize> {
        self.blocks()
            .filter(|a| !self.handed_out.contains(a))
            .collect()
    }

    /// Whether every block is live.
    pub fn is_full(&self) -> bool {
        self.live.len() == self.capacity
    }

    /// Whether `addr` is the block a bump cursor hands out next: a block
    /// never handed out whose predecessors in its region all were, and
    /// whose successors all were not.
    pub fn is_next_fresh(&self, addr: usize) -> bool {
        let Some(region) = self.block_region(addr) else {
            return false;
        };
        let index = (addr - region.first) / self.stride;
        let used = self
            .handed_out
            .range(region.first..region.blocks_end(self.stride))
            .count();
        self.classify(addr) == Class::Fresh && used == index
    }

    /// Records that `addr` was handed out and now holds the pattern of
    /// `seed`.
    pub fn alloc(&mut self, addr: usize, seed: u64) {
        match self.classify(addr) {
            Class::Freed => {
                let at = self
                    .free_stack
                    .iter()
                    .rposition(|&a| a == addr)
                    .expect("a freed block is on the free stack");
                self.free_stack.remove(at);
            }
            Class::Fresh => {
                self.handed_out.insert(addr);
            }
            other => panic!("model: cannot hand out {addr:#x}, which is {other:?}"),
        }
        self.live.insert(addr, seed);
        self.allocations += 1;
        self.high_water = self.high_water.max(self.live.len());
    }

    /// Records a refused allocation.
    pub fn alloc_failed(&mut self) {
        self.failed_allocations += 1;
    }

    /// Records that the live block `addr` was freed; returns its seed.
    pub fn free(&mut self, addr: usize) -> u64 {
        let seed = self
            .live
            .remove(&addr)
            .unwrap_or_else(|| panic!("model: {addr:#x} is not live"));
        self.free_stack.push(addr);
        self.frees += 1;
        seed
    }

    /// Records a reset.
    pub fn reset(&mut self) {
        self.live.clear();
        self.handed_out.clear();
        self.free_stack.clear();
        self.high_water = 0;
    }

    /// Panics unless the model's own invariants hold. Linear in the
    /// number of blocks handed out (plus a sort of the free stack).
    pub fn assert_consistent(&self) {
        // Merge the sorted live set into the sorted handed-out set: the
        // live blocks must all be there, and the rest is the freed set.
        let mut live = self.live.keys().copied().peekable();
        let mut freed = Vec::with_capacity(self.free_stack.len());
        for &addr in &self.handed_out {
            let region = self
                .block_region(addr)
                .unwrap_or_else(|| panic!("model: {addr:#x} handed out but not a block"));
            assert_eq!((addr - region.first) % self.stride, 0, "model: {addr:#x}");
            if live.peek() == Some(&addr) {
                live.next();
            } else {
                freed.push(addr);
            }
        }
        assert_eq!(
            live.next(),
            None,
            "model: a live block was never handed out"
        );
        let mut stacked = self.free_stack.clone();
        stacked.sort_unstable();
        assert_eq!(stacked, freed, "model: free stack and freed set");
        assert_eq!(
            self.capacity,
            self.regions.iter().map(|r| r.count).sum::<usize>()
        );
        assert!(self.live.len() <= self.high_water && self.high_water <= self.capacity);
        for pair in self.regions.windows(2) {
            assert!(pair[0].end <= pair[1].start, "model: regions {pair:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        let mut m = Model::new(20, 8);
        assert_eq!((m.stride, m.block_align), (24, 8));
        m.add_region(ModelRegion {
            start: 1000,
            end: 1200,
            first: 1064,
            count: 5,
        });
        m
    }

    #[test]
    fn stride_rounds_up_to_a_pointer_and_the_alignment() {
        assert_eq!(Model::new(1, 1).stride, size_of::<*mut u8>());
        assert_eq!(Model::new(1, 1).block_align, align_of::<*mut u8>());
        assert_eq!(Model::new(65, 64).stride, 128);
        assert_eq!(Model::new(300, 128).stride, 384);
        assert_eq!(Model::new(9, 8).stride, 16);
    }

    #[test]
    fn classify_follows_the_lifecycle_of_a_block() {
        let mut m = model();
        assert_eq!(m.classify(999), Class::Foreign);
        assert_eq!(m.classify(1000), Class::Foreign, "bookkeeping");
        assert_eq!(m.classify(1064 + 5 * 24), Class::Foreign, "tail");
        assert_eq!(m.classify(1064 + 24 + 7), Class::Interior { offset: 7 });
        assert_eq!(m.classify(1064), Class::Fresh);
        assert!(m.is_next_fresh(1064));
        assert!(!m.is_next_fresh(1088));
        m.alloc(1064, 1);
        assert_eq!(m.classify(1064), Class::Live);
        assert!(m.is_next_fresh(1088));
        m.alloc(1088, 2);
        assert_eq!(m.free(1064), 1);
        assert_eq!(m.classify(1064), Class::Freed);
        assert_eq!(m.free_stack, vec![1064]);
        assert_eq!(m.classify(1064).free_result(), Err(FreeError::DoubleFree));
        assert_eq!(
            m.classify(1112).free_result(),
            Err(FreeError::NeverAllocated)
        );
        assert_eq!((m.allocations, m.frees, m.high_water), (2, 1, 2));
        m.assert_consistent();
        m.reset();
        assert_eq!(m.classify(1088), Class::Fresh);
        assert_eq!(m.high_water, 0);
        assert_eq!(m.fresh().len(), 5);
        m.assert_consistent();
    }

    #[test]
    fn add_expectations() {
        let m = model();
        assert_eq!(m.expect_add(900, 1001, 500), AddExpectation::Overlap);
        assert_eq!(m.expect_add(1199, 1300, 50), AddExpectation::Overlap);
        assert_eq!(m.expect_add(1200, 1224, 50), AddExpectation::TooSmall);
        assert_eq!(m.expect_add(1200, 1225, 50), AddExpectation::Either);
        assert_eq!(m.expect_add(1200, 1250, 50), AddExpectation::Fits);
        // An empty region touching or outside a region does not overlap it;
        // one strictly inside does.
        assert_eq!(m.expect_add(1000, 1000, 50), AddExpectation::TooSmall);
        assert_eq!(m.expect_add(1100, 1100, 50), AddExpectation::Overlap);
    }

    #[test]
    #[should_panic(expected = "cannot hand out")]
    fn the_model_refuses_to_hand_out_a_live_block() {
        let mut m = model();
        m.alloc(1064, 1);
        m.alloc(1064, 2);
    }
}
