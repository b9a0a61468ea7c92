//! [`Key`]: a copyable, generation-checked name for a value in a typed
//! pool.

use core::fmt;
use core::num::NonZeroU32;

/// A copyable name for a value inserted with `try_insert`, checked on
/// every use.
///
/// Eight bytes: the slot's index and the generation of the value that
/// occupied it when the key was made (`Option<Key>` is eight bytes too).
/// `get`, `get_mut` and `remove` return `None` for a key whose value has
/// been removed (the slot's generation moved on), for an index the pool
/// does not have, and for a slot currently held by an `Owned` or `Shared`
/// handle.
///
/// # Generations
///
/// Generations are odd and never zero. Each slot runs through 2^31
/// occupancies; when the last one ends the slot is retired for the rest of
/// the pool's life instead of starting over, so an old key can never name a
/// new value. [`Stats::capacity`](crate::Stats::capacity) no longer counts
/// a retired slot.
///
/// # Keys from another pool
///
/// Each pool adds its own even offset to every generation it puts in a
/// key, so a key from another pool is refused unless the slot at its index
/// in this pool has been occupied exactly `d / 2` more times (modulo 2^31)
/// than the slot the key came from, where `d` is the difference of the
/// two pools' offsets. The offsets are the pools' creation numbers in the
/// process times the golden ratio of 2^32 (a Weyl sequence), so `d`
/// depends only on how many pools were created between the two: for two
/// pools created fewer than 10 apart, one slot must have seen at least
/// 119,675,164 more occupancies than the other (more than 2^26); fewer
/// than 1000 apart, at least 973,279 (more than 2^19). Past that, a
/// foreign key can reach a live value of this pool. That is a logic error,
/// not a memory-safety one: the value has the right type and is live.
///
/// # FFI
///
/// [`to_bits`](Key::to_bits) and [`from_bits`](Key::from_bits) turn a key
/// into a `u64` and back. Any `u64` is safe to pass to `from_bits`: the
/// result is checked like any key, so it reaches a live value only if it
/// names that value's slot and current generation.
///
/// ```
/// use poolalloc::{FixedPool, Key};
///
/// let mut pool = FixedPool::new(4).unwrap();
/// let key = pool.try_insert("hello").unwrap();
/// let bits = key.to_bits();
/// assert_eq!(Key::from_bits(bits), Some(key));
/// assert_eq!(pool.remove(key), Some("hello"));
/// assert_eq!(pool.get(key), None);
/// assert_eq!(Key::from_bits(0), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct Key {
    index: u32,
    generation: NonZeroU32,
}

impl Key {
    /// A key for `index` whose generation is `generation`, which must be
    /// odd.
    #[inline(always)]
    pub(crate) fn new(index: u32, generation: u32) -> Key {
        debug_assert_eq!(generation % 2, 1);
        Key {
            index,
            // An odd number is not zero.
            generation: NonZeroU32::new(generation | 1).unwrap_or(NonZeroU32::MIN),
        }
    }

    /// The index of the slot the key names.
    #[inline(always)]
    pub fn index(self) -> u32 {
        self.index
    }

    /// The generation of the value the key names: odd, never zero.
    #[inline(always)]
    pub fn generation(self) -> NonZeroU32 {
        self.generation
    }

    /// The key as a `u64`: the generation in the high half, the index in
    /// the low half.
    #[inline]
    pub fn to_bits(self) -> u64 {
        (u64::from(self.generation.get()) << 32) | u64::from(self.index)
    }

    /// The key whose [`to_bits`](Key::to_bits) is `bits`, or `None` when
    /// no key has these bits (the generation half is even, which includes
    /// zero).
    #[inline]
    pub fn from_bits(bits: u64) -> Option<Key> {
        let generation = (bits >> 32) as u32;
        if generation % 2 == 0 {
            return None;
        }
        Some(Key {
            index: bits as u32,
            generation: NonZeroU32::new(generation)?,
        })
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({}v{})", self.index, self.generation)
    }
}
