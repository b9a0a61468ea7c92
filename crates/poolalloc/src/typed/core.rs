//! The part of a typed pool that handles reach: the index allocator, the
//! counters, the hooks, and the code that stores and releases values.
//!
//! Everything here is reached through `&self` and kept in `Cell`s and one
//! `UnsafeCell` (the index allocator), so a pool is not `Sync`. The
//! allocator is borrowed mutably only inside `strategy_alloc`,
//! `strategy_free` and `strategy_grow`, which run no code of the caller,
//! so the borrow never overlaps another: hooks, initializers and `Drop`
//! of values (which may reach the pool again) always run outside it.

use super::config::{Initializer, PoolConfig, Reset};
use super::error::Full;
use super::key::Key;
use super::poolable::Poolable;
use super::slot::{Slot, SlotPtr, state};
use crate::index::Strategy;
use crate::stats::Stats;
use core::cell::{Cell, UnsafeCell};
use core::mem;
use core::ptr;
use portable_atomic::{AtomicU32, Ordering};

/// Numbers pools so that each gets its own key offset.
static POOLS_CREATED: AtomicU32 = AtomicU32::new(0);

/// The golden ratio as a fraction of 2^32: consecutive multiples of it
/// spread evenly over the `u32` circle (a Weyl sequence).
const GOLDEN: u32 = 0x9E37_79B9;

/// Where a pool's slots come from: one chunk, or a table over chunks.
pub(crate) trait SlotSource<T, S> {
    /// A free slot, now reserved in the index allocator (growing the pool
    /// if it must and can), or `None`.
    fn reserve(&self) -> Option<(u32, SlotPtr<T>)>;

    /// The slot at `index`, if the pool has one there.
    fn lookup(&self, index: u32) -> Option<SlotPtr<T>>;

    /// The number of slots.
    fn slot_count(&self) -> usize;
}

/// The shared core of `FixedPool` and `GrowingPool`.
pub(crate) struct Core<T, S> {
    strategy: UnsafeCell<S>,
    allocations: Cell<u64>,
    frees: Cell<u64>,
    high_water: Cell<usize>,
    failed: Cell<u64>,
    growth_events: Cell<u64>,
    retired: Cell<usize>,
    /// Added to a slot's stamp to make a key's generation: even, and
    /// different for each pool.
    key_offset: u32,
    initializer: Option<Initializer<T>>,
    reset: Option<Reset<T>>,
    pre_initialize: bool,
}

impl<T, S: Strategy> Core<T, S> {
    /// A core for `strategy`, taking the hooks out of `config`.
    pub(crate) fn new(strategy: S, config: PoolConfig<T>) -> Self {
        let id = POOLS_CREATED.fetch_add(1, Ordering::Relaxed);
        Core {
            strategy: UnsafeCell::new(strategy),
            allocations: Cell::new(0),
            frees: Cell::new(0),
            high_water: Cell::new(0),
            failed: Cell::new(0),
            growth_events: Cell::new(0),
            retired: Cell::new(0),
            key_offset: id.wrapping_mul(GOLDEN) & !1,
            initializer: config.initializer,
            reset: config.reset,
            pre_initialize: config.pre_initialize,
        }
    }

    #[inline(always)]
    pub(crate) fn strategy_alloc(&self) -> Option<u32> {
        // SAFETY: the only borrows of the allocator are in these three
        // methods, which call no code that could reach the pool again.
        unsafe { (*self.strategy.get()).alloc() }
    }

    #[inline(always)]
    pub(crate) fn strategy_free(&self, index: u32) {
        // SAFETY: as in `strategy_alloc`.
        unsafe { (*self.strategy.get()).free(index) }
    }

    pub(crate) fn strategy_grow(&self, new_capacity: u32) -> bool {
        // SAFETY: as in `strategy_alloc`.
        unsafe { (*self.strategy.get()).grow(new_capacity) }
    }

    /// Records a growth.
    pub(crate) fn grew(&self) {
        self.growth_events.set(self.growth_events.get() + 1);
    }

    /// Records a refused allocation.
    #[cold]
    pub(crate) fn failed(&self) {
        self.failed.set(self.failed.get() + 1);
    }

    /// Records a refused allocation and hands its value back.
    #[cold]
    #[inline(never)]
    pub(crate) fn full<V>(&self, value: V) -> Full<V> {
        self.failed();
        Full(value)
    }

