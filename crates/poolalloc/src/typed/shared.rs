//! [`Shared`] and [`Weak`]: reference-counted handles, the count kept in
//! the slot.

use super::core::Core;
use super::poolable::Poolable;
use super::slot::{Slot, SlotPtr, state};
use crate::index::{Stack, Strategy};
use core::fmt;
use core::marker::PhantomData;
use core::ops::Deref;

/// Shared ownership of a value in a pool: cloning counts one more owner
/// (the count lives in the slot, so a clone allocates nothing), and the
/// value goes back to the pool when the last owner is dropped. Derefs to
/// `&T` only. Made by `try_alloc_shared` or [`Owned::into_shared`].
///
/// At most `u32::MAX - 1` handles share one value; cloning past that
/// panics.
///
/// ```
/// use poolalloc::FixedPool;
///
/// let pool = FixedPool::new(2).unwrap();
/// let a = pool.try_alloc_shared(7).unwrap();
/// let b = a.clone();
/// let weak = a.downgrade();
/// assert_eq!((*a, *b, a.strong_count()), (7, 7, 2));
/// drop(a);
/// assert_eq!(*weak.upgrade().unwrap(), 7);
/// drop(b);
/// assert!(weak.upgrade().is_none());
/// assert_eq!(pool.len(), 0);
/// ```
///
/// [`Owned::into_shared`]: crate::Owned::into_shared
pub struct Shared<'p, T: Poolable, S: Strategy = Stack> {
    core: &'p Core<T, S>,
    slot: SlotPtr<T>,
    /// A `u32`, kept as `usize` so that a handle is three words with no
    /// padding: copying it never mixes store widths.
    index: usize,
    _value: PhantomData<T>,
}

impl<'p, T: Poolable, S: Strategy> Shared<'p, T, S> {
    /// A handle to the occupied, shared slot, already counted.
    ///
    /// # Safety
    ///
    /// `slot` must be the slot at `index` of the pool of `core`, occupied
    /// in a shared state whose count includes this handle.
    #[inline(always)]
    pub(crate) unsafe fn new(core: &'p Core<T, S>, index: u32, slot: SlotPtr<T>) -> Self {
        Shared {
            core,
            slot,
            index: index as usize,
            _value: PhantomData,
        }
    }

    /// The index of the value's slot in its pool.
    pub fn index(&self) -> u32 {
        self.index as u32
    }

    /// The number of `Shared` handles to the value.
    pub fn strong_count(&self) -> u32 {
        // SAFETY: the slot lives as long as the pool, which `'p` outlives.
        unsafe { Slot::state(self.slot).get() }
    }

    /// A [`Weak`] handle to the value.
    pub fn downgrade(&self) -> Weak<'p, T, S> {
        Weak {
            core: self.core,
            slot: self.slot,
            index: self.index,
            // SAFETY: as in `strong_count`.
            stamp: unsafe { Slot::stamp(self.slot).get() },
        }
    }
}

impl<T: Poolable, S: Strategy> Clone for Shared<'_, T, S> {
    fn clone(&self) -> Self {
        // SAFETY: the slot lives as long as the pool.
        let count = unsafe { Slot::state(self.slot) };
        assert!(
            count.get() < state::MAX_SHARED,
            "too many Shared handles to one value"
        );
        count.set(count.get() + 1);
        // SAFETY: the count now includes the new handle.
        unsafe { Shared::new(self.core, self.index as u32, self.slot) }
    }
}

impl<T: Poolable, S: Strategy> Deref for Shared<'_, T, S> {
    type Target = T;

    #[inline(always)]
    fn deref(&self) -> &T {
        // SAFETY: the slot is occupied while any `Shared` handle lives, and
        // no `&mut` to a shared value is ever made.
        unsafe { &*Slot::value(self.slot) }
    }
}

impl<T: Poolable, S: Strategy> Drop for Shared<'_, T, S> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the slot lives as long as the pool.
        let count = unsafe { Slot::state(self.slot) };
        let left = count.get() - 1;
        if left > 0 {
            count.set(left);
        } else {
            // The last owner: the value is ours alone.
            count.set(state::EXCLUSIVE);
            // SAFETY: the slot is occupied, now `EXCLUSIVE`, and this was
            // its last handle.
            unsafe { self.core.release(self.index as u32, self.slot) }
        }
    }
}

impl<T: Poolable + fmt::Debug, S: Strategy> fmt::Debug for Shared<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Shared").field(&**self).finish()
    }
}

/// A handle that does not keep its value alive:
/// [`upgrade`](Weak::upgrade) gives a [`Shared`] handle while the value is
/// still shared, and `None` for good once it has gone back to the pool
/// (even if the slot holds a new value by then). Made by
/// [`Shared::downgrade`].
pub struct Weak<'p, T: Poolable, S: Strategy = Stack> {
    core: &'p Core<T, S>,
    slot: SlotPtr<T>,
    /// A `u32`, kept as `usize` so that a handle is three words with no
    /// padding: copying it never mixes store widths.
    index: usize,
    /// The slot's stamp while the value was live.
    stamp: u32,
}

impl<'p, T: Poolable, S: Strategy> Weak<'p, T, S> {
    /// A new owner of the value, or `None` once it has gone back to the
    /// pool.
    pub fn upgrade(&self) -> Option<Shared<'p, T, S>> {
        // SAFETY: the slot lives as long as the pool, which `'p` outlives.
        let (stamp, count) = unsafe { (Slot::stamp(self.slot), Slot::state(self.slot)) };
        // The stamp changes when the value is released, so a match means
        // the same occupancy, which is shared while its count is 1..=MAX
        // (a release in progress shows `EXCLUSIVE`).
        if stamp.get() != self.stamp || !(1..=state::MAX_SHARED).contains(&count.get()) {
            return None;
        }
        assert!(
            count.get() < state::MAX_SHARED,
            "too many Shared handles to one value"
        );
        count.set(count.get() + 1);
        // SAFETY: the count includes the new handle.
        Some(unsafe { Shared::new(self.core, self.index as u32, self.slot) })
    }
}

impl<T: Poolable, S: Strategy> Clone for Weak<'_, T, S> {
    fn clone(&self) -> Self {
        Weak { ..*self }
    }
}

impl<T: Poolable, S: Strategy> fmt::Debug for Weak<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Weak({})", self.index)
    }
}
