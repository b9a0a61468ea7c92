//! Model-based testing of [`RangePool`](poolalloc::RangePool).
//!
//! [`run`] builds a pool from a [`Config`] (its length, granularity and node
//! storage: some nodes at first, and a limit up to which the storage may
//! grow), then applies [`Op`]s to it and to a [`Model`], a `BTreeMap` of
//! the live ranges, asserting after every step that they agree. See [`run`]
//! for what is checked.
//!
//! This module uses only `poolalloc`'s public API and `std`, so that it can
//! serve both a proptest suite and a fuzz target (feature `arbitrary`).

use poolalloc::range::{Allocation, Node, NodeStorage, RangeInfo, RangePool};
use poolalloc::{ByteStats, RangeError};
use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::vec;
use std::vec::Vec;

/// Largest pool length, in granules.
pub const MAX_UNITS: usize = 512;
/// Largest log2 of the granularity.
pub const MAX_GRANULARITY_LOG2: u32 = 4;
/// Largest number of nodes the storage may reach.
pub const MAX_NODES: usize = 96;
/// Alignments go up to `2^MAX_ALIGN_LOG2`, beyond the largest pool.
pub const MAX_ALIGN_LOG2: u32 = 14;
/// The most stale handles a run remembers.
const STALE_KEPT: usize = 64;

/// The shape of a pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// Length in granules, `1..=MAX_UNITS`.
    pub units: usize,
    /// log2 of the granularity, `0..=MAX_GRANULARITY_LOG2`.
    pub granularity_log2: u32,
    /// Nodes in the storage at creation, `0..=max_nodes`.
    pub initial_nodes: usize,
    /// Nodes up to which the storage grows, `initial_nodes..=MAX_NODES`.
    /// Equal to `initial_nodes`, the storage is fixed; zero, creating the
    /// pool must fail with `NodesExhausted`.
    pub max_nodes: usize,
}

impl Config {
    /// A pool of `units` granules of `2^granularity_log2` bytes whose
    /// storage starts with `initial_nodes` nodes and grows up to
    /// `max_nodes`.
    pub fn new(
        units: usize,
        granularity_log2: u32,
        initial_nodes: usize,
        max_nodes: usize,
    ) -> Self {
        Config {
            units,
            granularity_log2,
            initial_nodes,
            max_nodes,
        }
    }

    /// The granularity in bytes.
    pub fn granularity(&self) -> usize {
        1 << self.granularity_log2
    }

    /// The pool length in bytes.
    pub fn len_bytes(&self) -> usize {
        self.units << self.granularity_log2
    }

