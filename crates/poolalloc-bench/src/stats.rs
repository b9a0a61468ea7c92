//! Summary statistics over repetitions, and the ranking of contenders.

/// Median and minimum of a set of samples.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// The middle sample (the mean of the two middle ones for an even
    /// count).
    pub median: f64,
    /// The smallest sample.
    pub min: f64,
}

impl Summary {
    /// Summarises `samples`; `None` when there are none (or one is NaN).
    pub fn of(samples: &[f64]) -> Option<Summary> {
        if samples.is_empty() || samples.iter().any(|s| s.is_nan()) {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        Some(Summary {
            median,
            min: sorted[0],
        })
    }
}

/// One contender's result in a workload.
#[derive(Clone, Debug, PartialEq)]
pub struct Ranked {
    /// The contender's label.
    pub name: &'static str,
    /// Its median and minimum.
    pub summary: Summary,
    /// Its median over the fastest median (1.0 for the fastest).
    pub ratio: f64,
    /// Every sample, in repetition order.
    pub samples: Vec<f64>,
}

/// Summarises each contender's samples and sorts them by median, fastest
/// first. Contenders without samples are left out.
pub fn rank(results: &[(&'static str, Vec<f64>)]) -> Vec<Ranked> {
    let mut ranked: Vec<Ranked> = results
        .iter()
        .filter_map(|(name, samples)| {
            Some(Ranked {
                name,
                summary: Summary::of(samples)?,
                ratio: 1.0,
                samples: samples.clone(),
            })
        })
        .collect();
    ranked.sort_by(|a, b| {
        a.summary
            .median
            .total_cmp(&b.summary.median)
            .then(a.name.cmp(b.name))
    });
    if let Some(fastest) = ranked.first().map(|r| r.summary.median) {
        for r in &mut ranked {
            r.ratio = r.summary.median / fastest;
        }
    }
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        let odd = Summary::of(&[5.0, 1.0, 3.0]).unwrap();
        assert_eq!((odd.median, odd.min), (3.0, 1.0));
        let even = Summary::of(&[4.0, 1.0, 3.0, 10.0]).unwrap();
        assert_eq!((even.median, even.min), (3.5, 1.0));
        let one = Summary::of(&[2.5]).unwrap();
        assert_eq!((one.median, one.min), (2.5, 2.5));
    }

    #[test]
    fn median_ignores_outliers() {
        let s = Summary::of(&[10.0, 11.0, 1000.0, 9.0, 10.5]).unwrap();
        assert_eq!((s.median, s.min), (10.5, 9.0));
    }

    #[test]
    fn no_summary_without_valid_samples() {
        assert_eq!(Summary::of(&[]), None);
        assert_eq!(Summary::of(&[1.0, f64::NAN]), None);
    }

    #[test]
    fn rank_sorts_by_median_and_divides_by_the_fastest() {
        let ranked = rank(&[
            ("slow", vec![8.0, 9.0, 10.0]),
            ("fast", vec![2.0, 1.0, 3.0]),
            ("empty", vec![]),
            ("mid", vec![5.0, 4.0]),
        ]);
        let names: Vec<_> = ranked.iter().map(|r| r.name).collect();
        assert_eq!(names, ["fast", "mid", "slow"]);
        let ratios: Vec<_> = ranked.iter().map(|r| r.ratio).collect();
        assert_eq!(ratios, [1.0, 2.25, 4.5]);
        assert_eq!(ranked[2].samples, [8.0, 9.0, 10.0]);
    }
}
