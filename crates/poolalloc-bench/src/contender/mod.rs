//! The contenders: every pool or allocator the benchmark measures.
//!
//! A contender is seen through two traits:
//!
//! - [`Contender`] is the hot path: allocate a 64-byte block filled with a
//!   pattern, free it. Its `Handle` is whatever the contender hands out (a
//!   pointer, a key, an RAII guard). Workloads are generic over it, so each
//!   contender gets its own monomorphised loop with no dynamic dispatch.
//! - [`Entrant`] names a contender and builds it for a given number of live
//!   blocks. Builders that borrow (a pool over a region, a handle that
//!   borrows its pool) keep the borrow inside [`Entrant::with`], which
//!   hands the ready contender to a [`WithContender`] visitor.
//!
//! [`all`] lists the entrants as [`Entry`] values, each holding plain
//! function pointers to the monomorphised workload code; the driver calls
//! through them once per timed run, never per operation. To add a
//! contender, write an `Entrant` and add one line to [`all`].

mod block_pool;
mod fastalloc_fixed;
mod global_alloc;
mod keyed;

use crate::check::{self, CheckReport};
use crate::workload::{Inputs, Workload};
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

/// A contender in the registry, with its workload code monomorphised.
#[derive(Clone, Copy)]
pub struct Entry {
    /// The label in reports.
    pub name: &'static str,
    /// Runs a workload once and returns the time of its timed part.
    pub measure: fn(&Workload, &Inputs) -> Duration,
    /// Runs a workload under [`check::Checked`] and reports what it saw.
    pub check: fn(&Workload, &Inputs) -> Result<CheckReport, String>,
}

impl Entry {
    /// The entry for entrant `E`.
    pub fn of<E: Entrant>() -> Self {
        Entry {
            name: E::NAME,
            measure: measure::<E>,
            check: check::run_checked::<E>,
        }
    }
}

impl core::fmt::Debug for Entry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Entry").field("name", &self.name).finish()
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

/// Every contender, in a fixed order (the driver rotates it per
/// repetition).
pub fn all() -> Vec<Entry> {
    vec![
        Entry::of::<block_pool::Unchecked>(),
        Entry::of::<block_pool::NoCounters>(),
        Entry::of::<block_pool::CheckedFree>(),
        Entry::of::<keyed::SlabEntrant>(),
        Entry::of::<keyed::SlotMapEntrant>(),
        Entry::of::<fastalloc_fixed::FixedPoolEntrant>(),
        Entry::of::<global_alloc::MiMallocEntrant>(),
        Entry::of::<global_alloc::SystemEntrant>(),
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
}
