//! The workloads and their timed loops.
//!
//! Each workload is generic over [`Contender`] (W1–W3) or [`VarContender`]
//! (W4), so every contender runs its own monomorphised copy of the loop.
//! Random choices (the W2 free order, the W3 and W4 victims, the W4 sizes)
//! are drawn once per workload, before any timing, and are the same for
//! every contender and repetition.

use crate::contender::{Contender, VAR_MAX_SIZE, VAR_MIN_SIZE, VarContender};
use crate::rng::SplitMix64;
use core::ptr::NonNull;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// One workload, with its sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// W1: allocate one block, fill it, free it; `pairs` times.
    HotPair {
        /// How many allocate/free pairs.
        pairs: usize,
    },
    /// W2: allocate `batch` blocks, free them all in a pre-shuffled order;
    /// `cycles` times.
    Batch {
        /// Blocks allocated per cycle.
        batch: usize,
        /// How many cycles.
        cycles: usize,
    },
    /// W3: keep `live` blocks allocated; each step frees a random one and
    /// allocates a replacement; `steps` steps.
    Churn {
        /// Blocks live throughout.
        live: usize,
        /// How many free+allocate steps.
        steps: usize,
    },
    /// W4: keep `live` allocations of log-uniform sizes in 8..=4096 bytes;
    /// each step frees a random one and allocates one of a new random size;
    /// `steps` steps.
    VarChurn {
        /// Which of the three live-set sizes this is (it names the
        /// workload).
        set: LiveSet,
        /// Allocations live throughout.
        live: usize,
        /// How many free+allocate steps.
        steps: usize,
    },
}

/// The three live-set sizes W4 runs at, to show whether the cost per step
/// depends on the number of blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveSet {
    /// 1,000 live (100 in quick mode).
    Small,
    /// 10,000 live (1,000 in quick mode).
    Medium,
    /// 100,000 live (10,000 in quick mode).
    Large,
}

/// How big the workloads are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// The sizes the benchmark reports.
    Full,
    /// A smoke run: 1/20 of the iterations, same live-set sizes except
    /// W4's, which are 1/10.
    Quick,
    /// A few hundred operations, for correctness checks.
    Tiny,
}

impl Scale {
    /// The name printed in reports.
    pub fn name(self) -> &'static str {
        match self {
            Scale::Full => "full",
            Scale::Quick => "quick",
            Scale::Tiny => "tiny",
        }
    }
}

/// Randomness a workload needs, drawn before timing.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    /// W2: the order in which the batch is freed (a permutation of
    /// `0..batch`).
    pub free_order: Vec<u32>,
    /// W3, W4: which live slot each step replaces.
    pub victims: Vec<u32>,
    /// W4: the size of each allocation, in order: the `live` of the initial
    /// fill, then one per step.
    pub sizes: Vec<u32>,
}

/// The outcome of an untimed warm-up run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum WarmUp {
    /// The run finished.
    Done {
        /// W4 on an arena-based contender: how much of its arena it used.
        footprint: Option<Footprint>,
    },
    /// The run was stopped because it would have taken longer than its
    /// budget.
    OverBudget {
        /// Time spent in the timed part before stopping.
        elapsed: Duration,
        /// Steps done by then.
        done: usize,
        /// Steps the run has.
        steps: usize,
    },
}

/// How much of its arena a W4 contender used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Footprint {
    /// The highest end of a live allocation (its pointer plus its requested
    /// size), as an offset from the arena's start, over the whole run.
    pub peak_offset: usize,
    /// The most requested bytes live at once.
    pub peak_live_bytes: usize,
}

impl Footprint {
    /// `peak_offset / peak_live_bytes`: 1.0 would be a perfectly packed
    /// arena with no headers.
    pub fn ratio(&self) -> f64 {
        self.peak_offset as f64 / self.peak_live_bytes as f64
    }
}

/// The seed of every workload's random inputs.
pub const SEED: u64 = 0x5EED_B10C_0000_0064;