    /// Panics unless every field is in its documented range.
    pub fn validate(&self) {
        assert!((1..=MAX_UNITS).contains(&self.units), "units out of range");
        assert!(
            self.granularity_log2 <= MAX_GRANULARITY_LOG2,
            "granularity too large"
        );
        assert!(
            self.initial_nodes <= self.max_nodes && self.max_nodes <= MAX_NODES,
            "node counts out of range"
        );
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Config {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let max_nodes = u.int_in_range(0..=MAX_NODES)?;
        Ok(Config {
            units: u.int_in_range(1..=MAX_UNITS)?,
            granularity_log2: u.int_in_range(0..=MAX_GRANULARITY_LOG2)?,
            initial_nodes: u.int_in_range(0..=max_nodes)?,
            max_nodes,
        })
    }
}

/// One operation on a [`RangePool`].
///
/// Operands that pick a handle are indices into the set they draw from
/// (live allocations in address order, stale handles, foreign handles),
/// taken modulo its size; an operation whose set is empty is skipped and
/// counted as `skipped`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Op {
    /// `alloc(size % (len + len / 4 + 1), 1 << (align_log2 % (MAX_ALIGN_LOG2 + 1)))`:
    /// `TooLarge` exactly when the rounded size exceeds the pool,
    /// `OutOfSpace` exactly when no free range holds it aligned,
    /// `NodesExhausted` only when fewer than two nodes are left, counting
    /// those the storage can still grow by; otherwise a range inside free
    /// space.
    Alloc {
        /// Picks the size.
        size: u16,
        /// Picks the alignment.
        align_log2: u8,
    },
    /// `alloc(usize::MAX - below_max, 1)`: must be `TooLarge`.
    AllocHuge {
        /// Distance from `usize::MAX`.
        below_max: u16,
    },
    /// `alloc(size, 2 * align + 3)`, an alignment that is not a power of
    /// two: must be `BadAlignment`.
    AllocBadAlign {
        /// The size.
        size: u16,
        /// Picks the alignment.
        align: u16,
    },
    /// `free` of a live allocation's handle: its size.
    Free(u16),
    /// `free_at` of a live allocation's offset: its size.
    FreeAt(u16),
    /// `free_at(offset % (len + 2 * granularity))`: the size of the live
    /// allocation starting there, or `OutOfBounds`, `Interior` or
    /// `NotAllocated` as the model says.
    FreeAtOffset(u32),
    /// `grow_in_place` of a live allocation to `new_size`: `WrongResize`
    /// when it rounds below the size, otherwise `true` exactly when the
    /// free space right after it is long enough.
    Grow {
        /// Picks the allocation.
        index: u16,
        /// The new size.
        new_size: u16,
    },
    /// `shrink_in_place` of a live allocation to `new_size`: `WrongResize`
    /// when it rounds above the size, otherwise `true` unless the released
    /// tail needs a node and none is left.
    Shrink {
        /// Picks the allocation.
        index: u16,
        /// The new size.
        new_size: u16,
    },
    /// `free`, `grow_in_place` or `shrink_in_place` (by `how % 3`) of a
    /// handle whose allocation was freed, resized or reset: must be
    /// `Stale`.
    Stale {
        /// Picks the handle.
        index: u16,
        /// Picks the operation.
        how: u8,
    },
    /// As [`Op::Stale`], with a live handle of another pool of the same
    /// shape: must be `Foreign`.
    Foreign {
        /// Picks the handle.
        index: u16,
        /// Picks the operation.
        how: u8,
    },
    /// `allocation_at`, `range_containing` and `contains_offset` of
    /// `offset % (len + granularity)`.
    Query(u32),
    /// `for_each_range`, breaking at range `stop % (ranges + 1)`.
    Iterate {
        /// Picks where to break.
        stop: u16,
    },
    /// `reset()`: every handle goes stale.
    Reset,
}

impl Op {
    /// The name under which [`Summary`] counts the operation.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Alloc { .. } => "alloc",
            Op::AllocHuge { .. } => "alloc.huge",
            Op::AllocBadAlign { .. } => "alloc.bad_align",
            Op::Free(_) => "free",
            Op::FreeAt(_) => "free_at",
            Op::FreeAtOffset(_) => "free_at.any",
            Op::Grow { .. } => "grow",
            Op::Shrink { .. } => "shrink",
            Op::Stale { .. } => "stale",
            Op::Foreign { .. } => "foreign",
            Op::Query(_) => "query",
            Op::Iterate { .. } => "iterate",
            Op::Reset => "reset",
        }
    }
}

/// What a run did: how many times each operation was carried out (not
/// skipped), under [`Op::name`], and how many times each outcome was seen,
/// under `alloc.ok`, `alloc.too_large`, `alloc.out_of_space`,
/// `alloc.nodes_exhausted`, `free_at.ok`, `free_at.out_of_bounds`,
/// `free_at.interior`, `free_at.not_allocated`, `grow.ok`, `grow.no_room`,
/// `grow.wrong`, `shrink.ok`, `shrink.no_node`, `shrink.wrong`,
/// `new.nodes_exhausted`, `iterate.break` and `skipped`.
pub use crate::summary::Summary;

/// Node storage that starts with some nodes and grows, one step at a time,
/// up to a limit: it exercises growth and its failure.
#[derive(Debug)]
pub struct LimitedNodes {
    nodes: Vec<Node>,
    limit: usize,
}

impl LimitedNodes {
    /// `initial` nodes, growing up to `limit`.
    pub fn new(initial: usize, limit: usize) -> Self {
        LimitedNodes {
            nodes: vec![Node::EMPTY; initial],
            limit,
        }
    }

    /// Whether the storage can still grow.
    pub fn can_grow(&self) -> bool {
        self.headroom() > 0
    }

