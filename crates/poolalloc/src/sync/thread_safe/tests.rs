use super::*;
use crate::typed::MAX_ALIGNMENT;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::vec::Vec;

#[test]
fn the_builder_refuses_each_bad_option() {
    let err = |b: ThreadSafePoolBuilder<u64>| b.build().unwrap_err();
    let b = ThreadSafePool::<u64>::builder;
    assert_eq!(err(b().capacity(0)), ConfigError::ZeroCapacity);
    if let Some(too_many) = MAX_SLOTS.checked_add(1) {
        assert_eq!(
            err(b().capacity(too_many)),
            ConfigError::CapacityTooLarge {
                requested: too_many
            }
        );
    }
    // Slots that cannot fit in the address space.
    #[cfg(target_pointer_width = "64")]
    assert_eq!(
        ThreadSafePool::<[u8; 1 << 32]>::builder()
            .capacity(MAX_SLOTS)
            .build()
            .unwrap_err(),
        ConfigError::CapacityTooLarge {
            requested: MAX_SLOTS
        }
    );
    // Slots that fit the address space but not the heap (Miri stops the
    // program rather than fail the allocation).
    #[cfg(all(target_pointer_width = "64", not(miri)))]
    assert_eq!(
        err(b().capacity(MAX_SLOTS).alignment(MAX_ALIGNMENT)),
        ConfigError::OutOfMemory
    );
    for alignment in [0, 3, MAX_ALIGNMENT * 2] {
        assert_eq!(
            err(b().alignment(alignment)),
            ConfigError::BadAlignment { alignment }
        );
    }
    assert_eq!(
        err(b().cache(MAX_CACHE + 1)),
        ConfigError::CacheTooLarge {
            cache: MAX_CACHE + 1
        }
    );
    let pool = b()
        .capacity(3)
        .cache(MAX_CACHE)
        .alignment(1)
        .build()
        .unwrap();
    assert_eq!((pool.capacity(), pool.cache()), (3, MAX_CACHE));
}

#[test]
fn a_full_pool_returns_the_value() {
    let pool = ThreadSafePool::builder()
        .capacity(4)
        .cache(2)
        .alignment(64)
        .build()
        .unwrap();
    let handles: Vec<_> = (0..4u32).map(|i| pool.try_alloc(i).ok().unwrap()).collect();
    let mut addrs: Vec<usize> = handles
        .iter()
        .map(|h| (&**h as *const u32).addr())
        .collect();
    assert!(addrs.iter().all(|a| a % 64 == 0));
    addrs.sort_unstable();
    addrs.dedup();
    assert_eq!(addrs.len(), 4);
    assert_eq!(pool.try_alloc(99).err().unwrap().into_inner(), 99);
    assert_eq!(
        handles.iter().map(|h| **h).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    drop(handles);
    // The cache holds at most 2; the rest went back to the depot.
    assert_eq!(pool.cached_here(), 2);
    assert_eq!(pool.available_in_depot(), 2);
    pool.flush_local_cache();
    assert_eq!((pool.cached_here(), pool.available_in_depot()), (0, 4));
}

#[test]
fn without_a_cache_every_slot_goes_through_the_depot() {
    let pool = ThreadSafePool::builder()
        .capacity(2)
        .cache(0)
        .build()
        .unwrap();
    let a = pool.try_alloc(1u8).ok().unwrap();
    assert_eq!(pool.available_in_depot(), 1);
    drop(a);
    assert_eq!((pool.cached_here(), pool.available_in_depot()), (0, 2));
}

/// Counts drops; `Poolable` hooks that panic on request.
struct Tracked {
    drops: Arc<AtomicUsize>,
    panic_on_acquire: bool,
    panic_on_release: bool,
    value: u64,
}

impl Poolable for Tracked {
    fn on_acquire(&mut self) {
        assert!(!self.panic_on_acquire, "on_acquire");
    }
    fn on_release(&mut self) {
        assert!(!self.panic_on_release, "on_release");
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::Relaxed);
    }
}

fn tracked(drops: &Arc<AtomicUsize>, acquire: bool, release: bool) -> Tracked {
    Tracked {
        drops: Arc::clone(drops),
        panic_on_acquire: acquire,
        panic_on_release: release,
        value: 7,
    }
}

#[test]
fn values_are_dropped_exactly_once_even_when_hooks_panic() {
    let pool = ThreadSafePool::builder()
        .capacity(1)
        .cache(1)
        .build()
        .unwrap();
    let drops = Arc::new(AtomicUsize::new(0));

    drop(pool.try_alloc(tracked(&drops, false, false)).ok().unwrap());
    assert_eq!(drops.load(Ordering::Relaxed), 1);

    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pool.try_alloc(tracked(&drops, true, false)).ok();
    }));
    assert!(r.is_err());
    assert_eq!(drops.load(Ordering::Relaxed), 2);

    let h = pool.try_alloc(tracked(&drops, false, true)).ok().unwrap();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(h)));
    assert!(r.is_err());
    assert_eq!(drops.load(Ordering::Relaxed), 3);

    // The one slot was freed each time.
    let h = pool.try_alloc(tracked(&drops, false, false)).ok().unwrap();
    let inner = h.into_inner();
    assert_eq!(inner.value, 7);
    assert_eq!(drops.load(Ordering::Relaxed), 3);
    drop(inner);
    assert_eq!(drops.load(Ordering::Relaxed), 4);
    assert!(pool.try_alloc(tracked(&drops, false, false)).is_ok());
}

