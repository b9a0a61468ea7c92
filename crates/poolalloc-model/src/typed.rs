//! Model-based testing of the typed pools,
//! [`FixedPool`](poolalloc::FixedPool) and
//! [`GrowingPool`](poolalloc::GrowingPool).
//!
//! [`run`] builds a pool from a [`Config`] (kind, index strategy, capacity,
//! maximum and growth), plus a second pool of the same shape whose keys
//! serve as foreign keys, then applies [`Op`]s to the pool and to a
//! [`Model`]: a `HashMap` from live keys to values, the values behind live
//! handles, the capacity the growth strategy predicts, and every counter
//! of [`Stats`]. After every step it asserts that:
//!
//! - every live key reaches exactly its value, and every handle its value;
//! - no stale key (kept from every `remove`) and no foreign key reaches
//!   anything, and a key forged from arbitrary bits reaches a value only
//!   if it equals a live key;
//! - `Weak::upgrade` succeeds exactly while its value is shared;
//! - allocation fails exactly when the model is at its maximum capacity,
//!   handing the value back, and growth adds what the strategy says;
//! - the statistics match the model's;
//! - `Poolable` hooks ran once per allocation and once per release;
//! - every value is dropped exactly once, by the end (a ledger of live
//!   values panics on a double drop and is checked empty at the end).
//!
//! Removing by key needs `&mut` access to the pool, which no handle may
//! borrow at the time; so handle operations run in segments, and a keyed
//! operation that needs `&mut` ends the current segment, releasing its
//! handles (as the model records).

use poolalloc::index::{Bitmap, FreeList, Stack, Strategy};
use poolalloc::{
    FixedPool, Full, GrowingPool, GrowthStrategy, Key, Owned, PoolConfig, Poolable, Shared, Stats,
    Weak,
};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::vec::Vec;

/// The largest maximum capacity a configuration may have.
pub const MAX_CAPACITY: usize = 48;
/// The most stale keys a run keeps checking.
const STALE_KEPT: usize = 64;

/// Which pool to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Kind {
    /// A `FixedPool`.
    Fixed,
    /// A `GrowingPool`.
    Growing,
}

/// Which index strategy the pool uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum StrategyKind {
    /// [`Stack`].
    Stack,
    /// [`FreeList`].
    FreeList,
    /// [`Bitmap`].
    Bitmap,
}

/// How a growing pool grows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Growth {
    /// `GrowthStrategy::Linear(n)`, `n >= 1`.
    Linear(usize),
    /// `GrowthStrategy::Exponential(1 + percent / 100)`, `percent >= 1`.
    Exponential(u32),
}

impl Growth {
    fn strategy(self) -> GrowthStrategy {
        match self {
            Growth::Linear(n) => GrowthStrategy::Linear(n),
            Growth::Exponential(percent) => {
                GrowthStrategy::Exponential(1.0 + f64::from(percent) / 100.0)
            }
        }
    }
}

/// The shape of a pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// Fixed or growing.
    pub kind: Kind,
    /// The index strategy.
    pub strategy: StrategyKind,
    /// Slots at creation, `1..=max_capacity`.
    pub capacity: usize,
    /// For a growing pool, the most slots, `capacity..=MAX_CAPACITY`; for a
    /// fixed pool, equal to `capacity`.
    pub max_capacity: usize,
    /// How a growing pool grows (ignored by a fixed pool).
    pub growth: Growth,
}

impl Config {
    /// A fixed pool of `capacity` slots.
    pub fn fixed(strategy: StrategyKind, capacity: usize) -> Self {
        Config {
            kind: Kind::Fixed,
            strategy,
            capacity,
            max_capacity: capacity,
            growth: Growth::Linear(1),
        }
    }

    /// A growing pool.
    pub fn growing(
        strategy: StrategyKind,
        capacity: usize,
        max_capacity: usize,
        growth: Growth,
    ) -> Self {
        Config {
            kind: Kind::Growing,
            strategy,
            capacity,
            max_capacity,
            growth,
        }
    }

