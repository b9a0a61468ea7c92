//! Drives a real [`BlockPool`] and the [`Model`] side by side.

use super::{
    AddExpectation, Class, Config, Model, ModelRegion, Op, SPARES, Summary, Target, pattern_byte,
    pattern_mismatch,
};
use core::mem::MaybeUninit;
use core::ops::{ControlFlow, Range};
use core::ptr::NonNull;
use poolalloc::region::Region;
use poolalloc::{BlockPool, FreeError, RegionError};
use std::collections::BTreeMap;

/// A piece of the run's buffer.
type Memory<'a> = &'a mut [MaybeUninit<u8>];

/// Bytes at the end of the buffer that belong to no piece.
const TAIL: usize = 8;

/// Where the pieces lie in the buffer, as offsets from its start.
struct Layout {
    total: usize,
    main: Range<usize>,
    spares: [Range<usize>; SPARES],
}

impl Layout {
    fn new(config: &Config, stride: usize) -> Self {
        let main = config.skew..config.skew + config.region_len;
        let mut at = main.end + config.gap;
        let lens = [
            config.spare_lens[0],
            config.spare_lens[1],
            config.spare_lens[2],
            config.tiny_len % stride,
        ];
        let spares = lens.map(|len| {
            let range = at..at + len;
            at = range.end + config.gap;
            range
        });
        Layout {
            total: at + TAIL,
            main,
            spares,
        }
    }

    /// The main region, then the spares.
    fn pieces(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        core::iter::once(self.main.clone()).chain(self.spares.iter().cloned())
    }
}

/// Splits `memory` into the pieces at `ranges` (sorted and disjoint).
fn split_pieces<'a>(mut rest: Memory<'a>, ranges: &[Range<usize>]) -> Vec<Memory<'a>> {
    let mut offset = 0;
    let mut pieces = Vec::with_capacity(ranges.len());
    for range in ranges {
        let (_, tail) = core::mem::take(&mut rest).split_at_mut(range.start - offset);
        let (piece, tail) = tail.split_at_mut(range.len());
        pieces.push(piece);
        rest = tail;
        offset = range.end;
    }
    pieces
}

/// Applies `ops` to a pool built as `config` says and to a [`Model`] of
/// it, and panics at the first disagreement.
///
/// Checked at every step:
///
/// - every return value: `alloc` returns `None` exactly when every block is
///   live, and otherwise the most recently freed block (the free list is
///   LIFO) or, when the free list is empty, the block at some region's
///   cursor (which hands blocks out in address order, and restarts at the
///   region's first block on a reset, or on a rewind: the pool becoming
///   empty after handing out more than [`REWIND_AFTER`](super::REWIND_AFTER)
///   blocks, unless rewinding is off); each checked `free` returns `Ok` or exactly the
///   [`FreeError`] the model predicts; `contains`, `is_allocated`,
///   `add_region` (including the `needed` and `available` of
///   `TooSmall`) likewise;
/// - every block handed out is aligned to the requested alignment, lies
///   inside the region it came from, and overlaps no live block;
///   `alloc_zeroed` blocks read as zero;
/// - every live block holds the distinct pattern written over all its
///   `block_size()` bytes when it was handed out: verified before it is
///   freed, before a reset, on [`Op::Iterate`] and at the end;
/// - `iter_allocated` yields the live blocks in address order, and
///   `for_each_allocated` stops where asked;
/// - `check()` passes, and `capacity`, `len`, `available`, `is_empty`,
///   `is_full`, `region_count`, `block_size`, `block_align` and every
///   `stats()` counter equal the model's (the event counters read zero
///   for a pool without counters).
///
/// When a region is accepted, its blocks are found by probing `contains`
/// at every aligned address of the region; they must be as many as the
/// capacity grew by, at stride intervals, aligned, inside the region, leaving room for one bookkeeping bit per block, and at least
/// as many as `BlockPool::region_size_for` promises for that length.
///
/// At the end every live block is verified and freed, and every block
/// handed out must then be refused as a double free.
///
/// Returns what was done, for tests that want to be sure an operation
/// or outcome was reached.
///
/// # Panics
///
/// When `config` is out of range, and at any disagreement.
pub fn run(config: &Config, ops: &[Op]) -> Summary {
    config.validate();
    if config.counters {
        run_with::<true>(config, ops)
    } else {
        run_with::<false>(config, ops)
    }
}

