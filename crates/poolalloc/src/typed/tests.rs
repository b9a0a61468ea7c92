use super::*;
use crate::index::{Bitmap, FreeList, Stack, Strategy};
use std::boxed::Box;
use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::string::String;
use std::vec;
use std::vec::Vec;

/// A value that records its drops by id in a shared log.
struct Tracked {
    id: u32,
    log: Rc<RefCell<Vec<u32>>>,
    panic_on_drop: bool,
}

impl Tracked {
    fn new(id: u32, log: &Rc<RefCell<Vec<u32>>>) -> Self {
        Tracked {
            id,
            log: log.clone(),
            panic_on_drop: false,
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.log.borrow_mut().push(self.id);
        if self.panic_on_drop {
            panic!("drop {}", self.id);
        }
    }
}

impl Poolable for Tracked {}

fn sorted(log: &Rc<RefCell<Vec<u32>>>) -> Vec<u32> {
    let mut v = log.borrow().clone();
    v.sort_unstable();
    v
}

fn config(capacity: usize) -> PoolConfigBuilder<u64> {
    PoolConfig::builder().capacity(capacity)
}

#[test]
fn config_rejects_each_bad_parameter() {
    let err = |b: PoolConfigBuilder<u64>| b.build().unwrap_err();
    assert_eq!(err(config(0)), ConfigError::ZeroCapacity);
    // On 32-bit targets every `usize` is at most `MAX_SLOTS`.
    if let Some(too_many) = MAX_SLOTS.checked_add(1) {
        assert_eq!(
            err(config(too_many)),
            ConfigError::CapacityTooLarge {
                requested: too_many
            }
        );
        assert_eq!(
            err(config(10).max_capacity(Some(too_many))),
            ConfigError::CapacityTooLarge {
                requested: too_many
            }
        );
    }
    assert_eq!(
        err(config(10).max_capacity(Some(9))),
        ConfigError::MaxBelowCapacity {
            capacity: 10,
            max_capacity: 9
        }
    );
    for alignment in [0, 3, 48, MAX_ALIGNMENT * 2] {
        assert_eq!(
            err(config(1).alignment(alignment)),
            ConfigError::BadAlignment { alignment }
        );
    }
    assert_eq!(
        err(config(1).growth_strategy(GrowthStrategy::Linear(0))),
        ConfigError::ZeroGrowth
    );
    for factor in [1.0, 0.5, -2.0, f64::INFINITY] {
        assert_eq!(
            err(config(1).growth_strategy(GrowthStrategy::Exponential(factor))),
            ConfigError::BadGrowthFactor { factor }
        );
    }
    assert!(matches!(
        err(config(1).growth_strategy(GrowthStrategy::Exponential(f64::NAN))),
        ConfigError::BadGrowthFactor { factor } if factor.is_nan()
    ));
    assert_eq!(
        err(config(1).pre_initialize(true)),
        ConfigError::PreInitializeWithoutInitializer
    );
    let ok = config(5)
        .max_capacity(Some(5))
        .alignment(MAX_ALIGNMENT)
        .build()
        .unwrap();
    assert_eq!(
        (ok.capacity(), ok.max_capacity(), ok.alignment()),
        (5, Some(5), MAX_ALIGNMENT)
    );
    assert_eq!(
        std::format!("{}", ConfigError::ZeroCapacity),
        "the capacity must be at least 1"
    );
}

#[test]
fn fixed_pool_refuses_a_larger_maximum() {
    let c = config(4).max_capacity(Some(8)).build().unwrap();
    assert_eq!(
        FixedPool::<u64>::with_config(c).unwrap_err(),
        ConfigError::FixedPoolCannotGrow {
            capacity: 4,
            max_capacity: 8
        }
    );
}

/// `MAX_SLOTS` slots of 2 GiB overflow `isize::MAX`: refused before any
/// allocation, for a fixed pool at creation and for a growing pool whose
/// explicit maximum cannot be laid out; a growing pool with no maximum
/// stops at what can.
#[cfg(target_pointer_width = "64")]
#[test]
fn layouts_past_the_address_space_are_refused() {
    type Huge = [u8; 1 << 31];
    let big = PoolConfig::<Huge>::builder()
        .capacity(MAX_SLOTS)
        .build()
        .unwrap();
    assert_eq!(
        FixedPool::<Huge>::with_config(big).unwrap_err(),
        ConfigError::CapacityTooLarge {
            requested: MAX_SLOTS
        }
    );
    // An explicit maximum that cannot be laid out is refused up front.
    let big = PoolConfig::<Huge>::builder()
        .capacity(1)
        .max_capacity(Some(MAX_SLOTS))
        .build()
        .unwrap();
    assert_eq!(
        GrowingPool::<Huge>::with_config(big).unwrap_err(),
        ConfigError::CapacityTooLarge {
            requested: MAX_SLOTS
        }
    );
    // With no maximum, a growing pool stops where the address space does.
    // (Its first chunk is 2 GiB, which Miri would not lend.)
    #[cfg(not(miri))]
    {
        let small = PoolConfig::<Huge>::builder().capacity(1).build().unwrap();
        let pool = GrowingPool::<Huge>::with_config(small).unwrap();
        assert!(pool.max_capacity() < MAX_SLOTS);
        assert!(pool.max_capacity() >= isize::MAX as usize / (1 << 32));
    }
}

#[test]
fn alignment_is_honoured() {
    for alignment in [1, 8, 64, 256, 4096] {
        let c = PoolConfig::<u8>::builder()
            .capacity(5)
            .alignment(alignment)
            .build()
            .unwrap();
        let pool = FixedPool::<u8>::with_config(c).unwrap();
        let handles: Vec<_> = (0..5).map(|i| pool.try_alloc(i).unwrap()).collect();
        for h in &handles {
            assert_eq!((&**h as *const u8).addr() % alignment, 0);
        }
        assert_eq!(pool.stride() % alignment, 0);
        let c = PoolConfig::<u8>::builder()
            .capacity(1)
            .alignment(alignment)
            .build()
            .unwrap();
        let growing = GrowingPool::<u8>::with_config(c).unwrap();
        let handles: Vec<_> = (0..5).map(|i| growing.try_alloc(i).unwrap()).collect();
        for h in &handles {
            assert_eq!((&**h as *const u8).addr() % alignment, 0);
        }
    }
}

#[test]
fn try_alloc_hands_the_value_back_when_full() {
    let pool = FixedPool::new(2).unwrap();
    let a = pool.try_alloc(String::from("a")).unwrap();
    let b = pool.try_alloc(String::from("b")).unwrap();
    let err = pool.try_alloc(String::from("c")).unwrap_err();
    assert_eq!(std::format!("{err} {err:?}"), "the pool is full Full(..)");
    assert_eq!(err.into_inner(), "c");
    assert_eq!(
        pool.try_alloc_shared(String::from("d"))
            .unwrap_err()
            .into_inner(),
        "d"
    );
    assert_eq!(
        pool.try_insert(String::from("e")).unwrap_err().into_inner(),
        "e"
    );
    assert_eq!((a.as_str(), b.as_str()), ("a", "b"));
    let s = pool.stats();
    assert_eq!(
        (
            s.capacity,
            s.in_use,
            s.allocations,
            s.frees,
            s.failed_allocations
        ),
        (2, 2, 2, 0, 3)
    );
    drop(a);
    assert_eq!(*pool.try_alloc(String::from("f")).unwrap(), "f");
    assert_eq!(pool.stats().frees, 2);
}

#[test]
fn owned_handles_read_write_and_return_their_slot() {
    let pool = FixedPool::new(3).unwrap();
    let mut a = pool.try_alloc(vec![1, 2]).unwrap();
    a.push(3);
    assert_eq!(*a, [1, 2, 3]);
    assert_eq!(std::format!("{a:?}"), "Owned([1, 2, 3])");
    let index = a.index();
    drop(a);
    assert!(pool.is_empty());
    // LIFO: the slot is reused at once.
    assert_eq!(pool.try_alloc(vec![]).unwrap().index(), index);
    assert_eq!(pool.stats().high_water, 1);
}

#[test]
fn shared_and_weak_follow_the_value() {
    let pool = FixedPool::new(1).unwrap();
    let a = pool.try_alloc(5u32).unwrap().into_shared();
    let b = a.clone();
    let w = b.downgrade();
    let w2 = w.clone();
    assert_eq!((a.strong_count(), *w.upgrade().unwrap()), (2, 5));
    assert_eq!(a.strong_count(), 2);
    drop(a);
    assert_eq!(pool.len(), 1);
    drop(b);
    assert_eq!(pool.len(), 0);
    assert!(w.upgrade().is_none());
    // The slot now holds another value: the weak handles stay dead.
    let c = pool.try_alloc_shared(6).unwrap();
    assert_eq!(c.index(), 0);
    assert!(w2.upgrade().is_none());
    assert_eq!(c.strong_count(), 1);
    let _ = std::format!("{w:?} {c:?}");
}

#[test]
fn keys_refuse_stale_foreign_forged_and_handle_held_slots() {
    let mut pool = FixedPool::new(2).unwrap();
    let other = FixedPool::new(2).unwrap();
    let k = pool.try_insert(10u32).unwrap();
    assert_eq!(::core::mem::size_of::<Key>(), 8);
    assert_eq!(::core::mem::size_of::<Option<Key>>(), 8);
    assert_eq!(pool.get(k), Some(&10));
    *pool.get_mut(k).unwrap() += 1;
    assert!(pool.contains_key(k));
    // A key of another pool, same index and first occupancy.
    let foreign = other.try_insert(99u32).unwrap();
    assert_eq!(foreign.index(), k.index());
    assert_ne!(foreign, k);
    assert_eq!(pool.get(foreign), None);
    assert_eq!(other.get(k), None);
    // Out of range.
    let far = Key::from_bits(k.to_bits() | 7).unwrap();
    assert_eq!(far.index(), 7);
    assert_eq!(pool.get(far), None);
    // Even generations are not keys.
    assert_eq!(Key::from_bits(k.to_bits() + (1 << 32)), None);
    assert_eq!(Key::from_bits(u64::from(k.index())), None);
    assert_eq!(pool.remove(k), Some(11));
    assert_eq!(pool.remove(k), None);
    assert_eq!(pool.get(k), None);
    assert_eq!(pool.get_mut(k), None);
    // The slot, reused by an `Owned` handle, is out of reach of a key
    // forged for its current generation.
    let owned = pool.try_alloc(20).unwrap();
    assert_eq!(owned.index(), k.index());
    let forged = Key::from_bits(k.to_bits() + (2 << 32)).unwrap();
    assert_eq!(pool.get(forged), None);
    assert!(!pool.contains_key(forged));
    drop(owned);
    let shared = pool.try_alloc_shared(21).unwrap();
    let forged = Key::from_bits(k.to_bits() + (4 << 32)).unwrap();
    assert_eq!(pool.get(forged), None);
    drop(shared);
    // The next keyed occupancy is exactly the next generation.
    let k2 = pool.try_insert(30).unwrap();
    assert_eq!(k2.generation().get(), k.generation().get().wrapping_add(6));
    assert_eq!(pool.get(k2), Some(&30));
    assert_eq!(
        std::format!("{:?}", Key::from_bits((3 << 32) | 4).unwrap()),
        "Key(4v3)"
    );
}

#[test]
fn a_slot_retires_at_the_end_of_its_generations() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut pool = FixedPool::new(2).unwrap();
    pool.set_stamp(0, u32::MAX - 1);
    let k = pool.try_insert(Tracked::new(1, &log)).unwrap();
    assert_eq!(k.index(), 0);
    assert_eq!(pool.remove(k).map(|t| t.id), Some(1));
    assert_eq!((pool.capacity(), pool.stats().capacity), (1, 1));
    assert!(pool.get(k).is_none());
    let a = pool.try_alloc(Tracked::new(2, &log)).unwrap();
    assert_eq!(a.index(), 1);
    match pool.try_alloc(Tracked::new(3, &log)) {
        Err(Full(t)) => assert_eq!(t.id, 3),
        Ok(_) => panic!("the pool has one usable slot"),
    }
    drop(a);
    assert_eq!(sorted(&log), [1, 2, 3]);

