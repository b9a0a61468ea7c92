//! [`Handle`]: the key to one allocation of a [`Slab`](super::Slab).

use portable_atomic::{AtomicUsize, Ordering};

/// The key to one allocation of a [`Slab`](super::Slab).
///
/// A handle is `Copy` and holds three things, all private: the slot's
/// index, the slot's 32-bit generation when the allocation was made, and
/// the identity of the slab that made it. Only a slab makes handles, so a
/// handle cannot be forged; copies of a freed handle go *stale*: every
/// slab operation refuses them with [`SlabError::Stale`], because a slot's
/// generation only ever grows (see the [module docs](super) for what
/// happens when it would wrap). A handle of another slab is refused with
/// [`SlabError::Foreign`].
///
/// [`SlabError::Stale`]: super::SlabError::Stale
/// [`SlabError::Foreign`]: super::SlabError::Foreign
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Handle {
    pub(crate) index: u32,
    pub(crate) generation: u32,
    pub(crate) slab: usize,
}

impl Handle {
    /// The slot the allocation lives in, `0..SLOTS`.
    #[inline]
    pub fn index(&self) -> usize {
        self.index as usize
    }

    /// The slot's generation when the allocation was made.
    #[inline]
    pub fn generation(&self) -> u32 {
        self.generation
    }
}

/// The identity of the next slab that needs one; zero means "none yet".
static NEXT_SLAB_ID: AtomicUsize = AtomicUsize::new(1);

/// A fresh slab identity, never zero. Identities repeat only after
/// `2^usize::BITS` slabs have asked for one.
pub(super) fn next_slab_id() -> usize {
    loop {
        let id = NEXT_SLAB_ID.fetch_add(1, Ordering::Relaxed);
        if id != 0 {
            return id;
        }
    }
}