fn run_with<const C: bool>(config: &Config, ops: &[Op]) -> Summary {
    let model = Model::new(config.block_size, config.align, config.rewind);
    let layout = Layout::new(config, model.stride);
    // Memory that is no part of the buffer, for foreign pointers.
    let stack_bytes = [0u8; 16];
    let heap_bytes = Box::new([0u8; 16]);

    let mut buffer = vec![MaybeUninit::<u8>::uninit(); layout.total];
    // Used only to form addresses inside the buffer that the pool is given
    // (and must refuse, or merely look up); never to access memory.
    let base: *mut u8 = buffer.as_mut_ptr().cast();
    let base_addr = base.addr();
    let ranges: Vec<Range<usize>> = layout.pieces().collect();
    let mut pieces = split_pieces(&mut buffer, &ranges).into_iter();
    let main = pieces.next().expect("the main region");
    let mut spares: Vec<Option<Memory<'_>>> = pieces.map(Some).collect();

    let needed = BlockPool::region_size_for(1, config.block_size, config.align)
        .expect("a valid layout has a region size");
    let mut h = Harness {
        config: *config,
        needed,
        base,
        base_addr,
        buf_end: base_addr + layout.total,
        pieces: ranges
            .iter()
            .map(|r| base_addr + r.start..base_addr + r.end)
            .collect(),
        refused: [false; SPARES],
        outside: [
            NonNull::from(&stack_bytes[7]),
            NonNull::from(&heap_bytes[0]),
            NonNull::<u64>::dangling().cast(),
        ],
        ptrs: BTreeMap::new(),
        next_seed: 1,
        summary: Summary::default(),
        model,
    };

    let mut pool = h.create::<C>(main);
    h.check_pool(&pool, None);
    for (step, op) in ops.iter().enumerate() {
        h.step(&mut pool, &mut spares, *op);
        h.check_pool(&pool, Some((step, op)));
    }
    h.finish(&mut pool);
    h.summary
}

/// The state of a run besides the pool.
struct Harness {
    config: Config,
    /// `BlockPool::region_size_for(1, ..)`.
    needed: usize,
    base: *mut u8,
    base_addr: usize,
    buf_end: usize,
    /// Absolute address ranges of the main region and the spares.
    pieces: Vec<Range<usize>>,
    /// Spares that the pool refused (and so consumed).
    refused: [bool; SPARES],
    /// Pointers outside the buffer: the stack, the heap, dangling.
    outside: [NonNull<u8>; 3],
    /// The pointer most recently handed out at each address: every access
    /// to a block goes through the pointer the pool returned.
    ptrs: BTreeMap<usize, NonNull<u8>>,
    next_seed: u64,
    summary: Summary,
    model: Model,
}

impl Harness {
    fn stride(&self) -> usize {
        self.model.stride
    }

    /// A pointer to `addr` inside the buffer, for looking up only.
    fn ptr_at(&self, addr: usize) -> NonNull<u8> {
        assert!(
            (self.base_addr..=self.buf_end).contains(&addr),
            "{addr:#x} is outside the buffer"
        );
        NonNull::new(self.base.wrapping_add(addr - self.base_addr)).expect("inside the buffer")
    }

    /// The pointer the pool last returned for `addr`, or one formed from
    /// the buffer when it never did.
    fn ptr_for(&self, addr: usize) -> NonNull<u8> {
        self.ptrs
            .get(&addr)
            .copied()
            .unwrap_or_else(|| self.ptr_at(addr))
    }

