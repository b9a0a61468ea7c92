//! Human-readable output: the header line and one Markdown table per
//! workload; W4's tables have a footprint column and a note for each
//! skipped contender.

use crate::driver::WorkloadResult;
use crate::stats::Ranked;
use crate::workload::Footprint;

/// The first line of the report: machine, repetitions and mode.
pub fn header(cores: usize, reps: usize, mode: &str) -> String {
    format!(
        "machine: {cores} cores (available_parallelism), {}-{}; reps: {reps}; mode: {mode}",
        std::env::consts::ARCH,
        std::env::consts::OS,
    )
}

/// A Markdown table of `rows` (already sorted, fastest first) under a
/// heading naming the workload.
pub fn table(id: &str, title: &str, unit: &str, rows: &[Ranked]) -> String {
    let mut out = format!("### {id} {title} ({unit})\n\n");
    out.push_str("| contender | median ns | min ns | ratio to fastest |\n");
    out.push_str("|---|---:|---:|---:|\n");
    for row in rows {
        out.push_str(&format!(
            "| {} | {:.2} | {:.2} | {:.2}x |\n",
            row.name, row.summary.median, row.summary.min, row.ratio
        ));
    }
    out
}

/// The table of `result`: as [`table`], with a footprint column for W4
/// and a line for each skipped contender.
pub fn result_table(result: &WorkloadResult) -> String {
    let w = &result.workload;
    let mut out = if w.is_var() {
        footprint_table(w.id(), &w.title(), w.unit(), &result.ranked, |name| {
            result.footprint(name)
        })
    } else {
        table(w.id(), &w.title(), w.unit(), &result.ranked)
    };
    for (name, reason) in &result.skipped {
        out.push_str(&format!("\n{name}: {reason}\n"));
    }
    out
}

/// As [`table`], with a footprint column: the peak arena offset over the
/// peak live requested bytes, with the two numbers, or "n/a" for
/// contenders without an arena.
pub fn footprint_table(
    id: &str,
    title: &str,
    unit: &str,
    rows: &[Ranked],
    footprint: impl Fn(&str) -> Option<Footprint>,
) -> String {
    let mut out = format!("### {id} {title} ({unit})\n\n");
    out.push_str(
        "| contender | median ns | min ns | ratio to fastest \
         | footprint (peak arena offset / peak live bytes) |\n",
    );
    out.push_str("|---|---:|---:|---:|---:|\n");
    for row in rows {
        let footprint = match footprint(row.name) {
            Some(f) => format!(
                "{:.3} ({} / {})",
                f.ratio(),
                f.peak_offset,
                f.peak_live_bytes
            ),
            None => "n/a".to_owned(),
        };
        out.push_str(&format!(
            "| {} | {:.2} | {:.2} | {:.2}x | {footprint} |\n",
            row.name, row.summary.median, row.summary.min, row.ratio
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::rank;

    #[test]
    fn renders_a_known_table() {
        let rows = rank(&[
            ("b pool", vec![4.0, 5.0, 6.0]),
            ("a pool", vec![2.0, 1.5, 2.5]),
        ]);
        let expected = "\
### W9 test workload (ns per thing)

| contender | median ns | min ns | ratio to fastest |
|---|---:|---:|---:|
| a pool | 2.00 | 1.50 | 1.00x |
| b pool | 5.00 | 4.00 | 2.50x |
";
        assert_eq!(
            table("W9", "test workload", "ns per thing", &rows),
            expected
        );
    }

    #[test]
    fn renders_a_known_footprint_table() {
        let rows = rank(&[("arena", vec![3.0]), ("malloc", vec![1.5])]);
        let expected = "\
### W4 var (ns per step)

| contender | median ns | min ns | ratio to fastest | footprint (peak arena offset / peak live bytes) |
|---|---:|---:|---:|---:|
| malloc | 1.50 | 1.50 | 1.00x | n/a |
| arena | 3.00 | 3.00 | 2.00x | 1.125 (1125 / 1000) |
";
        let footprint = |name: &str| {
            (name == "arena").then_some(Footprint {
                peak_offset: 1125,
                peak_live_bytes: 1000,
            })
        };
        assert_eq!(
            footprint_table("W4", "var", "ns per step", &rows, footprint),
            expected
        );
    }

    #[test]
    fn header_names_cores_reps_and_mode() {
        let h = header(2, 5, "quick");
        assert!(h.starts_with("machine: 2 cores"), "{h}");
        assert!(h.ends_with("reps: 5; mode: quick"), "{h}");
    }
}
