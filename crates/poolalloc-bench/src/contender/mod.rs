//! The contenders: every pool or allocator the benchmark measures.
//!
//! A contender is seen through two pairs of traits, one per kind of
//! workload:
//!
//! - W1–W3 (64-byte blocks): [`Contender`] is the hot path: allocate a
//!   64-byte block filled with a pattern, free it. Its `Handle` is whatever
//!   the contender hands out (a pointer, a key, an RAII guard). [`Entrant`]
//!   names a contender and builds it for a given number of live blocks.
//! - W4 (variable sizes): [`VarContender`] allocates any size from 8 to
//!   4096 bytes and touches the allocation's first and last byte; every
//!   handle is a pointer. [`VarEntrant`] builds it over an arena of a given
//!   size (ignored by the general-purpose allocators).
//!
//! Workloads are generic over the hot-path trait, so each contender gets
//! its own monomorphised loop with no dynamic dispatch. Builders that
//! borrow (a pool over a region, a handle that borrows its pool) keep the
//! borrow inside `with`, which hands the ready contender to a visitor
//! ([`WithContender`], [`WithVarContender`]).
//!
//! [`all`] lists the entrants as [`Entry`] values, each holding plain
//! function pointers to the monomorphised workload code for the kinds of
//! workload it runs; the driver calls through them once per run, never per
//! operation. To add a contender, write an `Entrant` (or `VarEntrant`, or
//! both) and add one line to [`all`].

mod arena;
mod block_pool;
mod fastalloc_fixed;
mod fastalloc_growing;
mod global_alloc;
mod keyed;
mod linked_list;
mod rlsf_tlsf;
mod talc_arena;
mod thunderdome_arena;
mod typed_pool;
mod var_pool;

use crate::check::{self, CheckReport};
use crate::workload::{Inputs, WarmUp, Workload};
use core::ops::Range;
use core::ptr::NonNull;
use std::time::Duration;

/// Size of every block, in bytes.
pub const BLOCK_SIZE: usize = 64;
/// Alignment asked of every block.
pub const BLOCK_ALIGN: usize = 8;
/// The contents of one block.
pub type Block = [u8; BLOCK_SIZE];

/// The block a contender must hand out for `fill`: its eight little-endian
/// bytes repeated eight times.
#[inline(always)]
pub fn pattern(fill: u64) -> Block {
    let bytes = fill.to_le_bytes();
    let mut block = [0; BLOCK_SIZE];
    for chunk in block.chunks_exact_mut(8) {
        chunk.copy_from_slice(&bytes);
    }
    block
}

/// A pool or allocator of 64-byte blocks, as a workload drives it.
pub trait Contender {
    /// What an allocation yields and a free consumes.
    type Handle;

    /// Allocates a block and fills it with [`pattern(fill)`](pattern),
    /// each contender with its idiomatic API (raw allocators write through
    /// the pointer, containers insert the value). Panics when out of
    /// memory: workloads size every contender for their peak.
    fn alloc(&mut self, fill: u64) -> Self::Handle;

    /// Frees a block this contender allocated.
    fn free(&mut self, handle: Self::Handle);

    /// The block's current contents (used by the correctness checks, not
    /// on timed paths).
    fn read(&self, handle: &Self::Handle) -> Block;
}

/// Receives a ready contender: the workload (or check) to run on it.
pub trait WithContender {
    /// What running on the contender produces.
    type Output;

    /// Runs on `contender`.
    fn call<C: Contender>(self, contender: &mut C) -> Self::Output;
}

/// One contender: its name and how to build it.
pub trait Entrant {
    /// The label in reports.
    const NAME: &'static str;

    /// Builds the contender ready to hold `live` blocks at once (with
    /// nothing allocated) and runs `f` on it.
    fn with<F: WithContender>(live: usize, f: F) -> F::Output;
}

/// The smallest W4 request, in bytes.
pub const VAR_MIN_SIZE: usize = 8;
/// The largest W4 request, in bytes.
pub const VAR_MAX_SIZE: usize = 4096;
/// Alignment asked of every W4 allocation, by every contender.
pub const VAR_ALIGN: usize = 8;

/// The bytes a [`VarContender`] writes at the first and at the last byte
/// of the allocation it hands out for `fill`.
#[inline(always)]
pub fn touch_bytes(fill: u64) -> (u8, u8) {
    (fill as u8, (fill >> 8) as u8 ^ 0xA5)
}

/// Writes [`touch_bytes(fill)`](touch_bytes) into the first and last byte
/// of the `size` bytes at `block`.
///
/// # Safety
///
/// `block` must be valid for writes of `size >= 1` bytes.
#[inline(always)]
pub unsafe fn touch(block: NonNull<u8>, size: usize, fill: u64) {
    let (first, last) = touch_bytes(fill);
    // SAFETY: the caller promises `size >= 1` writable bytes at `block`.
    unsafe {
        block.write(first);
        block.add(size - 1).write(last);
    }
}

