//! [`Owned`]: the RAII handle to a value in a typed pool.

use super::core::Core;
use super::poolable::Poolable;
use super::shared::Shared;
use super::slot::{Slot, SlotPtr};
use crate::index::{Stack, Strategy};
use core::fmt;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::ops::{Deref, DerefMut};

/// Exclusive ownership of a value in a pool: derefs to it, and gives it
/// back when dropped (running [`Poolable::on_release`], then dropping the
/// value or, with a configured reset hook, resetting and keeping it).
///
/// The handle borrows its pool, so it cannot outlive it, and reaches the
/// value directly (no lookup, no check) through a pointer to its slot.
///
/// ```
/// use poolalloc::FixedPool;
///
/// let pool = FixedPool::new(2).unwrap();
/// let mut a = pool.try_alloc(String::from("a")).unwrap();
/// a.push('!');
/// assert_eq!(*a, "a!");
/// assert_eq!(pool.len(), 1);
/// drop(a);
/// assert_eq!(pool.len(), 0);
/// ```
pub struct Owned<'p, T: Poolable, S: Strategy = Stack> {
    core: &'p Core<T, S>,
    /// The slot, whose state holds its index (see `state::owned`).
    slot: SlotPtr<T>,
    _value: PhantomData<T>,
}

impl<'p, T: Poolable, S: Strategy> Owned<'p, T, S> {
    /// A handle to the occupied slot.
    ///
    /// # Safety
    ///
    /// `slot` must be a slot of the pool of `core`, occupied in state
    /// `owned(its index)`, with no other handle to it.
    #[inline(always)]
    pub(crate) unsafe fn new(core: &'p Core<T, S>, slot: SlotPtr<T>) -> Self {
        Owned {
            core,
            slot,
            _value: PhantomData,
        }
    }

    /// The index of the value's slot in its pool.
    #[inline(always)]
    pub fn index(&self) -> u32 {
        // SAFETY: the slot lives as long as the pool; while this handle
        // lives its state is `owned(index)`.
        !unsafe { Slot::state(self.slot).get() }
    }

    /// Turns the handle into the first of a family of [`Shared`] handles
    /// to the same value.
    pub fn into_shared(self) -> Shared<'p, T, S> {
        let this = ManuallyDrop::new(self);
        let index = this.index();
        // SAFETY: the handle's slot is occupied and exclusively ours; from
        // now on it is counted as shared by one handle, the one made here.
        unsafe {
            Slot::state(this.slot).set(1);
            Shared::new(this.core, index, this.slot)
        }
    }
}

impl<T: Poolable, S: Strategy> Deref for Owned<'_, T, S> {
    type Target = T;

    #[inline(always)]
    fn deref(&self) -> &T {
        // SAFETY: the slot is occupied by this handle alone, and stays so
        // while it lives; the borrow of `self` keeps `deref_mut` away.
        unsafe { &*Slot::value(self.slot) }
    }
}

impl<T: Poolable, S: Strategy> DerefMut for Owned<'_, T, S> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only
        // reference.
        unsafe { &mut *Slot::value(self.slot) }
    }
}

impl<T: Poolable, S: Strategy> Drop for Owned<'_, T, S> {
    #[inline(always)]
    fn drop(&mut self) {
        let index = self.index();
        // SAFETY: the slot is occupied by this handle alone, in state
        // `owned(index)`, and the handle is going away.
        unsafe { self.core.release(index, self.slot) }
    }
}

impl<T: Poolable + fmt::Debug, S: Strategy> fmt::Debug for Owned<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Owned").field(&**self).finish()
    }
}