    // A kept value in a retiring slot is dropped.
    let log = Rc::new(RefCell::new(Vec::new()));
    let l2 = log.clone();
    let c = PoolConfig::builder()
        .capacity(1)
        .initializer(move || Tracked::new(7, &l2))
        .reset(|_| {})
        .build()
        .unwrap();
    let pool = GrowingPool::<Tracked>::with_config(c).unwrap();
    pool.set_stamp(0, u32::MAX - 1);
    drop(pool.acquire().unwrap());
    assert_eq!(sorted(&log), [7]);
    assert_eq!(pool.capacity(), 0);
    // The growing pool adds a slot instead.
    assert_eq!(pool.acquire().unwrap().index(), 1);
}

#[test]
fn acquire_uses_kept_values_then_the_initializer() {
    let built = Rc::new(Cell::new(0));
    let b = built.clone();
    let c = PoolConfig::builder()
        .capacity(2)
        .initializer(move || {
            b.set(b.get() + 1);
            Vec::<u8>::with_capacity(64)
        })
        .reset(|v: &mut Vec<u8>| v.clear())
        .build()
        .unwrap();
    let pool = FixedPool::with_config(c).unwrap();
    let mut a = pool.acquire().unwrap();
    a.extend_from_slice(b"abc");
    let ptr = a.as_ptr();
    drop(a);
    let a = pool.acquire().unwrap();
    assert_eq!((a.len(), a.capacity(), a.as_ptr()), (0, 64, ptr));
    assert_eq!(built.get(), 1);
    let _b = pool.acquire().unwrap();
    assert_eq!(built.get(), 2);
    assert_eq!(pool.acquire().unwrap_err(), AcquireError::Full);
    assert_eq!(
        FixedPool::<u8>::new(1).unwrap().acquire().unwrap_err(),
        AcquireError::NoInitializer
    );
}