    /// Panics unless every field is in its documented range.
    pub fn validate(&self) {
        assert!(
            1 <= self.capacity
                && self.capacity <= self.max_capacity
                && self.max_capacity <= MAX_CAPACITY,
            "capacities out of range"
        );
        if self.kind == Kind::Fixed {
            assert_eq!(self.capacity, self.max_capacity, "a fixed pool cannot grow");
        }
        match self.growth {
            Growth::Linear(n) => assert!(n >= 1),
            Growth::Exponential(p) => assert!(p >= 1),
        }
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Config {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let kind = Kind::arbitrary(u)?;
        let strategy = StrategyKind::arbitrary(u)?;
        let capacity = u.int_in_range(1..=MAX_CAPACITY)?;
        let growth = if bool::arbitrary(u)? {
            Growth::Linear(u.int_in_range(1..=8)?)
        } else {
            Growth::Exponential(u.int_in_range(1..=200)?)
        };
        Ok(match kind {
            Kind::Fixed => Config::fixed(strategy, capacity),
            Kind::Growing => Config::growing(
                strategy,
                capacity,
                u.int_in_range(capacity..=MAX_CAPACITY)?,
                growth,
            ),
        })
    }
}

/// One operation. Operands that pick a key or handle are indices into the
/// set they draw from, taken modulo its size; an operation whose set is
/// empty is skipped (counted as `skipped`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Op {
    /// `try_insert(value)`.
    Insert(u16),
    /// `get` of a live key.
    Get(u16),
    /// `get_mut` of a live key, storing a new value (needs `&mut`).
    GetMut(u16, u16),
    /// `remove` of a live key (needs `&mut`).
    Remove(u16),
    /// `get` and `contains_key` of a stale key.
    StaleGet(u16),
    /// `remove` of a stale key: `None` (needs `&mut`).
    StaleRemove(u16),
    /// `get` of the other pool's key: `None`.
    ForeignGet,
    /// `get(Key::from_bits(bits))`: reaches a value only if the key is
    /// live.
    Forged(u64),
    /// `try_alloc(value)`: an `Owned` handle.
    Alloc(u16),
    /// Writes a new value through an `Owned` handle.
    Mutate(u16, u16),
    /// Drops an `Owned` handle.
    DropOwned(u16),
    /// `try_alloc_shared(value)`.
    AllocShared(u16),
    /// `Owned::into_shared`.
    IntoShared(u16),
    /// Clones a `Shared` handle.
    CloneShared(u16),
    /// Drops a `Shared` handle.
    DropShared(u16),
    /// `Shared::downgrade`.
    Downgrade(u16),
    /// `Weak::upgrade`, dropping the result at once.
    Upgrade(u16),
}

impl Op {
    fn needs_mut(&self) -> bool {
        matches!(self, Op::GetMut(..) | Op::Remove(_) | Op::StaleRemove(_))
    }
}

/// How often each event happened in a run.
pub use crate::summary::Summary;

/// Which values are alive, and how many times the hooks ran.
#[derive(Default)]
struct Ledger {
    live: RefCell<HashSet<u64>>,
    next_id: Cell<u64>,
    acquired: Cell<u64>,
    released: Cell<u64>,
}

/// A value in the pool: its number, and a ticket in the ledger.
pub struct Val {
    v: u64,
    id: u64,
    ledger: Rc<Ledger>,
}

impl Val {
    fn new(v: u64, ledger: &Rc<Ledger>) -> Val {
        let id = ledger.next_id.get();
        ledger.next_id.set(id + 1);
        ledger.live.borrow_mut().insert(id);
        Val {
            v,
            id,
            ledger: ledger.clone(),
        }
    }
}

impl Drop for Val {
    fn drop(&mut self) {
        assert!(
            self.ledger.live.borrow_mut().remove(&self.id),
            "value {} dropped twice",
            self.id
        );
    }
}

impl Poolable for Val {
    fn on_acquire(&mut self) {
        self.ledger.acquired.set(self.ledger.acquired.get() + 1);
    }
    fn on_release(&mut self) {
        self.ledger.released.set(self.ledger.released.get() + 1);
    }
}

