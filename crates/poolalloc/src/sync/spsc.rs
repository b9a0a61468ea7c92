//! [`SpscQueue`]: a lock-free byte ring for exactly one producer and one
//! consumer, such as an interrupt handler and a main loop.
//!
//! The queue is split once into a [`Producer`] and a [`Consumer`]; only
//! the producer writes bytes and the back index, only the consumer reads
//! bytes and writes the front index. Neither ever waits for the other and
//! neither needs compare-and-swap on the hot path, only loads and stores,
//! which every target has (Cortex-M0 included). Being lock-free, it is
//! safe to push from an interrupt handler that preempts the consumer at any
//! instruction, and vice versa.
//!
//! [`split`](SpscQueue::split) works on a `static` (it succeeds once: a
//! second producer could not be ruled out otherwise);
//! [`split_mut`](SpscQueue::split_mut) works on a queue you own, as often
//! as you like, since the `&mut` borrow proves the last pair is gone.
//!
//! When full, a push is refused and the byte returned; refused bytes are
//! counted in [`Producer::dropped`].
//!
//! # Orderings
//!
//! The indices count bytes pushed (`tail`) and popped (`head`) modulo
//! `2 * N`, so that a full ring (`tail - head == N`) and an empty one
//! (`tail == head`) differ, and a byte lives at `index % N` with no
//! discontinuity when the counters wrap. The producer
//! writes the byte, then publishes it with a `Release` store of `tail`; the
//! consumer's `Acquire` load of `tail` makes the byte visible before it
//! reads it. Symmetrically the consumer's `Release` store of `head` after
//! reading a byte, paired with the producer's `Acquire` load of `head`,
//! keeps the producer from overwriting a byte still being read. Each index
//! has one writer, so its owner reads it `Relaxed`.
//!
//! ```
//! use poolalloc::sync::SpscQueue;
//!
//! static EVENTS: SpscQueue<16> = SpscQueue::new();
//!
//! let (mut tx, mut rx) = EVENTS.split().expect("first split");
//! assert!(EVENTS.split().is_none());
//! std::thread::scope(|s| {
//!     s.spawn(move || {
//!         for b in 0..100u8 {
//!             while tx.push(b).is_err() {
//!                 std::hint::spin_loop();
//!             }
//!         }
//!     });
//!     let mut expected = 0u8;
//!     while expected < 100 {
//!         if let Some(b) = rx.pop() {
//!             assert_eq!(b, expected);
//!             expected += 1;
//!         }
//!     }
//! });
//! ```

use super::atomic::{AtomicBool, AtomicUsize, Ordering};
use super::deque::QueueFull;
use core::fmt;

#[cfg(loom)]
use loom::cell::UnsafeCell;

/// `core`'s cell with `loom`'s access API, so the code below is the same
/// under the model checker.
#[cfg(not(loom))]
#[derive(Debug)]
struct UnsafeCell<T>(core::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    const fn new(value: T) -> Self {
        UnsafeCell(core::cell::UnsafeCell::new(value))
    }

    fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

/// A lock-free ring of at most `N` bytes for one producer and one consumer.
/// See the [module documentation](self).
pub struct SpscQueue<const N: usize> {
    bytes: [UnsafeCell<u8>; N],
    /// Bytes popped, modulo `2 * N`; written by the consumer only.
    head: AtomicUsize,
    /// Bytes pushed, modulo `2 * N`; written by the producer only.
    tail: AtomicUsize,
    /// Bytes refused because the ring was full; written by the producer
    /// only.
    dropped: AtomicUsize,
    /// Whether `split` has handed out the pair.
    split: AtomicBool,
}

// SAFETY: the bytes are the only unsynchronised state. Counting from
// `head` (modulo `2 * N`), the byte of index `i` is written only by the one
// `Producer`, while `tail <= i < head + N` (the consumer has released it),
// and read only by the one `Consumer`, while `head <= i < tail` (the
// producer has published it); the two ranges are
// disjoint, and the index stores and loads (see the module documentation)
// order each write before the matching read and each read before the next
// write to the same byte. `split` and `split_mut` make sure there is at
// most one of each handle.
unsafe impl<const N: usize> Sync for SpscQueue<N> {}

impl<const N: usize> SpscQueue<N> {
    const CAPACITY_IS_POSITIVE: () = assert!(
        N > 0 && N <= usize::MAX / 2,
        "an SpscQueue needs a capacity, below half the address space"
    );

    /// The index after `i`, modulo `2 * N`.
    fn next(i: usize) -> usize {
        if i + 1 == 2 * N { 0 } else { i + 1 }
    }

    /// How many bytes lie from index `head` to index `tail`.
    fn distance(head: usize, tail: usize) -> usize {
        if tail >= head {
            tail - head
        } else {
            tail + 2 * N - head
        }
    }

    /// The storage slot of index `i`.
    fn slot(i: usize) -> usize {
        if i >= N { i - N } else { i }
    }

    /// An empty queue.
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        let () = Self::CAPACITY_IS_POSITIVE;
        SpscQueue {
            bytes: [const { UnsafeCell::new(0) }; N],
            head: AtomicUsize::new(0),
            tail: AtomicUsize::new(0),
            dropped: AtomicUsize::new(0),
            split: AtomicBool::new(false),
        }
    }

    /// An empty queue (under `loom`, whose types are not `const`).
    #[cfg(loom)]
    pub fn new() -> Self {
        let () = Self::CAPACITY_IS_POSITIVE;
        SpscQueue {
            bytes: core::array::from_fn(|_| UnsafeCell::new(0)),
            head: AtomicUsize::new(0),
            tail: AtomicUsize::new(0),
            dropped: AtomicUsize::new(0),
            split: AtomicBool::new(false),
        }
    }

    /// The producer and the consumer, the first time it is called; `None`
    /// afterwards. For `static` queues.
    pub fn split(&self) -> Option<(Producer<'_, N>, Consumer<'_, N>)> {
        if self.split.swap(true, Ordering::AcqRel) {
            return None;
        }
        Some((Producer { queue: self }, Consumer { queue: self }))
    }

    /// The producer and the consumer of a queue borrowed exclusively: may
    /// be called again once the previous pair is gone. Queued bytes are
    /// kept.
    pub fn split_mut(&mut self) -> (Producer<'_, N>, Consumer<'_, N>) {
        let queue = &*self;
        (Producer { queue }, Consumer { queue })
    }

    /// The most bytes the queue holds: `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// The number of bytes queued. Exact when neither side is running;
    /// otherwise a value the queue held at some instant during the call.
    pub fn len(&self) -> usize {
        // The two loads are not one snapshot: the other side may move
        // between them, so clamp to what the ring can hold.
        let head = self.head.load(Ordering::Acquire);
        let tail = self.tail.load(Ordering::Acquire);
        Self::distance(head, tail).min(N)
    }

    /// Whether no byte is queued (with the caveat of [`len`](Self::len)).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<const N: usize> Default for SpscQueue<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> fmt::Debug for SpscQueue<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpscQueue")
            .field("len", &self.len())
            .field("capacity", &N)
            .field("dropped", &self.dropped.load(Ordering::Relaxed))
            .finish()
    }
}

