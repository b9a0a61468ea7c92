//! Model-based testing of [`VarPool`](poolalloc::VarPool).
//!
//! A run builds one buffer and cuts it into the pieces the pool may use:
//!
//! ```text
//! | skew | main region | gap | spare 0 | gap | spare 1 | gap | spare 2 | gap | tail |
//! ```
//!
//! The pool is created on the main region; [`Op::AddSpare`] hands it a
//! spare. The skew, the gaps and the tail never belong to the pool: they
//! are where foreign pointers point.
//!
//! [`run`] applies the operations to the pool and to a shadow model of the
//! live allocations (address → size, alignment, fill pattern), asserting
//! after every step that they agree:
//!
//! - a successful allocation is aligned, inside a region the pool was
//!   given, overlaps no live allocation, and reports a usable size of at
//!   least the request (exactly the request with guards);
//! - a failed allocation happens only when no free block could hold the
//!   request (the largest free block, read before, is too small);
//! - every allocation is filled with its own pattern, verified when it is
//!   freed, moved or resized, and periodically;
//! - a refused pointer gets exactly the error the pool's documented
//!   checked-free rule gives, as far as the model can compute it (it does
//!   not know the blocks' rounding), and the pool is left untouched;
//! - `check()` passes after every step and the counters agree.
//!
//! This file is used by `tests/var_model.rs` (proptest) and is written to
//! be moved unchanged into `poolalloc-model` as its `var` module, for the
//! fuzz target (feature `arbitrary`).

use poolalloc::region::Region;
use poolalloc::{
    AllocError, FitPolicy, FreeError, GuardConfigError, ReallocError, RegionError, VarPool,
};
use std::collections::BTreeMap;
use std::mem::MaybeUninit;
use std::ptr::NonNull;
use std::string::String;
use std::vec;
use std::vec::Vec;

/// Largest request size an operation produces (sizes are taken modulo
/// `MAX_SIZE + 1`).
pub const MAX_SIZE: usize = 4096;
/// Largest alignment, as a power of two: `2^MAX_ALIGN_LOG2`.
pub const MAX_ALIGN_LOG2: u8 = 10;
/// Largest main region.
pub const MAX_REGION_LEN: usize = 64 * 1024;
/// Largest spare region.
pub const MAX_SPARE_LEN: usize = 16 * 1024;
/// Bytes between two pieces of the buffer, and of the tail.
pub const GAP: usize = 64;
/// The number of spare regions.
pub const SPARES: usize = 3;
/// How many freed pointers the runner remembers, to free them again.
pub const STALE: usize = 32;

/// The shape of the memory a run's pool is built on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Config {
    /// Length of the main region (taken modulo `MAX_REGION_LEN + 1`).
    pub region_len: u32,
    /// Bytes of the buffer before the main region (modulo 64).
    pub skew: u8,
    /// Lengths of the spare regions (each modulo `MAX_SPARE_LEN + 1`).
    pub spare_lens: [u16; SPARES],
}

impl Config {
    /// A main region of `region_len` bytes, no skew, spares of 4096, 1024
    /// and 40 bytes (too small for a block on any target).
    pub fn simple(region_len: u32) -> Self {
        Config {
            region_len,
            skew: 0,
            spare_lens: [4096, 1024, 40],
        }
    }

    fn main_len(&self) -> usize {
        self.region_len as usize % (MAX_REGION_LEN + 1)
    }

    fn spare_len(&self, i: usize) -> usize {
        self.spare_lens[i] as usize % (MAX_SPARE_LEN + 1)
    }
}

