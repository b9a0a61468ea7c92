//! `loom` models of `LockFreePool`: every interleaving (up to the
//! preemption bound) of concurrent allocations and frees.
//!
//! Run with
//! `LOOM_MAX_PREEMPTIONS=3 RUSTFLAGS="--cfg loom" cargo test --release -p poolalloc --test loom_lock_free --target-dir target/loom`.
#![cfg(loom)]

use core::mem::MaybeUninit;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::thread;
use poolalloc::region::Region;
use poolalloc::sync::LockFreePool;

/// A pool of `blocks` 8-byte blocks over leaked memory (a loom model runs
/// its closure many times; each run leaks a few bytes).
fn pool(blocks: usize) -> LockFreePool<'static> {
    let bytes = LockFreePool::region_size_for(blocks, 8, 8).unwrap();
    let memory = Box::leak(vec![MaybeUninit::<u8>::uninit(); bytes].into_boxed_slice());
    let pool = LockFreePool::new(Region::new(memory), 8, 8).unwrap();
    assert_eq!(pool.capacity(), blocks);
    pool
}

/// Per-block ownership flags: taking a block that is already owned means
/// the pool handed it out twice.
struct Owners {
    flags: Vec<AtomicBool>,
    base: usize,
}

impl Owners {
    fn new(pool: &LockFreePool<'_>, first: usize) -> Self {
        Owners {
            flags: (0..pool.capacity())
                .map(|_| AtomicBool::new(false))
                .collect(),
            base: first,
        }
    }

    fn take(&self, block: core::ptr::NonNull<u8>) {
        let i = (block.as_ptr().addr() - self.base) / 8;
        assert!(
            !self.flags[i].swap(true, Ordering::Relaxed),
            "block {i} handed out twice"
        );
    }

    fn give_back(&self, block: core::ptr::NonNull<u8>) {
        let i = (block.as_ptr().addr() - self.base) / 8;
        self.flags[i].store(false, Ordering::Relaxed);
    }
}

/// Every block starts on the free stack (in address order), so the races
/// are on the stack rather than on the bump cursor.
fn prime(pool: &LockFreePool<'_>) -> usize {
    let blocks: Vec<_> = std::iter::from_fn(|| pool.alloc()).collect();
    let first = blocks[0].as_ptr().addr();
    for b in blocks.into_iter().rev() {
        pool.free(b).unwrap();
    }
    first
}

/// A block pointer moved to another thread.
#[derive(Clone, Copy)]
struct SendPtr(core::ptr::NonNull<u8>);

// SAFETY: the pointer is only passed back to the pool, which is `Sync`.
unsafe impl Send for SendPtr {}

impl SendPtr {
    fn get(self) -> core::ptr::NonNull<u8> {
        self.0
    }
}

fn builder(preemptions: usize) -> loom::model::Builder {
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = Some(preemptions);
    }
    b
}

/// The classic ABA schedule is among the interleavings explored: one
/// thread takes a block and gives it back while the other takes two, gives
/// the first back and takes again. A pop that swapped the head on a stale
/// view would hand out a block that is still held.
#[test]
fn two_threads_aba_schedule() {
    builder(3).check(|| {
        let pool = Arc::new(pool(3));
        let first = prime(&pool);
        let owners = Arc::new(Owners::new(&pool, first));
        let one = {
            let (pool, owners) = (pool.clone(), owners.clone());
            thread::spawn(move || {
                let a = pool.alloc().expect("three blocks, at most three held");
                owners.take(a);
                owners.give_back(a);
                pool.free(a).unwrap();
            })
        };
        let two = {
            let (pool, owners) = (pool.clone(), owners.clone());
            thread::spawn(move || {
                let x = pool.alloc().expect("three blocks, at most three held");
                owners.take(x);
                let y = pool.alloc().expect("three blocks, at most three held");
                owners.take(y);
                owners.give_back(x);
                pool.free(x).unwrap();
                let z = pool.alloc().expect("three blocks, at most three held");
                owners.take(z);
                for b in [y, z] {
                    owners.give_back(b);
                    pool.free(b).unwrap();
                }
            })
        };
        one.join().unwrap();
        two.join().unwrap();
        assert_eq!(pool.count_allocated(), 0);
        let all: Vec<_> = std::iter::from_fn(|| pool.alloc()).collect();
        assert_eq!(all.len(), 3);
        assert!(all[0] != all[1] && all[1] != all[2] && all[0] != all[2]);
    });
}

/// Three threads over two blocks: allocations may fail, but a block is
/// never held by two threads and none is lost.
#[test]
fn three_threads_two_blocks() {
    builder(2).check(|| {
        let pool = Arc::new(pool(2));
        let first = prime(&pool);
        let owners = Arc::new(Owners::new(&pool, first));
        let workers: Vec<_> = (0..3)
            .map(|_| {
                let (pool, owners) = (pool.clone(), owners.clone());
                thread::spawn(move || {
                    if let Some(a) = pool.alloc() {
                        owners.take(a);
                        owners.give_back(a);
                        pool.free(a).unwrap();
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        let a = pool.alloc().unwrap();
        let b = pool.alloc().unwrap();
        assert_ne!(a, b);
        assert_eq!(pool.alloc(), None);
    });
}

/// Two threads race to free the same block: exactly one wins, and the
/// block is on the stack once.
#[test]
fn racing_double_free() {
    builder(3).check(|| {
        let pool = Arc::new(pool(2));
        let block = pool.alloc().unwrap();
        let results: Vec<_> = (0..2)
            .map(|_| {
                let (pool, block) = (pool.clone(), SendPtr(block));
                thread::spawn(move || pool.free(block.get()).is_ok())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect();
        assert_eq!(results.iter().filter(|&&won| won).count(), 1);
        assert_eq!(pool.alloc(), Some(block));
        assert_ne!(pool.alloc(), Some(block));
    });
}