#[test]
fn pre_initialize_fills_every_slot_up_front() {
    let built = Rc::new(Cell::new(0));
    let b = built.clone();
    let c = PoolConfig::builder()
        .capacity(3)
        .growth_strategy(GrowthStrategy::Linear(2))
        .initializer(move || {
            b.set(b.get() + 1);
            b.get()
        })
        .pre_initialize(true)
        .build()
        .unwrap();
    let pool = GrowingPool::<u32>::with_config(c).unwrap();
    assert_eq!(built.get(), 3);
    let handles: Vec<_> = (0..3).map(|_| pool.acquire().unwrap()).collect();
    assert_eq!(built.get(), 3);
    let mut got: Vec<u32> = handles.iter().map(|h| **h).collect();
    got.sort_unstable();
    assert_eq!(got, [1, 2, 3]);
    // Growth pre-fills the new chunk.
    let d = pool.acquire().unwrap();
    assert_eq!((built.get(), pool.capacity()), (5, 5));
    assert!(*d == 4 || *d == 5);
    // `try_alloc` replaces a kept value.
    let e = pool.try_alloc(100).unwrap();
    assert_eq!(*e, 100);
}

#[test]
fn growth_follows_the_strategy_and_stops_exactly_at_the_maximum() {
    fn capacities(growth: GrowthStrategy, initial: usize, max: usize) -> Vec<usize> {
        let c = PoolConfig::builder()
            .capacity(initial)
            .max_capacity(Some(max))
            .growth_strategy(growth)
            .build()
            .unwrap();
        let pool = GrowingPool::<u16>::with_config(c).unwrap();
        let mut seen = vec![pool.capacity()];
        let mut keys = Vec::new();
        while let Ok(k) = pool.try_insert(1) {
            keys.push(k);
            if *seen.last().unwrap() != pool.capacity() {
                seen.push(pool.capacity());
            }
        }
        assert_eq!(keys.len(), max);
        assert_eq!(pool.stats().growth_events as usize, seen.len() - 1);
        assert_eq!(pool.stats().failed_allocations, 1);
        seen
    }
    assert_eq!(capacities(GrowthStrategy::Linear(3), 2, 10), [2, 5, 8, 10]);
    assert_eq!(
        capacities(GrowthStrategy::Exponential(2.0), 3, 20),
        [3, 6, 12, 20]
    );
    assert_eq!(
        capacities(GrowthStrategy::Exponential(1.1), 2, 5),
        [2, 3, 4, 5]
    );
    assert_eq!(
        capacities(GrowthStrategy::Custom(|c| c * 3), 1, 30),
        [1, 4, 16, 30]
    );
    // A custom strategy that declines to grow.
    let c = PoolConfig::builder()
        .capacity(1)
        .growth_strategy(GrowthStrategy::Custom(|_| 0))
        .build()
        .unwrap();
    let pool = GrowingPool::<u8>::with_config(c).unwrap();
    let _a = pool.try_alloc(1).unwrap();
    assert_eq!(pool.try_alloc(2).unwrap_err().into_inner(), 2);
    assert_eq!(pool.stats().growth_events, 0);
    assert_eq!(GrowthStrategy::default().additional(10), 10);
    assert_eq!(GrowthStrategy::Exponential(1.5).additional(0), 1);
}