impl Workload {
    /// Every workload, at `scale`, in report order.
    pub fn all(scale: Scale) -> Vec<Workload> {
        let (pairs, batch, cycles, live, steps) = match scale {
            Scale::Full => (1_000_000, 10_000, 100, 10_000, 1_000_000),
            Scale::Quick => (50_000, 10_000, 5, 10_000, 50_000),
            Scale::Tiny => (300, 64, 4, 64, 1_000),
        };
        // W4: live sets of 1k, 10k and 100k, with the same steps.
        let (var_live, var_steps) = match scale {
            Scale::Full => ([1_000, 10_000, 100_000], 1_000_000),
            Scale::Quick => ([100, 1_000, 10_000], 50_000),
            Scale::Tiny => ([10, 40, 100], 600),
        };
        let sets = [LiveSet::Small, LiveSet::Medium, LiveSet::Large];
        let mut all = vec![
            Workload::HotPair { pairs },
            Workload::Batch { batch, cycles },
            Workload::Churn { live, steps },
        ];
        all.extend(
            sets.iter()
                .zip(var_live)
                .map(|(&set, live)| Workload::VarChurn {
                    set,
                    live,
                    steps: var_steps,
                }),
        );
        all
    }

    /// The short id used on the command line and in reports.
    pub fn id(&self) -> &'static str {
        match self {
            Workload::HotPair { .. } => "W1",
            Workload::Batch { .. } => "W2",
            Workload::Churn { .. } => "W3",
            Workload::VarChurn { set, .. } => match set {
                LiveSet::Small => "W4-1k",
                LiveSet::Medium => "W4",
                LiveSet::Large => "W4-100k",
            },
        }
    }

    /// Whether this is a variable-size workload (W4), run by
    /// [`VarContender`]s.
    pub fn is_var(&self) -> bool {
        matches!(self, Workload::VarChurn { .. })
    }

    /// A one-line description with the sizes.
    pub fn title(&self) -> String {
        match *self {
            Workload::HotPair { pairs } => {
                format!("hot pair: alloc + fill 64 B + free, {pairs} pairs")
            }
            Workload::Batch { batch, cycles } => {
                format!("batch: alloc {batch}, free all in shuffled order, {cycles} cycles")
            }
            Workload::Churn { live, steps } => {
                format!("steady churn: {live} live, free a random one + alloc, {steps} steps")
            }
            Workload::VarChurn { live, steps, .. } => format!(
                "variable churn: {live} live of {VAR_MIN_SIZE}..={VAR_MAX_SIZE} B \
                 (log-uniform), free a random one + alloc, {steps} steps; arena {} B",
                self.arena_bytes()
            ),
        }
    }

    /// What one reported operation is.
    pub fn unit(&self) -> &'static str {
        match self {
            Workload::HotPair { .. } => "ns per alloc+free pair",
            Workload::Batch { .. } => "ns per alloc+free",
            Workload::Churn { .. } | Workload::VarChurn { .. } => "ns per step: free + alloc",
        }
    }

    /// The number of operations the timed part performs (the divisor of
    /// the reported time).
    pub fn ops(&self) -> usize {
        match *self {
            Workload::HotPair { pairs } => pairs,
            Workload::Batch { batch, cycles } => batch * cycles,
            Workload::Churn { steps, .. } | Workload::VarChurn { steps, .. } => steps,
        }
    }

    /// The most blocks live at once: contenders are built for this many.
    pub fn peak_live(&self) -> usize {
        match *self {
            Workload::HotPair { .. } => 1,
            Workload::Batch { batch, .. } => batch,
            Workload::Churn { live, .. } | Workload::VarChurn { live, .. } => live,
        }
    }

    /// The size of the arena every arena-based contender gets for this
    /// workload: twice the live set at the mean request size, plus 64 KiB
    /// for allocator metadata, rounded up to a page. 0 for W1–W3.
    pub fn arena_bytes(&self) -> usize {
        match *self {
            Workload::VarChurn { live, .. } => {
                let bytes = (2.0 * live as f64 * mean_size()).ceil() as usize + ARENA_SLACK;
                bytes.next_multiple_of(4096)
            }
            _ => 0,
        }
    }

    /// The number of allocations (and of frees) one run performs, timed
    /// or not.
    pub fn total_allocs(&self) -> u64 {
        match *self {
            Workload::HotPair { pairs } => pairs as u64,
            Workload::Batch { batch, cycles } => (batch * cycles) as u64,
            Workload::Churn { live, steps } | Workload::VarChurn { live, steps, .. } => {
                (live + steps) as u64
            }
        }
    }

    /// Draws the random inputs of this workload from `seed`.
    pub fn inputs(&self, seed: u64) -> Inputs {
        let mut rng = SplitMix64::new(seed);
        match *self {
            Workload::HotPair { .. } => Inputs::default(),
            Workload::Batch { batch, .. } => {
                let mut free_order: Vec<u32> = (0..index(batch)).collect();
                rng.shuffle(&mut free_order);
                Inputs {
                    free_order,
                    ..Inputs::default()
                }
            }
            Workload::Churn { live, steps } => Inputs {
                victims: (0..steps).map(|_| index(rng.below(live))).collect(),
                ..Inputs::default()
            },
            Workload::VarChurn { live, steps, .. } => {
                let sizes = (0..live + steps).map(|_| random_size(&mut rng)).collect();
                Inputs {
                    free_order: Vec::new(),
                    victims: (0..steps).map(|_| index(rng.below(live))).collect(),
                    sizes,
                }
            }
        }
    }

    /// Runs the workload once on `contender`, which must start with nothing
    /// allocated and hold at least [`peak_live`](Self::peak_live) blocks;
    /// returns the duration of the timed part. Everything allocated is
    /// freed before returning. Panics for W4 (see [`run_var`](Self::run_var)).
    pub fn run<C: Contender>(&self, contender: &mut C, inputs: &Inputs) -> Duration {
        match *self {
            Workload::HotPair { pairs } => hot_pair(contender, pairs),
            Workload::Batch { batch, cycles } => {
                batch_cycles(contender, batch, cycles, &inputs.free_order)
            }
            Workload::Churn { live, steps } => churn(contender, live, &inputs.victims[..steps]),
            Workload::VarChurn { .. } => panic!("W4 runs on a VarContender"),
        }
    }

    /// Runs W4 once on `contender`, which must start with nothing
    /// allocated and have room for the workload; returns the duration of
    /// the timed part. Everything allocated is freed before returning.
    /// Panics for W1–W3.
    pub fn run_var<C: VarContender>(&self, contender: &mut C, inputs: &Inputs) -> Duration {
        let Workload::VarChurn { live, .. } = *self else {
            panic!("{} runs on a Contender", self.id());
        };
        match var_churn(contender, live, &inputs.sizes, &inputs.victims, &mut Timed) {
            Ok(elapsed) => elapsed,
            Err(_) => unreachable!("timed runs have no budget"),
        }
    }

    /// Runs W4 once as [`run_var`](Self::run_var) does, watching it: stops
    /// once the timed part has taken longer than `budget`, or when, after
    /// at least 1/50 of the steps, the time so far projects a run longer
    /// than `budget` (an O(free blocks) allocator only slows down as its
    /// free list grows, so the projection errs towards finishing); and
    /// measures the contender's [`Footprint`] when it has an arena.
    pub fn warm_up_var<C: VarContender>(
        &self,
        contender: &mut C,
        inputs: &Inputs,
        budget: Duration,
    ) -> WarmUp {
        let Workload::VarChurn { live, steps, .. } = *self else {
            panic!("{} runs on a Contender", self.id());
        };
        let mut watch = Watched {
            base: contender.arena().map(|arena| arena.start),
            live_bytes: 0,
            footprint: Footprint::default(),
            budget,
        };
        match var_churn(contender, live, &inputs.sizes, &inputs.victims, &mut watch) {
            Ok(_) => WarmUp::Done {
                footprint: watch.base.map(|_| watch.footprint),
            },
            Err((elapsed, done)) => WarmUp::OverBudget {
                elapsed,
                done,
                steps,
            },
        }
    }
}