    /// The live values.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        (self.allocations.get() - self.frees.get()) as usize
    }

    /// Slots retired at the end of their generations.
    pub(crate) fn retired(&self) -> usize {
        self.retired.get()
    }

    /// Whether the pool fills slots as they are created.
    pub(crate) fn pre_initialize(&self) -> bool {
        self.pre_initialize
    }

    /// The statistics of a pool of `slots` slots.
    pub(crate) fn stats(&self, slots: usize) -> Stats {
        Stats {
            capacity: slots - self.retired.get(),
            in_use: self.len(),
            high_water: self.high_water.get(),
            allocations: self.allocations.get(),
            frees: self.frees.get(),
            failed_allocations: self.failed.get(),
            growth_events: self.growth_events.get(),
        }
    }

    /// The generation a key gets for a slot stamped `stamp`.
    #[inline(always)]
    pub(crate) fn generation(&self, stamp: u32) -> u32 {
        stamp.wrapping_add(self.key_offset)
    }

    /// Whether `slot` holds the keyed value `key` names.
    ///
    /// # Safety
    ///
    /// `slot` must point into a live chunk of this pool.
    #[inline(always)]
    pub(crate) unsafe fn is_keyed(&self, slot: SlotPtr<T>, key: Key) -> bool {
        let stamp = key.generation().get().wrapping_sub(self.key_offset);
        // SAFETY: as the caller promises. A key's generation is odd and the
        // offset even, so a matching stamp is odd: the slot is occupied.
        unsafe {
            Slot::stamp(slot).get() == stamp && Slot::state(slot).get() == state::KEYED_OR_EMPTY
        }
    }

    /// Fills each free, empty slot of `slots` with a value from the
    /// initializer, kept for `acquire`. Each value is built before its slot
    /// is looked at, so a re-entrant allocation by the initializer is
    /// harmless (the slot it took is skipped, and the value dropped).
    ///
    /// # Safety
    ///
    /// Every slot must belong to a live chunk of this pool.
    pub(crate) unsafe fn pre_fill(&self, slots: impl Iterator<Item = SlotPtr<T>>) {
        let Some(initializer) = self.initializer.as_ref() else {
            return;
        };
        for slot in slots {
            let value = initializer();
            // SAFETY: as the caller promises.
            let (stamp, slot_state) = unsafe { (Slot::stamp(slot).get(), Slot::state(slot)) };
            if stamp % 2 == 0 && slot_state.get() == state::KEYED_OR_EMPTY {
                // SAFETY: a free empty slot holds no value; writing it with
                // the state set to `RETAINED` hands it to the pool, and a
                // free slot is touched by no one else until reserved.
                unsafe { Slot::value(slot).write(value) };
                slot_state.set(state::RETAINED);
            }
        }
    }
}

impl<T: Poolable, S: Strategy> Core<T, S> {
    /// Stores `value` in the reserved slot `index` and marks it occupied
    /// in `new_state`; returns its new stamp. A value kept in the slot is
    /// dropped first.
    ///
    /// # Safety
    ///
    /// `slot` must be the slot at `index` of this pool, reserved in the
    /// index allocator and free.
    #[inline(always)]
    pub(crate) unsafe fn occupy(
        &self,
        index: u32,
        slot: SlotPtr<T>,
        value: T,
        new_state: u32,
    ) -> u32 {
        // SAFETY: as the caller promises.
        unsafe { self.occupy_with(index, slot, move || value, new_state) }
    }

    /// Stores the value `make` builds, as [`occupy`](Self::occupy) stores
    /// its value; `make` runs after any kept value is dropped, and if it
    /// panics the slot is freed.
    ///
    /// # Safety
    ///
    /// As for [`occupy`](Self::occupy).
    #[inline(always)]
    pub(crate) unsafe fn occupy_with(
        &self,
        index: u32,
        slot: SlotPtr<T>,
        make: impl FnOnce() -> T,
        new_state: u32,
    ) -> u32 {
        let mut guard = Unreserve {
            core: self,
            index,
            slot,
            value_written: false,
        };
        // SAFETY: the slot is ours (reserved and free); its stamp and state
        // cells live as long as the pool.
        let slot_state = unsafe { Slot::state(slot) };
        if slot_state.get() == state::RETAINED {
            slot_state.set(state::KEYED_OR_EMPTY);
            // SAFETY: a retained slot holds a value, which is dropped once:
            // the state no longer says it is there.
            unsafe { ptr::drop_in_place(Slot::value(slot)) };
        }
        // SAFETY: the slot is ours and now holds no value.
        unsafe { Slot::value(slot).write(make()) };
        guard.value_written = true;
        // SAFETY: just written; nothing else can reach a reserved slot.
        unsafe { (*Slot::value(slot)).on_acquire() };
        mem::forget(guard);
        // SAFETY: the slot is ours.
        unsafe { self.commit(slot, new_state) }
    }

