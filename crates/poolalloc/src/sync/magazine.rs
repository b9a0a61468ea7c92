//! [`CachedIndices`]: slot indices handed out through per-thread caches
//! (magazines) over a shared, locked depot.
//!
//! Each index in `0..capacity` is, at any moment, in exactly one place: the
//! depot (never used, or returned), one thread's magazine for this pool, or
//! with the caller that allocated it. A thread allocates from and frees
//! into its own magazine, which is a thread-local `Vec`: no lock, no atomic
//! read-modify-write, no cache line shared with another thread. Only when
//! its magazine is empty (on allocation) or full (on free) does a thread
//! lock the depot, and then it moves half a magazine at once, so the lock
//! is taken at most once per `cache / 2` operations.
//!
//! Bounds: a thread's magazine for a pool never holds more than `cache`
//! indices; when the thread exits, its magazines go back to their depots
//! (if their pools still exist). A freed index goes to the magazine of the
//! thread that frees it, whichever thread allocated it.

use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::cell::RefCell;
use core::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// Identifies a pool's depot for as long as the process runs: never
/// reused, so a magazine cannot be confused with one of a later pool at the
/// same address.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// The shared part: indices no thread holds.
struct Depot {
    state: Mutex<DepotState>,
}

struct DepotState {
    /// Returned indices.
    free: Vec<u32>,
    /// Indices `fresh..capacity` have never been handed out.
    fresh: u32,
    capacity: u32,
}

impl Depot {
    fn lock(&self) -> std::sync::MutexGuard<'_, DepotState> {
        // Nothing panics while the lock is held (short of an allocation
        // failure, which aborts), so a poisoned lock still guards
        // consistent state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl DepotState {
    /// Moves up to `n` indices into `into`; returns how many.
    fn take(&mut self, into: &mut Vec<u32>, n: usize) -> usize {
        let from_free = n.min(self.free.len());
        into.extend(self.free.drain(self.free.len() - from_free..));
        let from_fresh = (n - from_free).min((self.capacity - self.fresh) as usize);
        // `from_fresh <= capacity - fresh`, so this stays within `u32`.
        let end = self.fresh + from_fresh as u32;
        into.extend(self.fresh..end);
        self.fresh = end;
        from_free + from_fresh
    }

    fn available(&self) -> usize {
        self.free.len() + (self.capacity - self.fresh) as usize
    }
}

/// One thread's cache of one pool's indices.
struct Magazine {
    id: u64,
    depot: Weak<Depot>,
    indices: Vec<u32>,
}

/// A thread's magazines, one per pool it has used.
struct Magazines {
    list: Vec<Magazine>,
}

impl Drop for Magazines {
    fn drop(&mut self) {
        for magazine in self.list.drain(..) {
            if let Some(depot) = magazine.depot.upgrade() {
                depot.lock().free.extend(magazine.indices);
            }
        }
    }
}

std::thread_local! {
    static MAGAZINES: RefCell<Magazines> = const { RefCell::new(Magazines { list: Vec::new() }) };
}

/// Indices `0..capacity`, allocated and freed through per-thread
/// magazines of at most `cache` indices each. See the [module
/// documentation](self).
pub(crate) struct CachedIndices {
    /// The depot's id, copied here: reading it must not touch the depot's
    /// cache line, which other threads write when they lock it.
    id: u64,
    depot: Arc<Depot>,
    cache: usize,
}

impl CachedIndices {
    /// `capacity` indices, none handed out; each thread keeps at most
    /// `cache` of them (0: no caching, every operation locks the depot).
    pub(crate) fn new(capacity: u32, cache: usize) -> Self {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        CachedIndices {
            id,
            depot: Arc::new(Depot {
                state: Mutex::new(DepotState {
                    free: Vec::new(),
                    fresh: 0,
                    capacity,
                }),
            }),
            cache,
        }
    }

    /// The most indices one thread's magazine holds.
    pub(crate) fn cache(&self) -> usize {
        self.cache
    }

    /// Runs `f` on this thread's magazine for this pool (made on first
    /// use), or returns `None` if there is none to be had: caching is off,
    /// the thread is exiting, or the magazines are in use further up the
    /// stack.
    fn with_magazine<R>(&self, f: impl FnOnce(&mut Vec<u32>) -> R) -> Option<R> {
        if self.cache == 0 {
            return None;
        }
        MAGAZINES
            .try_with(|magazines| {
                let mut magazines = magazines.try_borrow_mut().ok()?;
                let list = &mut magazines.list;
                let at = match list.iter().position(|m| m.id == self.id) {
                    Some(at) => at,
                    None => {
                        // Forget the magazines of pools that are gone.
                        list.retain(|m| m.depot.strong_count() > 0);
                        list.push(Magazine {
                            id: self.id,
                            depot: Arc::downgrade(&self.depot),
                            indices: Vec::with_capacity(self.cache),
                        });
                        list.len() - 1
                    }
                };
                Some(f(&mut list[at].indices))
            })
            .ok()
            .flatten()
    }

    /// An index no one holds, or `None` if all are held.
    pub(crate) fn alloc(&self) -> Option<u32> {
        let cached = self.with_magazine(|magazine| {
            if let Some(index) = magazine.pop() {
                return Some(index);
            }
            // Refill half a magazine (at least one) under one lock.
            let want = (self.cache / 2).max(1);
            self.depot.lock().take(magazine, want);
            magazine.pop()
        });
        match cached {
            Some(result) => result,
            None => {
                let mut one = Vec::with_capacity(1);
                self.depot.lock().take(&mut one, 1);
                one.pop()
            }
        }
    }

    /// Gives `index` back.
    ///
    /// # Safety
    ///
    /// `index` was returned by [`alloc`](Self::alloc) of this value and has
    /// not been freed since.
    pub(crate) unsafe fn free(&self, index: u32) {
        let cached = self.with_magazine(|magazine| {
            if magazine.len() == self.cache {
                // Full: send the older half to the depot under one lock.
                let half = (self.cache / 2).max(1);
                self.depot.lock().free.extend(magazine.drain(..half));
            }
            magazine.push(index);
        });
        if cached.is_none() {
            self.depot.lock().free.push(index);
        }
    }

    /// Indices neither handed out nor cached by any thread: available to
    /// every thread. Locks the depot.
    pub(crate) fn in_depot(&self) -> usize {
        self.depot.lock().available()
    }

    /// Indices in the calling thread's magazine for this pool.
    pub(crate) fn cached_here(&self) -> usize {
        self.with_magazine(|magazine| magazine.len()).unwrap_or(0)
    }

    /// Sends the calling thread's cached indices back to the depot, so that
    /// other threads can have them.
    pub(crate) fn flush_here(&self) {
        self.with_magazine(|magazine| {
            self.depot.lock().free.append(magazine);
        });
    }
}

impl Drop for CachedIndices {
    fn drop(&mut self) {
        // Drop this thread's magazine now; other threads forget theirs when
        // they next make one, or when they exit.
        let _ = MAGAZINES.try_with(|magazines| {
            if let Ok(mut magazines) = magazines.try_borrow_mut() {
                magazines.list.retain(|m| m.id != self.id);
            }
        });
    }
}
