//! Error types shared by the engines.
//!
//! Every error is a `#[non_exhaustive]` enum with [`Display`](core::fmt::Display)
//! and [`core::error::Error`]. An operation that fails leaves its pool
//! exactly as it was.

use core::fmt;

/// Why a pool or a region could not be created or extended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegionError {
    /// A size of zero was asked for.
    ZeroSize,
    /// The alignment is not a power of two.
    BadAlignment {
        /// The alignment that was asked for.
        align: usize,
    },
    /// The sizes involved overflow the address space.
    TooLarge,
    /// The region cannot hold even one item after its bookkeeping.
    TooSmall {
        /// Bytes needed for one item, bookkeeping and worst-case padding.
        needed: usize,
        /// Bytes the region has.
        available: usize,
    },
    /// The region overlaps memory that the pool already manages.
    Overlap,
    /// The heap refused to provide the memory.
    OutOfMemory,
    /// Growing would pass the pool's configured maximum.
    CapacityLimit,
}

impl fmt::Display for RegionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegionError::ZeroSize => f.write_str("a size of zero was requested"),
            RegionError::BadAlignment { align } => {
                write!(f, "alignment {align} is not a power of two")
            }
            RegionError::TooLarge => f.write_str("the requested size overflows the address space"),
            RegionError::TooSmall { needed, available } => write!(
                f,
                "region of {available} bytes is too small: at least {needed} bytes are needed"
            ),
            RegionError::Overlap => f.write_str("region overlaps memory the pool already manages"),
            RegionError::OutOfMemory => f.write_str("the heap is out of memory"),
            RegionError::CapacityLimit => f.write_str("the pool is at its maximum capacity"),
        }
    }
}

impl core::error::Error for RegionError {}

/// Why a checked free refused a pointer. The pool is left untouched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FreeError {
    /// The pointer is not inside any region of this pool.
    Foreign,
    /// The pointer is inside the pool but not at the start of a block.
    Interior {
        /// Distance in bytes from the start of the enclosing block.
        offset: usize,
    },
    /// The block was handed out and has already been returned.
    DoubleFree,
    /// The block has never been handed out since the pool was created or
    /// last reset.
    NeverAllocated,
}

impl fmt::Display for FreeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FreeError::Foreign => f.write_str("pointer does not belong to this pool"),
            FreeError::Interior { offset } => {
                write!(
                    f,
                    "pointer is {offset} bytes inside a block, not at its start"
                )
            }
            FreeError::DoubleFree => f.write_str("block is already free (double free)"),
            FreeError::NeverAllocated => f.write_str("block was never allocated"),
        }
    }
}

impl core::error::Error for FreeError {}

/// An invariant that [`check`](crate::block::BlockPool::check) found broken.
///
/// Seeing one means memory was corrupted: a block was written after it was
/// freed, or an `unsafe` contract was broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckError {
    /// Two regions of the pool overlap, or are not in address order.
    RegionsOverlap,
    /// A region's bookkeeping is out of range.
    BadRegionHeader,
    /// The free list leads outside every region.
    FreeListOutOfBounds {
        /// The offending address.
        addr: usize,
    },
    /// The free list holds an address that is not a block start.
    FreeListMisaligned {
        /// The offending address.
        addr: usize,
    },
    /// The free list holds a block that is marked allocated, or one that
    /// was never handed out.
    FreeListHoldsLiveBlock {
        /// The offending address.
        addr: usize,
    },
    /// The free list is longer than the number of free blocks: it has a
    /// cycle or a duplicate.
    FreeListCycle,
    /// The ranges of a [`RangePool`](crate::RangePool) do not tile its
    /// length exactly in address order: a range starts out of order, off
    /// the granularity, or its neighbour links disagree.
    RangesNotTiled {
        /// Start offset of the offending range.
        offset: usize,
    },
    /// Two free ranges of a [`RangePool`](crate::RangePool) are adjacent:
    /// a free missed its coalescing.
    AdjacentFreeRanges {
        /// Start offset of the second of the two.
        offset: usize,
    },
    /// A size bin of a [`RangePool`](crate::RangePool) holds a range that
    /// is not free or belongs to another bin, or its links are broken.
    BinListCorrupt {
        /// Position of the bin, in size order.
        bin: usize,
    },
    /// A bin's bit in the non-empty bitmaps disagrees with its list.
    BinBitmapMismatch {
        /// Position of the bin, in size order.
        bin: usize,
    },
    /// The offset table of a [`RangePool`](crate::RangePool) does not hold
    /// exactly the start offsets of the live allocations.
    OffsetTableMismatch {
        /// The offset that is missing, wrong or extra.
        offset: usize,
    },
    /// The list of unused metadata nodes is broken.
    VacantNodesCorrupt,
    /// Two counts that must agree do not.
    CountMismatch {
        /// What was counted.
        what: &'static str,
        /// The value recorded by the pool.
        recorded: usize,
        /// The value found by walking the pool.
        found: usize,
    },
}