    /// Hands out the reserved slot `index` for `acquire`: its kept value,
    /// or one from the initializer, which must exist.
    ///
    /// # Safety
    ///
    /// As for [`occupy`](Self::occupy).
    pub(crate) unsafe fn occupy_initialized(&self, index: u32, slot: SlotPtr<T>) -> u32 {
        let mut guard = Unreserve {
            core: self,
            index,
            slot,
            value_written: false,
        };
        // SAFETY: the slot is ours.
        let slot_state = unsafe { Slot::state(slot) };
        if slot_state.get() == state::RETAINED {
            slot_state.set(state::KEYED_OR_EMPTY);
        } else {
            let initializer = self.initializer.as_ref().expect("checked by acquire");
            let value = initializer();
            // SAFETY: the slot is ours and holds no value.
            unsafe { Slot::value(slot).write(value) };
        }
        guard.value_written = true;
        // SAFETY: the slot holds a value nothing else can reach.
        unsafe { (*Slot::value(slot)).on_acquire() };
        mem::forget(guard);
        // SAFETY: the slot is ours.
        unsafe { self.commit(slot, state::owned(index)) }
    }

    /// Whether `acquire` can build values.
    pub(crate) fn has_initializer(&self) -> bool {
        self.initializer.is_some()
    }

    /// Marks a reserved slot holding its value occupied.
    ///
    /// # Safety
    ///
    /// `slot` must be reserved and hold its new value.
    #[inline(always)]
    unsafe fn commit(&self, slot: SlotPtr<T>, new_state: u32) -> u32 {
        // SAFETY: as the caller promises.
        let (stamp, slot_state) = unsafe { (Slot::stamp(slot), Slot::state(slot)) };
        let new_stamp = stamp.get().wrapping_add(1);
        stamp.set(new_stamp);
        slot_state.set(new_state);
        let allocations = self.allocations.get() + 1;
        self.allocations.set(allocations);
        let live = (allocations - self.frees.get()) as usize;
        if live > self.high_water.get() {
            self.high_water.set(live);
        }
        new_stamp
    }

    /// Gives back the value of an occupied slot: `on_release`, then the
    /// reset hook (keeping the value) or `drop`, then the slot is freed.
    ///
    /// # Safety
    ///
    /// `slot` must be the occupied slot at `index` of this pool, in state
    /// `EXCLUSIVE` or `owned(index)`, and the caller must be its only user.
    #[inline(always)]
    pub(crate) unsafe fn release(&self, index: u32, slot: SlotPtr<T>) {
        if self.reset.is_some() {
            // SAFETY: as the caller promises.
            return unsafe { self.release_and_keep(index, slot) };
        }
        let mut guard = Release {
            core: self,
            index,
            slot,
            drop_value: true,
            retain: false,
        };
        // SAFETY: the caller is the only user of the occupied slot.
        let value = unsafe { &mut *Slot::value(slot) };
        value.on_release();
        guard.drop_value = false;
        // SAFETY: the value is dropped once; the guard frees the slot even
        // if this panics.
        unsafe { ptr::drop_in_place(value) };
    }

    /// [`release`](Self::release) with a reset hook: the value is reset
    /// and kept in the slot.
    ///
    /// # Safety
    ///
    /// As for [`release`](Self::release).
    #[inline(never)]
    unsafe fn release_and_keep(&self, index: u32, slot: SlotPtr<T>) {
        let mut guard = Release {
            core: self,
            index,
            slot,
            drop_value: true,
            retain: false,
        };
        // SAFETY: the caller is the only user of the occupied slot.
        let value = unsafe { &mut *Slot::value(slot) };
        value.on_release();
        if let Some(reset) = &self.reset {
            reset(value);
        }
        guard.drop_value = false;
        guard.retain = true;
    }

