//! The workloads and their timed loops.
//!
//! Each workload is generic over [`Contender`], so every contender runs its
//! own monomorphised copy of the loop. Random choices (the W2 free order,
//! the W3 victims) are drawn once per workload, before any timing, and are
//! the same for every contender and repetition.

use crate::contender::Contender;
use crate::rng::SplitMix64;
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
}

/// How big the workloads are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// The sizes the benchmark reports.
    Full,
    /// A smoke run: 1/20 of the iterations, same live-set sizes.
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
    /// W3: which live slot each step replaces.
    pub victims: Vec<u32>,
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
        vec![
            Workload::HotPair { pairs },
            Workload::Batch { batch, cycles },
            Workload::Churn { live, steps },
        ]
    }

    /// The short id used on the command line and in reports.
    pub fn id(&self) -> &'static str {
        match self {
            Workload::HotPair { .. } => "W1",
            Workload::Batch { .. } => "W2",
            Workload::Churn { .. } => "W3",
        }
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
        }
    }

    /// What one reported operation is.
    pub fn unit(&self) -> &'static str {
        match self {
            Workload::HotPair { .. } => "ns per alloc+free pair",
            Workload::Batch { .. } => "ns per alloc+free",
            Workload::Churn { .. } => "ns per step: free + alloc",
        }
    }

    /// The number of operations the timed part performs (the divisor of
    /// the reported time).
    pub fn ops(&self) -> usize {
        match *self {
            Workload::HotPair { pairs } => pairs,
            Workload::Batch { batch, cycles } => batch * cycles,
            Workload::Churn { steps, .. } => steps,
        }
    }

    /// The most blocks live at once: contenders are built for this many.
    pub fn peak_live(&self) -> usize {
        match *self {
            Workload::HotPair { .. } => 1,
            Workload::Batch { batch, .. } => batch,
            Workload::Churn { live, .. } => live,
        }
    }

    /// The number of allocations (and of frees) one run performs, timed
    /// or not.
    pub fn total_allocs(&self) -> u64 {
        match *self {
            Workload::HotPair { pairs } => pairs as u64,
            Workload::Batch { batch, cycles } => (batch * cycles) as u64,
            Workload::Churn { live, steps } => (live + steps) as u64,
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
                    victims: Vec::new(),
                }
            }
            Workload::Churn { live, steps } => Inputs {
                free_order: Vec::new(),
                victims: (0..steps).map(|_| index(rng.below(live))).collect(),
            },
        }
    }

    /// Runs the workload once on `contender`, which must start with nothing
    /// allocated and hold at least [`peak_live`](Self::peak_live) blocks;
    /// returns the duration of the timed part. Everything allocated is
    /// freed before returning.
    pub fn run<C: Contender>(&self, contender: &mut C, inputs: &Inputs) -> Duration {
        match *self {
            Workload::HotPair { pairs } => hot_pair(contender, pairs),
            Workload::Batch { batch, cycles } => {
                batch_cycles(contender, batch, cycles, &inputs.free_order)
            }
            Workload::Churn { live, steps } => churn(contender, live, &inputs.victims[..steps]),
        }
    }
}

/// `n` as a `u32` index.
fn index(n: usize) -> u32 {
    u32::try_from(n).expect("workload sizes fit in u32")
}

/// W1.
fn hot_pair<C: Contender>(c: &mut C, pairs: usize) -> Duration {
    let start = Instant::now();
    for i in 0..pairs {
        let handle = c.alloc(i as u64);
        c.free(black_box(handle));
    }
    start.elapsed()
}

/// W2.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_is_a_twentieth_of_full() {
        let full = Workload::all(Scale::Full);
        let quick = Workload::all(Scale::Quick);
        for (f, q) in full.iter().zip(&quick) {
            assert_eq!(f.id(), q.id());
            assert_eq!(f.ops(), q.ops() * 20);
            assert_eq!(f.peak_live(), q.peak_live());
        }
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
            if let Workload::Churn { live, steps } = w {
                assert_eq!(a.victims.len(), steps);
                assert!(a.victims.iter().all(|&v| (v as usize) < live));
            }
        }
    }
}
