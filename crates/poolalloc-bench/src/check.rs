//! Correctness checks: a wrapper that watches a contender while a workload
//! drives it.
//!
//! [`Checked`] stamps every block it allocates with a unique id (the fill
//! pattern of that id) and verifies the stamp just after allocating and
//! just before freeing. A contender that hands out a block that is still
//! live overwrites the older stamp, so freeing the older handle fails the
//! check. It also counts allocations and frees and tracks the live set, so
//! a workload that loses or double-frees a handle fails too.
//!
//! [`VarChecked`] does the same for variable-size allocations (W4), and
//! more directly: it keeps the live allocations' address ranges in a sorted
//! map and refuses one that overlaps another, lies outside the contender's
//! arena or is misaligned; it checks that the contender touched the first
//! and last byte, then stamps every byte and verifies them all at free.

use crate::contender::{
    Block, Contender, Entrant, VAR_ALIGN, VarContender, VarEntrant, WithContender,
    WithVarContender, pattern, touch_bytes,
};
use crate::workload::{Inputs, Workload};
use core::ops::Range;
use core::ptr::NonNull;
use std::collections::{BTreeMap, HashSet};

/// What a checked run saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Allocations performed.
    pub allocs: u64,
    /// Frees performed.
    pub frees: u64,
    /// The most blocks live at once.
    pub peak_live: usize,
}

/// A handle of a [`Checked`] contender: the inner handle and its stamp.
#[derive(Debug)]
pub struct Stamped<H> {
    inner: H,
    id: u64,
}

/// A contender under observation.
pub struct Checked<'c, C> {
    inner: &'c mut C,
    next_id: u64,
    live: HashSet<u64>,
    report: CheckReport,
    error: Option<String>,
}

impl<'c, C: Contender> Checked<'c, C> {
    /// Watches `inner`, which must have nothing allocated.
    pub fn new(inner: &'c mut C) -> Self {
        Checked {
            inner,
            next_id: 0,
            live: HashSet::new(),
            report: CheckReport::default(),
            error: None,
        }
    }

    fn fail(&mut self, message: String) {
        self.error.get_or_insert(message);
    }

    /// What was seen, or the first problem found (including blocks still
    /// live at the end).
    pub fn finish(self) -> Result<CheckReport, String> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if !self.live.is_empty() {
            return Err(format!("{} blocks still live at the end", self.live.len()));
        }
        Ok(self.report)
    }
}

impl<C: Contender> Contender for Checked<'_, C> {
    type Handle = Stamped<C::Handle>;

    fn alloc(&mut self, _fill: u64) -> Self::Handle {
        let id = self.next_id;
        self.next_id += 1;
        let inner = self.inner.alloc(id);
        if self.inner.read(&inner) != pattern(id) {
            self.fail(format!("allocation #{id} was not filled with its pattern"));
        }
        self.live.insert(id);
        self.report.allocs += 1;
        self.report.peak_live = self.report.peak_live.max(self.live.len());
        Stamped { inner, id }
    }

    fn free(&mut self, handle: Self::Handle) {
        let id = handle.id;
        if !self.live.remove(&id) {
            self.fail(format!("allocation #{id} freed while not live"));
            // Leak it rather than hand the contender a double free.
            std::mem::forget(handle);
            return;
        }
        let found: Block = self.inner.read(&handle.inner);
        if found != pattern(id) {
            self.fail(format!(
                "allocation #{id} was overwritten while live (found the stamp of #{}): \
                 its block was handed out twice",
                u64::from_le_bytes(found[..8].try_into().expect("8 bytes"))
            ));
            std::mem::forget(handle);
            return;
        }
        self.inner.free(handle.inner);
        self.report.frees += 1;
    }

    fn read(&self, handle: &Self::Handle) -> Block {
        self.inner.read(&handle.inner)
    }
}