    /// How many more nodes the storage can grow by.
    pub fn headroom(&self) -> usize {
        self.limit - self.nodes.len()
    }
}

impl NodeStorage for LimitedNodes {
    fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    fn nodes_mut(&mut self) -> &mut [Node] {
        &mut self.nodes
    }

    fn grow(&mut self) -> bool {
        if !self.can_grow() {
            return false;
        }
        let more = self.nodes.len().clamp(1, self.limit - self.nodes.len());
        self.nodes.resize(self.nodes.len() + more, Node::EMPTY);
        true
    }
}

/// The shadow model: the live allocations by offset, and the counters the
/// pool must report.
#[derive(Clone, Debug, Default)]
pub struct Model {
    /// Pool length in bytes.
    pub len: usize,
    /// Granularity in bytes.
    pub granularity: usize,
    /// Live allocations: offset to handle.
    pub live: BTreeMap<usize, Allocation>,
    /// Expected `high_water`.
    pub high_water: usize,
    /// Expected `allocations`.
    pub allocations: u64,
    /// Expected `frees`.
    pub frees: u64,
    /// Expected `failed_allocations`.
    pub failed: u64,
}

impl Model {
    /// `size` rounded up to the granularity, at least one granule.
    pub fn rounded(&self, size: usize) -> usize {
        size.max(1).div_ceil(self.granularity) * self.granularity
    }

    /// Bytes held by live allocations.
    pub fn in_use(&self) -> usize {
        self.live.values().map(Allocation::size).sum()
    }

    /// Every range in address order: the live allocations and the maximal
    /// free runs between them.
    pub fn ranges(&self) -> Vec<(usize, usize, bool)> {
        let mut ranges = Vec::new();
        let mut at = 0;
        for a in self.live.values() {
            if a.offset() > at {
                ranges.push((at, a.offset() - at, false));
            }
            ranges.push((a.offset(), a.size(), true));
            at = a.end();
        }
        if at < self.len {
            ranges.push((at, self.len - at, false));
        }
        ranges
    }

    /// The free runs as `(start, end)`.
    pub fn gaps(&self) -> Vec<(usize, usize)> {
        self.ranges()
            .into_iter()
            .filter(|r| !r.2)
            .map(|(start, size, _)| (start, start + size))
            .collect()
    }

    /// Whether some free run holds `size` bytes (already rounded) at a
    /// multiple of `align`.
    pub fn fits(&self, size: usize, align: usize) -> bool {
        self.gaps().iter().any(|&(start, end)| {
            start
                .checked_next_multiple_of(align)
                .is_some_and(|at| at + size <= end)
        })
    }

    /// The range holding byte `offset`.
    pub fn containing(&self, offset: usize) -> Option<(usize, usize, bool)> {
        self.ranges()
            .into_iter()
            .find(|&(start, size, _)| (start..start + size).contains(&offset))
    }

    /// Where the range right after live allocation `a` starts being
    /// unavailable: the next live allocation, or the pool's end.
    pub fn room_end(&self, a: &Allocation) -> usize {
        self.live
            .range(a.end()..)
            .next()
            .map_or(self.len, |(&offset, _)| offset)
    }

    fn allocated(&mut self, a: Allocation) {
        self.live.insert(a.offset(), a);
        self.allocations += 1;
        self.high_water = self.high_water.max(self.in_use());
    }
}