/// A pointer that is not a live allocation, for a checked free.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum BadPtr {
    /// Into the skew, a gap or the tail of the buffer, or a local variable
    /// (selector taken modulo the number of such places).
    Foreign(u16),
    /// Inside live allocation `index` (modulo the number of live ones), at
    /// `1 + offset % (size - 1)`; skipped for allocations of one byte.
    Interior {
        /// Which live allocation, in address order.
        index: u16,
        /// Where in it.
        offset: u16,
    },
    /// Just past the requested bytes of live allocation `index`, at
    /// `size + offset % 64`: its slack, the next block's header, or beyond.
    PastEnd {
        /// Which live allocation, in address order.
        index: u16,
        /// How far past its end.
        offset: u16,
    },
    /// A pointer freed before (modulo the number remembered).
    Stale(u16),
    /// Any byte of any region the pool was given (modulo their total
    /// length).
    Wild(u32),
}

/// One operation on the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Op {
    /// `try_alloc(size % (MAX_SIZE + 1), 2^(align_log2 % (MAX_ALIGN_LOG2 + 1)))`;
    /// an `align_log2` of 255 asks for an alignment of 3 instead.
    Alloc {
        /// Requested size.
        size: u16,
        /// log2 of the requested alignment.
        align_log2: u8,
    },
    /// As [`Op::Alloc`], with `alloc_zeroed`.
    AllocZeroed {
        /// Requested size.
        size: u16,
        /// log2 of the requested alignment.
        align_log2: u8,
    },
    /// Checked free of live allocation `index` (modulo the number live).
    Free(u16),
    /// `free_unchecked` of live allocation `index`.
    FreeUnchecked(u16),
    /// `realloc_aligned` of live allocation `index` to `size`, keeping its
    /// alignment.
    Realloc {
        /// Which live allocation, in address order.
        index: u16,
        /// New size.
        size: u16,
    },
    /// Checked free (or, for odd selectors, realloc) of a bad pointer.
    FreeBad(BadPtr),
    /// Hands spare region `index % SPARES` to the pool (refused when
    /// already given).
    AddSpare(u8),
    /// `reset()`.
    Reset,
    /// `enable_guards(size)`; refused while allocations are live.
    EnableGuards(u8),
    /// `disable_guards()`; refused while allocations are live.
    DisableGuards,
    /// Good fit (`None`) or best fit with the given tolerance.
    SetPolicy(Option<u8>),
    /// `set_scrub(on)`.
    SetScrub(bool),
    /// Verifies every live allocation's pattern and guards, iteration,
    /// `is_allocated` and `usable_size`.
    VerifyAll,
    /// `dump()` into a string.
    Dump,
}

/// What happened during a run: how many times each event occurred.
pub use crate::summary::Summary;

/// The byte at `index` of the pattern of seed `seed`.
pub fn pattern_byte(seed: u64, index: usize) -> u8 {
    let mixed = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(index as u64);
    (mixed ^ (mixed >> 29)) as u8
}

/// A live allocation in the model.
#[derive(Clone, Copy, Debug)]
struct Live {
    ptr: NonNull<u8>,
    size: usize,
    align: usize,
    seed: u64,
}

/// A piece of the buffer.
#[derive(Clone, Copy, Debug)]
struct Piece {
    start: usize,
    len: usize,
}

impl Piece {
    fn contains(&self, addr: usize) -> bool {
        addr.wrapping_sub(self.start) < self.len
    }
}

/// The runner's state: the shadow model and the bookkeeping of the buffer.
struct Runner {
    base: *mut u8,
    /// Pieces handed to the pool: the main region, then spares.
    regions: Vec<Piece>,
    spares: [Piece; SPARES],
    spare_added: [bool; SPARES],
    foreign: Vec<Piece>,
    live: BTreeMap<usize, Live>,
    stale: Vec<NonNull<u8>>,
    guard: usize,
    next_seed: u64,
    summary: Summary,
    step: usize,
}

fn align_of_log2(align_log2: u8) -> usize {
    if align_log2 == 255 {
        3
    } else {
        1 << (align_log2 % (MAX_ALIGN_LOG2 + 1))
    }
}

fn size_of_raw(size: u16) -> usize {
    size as usize % (MAX_SIZE + 1)
}

