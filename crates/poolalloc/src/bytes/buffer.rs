//! [`ByteBuffer`]: a growable byte string in slab chunks.

use super::chunks::{ChunkList, Chunks};
use super::{ByteSlab, BytesError};

/// A growable byte string whose bytes live in chunks of a [`ByteSlab`].
///
/// Appends are all or nothing and O(1) amortised per byte; reads copy out
/// any range or walk the chunks. The buffer borrows its slab and returns
/// its chunks when cleared or dropped; it is not `Copy` or `Clone`.
///
/// ```
/// use poolalloc::bytes::{ByteBuffer, ByteSlab, BytesError};
///
/// let slab = ByteSlab::<128, 4>::new(); // 4 chunks of 24 bytes
/// let mut buf = ByteBuffer::with_max_len(&slab, 60);
/// buf.try_extend_from_slice(b"Dynamic ").unwrap();
/// buf.try_extend_from_slice(b"buffer!").unwrap();
/// buf.try_push(b'!').unwrap();
/// assert_eq!(buf.len(), 16);
///
/// let mut out = [0; 6];
/// buf.copy_to(8, &mut out).unwrap();
/// assert_eq!(&out, b"buffer");
/// assert_eq!(buf.get(0), Some(b'D'));
///
/// assert_eq!(
///     buf.try_extend_from_slice(&[0; 50]),
///     Err(BytesError::MaxLen { max_len: 60, len: 16, additional: 50 })
/// );
/// assert_eq!(buf.len(), 16, "a refused append changes nothing");
/// ```
pub struct ByteBuffer<'s, const BYTES: usize, const SLOTS: usize> {
    slab: &'s ByteSlab<BYTES, SLOTS>,
    list: ChunkList,
    max_len: Option<usize>,
}

shared_buffer_api!(ByteBuffer);

impl<const BYTES: usize, const SLOTS: usize> ByteBuffer<'_, BYTES, SLOTS> {
    /// Appends one byte.
    ///
    /// # Errors
    ///
    /// [`BytesError::MaxLen`] or [`BytesError::SlabFull`]; the buffer is
    /// unchanged.
    ///
    /// # Panics
    ///
    /// If an item of [`chunks`](Self::chunks) of a buffer of the same slab
    /// is held.
    pub fn try_push(&mut self, byte: u8) -> Result<(), BytesError> {
        self.append(&[byte])
    }

    /// Appends all of `bytes`, or nothing.
    ///
    /// # Errors
    ///
    /// [`BytesError::MaxLen`] or [`BytesError::SlabFull`]; the buffer is
    /// unchanged.
    ///
    /// # Panics
    ///
    /// As [`try_push`](Self::try_push).
    pub fn try_extend_from_slice(&mut self, bytes: &[u8]) -> Result<(), BytesError> {
        self.append(bytes)
    }

    /// Appends one byte.
    ///
    /// # Panics
    ///
    /// Where [`try_push`](Self::try_push) would fail or panic.
    pub fn push(&mut self, byte: u8) {
        if let Err(e) = self.try_push(byte) {
            panic!("ByteBuffer::push: {e}");
        }
    }

    /// Appends all of `bytes`.
    ///
    /// # Panics
    ///
    /// Where [`try_extend_from_slice`](Self::try_extend_from_slice) would
    /// fail or panic.
    pub fn extend_from_slice(&mut self, bytes: &[u8]) {
        if let Err(e) = self.try_extend_from_slice(bytes) {
            panic!("ByteBuffer::extend_from_slice: {e}");
        }
    }
}
