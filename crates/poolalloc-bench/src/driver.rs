//! The repetition driver: runs every contender on a workload, interleaved
//! in one process, rotating the order each repetition.

use crate::contender::{Entry, Fns};
use crate::stats::{Ranked, rank};
use crate::workload::{Footprint, SEED, WarmUp, Workload};
use std::time::Duration;

/// How long one run may take: a contender whose warm-up run would take
/// longer is skipped at that workload.
pub const RUN_BUDGET: Duration = Duration::from_secs(20);

/// One workload's samples, ranked.
#[derive(Clone, Debug)]
pub struct WorkloadResult {
    /// The workload.
    pub workload: Workload,
    /// The contenders, fastest median first.
    pub ranked: Vec<Ranked>,
    /// W4: each measured contender's footprint, `None` for those without
    /// an arena. Empty for W1–W3.
    pub footprints: Vec<(&'static str, Option<Footprint>)>,
    /// Contenders left out, with the reason.
    pub skipped: Vec<(&'static str, String)>,
}

impl WorkloadResult {
    /// The footprint measured for `name`, if any.
    pub fn footprint(&self, name: &str) -> Option<Footprint> {
        self.footprints
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|&(_, f)| f)
    }
}

/// The order of contenders in repetition `rep` of `n`: all of them,
/// starting at `rep % n`.
pub fn rotation(rep: usize, n: usize) -> impl Iterator<Item = usize> {
    (0..n).map(move |k| (rep + k) % n)
}

/// Runs `workload` on every entry that runs it: one untimed warm-up run
/// each (which measures W4 footprints, and skips a contender whose run
/// would take longer than `budget`), then `reps` repetitions, each running
/// every remaining entry once in rotated order. Samples are nanoseconds per
/// workload operation. `progress` hears about each repetition and skip.
pub fn run_workload(
    workload: &Workload,
    entries: &[Entry],
    reps: usize,
    budget: Duration,
    mut progress: impl FnMut(&str),
) -> WorkloadResult {
    let inputs = workload.inputs(SEED);
    let ops = workload.ops() as f64;
    let mut runners: Vec<(&'static str, &Fns)> = Vec::new();
    let mut footprints = Vec::new();
    let mut skipped = Vec::new();
    for entry in entries {
        let Some(fns) = entry.fns(workload) else {
            continue;
        };
        progress(&format!("{} warm-up: {}", workload.id(), entry.name));
        match (fns.warm_up)(workload, &inputs, budget) {
            WarmUp::Done { footprint } => {
                if workload.is_var() {
                    footprints.push((entry.name, footprint));
                }
                runners.push((entry.name, fns));
            }
            WarmUp::OverBudget {
                elapsed,
                done,
                steps,
            } => {
                let reason = format!(
                    "skipped: its warm-up run was stopped after {done} of {steps} steps \
                     in {:.1} s, on course for at least {:.0} s per run (a run is allowed {} s)",
                    elapsed.as_secs_f64(),
                    elapsed.as_secs_f64() * steps as f64 / done as f64,
                    budget.as_secs_f64()
                );
                progress(&format!("{} {}: {reason}", workload.id(), entry.name));
                skipped.push((entry.name, reason));
            }
        }
    }
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(reps); runners.len()];
    for rep in 0..reps {
        progress(&format!("{} rep {}/{reps}", workload.id(), rep + 1));
        for i in rotation(rep, runners.len()) {
            let elapsed = (runners[i].1.measure)(workload, &inputs);
            samples[i].push(elapsed.as_nanos() as f64 / ops);
        }
    }
    let named: Vec<(&'static str, Vec<f64>)> =
        runners.iter().map(|&(name, _)| name).zip(samples).collect();
    WorkloadResult {
        workload: *workload,
        ranked: rank(&named),
        footprints,
        skipped,
    }
}

/// Runs every entry that runs `workload` at its size under the
/// correctness checker; returns the first failure.
pub fn preflight(workload: &Workload, entries: &[Entry]) -> Result<(), String> {
    let inputs = workload.inputs(SEED);
    for entry in entries {
        let Some(fns) = entry.fns(workload) else {
            continue;
        };
        (fns.check)(workload, &inputs)
            .map_err(|e| format!("{} failed {}: {e}", entry.name, workload.id()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contender::all;
    use crate::workload::{LiveSet, Scale};

    #[test]
    fn rotation_visits_everyone_once_starting_further_each_rep() {
        assert_eq!(rotation(0, 3).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(rotation(1, 3).collect::<Vec<_>>(), [1, 2, 0]);
        assert_eq!(rotation(5, 3).collect::<Vec<_>>(), [2, 0, 1]);
        assert_eq!(rotation(0, 0).count(), 0);
    }

    #[test]
    fn a_tiny_run_yields_every_contender_with_reps_samples() {
        let entries = all();
        for workload in Workload::all(Scale::Tiny) {
            let runs = entries
                .iter()
                .filter(|e| e.fns(&workload).is_some())
                .count();
            let mut heard = 0;
            let result = run_workload(&workload, &entries, 2, RUN_BUDGET, |_| heard += 1);
            assert_eq!(heard, runs + 2, "one warm-up per contender and one per rep");
            assert_eq!(result.ranked.len(), runs);
            assert!(result.skipped.is_empty());
            for r in &result.ranked {
                assert_eq!(r.samples.len(), 2);
                assert!(r.summary.median > 0.0);
            }
            assert_eq!(result.ranked[0].ratio, 1.0);
            if workload.is_var() {
                assert_eq!(result.footprints.len(), runs);
                for &(name, footprint) in &result.footprints {
                    let arena = !matches!(name, "mimalloc" | "system allocator");
                    assert_eq!(footprint.is_some(), arena, "{name}");
                    if let Some(f) = footprint {
                        assert!(f.ratio() >= 1.0 && f.ratio() < 10.0, "{name}: {f:?}");
                    }
                }
                let sizes = workload.inputs(SEED).sizes;
                let vp = result.footprint("poolalloc VarPool").unwrap();
                let first: usize = sizes[..workload.peak_live()]
                    .iter()
                    .map(|&s| s as usize)
                    .sum();
                assert!(vp.peak_live_bytes >= first);
            } else {
                assert!(result.footprints.is_empty());
            }
        }
    }

    #[test]
    fn a_run_over_budget_is_skipped_with_a_note() {
        let workload = Workload::VarChurn {
            set: LiveSet::Small,
            live: 10,
            steps: 5_000,
        };
        let entries: Vec<_> = all()
            .into_iter()
            .filter(|e| e.name == "talc" || e.name == "slab::Slab")
            .collect();
        let result = run_workload(&workload, &entries, 1, Duration::ZERO, |_| {});
        assert!(result.ranked.is_empty());
        assert_eq!(result.skipped.len(), 1);
        let (name, reason) = &result.skipped[0];
        assert_eq!(*name, "talc");
        assert!(reason.contains("after 1024 of 5000 steps"), "{reason}");
    }

    #[test]
    fn preflight_passes_at_tiny_scale() {
        for workload in Workload::all(Scale::Tiny) {
            preflight(&workload, &all()).unwrap();
        }
    }
}
