//! [`BytesError`]: why a byte buffer refused an operation.

use core::fmt;

/// Why a [`ByteBuffer`](super::ByteBuffer) or
/// [`ByteDeque`](super::ByteDeque) refused an operation. A refused
/// operation leaves the buffer and its slab exactly as they were: appends
/// are all or nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BytesError {
    /// The slab has too few free slots for the chunks the append needs.
    SlabFull {
        /// Chunks the append needs.
        needed: usize,
        /// Slots the slab has free.
        available: usize,
    },
    /// The append would take the buffer past its maximum length.
    MaxLen {
        /// The buffer's maximum length.
        max_len: usize,
        /// The buffer's length.
        len: usize,
        /// Bytes the append asked for.
        additional: usize,
    },
    /// The requested bytes run past the end of the buffer.
    OutOfRange {
        /// Where the requested bytes start.
        start: usize,
        /// How many bytes were requested.
        count: usize,
        /// The buffer's length.
        len: usize,
    },
}

impl fmt::Display for BytesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BytesError::SlabFull { needed, available } => write!(
                f,
                "the slab has {available} free chunks, {needed} are needed"
            ),
            BytesError::MaxLen {
                max_len,
                len,
                additional,
            } => write!(
                f,
                "appending {additional} bytes to {len} would pass the maximum length {max_len}"
            ),
            BytesError::OutOfRange { start, count, len } => write!(
                f,
                "{count} bytes from {start} run past the end of a buffer of {len} bytes"
            ),
        }
    }
}

impl core::error::Error for BytesError {}
