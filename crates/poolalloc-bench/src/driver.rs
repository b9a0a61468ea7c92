//! The repetition driver: runs every contender on a workload, interleaved
//! in one process, rotating the order each repetition.

use crate::contender::Entry;
use crate::stats::{Ranked, rank};
use crate::workload::{SEED, Workload};

/// One workload's samples, ranked.
#[derive(Clone, Debug)]
pub struct WorkloadResult {
    /// The workload.
    pub workload: Workload,
    /// The contenders, fastest median first.
    pub ranked: Vec<Ranked>,
}

/// The order of contenders in repetition `rep` of `n`: all of them,
/// starting at `rep % n`.
pub fn rotation(rep: usize, n: usize) -> impl Iterator<Item = usize> {
    (0..n).map(move |k| (rep + k) % n)
}

/// Runs `workload` on every entry: one untimed warm-up run each, then
/// `reps` repetitions, each running every entry once in rotated order.
/// Samples are nanoseconds per workload operation. `progress` hears about
/// each repetition.
pub fn run_workload(
    workload: &Workload,
    entries: &[Entry],
    reps: usize,
    mut progress: impl FnMut(&str),
) -> WorkloadResult {
    let inputs = workload.inputs(SEED);
    let ops = workload.ops() as f64;
    for entry in entries {
        (entry.measure)(workload, &inputs);
    }
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(reps); entries.len()];
    for rep in 0..reps {
        progress(&format!("{} rep {}/{reps}", workload.id(), rep + 1));
        for i in rotation(rep, entries.len()) {
            let elapsed = (entries[i].measure)(workload, &inputs);
            samples[i].push(elapsed.as_nanos() as f64 / ops);
        }
    }
    let named: Vec<(&'static str, Vec<f64>)> =
        entries.iter().map(|e| e.name).zip(samples).collect();
    WorkloadResult {
        workload: *workload,
        ranked: rank(&named),
    }
}

/// Runs every entry on `workload` at its size under the correctness
/// checker; returns the first failure.
pub fn preflight(workload: &Workload, entries: &[Entry]) -> Result<(), String> {
    let inputs = workload.inputs(SEED);
    for entry in entries {
        (entry.check)(workload, &inputs)
            .map_err(|e| format!("{} failed {}: {e}", entry.name, workload.id()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contender::all;
    use crate::workload::Scale;

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
        let workload = Workload::all(Scale::Tiny)[1];
        let mut heard = 0;
        let result = run_workload(&workload, &entries, 2, |_| heard += 1);
        assert_eq!(heard, 2);
        assert_eq!(result.ranked.len(), entries.len());
        for r in &result.ranked {
            assert_eq!(r.samples.len(), 2);
            assert!(r.summary.median > 0.0);
        }
        assert_eq!(result.ranked[0].ratio, 1.0);
    }

    #[test]
    fn preflight_passes_at_tiny_scale() {
        for workload in Workload::all(Scale::Tiny) {
            preflight(&workload, &all()).unwrap();
        }
    }
}
