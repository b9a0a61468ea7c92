//! [`ChunkList`]: the linked chunks behind both buffers, and [`Chunks`],
//! the iterator over their bytes.
//!
//! A list is a singly linked chain of slab slots. Each chunk starts with
//! an 8-byte link, the next chunk's slot index and 32-bit generation
//! (little-endian; index `u32::MAX` ends the chain), then
//! `CHUNK_CAPACITY` data bytes. The list itself keeps the head and tail
//! handles, how far the head has been read and how far the tail has been
//! written; every chunk in between is full. A list holds a chunk only
//! while it holds one of its bytes: an empty list holds none.

use super::ByteSlab;
use super::BytesError;
use crate::slab::{Handle, Slab};
use core::cell::{Ref, RefCell};

/// Bytes of the link at the start of each chunk.
pub(crate) const LINK: usize = 8;

/// The end of a chain.
const END: u32 = u32::MAX;

/// The message of the panic that a chunk missing from its slab would
/// cause. Only buffers free chunks, so it cannot happen.
const LOST: &str = "a byte buffer's chunk is missing from its slab";

/// The next chunk after `chunk`, a chunk of slab `slab`.
fn read_link(chunk: &[u8], slab: usize) -> Option<Handle> {
    let word =
        |at: usize| u32::from_le_bytes([chunk[at], chunk[at + 1], chunk[at + 2], chunk[at + 3]]);
    let index = word(0);
    (index != END).then(|| Handle {
        index,
        generation: word(4),
        slab,
    })
}

/// Makes `next` the chunk after `chunk`.
fn write_link(chunk: &mut [u8], next: Option<Handle>) {
    let (index, generation) = next.map_or((END, 0), |h| (h.index, h.generation));
    chunk[..4].copy_from_slice(&index.to_le_bytes());
    chunk[4..LINK].copy_from_slice(&generation.to_le_bytes());
}

/// The chunks of one buffer.
#[derive(Debug, Default)]
pub(super) struct ChunkList {
    head: Option<Handle>,
    tail: Option<Handle>,
    /// Data bytes of the head chunk already read.
    head_offset: usize,
    /// Data bytes of the tail chunk written.
    tail_fill: usize,
    len: usize,
    chunks: usize,
}

