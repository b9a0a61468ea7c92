//! The methods both typed pools share, written once over
//! [`SlotSource`](super::core::SlotSource).

/// Implements the shared public API on a pool type with a `core` field
/// and a `SlotSource` implementation.
macro_rules! typed_pool_api {
    ($pool:ident) => {
        impl<T: Poolable, S: Strategy> $pool<T, S> {
            /// Stores `value` and returns its [`Owned`] handle, or hands the
            /// value back in [`Full`] when no slot is free (and, for a
            /// growing pool, it cannot grow). O(1) (growth aside).
            #[inline(always)]
            pub fn try_alloc(&self, value: T) -> Result<Owned<'_, T, S>, Full<T>> {
                let Some((index, slot)) = SlotSource::reserve(self) else {
                    return Err(self.core.full(value));
                };
                // SAFETY: `reserve` handed out the free slot at `index`.
                unsafe {
                    self.core.occupy(index, slot, value, state::owned(index));
                    Ok(Owned::new(&self.core, slot))
                }
            }

            /// Stores the value `make` returns and returns its [`Owned`]
            /// handle, or hands `make` back, uncalled, in [`Full`]. `make`
            /// runs only once a slot is reserved, so the value can be built
            /// straight into its slot; if `make` panics, the slot is freed.
            #[inline(always)]
            pub fn try_alloc_with<F: FnOnce() -> T>(
                &self,
                make: F,
            ) -> Result<Owned<'_, T, S>, Full<F>> {
                let Some((index, slot)) = SlotSource::reserve(self) else {
                    return Err(self.core.full(make));
                };
                // SAFETY: `reserve` handed out the free slot at `index`.
                unsafe {
                    self.core.occupy_with(index, slot, make, state::owned(index));
                    Ok(Owned::new(&self.core, slot))
                }
            }

            /// Stores `value` and returns the first [`Shared`] handle to it,
            /// or hands the value back in [`Full`].
            pub fn try_alloc_shared(&self, value: T) -> Result<Shared<'_, T, S>, Full<T>> {
                let Some((index, slot)) = SlotSource::reserve(self) else {
                    return Err(self.core.full(value));
                };
                // SAFETY: `reserve` handed out the free slot at `index`; its
                // count of 1 is the handle made here.
                unsafe {
                    self.core.occupy(index, slot, value, 1);
                    Ok(Shared::new(&self.core, index, slot))
                }
            }

            /// Hands out a value without being given one: the value a
            /// reset hook or `pre_initialize` kept in the slot, or else a
            /// new one from the configured initializer. If the initializer
            /// panics, the slot is freed before the panic continues.
            pub fn acquire(&self) -> Result<Owned<'_, T, S>, AcquireError> {
                if !self.core.has_initializer() {
                    return Err(AcquireError::NoInitializer);
                }
                let Some((index, slot)) = SlotSource::reserve(self) else {
                    self.core.failed();
                    return Err(AcquireError::Full);
                };
                // SAFETY: `reserve` handed out the free slot at `index`.
                unsafe {
                    self.core.occupy_initialized(index, slot);
                    Ok(Owned::new(&self.core, slot))
                }
            }

            /// Stores `value`, reached from now on by the returned [`Key`],
            /// or hands the value back in [`Full`]. O(1) (growth aside).
            #[inline(always)]
            pub fn try_insert(&self, value: T) -> Result<Key, Full<T>> {
                let Some((index, slot)) = SlotSource::reserve(self) else {
                    return Err(self.core.full(value));
                };
                // SAFETY: `reserve` handed out the free slot at `index`.
                let stamp = unsafe { self.core.occupy(index, slot, value, state::KEYED_OR_EMPTY) };
                Ok(Key::new(index, self.core.generation(stamp)))
            }

            /// Stores the value `make` returns under a new [`Key`], or hands
            /// `make` back, uncalled, in [`Full`]; as
            /// [`try_alloc_with`](Self::try_alloc_with).
            #[inline(always)]
            pub fn try_insert_with<F: FnOnce() -> T>(&self, make: F) -> Result<Key, Full<F>> {
                let Some((index, slot)) = SlotSource::reserve(self) else {
                    return Err(self.core.full(make));
                };
                let stamp =
                    // SAFETY: `reserve` handed out the free slot at `index`.
                    unsafe { self.core.occupy_with(index, slot, make, state::KEYED_OR_EMPTY) };
                Ok(Key::new(index, self.core.generation(stamp)))
            }

            /// The slot `key` names, if it holds `key`'s value.
            #[inline(always)]
            fn keyed_slot(&self, key: Key) -> Option<SlotPtr<T>> {
                let slot = SlotSource::lookup(self, key.index())?;
                // SAFETY: `lookup` found the slot in a live chunk.
                unsafe { self.core.is_keyed(slot, key) }.then_some(slot)
            }

            /// The value `key` names, or `None` for a key whose value was
            /// removed, a key from another pool (see [`Key`] for the
            /// limits of that check), or a forged key. O(1).
            #[inline(always)]
            pub fn get(&self, key: Key) -> Option<&T> {
                let slot = self.keyed_slot(key)?;
                // SAFETY: the slot holds a keyed value; it can only be
                // removed or mutably borrowed through `&mut self`.
                Some(unsafe { &*Slot::value(slot) })
            }

            /// The value `key` names, mutably; `None` as for
            /// [`get`](Self::get).
            #[inline(always)]
            pub fn get_mut(&mut self, key: Key) -> Option<&mut T> {
                let slot = self.keyed_slot(key)?;
                // SAFETY: the slot holds a keyed value, which only keys
                // reach, and `&mut self` excludes every other borrow.
                Some(unsafe { &mut *Slot::value(slot) })
            }

            /// Whether `key` names a value in the pool.
            pub fn contains_key(&self, key: Key) -> bool {
                self.keyed_slot(key).is_some()
            }

            /// Removes the value `key` names and returns it (after
            /// [`Poolable::on_release`]), or `None` as for
            /// [`get`](Self::get), leaving the pool untouched. The key and
            /// every copy of it are stale from now on. O(1).
            #[inline(always)]
            pub fn remove(&mut self, key: Key) -> Option<T> {
                let slot = self.keyed_slot(key)?;
                // SAFETY: the slot holds the keyed value at `key.index()`,
                // and `&mut self` makes us its only user; marking it
                // `EXCLUSIVE` keeps keys away while `on_release` runs.
                unsafe {
                    Slot::state(slot).set(state::EXCLUSIVE);
                    Some(self.core.take(key.index(), slot))
                }
            }

            /// The number of live values (held by handles or keys).
            #[inline]
            pub fn len(&self) -> usize {
                self.core.len()
            }

            /// Whether no value is live.
            pub fn is_empty(&self) -> bool {
                self.core.len() == 0
            }

            /// The number of slots that can hold a value: every slot but
            /// the retired ones (see [`Key`]).
            pub fn capacity(&self) -> usize {
                SlotSource::slot_count(self) - self.core.retired()
            }

            /// The pool's counters.
            pub fn stats(&self) -> Stats {
                self.core.stats(SlotSource::slot_count(self))
            }

            /// Sets the stamp of the slot at `index`, so tests can reach
            /// the end of its generations.
            #[cfg(test)]
            pub(crate) fn set_stamp(&self, index: u32, stamp: u32) {
                let slot = SlotSource::lookup(self, index).unwrap();
                // SAFETY: the slot is in a live chunk.
                unsafe { Slot::stamp(slot).set(stamp) }
            }
        }

        impl<T, S: Strategy> fmt::Debug for $pool<T, S> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($pool))
                    .field("len", &self.core.len())
                    .field("capacity", &SlotSource::slot_count(self))
                    .finish_non_exhaustive()
            }
        }
    };
}

pub(crate) use typed_pool_api;
