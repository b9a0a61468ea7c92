//! [`ByteDeque`]: a byte FIFO in slab chunks that returns each chunk as
//! soon as it has been read.

use super::chunks::{ChunkList, Chunks};
use super::{ByteSlab, BytesError};

/// A first-in first-out queue of bytes in chunks of a [`ByteSlab`].
///
/// Bytes go in at the back and come out at the front; a chunk goes back
/// to the slab the moment its last byte is read, so a long stream through
/// a short queue needs only the chunks it holds. O(1) amortised per byte.
/// The queue borrows its slab and returns its chunks when cleared or
/// dropped; it is not `Copy` or `Clone`.
///
/// ```
/// use poolalloc::bytes::{ByteDeque, ByteSlab};
///
/// let slab = ByteSlab::<128, 4>::new(); // 4 chunks of 24 bytes
/// let mut uart = ByteDeque::new(&slab);
/// for &byte in b"packet: 0x42\n" {
///     uart.try_push_back(byte).unwrap();
/// }
/// let mut packet = [0; 16];
/// let mut n = 0;
/// while let Some(byte) = uart.pop_front() {
///     if byte == b'\n' {
///         break;
///     }
///     packet[n] = byte;
///     n += 1;
/// }
/// assert_eq!(&packet[..n], b"packet: 0x42");
/// assert_eq!(slab.chunks_in_use(), 0, "the read chunk went back");
/// ```
pub struct ByteDeque<'s, const BYTES: usize, const SLOTS: usize> {
    slab: &'s ByteSlab<BYTES, SLOTS>,
    list: ChunkList,
    max_len: Option<usize>,
}

shared_buffer_api!(ByteDeque);

impl<const BYTES: usize, const SLOTS: usize> ByteDeque<'_, BYTES, SLOTS> {
    /// Appends one byte at the back.
    ///
    /// # Errors
    ///
    /// [`BytesError::MaxLen`] or [`BytesError::SlabFull`]; the queue is
    /// unchanged.
    ///
    /// # Panics
    ///
    /// If an item of [`chunks`](Self::chunks) of a buffer of the same slab
    /// is held (as every method that changes the queue).
    pub fn try_push_back(&mut self, byte: u8) -> Result<(), BytesError> {
        self.append(&[byte])
    }

    /// Appends all of `bytes` at the back, or nothing.
    ///
    /// # Errors
    ///
    /// [`BytesError::MaxLen`] or [`BytesError::SlabFull`]; the queue is
    /// unchanged.
    pub fn try_extend_back(&mut self, bytes: &[u8]) -> Result<(), BytesError> {
        self.append(bytes)
    }

    /// Appends one byte at the back.
    ///
    /// # Panics
    ///
    /// Where [`try_push_back`](Self::try_push_back) would fail.
    pub fn push_back(&mut self, byte: u8) {
        if let Err(e) = self.try_push_back(byte) {
            panic!("ByteDeque::push_back: {e}");
        }
    }

    /// Appends all of `bytes` at the back.
    ///
    /// # Panics
    ///
    /// Where [`try_extend_back`](Self::try_extend_back) would fail.
    pub fn extend_back(&mut self, bytes: &[u8]) {
        if let Err(e) = self.try_extend_back(bytes) {
            panic!("ByteDeque::extend_back: {e}");
        }
    }

    /// The front byte, left in place.
    pub fn peek_front(&self) -> Option<u8> {
        self.list.front(&self.slab.slab())
    }

    /// Removes and returns the front byte.
    pub fn pop_front(&mut self) -> Option<u8> {
        let mut slab = self.slab.slab_mut();
        let byte = self.list.front(&slab)?;
        self.list.consume(&mut slab, 1);
        Some(byte)
    }

    /// Moves up to `out.len()` bytes from the front into `out` and returns
    /// how many: `min(out.len(), len())`.
    pub fn pop_front_into(&mut self, out: &mut [u8]) -> usize {
        let n = out.len().min(self.len());
        let mut slab = self.slab.slab_mut();
        self.list
            .copy_to(&slab, 0, &mut out[..n])
            .expect("at most the queue's length");
        self.list.consume(&mut slab, n);
        n
    }

    /// Removes the first `n` bytes.
    ///
    /// # Errors
    ///
    /// [`BytesError::OutOfRange`] when the queue holds fewer; the queue is
    /// unchanged.
    pub fn remove_prefix(&mut self, n: usize) -> Result<(), BytesError> {
        if n > self.len() {
            return Err(BytesError::OutOfRange {
                start: 0,
                count: n,
                len: self.len(),
            });
        }
        self.list.consume(&mut self.slab.slab_mut(), n);
        Ok(())
    }
}
