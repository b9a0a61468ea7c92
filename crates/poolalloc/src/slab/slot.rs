//! The bookkeeping of one slot.

/// Where a slot stands, and the one number that state needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum State {
    /// Free; `next` is the next slot of the free list, or [`NONE`].
    /// Slots past the bump cursor are also `Vacant` (with `NONE`), but on
    /// no list.
    Vacant { next: u32 },
    /// Holds a live allocation of `len` bytes.
    Occupied { len: u32 },
    /// Its generation is exhausted: it is never handed out again.
    Retired,
}

/// The end of the free list.
pub(super) const NONE: u32 = u32::MAX;

/// One slot's bookkeeping: 12 bytes, whatever the block size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Slot {
    /// The generation of the slot's current (or next) allocation. It only
    /// grows: each free adds one, and a slot whose generation is
    /// `u32::MAX` is retired instead of freed.
    pub(super) generation: u32,
    pub(super) state: State,
}

impl Slot {
    /// A slot never handed out.
    pub(super) const FRESH: Slot = Slot {
        generation: 0,
        state: State::Vacant { next: NONE },
    };
}
