//! Model-based testing of [`Slab`](poolalloc::Slab).
//!
//! [`run`] builds a slab of one of a few fixed [`Shape`]s (slab sizes are
//! const generics), applies [`Op`]s to it and to a [`Model`] (a `HashMap`
//! from live handles to their bytes), and asserts after every step that
//! they agree, that every stale handle is refused and reaches no live
//! value, and that `check()` passes. See [`run`] for what is checked.
//!
//! This module uses only `poolalloc`'s public API and `std`, so that it can
//! serve both a proptest suite and a fuzz target (feature `arbitrary`).

use poolalloc::slab::{Handle, Slab, SlabError};
use std::collections::{HashMap, HashSet};
use std::vec::Vec;

/// The most stale handles a run remembers and re-checks after every step.
const STALE_KEPT: usize = 64;

/// A slab size: `Slab<BYTES, SLOTS>` for a few pairs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Shape {
    /// `Slab<8, 2>`: 2 slots of 4 bytes.
    Tiny,
    /// `Slab<64, 4>`: 4 slots of 16 bytes.
    Small,
    /// `Slab<100, 7>`: 7 slots of 14 bytes, 2 bytes unused.
    Odd,
    /// `Slab<1200, 300>`: 300 slots of 4 bytes (more than 255).
    Wide,
}

impl Shape {
    /// Every shape.
    pub const ALL: [Shape; 4] = [Shape::Tiny, Shape::Small, Shape::Odd, Shape::Wide];
}

/// One operation on a [`Slab`].
///
/// Operands that pick a handle are indices into the set they draw from
/// (live handles in allocation order, remembered stale handles, handles of
/// another slab), taken modulo its size; an operation whose set is empty
/// is skipped and counted as `skipped`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Op {
    /// `alloc` of `len % (block_size + 3)` bytes of a pattern from `fill`:
    /// `TooLarge` exactly when longer than a block, `Full` exactly when
    /// every slot is live; otherwise a new handle.
    Alloc {
        /// Picks the length.
        len: u16,
        /// Seeds the pattern.
        fill: u8,
    },
    /// `alloc_uninit(len % (block_size + 3))`: as [`Op::Alloc`], and the
    /// slice handed out is exactly `len` long; the run fills it.
    AllocUninit {
        /// Picks the length.
        len: u16,
        /// Seeds the pattern written into it.
        fill: u8,
    },
    /// `alloc` of a length far past the block size: `TooLarge`.
    AllocHuge {
        /// Distance from `usize::MAX`.
        below_max: u16,
    },
    /// `free` of a live handle: its length.
    Free(u16),
    /// `get_mut` of a live handle, overwritten with a new pattern.
    Write {
        /// Picks the handle.
        index: u16,
        /// Seeds the pattern.
        fill: u8,
    },
    /// `get`, `get_mut`, `lookup`, `lookup_mut`, `contains` or `free` (by
    /// `how % 6`) of a stale handle: `None`, `false` or `Stale`.
    Stale {
        /// Picks the handle.
        index: u16,
        /// Picks the operation.
        how: u8,
    },
    /// As [`Op::Stale`], with a live handle of another slab of the same
    /// shape: `Foreign`.
    Foreign {
        /// Picks the handle.
        index: u16,
        /// Picks the operation.
        how: u8,
    },
    /// `clear()`: every live handle goes stale.
    Clear,
}

impl Op {
    /// The name under which [`Summary`] counts the operation.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Alloc { .. } => "alloc",
            Op::AllocUninit { .. } => "alloc_uninit",
            Op::AllocHuge { .. } => "alloc.huge",
            Op::Free(_) => "free",
            Op::Write { .. } => "write",
            Op::Stale { .. } => "stale",
            Op::Foreign { .. } => "foreign",
            Op::Clear => "clear",
        }
    }
}

/// What a run did: how many times each operation was carried out (not
/// skipped), under [`Op::name`], and how many times each outcome was seen,
/// under `alloc.ok`, `alloc.too_large`, `alloc.full` and `skipped`.
pub use crate::summary::Summary;