    fn create<'b, const C: bool>(&mut self, main: Memory<'b>) -> BlockPool<'b, C> {
        let region = Region::new(main);
        let range = region.addr_range();
        assert_eq!(range, self.pieces[0]);
        let expected = self.model.expect_add(range.start, range.end, self.needed);
        let mut pool = match BlockPool::<C>::with_counters(
            region,
            self.config.block_size,
            self.config.align,
        ) {
            Ok(pool) => {
                self.accepted(&pool, range, expected);
                self.summary.note("new.ok");
                pool
            }
            Err(error) => {
                self.refused_region(&range, expected, error);
                self.summary.note("new.too_small");
                BlockPool::<C>::empty(self.config.block_size, self.config.align)
                    .expect("a valid layout")
            }
        };
        if !self.config.rewind {
            pool.set_rewind_when_empty(false);
        }
        pool
    }

    /// Checks a refused region against the model; returns the outcome name.
    fn refused_region(
        &self,
        range: &Range<usize>,
        expected: AddExpectation,
        error: RegionError,
    ) -> &'static str {
        match error {
            RegionError::Overlap => {
                assert_eq!(
                    expected,
                    AddExpectation::Overlap,
                    "region {range:x?} refused as overlapping"
                );
                "add_region.overlap"
            }
            RegionError::TooSmall { needed, available } => {
                assert!(
                    matches!(expected, AddExpectation::TooSmall | AddExpectation::Either),
                    "region {range:x?} ({} bytes) refused as too small, expected {expected:?}",
                    range.len()
                );
                assert_eq!(
                    (needed, available),
                    (self.needed, range.len()),
                    "TooSmall's needed and available"
                );
                "add_region.too_small"
            }
            other => panic!("region {range:x?} refused with {other:?}, expected {expected:?}"),
        }
    }

    /// Checks a region the pool just accepted and learns its blocks.
    fn accepted<const C: bool>(
        &mut self,
        pool: &BlockPool<'_, C>,
        range: Range<usize>,
        expected: AddExpectation,
    ) {
        assert!(
            matches!(expected, AddExpectation::Fits | AddExpectation::Either),
            "region {range:x?} ({} bytes) accepted, expected {expected:?}",
            range.len()
        );
        assert_eq!(pool.region_count(), self.model.regions.len() + 1);
        let count = pool
            .capacity()
            .checked_sub(self.model.capacity)
            .expect("capacity shrank");
        let stride = self.stride();
        let align = self.model.block_align;

        let mut blocks = Vec::new();
        let mut addr = range.start.next_multiple_of(align);
        while addr < range.end {
            if pool.contains(self.ptr_at(addr)) {
                blocks.push(addr);
            }
            addr += align;
        }
        assert_eq!(
            blocks.len(),
            count,
            "region {range:x?}: block starts found by `contains` vs capacity added"
        );
        assert!(count > 0, "region {range:x?} accepted without a block");
        let first = blocks[0];
        for (i, &block) in blocks.iter().enumerate() {
            assert_eq!(block, first + i * stride, "block {i} of region {range:x?}");
        }
        assert_eq!(first % self.config.align, 0, "first block misaligned");
        assert!(
            range.start <= first && first + count * stride <= range.end,
            "blocks {first:#x} + {count} * {stride} outside region {range:x?}"
        );
        assert!(
            count * stride + count.div_ceil(8) <= range.len(),
            "{count} blocks of {stride} bytes and their bits cannot fit in {} bytes",
            range.len()
        );
        let promised =
            BlockPool::region_size_for(count + 1, self.config.block_size, self.config.align)
                .is_ok_and(|size| size <= range.len());
        assert!(
            !promised,
            "region of {} bytes holds only {count} blocks, but region_size_for promises more",
            range.len()
        );
        self.model.add_region(ModelRegion {
            start: range.start,
            end: range.end,
            first,
            count,
        });
    }

    /// Offers `region` to the pool and checks the answer.
    fn add<'b, const C: bool>(&mut self, pool: &mut BlockPool<'b, C>, region: Region<'b>) -> bool {
        let range = region.addr_range();
        let expected = self.model.expect_add(range.start, range.end, self.needed);
        let outcome = match pool.add_region(region) {
            Ok(()) => {
                self.accepted(pool, range, expected);
                "add_region.ok"
            }
            Err(error) => self.refused_region(&range, expected, error),
        };
        self.summary.note(outcome);
        outcome == "add_region.ok"
    }

    /// A region over `range`, which overlaps memory the pool manages.
    fn overlapping_region<'r>(&self, range: Range<usize>) -> Region<'r> {
        assert!(
            self.model.overlaps(range.start, range.end),
            "{range:x?} overlaps no region"
        );
        assert!(self.base_addr <= range.start && range.end <= self.buf_end);
        let start = self.ptr_at(range.start);
        // SAFETY: `range` lies inside the run's buffer, which outlives the
        // pool, so the bytes exist for as long as the region could be used.
        // They overlap a region the pool already manages, which breaks the
        // exclusivity `from_raw_parts` asks for: that is the point, the pool
        // must see the overlap from the addresses alone and refuse the region
        // without touching a byte. The caller hands the region straight to
        // `add_region` and asserts `Err(Overlap)`, so no byte is ever accessed
        // through it.
        unsafe { Region::from_raw_parts(start, range.len()) }
    }

    fn step<'b, const C: bool>(
        &mut self,
        pool: &mut BlockPool<'b, C>,
        spares: &mut [Option<Memory<'b>>],
        op: Op,
    ) {
        let done = match op {
            Op::Alloc => {
                self.alloc(pool, false);
                true
            }
            Op::AllocZeroed => {
                self.alloc(pool, true);
                true
            }
            Op::Free(i) => self.free_live(pool, i, false),
            Op::FreeUnchecked(i) => self.free_live(pool, i, true),
            Op::FreeForeign(i) => self.free_bad(pool, Target::Foreign(i)),
            Op::FreeInterior { block, offset } => {
                self.free_bad(pool, Target::Interior { block, offset })
            }
            Op::DoubleFree(i) => self.free_bad(pool, Target::Freed(i)),
            Op::FreeNeverAllocated(i) => self.free_bad(pool, Target::Fresh(i)),
            Op::Reset => {
                self.verify_all();
                pool.reset();
                self.model.reset();
                true
            }
            Op::AddSpare(which) => self.add_spare(pool, spares, which),
            Op::AddOverlapping { region, start, len } => {
                self.add_overlapping(pool, region, start, len)
            }
            Op::Query(target) => self.query(pool, target),
            Op::Iterate { stop } => {
                self.verify_all();
                self.iterate(pool, stop);
                true
            }
        };
        self.summary.note(if done { op.name() } else { "skipped" });
    }

    fn alloc<const C: bool>(&mut self, pool: &mut BlockPool<'_, C>, zeroed: bool) {
        let full = self.model.is_full();
        let reuse = self.model.free_stack.last().copied();
        let got = if zeroed {
            pool.alloc_zeroed()
        } else {
            pool.alloc()
        };
        let Some(ptr) = got else {
            assert!(
                full,
                "alloc returned None with {} of {} blocks live",
                self.model.live.len(),
                self.model.capacity
            );
            self.model.alloc_failed();
            self.summary.note("alloc.none");
            return;
        };
        let addr = ptr.as_ptr().addr();
        let stride = self.stride();
        assert!(!full, "alloc handed out {addr:#x} from a full pool");
        assert_eq!(addr % self.config.align, 0, "block {addr:#x} misaligned");
        match reuse {
            Some(top) => {
                assert_eq!(addr, top, "alloc must reuse the most recently freed block");
                self.summary.note("alloc.reused");
            }
            None => {
                assert!(
                    self.model.is_next_fresh(addr),
                    "alloc handed out {addr:#x} ({:?}), not the next fresh block of a region",
                    self.model.classify(addr)
                );
                self.summary.note("alloc.fresh");
            }
        }
        let region = *self.model.block_region(addr).expect("a block of the pool");
        assert!(region.start <= addr && addr + stride <= region.end);
        let before = self.model.live.range(..addr).next_back();
        let after = self.model.live.range(addr..).next();
        assert!(
            before.is_none_or(|(&b, _)| b + stride <= addr),
            "overlaps {before:?}"
        );
        assert!(
            after.is_none_or(|(&a, _)| addr + stride <= a),
            "overlaps {after:?}"
        );

        if zeroed {
            // SAFETY: the pool just handed this block out, so it is ours
            // alone, and `alloc_zeroed` wrote all of its `block_size()`
            // (= `stride`, checked after every step) bytes.
            let bytes = unsafe { core::slice::from_raw_parts(ptr.as_ptr(), stride) };
            if let Some(i) = bytes.iter().position(|&b| b != 0) {
                panic!(
                    "alloc_zeroed block {addr:#x} has byte {i} = {:#x}",
                    bytes[i]
                );
            }
        }
        let seed = self.next_seed;
        self.next_seed += 1;
        let pattern: Vec<u8> = (0..stride).map(|i| pattern_byte(seed, i)).collect();
        // SAFETY: the block is ours alone and `stride` bytes long, as above;
        // `pattern` is a separate allocation of `stride` bytes.
        unsafe { core::ptr::copy_nonoverlapping(pattern.as_ptr(), ptr.as_ptr(), stride) };
        self.model.alloc(addr, seed);
        self.ptrs.insert(addr, ptr);
        assert!(pool.contains(ptr) && pool.is_allocated(ptr));
    }

    /// Panics unless the live block at `addr` holds its pattern.
    fn verify(&self, addr: usize) {
        let seed = self.model.live[&addr];
        let ptr = self.ptrs[&addr];
        // SAFETY: the block is live: the pool handed it out through `ptr`
        // and it has not been freed or reset since, so only this harness
        // uses its `stride` bytes, all of which it wrote when allocating.
        let bytes = unsafe { core::slice::from_raw_parts(ptr.as_ptr(), self.stride()) };
        if let Some(i) = pattern_mismatch(seed, bytes) {
            panic!(
                "live block {addr:#x} corrupted at byte {i}: {:#04x}, expected {:#04x}",
                bytes[i],
                pattern_byte(seed, i)
            );
        }
    }

    fn verify_all(&self) {
        for &addr in self.model.live.keys() {
            self.verify(addr);
        }
    }

    fn free_live<const C: bool>(
        &mut self,
        pool: &mut BlockPool<'_, C>,
        index: u16,
        unchecked: bool,
    ) -> bool {
        let Some(addr) = pick(self.model.live.keys().copied().collect(), index) else {
            return false;
        };
        let ptr = self.ptrs[&addr];
        self.verify(addr);
        if unchecked {
            // SAFETY: the model says the block is live: `ptr` was returned
            // by `alloc` of this pool and not freed or reset since.
            unsafe { pool.free_unchecked(ptr) };
        } else {
            assert_eq!(pool.free(ptr), Ok(()), "free of live block {addr:#x}");
        }
        self.note_free(addr);
        assert!(pool.contains(ptr) && !pool.is_allocated(ptr));
        true
    }

    /// Records a successful free in the model.
    fn note_free(&mut self, addr: usize) {
        let (_, rewound) = self.model.free(addr);
        if rewound {
            self.summary.note("rewind");
        }
    }

    /// A pointer of the kind `target` names, with its class.
    fn target(&self, target: Target) -> Option<(NonNull<u8>, Class)> {
        let stride = self.stride();
        let (ptr, class) = match target {
            Target::Live(i) => {
                let addr = pick(self.model.live.keys().copied().collect(), i)?;
                (self.ptrs[&addr], Class::Live)
            }
            Target::Freed(i) => (self.ptr_for(pick(self.model.freed(), i)?), Class::Freed),
            Target::Fresh(i) => (self.ptr_for(pick(self.model.fresh(), i)?), Class::Fresh),
            Target::Interior { block, offset } => {
                let block = pick(self.model.blocks().collect(), block)?;
                let offset = 1 + usize::from(offset) % (stride - 1);
                let ptr = self.ptr_for(block).as_ptr().wrapping_add(offset);
                (
                    NonNull::new(ptr).expect("inside a block"),
                    Class::Interior { offset },
                )
            }
            Target::Foreign(i) => {
                let candidates = self.foreign_candidates();
                (
                    candidates[usize::from(i) % candidates.len()],
                    Class::Foreign,
                )
            }
        };
        assert_eq!(
            self.model.classify(ptr.as_ptr().addr()),
            class,
            "harness: {target:?} picked {ptr:p}"
        );
        Some((ptr, class))
    }

    /// Pointers outside every block: around and inside every piece of the
    /// buffer, in each region's bookkeeping and tail padding, and outside
    /// the buffer.
    fn foreign_candidates(&self) -> Vec<NonNull<u8>> {
        let stride = self.stride();
        let mut addrs = vec![self.base_addr, self.buf_end - 1, self.buf_end];
        for piece in &self.pieces {
            let mid = piece.start + piece.len() / 2;
            addrs.extend([piece.start.wrapping_sub(1), piece.start, mid, piece.end]);
        }
        for r in &self.model.regions {
            addrs.extend([r.start, r.first - 1, r.blocks_end(stride), r.end - 1]);
        }
        addrs.sort_unstable();
        addrs.dedup();
        addrs.retain(|&a| {
            (self.base_addr..=self.buf_end).contains(&a) && self.model.classify(a) == Class::Foreign
        });
        let mut ptrs: Vec<NonNull<u8>> = addrs.into_iter().map(|a| self.ptr_at(a)).collect();
        ptrs.extend(self.outside);
        ptrs
    }

    /// A checked free that the pool must refuse.
    fn free_bad<const C: bool>(&mut self, pool: &mut BlockPool<'_, C>, target: Target) -> bool {
        let Some((ptr, class)) = self.target(target) else {
            return false;
        };
        let expected = class.free_result();
        assert!(expected.is_err());
        assert_eq!(
            pool.free(ptr),
            expected,
            "free({ptr:p}) of a {class:?} pointer"
        );
        true
    }

    fn query<const C: bool>(&mut self, pool: &BlockPool<'_, C>, target: Target) -> bool {
        let Some((ptr, class)) = self.target(target) else {
            return false;
        };
        assert_eq!(
            pool.contains(ptr),
            class.is_block_start(),
            "contains({ptr:p}) of a {class:?} pointer"
        );
        assert_eq!(
            pool.is_allocated(ptr),
            class == Class::Live,
            "is_allocated({ptr:p}) of a {class:?} pointer"
        );
        self.summary.note(match target {
            Target::Live(_) => "query.live",
            Target::Freed(_) => "query.freed",
            Target::Fresh(_) => "query.fresh",
            Target::Interior { .. } => "query.interior",
            Target::Foreign(_) => "query.foreign",
        });
        true
    }

    fn add_spare<'b, const C: bool>(
        &mut self,
        pool: &mut BlockPool<'b, C>,
        spares: &mut [Option<Memory<'b>>],
        which: u8,
    ) -> bool {
        let i = usize::from(which) % SPARES;
        let range = self.pieces[1 + i].clone();
        let region = match spares[i].take() {
            Some(memory) => Region::new(memory),
            // Refused before: the pool consumed it, there is nothing to add.
            None if self.refused[i] => return false,
            // Added before: the same bytes again.
            None => self.overlapping_region(range.clone()),
        };
        assert_eq!(region.addr_range(), range);
        let first_time = !self.model.overlaps(range.start, range.end);
        if !self.add(pool, region) && first_time {
            self.refused[i] = true;
        }
        true
    }

    fn add_overlapping<'b, const C: bool>(
        &mut self,
        pool: &mut BlockPool<'b, C>,
        region: u8,
        start: u16,
        len: u16,
    ) -> bool {
        if self.model.regions.is_empty() {
            return false;
        }
        let r = self.model.regions[usize::from(region) % self.model.regions.len()];
        let lo = r.start.saturating_sub(64).max(self.base_addr);
        let s = lo + usize::from(start) % (r.end - lo);
        let e = (s + 1 + usize::from(len) % 512)
            .max(r.start + 1)
            .min(self.buf_end);
        let region = self.overlapping_region(s..e);
        self.add(pool, region);
        true
    }

    fn iterate<const C: bool>(&mut self, pool: &BlockPool<'_, C>, stop: u16) {
        let expected: Vec<usize> = self.model.live.keys().copied().collect();
        let mut iter = pool.iter_allocated();
        let got: Vec<usize> = iter.by_ref().map(|b| b.as_ptr().addr()).collect();
        assert_eq!(got, expected, "iter_allocated vs live blocks");
        assert_eq!(iter.next(), None, "iter_allocated is fused");

        let k = usize::from(stop) % (expected.len() + 1);
        let mut seen = Vec::new();
        let flow = pool.for_each_allocated(|block| {
            seen.push(block.as_ptr().addr());
            if seen.len() > k {
                ControlFlow::Break(block.as_ptr().addr())
            } else {
                ControlFlow::Continue(())
            }
        });
        if k < expected.len() {
            assert_eq!(flow, ControlFlow::Break(expected[k]));
            assert_eq!(seen, expected[..=k]);
            self.summary.note("iterate.break");
        } else {
            assert_eq!(flow, ControlFlow::Continue(()));
            assert_eq!(seen, expected);
        }
    }

    fn check_pool<const C: bool>(&self, pool: &BlockPool<'_, C>, step: Option<(usize, &Op)>) {
        let at = || match step {
            Some((step, op)) => format!("after step {step} ({op:?})"),
            None => "after creation".to_owned(),
        };
        if let Err(error) = pool.check() {
            panic!("check() failed {}: {error}", at());
        }
        let m = &self.model;
        assert_eq!(pool.block_size(), m.stride, "block_size {}", at());
        assert_eq!(pool.block_align(), m.block_align, "block_align {}", at());
        assert_eq!(pool.capacity(), m.capacity, "capacity {}", at());
        assert_eq!(pool.len(), m.live.len(), "len {}", at());
        assert_eq!(
            pool.available(),
            m.capacity - m.live.len(),
            "available {}",
            at()
        );
        assert_eq!(pool.is_empty(), m.live.is_empty(), "is_empty {}", at());
        assert_eq!(pool.is_full(), m.is_full(), "is_full {}", at());
        assert_eq!(
            pool.region_count(),
            m.regions.len(),
            "region_count {}",
            at()
        );
        let stats = pool.stats();
        assert_eq!(
            (stats.capacity, stats.in_use, stats.growth_events),
            (m.capacity, m.live.len(), 0),
            "stats {}",
            at()
        );
        // Without counters the pool still counts allocations and frees.
        let counters = if C {
            (m.high_water, m.allocations, m.frees, m.failed_allocations)
        } else {
            (0, m.allocations, m.frees, 0)
        };
        assert_eq!(
            (
                stats.high_water,
                stats.allocations,
                stats.frees,
                stats.failed_allocations
            ),
            counters,
            "stats (high water, allocations, frees, failed) {}",
            at()
        );
        // The model's own invariants: every step natively; under Miri,
        // where each step costs thousands of times more and the point is
        // undefined behaviour in the engine, only at the end of the run.
        if !cfg!(miri) || step.is_none() {
            m.assert_consistent();
        }
    }

    fn finish<const C: bool>(&mut self, pool: &mut BlockPool<'_, C>) {
        self.verify_all();
        self.iterate(pool, u16::MAX);
        let live: Vec<usize> = self.model.live.keys().copied().collect();
        for addr in live {
            self.verify(addr);
            assert_eq!(
                pool.free(self.ptrs[&addr]),
                Ok(()),
                "final free of {addr:#x}"
            );
            self.note_free(addr);
        }
        self.check_pool(pool, None);
        assert!(pool.is_empty());
        assert_eq!(pool.iter_allocated().next(), None);
        for addr in self.model.freed() {
            assert_eq!(
                pool.free(self.ptr_for(addr)),
                Err(FreeError::DoubleFree),
                "final double free of {addr:#x}"
            );
        }
        self.check_pool(pool, None);
    }
}

/// Item `index % len` of `items`, or `None` when there is none.
fn pick(items: Vec<usize>, index: u16) -> Option<usize> {
    (!items.is_empty()).then(|| items[usize::from(index) % items.len()])
}