/// Bytes added to every W4 arena for allocator metadata.
pub const ARENA_SLACK: usize = 64 * 1024;

/// The mean W4 request size: sizes are `floor(x)` for `x` log-uniform in
/// `[VAR_MIN_SIZE, VAR_MAX_SIZE + 1)`, whose mean is
/// `(hi - lo) / ln(hi / lo)`; the floor takes about half a byte off.
pub fn mean_size() -> f64 {
    let (lo, hi) = (VAR_MIN_SIZE as f64, (VAR_MAX_SIZE + 1) as f64);
    (hi - lo) / (hi / lo).ln() - 0.5
}

/// A W4 request size: log-uniform in `VAR_MIN_SIZE..=VAR_MAX_SIZE`.
fn random_size(rng: &mut SplitMix64) -> u32 {
    let (lo, hi) = (VAR_MIN_SIZE as f64, (VAR_MAX_SIZE + 1) as f64);
    // 53 random bits: a uniform number in [0, 1).
    let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let size = (lo * (hi / lo).powf(u)).floor() as usize;
    index(size.clamp(VAR_MIN_SIZE, VAR_MAX_SIZE))
}

/// `n` as a `u32` index.
fn index(n: usize) -> u32 {
    u32::try_from(n).expect("workload sizes fit in u32")
}