/// Runs `ops` on a pool built as `config` describes, asserting after every
/// step that the pool and the model agree. Panics on the first
/// disagreement; returns what happened.
pub fn run(config: &Config, ops: &[Op]) -> Summary {
    let skew = config.skew as usize % 64;
    let main_len = config.main_len();
    let mut total = skew + main_len + GAP;
    let spare_lens: Vec<usize> = (0..SPARES).map(|i| config.spare_len(i)).collect();
    for len in &spare_lens {
        total += len + GAP;
    }
    let mut buffer: Vec<MaybeUninit<u8>> = vec![MaybeUninit::uninit(); total];
    let base = buffer.as_mut_ptr().cast::<u8>();
    let base_addr = base.addr();
    let mut at = skew;
    let main = Piece {
        start: base_addr + at,
        len: main_len,
    };
    let mut foreign = vec![Piece {
        start: base_addr,
        len: skew,
    }];
    at += main_len;
    foreign.push(Piece {
        start: base_addr + at,
        len: GAP,
    });
    at += GAP;
    let mut spares = [Piece { start: 0, len: 0 }; SPARES];
    for (i, len) in spare_lens.iter().enumerate() {
        spares[i] = Piece {
            start: base_addr + at,
            len: *len,
        };
        at += len;
        foreign.push(Piece {
            start: base_addr + at,
            len: GAP,
        });
        at += GAP;
    }
    foreign.retain(|p| p.len > 0);

    let region_of = |piece: Piece| {
        // SAFETY: the pieces are disjoint parts of `buffer`, which outlives
        // the pool and is not otherwise used while it lives.
        unsafe {
            Region::from_raw_parts(
                NonNull::new(base.add(piece.start - base_addr)).unwrap(),
                piece.len,
            )
        }
    };

    let mut runner = Runner {
        base,
        regions: Vec::new(),
        spares,
        spare_added: [false; SPARES],
        foreign,
        live: BTreeMap::new(),
        stale: Vec::new(),
        guard: 0,
        next_seed: 1,
        summary: Summary::default(),
        step: 0,
    };
    let mut pool = match VarPool::new(region_of(main)) {
        Ok(pool) => {
            runner.regions.push(main);
            runner.summary.note("created");
            pool
        }
        Err(RegionError::TooSmall { available, .. }) => {
            assert_eq!(available, main_len);
            assert!(main_len < VarPool::region_size_for(0, 1).unwrap());
            runner.summary.note("created_empty");
            VarPool::empty()
        }
        Err(e) => panic!("unexpected {e:?}"),
    };
    pool.check().unwrap();

    for op in ops {
        runner.apply(&mut pool, *op, &region_of);
        runner.after_step(&pool);
    }
    runner.verify_all(&pool);
    // Free everything: the pool must be back to one free block per region.
    let live: Vec<Live> = runner.live.values().copied().collect();
    for l in live {
        runner.verify_pattern(&l);
        pool.free(l.ptr).unwrap();
    }
    runner.live.clear();
    pool.check().unwrap();
    let stats = pool.stats();
    assert_eq!(stats.in_use, 0);
    assert_eq!(stats.free_blocks, runner.regions.len());
    assert_eq!(stats.free, stats.capacity);
    // `pool`, declared after `buffer`, is dropped before it.
    runner.summary
}