/// What the runner needs of a typed pool.
trait Pool: Sized {
    type S: Strategy;
    fn create(config: PoolConfig<Val>) -> Self;
    fn try_insert(&self, v: Val) -> Result<Key, Full<Val>>;
    fn try_alloc(&self, v: Val) -> Result<Owned<'_, Val, Self::S>, Full<Val>>;
    fn try_alloc_shared(&self, v: Val) -> Result<Shared<'_, Val, Self::S>, Full<Val>>;
    fn get(&self, key: Key) -> Option<&Val>;
    fn contains_key(&self, key: Key) -> bool;
    fn get_mut(&mut self, key: Key) -> Option<&mut Val>;
    fn remove(&mut self, key: Key) -> Option<Val>;
    fn stats(&self) -> Stats;
    fn capacity(&self) -> usize;
    fn len(&self) -> usize;
}

macro_rules! impl_pool {
    ($pool:ident) => {
        impl<S: Strategy> Pool for $pool<Val, S> {
            type S = S;
            fn create(config: PoolConfig<Val>) -> Self {
                $pool::<Val, S>::with_strategy(config).expect("a valid configuration")
            }
            fn try_insert(&self, v: Val) -> Result<Key, Full<Val>> {
                $pool::try_insert(self, v)
            }
            fn try_alloc(&self, v: Val) -> Result<Owned<'_, Val, S>, Full<Val>> {
                $pool::try_alloc(self, v)
            }
            fn try_alloc_shared(&self, v: Val) -> Result<Shared<'_, Val, S>, Full<Val>> {
                $pool::try_alloc_shared(self, v)
            }
            fn get(&self, key: Key) -> Option<&Val> {
                $pool::get(self, key)
            }
            fn contains_key(&self, key: Key) -> bool {
                $pool::contains_key(self, key)
            }
            fn get_mut(&mut self, key: Key) -> Option<&mut Val> {
                $pool::get_mut(self, key)
            }
            fn remove(&mut self, key: Key) -> Option<Val> {
                $pool::remove(self, key)
            }
            fn stats(&self) -> Stats {
                $pool::stats(self)
            }
            fn capacity(&self) -> usize {
                $pool::capacity(self)
            }
            fn len(&self) -> usize {
                $pool::len(self)
            }
        }
    };
}

impl_pool!(FixedPool);
impl_pool!(GrowingPool);

/// The shadow model.
#[derive(Debug)]
pub struct Model {
    /// Live keys and their values.
    pub keyed: HashMap<Key, u64>,
    /// Live keys in insertion order (operands index into it).
    order: Vec<Key>,
    /// Keys removed, most recent last.
    pub stale: Vec<Key>,
    /// Slots now.
    pub capacity: usize,
    max_capacity: usize,
    growth: GrowthStrategy,
    /// Live values (keyed and held by handles).
    pub live: usize,
    high_water: usize,
    allocations: u64,
    frees: u64,
    failed: u64,
    growth_events: u64,
}

impl Model {
    fn new(config: &Config) -> Self {
        Model {
            keyed: HashMap::new(),
            order: Vec::new(),
            stale: Vec::new(),
            capacity: config.capacity,
            max_capacity: config.max_capacity,
            growth: config.growth.strategy(),
            live: 0,
            high_water: 0,
            allocations: 0,
            frees: 0,
            failed: 0,
            growth_events: 0,
        }
    }

    /// Whether an allocation succeeds now; updates capacity and counters.
    fn allocate(&mut self) -> bool {
        if self.live == self.capacity {
            if self.capacity == self.max_capacity {
                self.failed += 1;
                return false;
            }
            let extra = self.growth.additional(self.capacity);
            self.capacity = (self.capacity + extra).min(self.max_capacity);
            self.growth_events += 1;
        }
        self.live += 1;
        self.allocations += 1;
        self.high_water = self.high_water.max(self.live);
        true
    }

    fn release(&mut self) {
        self.live -= 1;
        self.frees += 1;
    }

    fn forget_key(&mut self, key: Key) {
        self.keyed.remove(&key);
        self.order.retain(|k| *k != key);
        self.stale.push(key);
        if self.stale.len() > STALE_KEPT {
            self.stale.remove(0);
        }
    }