/// W1.
#[inline(never)] // Out of line, so a profiler can single it out.
fn hot_pair<C: Contender>(c: &mut C, pairs: usize) -> Duration {
    let start = Instant::now();
    for i in 0..pairs {
        let handle = c.alloc(i as u64);
        c.free(black_box(handle));
    }
    start.elapsed()
}

/// W2.
#[inline(never)]
fn batch_cycles<C: Contender>(
    c: &mut C,
    batch: usize,
    cycles: usize,
    free_order: &[u32],
) -> Duration {
    assert_eq!(free_order.len(), batch);
    let mut slots: Vec<Option<C::Handle>> = Vec::with_capacity(batch);
    let mut fill = 0u64;
    let start = Instant::now();
    for _ in 0..cycles {
        for _ in 0..batch {
            slots.push(Some(c.alloc(fill)));
            fill += 1;
        }
        for &i in free_order {
            let handle = slots[i as usize].take().expect("each slot is freed once");
            c.free(black_box(handle));
        }
        slots.clear();
    }
    start.elapsed()
}

/// W3.
#[inline(never)]
fn churn<C: Contender>(c: &mut C, live: usize, victims: &[u32]) -> Duration {
    let mut slots: Vec<Option<C::Handle>> = (0..live).map(|i| Some(c.alloc(i as u64))).collect();
    let start = Instant::now();
    for (fill, &i) in (live as u64..).zip(victims) {
        let slot = &mut slots[i as usize];
        let handle = slot.take().expect("every slot holds a live block");
        c.free(black_box(handle));
        *slot = Some(c.alloc(fill));
    }
    let elapsed = start.elapsed();
    for slot in &mut slots {
        c.free(slot.take().expect("every slot holds a live block"));
    }
    elapsed
}

/// What a W4 run does besides the workload: nothing for a timed run; for
/// a warm-up, tracking the footprint and the time budget.
trait Watch {
    /// An allocation of `size` bytes at `ptr` was made.
    fn allocated(&mut self, ptr: NonNull<u8>, size: usize);
    /// An allocation of `size` bytes was freed.
    fn freed(&mut self, size: usize);
    /// Whether to go on after `done` of `steps` steps, begun at `start`.
    fn go_on(&mut self, start: Instant, done: usize, steps: usize) -> bool;
}