impl Runner {
    fn apply(
        &mut self,
        pool: &mut VarPool<'_>,
        op: Op,
        region_of: &impl Fn(Piece) -> Region<'static>,
    ) {
        self.step += 1;
        match op {
            Op::Alloc { size, align_log2 } => {
                self.alloc(pool, size_of_raw(size), align_of_log2(align_log2), false)
            }
            Op::AllocZeroed { size, align_log2 } => {
                self.alloc(pool, size_of_raw(size), align_of_log2(align_log2), true)
            }
            Op::Free(index) => {
                let Some(l) = self.pick(index) else { return };
                self.verify_pattern(&l);
                pool.free(l.ptr).unwrap();
                self.freed(l);
                self.summary.note("free");
            }
            Op::FreeUnchecked(index) => {
                let Some(l) = self.pick(index) else { return };
                self.verify_pattern(&l);
                // SAFETY: `l` is a live allocation of the pool.
                unsafe { pool.free_unchecked(l.ptr) };
                self.freed(l);
                self.summary.note("free_unchecked");
            }
            Op::Realloc { index, size } => self.realloc(pool, index, size_of_raw(size)),
            Op::FreeBad(bad) => self.free_bad(pool, bad),
            Op::AddSpare(index) => {
                let i = index as usize % SPARES;
                let piece = self.spares[i];
                if self.spare_added[i] {
                    // Offering the same memory again: the pool refuses it
                    // before touching it.
                    let r = pool.add_region(region_of(piece));
                    if self.regions.iter().any(|r| r.start == piece.start) {
                        assert_eq!(r, Err(RegionError::Overlap));
                        self.summary.note("add_overlap");
                    } else {
                        assert!(matches!(r, Err(RegionError::TooSmall { .. })));
                        self.summary.note("add_too_small");
                    }
                    return;
                }
                self.spare_added[i] = true;
                match pool.add_region(region_of(piece)) {
                    Ok(()) => {
                        self.regions.push(piece);
                        self.summary.note("add_spare");
                    }
                    Err(RegionError::TooSmall { available, .. }) => {
                        assert_eq!(available, piece.len);
                        assert!(piece.len < VarPool::region_size_for(0, 1).unwrap());
                        self.summary.note("add_too_small");
                    }
                    Err(e) => panic!("unexpected {e:?}"),
                }
            }
            Op::Reset => {
                pool.reset();
                let live = core::mem::take(&mut self.live);
                for l in live.into_values() {
                    self.remember_stale(l.ptr);
                }
                self.summary.note("reset");
            }
            Op::EnableGuards(size) => {
                let r = pool.enable_guards(size as usize);
                if self.live.is_empty() {
                    r.unwrap();
                    self.guard = if size == 0 {
                        VarPool::DEFAULT_GUARD
                    } else {
                        size as usize
                    };
                    assert_eq!(pool.guard_size(), self.guard);
                    self.summary.note("guards_on");
                } else {
                    assert_eq!(
                        r,
                        Err(GuardConfigError::Outstanding {
                            live: self.live.len()
                        })
                    );
                    self.summary.note("guards_refused");
                }
            }
            Op::DisableGuards => {
                let r = pool.disable_guards();
                if self.live.is_empty() {
                    r.unwrap();
                    self.guard = 0;
                    self.summary.note("guards_off");
                } else {
                    assert_eq!(
                        r,
                        Err(GuardConfigError::Outstanding {
                            live: self.live.len()
                        })
                    );
                    self.summary.note("guards_refused");
                }
            }
            Op::SetPolicy(tolerance) => {
                let policy = match tolerance {
                    None => FitPolicy::Good,
                    Some(t) => FitPolicy::BestFit {
                        tolerance_percent: t as usize,
                    },
                };
                pool.set_policy(policy);
                assert_eq!(pool.policy(), policy);
                self.summary.note("policy");
            }
            Op::SetScrub(on) => {
                pool.set_scrub(on);
                assert_eq!(pool.scrub(), on);
                self.summary.note("scrub");
            }
            Op::VerifyAll => {
                self.verify_all(pool);
                self.summary.note("verify");
            }
            Op::Dump => {
                let mut text = String::new();
                pool.dump(&mut text).unwrap();
                let blocks = text.lines().filter(|l| l.contains(" used ")).count();
                assert_eq!(blocks, self.live.len());
                self.summary.note("dump");
            }
        }
    }

    /// The bytes of block a request needs at worst, with the alignment gap.
    fn worst_block(&self, pool: &VarPool<'_>, size: usize, align: usize) -> usize {
        let g = VarPool::GRANULE;
        let payload = (size + self.guard).next_multiple_of(g).max(g);
        let gap = if align > g { align + g } else { 0 };
        pool.overhead() + payload + gap
    }