#[test]
fn growth_never_moves_a_live_value() {
    let pool = GrowingPool::new(1).unwrap();
    let handles: Vec<_> = (0..100u32).map(|i| pool.try_alloc(i).unwrap()).collect();
    let addrs: Vec<usize> = handles
        .iter()
        .map(|h| (&**h as *const u32).addr())
        .collect();
    let more: Vec<_> = (0..1000u32).map(|i| pool.try_alloc(i).unwrap()).collect();
    for (i, h) in handles.iter().enumerate() {
        assert_eq!(**h, i as u32);
        assert_eq!((&**h as *const u32).addr(), addrs[i]);
    }
    assert_eq!(pool.len(), 1100);
    // No maximum: every slot index, where the address space holds them.
    if cfg!(target_pointer_width = "64") {
        assert_eq!(pool.max_capacity(), MAX_SLOTS);
    } else {
        assert!((1100..MAX_SLOTS).contains(&pool.max_capacity()));
    }
    drop(more);
}

fn every_strategy_works<S: Strategy>() {
    let c = config(70).build().unwrap();
    let mut pool = FixedPool::<u64, S>::with_strategy(c).unwrap();
    let keys: Vec<Key> = (0..70).map(|i| pool.try_insert(i).unwrap()).collect();
    assert!(pool.try_insert(70).is_err());
    for (i, k) in keys.iter().enumerate().step_by(3) {
        assert_eq!(pool.remove(*k), Some(i as u64));
    }
    for (i, k) in keys.iter().enumerate() {
        assert_eq!(pool.get(*k).copied(), (i % 3 != 0).then_some(i as u64));
    }
    let again: Vec<Key> = (0..24)
        .map(|i| pool.try_insert(1000 + i).unwrap())
        .collect();
    assert!(pool.try_insert(0).is_err());
    for (i, k) in again.iter().enumerate() {
        assert_eq!(pool.get(*k), Some(&(1000 + i as u64)));
    }
    let c = config(2)
        .growth_strategy(GrowthStrategy::Linear(5))
        .build()
        .unwrap();
    let pool = GrowingPool::<u64, S>::with_strategy(c).unwrap();
    let hs: Vec<_> = (0..30).map(|i| pool.try_alloc(i).unwrap()).collect();
    assert_eq!(hs.iter().map(|h| **h).sum::<u64>(), 435);
}

