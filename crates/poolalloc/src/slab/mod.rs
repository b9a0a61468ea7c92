//! [`Slab`]: byte slots of one block size, reached through generation-checked
//! [`Handle`]s.
//!
//! A `Slab<BYTES, SLOTS>` owns `BYTES` bytes of storage, split into `SLOTS`
//! blocks of [`Slab::BLOCK_SIZE`] `= BYTES / SLOTS` bytes (the remainder
//! `BYTES % SLOTS` is never used). Each allocation takes one slot and holds
//! `0..=BLOCK_SIZE` bytes; its [`Handle`] reaches it again.
//!
//! - Fully safe: the storage is an ordinary `[u8; BYTES]`, always
//!   initialised, and the module contains no `unsafe` (only [`TakeOnce`]
//!   has one audited block). `const fn new`, no heap, `no_std`.
//! - `alloc`, `free`, `get` are O(1): a LIFO free list of vacant slots plus
//!   a bump cursor over slots never handed out. [`clear`](Slab::clear) is
//!   O(slots ever used).
//! - Handles have private fields, so only a slab makes them. A handle
//!   carries its slot's 32-bit generation; freeing a slot adds one to the
//!   generation, so every copy of a freed handle is *stale* and refused
//!   with [`SlabError::Stale`] by `get`, `get_mut` and `free` (which is how
//!   a double free reads), leaving the slab untouched.
//! - **Generation overflow**: generations never wrap. A slot whose
//!   generation is `u32::MAX` when it is freed is *retired*: it is never
//!   handed out again, so no old handle can ever come back to life. Each
//!   slot serves `2^32` allocations before it retires; [`Slab::retired`]
//!   counts retired slots and [`Slab::capacity`] excludes them.
//! - **Foreign handles**: each slab takes a process-wide identity from an
//!   atomic counter on its first allocation, and every handle records it.
//!   A handle of another slab (of any size) is refused with
//!   [`SlabError::Foreign`]. Identities repeat only after `2^usize::BITS`
//!   slabs have allocated, and a slab is not `Clone`, so in practice the
//!   detection is certain.
//! - Lengths are exact: a slot records the length it was allocated with,
//!   up to [`Slab::BLOCK_SIZE`] (which may be as large as `u32::MAX`);
//!   zero-length allocations are allowed and take a slot.
//! - Bookkeeping costs 12 bytes per slot, plus a few words per slab.
//!
//! ```
//! use poolalloc::slab::{Slab, SlabError};
//!
//! let mut slab = Slab::<1024, 32>::new();
//! assert_eq!(Slab::<1024, 32>::BLOCK_SIZE, 32);
//!
//! let (handle, bytes) = slab.alloc_uninit(5).unwrap();
//! bytes.copy_from_slice(b"hello");
//! assert_eq!(slab.get(handle), Some(&b"hello"[..]));
//!
//! assert_eq!(slab.free(handle), Ok(5));
//! assert_eq!(slab.get(handle), None);
//! assert_eq!(slab.free(handle), Err(SlabError::Stale));
//! assert_eq!(
//!     slab.alloc(&[0; 33]),
//!     Err(SlabError::TooLarge { len: 33, block_size: 32 })
//! );
//! slab.check().unwrap();
//! ```
//!
//! A slab can live in a `static` through [`TakeOnce`], without `static mut`
//! and without `unsafe`:
//!
//! ```
//! use poolalloc::slab::{Slab, TakeOnce};
//!
//! static SLAB: TakeOnce<Slab<4096, 64>> = TakeOnce::new(Slab::new());
//!
//! let slab = SLAB.take().unwrap();
//! let handle = slab.alloc(&[1, 2, 3]).unwrap();
//! assert_eq!(slab.get(handle), Some(&[1, 2, 3][..]));
//! ```

mod error;
mod handle;
mod report;
mod slot;
mod take_once;
#[cfg(test)]
mod tests;

pub use error::{SlabCheckError, SlabError};
pub use handle::Handle;
pub use take_once::TakeOnce;

use crate::stats::{Counters, Stats};
use slot::{NONE, Slot, State};