    /// Takes the value out of an occupied slot after `on_release`, and
    /// frees the slot.
    ///
    /// # Safety
    ///
    /// As for [`release`](Self::release).
    pub(crate) unsafe fn take(&self, index: u32, slot: SlotPtr<T>) -> T {
        let mut guard = Release {
            core: self,
            index,
            slot,
            drop_value: true,
            retain: false,
        };
        // SAFETY: the caller is the only user of the occupied slot.
        unsafe { (*Slot::value(slot)).on_release() };
        guard.drop_value = false;
        // SAFETY: the value is moved out once; the guard then frees the
        // slot without touching the value.
        unsafe { Slot::value(slot).read() }
    }
}

/// Frees a reserved slot if storing its value panics.
struct Unreserve<'a, T, S: Strategy> {
    core: &'a Core<T, S>,
    index: u32,
    slot: SlotPtr<T>,
    value_written: bool,
}

impl<T, S: Strategy> Drop for Unreserve<'_, T, S> {
    #[cold]
    fn drop(&mut self) {
        if self.value_written {
            // SAFETY: the slot is reserved, not yet occupied, and holds the
            // value just written, which no one else has seen.
            unsafe {
                Slot::state(self.slot).set(state::KEYED_OR_EMPTY);
                ptr::drop_in_place(Slot::value(self.slot));
            }
        }
        self.core.strategy_free(self.index);
    }
}

/// Finishes a release, also when a hook or `drop` panics.
struct Release<'a, T, S: Strategy> {
    core: &'a Core<T, S>,
    index: u32,
    slot: SlotPtr<T>,
    /// The value is still in the slot and must be dropped here.
    drop_value: bool,
    /// The value stays in the slot for the next `acquire`.
    retain: bool,
}

impl<T, S: Strategy> Drop for Release<'_, T, S> {
    #[inline(always)]
    fn drop(&mut self) {
        let core = self.core;
        // SAFETY: the slot is occupied by the releasing caller; its cells
        // live as long as the pool.
        let (stamp, slot_state) = unsafe { (Slot::stamp(self.slot), Slot::state(self.slot)) };
        if self.drop_value {
            self.drop_value = false;
            // SAFETY: a hook panicked before the value was dropped or
            // kept; it is dropped once, here.
            unsafe { ptr::drop_in_place(Slot::value(self.slot)) };
        }
        let new_stamp = stamp.get().wrapping_add(1);
        stamp.set(new_stamp);
        core.frees.set(core.frees.get() + 1);
        if new_stamp != 0 {
            slot_state.set(if self.retain {
                state::RETAINED
            } else {
                state::KEYED_OR_EMPTY
            });
            core.strategy_free(self.index);
        } else {
            self.retire();
        }
    }
}

impl<T, S: Strategy> Release<'_, T, S> {
    /// Retires a slot that has run through all its generations: it is
    /// never handed out again.
    #[cold]
    #[inline(never)]
    fn retire(&mut self) {
        // SAFETY: the slot is in a live chunk.
        unsafe { Slot::state(self.slot).set(state::KEYED_OR_EMPTY) };
        self.core.retired.set(self.core.retired.get() + 1);
        if self.retain {
            self.retain = false;
            // SAFETY: the kept value is dropped once; the state already
            // says the slot is empty.
            unsafe { ptr::drop_in_place(Slot::value(self.slot)) };
        }
    }
}

/// Drops the value of every slot that holds one, continuing past a panic
/// in a value's `drop` (a second panic aborts, as for any panic while
/// unwinding).
///
/// # Safety
///
/// Every slot must belong to a live chunk, and nothing may use the values
/// afterwards.
pub(crate) unsafe fn drop_values<T, I: Iterator<Item = SlotPtr<T>>>(slots: I) {
    struct Rest<'a, T, I: Iterator<Item = SlotPtr<T>>>(&'a mut I);

    impl<T, I: Iterator<Item = SlotPtr<T>>> Drop for Rest<'_, T, I> {
        fn drop(&mut self) {
            while let Some(slot) = self.0.next() {
                let rest = Rest(&mut *self.0);
                // SAFETY: the caller of `drop_values` promises live chunks
                // and values no one uses again; each slot comes once.
                unsafe {
                    if Slot::holds_value(slot) {
                        ptr::drop_in_place(Slot::value(slot));
                    }
                }
                mem::forget(rest);
            }
        }
    }

    if mem::needs_drop::<T>() {
        let mut slots = slots;
        drop(Rest(&mut slots));
    }
}