    fn alloc(&mut self, pool: &mut VarPool<'_>, size: usize, align: usize, zeroed: bool) {
        let largest = pool.stats().largest_free;
        let result = if zeroed {
            pool.alloc_zeroed(size, align).ok_or(AllocError::Exhausted)
        } else {
            pool.try_alloc(size, align)
        };
        if !align.is_power_of_two() {
            if zeroed {
                assert!(result.is_err());
            } else {
                assert_eq!(result, Err(AllocError::BadAlignment { align }));
            }
            self.summary.note("bad_align");
            return;
        }
        match result {
            Ok(ptr) => {
                let addr = ptr.as_ptr().addr();
                assert_eq!(addr % align, 0, "misaligned");
                assert_eq!(addr % VarPool::GRANULE, 0);
                self.assert_fresh_range(addr, size);
                let usable = pool.usable_size(ptr).unwrap();
                if self.guard == 0 {
                    assert!(usable >= size);
                } else {
                    assert_eq!(usable, size);
                }
                if zeroed {
                    for i in 0..size {
                        // SAFETY: `alloc_zeroed` wrote the bytes.
                        assert_eq!(unsafe { ptr.as_ptr().add(i).read() }, 0);
                    }
                }
                let l = Live {
                    ptr,
                    size,
                    align,
                    seed: self.seed(),
                };
                self.fill(&l);
                self.live.insert(addr, l);
                self.stale.retain(|p| p.as_ptr().addr() != addr);
                self.summary
                    .note(if zeroed { "alloc_zeroed" } else { "alloc" });
            }
            Err(e) => {
                assert_eq!(e, AllocError::Exhausted);
                assert!(
                    largest < self.worst_block(pool, size, align),
                    "refused {size}/{align} with a free block of {largest}"
                );
                self.summary.note("alloc_failed");
            }
        }
    }

    fn realloc(&mut self, pool: &mut VarPool<'_>, index: u16, size: usize) {
        let Some(l) = self.pick(index) else { return };
        self.verify_pattern(&l);
        let largest = pool.stats().largest_free;
        let old_addr = l.ptr.as_ptr().addr();
        match pool.realloc_aligned(l.ptr, size, l.align) {
            Ok(ptr) => {
                let addr = ptr.as_ptr().addr();
                assert_eq!(addr % l.align, 0);
                self.live.remove(&old_addr);
                self.assert_fresh_range(addr, size);
                let kept = Live {
                    ptr,
                    size: size.min(l.size),
                    ..l
                };
                self.verify_pattern(&kept);
                let usable = pool.usable_size(ptr).unwrap();
                assert!(usable >= size);
                if self.guard != 0 {
                    assert_eq!(usable, size);
                }
                let new = Live {
                    ptr,
                    size,
                    align: l.align,
                    seed: self.seed(),
                };
                self.fill(&new);
                self.live.insert(addr, new);
                if addr == old_addr {
                    self.summary.note("realloc_in_place");
                } else {
                    assert!(!pool.is_allocated(l.ptr));
                    self.remember_stale(l.ptr);
                    self.stale.retain(|p| p.as_ptr().addr() != addr);
                    self.summary.note("realloc_moved");
                }
            }
            Err(e) => {
                assert_eq!(e, ReallocError::Alloc(AllocError::Exhausted));
                assert!(largest < self.worst_block(pool, size, l.align));
                assert!(pool.is_allocated(l.ptr));
                self.verify_pattern(&l);
                self.summary.note("realloc_failed");
            }
        }
    }