/// A pool or allocator of variable-size allocations, as W4 drives it.
pub trait VarContender {
    /// Allocates `size` bytes (from [`VAR_MIN_SIZE`] to [`VAR_MAX_SIZE`])
    /// aligned to [`VAR_ALIGN`] and [`touch`]es them for `fill`. Panics when
    /// out of memory: arenas are sized for the workload's peak.
    fn alloc(&mut self, size: usize, fill: u64) -> NonNull<u8>;

    /// Frees an allocation.
    ///
    /// # Safety
    ///
    /// `ptr` must come from this contender's `alloc` with this `size` and
    /// not have been freed since.
    unsafe fn free(&mut self, ptr: NonNull<u8>, size: usize);

    /// The address range of the arena the contender allocates from, or
    /// `None` for an allocator that takes its memory from the system.
    fn arena(&self) -> Option<Range<usize>>;
}

/// Receives a ready [`VarContender`]: the workload (or check) to run on it.
pub trait WithVarContender {
    /// What running on the contender produces.
    type Output;

    /// Runs on `contender`.
    fn call<C: VarContender>(self, contender: &mut C) -> Self::Output;
}

/// One variable-size contender: its name and how to build it.
pub trait VarEntrant {
    /// The label in reports.
    const NAME: &'static str;

    /// Builds the contender over a fresh, pre-faulted arena of
    /// `arena_bytes` bytes (contenders without an arena ignore it), with
    /// nothing allocated, and runs `f` on it.
    fn with_arena<F: WithVarContender>(arena_bytes: usize, f: F) -> F::Output;
}

/// What the driver calls for one kind of workload, monomorphised for one
/// contender.
#[derive(Clone, Copy)]
pub struct Fns {
    /// Runs a workload once and returns the time of its timed part.
    pub measure: fn(&Workload, &Inputs) -> Duration,
    /// The untimed first run: gives up past the budget and measures the
    /// footprint where it means something.
    pub warm_up: fn(&Workload, &Inputs, Duration) -> WarmUp,
    /// Runs a workload under the correctness checker and reports what it
    /// saw.
    pub check: fn(&Workload, &Inputs) -> Result<CheckReport, String>,
}

/// A contender in the registry, with its workload code monomorphised for
/// the kinds of workload it runs.
#[derive(Clone, Copy)]
pub struct Entry {
    /// The label in reports.
    pub name: &'static str,
    /// W1–W3, when the contender runs them.
    fixed: Option<Fns>,
    /// W4, when the contender runs it.
    var: Option<Fns>,
}

impl Entry {
    /// The entry for an entrant of W1–W3 only.
    pub fn fixed<E: Entrant>() -> Self {
        Entry {
            name: E::NAME,
            fixed: Some(fixed_fns::<E>()),
            var: None,
        }
    }

    /// The entry for an entrant of W4 only.
    pub fn var<E: VarEntrant>() -> Self {
        Entry {
            name: E::NAME,
            fixed: None,
            var: Some(var_fns::<E>()),
        }
    }

    /// The entry for an entrant of every workload; its two names must
    /// agree.
    pub fn both<E: Entrant + VarEntrant>() -> Self {
        assert_eq!(<E as Entrant>::NAME, <E as VarEntrant>::NAME);
        Entry {
            name: <E as Entrant>::NAME,
            fixed: Some(fixed_fns::<E>()),
            var: Some(var_fns::<E>()),
        }
    }

    /// What to call for `workload`, or `None` when this contender does not
    /// run it.
    pub fn fns(&self, workload: &Workload) -> Option<&Fns> {
        if workload.is_var() {
            self.var.as_ref()
        } else {
            self.fixed.as_ref()
        }
    }
}

impl core::fmt::Debug for Entry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Entry")
            .field("name", &self.name)
            .field("fixed", &self.fixed.is_some())
            .field("var", &self.var.is_some())
            .finish()
    }
}

fn fixed_fns<E: Entrant>() -> Fns {
    Fns {
        measure: measure::<E>,
        warm_up: |w, inputs, _budget| {
            measure::<E>(w, inputs);
            WarmUp::Done { footprint: None }
        },
        check: check::run_checked::<E>,
    }
}

fn var_fns<E: VarEntrant>() -> Fns {
    Fns {
        measure: measure_var::<E>,
        warm_up: warm_up_var::<E>,
        check: check::run_checked_var::<E>,
    }
}