/// The shadow model: live handles and their bytes, and the counters the
/// slab must report.
#[derive(Clone, Debug, Default)]
pub struct Model {
    /// Live handles and the bytes each holds.
    pub live: HashMap<Handle, Vec<u8>>,
    /// Live handles in allocation order, to pick from.
    pub order: Vec<Handle>,
    /// Freed handles, the most recent `STALE_KEPT`.
    pub stale: Vec<Handle>,
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
    fn insert(&mut self, handle: Handle, bytes: Vec<u8>) {
        assert!(
            !self.stale.contains(&handle),
            "a new handle equals a stale one: {handle:?}"
        );
        assert!(
            self.order.iter().all(|h| h.index() != handle.index()),
            "slot {} handed out twice",
            handle.index()
        );
        assert!(self.live.insert(handle, bytes).is_none());
        self.order.push(handle);
        self.allocations += 1;
        self.high_water = self.high_water.max(self.live.len());
    }

    fn remove(&mut self, handle: Handle) -> Vec<u8> {
        let bytes = self.live.remove(&handle).expect("a live handle");
        self.order.retain(|h| *h != handle);
        if self.stale.len() == STALE_KEPT {
            self.stale.remove(0);
        }
        self.stale.push(handle);
        self.frees += 1;
        bytes
    }
}

/// The pattern an allocation of `len` bytes seeded by `fill` holds.
pub fn pattern(len: usize, fill: u8) -> Vec<u8> {
    (0..len)
        .map(|i| fill.wrapping_add((i as u8).wrapping_mul(31)))
        .collect()
}

/// Runs `ops` on a slab of `shape` and on a [`Model`], asserting after
/// every operation that:
///
/// - the result is exactly what the model predicts (see [`Op`]);
/// - a new handle names a slot no live handle names and equals no stale
///   handle;
/// - every live handle reads back exactly its bytes, and `iter()` yields
///   exactly the live handles;
/// - every remembered stale handle is refused by `get`, `lookup` and
///   `contains` (so it reaches no live value);
/// - `check()` passes and the statistics are exact;
/// - a refused operation changed nothing.
pub fn run(shape: Shape, ops: &[Op]) -> Summary {
    match shape {
        Shape::Tiny => run_with::<8, 2>(ops),
        Shape::Small => run_with::<64, 4>(ops),
        Shape::Odd => run_with::<100, 7>(ops),
        Shape::Wide => run_with::<1200, 300>(ops),
    }
}

fn run_with<const BYTES: usize, const SLOTS: usize>(ops: &[Op]) -> Summary {
    let mut other = Slab::<BYTES, SLOTS>::new();
    let foreign = (0..SLOTS.min(3))
        .map(|i| other.alloc(&pattern(1, i as u8)).unwrap())
        .collect();
    let mut runner = Runner {
        slab: Slab::<BYTES, SLOTS>::new(),
        model: Model::default(),
        foreign,
        summary: Summary::default(),
    };
    runner.verify();
    for op in ops {
        runner.step(*op);
        runner.verify();
    }
    runner.summary
}

struct Runner<const BYTES: usize, const SLOTS: usize> {
    slab: Slab<BYTES, SLOTS>,
    model: Model,
    foreign: Vec<Handle>,
    summary: Summary,
}

impl<const BYTES: usize, const SLOTS: usize> Runner<BYTES, SLOTS> {
    const BLOCK: usize = Slab::<BYTES, SLOTS>::BLOCK_SIZE;

    fn pick(set: &[Handle], index: u16) -> Option<Handle> {
        (!set.is_empty()).then(|| set[index as usize % set.len()])
    }