/// Runs `workload` on a fresh `E` under [`Checked`] and compares the counts
/// with what the workload must do.
pub fn run_checked<E: Entrant>(
    workload: &Workload,
    inputs: &Inputs,
) -> Result<CheckReport, String> {
    struct Run<'w> {
        workload: &'w Workload,
        inputs: &'w Inputs,
    }
    impl WithContender for Run<'_> {
        type Output = Result<CheckReport, String>;
        fn call<C: Contender>(self, contender: &mut C) -> Self::Output {
            check_on(contender, self.workload, self.inputs)
        }
    }
    E::with(workload.peak_live(), Run { workload, inputs })
}

/// Runs `workload` on `contender` under [`Checked`] and compares the counts
/// with what the workload must do.
pub fn check_on<C: Contender>(
    contender: &mut C,
    workload: &Workload,
    inputs: &Inputs,
) -> Result<CheckReport, String> {
    let mut checked = Checked::new(contender);
    workload.run(&mut checked, inputs);
    let report = checked.finish()?;
    let expected = CheckReport {
        allocs: workload.total_allocs(),
        frees: workload.total_allocs(),
        peak_live: workload.peak_live(),
    };
    if report != expected {
        return Err(format!("expected {expected:?}, saw {report:?}"));
    }
    Ok(report)
}

/// The byte [`VarChecked`] stamps at offset `at` of allocation `id`.
fn stamp_byte(id: u64, at: usize) -> u8 {
    let mixed = id.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (at as u64 / 8);
    mixed.to_le_bytes()[at % 8]
}

/// A live allocation seen by [`VarChecked`].
#[derive(Clone, Copy, Debug)]
struct LiveRange {
    end: usize,
    id: u64,
}

/// A variable-size contender under observation.
pub struct VarChecked<'c, C> {
    inner: &'c mut C,
    arena: Option<Range<usize>>,
    next_id: u64,
    /// Live allocations by start address.
    live: BTreeMap<usize, LiveRange>,
    report: CheckReport,
    error: Option<String>,
}

impl<'c, C: VarContender> VarChecked<'c, C> {
    /// Watches `inner`, which must have nothing allocated.
    pub fn new(inner: &'c mut C) -> Self {
        VarChecked {
            arena: inner.arena(),
            inner,
            next_id: 0,
            live: BTreeMap::new(),
            report: CheckReport::default(),
            error: None,
        }
    }

    fn fail(&mut self, message: String) {
        self.error.get_or_insert(message);
    }

    /// What was seen, or the first problem found (including allocations
    /// still live at the end).
    pub fn finish(self) -> Result<CheckReport, String> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if !self.live.is_empty() {
            return Err(format!(
                "{} allocations still live at the end",
                self.live.len()
            ));
        }
        Ok(self.report)
    }

    /// Why the new allocation `start..end` is wrong, if it is.
    fn misplaced(&self, id: u64, start: usize, end: usize) -> Option<String> {
        if start % VAR_ALIGN != 0 {
            return Some(format!(
                "allocation #{id} at {start:#x} is not aligned to {VAR_ALIGN}"
            ));
        }
        if let Some(arena) = &self.arena {
            if start < arena.start || end > arena.end {
                return Some(format!(
                    "allocation #{id} ({start:#x}..{end:#x}) is outside the arena \
                     ({:#x}..{:#x})",
                    arena.start, arena.end
                ));
            }
        }
        let before = self.live.range(..=start).next_back();
        let after = self.live.range(start..).next();
        for (&other_start, other) in before.into_iter().chain(after) {
            if other_start < end && start < other.end {
                return Some(format!(
                    "allocation #{id} ({start:#x}..{end:#x}) overlaps live allocation #{} \
                     ({other_start:#x}..{:#x})",
                    other.id, other.end
                ));
            }
        }
        None
    }
}

