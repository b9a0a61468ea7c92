//! Human-readable output: the header line and one Markdown table per
//! workload.

use crate::stats::Ranked;

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
    fn header_names_cores_reps_and_mode() {
        let h = header(2, 5, "quick");
        assert!(h.starts_with("machine: 2 cores"), "{h}");
        assert!(h.ends_with("reps: 5; mode: quick"), "{h}");
    }
}