#[test]
fn every_strategy_serves_both_pools() {
    every_strategy_works::<Stack>();
    every_strategy_works::<FreeList>();
    every_strategy_works::<Bitmap>();
}

#[test]
fn dropping_a_pool_drops_each_remaining_value_once() {
    let log = Rc::new(RefCell::new(Vec::new()));
    {
        let l = log.clone();
        let c = PoolConfig::builder()
            .capacity(8)
            .initializer(move || Tracked::new(100, &l))
            .reset(|_| {})
            .build()
            .unwrap();
        let pool = FixedPool::with_config(c).unwrap();
        let _k1 = pool.try_insert(Tracked::new(1, &log)).unwrap();
        let _k2 = pool.try_insert(Tracked::new(2, &log)).unwrap();
        ::core::mem::forget(pool.try_alloc(Tracked::new(3, &log)).unwrap());
        ::core::mem::forget(pool.try_alloc_shared(Tracked::new(4, &log)).unwrap());
        drop(pool.try_alloc(Tracked::new(5, &log)).unwrap()); // Kept: reset.
        drop(pool.acquire().unwrap()); // Reuses 5.
        assert_eq!(sorted(&log), [] as [u32; 0]);
    }
    assert_eq!(sorted(&log), [1, 2, 3, 4, 5]);

    let log = Rc::new(RefCell::new(Vec::new()));
    {
        let pool = GrowingPool::new(1).unwrap();
        let mut keys = Vec::new();
        for i in 0..20 {
            keys.push(pool.try_insert(Tracked::new(i, &log)).unwrap());
        }
        let h = pool.try_alloc(Tracked::new(20, &log)).unwrap();
        drop(h);
        assert_eq!(sorted(&log), [20]);
    }
    assert_eq!(sorted(&log), (0..=20).collect::<Vec<_>>());
}

