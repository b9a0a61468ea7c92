//! The errors of [`Slab`](super::Slab): [`SlabError`] for refused
//! operations and [`SlabCheckError`] for a failed invariant check.

use core::fmt;

/// Why a [`Slab`](super::Slab) refused an operation. A refused operation
/// leaves the slab exactly as it was (apart from the
/// `failed_allocations` counter after [`SlabError::Full`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SlabError {
    /// The requested length is longer than a slot's block.
    TooLarge {
        /// The length that was asked for.
        len: usize,
        /// The slab's block size, the longest length it serves.
        block_size: usize,
    },
    /// Every usable slot holds a live allocation.
    Full,
    /// The handle's allocation has been freed (this is also what a double
    /// free reports) or the slab has been cleared since it was issued.
    Stale,
    /// The handle was issued by another slab.
    Foreign,
}

impl fmt::Display for SlabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SlabError::TooLarge { len, block_size } => write!(
                f,
                "a length of {len} bytes is longer than the block size of {block_size} bytes"
            ),
            SlabError::Full => f.write_str("every usable slot of the slab is in use"),
            SlabError::Stale => {
                f.write_str("the handle's allocation was freed or the slab cleared since")
            }
            SlabError::Foreign => f.write_str("the handle belongs to another slab"),
        }
    }
}

impl core::error::Error for SlabError {}

/// An invariant of a [`Slab`](super::Slab) that
/// [`check`](super::Slab::check) found broken. Seeing one is a bug in the
/// slab.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SlabCheckError {
    /// The free list holds a slot that is not vacant, or one that was
    /// never handed out, or leads past the slots.
    FreeListCorrupt {
        /// The offending slot.
        slot: usize,
    },
    /// The free list is longer than the number of vacant slots: it has a
    /// cycle or a duplicate.
    FreeListCycle,
    /// A slot past the bump cursor is not in its initial state.
    FreshSlotUsed {
        /// The offending slot.
        slot: usize,
    },
    /// An occupied slot records a length longer than the block size.
    LengthTooLarge {
        /// The offending slot.
        slot: usize,
    },
    /// The counts of occupied, vacant, retired and fresh slots do not add
    /// up to the slab's bookkeeping.
    CountMismatch,
}

impl fmt::Display for SlabCheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SlabCheckError::FreeListCorrupt { slot } => {
                write!(f, "the free list holds slot {slot}, which is not vacant")
            }
            SlabCheckError::FreeListCycle => f.write_str("the free list has a cycle"),
            SlabCheckError::FreshSlotUsed { slot } => {
                write!(f, "slot {slot} past the bump cursor has been used")
            }
            SlabCheckError::LengthTooLarge { slot } => {
                write!(f, "slot {slot} records a length beyond the block size")
            }
            SlabCheckError::CountMismatch => {
                f.write_str("the slot counts disagree with the slab's bookkeeping")
            }
        }
    }
}

impl core::error::Error for SlabCheckError {}
