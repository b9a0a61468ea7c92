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

use alloc::boxed::Box;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::cell::{Cell, RefCell, UnsafeCell};
use core::ptr;
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

/// One thread's cache of one pool's indices. Boxed, so that its address
/// stays put while the thread's list of magazines changes.
struct Magazine {
    id: u64,
    depot: Weak<Depot>,
    /// The cached indices; capacity `cache`, never exceeded, so pushing
    /// and popping never allocate.
    indices: UnsafeCell<Vec<u32>>,
    /// Set while a `CachedIndices` method works on `indices`: a re-entrant
    /// call (through the global allocator, say) then skips the magazine.
    busy: Cell<bool>,
}

/// A thread's magazines, one per pool it has used.
struct Magazines {
    // Boxed: `LAST` points at a magazine while the list grows.
    #[allow(clippy::vec_box)]
    list: Vec<Box<Magazine>>,
}

impl Drop for Magazines {
    fn drop(&mut self) {
        // Nothing may reach the magazines through `LAST` any more.
        LAST.set(Last::NONE);
        for magazine in self.list.drain(..) {
            if let Some(depot) = magazine.depot.upgrade() {
                depot.lock().free.extend(magazine.indices.into_inner());
            }
        }
    }
}

/// The magazine of the pool this thread used last: the fast path, a
/// plain thread-local read with no lazy initialisation and no destructor.
#[derive(Clone, Copy)]
struct Last {
    id: u64,
    magazine: *const Magazine,
}

impl Last {
    /// No pool: pool ids are below `u64::MAX`.
    const NONE: Last = Last {
        id: u64::MAX,
        magazine: ptr::null(),
    };
}

std::thread_local! {
    static MAGAZINES: RefCell<Magazines> = const { RefCell::new(Magazines { list: Vec::new() }) };
    static LAST: Cell<Last> = const { Cell::new(Last::NONE) };
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
    /// the thread is exiting, or the magazine is in use further up the
    /// stack.
    #[inline(always)]
    fn with_magazine<R>(&self, f: impl FnOnce(&mut Vec<u32>) -> R) -> Option<R> {
        let last = LAST.get();
        let magazine = if last.id == self.id {
            last.magazine
        } else {
            self.find_magazine()?
        };
        // SAFETY: `LAST` and `find_magazine` give only magazines of this
        // pool on this thread, boxed in the thread's list. A magazine
        // leaves the list only when its pool is dropped (its id is then
        // never matched again, as ids are not reused) or when the thread's
        // list is destroyed (which clears `LAST` first); `self` is borrowed,
        // so neither has happened.
        let magazine = unsafe { &*magazine };
        if magazine.busy.replace(true) {
            return None;
        }
        // SAFETY: the magazine is this thread's, and `busy` makes this the
        // only reference to its indices until it is cleared below.
        let result = f(unsafe { &mut *magazine.indices.get() });
        magazine.busy.set(false);
        Some(result)
    }

    /// This thread's magazine for this pool, made if need be, and
    /// remembered in `LAST`; `None` when caching is off or the thread's
    /// magazines are gone (the thread is exiting) or being changed.
    #[cold]
    fn find_magazine(&self) -> Option<*const Magazine> {
        if self.cache == 0 {
            return None;
        }
        MAGAZINES
            .try_with(|magazines| {
                let mut magazines = magazines.try_borrow_mut().ok()?;
                let list = &mut magazines.list;
                let found = list.iter().position(|m| m.id == self.id);
                let at = match found {
                    Some(at) => at,
                    None => {
                        // Forget the magazines of pools that are gone.
                        list.retain(|m| m.depot.strong_count() > 0);
                        list.push(Box::new(Magazine {
                            id: self.id,
                            depot: Arc::downgrade(&self.depot),
                            indices: UnsafeCell::new(Vec::with_capacity(self.cache)),
                            busy: Cell::new(false),
                        }));
                        list.len() - 1
                    }
                };
                let magazine: *const Magazine = &*list[at];
                LAST.set(Last {
                    id: self.id,
                    magazine,
                });
                Some(magazine)
            })
            .ok()
            .flatten()
    }

    /// An index no one holds, or `None` if all are held.
    #[inline]
    pub(crate) fn alloc(&self) -> Option<u32> {
        match self.with_magazine(Vec::pop) {
            Some(Some(index)) => Some(index),
            _ => self.alloc_slow(),
        }
    }

    /// `alloc` when the magazine is empty (or unavailable).
    #[cold]
    fn alloc_slow(&self) -> Option<u32> {
        let cached = self.with_magazine(|magazine| {
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
    #[inline]
    pub(crate) unsafe fn free(&self, index: u32) {
        let pushed = self.with_magazine(|magazine| {
            // Within the capacity reserved at creation: no allocation.
            let room = magazine.len() < self.cache;
            if room {
                magazine.push(index);
            }
            room
        });
        if pushed != Some(true) {
            self.free_slow(index);
        }
    }

    /// `free` when the magazine is full (or unavailable).
    #[cold]
    fn free_slow(&self, index: u32) {
        let cached = self.with_magazine(|magazine| {
            // Full: send the older half to the depot under one lock.
            let half = (self.cache / 2).max(1);
            self.depot.lock().free.extend(magazine.drain(..half));
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
        // they next make one, or when they exit. `LAST` may still name it,
        // but under an id no pool will have again.
        let _ = MAGAZINES.try_with(|magazines| {
            if let Ok(mut magazines) = magazines.try_borrow_mut() {
                magazines.list.retain(|m| m.id != self.id);
            }
        });
    }
}