#[test]
fn zero_sized_values() {
    let pool = ThreadSafePool::<()>::builder()
        .capacity(3)
        .alignment(16)
        .build()
        .unwrap();
    let hs: Vec<_> = (0..3).map(|_| pool.try_alloc(()).ok().unwrap()).collect();
    assert!(pool.try_alloc(()).is_err());
    let mut indices: Vec<u32> = hs.iter().map(SyncOwned::index).collect();
    indices.sort_unstable();
    assert_eq!(indices, [0, 1, 2]);
}

#[test]
fn a_slot_freed_on_another_thread_returns_when_that_thread_exits() {
    let pool = ThreadSafePool::builder()
        .capacity(8)
        .cache(4)
        .build()
        .unwrap();
    let handles: Vec<_> = (0..8u64).map(|i| pool.try_alloc(i).ok().unwrap()).collect();
    assert!(pool.try_alloc(8).is_err());
    std::thread::scope(|s| {
        // `join` waits for the thread's thread-local destructors too.
        s.spawn(|| {
            let sum: u64 = handles.iter().map(|h| **h).sum();
            assert_eq!(sum, 28);
            drop(handles);
            // This thread's cache kept 4; the rest went to the depot.
            assert_eq!(pool.cached_here(), 4);
            assert_eq!(pool.available_in_depot(), 4);
        })
        .join()
        .unwrap();
    });
    // The thread exited: its cache went back.
    assert_eq!(pool.available_in_depot(), 8);
    let again: Vec<_> = (0..8u64).map(|i| pool.try_alloc(i).ok().unwrap()).collect();
    assert_eq!(again.len(), 8);
}

#[test]
fn a_thread_may_outlive_the_pool_it_cached() {
    let pool = Arc::new(
        ThreadSafePool::builder()
            .capacity(4)
            .cache(4)
            .build()
            .unwrap(),
    );
    let (used_send, used) = mpsc::channel();
    let (dropped, dropped_receive) = mpsc::channel::<()>();
    let worker = {
        let pool = Arc::clone(&pool);
        std::thread::spawn(move || {
            drop(pool.try_alloc(1u32).ok().unwrap());
            // One refill of half the cache, one slot back.
            let cached = pool.cached_here();
            drop(pool);
            used_send.send(()).unwrap();
            // Wait for the pool to be gone, then exit with the cache full.
            let _ = dropped_receive.recv();
            cached
        })
    };
    used.recv().unwrap();
    assert_eq!(Arc::strong_count(&pool), 1);
    drop(pool);
    drop(dropped);
    assert_eq!(worker.join().unwrap(), 2);
}

#[test]
fn threads_never_share_a_slot() {
    const THREADS: usize = 3;
    let rounds = if cfg!(miri) { 40 } else { 20_000 };
    let pool = ThreadSafePool::builder()
        .capacity(16)
        .cache(4)
        .build()
        .unwrap();
    let owned: Vec<AtomicBool> = (0..16).map(|_| AtomicBool::new(false)).collect();
    let (send, receive) = mpsc::channel::<SyncOwned<'_, [u64; 2]>>();
    std::thread::scope(|s| {
        let mut workers = Vec::new();
        for t in 0..THREADS as u64 {
            let (pool, owned, send) = (&pool, &owned, send.clone());
            workers.push(s.spawn(move || {
                let mut mine = Vec::new();
                for i in 0..rounds {
                    if let Ok(h) = pool.try_alloc([t, i]) {
                        let was = owned[h.index() as usize].swap(true, Ordering::AcqRel);
                        assert!(!was, "slot {} handed out twice", h.index());
                        mine.push(h);
                    }
                    if mine.len() > 3 || (i % 3 == 0 && !mine.is_empty()) {
                        let h = mine.swap_remove(0);
                        assert_eq!(h[0], t);
                        owned[h.index() as usize].store(false, Ordering::Release);
                        if i % 5 == 0 {
                            // Freed on the receiving thread instead.
                            send.send(h).unwrap();
                        } else {
                            drop(h);
                        }
                    }
                }
                for h in mine {
                    owned[h.index() as usize].store(false, Ordering::Release);
                    drop(h);
                }
            }));
        }
        drop(send);
        for h in receive {
            assert!(h[0] < THREADS as u64);
            drop(h);
        }
        // `join` waits for the thread-local destructors that return the
        // workers' caches.
        for w in workers {
            w.join().unwrap();
        }
    });
    // Every thread exited; every slot is back.
    assert_eq!(pool.cached_here() + pool.available_in_depot(), 16);
}