impl ChunkList {
    pub(super) const fn new() -> Self {
        ChunkList {
            head: None,
            tail: None,
            head_offset: 0,
            tail_fill: 0,
            len: 0,
            chunks: 0,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn chunk_count(&self) -> usize {
        self.chunks
    }

    /// Chunks an append of `additional` bytes needs from the slab.
    fn chunks_needed(&self, capacity: usize, additional: usize) -> usize {
        let room = if self.tail.is_some() {
            capacity - self.tail_fill
        } else {
            0
        };
        additional.saturating_sub(room).div_ceil(capacity)
    }

    /// Appends all of `bytes`, or nothing.
    pub(super) fn try_extend<const B: usize, const S: usize>(
        &mut self,
        slab: &mut Slab<B, S>,
        bytes: &[u8],
        max_len: Option<usize>,
    ) -> Result<(), BytesError> {
        let capacity = ByteSlab::<B, S>::CHUNK_CAPACITY;
        if let Some(max_len) = max_len {
            if bytes.len() > max_len.saturating_sub(self.len) {
                return Err(BytesError::MaxLen {
                    max_len,
                    len: self.len,
                    additional: bytes.len(),
                });
            }
        }
        let needed = self.chunks_needed(capacity, bytes.len());
        let available = slab.available();
        if needed > available {
            return Err(BytesError::SlabFull { needed, available });
        }
        let mut rest = bytes;
        if let Some(tail) = self.tail {
            let n = rest.len().min(capacity - self.tail_fill);
            let at = LINK + self.tail_fill;
            slab.get_mut(tail).expect(LOST)[at..at + n].copy_from_slice(&rest[..n]);
            self.tail_fill += n;
            rest = &rest[n..];
        }
        while !rest.is_empty() {
            let n = rest.len().min(capacity);
            let (chunk, data) = slab
                .alloc_uninit(Slab::<B, S>::BLOCK_SIZE)
                .expect("the slab had a free slot for every chunk needed");
            write_link(data, None);
            data[LINK..LINK + n].copy_from_slice(&rest[..n]);
            match self.tail {
                Some(tail) => write_link(slab.get_mut(tail).expect(LOST), Some(chunk)),
                None => self.head = Some(chunk),
            }
            self.tail = Some(chunk);
            self.tail_fill = n;
            self.chunks += 1;
            rest = &rest[n..];
        }
        self.len += bytes.len();
        Ok(())
    }

    /// The first byte.
    pub(super) fn front<const B: usize, const S: usize>(&self, slab: &Slab<B, S>) -> Option<u8> {
        let head = self.head?;
        Some(slab.get(head).expect(LOST)[LINK + self.head_offset])
    }

    /// Removes the first `n <= len` bytes, freeing every chunk they empty.
    pub(super) fn consume<const B: usize, const S: usize>(
        &mut self,
        slab: &mut Slab<B, S>,
        mut n: usize,
    ) {
        debug_assert!(n <= self.len);
        while n > 0 {
            let head = self.head.expect(LOST);
            let end = if Some(head) == self.tail {
                self.tail_fill
            } else {
                ByteSlab::<B, S>::CHUNK_CAPACITY
            };
            let unread = end - self.head_offset;
            if n < unread {
                self.head_offset += n;
                self.len -= n;
                return;
            }
            n -= unread;
            self.len -= unread;
            self.free_head(slab, head);
        }
    }

    /// Frees the head chunk; the next one becomes the head.
    fn free_head<const B: usize, const S: usize>(&mut self, slab: &mut Slab<B, S>, head: Handle) {
        let next = read_link(slab.get(head).expect(LOST), head.slab);
        slab.free(head).expect(LOST);
        self.chunks -= 1;
        self.head_offset = 0;
        self.head = next;
        if next.is_none() {
            self.tail = None;
            self.tail_fill = 0;
        }
    }

    /// Copies `out.len()` bytes starting at byte `start` into `out`.
    pub(super) fn copy_to<const B: usize, const S: usize>(
        &self,
        slab: &Slab<B, S>,
        start: usize,
        out: &mut [u8],
    ) -> Result<(), BytesError> {
        let count = out.len();
        if start > self.len || count > self.len - start {
            return Err(BytesError::OutOfRange {
                start,
                count,
                len: self.len,
            });
        }
        if count == 0 {
            return Ok(());
        }
        let capacity = ByteSlab::<B, S>::CHUNK_CAPACITY;
        let mut at = self.head_offset + start;
        let mut chunk = self.head.expect(LOST);
        while at >= capacity {
            chunk = read_link(slab.get(chunk).expect(LOST), chunk.slab).expect(LOST);
            at -= capacity;
        }
        let mut done = 0;
        loop {
            let data = slab.get(chunk).expect(LOST);
            let n = (count - done).min(capacity - at);
            out[done..done + n].copy_from_slice(&data[LINK + at..LINK + at + n]);
            done += n;
            if done == count {
                return Ok(());
            }
            chunk = read_link(data, chunk.slab).expect(LOST);
            at = 0;
        }
    }

    /// Frees every chunk.
    pub(super) fn clear<const B: usize, const S: usize>(&mut self, slab: &mut Slab<B, S>) {
        while let Some(head) = self.head {
            self.free_head(slab, head);
        }
        self.len = 0;
    }

    /// Returns every chunk to `slab` when it can be borrowed, and otherwise
    /// counts them as orphaned there. For `Drop`.
    pub(super) fn release<const B: usize, const S: usize>(&mut self, slab: &ByteSlab<B, S>) {
        if self.chunks == 0 {
            return;
        }
        match slab.try_slab_mut() {
            Some(mut inner) => self.clear(&mut inner),
            None => {
                slab.orphan(self.chunks);
                *self = ChunkList::new();
            }
        }
    }

    /// The data, chunk by chunk.
    pub(super) fn chunks<'a, const B: usize, const S: usize>(
        &self,
        slab: &'a ByteSlab<B, S>,
    ) -> Chunks<'a, B, S> {
        Chunks {
            slab: slab.cell(),
            next: self.head,
            offset: self.head_offset,
            remaining: self.len,
        }
    }
}

/// The bytes of a [`ByteBuffer`](super::ByteBuffer) or
/// [`ByteDeque`](super::ByteDeque), one chunk at a time, front to back;
/// see [`ByteBuffer::chunks`](super::ByteBuffer::chunks).
///
/// Each item borrows the slab shared, like a [`RefCell`] borrow: while one
/// is held, an operation that changes any buffer of the same slab panics.
pub struct Chunks<'a, const BYTES: usize, const SLOTS: usize> {
    slab: &'a RefCell<Slab<BYTES, SLOTS>>,
    next: Option<Handle>,
    /// Where the data starts in the next chunk.
    offset: usize,
    /// Bytes still to yield.
    remaining: usize,
}

impl<'a, const BYTES: usize, const SLOTS: usize> Iterator for Chunks<'a, BYTES, SLOTS> {
    type Item = Ref<'a, [u8]>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let chunk = self.next?;
        let slab = self.slab.borrow();
        let n = self
            .remaining
            .min(ByteSlab::<BYTES, SLOTS>::CHUNK_CAPACITY - self.offset);
        let start = LINK + self.offset;
        self.next = read_link(slab.get(chunk).expect(LOST), chunk.slab);
        self.offset = 0;
        self.remaining -= n;
        Some(Ref::map(slab, |slab| {
            &slab.get(chunk).expect(LOST)[start..start + n]
        }))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let capacity = ByteSlab::<BYTES, SLOTS>::CHUNK_CAPACITY;
        let chunks = (self.offset + self.remaining).div_ceil(capacity);
        (chunks, Some(chunks))
    }
}

impl<const BYTES: usize, const SLOTS: usize> ExactSizeIterator for Chunks<'_, BYTES, SLOTS> {}