impl<C: VarContender> VarContender for VarChecked<'_, C> {
    fn alloc(&mut self, size: usize, _fill: u64) -> NonNull<u8> {
        let id = self.next_id;
        self.next_id += 1;
        let ptr = self.inner.alloc(size, id);
        let start = ptr.as_ptr().addr();
        let end = start + size;
        if let Some(problem) = self.misplaced(id, start, end) {
            // Leave its bytes and the live set alone: writing could clobber
            // another allocation.
            self.fail(problem);
        } else {
            // SAFETY: `ptr` is a fresh allocation of `size` bytes, which the
            // contender wrote the first and last of.
            let bytes = unsafe { core::slice::from_raw_parts_mut(ptr.as_ptr(), size) };
            if (bytes[0], bytes[size - 1]) != touch_bytes(id) {
                self.fail(format!("allocation #{id} was not touched at both ends"));
            }
            for (at, byte) in bytes.iter_mut().enumerate() {
                *byte = stamp_byte(id, at);
            }
            self.live.insert(start, LiveRange { end, id });
        }
        self.report.allocs += 1;
        self.report.peak_live = self.report.peak_live.max(self.live.len());
        ptr
    }

    unsafe fn free(&mut self, ptr: NonNull<u8>, size: usize) {
        let start = ptr.as_ptr().addr();
        let Some(range) = self.live.remove(&start) else {
            self.fail(format!("{start:#x} freed while not live"));
            // Leak it rather than hand the contender a bad free.
            return;
        };
        if range.end - start != size {
            self.fail(format!(
                "allocation #{} of {} bytes freed as {size} bytes",
                range.id,
                range.end - start
            ));
            return;
        }
        // SAFETY: the allocation is live and `size` bytes long, and `alloc`
        // initialised all of them.
        let bytes = unsafe { core::slice::from_raw_parts(ptr.as_ptr(), size) };
        if let Some(at) = (0..size).find(|&at| bytes[at] != stamp_byte(range.id, at)) {
            self.fail(format!(
                "allocation #{} was overwritten while live (byte {at} of {size})",
                range.id
            ));
            return;
        }
        // SAFETY: the caller's promise, checked against the live set.
        unsafe { self.inner.free(ptr, size) };
        self.report.frees += 1;
    }

    fn arena(&self) -> Option<Range<usize>> {
        self.arena.clone()
    }
}

/// Runs W4 `workload` on a fresh `E` under [`VarChecked`] and compares the
/// counts with what the workload must do.
pub fn run_checked_var<E: VarEntrant>(
    workload: &Workload,
    inputs: &Inputs,
) -> Result<CheckReport, String> {
    struct Run<'w> {
        workload: &'w Workload,
        inputs: &'w Inputs,
    }
    impl WithVarContender for Run<'_> {
        type Output = Result<CheckReport, String>;
        fn call<C: VarContender>(self, contender: &mut C) -> Self::Output {
            check_var_on(contender, self.workload, self.inputs)
        }
    }
    E::with_arena(workload.arena_bytes(), Run { workload, inputs })
}