    fn free_bad(&mut self, pool: &mut VarPool<'_>, bad: BadPtr) {
        let (ptr, via_realloc) = match bad {
            BadPtr::Foreign(sel) => {
                let mut local = 0u64;
                let sel = sel as usize;
                let ptr = if sel % (self.foreign.len() + 1) == self.foreign.len() {
                    NonNull::from(&mut local).cast::<u8>()
                } else {
                    let piece = self.foreign[sel % (self.foreign.len() + 1)];
                    self.ptr_at(piece.start + (sel / 7) % piece.len)
                };
                assert!(!pool.contains(ptr));
                assert_eq!(pool.free(ptr), Err(FreeError::Foreign));
                self.summary.note("foreign");
                return;
            }
            BadPtr::Interior { index, offset } => {
                let Some(l) = self.pick(index) else { return };
                if l.size < 2 {
                    return;
                }
                let offset = 1 + offset as usize % (l.size - 1);
                (self.ptr_at(l.ptr.as_ptr().addr() + offset), offset % 2 == 1)
            }
            BadPtr::PastEnd { index, offset } => {
                let Some(l) = self.pick(index) else { return };
                let offset = l.size + offset as usize % 64;
                (self.ptr_at(l.ptr.as_ptr().addr() + offset), offset % 2 == 1)
            }
            BadPtr::Stale(sel) => {
                if self.stale.is_empty() {
                    return;
                }
                let ptr = self.stale[sel as usize % self.stale.len()];
                (ptr, sel % 2 == 1)
            }
            BadPtr::Wild(sel) => {
                let total: usize = self.regions.iter().map(|r| r.len).sum();
                if total == 0 {
                    return;
                }
                let mut at = sel as usize % total;
                let mut addr = 0;
                for r in &self.regions {
                    if at < r.len {
                        addr = r.start + at;
                        break;
                    }
                    at -= r.len;
                }
                (self.ptr_at(addr), sel % 2 == 1)
            }
        };
        let addr = ptr.as_ptr().addr();
        if self.live.contains_key(&addr) {
            self.summary.note("bad_is_live");
            return;
        }
        let in_use = pool.stats().in_use;
        let err = if via_realloc {
            match pool.realloc(ptr, 8) {
                Err(ReallocError::Pointer(e)) => e,
                other => panic!("realloc of a bad pointer: {other:?}"),
            }
        } else {
            pool.free(ptr).expect_err("a bad pointer was freed")
        };
        assert_eq!(
            pool.stats().in_use,
            in_use,
            "a refused pointer changed the pool"
        );
        self.expect_refusal(pool, addr, err);
    }