fn measure<E: Entrant>(workload: &Workload, inputs: &Inputs) -> Duration {
    struct Measure<'w> {
        workload: &'w Workload,
        inputs: &'w Inputs,
    }
    impl WithContender for Measure<'_> {
        type Output = Duration;
        fn call<C: Contender>(self, contender: &mut C) -> Duration {
            self.workload.run(contender, self.inputs)
        }
    }
    E::with(workload.peak_live(), Measure { workload, inputs })
}

fn measure_var<E: VarEntrant>(workload: &Workload, inputs: &Inputs) -> Duration {
    struct Measure<'w> {
        workload: &'w Workload,
        inputs: &'w Inputs,
    }
    impl WithVarContender for Measure<'_> {
        type Output = Duration;
        fn call<C: VarContender>(self, contender: &mut C) -> Duration {
            self.workload.run_var(contender, self.inputs)
        }
    }
    E::with_arena(workload.arena_bytes(), Measure { workload, inputs })
}

fn warm_up_var<E: VarEntrant>(workload: &Workload, inputs: &Inputs, budget: Duration) -> WarmUp {
    struct WarmUpRun<'w> {
        workload: &'w Workload,
        inputs: &'w Inputs,
        budget: Duration,
    }
    impl WithVarContender for WarmUpRun<'_> {
        type Output = WarmUp;
        fn call<C: VarContender>(self, contender: &mut C) -> WarmUp {
            self.workload
                .warm_up_var(contender, self.inputs, self.budget)
        }
    }
    E::with_arena(
        workload.arena_bytes(),
        WarmUpRun {
            workload,
            inputs,
            budget,
        },
    )
}

/// Every contender, in a fixed order (the driver rotates it per
/// repetition).
pub fn all() -> Vec<Entry> {
    vec![
        Entry::fixed::<block_pool::Unchecked>(),
        Entry::fixed::<block_pool::NoCounters>(),
        Entry::fixed::<block_pool::CheckedFree>(),
        Entry::fixed::<keyed::SlabEntrant>(),
        Entry::fixed::<keyed::SlotMapEntrant>(),
        Entry::fixed::<fastalloc_fixed::FixedPoolEntrant>(),
        Entry::fixed::<typed_pool::FixedOwned>(),
        Entry::fixed::<typed_pool::GrowingKeyed>(),
        Entry::fixed::<fastalloc_growing::GrowingPoolEntrant>(),
        Entry::fixed::<thunderdome_arena::ArenaEntrant>(),
        Entry::var::<var_pool::VarPoolEntrant>(),
        Entry::var::<talc_arena::TalcEntrant>(),
        Entry::var::<rlsf_tlsf::TlsfEntrant>(),
        Entry::var::<linked_list::HeapEntrant>(),
        Entry::both::<global_alloc::MiMallocEntrant>(),
        Entry::both::<global_alloc::SystemEntrant>(),
    ]
}

/// Fills the block at `block` with [`pattern(fill)`](pattern).
///
/// # Safety
///
/// `block` must be valid for writes of [`BLOCK_SIZE`] bytes and aligned to
/// [`BLOCK_ALIGN`].
#[inline(always)]
pub unsafe fn write_raw(block: NonNull<u8>, fill: u64) {
    // SAFETY: the caller promises a writable block of `BLOCK_SIZE` bytes;
    // `Block` is a byte array, so any alignment will do.
    unsafe { block.cast::<Block>().write(pattern(fill)) }
}

/// Reads the block at `block`.
///
/// # Safety
///
/// `block` must be valid for reads of [`BLOCK_SIZE`] initialised bytes.
#[inline]
pub unsafe fn read_raw(block: NonNull<u8>) -> Block {
    // SAFETY: as the caller promises.
    unsafe { block.cast::<Block>().read() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_repeats_the_fill() {
        let block = pattern(0x0102_0304_0506_0708);
        for chunk in block.chunks_exact(8) {
            assert_eq!(chunk, [8, 7, 6, 5, 4, 3, 2, 1]);
        }
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = all().iter().map(|e| e.name).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n);
    }

    #[test]
    fn every_workload_has_contenders() {
        use crate::workload::Scale;
        for w in Workload::all(Scale::Tiny) {
            assert!(all().iter().filter(|e| e.fns(&w).is_some()).count() >= 3);
        }
    }

    #[test]
    fn touch_marks_both_ends() {
        let mut bytes = [0u8; 5];
        let block = NonNull::from(&mut bytes).cast::<u8>();
        // SAFETY: `block` points to 5 writable bytes.
        unsafe { touch(block, 5, 0x1234) };
        let (first, last) = touch_bytes(0x1234);
        assert_eq!(bytes, [first, 0, 0, 0, last]);
        assert_ne!(first, last);
    }
}