/// Runs W4 `workload` on `contender` under [`VarChecked`] and compares the
/// counts with what the workload must do.
pub fn check_var_on<C: VarContender>(
    contender: &mut C,
    workload: &Workload,
    inputs: &Inputs,
) -> Result<CheckReport, String> {
    let mut checked = VarChecked::new(contender);
    workload.run_var(&mut checked, inputs);
    let report = checked.finish()?;
    let expected = CheckReport {
        allocs: workload.total_allocs(),
        frees: workload.total_allocs(),
        peak_live: workload.peak_live(),
    };
    if report != expected {
        return Err(format!("expected {expected:?}, saw {report:?}"));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contender::{all, touch};
    use crate::workload::{LiveSet, SEED, Scale};

    #[test]
    fn every_contender_passes_every_workload_it_runs() {
        for workload in Workload::all(Scale::Tiny) {
            let inputs = workload.inputs(SEED);
            for entry in all() {
                let Some(fns) = entry.fns(&workload) else {
                    continue;
                };
                let report = (fns.check)(&workload, &inputs)
                    .unwrap_or_else(|e| panic!("{} on {}: {e}", entry.name, workload.id()));
                assert_eq!(report.allocs, workload.total_allocs());
            }
        }
    }

    fn tiny_w4() -> Workload {
        Workload::VarChurn {
            set: LiveSet::Small,
            live: 8,
            steps: 40,
        }
    }

    /// Bytes of a [`Bump`]'s memory.
    const BUMP_BYTES: usize = 800_000;

    /// A W4 contender over a `Vec`, bump-allocating from a cursor that
    /// `step` advances after each allocation; frees do nothing. It reports
    /// the first `arena_len` bytes as its arena.
    struct Bump {
        memory: Vec<u64>,
        base: NonNull<u8>,
        cursor: usize,
        step: fn(usize, usize) -> usize,
        touch: bool,
        arena_len: usize,
    }

    impl Bump {
        fn new(step: fn(usize, usize) -> usize) -> Self {
            let mut memory = vec![0u64; BUMP_BYTES / 8];
            let base = NonNull::new(memory.as_mut_ptr().cast::<u8>()).unwrap();
            Bump {
                memory,
                base,
                cursor: 0,
                step,
                touch: true,
                arena_len: BUMP_BYTES,
            }
        }
    }

    impl VarContender for Bump {
        fn alloc(&mut self, size: usize, fill: u64) -> NonNull<u8> {
            assert!(self.cursor + size <= self.memory.len() * 8);
            // SAFETY: in bounds of `memory`, as asserted.
            let ptr = unsafe { self.base.add(self.cursor) };
            if self.touch {
                // SAFETY: `size` bytes in bounds.
                unsafe { touch(ptr, size, fill) };
            }
            self.cursor = (self.step)(self.cursor, size);
            ptr
        }
        unsafe fn free(&mut self, _ptr: NonNull<u8>, _size: usize) {}
        fn arena(&self) -> Option<Range<usize>> {
            let start = self.base.as_ptr().addr();
            Some(start..start + self.arena_len)
        }
    }

    fn check_bump(bump: &mut Bump) -> Result<CheckReport, String> {
        let w = tiny_w4();
        check_var_on(bump, &w, &w.inputs(SEED))
    }

    #[test]
    fn a_correct_var_contender_passes() {
        let mut bump = Bump::new(|cursor, size| (cursor + size).next_multiple_of(8));
        assert_eq!(check_bump(&mut bump).unwrap().allocs, 48);
    }

    #[test]
    fn overlapping_allocations_are_caught() {
        // Each allocation starts 8 bytes after the previous one.
        let mut bump = Bump::new(|cursor, _| cursor + 8);
        let err = check_bump(&mut bump).unwrap_err();
        assert!(err.contains("overlaps live allocation"), "{err}");
    }

    #[test]
    fn a_misaligned_allocation_is_caught() {
        let mut bump = Bump::new(|cursor, size| cursor + size + 1);
        let err = check_bump(&mut bump).unwrap_err();
        assert!(err.contains("not aligned"), "{err}");
    }

    #[test]
    fn an_allocation_outside_the_arena_is_caught() {
        let mut bump = Bump::new(|cursor, size| (cursor + size).next_multiple_of(8));
        bump.arena_len = 1024;
        let err = check_bump(&mut bump).unwrap_err();
        assert!(err.contains("outside the arena"), "{err}");
    }

    #[test]
    fn an_untouched_allocation_is_caught() {
        let mut bump = Bump::new(|cursor, size| (cursor + size).next_multiple_of(8));
        bump.touch = false;
        let err = check_bump(&mut bump).unwrap_err();
        assert!(err.contains("not touched"), "{err}");
    }

    #[test]
    fn a_clobbered_allocation_is_caught() {
        let mut bump = Bump::new(|cursor, size| (cursor + size).next_multiple_of(8));
        let mut checked = VarChecked::new(&mut bump);
        let a = checked.alloc(64, 0);
        let b = checked.alloc(64, 0);
        // SAFETY: `b` is a live 64-byte allocation; this is the bug.
        unsafe { b.add(10).write(!stamp_byte(1, 10)) };
        // SAFETY: both are live allocations of 64 bytes.
        unsafe {
            checked.free(a, 64);
            checked.free(b, 64);
        }
        let err = checked.finish().unwrap_err();
        assert!(
            err.contains("#1 was overwritten") && err.contains("byte 10"),
            "{err}"
        );
    }

    #[test]
    fn var_double_frees_wrong_sizes_and_leaks_are_caught() {
        let mut bump = Bump::new(|cursor, size| (cursor + size).next_multiple_of(8));
        let mut checked = VarChecked::new(&mut bump);
        let a = checked.alloc(16, 0);
        // SAFETY: the checker refuses these without passing them on.
        unsafe { checked.free(a, 24) };
        let err = checked.finish().unwrap_err();
        assert!(err.contains("freed as 24 bytes"), "{err}");

        let mut checked = VarChecked::new(&mut bump);
        let a = checked.alloc(16, 0);
        // SAFETY: as above; the second free is refused.
        unsafe {
            checked.free(a, 16);
            checked.free(a, 16);
        }
        assert!(
            checked
                .finish()
                .unwrap_err()
                .contains("freed while not live")
        );

        let mut checked = VarChecked::new(&mut bump);
        let _kept = checked.alloc(16, 0);
        assert!(checked.finish().unwrap_err().contains("still live"));
    }

    /// A broken pool that stops advancing at block 1, so block 1 is handed
    /// out again while still live.
    struct Duplicating {
        blocks: Vec<Block>,
        next: usize,
    }

    impl Contender for Duplicating {
        type Handle = usize;
        fn alloc(&mut self, fill: u64) -> usize {
            let i = self.next;
            if self.next != 1 {
                self.next += 1;
            }
            self.blocks[i] = pattern(fill);
            i
        }
        fn free(&mut self, _handle: usize) {}
        fn read(&self, handle: &usize) -> Block {
            self.blocks[*handle]
        }
    }

    #[test]
    fn a_block_handed_out_twice_is_caught() {
        let workload = Workload::Batch {
            batch: 8,
            cycles: 1,
        };
        let mut broken = Duplicating {
            blocks: vec![[0; 64]; 8],
            next: 0,
        };
        let err = check_on(&mut broken, &workload, &workload.inputs(SEED)).unwrap_err();
        assert!(err.contains("handed out twice"), "{err}");
    }

    /// A pool that fills blocks with the wrong bytes.
    struct Unfilled(Vec<Block>);

    impl Contender for Unfilled {
        type Handle = usize;
        fn alloc(&mut self, _fill: u64) -> usize {
            0
        }
        fn free(&mut self, _handle: usize) {}
        fn read(&self, handle: &usize) -> Block {
            self.0[*handle]
        }
    }

    #[test]
    fn an_unfilled_block_is_caught() {
        let workload = Workload::HotPair { pairs: 3 };
        let mut broken = Unfilled(vec![[0xFF; 64]]);
        let err = check_on(&mut broken, &workload, &Inputs::default()).unwrap_err();
        assert!(err.contains("not filled"), "{err}");
    }

    #[test]
    fn a_double_free_by_the_driver_is_caught() {
        let mut pool = Duplicating {
            blocks: vec![[0; 64]; 4],
            next: 0,
        };
        let mut checked = Checked::new(&mut pool);
        let a = checked.alloc(0);
        let again = Stamped {
            inner: a.inner,
            id: a.id,
        };
        checked.free(a);
        checked.free(again);
        let err = checked.finish().unwrap_err();
        assert!(err.contains("freed while not live"), "{err}");
    }

    #[test]
    fn a_leak_is_caught() {
        let mut pool = Duplicating {
            blocks: vec![[0; 64]; 4],
            next: 0,
        };
        let mut checked = Checked::new(&mut pool);
        let _kept = checked.alloc(0);
        assert!(checked.finish().unwrap_err().contains("still live"));
    }
}