/// A timed run: watches nothing.
struct Timed;

impl Watch for Timed {
    #[inline(always)]
    fn allocated(&mut self, _ptr: NonNull<u8>, _size: usize) {}
    #[inline(always)]
    fn freed(&mut self, _size: usize) {}
    #[inline(always)]
    fn go_on(&mut self, _start: Instant, _done: usize, _steps: usize) -> bool {
        true
    }
}

/// A warm-up run: tracks the footprint (when the contender has an arena
/// starting at `base`) and the budget.
struct Watched {
    base: Option<usize>,
    live_bytes: usize,
    footprint: Footprint,
    budget: Duration,
}

impl Watch for Watched {
    #[inline(always)]
    fn allocated(&mut self, ptr: NonNull<u8>, size: usize) {
        self.live_bytes += size;
        let f = &mut self.footprint;
        f.peak_live_bytes = f.peak_live_bytes.max(self.live_bytes);
        if let Some(base) = self.base {
            f.peak_offset = f.peak_offset.max(ptr.as_ptr().addr() + size - base);
        }
    }

    #[inline(always)]
    fn freed(&mut self, size: usize) {
        self.live_bytes -= size;
    }

    fn go_on(&mut self, start: Instant, done: usize, steps: usize) -> bool {
        let elapsed = start.elapsed();
        let projected = elapsed.as_secs_f64() * steps as f64 / done as f64;
        elapsed <= self.budget && (done * 50 < steps || projected <= self.budget.as_secs_f64())
    }
}

/// Steps between two looks at the clock in a watched W4 run.
const CHUNK: usize = 1024;