/// `SLOTS` byte blocks of `BYTES / SLOTS` bytes each, handed out as
/// generation-checked [`Handle`]s. See the [module docs](self).
///
/// `SLOTS` must be at least 1 and below `u32::MAX`, `BYTES` at least
/// `SLOTS`, and the block size at most `u32::MAX`; a slab that breaks one
/// of these fails to compile when [`Slab::new`] is used:
///
/// ```compile_fail
/// let slab = poolalloc::Slab::<3, 4>::new(); // Blocks of 0 bytes.
/// ```
///
/// ```compile_fail
/// let slab = poolalloc::Slab::<0, 0>::new(); // No slot.
/// ```
pub struct Slab<const BYTES: usize, const SLOTS: usize> {
    data: [u8; BYTES],
    slots: [Slot; SLOTS],
    /// The most recently freed vacant slot, or `NONE`.
    free_head: u32,
    /// Slots `fresh..SLOTS` have never been handed out.
    fresh: u32,
    /// Occupied slots.
    len: u32,
    /// Slots whose generation is exhausted.
    retired: u32,
    /// The slab's identity, taken on first allocation; zero before.
    id: usize,
    counters: Counters,
}

impl<const BYTES: usize, const SLOTS: usize> Slab<BYTES, SLOTS> {
    /// The bytes of one block: the longest allocation, `BYTES / SLOTS`.
    pub const BLOCK_SIZE: usize = BYTES / SLOTS;

    const VALID: () = {
        assert!(SLOTS >= 1, "a slab needs at least one slot");
        assert!(
            SLOTS < u32::MAX as usize,
            "a slab has fewer than u32::MAX slots"
        );
        assert!(BYTES >= SLOTS, "a slab's block size is at least one byte");
        assert!(
            BYTES / SLOTS <= u32::MAX as usize,
            "a slab's block size is at most u32::MAX bytes"
        );
    };

    /// An empty slab, its storage zeroed. Usable in a `const` or `static`
    /// initialiser.
    pub const fn new() -> Self {
        let () = Self::VALID;
        Slab {
            data: [0; BYTES],
            slots: [Slot::FRESH; SLOTS],
            free_head: NONE,
            fresh: 0,
            len: 0,
            retired: 0,
            id: 0,
            counters: Counters {
                high_water: 0,
                allocations: 0,
                frees: 0,
                failed_allocations: 0,
            },
        }
    }

    /// The bytes of one block, [`Slab::BLOCK_SIZE`].
    #[inline]
    pub const fn block_size(&self) -> usize {
        Self::BLOCK_SIZE
    }

    /// Live allocations.
    #[inline]
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether no allocation is live.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Slots that can hold an allocation: `SLOTS` minus the
    /// [retired](Slab::retired) ones.
    #[inline]
    pub fn capacity(&self) -> usize {
        SLOTS - self.retired as usize
    }

    /// Allocations that would succeed now: `capacity() - len()`.
    #[inline]
    pub fn available(&self) -> usize {
        self.capacity() - self.len()
    }

    /// Slots retired because their generation reached `u32::MAX`.
    #[inline]
    pub fn retired(&self) -> usize {
        self.retired as usize
    }

    /// Allocates a slot holding `len` bytes and returns its handle and its
    /// bytes.
    ///
    /// The bytes are initialised (Rust never exposes uninitialised memory
    /// here) but unspecified: zeros in a slot never used, otherwise what
    /// the slot's previous allocation left. Use [`alloc`](Slab::alloc) to
    /// fill them in the same call.
    ///
    /// # Errors
    ///
    /// [`SlabError::TooLarge`] when `len > BLOCK_SIZE`, [`SlabError::Full`]
    /// when no slot is available; the slab is unchanged.
    pub fn alloc_uninit(&mut self, len: usize) -> Result<(Handle, &mut [u8]), SlabError> {
        if len > Self::BLOCK_SIZE {
            return Err(SlabError::TooLarge {
                len,
                block_size: Self::BLOCK_SIZE,
            });
        }
        let Some(index) = self.take_slot() else {
            self.counters.failed();
            return Err(SlabError::Full);
        };
        if self.id == 0 {
            self.id = handle::next_slab_id();
        }
        let slot = &mut self.slots[index as usize];
        // `len <= BLOCK_SIZE <= u32::MAX`, checked above and at compile time.
        slot.state = State::Occupied { len: len as u32 };
        let handle = Handle {
            index,
            generation: slot.generation,
            slab: self.id,
        };
        self.len += 1;
        self.counters.allocated(self.len as usize);
        let start = index as usize * Self::BLOCK_SIZE;
        Ok((handle, &mut self.data[start..start + len]))
    }