    fn pick_key(&self, i: u16) -> Option<Key> {
        (!self.order.is_empty()).then(|| self.order[i as usize % self.order.len()])
    }
}

/// Applies `ops` to a pool built from `config` and to the model, asserting
/// after every step that they agree; see the module documentation.
pub fn run(config: &Config, ops: &[Op]) -> Summary {
    config.validate();
    match (config.kind, config.strategy) {
        (Kind::Fixed, StrategyKind::Stack) => run_on::<FixedPool<Val, Stack>>(config, ops),
        (Kind::Fixed, StrategyKind::FreeList) => run_on::<FixedPool<Val, FreeList>>(config, ops),
        (Kind::Fixed, StrategyKind::Bitmap) => run_on::<FixedPool<Val, Bitmap>>(config, ops),
        (Kind::Growing, StrategyKind::Stack) => run_on::<GrowingPool<Val, Stack>>(config, ops),
        (Kind::Growing, StrategyKind::FreeList) => {
            run_on::<GrowingPool<Val, FreeList>>(config, ops)
        }
        (Kind::Growing, StrategyKind::Bitmap) => run_on::<GrowingPool<Val, Bitmap>>(config, ops),
    }
}

fn pool_config(config: &Config) -> PoolConfig<Val> {
    PoolConfig::builder()
        .capacity(config.capacity)
        .max_capacity(Some(config.max_capacity))
        .growth_strategy(config.growth.strategy())
        .build()
        .expect("a valid configuration")
}

fn run_on<P: Pool>(config: &Config, ops: &[Op]) -> Summary {
    let ledger = Rc::new(Ledger::default());
    let mut summary = Summary::default();
    let mut pool = P::create(pool_config(config));
    let other = P::create(pool_config(config));
    let foreign = match other.try_insert(Val::new(0, &ledger)) {
        Ok(key) => key,
        Err(_) => panic!("a new pool has room"),
    };
    let mut model = Model::new(config);
    let mut next = 0;
    while next < ops.len() {
        next = segment(
            &pool,
            foreign,
            &ops[next..],
            &mut model,
            &ledger,
            &mut summary,
        ) + next;
        if let Some(op) = ops.get(next) {
            mut_op(&mut pool, *op, &mut model, &ledger, &mut summary);
            check_keys(&pool, foreign, &model);
            check_stats(&pool, &model, &ledger);
            next += 1;
        }
    }
    check_keys(&pool, foreign, &model);
    check_stats(&pool, &model, &ledger);
    drop(pool);
    drop(other);
    assert!(ledger.live.borrow().is_empty(), "values leaked");
    summary
}

fn mut_op<P: Pool>(
    pool: &mut P,
    op: Op,
    model: &mut Model,
    ledger: &Rc<Ledger>,
    summary: &mut Summary,
) {
    match op {
        Op::GetMut(i, v) => {
            let Some(key) = model.pick_key(i) else {
                return summary.note("skipped");
            };
            let slot = pool.get_mut(key).expect("a live key");
            *slot = Val::new(u64::from(v), ledger);
            model.keyed.insert(key, u64::from(v));
            summary.note("get_mut");
        }
        Op::Remove(i) => {
            let Some(key) = model.pick_key(i) else {
                return summary.note("skipped");
            };
            let value = pool.remove(key).expect("a live key");
            assert_eq!(value.v, model.keyed[&key]);
            model.forget_key(key);
            model.release();
            summary.note("remove");
        }
        Op::StaleRemove(i) => {
            if model.stale.is_empty() {
                return summary.note("skipped");
            }
            let key = model.stale[i as usize % model.stale.len()];
            assert!(pool.remove(key).is_none(), "a stale key removed a value");
            summary.note("stale_remove");
        }
        _ => unreachable!("not a &mut operation"),
    }
}

