//! `Display` and `Debug` for [`Slab`]: a one-line report of its shape and
//! counters, without dumping its storage.

use super::Slab;
use core::fmt;

/// ```
/// use poolalloc::slab::Slab;
///
/// let mut slab = Slab::<256, 8>::new();
/// let a = slab.alloc(b"abc").unwrap();
/// slab.alloc(b"de").unwrap();
/// slab.free(a).unwrap();
/// assert_eq!(
///     slab.to_string(),
///     "slab of 8 slots x 32 bytes: 1 live holding 2 bytes, 0 retired; \
///      in use 1/8 (high water 2), 2 allocations, 1 frees, 0 failed, 0 growths"
/// );
/// ```
impl<const BYTES: usize, const SLOTS: usize> fmt::Display for Slab<BYTES, SLOTS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "slab of {SLOTS} slots x {} bytes: {} live holding {} bytes, {} retired; {}",
            Self::BLOCK_SIZE,
            self.len(),
            self.bytes_in_use(),
            self.retired(),
            self.stats()
        )
    }
}

impl<const BYTES: usize, const SLOTS: usize> fmt::Debug for Slab<BYTES, SLOTS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Slab")
            .field("slots", &SLOTS)
            .field("block_size", &Self::BLOCK_SIZE)
            .field("len", &self.len())
            .field("retired", &self.retired())
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}
