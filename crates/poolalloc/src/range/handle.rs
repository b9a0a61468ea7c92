//! [`Allocation`]: the handle of a live allocation of a
//! [`RangePool`](super::RangePool).

/// A live allocation of a [`RangePool`](super::RangePool): where it is,
/// how long it is, and which node and generation of which pool it was
/// issued by.
///
/// A handle is `Copy`: the offset and size, the index of the allocation's
/// node, the node's 64-bit generation when the handle was issued, and the
/// identity of the pool. It goes stale when the allocation is freed (by
/// handle or by offset), resized through another copy, or when the pool is
/// reset (each bumps the generation); the pool then refuses it with
/// [`RangeError::Stale`], and a pool refuses another pool's handle with
/// [`RangeError::Foreign`]. Pool identities come from a global counter, so
/// they repeat only after `2^usize::BITS` pools have been created.
///
/// [`RangeError::Stale`]: crate::RangeError::Stale
/// [`RangeError::Foreign`]: crate::RangeError::Foreign
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Allocation {
    pub(super) offset: usize,
    pub(super) size: usize,
    pub(super) generation: u64,
    pub(super) pool: usize,
    pub(super) node: u32,
}

impl Allocation {
    /// The start offset, a multiple of the pool's granularity and of the
    /// requested alignment.
    #[inline]
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The size in bytes: the request rounded up to the granularity (one
    /// granule for a request of zero).
    #[inline]
    pub fn size(&self) -> usize {
        self.size
    }

    /// The offset just past the end: `offset + size`.
    #[inline]
    pub fn end(&self) -> usize {
        self.offset + self.size
    }

    /// The bytes the allocation covers.
    #[inline]
    pub fn range(&self) -> core::ops::Range<usize> {
        self.offset..self.end()
    }
}
