//! [`ByteSlab`]: the slab that byte buffers share.

use super::chunks::LINK;
use crate::slab::{Slab, SlabCheckError};
use crate::stats::Stats;
use core::cell::{Cell, Ref, RefCell, RefMut};
use core::fmt;

/// A [`Slab`] whose slots are the chunks of byte buffers.
///
/// Buffers hold a shared reference to their `ByteSlab` and borrow its slab
/// for the length of one call, so any number of buffers share one slab,
/// each operation checks the slab's free slots, and a buffer returns its
/// chunks when it is cleared or dropped. The slab is never exposed: only
/// buffers free chunks, so no chunk can be freed under a buffer.
///
/// Each chunk is one slot: an 8-byte link to the next chunk (its slot index
/// and full 32-bit generation) followed by
/// [`CHUNK_CAPACITY`](ByteSlab::CHUNK_CAPACITY) `= BYTES / SLOTS - 8` bytes
/// of data. The block size must be larger than 8; a smaller one fails to
/// compile when [`ByteSlab::new`] is used:
///
/// ```compile_fail
/// let slab = poolalloc::ByteSlab::<16, 2>::new(); // Blocks of 8 bytes.
/// ```
///
/// ```
/// use poolalloc::bytes::{ByteBuffer, ByteSlab};
///
/// let slab = ByteSlab::<256, 8>::new(); // 8 chunks of 32 - 8 = 24 bytes
/// assert_eq!(ByteSlab::<256, 8>::CHUNK_CAPACITY, 24);
/// let mut a = ByteBuffer::new(&slab);
/// let mut b = ByteBuffer::new(&slab);
/// a.try_extend_from_slice(&[1; 30]).unwrap(); // 2 chunks
/// b.try_extend_from_slice(&[2; 10]).unwrap(); // 1 chunk
/// assert_eq!((slab.chunks_in_use(), slab.available_chunks()), (3, 5));
/// drop(a);
/// assert_eq!(slab.chunks_in_use(), 1);
/// ```
pub struct ByteSlab<const BYTES: usize, const SLOTS: usize> {
    slab: RefCell<Slab<BYTES, SLOTS>>,
    /// Chunks that a buffer dropped while the slab was borrowed could not
    /// return.
    orphaned: Cell<usize>,
}

impl<const BYTES: usize, const SLOTS: usize> ByteSlab<BYTES, SLOTS> {
    /// Data bytes per chunk: the block size minus the 8-byte link.
    pub const CHUNK_CAPACITY: usize = Slab::<BYTES, SLOTS>::BLOCK_SIZE.saturating_sub(LINK);

    const VALID: () = assert!(
        Slab::<BYTES, SLOTS>::BLOCK_SIZE > LINK,
        "a byte slab's block size (BYTES / SLOTS) must be larger than its 8-byte chunk link"
    );

    /// An empty byte slab. Usable in a `const` or `static` initialiser
    /// (see [`TakeOnce`](crate::slab::TakeOnce)).
    pub const fn new() -> Self {
        let () = Self::VALID;
        ByteSlab {
            slab: RefCell::new(Slab::new()),
            orphaned: Cell::new(0),
        }
    }

    /// Data bytes per chunk, [`CHUNK_CAPACITY`](ByteSlab::CHUNK_CAPACITY).
    pub const fn chunk_capacity(&self) -> usize {
        Self::CHUNK_CAPACITY
    }

    /// Chunks held by buffers.
    pub fn chunks_in_use(&self) -> usize {
        self.slab().len()
    }

    /// Chunks that can still be handed out.
    pub fn available_chunks(&self) -> usize {
        self.slab().available()
    }

    /// Chunks lost because a buffer was dropped while a chunk of this
    /// slab was borrowed through [`ByteBuffer::chunks`] or
    /// [`ByteDeque::chunks`]: a buffer cannot return its chunks then, so it
    /// counts them here instead of losing them silently. Zero unless that
    /// happened.
    ///
    /// [`ByteBuffer::chunks`]: super::ByteBuffer::chunks
    /// [`ByteDeque::chunks`]: super::ByteDeque::chunks
    pub fn orphaned_chunks(&self) -> usize {
        self.orphaned.get()
    }

    /// The slab's counters, in chunks.
    pub fn stats(&self) -> Stats {
        self.slab().stats()
    }

    /// Verifies the slab's invariants (see [`Slab::check`]).
    ///
    /// # Errors
    ///
    /// The first broken invariant found.
    pub fn check(&self) -> Result<(), SlabCheckError> {
        self.slab().check()
    }

    /// The slab, shared.
    ///
    /// # Panics
    ///
    /// Never while no buffer operation is running, which is always the
    /// case outside this module.
    pub(super) fn slab(&self) -> Ref<'_, Slab<BYTES, SLOTS>> {
        self.slab.borrow()
    }

    /// The slab's cell, for iterators whose items borrow it.
    pub(super) fn cell(&self) -> &RefCell<Slab<BYTES, SLOTS>> {
        &self.slab
    }

    /// The slab, exclusive.
    ///
    /// # Panics
    ///
    /// If a chunk of this slab is borrowed through a buffer's `chunks`.
    pub(super) fn slab_mut(&self) -> RefMut<'_, Slab<BYTES, SLOTS>> {
        self.slab
            .try_borrow_mut()
            .expect("a chunk of this byte slab is still borrowed through `chunks`")
    }

    /// The slab, exclusive, if no chunk is borrowed.
    pub(super) fn try_slab_mut(&self) -> Option<RefMut<'_, Slab<BYTES, SLOTS>>> {
        self.slab.try_borrow_mut().ok()
    }

    /// Records chunks a dropped buffer could not return.
    pub(super) fn orphan(&self, chunks: usize) {
        self.orphaned.set(self.orphaned.get() + chunks);
    }
}

impl<const BYTES: usize, const SLOTS: usize> Default for ByteSlab<BYTES, SLOTS> {
    fn default() -> Self {
        Self::new()
    }
}

/// ```
/// use poolalloc::bytes::{ByteDeque, ByteSlab};
///
/// let slab = ByteSlab::<128, 4>::new();
/// let mut q = ByteDeque::new(&slab);
/// q.try_extend_back(b"hello").unwrap();
/// assert_eq!(
///     slab.to_string(),
///     "byte slab: 1/4 chunks of 24 bytes in use, 0 orphaned; \
///      in use 1/4 (high water 1), 1 allocations, 0 frees, 0 failed, 0 growths"
/// );
/// ```
impl<const BYTES: usize, const SLOTS: usize> fmt::Display for ByteSlab<BYTES, SLOTS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let slab = self.slab.try_borrow();
        match slab {
            Ok(slab) => write!(
                f,
                "byte slab: {}/{} chunks of {} bytes in use, {} orphaned; {}",
                slab.len(),
                slab.capacity(),
                Self::CHUNK_CAPACITY,
                self.orphaned.get(),
                slab.stats()
            ),
            Err(_) => f.write_str("byte slab: (borrowed)"),
        }
    }
}

impl<const BYTES: usize, const SLOTS: usize> fmt::Debug for ByteSlab<BYTES, SLOTS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ByteSlab")
            .field("slab", &self.slab)
            .field("orphaned", &self.orphaned.get())
            .finish()
    }
}
