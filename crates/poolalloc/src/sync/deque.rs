//! [`GlobalDeque`]: a `static` byte queue shared by interrupt handlers (or
//! threads) and a main loop.
//!
//! Every operation takes the deque's lock for a few instructions, so any
//! number of producers and consumers may use it through `&self`, from a
//! `static`, with no `unsafe` and no `static mut`. Which lock decides where
//! it is sound to call:
//!
//! - [`CriticalSectionDeque`] (feature `critical-section`): each operation
//!   is a critical section, so an interrupt handler cannot preempt the main
//!   loop halfway through one. This is the one for interrupt handlers on a
//!   single-core microcontroller.
//! - [`SpinDeque`]: a spin lock, for threads or cores. Never use it from an
//!   interrupt handler: if the handler interrupts code holding the lock, it
//!   spins forever.
//!
//! For exactly one producer and one consumer without any lock, see
//! [`SpscQueue`](super::SpscQueue).
//!
//! # When full
//!
//! The deque never allocates: it holds at most `N` bytes. A push into a
//! full deque is refused: [`push`](GlobalDeque::push) returns the byte in
//! [`QueueFull`], [`push_slice`](GlobalDeque::push_slice) stores the bytes
//! that fit and reports how many. Each refused byte is counted in
//! [`dropped`](GlobalDeque::dropped), so a main loop can tell that it fell
//! behind. [`push_overwriting`](GlobalDeque::push_overwriting) is the other
//! policy: it keeps the newest bytes, dropping (and counting) the oldest.
//!
//! ```
//! use poolalloc::sync::SpinDeque;
//!
//! static UART_RX: SpinDeque<64> = SpinDeque::new();
//!
//! fn on_receive(byte: u8) {
//!     // An interrupt handler would use `CriticalSectionDeque`.
//!     let _ = UART_RX.push(byte);
//! }
//!
//! for b in *b"hi" {
//!     on_receive(b);
//! }
//! let mut line = [0u8; 8];
//! let n = UART_RX.pop_into(&mut line);
//! assert_eq!(&line[..n], b"hi");
//! assert_eq!(UART_RX.pop(), None);
//! ```

use super::ring::ByteRing;
use core::fmt;
use lock_api::{Mutex, RawMutex};

/// A push was refused because the queue held its capacity; the byte is
/// returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueFull(pub u8);

impl fmt::Display for QueueFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "queue full: byte {:#04x} refused", self.0)
    }
}

impl core::error::Error for QueueFull {}

/// A double-ended queue of at most `N` bytes behind a lock of type `R`;
/// `const`-constructible, for `static`s. See the [module
/// documentation](self).
pub struct GlobalDeque<R: RawMutex, const N: usize> {
    ring: Mutex<R, ByteRing<N>>,
}

/// [`GlobalDeque`] over a critical section: for interrupt handlers on a
/// single-core microcontroller.
#[cfg(feature = "critical-section")]
pub type CriticalSectionDeque<const N: usize> =
    GlobalDeque<super::critical::CriticalSectionRawMutex, N>;

/// [`GlobalDeque`] over a spin lock: for threads, not interrupt handlers.
pub type SpinDeque<const N: usize> = GlobalDeque<spin::mutex::SpinMutex<()>, N>;

impl<R: RawMutex, const N: usize> GlobalDeque<R, N> {
    /// An empty deque.
    pub const fn new() -> Self {
        GlobalDeque {
            ring: Mutex::const_new(R::INIT, ByteRing::new()),
        }
    }

    /// The most bytes the deque holds: `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Appends `byte` at the back.
    ///
    /// # Errors
    ///
    /// [`QueueFull`] with the byte when the deque holds `N` bytes; the
    /// byte is counted in [`dropped`](Self::dropped).
    pub fn push(&self, byte: u8) -> Result<(), QueueFull> {
        self.ring.lock().push_back(byte).map_err(QueueFull)
    }

    /// Inserts `byte` at the front, to be popped next.
    ///
    /// # Errors
    ///
    /// As [`push`](Self::push).
    pub fn push_front(&self, byte: u8) -> Result<(), QueueFull> {
        self.ring.lock().push_front(byte).map_err(QueueFull)
    }

    /// Appends `byte` at the back, dropping the oldest byte if the deque is
    /// full; returns the dropped byte (also counted in
    /// [`dropped`](Self::dropped)). With `N == 0`, `byte` itself is
    /// dropped and returned.
    pub fn push_overwriting(&self, byte: u8) -> Option<u8> {
        self.ring.lock().push_back_overwriting(byte)
    }

    /// Appends as many bytes of `bytes` as fit, in order, under one lock;
    /// returns how many. The rest are counted in
    /// [`dropped`](Self::dropped).
    pub fn push_slice(&self, bytes: &[u8]) -> usize {
        self.ring.lock().extend_back(bytes)
    }

    /// Removes and returns the front (oldest) byte.
    pub fn pop(&self) -> Option<u8> {
        self.ring.lock().pop_front()
    }

    /// Removes and returns the back (newest) byte.
    pub fn pop_back(&self) -> Option<u8> {
        self.ring.lock().pop_back()
    }

    /// Moves up to `buf.len()` bytes from the front into `buf`, under one
    /// lock; returns how many.
    pub fn pop_into(&self, buf: &mut [u8]) -> usize {
        self.ring.lock().drain_front(buf)
    }

    /// The number of bytes queued.
    pub fn len(&self) -> usize {
        self.ring.lock().len()
    }

    /// Whether no byte is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes refused (or, by [`push_overwriting`](Self::push_overwriting),
    /// overwritten) because the deque was full, since it was created;
    /// wraps around at `usize::MAX`.
    pub fn dropped(&self) -> usize {
        self.ring.lock().dropped()
    }

    /// Discards every queued byte. The [`dropped`](Self::dropped) count is
    /// kept.
    pub fn clear(&self) {
        self.ring.lock().clear();
    }
}

impl<R: RawMutex, const N: usize> Default for GlobalDeque<R, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: RawMutex, const N: usize> fmt::Debug for GlobalDeque<R, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ring = self.ring.lock();
        f.debug_struct("GlobalDeque")
            .field("len", &ring.len())
            .field("capacity", &N)
            .field("dropped", &ring.dropped())
            .finish()
    }
}

#[cfg(test)]
mod tests;
