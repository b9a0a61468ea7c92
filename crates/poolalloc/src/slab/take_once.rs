//! [`TakeOnce`]: a `static` home for a value that is handed out once, as
//! `&'static mut`.

use core::cell::UnsafeCell;
use portable_atomic::{AtomicBool, Ordering};

/// A `static` home for a value, handed out once as `&'static mut T`.
///
/// A [`Slab`](super::Slab) has `&mut self` methods and a `const fn new`,
/// so it can be built at compile time, but a `static` must be `Sync` and
/// immutable. `TakeOnce` bridges the two without `static mut` and without
/// `unsafe` in the caller: the first [`take`](TakeOnce::take) gets the
/// only `&'static mut` there will ever be, every later call gets `None`.
/// The value is built in the `static` itself, so a large slab never passes
/// through the stack.
///
/// ```
/// use poolalloc::slab::{Slab, TakeOnce};
///
/// static SLAB: TakeOnce<Slab<1024, 32>> = TakeOnce::new(Slab::new());
///
/// let slab: &'static mut Slab<1024, 32> = SLAB.take().expect("first take");
/// let handle = slab.alloc(b"hello").unwrap();
/// assert_eq!(slab.get(handle), Some(&b"hello"[..]));
/// assert!(SLAB.take().is_none(), "handed out once");
/// ```
///
/// It serves any `Send` value, for example the
/// [`ByteSlab`](crate::bytes::ByteSlab) that byte buffers share:
///
/// ```
/// use poolalloc::bytes::{ByteDeque, ByteSlab};
/// use poolalloc::slab::TakeOnce;
///
/// static BYTES: TakeOnce<ByteSlab<512, 16>> = TakeOnce::new(ByteSlab::new());
///
/// let slab: &'static ByteSlab<512, 16> = BYTES.take().unwrap();
/// let mut queue = ByteDeque::new(slab);
/// queue.try_push_back(7).unwrap();
/// assert_eq!(queue.pop_front(), Some(7));
/// ```
pub struct TakeOnce<T> {
    taken: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: the value is reached only through the one `&'static mut T` that
// `take` hands out (the atomic swap lets exactly one caller through), so
// sharing a `&TakeOnce<T>` between threads shares nothing but the flag;
// the `&mut T` may end up on any thread, which `T: Send` allows.
unsafe impl<T: Send> Sync for TakeOnce<T> {}

impl<T> TakeOnce<T> {
    /// Holds `value` until it is taken.
    pub const fn new(value: T) -> Self {
        TakeOnce {
            taken: AtomicBool::new(false),
            value: UnsafeCell::new(value),
        }
    }

    /// The value, the first time; `None` afterwards.
    // The `taken` flag, not the borrow of `self`, makes the reference unique.
    #[allow(clippy::mut_from_ref)]
    pub fn take(&'static self) -> Option<&'static mut T> {
        if self.taken.swap(true, Ordering::AcqRel) {
            return None;
        }
        // SAFETY: the flag was false and is now true, so this is the only
        // call that reaches the value, and nothing else in this type ever
        // touches it; it lives for `'static` in a place that never moves.
        Some(unsafe { &mut *self.value.get() })
    }

    /// Whether the value has been taken.
    pub fn is_taken(&self) -> bool {
        self.taken.load(Ordering::Acquire)
    }
}