/// Runs `ops` on a pool shaped by `config` and on a [`Model`], asserting
/// after every operation that:
///
/// - the result is exactly what the model predicts (see [`Op`]);
/// - a new allocation lies in free space, aligned, of the rounded size;
/// - `check()` passes;
/// - the pool's ranges equal the model's (live allocations and maximal
///   free runs, so no two free ranges touch);
/// - the statistics are exact, counters included, and the pool uses one
///   node per range;
/// - a refused operation left the pool's ranges unchanged.
pub fn run(config: &Config, ops: &[Op]) -> Summary {
    config.validate();
    let mut summary = Summary::default();
    let storage = LimitedNodes::new(config.initial_nodes, config.max_nodes);
    let pool = match RangePool::new(config.len_bytes(), config.granularity(), storage) {
        Ok(pool) => pool,
        Err(e) => {
            assert_eq!((e, config.max_nodes), (RangeError::NodesExhausted, 0));
            summary.note("new.nodes_exhausted");
            return summary;
        }
    };
    // Another pool of the same shape, whose handles match this pool's in
    // everything but the pool.
    let mut other = RangePool::new(
        config.len_bytes(),
        config.granularity(),
        LimitedNodes::new(8, 8),
    )
    .expect("a valid pool");
    let foreign = (0..3)
        .map_while(|_| other.alloc(0, 1).ok())
        .collect::<Vec<_>>();
    let mut runner = Runner {
        pool,
        model: Model {
            len: config.len_bytes(),
            granularity: config.granularity(),
            ..Model::default()
        },
        stale: Vec::new(),
        foreign,
        summary,
    };
    runner.verify();
    for op in ops {
        runner.step(*op);
        runner.verify();
    }
    runner.summary
}

struct Runner {
    pool: RangePool<LimitedNodes>,
    model: Model,
    stale: Vec<Allocation>,
    foreign: Vec<Allocation>,
    summary: Summary,
}

impl Runner {
    fn live(&self, index: u16) -> Option<Allocation> {
        let n = self.model.live.len();
        (n > 0).then(|| *self.model.live.values().nth(index as usize % n).unwrap())
    }

    fn retire(&mut self, a: Allocation) {
        if self.stale.len() == STALE_KEPT {
            self.stale.remove(0);
        }
        self.stale.push(a);
    }

    fn ranges(&self) -> Vec<(usize, usize, bool)> {
        self.pool
            .ranges()
            .map(|r| (r.offset, r.size, r.used))
            .collect()
    }

    /// Whether fewer than `needed` nodes are vacant or can be grown.
    fn out_of_nodes(&self, needed: usize) -> bool {
        let vacant = self.pool.node_capacity() - self.pool.nodes_in_use();
        vacant + self.pool.storage().headroom() < needed
    }

    fn step(&mut self, op: Op) {
        let len = self.model.len;
        let granularity = self.model.granularity;
        let carried_out = match op {
            Op::Alloc { size, align_log2 } => {
                let size = size as usize % (len + len / 4 + 1);
                let align = 1usize << (u32::from(align_log2) % (MAX_ALIGN_LOG2 + 1));
                self.alloc(size, align);
                true
            }
            Op::AllocHuge { below_max } => {
                let size = usize::MAX - below_max as usize;
                let before = self.ranges();
                assert_eq!(self.pool.alloc(size, 1), Err(RangeError::TooLarge { size }));
                assert_eq!(self.ranges(), before);
                self.model.failed += 1;
                true
            }
            Op::AllocBadAlign { size, align } => {
                let align = 2 * align as usize + 3;
                let before = self.ranges();
                assert_eq!(
                    self.pool.alloc(size as usize, align),
                    Err(RangeError::BadAlignment { align })
                );
                assert_eq!(self.ranges(), before);
                true
            }
            Op::Free(index) => self.live(index).is_some_and(|a| {
                assert_eq!(self.pool.free(a), Ok(a.size()));
                self.freed(a);
                true
            }),
            Op::FreeAt(index) => self.live(index).is_some_and(|a| {
                assert_eq!(self.pool.free_at(a.offset()), Ok(a.size()));
                self.freed(a);
                true
            }),
            Op::FreeAtOffset(offset) => {
                self.free_at_any(offset as usize % (len + 2 * granularity));
                true
            }
            Op::Grow { index, new_size } => self.live(index).is_some_and(|a| {
                self.grow(a, new_size as usize);
                true
            }),
            Op::Shrink { index, new_size } => self.live(index).is_some_and(|a| {
                self.shrink(a, new_size as usize);
                true
            }),
            Op::Stale { index, how } => {
                let n = self.stale.len();
                n > 0 && {
                    let a = self.stale[index as usize % n];
                    self.refused(a, how, RangeError::Stale);
                    true
                }
            }
            Op::Foreign { index, how } => {
                let n = self.foreign.len();
                n > 0 && {
                    let a = self.foreign[index as usize % n];
                    self.refused(a, how, RangeError::Foreign);
                    true
                }
            }
            Op::Query(offset) => {
                self.query(offset as usize % (len + granularity));
                true
            }
            Op::Iterate { stop } => {
                self.iterate(stop as usize);
                true
            }
            Op::Reset => {
                self.pool.reset();
                let live = std::mem::take(&mut self.model.live);
                for a in live.into_values() {
                    self.retire(a);
                }
                self.model.high_water = 0;
                true
            }
        };
        self.summary
            .note(if carried_out { op.name() } else { "skipped" });
    }

