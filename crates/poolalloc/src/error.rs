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

/// Why a checked free refused a pointer. The pool is left untouched,
/// except after [`FreeError::GuardCorrupted`], which reports a block that
/// *was* freed.
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
    /// The block was freed, but the guard bytes around it had been
    /// overwritten (see [`VarPool::enable_guards`](crate::VarPool::enable_guards)).
    /// The pool is consistent: the block is free now.
    GuardCorrupted(GuardCorruption),
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
            FreeError::GuardCorrupted(c) => write!(f, "block freed, but {c}"),
        }
    }
}

impl core::error::Error for FreeError {}

/// An invariant that [`BlockPool::check`](crate::block::BlockPool::check) or
/// [`VarPool::check`](crate::VarPool::check) found broken.
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
    // Variable-size engines.
    /// A block's size is zero, misaligned, too small, or runs past the end
    /// of its region.
    BadBlockSize {
        /// The block's address.
        addr: usize,
    },
    /// A block's boundary tag (its link to the previous block, or its flag
    /// saying whether that block is free) disagrees with its neighbour.
    BoundaryTagMismatch {
        /// The block's address.
        addr: usize,
    },
    /// Two neighbouring blocks are both free: they should have been merged.
    AdjacentFreeBlocks {
        /// The address of the second block.
        addr: usize,
    },
    /// A free list holds a block of a size that belongs in another bin.
    WrongBin {
        /// The block's address.
        addr: usize,
    },
    /// A free list's back link does not point to the previous entry.
    FreeListBadLink {
        /// The address of the entry whose back link is wrong.
        addr: usize,
    },
    /// The bin index says a bin is empty when its list is not, or the
    /// other way round.
    BinIndexMismatch {
        /// The bin's position in size order.
        bin: usize,
    },
    /// A [`VarPool`](crate::VarPool)'s block-start map disagrees with the
    /// blocks: a block's bit is clear, or a bit is set where no block
    /// starts.
    AllocatedBitMismatch {
        /// The address of the block, or of the granule whose bit is set.
        addr: usize,
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
            CheckError::BadBlockSize { addr } => write!(f, "block at {addr:#x} has a bad size"),
            CheckError::BoundaryTagMismatch { addr } => {
                write!(
                    f,
                    "boundary tag of block at {addr:#x} disagrees with its neighbour"
                )
            }
            CheckError::AdjacentFreeBlocks { addr } => {
                write!(f, "free block at {addr:#x} follows a free block")
            }
            CheckError::WrongBin { addr } => {
                write!(f, "free block at {addr:#x} is in the wrong bin")
            }
            CheckError::FreeListBadLink { addr } => {
                write!(f, "free list entry at {addr:#x} has a wrong back link")
            }
            CheckError::BinIndexMismatch { bin } => {
                write!(f, "bin index disagrees with the list of bin {bin}")
            }
            CheckError::AllocatedBitMismatch { addr } => {
                write!(f, "block-start map disagrees with the block at {addr:#x}")
            }
        }
    }
}

impl core::error::Error for CheckError {}

/// Why a variable-size pool refused an allocation. The pool is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AllocError {
    /// The alignment is not a power of two.
    BadAlignment {
        /// The alignment that was asked for.
        align: usize,
    },
    /// The size, with the pool's overhead and the alignment, overflows the
    /// address space (or `isize::MAX`).
    TooLarge,
    /// No free block is large enough: the pool is full, too fragmented, or
    /// the request is larger than any of its regions.
    Exhausted,
}

impl fmt::Display for AllocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AllocError::BadAlignment { align } => {
                write!(f, "alignment {align} is not a power of two")
            }
            AllocError::TooLarge => f.write_str("the requested size overflows the address space"),
            AllocError::Exhausted => f.write_str("no free block is large enough"),
        }
    }
}

impl core::error::Error for AllocError {}

/// Why a reallocation failed. The original allocation is intact: still
/// allocated, at the same address, with the same contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReallocError {
    /// The pointer is not a live allocation of the pool (as a checked free
    /// would report it), or its guard bytes are broken
    /// ([`FreeError::GuardCorrupted`]; the block is then left allocated).
    Pointer(FreeError),
    /// The new size cannot be served.
    Alloc(AllocError),
}

impl fmt::Display for ReallocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReallocError::Pointer(e) => write!(f, "cannot reallocate: {e}"),
            ReallocError::Alloc(e) => write!(f, "cannot reallocate: {e}"),
        }
    }
}

impl core::error::Error for ReallocError {}

/// Which side of an allocation a broken guard byte is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GuardSide {
    /// Before the allocation's first byte: something wrote below it.
    Underrun,
    /// After the allocation's last requested byte: something wrote past it.
    Overrun,
}

/// A broken guard: the allocation at `addr` had a guard byte overwritten.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GuardCorruption {
    /// The allocation's address, as returned by `alloc`.
    pub addr: usize,
    /// The side of the allocation the broken byte is on.
    pub side: GuardSide,
    /// The distance of the first broken byte from the allocation's edge,
    /// counted from the edge outwards: 0 is the byte right before the
    /// allocation (underrun) or right after its last requested byte
    /// (overrun).
    pub offset: usize,
}

impl fmt::Display for GuardCorruption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = match self.side {
            GuardSide::Underrun => "underrun",
            GuardSide::Overrun => "overrun",
        };
        write!(
            f,
            "guard {side} at offset {} of the allocation at {:#x}",
            self.offset, self.addr
        )
    }
}

impl core::error::Error for GuardCorruption {}

/// Why guards could not be switched on or off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GuardConfigError {
    /// Allocations are outstanding; guards change the layout of every
    /// block, so they can only be switched while the pool is empty.
    Outstanding {
        /// The number of live allocations.
        live: usize,
    },
    /// The guard size overflows the block layout.
    TooLarge,
}

impl fmt::Display for GuardConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GuardConfigError::Outstanding { live } => {
                write!(f, "{live} allocations are outstanding")
            }
            GuardConfigError::TooLarge => f.write_str("the guard size is too large"),
        }
    }
}

impl core::error::Error for GuardConfigError {}

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