    /// Asserts that `err` is what the checked-free rule gives for `addr`.
    fn expect_refusal(&mut self, pool: &VarPool<'_>, addr: usize, err: FreeError) {
        let g = VarPool::GRANULE;
        let Some(region) = self.regions.iter().find(|r| r.contains(addr)).copied() else {
            assert_eq!(err, FreeError::Foreign, "{addr:#x}");
            self.summary.note("foreign");
            return;
        };
        let below = self.live.range(..=addr).next_back().map(|(_, l)| *l);
        if let Some(l) = below {
            let start = l.ptr.as_ptr().addr();
            if addr < start + l.size {
                assert_eq!(
                    err,
                    FreeError::Interior {
                        offset: addr - start
                    }
                );
                self.summary.note("interior");
                return;
            }
        }
        // The region's bookkeeping and the first block's header come
        // first; the area ends at most two granules before the region.
        let head = 512 + region.len / 64;
        let near_start = addr < region.start + head;
        match err {
            FreeError::Foreign => {
                assert!(
                    near_start || addr >= region.start + region.len - 2 * g - 8,
                    "{addr:#x} in {region:?}"
                );
                self.summary.note("foreign_bookkeeping");
            }
            FreeError::Interior { offset } => {
                let l = below.expect("interior of nothing");
                let start = l.ptr.as_ptr().addr();
                assert_eq!(offset, addr - start);
                if self.guard == 0 {
                    let usable = pool.usable_size(l.ptr).unwrap();
                    assert!(offset < usable + pool.overhead(), "{offset} {usable}");
                }
                self.summary.note("interior_slack");
            }
            FreeError::DoubleFree => {
                assert_eq!(addr % g, 0);
                self.summary.note("double_free");
            }
            FreeError::NeverAllocated => {
                assert!(addr % g != 0 || near_start, "{addr:#x}");
                self.summary.note("never_allocated");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    fn after_step(&mut self, pool: &VarPool<'_>) {
        if let Err(e) = pool.check() {
            panic!("check failed at step {}: {e}", self.step);
        }
        assert_eq!(pool.len(), self.live.len());
        let stats = pool.stats();
        assert_eq!(stats.live_allocations, self.live.len());
        assert_eq!(stats.in_use + stats.free, stats.capacity);
        assert!(stats.largest_free <= stats.free);
        assert_eq!(pool.guard_size(), self.guard);
        if self.step % 16 == 0 {
            self.verify_all(pool);
        }
    }

    fn verify_all(&self, pool: &VarPool<'_>) {
        let listed: Vec<usize> = pool
            .iter_allocated()
            .map(|(p, _)| p.as_ptr().addr())
            .collect();
        let expected: Vec<usize> = self.live.keys().copied().collect();
        assert_eq!(listed, expected);
        for l in self.live.values() {
            assert!(pool.is_allocated(l.ptr));
            assert!(pool.contains(l.ptr));
            let usable = pool.usable_size(l.ptr).unwrap();
            assert!(usable >= l.size);
            self.verify_pattern(l);
        }
        for p in &self.stale {
            if !self.live.contains_key(&p.as_ptr().addr()) {
                assert!(!pool.is_allocated(*p));
                assert_eq!(pool.usable_size(*p), None);
            }
        }
        assert_eq!(pool.verify_guards(), Ok(()));
    }

    /// Asserts that `[addr, addr + size)` lies in a region and overlaps no
    /// live allocation.
    fn assert_fresh_range(&self, addr: usize, size: usize) {
        let end = addr + size.max(1);
        assert!(
            self.regions
                .iter()
                .any(|r| r.contains(addr) && end <= r.start + r.len),
            "{addr:#x}+{size} outside the regions"
        );
        if let Some((_, l)) = self.live.range(..=addr).next_back() {
            assert!(
                l.ptr.as_ptr().addr() + l.size.max(1) <= addr,
                "overlaps the allocation below"
            );
        }
        if let Some((&next, _)) = self.live.range(addr..).next() {
            assert!(end <= next, "overlaps the allocation above");
        }
    }

    fn pick(&self, index: u16) -> Option<Live> {
        if self.live.is_empty() {
            return None;
        }
        self.live
            .values()
            .nth(index as usize % self.live.len())
            .copied()
    }

    fn freed(&mut self, l: Live) {
        self.live.remove(&l.ptr.as_ptr().addr());
        self.remember_stale(l.ptr);
    }

    fn remember_stale(&mut self, ptr: NonNull<u8>) {
        if self.stale.len() == STALE {
            self.stale.remove(0);
        }
        self.stale.push(ptr);
    }

    fn seed(&mut self) -> u64 {
        self.next_seed += 1;
        self.next_seed
    }

    /// A pointer to `addr`, inside the buffer, with the buffer's
    /// provenance.
    fn ptr_at(&self, addr: usize) -> NonNull<u8> {
        NonNull::new(self.base.wrapping_add(addr.wrapping_sub(self.base.addr()))).unwrap()
    }

    fn fill(&self, l: &Live) {
        for i in 0..l.size {
            // SAFETY: `l` is a live allocation of at least `size` bytes.
            unsafe { l.ptr.as_ptr().add(i).write(pattern_byte(l.seed, i)) };
        }
    }

    fn verify_pattern(&self, l: &Live) {
        for i in 0..l.size {
            // SAFETY: the bytes were written by `fill` (or copied by
            // `realloc` from bytes `fill` wrote).
            let byte = unsafe { l.ptr.as_ptr().add(i).read() };
            assert_eq!(
                byte,
                pattern_byte(l.seed, i),
                "allocation {:#x} byte {i} of {}",
                l.ptr.as_ptr().addr(),
                l.size
            );
        }
    }
}