    fn alloc(&mut self, size: usize, align: usize) {
        let rounded = self.model.rounded(size);
        let before = self.ranges();
        let out_of_nodes = self.out_of_nodes(2);
        let result = self.pool.alloc(size, align);
        if rounded > self.model.len {
            assert_eq!(result, Err(RangeError::TooLarge { size }));
            self.summary.note("alloc.too_large");
        } else if !self.model.fits(rounded, align.max(self.model.granularity)) {
            assert_eq!(
                result,
                Err(RangeError::OutOfSpace {
                    size: rounded,
                    align
                })
            );
            self.summary.note("alloc.out_of_space");
        } else {
            match result {
                Ok(a) => {
                    assert_eq!(a.size(), rounded);
                    assert_eq!(a.offset() % align.max(self.model.granularity), 0);
                    assert!(
                        self.model
                            .gaps()
                            .iter()
                            .any(|&(start, end)| start <= a.offset() && a.end() <= end),
                        "{a:?} overlaps a live allocation"
                    );
                    self.model.allocated(a);
                    self.summary.note("alloc.ok");
                    return;
                }
                Err(RangeError::NodesExhausted) => {
                    assert!(out_of_nodes, "nodes exhausted with nodes to spare");
                    self.summary.note("alloc.nodes_exhausted");
                }
                Err(e) => panic!("alloc({size}, {align}) failed with {e:?} though it fits"),
            }
        }
        self.model.failed += 1;
        assert_eq!(self.ranges(), before);
    }

    fn freed(&mut self, a: Allocation) {
        self.model.live.remove(&a.offset());
        self.model.frees += 1;
        self.retire(a);
    }

    fn free_at_any(&mut self, offset: usize) {
        let before = self.ranges();
        let result = self.pool.free_at(offset);
        match self.model.containing(offset) {
            None => {
                assert_eq!(result, Err(RangeError::OutOfBounds { offset }));
                self.summary.note("free_at.out_of_bounds");
            }
            Some((start, size, true)) if start == offset => {
                assert_eq!(result, Ok(size));
                let a = self.model.live[&offset];
                self.freed(a);
                self.summary.note("free_at.ok");
                return;
            }
            Some((start, _, true)) => {
                assert_eq!(result, Err(RangeError::Interior { offset, start }));
                self.summary.note("free_at.interior");
            }
            Some((_, _, false)) => {
                assert_eq!(result, Err(RangeError::NotAllocated { offset }));
                self.summary.note("free_at.not_allocated");
            }
        }
        assert_eq!(self.ranges(), before);
    }

    fn grow(&mut self, a: Allocation, new_size: usize) {
        let rounded = self.model.rounded(new_size);
        let before = self.ranges();
        let mut handle = a;
        let result = self.pool.grow_in_place(&mut handle, new_size);
        if rounded < a.size() {
            assert_eq!(
                result,
                Err(RangeError::WrongResize {
                    size: a.size(),
                    new_size
                })
            );
            self.summary.note("grow.wrong");
        } else if rounded == a.size() {
            assert_eq!((result, handle), (Ok(true), a));
            self.summary.note("grow.ok");
        } else if a.offset() + rounded <= self.model.room_end(&a) {
            assert_eq!(result, Ok(true));
            self.resized(a, handle, rounded);
            self.summary.note("grow.ok");
            return;
        } else {
            assert_eq!((result, handle), (Ok(false), a));
            self.summary.note("grow.no_room");
        }
        assert_eq!(self.ranges(), before);
    }