/// Runs the operations that need only `&pool` from the start of `ops`,
/// holding their handles; returns how many it ran. The handles are
/// released on return.
fn segment<P: Pool>(
    pool: &P,
    foreign: Key,
    ops: &[Op],
    model: &mut Model,
    ledger: &Rc<Ledger>,
    summary: &mut Summary,
) -> usize {
    let mut owned: Vec<(Owned<'_, Val, P::S>, u64)> = Vec::new();
    // Shared handles and the number of the value they share.
    let mut shared: Vec<(Shared<'_, Val, P::S>, usize)> = Vec::new();
    let mut weak: Vec<(Weak<'_, Val, P::S>, usize)> = Vec::new();
    // Shared values by number: their value and owner count.
    let mut shared_values: HashMap<usize, (u64, usize)> = HashMap::new();
    let mut next_shared = 0usize;
    let mut done = 0;
    for op in ops {
        if op.needs_mut() {
            break;
        }
        done += 1;
        match *op {
            Op::Insert(v) => {
                let expect = model.allocate();
                match pool.try_insert(Val::new(u64::from(v), ledger)) {
                    Ok(key) => {
                        assert!(expect, "inserted past the maximum");
                        assert!(!model.stale.contains(&key), "a key was reissued");
                        model.keyed.insert(key, u64::from(v));
                        model.order.push(key);
                        summary.note("insert.ok");
                    }
                    Err(Full(back)) => {
                        assert!(!expect, "refused below the maximum");
                        assert_eq!(back.v, u64::from(v));
                        summary.note("insert.full");
                    }
                }
            }
            Op::Get(i) => {
                let Some(key) = model.pick_key(i) else {
                    summary.note("skipped");
                    continue;
                };
                assert_eq!(pool.get(key).map(|v| v.v), Some(model.keyed[&key]));
                summary.note("get");
            }
            Op::StaleGet(i) => {
                if model.stale.is_empty() {
                    summary.note("skipped");
                    continue;
                }
                let key = model.stale[i as usize % model.stale.len()];
                assert!(pool.get(key).is_none() && !pool.contains_key(key));
                summary.note("stale_get");
            }
            Op::ForeignGet => {
                assert!(pool.get(foreign).is_none());
                summary.note("foreign_get");
            }
            Op::Forged(bits) => match Key::from_bits(bits) {
                None => summary.note("forged.invalid"),
                Some(key) => {
                    assert_eq!(
                        pool.get(key).map(|v| v.v),
                        model.keyed.get(&key).copied(),
                        "forged key {key:?}"
                    );
                    summary.note("forged");
                }
            },
            Op::Alloc(v) => {
                let expect = model.allocate();
                match pool.try_alloc(Val::new(u64::from(v), ledger)) {
                    Ok(handle) => {
                        assert!(expect, "allocated past the maximum");
                        assert_eq!(handle.v, u64::from(v));
                        owned.push((handle, u64::from(v)));
                        summary.note("alloc.ok");
                    }
                    Err(Full(back)) => {
                        assert!(!expect, "refused below the maximum");
                        assert_eq!(back.v, u64::from(v));
                        summary.note("alloc.full");
                    }
                }
            }
            Op::Mutate(i, v) => {
                if owned.is_empty() {
                    summary.note("skipped");
                    continue;
                }
                let n = owned.len();
                let (handle, value) = &mut owned[i as usize % n];
                handle.v = u64::from(v);
                *value = u64::from(v);
                summary.note("mutate");
            }
            Op::DropOwned(i) => {
                if owned.is_empty() {
                    summary.note("skipped");
                    continue;
                }
                let n = owned.len();
                drop(owned.swap_remove(i as usize % n));
                model.release();
                summary.note("drop_owned");
            }
            Op::AllocShared(v) => {
                let expect = model.allocate();
                match pool.try_alloc_shared(Val::new(u64::from(v), ledger)) {
                    Ok(handle) => {
                        assert!(expect, "allocated past the maximum");
                        shared_values.insert(next_shared, (u64::from(v), 1));
                        shared.push((handle, next_shared));
                        next_shared += 1;
                        summary.note("alloc_shared.ok");
                    }
                    Err(Full(back)) => {
                        assert!(!expect, "refused below the maximum");
                        assert_eq!(back.v, u64::from(v));
                        summary.note("alloc_shared.full");
                    }
                }
            }
            Op::IntoShared(i) => {
                if owned.is_empty() {
                    summary.note("skipped");
                    continue;
                }
                let n = owned.len();
                let (handle, value) = owned.swap_remove(i as usize % n);
                let handle = handle.into_shared();
                assert_eq!((handle.v, handle.strong_count()), (value, 1));
                shared_values.insert(next_shared, (value, 1));
                shared.push((handle, next_shared));
                next_shared += 1;
                summary.note("into_shared");
            }
            Op::CloneShared(i) => {
                if shared.is_empty() {
                    summary.note("skipped");
                    continue;
                }
                let n = shared.len();
                let (handle, id) = &shared[i as usize % n];
                let (handle, id) = (handle.clone(), *id);
                shared_values.get_mut(&id).expect("a live shared value").1 += 1;
                shared.push((handle, id));
                summary.note("clone_shared");
            }
            Op::DropShared(i) => {
                if shared.is_empty() {
                    summary.note("skipped");
                    continue;
                }
                let n = shared.len();
                let (handle, id) = shared.swap_remove(i as usize % n);
                drop(handle);
                let count = &mut shared_values.get_mut(&id).expect("a live shared value").1;
                *count -= 1;
                if *count == 0 {
                    shared_values.remove(&id);
                    model.release();
                    summary.note("drop_shared.last");
                } else {
                    summary.note("drop_shared");
                }
            }
            Op::Downgrade(i) => {
                if shared.is_empty() {
                    summary.note("skipped");
                    continue;
                }
                let n = shared.len();
                let (handle, id) = &shared[i as usize % n];
                weak.push((handle.downgrade(), *id));
                summary.note("downgrade");
            }
            Op::Upgrade(i) => {
                if weak.is_empty() {
                    summary.note("skipped");
                    continue;
                }
                let n = weak.len();
                let (handle, id) = &weak[i as usize % n];
                match (handle.upgrade(), shared_values.get(id)) {
                    (Some(s), Some(&(value, count))) => {
                        assert_eq!((s.v, s.strong_count() as usize), (value, count + 1));
                        summary.note("upgrade.ok");
                    }
                    (None, None) => summary.note("upgrade.dead"),
                    (got, want) => panic!(
                        "upgrade gave {:?}, the model has {want:?}",
                        got.map(|s| s.v)
                    ),
                }
            }
            Op::GetMut(..) | Op::Remove(_) | Op::StaleRemove(_) => unreachable!(),
        }
        for (handle, value) in &owned {
            assert_eq!(handle.v, *value);
        }
        for (handle, id) in &shared {
            let (value, count) = shared_values[id];
            assert_eq!((handle.v, handle.strong_count() as usize), (value, count));
        }
        check_keys(pool, foreign, model);
        check_stats(pool, model, ledger);
    }
    // The handles go back to the pool.
    let released = owned.len() + shared_values.len();
    drop(weak);
    drop(shared);
    drop(owned);
    for _ in 0..released {
        model.release();
    }
    done
}

fn check_keys<P: Pool>(pool: &P, foreign: Key, model: &Model) {
    for (key, value) in &model.keyed {
        assert_eq!(
            pool.get(*key).map(|v| v.v),
            Some(*value),
            "live key {key:?}"
        );
    }
    for key in &model.stale {
        assert!(
            pool.get(*key).is_none(),
            "stale key {key:?} reached a value"
        );
    }
    assert!(pool.get(foreign).is_none(), "a foreign key reached a value");
}

fn check_stats<P: Pool>(pool: &P, model: &Model, ledger: &Ledger) {
    let s = pool.stats();
    assert_eq!(
        (
            s.capacity,
            s.in_use,
            s.high_water,
            s.allocations,
            s.frees,
            s.failed_allocations,
            s.growth_events
        ),
        (
            model.capacity,
            model.live,
            model.high_water,
            model.allocations,
            model.frees,
            model.failed,
            model.growth_events
        ),
        "stats {s}"
    );
    assert_eq!((pool.capacity(), pool.len()), (model.capacity, model.live));
    // The other pool's one value was acquired too.
    assert_eq!(ledger.acquired.get(), model.allocations + 1);
    assert_eq!(ledger.released.get(), model.frees);
}