#[test]
fn a_panicking_initializer_leaks_nothing() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    let calls = Rc::new(Cell::new(0));
    let c2 = calls.clone();
    let c = PoolConfig::builder()
        .capacity(4)
        .initializer(move || {
            c2.set(c2.get() + 1);
            if c2.get() == 3 {
                panic!("initializer");
            }
            Tracked::new(c2.get(), &l)
        })
        .pre_initialize(true)
        .build()
        .unwrap();
    let result = catch_unwind(AssertUnwindSafe(|| FixedPool::<Tracked>::with_config(c)));
    assert!(result.is_err());
    assert_eq!(sorted(&log), [1, 2]);

    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    let fail = Rc::new(Cell::new(false));
    let f = fail.clone();
    let c = PoolConfig::builder()
        .capacity(2)
        .initializer(move || {
            if f.get() {
                panic!("initializer");
            }
            Tracked::new(9, &l)
        })
        .build()
        .unwrap();
    let pool = FixedPool::<Tracked>::with_config(c).unwrap();
    fail.set(true);
    assert!(catch_unwind(AssertUnwindSafe(|| pool.acquire().map(drop))).is_err());
    assert_eq!((pool.len(), pool.stats().allocations), (0, 0));
    fail.set(false);
    let a = pool.acquire().unwrap();
    let b = pool.acquire().unwrap();
    assert_eq!((a.id, b.id), (9, 9));
    drop((a, b));
    assert_eq!(sorted(&log), [9, 9]);
}

/// A value whose hooks panic on demand.
struct Touchy {
    acquire_panics: bool,
    release_panics: bool,
    drops: Rc<Cell<u32>>,
}

impl Poolable for Touchy {
    fn on_acquire(&mut self) {
        if self.acquire_panics {
            panic!("on_acquire");
        }
    }
    fn on_release(&mut self) {
        if self.release_panics {
            panic!("on_release");
        }
    }
}

impl Drop for Touchy {
    fn drop(&mut self) {
        self.drops.set(self.drops.get() + 1);
    }
}

#[test]
fn panicking_hooks_drop_the_value_and_free_the_slot() {
    let drops = Rc::new(Cell::new(0));
    let touchy = |acquire_panics, release_panics| Touchy {
        acquire_panics,
        release_panics,
        drops: drops.clone(),
    };
    let mut pool = FixedPool::new(1).unwrap();
    assert!(
        catch_unwind(AssertUnwindSafe(|| pool
            .try_alloc(touchy(true, false))
            .map(drop)))
        .is_err()
    );
    assert_eq!((drops.get(), pool.len()), (1, 0));
    assert!(
        catch_unwind(AssertUnwindSafe(|| drop(
            pool.try_alloc(touchy(false, true))
        )))
        .is_err()
    );
    assert_eq!((drops.get(), pool.len(), pool.stats().frees), (2, 0, 1));
    let k = pool.try_insert(touchy(false, true)).unwrap();
    assert!(catch_unwind(AssertUnwindSafe(|| pool.remove(k).map(drop))).is_err());
    assert_eq!((drops.get(), pool.len()), (3, 0));
    assert_eq!(pool.get(k).map(|_| ()), None);

    // A panicking reset hook: the value is dropped instead of kept.
    let c = PoolConfig::builder()
        .capacity(1)
        .reset(|_: &mut Touchy| panic!("reset"))
        .build()
        .unwrap();
    let pool = FixedPool::with_config(c).unwrap();
    assert!(
        catch_unwind(AssertUnwindSafe(|| drop(
            pool.try_alloc(touchy(false, false))
        )))
        .is_err()
    );
    assert_eq!((drops.get(), pool.len()), (4, 0));
    let again = pool.try_alloc(touchy(false, false)).unwrap();
    assert_eq!(drops.get(), 4);
    ::core::mem::forget(again);
    drop(pool);
    assert_eq!(drops.get(), 5);
}