    /// Allocates a slot holding a copy of `bytes`.
    ///
    /// # Errors
    ///
    /// As [`alloc_uninit`](Slab::alloc_uninit).
    pub fn alloc(&mut self, bytes: &[u8]) -> Result<Handle, SlabError> {
        let (handle, slot) = self.alloc_uninit(bytes.len())?;
        slot.copy_from_slice(bytes);
        Ok(handle)
    }

    /// The bytes of a live allocation; `None` for a stale or foreign handle
    /// ([`lookup`](Slab::lookup) says which).
    #[inline]
    pub fn get(&self, handle: Handle) -> Option<&[u8]> {
        self.lookup(handle).ok()
    }

    /// The bytes of a live allocation, writable; `None` for a stale or
    /// foreign handle.
    #[inline]
    pub fn get_mut(&mut self, handle: Handle) -> Option<&mut [u8]> {
        self.lookup_mut(handle).ok()
    }

    /// Whether `handle` is a live allocation of this slab.
    #[inline]
    pub fn contains(&self, handle: Handle) -> bool {
        self.resolve(handle).is_ok()
    }

    /// The bytes of a live allocation.
    ///
    /// # Errors
    ///
    /// [`SlabError::Stale`] or [`SlabError::Foreign`].
    pub fn lookup(&self, handle: Handle) -> Result<&[u8], SlabError> {
        let len = self.resolve(handle)?;
        let start = handle.index as usize * Self::BLOCK_SIZE;
        Ok(&self.data[start..start + len])
    }

    /// The bytes of a live allocation, writable.
    ///
    /// # Errors
    ///
    /// [`SlabError::Stale`] or [`SlabError::Foreign`].
    pub fn lookup_mut(&mut self, handle: Handle) -> Result<&mut [u8], SlabError> {
        let len = self.resolve(handle)?;
        let start = handle.index as usize * Self::BLOCK_SIZE;
        Ok(&mut self.data[start..start + len])
    }

    /// Frees a live allocation and returns its length. Every copy of
    /// `handle` is stale from now on.
    ///
    /// # Errors
    ///
    /// [`SlabError::Stale`] (a double free, or a handle from before a
    /// [`clear`](Slab::clear)) or [`SlabError::Foreign`]; the slab is
    /// unchanged.
    pub fn free(&mut self, handle: Handle) -> Result<usize, SlabError> {
        let len = self.resolve(handle)?;
        self.release(handle.index);
        Ok(len)
    }

    /// Frees every live allocation: every handle issued so far is stale.
    /// O(slots handed out since creation).
    pub fn clear(&mut self) {
        for index in 0..self.fresh {
            if let State::Occupied { .. } = self.slots[index as usize].state {
                self.release(index);
            }
        }
    }