/// W4: fills `live` allocations of `sizes[..live]`, then for each victim
/// frees that slot's allocation and allocates the next size into it; the
/// drain at the end frees what is left in address order (untimed, and
/// cheap for allocators that keep their free list sorted). Returns the
/// time of the steps, or, when `watch` stopped the run, that time and the
/// steps done. Never inlined, so that a profiler can single it out.
#[inline(never)]
fn var_churn<C: VarContender, W: Watch>(
    c: &mut C,
    live: usize,
    sizes: &[u32],
    victims: &[u32],
    watch: &mut W,
) -> Result<Duration, (Duration, usize)> {
    let (fill, step_sizes) = sizes.split_at(live);
    assert_eq!(step_sizes.len(), victims.len());
    let mut slots: Vec<(NonNull<u8>, u32)> = Vec::with_capacity(live);
    for (i, &size) in fill.iter().enumerate() {
        let ptr = c.alloc(size as usize, i as u64);
        watch.allocated(ptr, size as usize);
        slots.push((ptr, size));
    }
    let steps = victims.len();
    let mut done = 0;
    let mut stamp = live as u64;
    let start = Instant::now();
    for (victims, sizes) in victims.chunks(CHUNK).zip(step_sizes.chunks(CHUNK)) {
        for (&i, &size) in victims.iter().zip(sizes) {
            let slot = &mut slots[i as usize];
            let (old, old_size) = *slot;
            // SAFETY: every slot holds a live allocation of `c` with its
            // size; it is replaced right after, so it is freed once.
            unsafe { c.free(black_box(old), old_size as usize) };
            watch.freed(old_size as usize);
            let new = c.alloc(size as usize, stamp);
            watch.allocated(new, size as usize);
            *slot = (new, size);
            stamp += 1;
        }
        done += victims.len();
        if done < steps && !watch.go_on(start, done, steps) {
            break;
        }
    }
    let elapsed = start.elapsed();
    slots.sort_unstable_by_key(|&(ptr, _)| ptr);
    for (ptr, size) in slots {
        // SAFETY: as above; each slot is freed once.
        unsafe { c.free(ptr, size as usize) };
        watch.freed(size as usize);
    }
    if done < steps {
        Err((elapsed, done))
    } else {
        Ok(elapsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_is_a_twentieth_of_full() {
        let full = Workload::all(Scale::Full);
        let quick = Workload::all(Scale::Quick);
        assert_eq!(full.len(), quick.len());
        for (f, q) in full.iter().zip(&quick) {
            assert_eq!(f.id(), q.id());
            assert_eq!(f.ops(), q.ops() * 20);
            if f.is_var() {
                assert_eq!(f.peak_live(), q.peak_live() * 10);
            } else {
                assert_eq!(f.peak_live(), q.peak_live());
            }
        }
    }

    #[test]
    fn w4_live_sets_scale_by_ten_with_the_same_steps() {
        let w4: Vec<Workload> = Workload::all(Scale::Full)
            .into_iter()
            .filter(Workload::is_var)
            .collect();
        let ids: Vec<_> = w4.iter().map(Workload::id).collect();
        assert_eq!(ids, ["W4-1k", "W4", "W4-100k"]);
        let live: Vec<_> = w4.iter().map(Workload::peak_live).collect();
        assert_eq!(live, [1_000, 10_000, 100_000]);
        assert!(w4.iter().all(|w| w.ops() == 1_000_000));
    }

    #[test]
    fn arenas_hold_twice_the_mean_live_set() {
        let mean = mean_size();
        assert!((654.0..656.0).contains(&mean), "{mean}");
        let w = Workload::VarChurn {
            set: LiveSet::Large,
            live: 100_000,
            steps: 1,
        };
        let bytes = w.arena_bytes();
        assert_eq!(bytes % 4096, 0);
        assert!(bytes >= 2 * 100_000 * 654 + ARENA_SLACK, "{bytes}");
        assert!(bytes < 2 * 100_000 * 656 + ARENA_SLACK + 4096, "{bytes}");
        assert_eq!(Workload::HotPair { pairs: 1 }.arena_bytes(), 0);
    }

    #[test]
    fn sizes_are_log_uniform_in_range() {
        let w = Workload::VarChurn {
            set: LiveSet::Small,
            live: 1_000,
            steps: 99_000,
        };
        let sizes = w.inputs(SEED).sizes;
        assert_eq!(sizes.len(), 100_000);
        let lo = VAR_MIN_SIZE as u32;
        let hi = VAR_MAX_SIZE as u32;
        assert!(sizes.iter().all(|&s| (lo..=hi).contains(&s)));
        assert!(sizes.contains(&lo) && sizes.contains(&hi));
        // Each of the 9 doublings from 8 to 4096 gets about 1/9 of them.
        for k in 0..9 {
            let (a, b) = (lo << k, lo << (k + 1));
            let n = sizes.iter().filter(|&&s| a <= s && s < b).count();
            assert!((10_000..12_300).contains(&n), "{a}..{b}: {n}");
        }
        let mean = sizes.iter().map(|&s| f64::from(s)).sum::<f64>() / sizes.len() as f64;
        assert!((mean - mean_size()).abs() < 10.0, "{mean}");
    }

    #[test]
    fn inputs_are_valid_and_deterministic() {
        for w in Workload::all(Scale::Tiny) {
            let a = w.inputs(SEED);
            let b = w.inputs(SEED);
            assert_eq!(a.free_order, b.free_order);
            assert_eq!(a.victims, b.victims);
            if let Workload::Batch { batch, .. } = w {
                let mut order = a.free_order.clone();
                order.sort_unstable();
                assert_eq!(order, (0..batch as u32).collect::<Vec<_>>());
            }
            assert_eq!(a.sizes, b.sizes);
            if let Workload::Churn { live, steps } | Workload::VarChurn { live, steps, .. } = w {
                assert_eq!(a.victims.len(), steps);
                assert!(a.victims.iter().all(|&v| (v as usize) < live));
            }
            if let Workload::VarChurn { live, steps, .. } = w {
                assert_eq!(a.sizes.len(), live + steps);
            } else {
                assert!(a.sizes.is_empty());
            }
        }
    }
}
