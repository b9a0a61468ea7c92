//! Chunked byte buffers over a [`Slab`](crate::slab::Slab), with no heap:
//! [`ByteBuffer`] (a growable byte string) and [`ByteDeque`] (a byte FIFO
//! that returns each chunk as soon as it has been read).
//!
//! Both draw chunks from a [`ByteSlab`], which any number of buffers share
//! through a shared reference: a buffer borrows the slab for one call at a
//! time (a [`RefCell`](core::cell::RefCell) inside, so a `ByteSlab` is not
//! `Sync`; put one in a `static` with [`TakeOnce`](crate::slab::TakeOnce)).
//!
//! - **No chunk is leaked**: a buffer returns its chunks when cleared or
//!   dropped, and only buffers can free chunks. A buffer dropped while an
//!   item of some buffer's [`chunks`](ByteBuffer::chunks) still borrows
//!   the slab cannot return them; it counts them in
//!   [`ByteSlab::orphaned_chunks`] instead of losing them silently.
//! - **All or nothing**: an append that does not fit the slab
//!   ([`BytesError::SlabFull`]) or the buffer's maximum length
//!   ([`BytesError::MaxLen`]) changes nothing.
//! - **Costs**: appends and front reads are O(1) amortised per byte; a
//!   read at position `i` walks `i / CHUNK_CAPACITY` links. Each chunk
//!   spends 8 bytes of its block on the link to the next chunk (slot index
//!   and full 32-bit generation), so a block must be larger than 8 bytes.
//! - **Panics**: only an operation that changes a buffer while an item of
//!   [`chunks`](ByteBuffer::chunks) of the same slab is held, as with any
//!   `RefCell`; and the `push`/`extend` forms, where the `try_` forms
//!   return an error.
//!
//! ```
//! use poolalloc::bytes::{ByteBuffer, ByteDeque, ByteSlab, BytesError};
//!
//! let slab = ByteSlab::<512, 16>::new(); // 16 chunks of 24 bytes
//! let mut log = ByteBuffer::new(&slab);
//! let mut rx = ByteDeque::with_max_len(&slab, 64);
//!
//! log.try_extend_from_slice(b"boot ok; ").unwrap();
//! rx.try_extend_back(b"AT+OK\r\n").unwrap();
//! assert_eq!(rx.peek_front(), Some(b'A'));
//! rx.remove_prefix(3).unwrap();
//! let mut line = [0; 8];
//! let n = rx.pop_front_into(&mut line);
//! assert_eq!(&line[..n], b"OK\r\n");
//!
//! let text: Vec<u8> = log.chunks().flat_map(|c| c.to_vec()).collect();
//! assert_eq!(text, b"boot ok; ");
//! assert_eq!(
//!     rx.try_extend_back(&[0; 65]),
//!     Err(BytesError::MaxLen { max_len: 64, len: 0, additional: 65 })
//! );
//! drop(log);
//! assert_eq!(slab.chunks_in_use(), 0);
//! ```

#[macro_use]
mod shared;
mod buffer;
mod byte_slab;
mod chunks;
mod deque;
mod error;
#[cfg(test)]
mod tests;

pub use buffer::ByteBuffer;
pub use byte_slab::ByteSlab;
pub use chunks::Chunks;
pub use deque::ByteDeque;
pub use error::BytesError;