    /// The live allocations, in slot order, with their bytes.
    pub fn iter(&self) -> impl Iterator<Item = (Handle, &[u8])> + '_ {
        let id = self.id;
        self.slots[..self.fresh as usize]
            .iter()
            .zip(self.data.chunks_exact(Self::BLOCK_SIZE))
            .enumerate()
            .filter_map(move |(index, (slot, block))| match slot.state {
                State::Occupied { len } => Some((
                    Handle {
                        index: index as u32,
                        generation: slot.generation,
                        slab: id,
                    },
                    &block[..len as usize],
                )),
                _ => None,
            })
    }

    /// Bytes held by live allocations (the sum of their lengths).
    pub fn bytes_in_use(&self) -> usize {
        self.iter().map(|(_, bytes)| bytes.len()).sum()
    }

    /// A snapshot of the counters. `capacity` excludes retired slots;
    /// `failed_allocations` counts [`SlabError::Full`] refusals only;
    /// [`clear`](Slab::clear) counts one free per allocation it frees.
    pub fn stats(&self) -> Stats {
        Stats {
            capacity: self.capacity(),
            in_use: self.len(),
            high_water: self.counters.high_water,
            allocations: self.counters.allocations,
            frees: self.counters.frees,
            failed_allocations: self.counters.failed_allocations,
            growth_events: 0,
        }
    }

    /// Walks every slot and the free list and verifies the slab's
    /// invariants. O(slots).
    ///
    /// # Errors
    ///
    /// The first broken invariant found.
    pub fn check(&self) -> Result<(), SlabCheckError> {
        let fresh = self.fresh as usize;
        for (slot, s) in self.slots.iter().enumerate().skip(fresh) {
            if *s != Slot::FRESH {
                return Err(SlabCheckError::FreshSlotUsed { slot });
            }
        }
        let (mut occupied, mut vacant, mut retired) = (0usize, 0usize, 0usize);
        for (slot, s) in self.slots[..fresh].iter().enumerate() {
            match s.state {
                State::Occupied { len } if len as usize > Self::BLOCK_SIZE => {
                    return Err(SlabCheckError::LengthTooLarge { slot });
                }
                State::Occupied { .. } => occupied += 1,
                State::Vacant { .. } => vacant += 1,
                State::Retired => retired += 1,
            }
        }
        if occupied != self.len() || retired != self.retired() || fresh > SLOTS {
            return Err(SlabCheckError::CountMismatch);
        }
        let mut listed = 0usize;
        let mut at = self.free_head;
        while at != NONE {
            let slot = at as usize;
            match self.slots.get(slot) {
                Some(Slot {
                    state: State::Vacant { next },
                    ..
                }) if slot < fresh => at = *next,
                _ => return Err(SlabCheckError::FreeListCorrupt { slot }),
            }
            listed += 1;
            if listed > vacant {
                return Err(SlabCheckError::FreeListCycle);
            }
        }
        if listed != vacant {
            return Err(SlabCheckError::CountMismatch);
        }
        Ok(())
    }

    /// The length of the live allocation `handle` names.
    #[inline]
    fn resolve(&self, handle: Handle) -> Result<usize, SlabError> {
        if handle.slab != self.id {
            return Err(SlabError::Foreign);
        }
        match self.slots.get(handle.index as usize) {
            Some(&Slot {
                generation,
                state: State::Occupied { len },
            }) if generation == handle.generation => Ok(len as usize),
            Some(_) => Err(SlabError::Stale),
            // Only a slab of another size with a repeated identity could
            // have made this handle.
            None => Err(SlabError::Foreign),
        }
    }

    /// A vacant slot, taken off the free list or the bump cursor.
    #[inline]
    fn take_slot(&mut self) -> Option<u32> {
        if self.free_head != NONE {
            let index = self.free_head;
            let State::Vacant { next } = self.slots[index as usize].state else {
                unreachable!("the free list holds only vacant slots");
            };
            self.free_head = next;
            Some(index)
        } else if (self.fresh as usize) < SLOTS {
            self.fresh += 1;
            Some(self.fresh - 1)
        } else {
            None
        }
    }

    /// Frees occupied slot `index`: a new generation and onto the free
    /// list, or retired when the generation is exhausted.
    #[inline]
    fn release(&mut self, index: u32) {
        let slot = &mut self.slots[index as usize];
        if slot.generation == u32::MAX {
            slot.state = State::Retired;
            self.retired += 1;
        } else {
            slot.generation += 1;
            slot.state = State::Vacant {
                next: self.free_head,
            };
            self.free_head = index;
        }
        self.len -= 1;
        self.counters.freed();
    }

    /// Sets the generation of a vacant slot, handing it out first if it is
    /// fresh, so that tests reach generation exhaustion.
    #[cfg(test)]
    pub(crate) fn set_generation_for_test(&mut self, index: u32, generation: u32) {
        while self.fresh <= index {
            let fresh = self.fresh;
            self.fresh += 1;
            self.slots[fresh as usize].state = State::Vacant {
                next: self.free_head,
            };
            self.free_head = fresh;
        }
        assert!(matches!(
            self.slots[index as usize].state,
            State::Vacant { .. }
        ));
        self.slots[index as usize].generation = generation;
    }
}

impl<const BYTES: usize, const SLOTS: usize> Default for Slab<BYTES, SLOTS> {
    fn default() -> Self {
        Self::new()
    }
}
