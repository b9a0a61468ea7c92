//! The methods that [`ByteBuffer`](super::ByteBuffer) and
//! [`ByteDeque`](super::ByteDeque) share, written once.

/// Implements the shared constructors, queries, reads and `Drop` for a
/// buffer type with fields `slab`, `list` and `max_len`.
macro_rules! shared_buffer_api {
    ($name:ident) => {
        impl<'s, const BYTES: usize, const SLOTS: usize> $name<'s, BYTES, SLOTS> {
            /// An empty buffer over `slab`, of unlimited length.
            pub const fn new(slab: &'s ByteSlab<BYTES, SLOTS>) -> Self {
                $name {
                    slab,
                    list: ChunkList::new(),
                    max_len: None,
                }
            }

            /// An empty buffer over `slab` that refuses to grow past
            /// `max_len` bytes ([`BytesError::MaxLen`]).
            pub const fn with_max_len(slab: &'s ByteSlab<BYTES, SLOTS>, max_len: usize) -> Self {
                $name {
                    slab,
                    list: ChunkList::new(),
                    max_len: Some(max_len),
                }
            }

            /// The slab the buffer's chunks come from.
            pub fn slab(&self) -> &'s ByteSlab<BYTES, SLOTS> {
                self.slab
            }

            /// The maximum length, if one was set.
            pub fn max_len(&self) -> Option<usize> {
                self.max_len
            }

            /// Bytes in the buffer.
            pub fn len(&self) -> usize {
                self.list.len()
            }

            /// Whether the buffer holds no byte (and so no chunk).
            pub fn is_empty(&self) -> bool {
                self.list.len() == 0
            }

            /// Chunks the buffer holds from its slab.
            pub fn chunk_count(&self) -> usize {
                self.list.chunk_count()
            }

            /// Byte `index`, counting from the front. O(index / chunk
            /// capacity).
            pub fn get(&self, index: usize) -> Option<u8> {
                let mut byte = [0];
                self.copy_to(index, &mut byte).ok().map(|()| byte[0])
            }

            /// Copies the `out.len()` bytes starting at byte `start` into
            /// `out`. O(start / chunk capacity + out.len()).
            ///
            /// # Errors
            ///
            /// [`BytesError::OutOfRange`] when they run past the end; `out`
            /// is untouched.
            pub fn copy_to(&self, start: usize, out: &mut [u8]) -> Result<(), BytesError> {
                self.list.copy_to(&self.slab.slab(), start, out)
            }

            /// The bytes, one chunk at a time, front to back.
            ///
            /// Each item borrows the slab: while one is held, an operation
            /// that changes any buffer of the same slab panics, and a buffer
            /// of that slab dropped then cannot return its chunks (it
            /// counts them in [`ByteSlab::orphaned_chunks`]).
            pub fn chunks(&self) -> Chunks<'_, BYTES, SLOTS> {
                self.list.chunks(self.slab)
            }

            /// Removes every byte and returns every chunk to the slab.
            ///
            /// # Panics
            ///
            /// If an item of [`chunks`](Self::chunks) of a buffer of the
            /// same slab is held.
            pub fn clear(&mut self) {
                self.list.clear(&mut self.slab.slab_mut());
            }

            /// The bytes, copied into a `Vec`.
            #[cfg(feature = "alloc")]
            pub fn to_vec(&self) -> alloc::vec::Vec<u8> {
                let mut bytes = alloc::vec![0; self.len()];
                self.list
                    .copy_to(&self.slab.slab(), 0, &mut bytes)
                    .expect("a buffer's own length is in range");
                bytes
            }

            /// Appends all of `bytes`, or nothing.
            fn append(&mut self, bytes: &[u8]) -> Result<(), BytesError> {
                self.list
                    .try_extend(&mut self.slab.slab_mut(), bytes, self.max_len)
            }
        }

        impl<const BYTES: usize, const SLOTS: usize> Drop for $name<'_, BYTES, SLOTS> {
            /// Returns every chunk to the slab.
            fn drop(&mut self) {
                self.list.release(self.slab);
            }
        }

        impl<const BYTES: usize, const SLOTS: usize> core::fmt::Debug for $name<'_, BYTES, SLOTS> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("len", &self.len())
                    .field("chunks", &self.chunk_count())
                    .field("max_len", &self.max_len)
                    .finish()
            }
        }
    };
}