/// The pushing half of an [`SpscQueue`]. `Send`, not `Clone`.
pub struct Producer<'q, const N: usize> {
    queue: &'q SpscQueue<N>,
}

impl<const N: usize> Producer<'_, N> {
    /// Appends `byte`.
    ///
    /// # Errors
    ///
    /// [`QueueFull`] with the byte when `N` bytes are queued; the byte is
    /// counted in [`dropped`](Self::dropped).
    pub fn push(&mut self, byte: u8) -> Result<(), QueueFull> {
        let q = self.queue;
        let tail = q.tail.load(Ordering::Relaxed);
        let head = q.head.load(Ordering::Acquire);
        if SpscQueue::<N>::distance(head, tail) == N {
            let dropped = q.dropped.load(Ordering::Relaxed);
            q.dropped.store(dropped.wrapping_add(1), Ordering::Relaxed);
            return Err(QueueFull(byte));
        }
        // SAFETY: `tail` is fewer than `N` bytes past `head`: the consumer
        // is done with this
        // byte (its `Release` store of `head`, read above with `Acquire`)
        // and will not read it before the `Release` store below; this is
        // the only producer.
        q.bytes[SpscQueue::<N>::slot(tail)].with_mut(|p| unsafe { p.write(byte) });
        q.tail.store(SpscQueue::<N>::next(tail), Ordering::Release);
        Ok(())
    }

    /// Appends as many bytes of `bytes` as fit, in order; returns how
    /// many. The rest are counted in [`dropped`](Self::dropped).
    pub fn push_slice(&mut self, bytes: &[u8]) -> usize {
        for (i, &b) in bytes.iter().enumerate() {
            if self.push(b).is_err() {
                let rest = bytes.len() - i - 1;
                let q = self.queue;
                let dropped = q.dropped.load(Ordering::Relaxed);
                q.dropped
                    .store(dropped.wrapping_add(rest), Ordering::Relaxed);
                return i;
            }
        }
        bytes.len()
    }

    /// Bytes refused because the queue was full, since it was created.
    pub fn dropped(&self) -> usize {
        self.queue.dropped.load(Ordering::Relaxed)
    }

    /// Free room: at least this many bytes can be pushed now.
    pub fn room(&self) -> usize {
        N - self.queue.len()
    }
}

impl<const N: usize> fmt::Debug for Producer<'_, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Producer").field(self.queue).finish()
    }
}

/// The popping half of an [`SpscQueue`]. `Send`, not `Clone`.
pub struct Consumer<'q, const N: usize> {
    queue: &'q SpscQueue<N>,
}

impl<const N: usize> Consumer<'_, N> {
    /// Removes and returns the oldest byte.
    pub fn pop(&mut self) -> Option<u8> {
        let q = self.queue;
        let head = q.head.load(Ordering::Relaxed);
        let tail = q.tail.load(Ordering::Acquire);
        if head == tail {
            return None;
        }
        // SAFETY: `head < tail`: the producer published this byte (its
        // `Release` store of `tail`, read above with `Acquire`) and will not
        // write it again before the `Release` store below; this is the
        // only consumer.
        let byte = q.bytes[SpscQueue::<N>::slot(head)].with(|p| unsafe { p.read() });
        q.head.store(SpscQueue::<N>::next(head), Ordering::Release);
        Some(byte)
    }

    /// Moves up to `buf.len()` of the oldest bytes into `buf`; returns how
    /// many.
    pub fn pop_into(&mut self, buf: &mut [u8]) -> usize {
        let mut n = 0;
        while n < buf.len() {
            match self.pop() {
                Some(b) => buf[n] = b,
                None => break,
            }
            n += 1;
        }
        n
    }

    /// The number of bytes that can be popped now (at least).
    pub fn available(&self) -> usize {
        self.queue.len()
    }
}

impl<const N: usize> fmt::Debug for Consumer<'_, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Consumer").field(self.queue).finish()
    }
}

#[cfg(test)]
mod tests;