    fn shrink(&mut self, a: Allocation, new_size: usize) {
        let rounded = self.model.rounded(new_size);
        let before = self.ranges();
        // The released tail needs a node of its own unless free space
        // follows the allocation.
        let no_node = self.model.room_end(&a) == a.end() && self.out_of_nodes(1);
        let mut handle = a;
        let result = self.pool.shrink_in_place(&mut handle, new_size);
        if rounded > a.size() {
            assert_eq!(
                result,
                Err(RangeError::WrongResize {
                    size: a.size(),
                    new_size
                })
            );
            self.summary.note("shrink.wrong");
        } else if rounded == a.size() {
            assert_eq!((result, handle), (Ok(true), a));
            self.summary.note("shrink.ok");
        } else if no_node {
            assert_eq!((result, handle), (Ok(false), a));
            self.summary.note("shrink.no_node");
        } else {
            assert_eq!(result, Ok(true));
            self.resized(a, handle, rounded);
            self.summary.note("shrink.ok");
            return;
        }
        assert_eq!(self.ranges(), before);
    }

    fn resized(&mut self, old: Allocation, new: Allocation, size: usize) {
        assert_eq!((new.offset(), new.size()), (old.offset(), size));
        assert_ne!(new, old);
        self.model.live.insert(new.offset(), new);
        self.model.high_water = self.model.high_water.max(self.model.in_use());
        self.retire(old);
    }

    fn refused(&mut self, a: Allocation, how: u8, error: RangeError) {
        let before = self.ranges();
        let mut handle = a;
        let result = match how % 3 {
            0 => self.pool.free(a).map(|_| true),
            1 => self.pool.grow_in_place(&mut handle, a.size() + 1),
            _ => self.pool.shrink_in_place(&mut handle, 0),
        };
        assert_eq!((result, handle), (Err(error), a));
        assert_eq!(self.ranges(), before);
    }

    fn query(&mut self, offset: usize) {
        assert_eq!(self.pool.contains_offset(offset), offset < self.model.len);
        assert_eq!(
            self.pool.allocation_at(offset),
            self.model.live.get(&offset).copied()
        );
        assert_eq!(
            self.pool
                .range_containing(offset)
                .map(|r| (r.offset, r.size, r.used)),
            self.model.containing(offset)
        );
    }

    fn iterate(&mut self, stop: usize) {
        let expected = self.model.ranges();
        let stop = stop % (expected.len() + 1);
        let mut seen = Vec::new();
        let flow = self.pool.for_each_range(|r: RangeInfo| {
            if seen.len() == stop {
                return ControlFlow::Break(r.offset);
            }
            seen.push((r.offset, r.size, r.used));
            ControlFlow::Continue(())
        });
        assert_eq!(seen, expected[..stop]);
        match expected.get(stop) {
            Some(&(offset, _, _)) => {
                assert_eq!(flow, ControlFlow::Break(offset));
                self.summary.note("iterate.break");
            }
            None => assert_eq!(flow, ControlFlow::Continue(())),
        }
    }

    fn verify(&self) {
        if let Err(e) = self.pool.check() {
            panic!("check failed: {e}");
        }
        let expected = self.model.ranges();
        assert_eq!(self.ranges(), expected);
        let free: Vec<_> = expected.iter().filter(|r| !r.2).map(|r| r.1).collect();
        let in_use = self.model.in_use();
        let model = &self.model;
        let actual: ByteStats = self.pool.stats();
        assert_eq!(
            (
                actual.capacity,
                actual.in_use,
                actual.free,
                actual.largest_free
            ),
            (
                model.len,
                in_use,
                model.len - in_use,
                free.iter().copied().max().unwrap_or(0)
            )
        );
        assert_eq!(
            (
                actual.free_blocks,
                actual.live_allocations,
                actual.high_water
            ),
            (free.len(), model.live.len(), model.high_water)
        );
        assert_eq!(
            (actual.allocations, actual.frees, actual.failed_allocations),
            (model.allocations, model.frees, model.failed)
        );
        assert_eq!(self.pool.len(), model.live.len());
        assert_eq!(self.pool.nodes_in_use(), expected.len());
        assert_eq!(self.pool.node_capacity(), self.pool.storage().nodes().len());
    }
}