impl CheckError {
    /// `Ok` when a count `recorded` by a pool equals the one `found` by
    /// walking it, else [`CheckError::CountMismatch`].
    pub(crate) fn expect_count(
        what: &'static str,
        recorded: usize,
        found: usize,
    ) -> Result<(), CheckError> {
        if recorded == found {
            Ok(())
        } else {
            Err(CheckError::CountMismatch {
                what,
                recorded,
                found,
            })
        }
    }
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::RegionsOverlap => f.write_str("regions overlap or are out of order"),
            CheckError::BadRegionHeader => f.write_str("a region's bookkeeping is out of range"),
            CheckError::FreeListOutOfBounds { addr } => {
                write!(f, "free list leads outside the pool at {addr:#x}")
            }
            CheckError::FreeListMisaligned { addr } => {
                write!(f, "free list holds {addr:#x}, which is not a block start")
            }
            CheckError::FreeListHoldsLiveBlock { addr } => {
                write!(f, "free list holds {addr:#x}, which is not a free block")
            }
            CheckError::FreeListCycle => f.write_str("free list has a cycle or a duplicate"),
            CheckError::RangesNotTiled { offset } => {
                write!(f, "ranges do not tile the pool at offset {offset}")
            }
            CheckError::AdjacentFreeRanges { offset } => {
                write!(
                    f,
                    "free range at offset {offset} follows another free range"
                )
            }
            CheckError::BinListCorrupt { bin } => write!(f, "size bin {bin} is corrupt"),
            CheckError::BinBitmapMismatch { bin } => {
                write!(f, "size bin {bin} disagrees with the non-empty bitmap")
            }
            CheckError::OffsetTableMismatch { offset } => {
                write!(f, "offset table disagrees with the allocation at {offset}")
            }
            CheckError::VacantNodesCorrupt => f.write_str("list of unused nodes is corrupt"),
            CheckError::CountMismatch {
                what,
                recorded,
                found,
            } => write!(f, "{what}: recorded {recorded}, found {found}"),
        }
    }
}

impl core::error::Error for CheckError {}

/// Why a [`RangePool`](crate::RangePool) refused an operation. The pool is
/// left untouched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RangeError {
    /// The granularity is not a power of two.
    BadGranularity {
        /// The granularity that was asked for.
        granularity: usize,
    },
    /// The length is zero or not a multiple of the granularity.
    BadLength {
        /// The length that was asked for.
        len: usize,
        /// The pool's granularity.
        granularity: usize,
    },
    /// The alignment is not a power of two.
    BadAlignment {
        /// The alignment that was asked for.
        align: usize,
    },
    /// The request, rounded up to the granularity, is longer than the
    /// whole pool: it can never be served.
    TooLarge {
        /// The size that was asked for.
        size: usize,
    },
    /// No free range holds the request now.
    OutOfSpace {
        /// The size that was asked for, rounded up to the granularity.
        size: usize,
        /// The alignment that was asked for.
        align: usize,
    },
    /// Every metadata node is in use and the node storage cannot grow.
    NodesExhausted,
    /// The handle was issued by another pool.
    Foreign,
    /// The handle's allocation was freed, resized or reset since it was
    /// issued.
    Stale,
    /// The offset is not inside the pool.
    OutOfBounds {
        /// The offending offset.
        offset: usize,
    },
    /// The offset is inside a live allocation, not at its start.
    Interior {
        /// The offending offset.
        offset: usize,
        /// Start offset of the enclosing allocation.
        start: usize,
    },
    /// The offset is in free space: it was never handed out, or it was
    /// freed already (a double free).
    NotAllocated {
        /// The offending offset.
        offset: usize,
    },
    /// `grow_in_place` was asked for a smaller size, or `shrink_in_place`
    /// for a larger one.
    WrongResize {
        /// The allocation's size.
        size: usize,
        /// The size that was asked for, rounded up to the granularity.
        new_size: usize,
    },
}

impl fmt::Display for RangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RangeError::BadGranularity { granularity } => {
                write!(f, "granularity {granularity} is not a power of two")
            }
            RangeError::BadLength { len, granularity } => write!(
                f,
                "length {len} is zero or not a multiple of the granularity {granularity}"
            ),
            RangeError::BadAlignment { align } => {
                write!(f, "alignment {align} is not a power of two")
            }
            RangeError::TooLarge { size } => {
                write!(f, "a request of {size} bytes is larger than the pool")
            }
            RangeError::OutOfSpace { size, align } => {
                write!(f, "no free range holds {size} bytes aligned to {align}")
            }
            RangeError::NodesExhausted => f.write_str("every metadata node is in use"),
            RangeError::Foreign => f.write_str("allocation belongs to another pool"),
            RangeError::Stale => {
                f.write_str("allocation was freed, resized or reset since it was issued")
            }
            RangeError::OutOfBounds { offset } => {
                write!(f, "offset {offset} is outside the pool")
            }
            RangeError::Interior { offset, start } => write!(
                f,
                "offset {offset} is inside the allocation at {start}, not at its start"
            ),
            RangeError::NotAllocated { offset } => write!(
                f,
                "offset {offset} is free: never allocated, or already freed"
            ),
            RangeError::WrongResize { size, new_size } => write!(
                f,
                "cannot resize an allocation of {size} bytes to {new_size} in that direction"
            ),
        }
    }
}

impl core::error::Error for RangeError {}