#[test]
fn panicking_drops_still_free_slots_and_drop_the_rest() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let pool = FixedPool::new(2).unwrap();
    let mut t = Tracked::new(1, &log);
    t.panic_on_drop = true;
    let a = pool.try_alloc(t).unwrap();
    assert!(catch_unwind(AssertUnwindSafe(|| drop(a))).is_err());
    assert_eq!((pool.len(), sorted(&log)), (0, vec![1]));

    let log = Rc::new(RefCell::new(Vec::new()));
    let pool = GrowingPool::new(4).unwrap();
    for i in 0..4 {
        let mut t = Tracked::new(i, &log);
        t.panic_on_drop = i == 1;
        pool.try_insert(t).unwrap();
    }
    assert!(catch_unwind(AssertUnwindSafe(|| drop(pool))).is_err());
    assert_eq!(sorted(&log), [0, 1, 2, 3]);
}

/// A list node whose tail lives in the same pool: dropping the head gives
/// back every node, each release reaching the pool from inside another.
struct Node {
    _next: Option<Owned<'static, Node>>,
    drops: Rc<Cell<u32>>,
}

impl Poolable for Node {}

impl Drop for Node {
    fn drop(&mut self) {
        self.drops.set(self.drops.get() + 1);
    }
}

#[test]
fn values_may_reach_their_pool_while_being_released() {
    let raw = Box::into_raw(Box::new(FixedPool::<Node>::new(4).unwrap()));
    // SAFETY: the pool is freed below, after every handle is gone.
    let pool: &'static FixedPool<Node> = unsafe { &*raw };
    let drops = Rc::new(Cell::new(0));
    let mut head: Option<Owned<'static, Node>> = None;
    for _ in 0..4 {
        head = Some(
            pool.try_alloc(Node {
                _next: head.take(),
                drops: drops.clone(),
            })
            .unwrap(),
        );
    }
    assert_eq!(pool.len(), 4);
    drop(head);
    assert_eq!((pool.len(), drops.get()), (0, 4));
    let again: Vec<_> = (0..4)
        .map(|_| {
            pool.try_alloc(Node {
                _next: None,
                drops: drops.clone(),
            })
            .unwrap()
        })
        .collect();
    drop(again);
    // SAFETY: no handle to the pool is left.
    drop(unsafe { Box::from_raw(raw) });
    assert_eq!(drops.get(), 8);
}

#[test]
fn zero_sized_values_work() {
    let mut pool = FixedPool::new(3).unwrap();
    let k = pool.try_insert(()).unwrap();
    let a = pool.try_alloc(()).unwrap();
    assert_eq!(pool.get(k), Some(&()));
    drop(a);
    assert_eq!(pool.remove(k), Some(()));
    assert!(pool.is_empty());
}

#[test]
fn stats_display_every_counter() {
    let pool = GrowingPool::new(1).unwrap();
    let a = pool.try_alloc(1u8).unwrap();
    let b = pool.try_alloc(2u8).unwrap();
    drop(a);
    let _ = b;
    assert_eq!(
        std::string::ToString::to_string(&pool.stats()),
        "in use 1/2 (high water 2), 2 allocations, 1 frees, 0 failed, 1 growths"
    );
    assert_eq!(
        std::format!("{pool:?}"),
        "GrowingPool { len: 1, capacity: 2, .. }"
    );
}

#[test]
fn shared_count_overflow_panics_cleanly() {
    let pool = FixedPool::new(1).unwrap();
    let a = pool.try_alloc_shared(1u8).unwrap();
    // SAFETY: a test of the limit: pretend the count is at its maximum.
    unsafe {
        let slot = super::core::SlotSource::lookup(&pool, 0).unwrap();
        super::slot::Slot::state(slot).set(super::slot::state::MAX_SHARED);
    }
    assert!(catch_unwind(AssertUnwindSafe(|| a.clone())).is_err());
    assert!(catch_unwind(AssertUnwindSafe(|| a.downgrade().upgrade())).is_err());
    // SAFETY: back to the one real handle.
    unsafe {
        let slot = super::core::SlotSource::lookup(&pool, 0).unwrap();
        super::slot::Slot::state(slot).set(1);
    }
    drop(a);
    assert!(pool.is_empty());
}