    fn step(&mut self, op: Op) {
        let carried_out = match op {
            Op::Alloc { len, fill } => {
                self.alloc(len as usize % (Self::BLOCK + 3), fill, false);
                true
            }
            Op::AllocUninit { len, fill } => {
                self.alloc(len as usize % (Self::BLOCK + 3), fill, true);
                true
            }
            Op::AllocHuge { below_max } => {
                let len = usize::MAX - below_max as usize;
                let result = self.slab.alloc_uninit(len).map(|(h, _)| h);
                assert_eq!(
                    result,
                    Err(SlabError::TooLarge {
                        len,
                        block_size: Self::BLOCK
                    })
                );
                true
            }
            Op::Free(index) => match Self::pick(&self.model.order, index) {
                Some(h) => {
                    let expected = self.model.remove(h).len();
                    assert_eq!(self.slab.free(h), Ok(expected));
                    true
                }
                None => false,
            },
            Op::Write { index, fill } => match Self::pick(&self.model.order, index) {
                Some(h) => {
                    let bytes = self.model.live.get_mut(&h).unwrap();
                    *bytes = pattern(bytes.len(), fill);
                    self.slab.get_mut(h).unwrap().copy_from_slice(bytes);
                    true
                }
                None => false,
            },
            Op::Stale { index, how } => match Self::pick(&self.model.stale, index) {
                Some(h) => {
                    self.refused(h, how, SlabError::Stale);
                    true
                }
                None => false,
            },
            Op::Foreign { index, how } => match Self::pick(&self.foreign, index) {
                Some(h) => {
                    self.refused(h, how, SlabError::Foreign);
                    true
                }
                None => false,
            },
            Op::Clear => {
                self.slab.clear();
                for h in self.model.order.clone() {
                    self.model.remove(h);
                }
                true
            }
        };
        self.summary
            .note(if carried_out { op.name() } else { "skipped" });
    }

    fn alloc(&mut self, len: usize, fill: u8, uninit: bool) {
        let bytes = pattern(len, fill);
        let before = self.slab.len();
        let result = if uninit {
            self.slab.alloc_uninit(len).map(|(h, slot)| {
                assert_eq!(slot.len(), len);
                slot.copy_from_slice(&bytes);
                h
            })
        } else {
            self.slab.alloc(&bytes)
        };
        if len > Self::BLOCK {
            assert_eq!(
                result,
                Err(SlabError::TooLarge {
                    len,
                    block_size: Self::BLOCK
                })
            );
            self.summary.note("alloc.too_large");
        } else if self.model.live.len() == SLOTS {
            assert_eq!(result, Err(SlabError::Full));
            self.model.failed += 1;
            self.summary.note("alloc.full");
        } else {
            let h = result.expect("a free slot");
            self.model.insert(h, bytes);
            self.summary.note("alloc.ok");
            return;
        }
        assert_eq!(self.slab.len(), before);
    }

    fn refused(&mut self, h: Handle, how: u8, error: SlabError) {
        let len = self.slab.len();
        match how % 6 {
            0 => assert_eq!(self.slab.get(h), None),
            1 => assert_eq!(self.slab.get_mut(h), None),
            2 => assert_eq!(self.slab.lookup(h), Err(error)),
            3 => assert_eq!(self.slab.lookup_mut(h).map(|b| b.len()), Err(error)),
            4 => assert!(!self.slab.contains(h)),
            _ => assert_eq!(self.slab.free(h), Err(error)),
        }
        assert_eq!(self.slab.len(), len);
    }

    fn verify(&self) {
        if let Err(e) = self.slab.check() {
            panic!("check failed: {e}");
        }
        let model = &self.model;
        for (h, bytes) in &model.live {
            assert_eq!(self.slab.get(*h), Some(&bytes[..]), "{h:?}");
        }
        let listed: HashSet<Handle> = self.slab.iter().map(|(h, _)| h).collect();
        assert_eq!(listed, model.live.keys().copied().collect());
        for h in &model.stale {
            assert_eq!(self.slab.lookup(*h), Err(SlabError::Stale), "{h:?}");
            assert!(!self.slab.contains(*h));
            assert!(!model.live.contains_key(h));
        }
        let stats = self.slab.stats();
        assert_eq!(
            (
                stats.capacity,
                stats.in_use,
                stats.high_water,
                stats.allocations,
                stats.frees,
                stats.failed_allocations
            ),
            (
                SLOTS,
                model.live.len(),
                model.high_water,
                model.allocations,
                model.frees,
                model.failed
            )
        );
        assert_eq!(self.slab.available(), SLOTS - model.live.len());
        assert_eq!(
            self.slab.bytes_in_use(),
            model.live.values().map(Vec::len).sum::<usize>()
        );
    }
}
