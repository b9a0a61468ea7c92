//! Machine-readable output, written by hand (no serialisation
//! dependency).

use crate::stats::Ranked;
use crate::workload::Footprint;
use std::fmt::Write as _;

/// One workload's results, as written to the JSON file.
#[derive(Clone, Debug)]
pub struct WorkloadJson<'a> {
    /// Short id (`W1`).
    pub id: &'a str,
    /// One-line description.
    pub title: &'a str,
    /// What a reported nanosecond figure is per.
    pub unit: &'a str,
    /// Operations per timed run.
    pub ops_per_rep: usize,
    /// The contenders, fastest first.
    pub results: &'a [Ranked],
    /// W4: each contender's footprint (`None`: no arena), written as a
    /// `footprint` field of each result; `None` for W1–W3, which have no
    /// such field.
    pub footprints: Option<&'a [(&'static str, Option<Footprint>)]>,
    /// Contenders left out, with the reason.
    pub skipped: &'a [(&'static str, String)],
}

/// The whole results document.
pub fn document(cores: usize, reps: usize, mode: &str, workloads: &[WorkloadJson<'_>]) -> String {
    let mut out = String::from("{\n");
    let _ = writeln!(
        out,
        "  \"machine\": {{\"available_parallelism\": {cores}, \"arch\": {}, \"os\": {}}},",
        string(std::env::consts::ARCH),
        string(std::env::consts::OS)
    );
    let _ = writeln!(out, "  \"mode\": {},", string(mode));
    let _ = writeln!(out, "  \"reps\": {reps},");
    out.push_str("  \"workloads\": [");
    for (i, w) in workloads.iter().enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        let _ = write!(
            out,
            "    {{\"id\": {}, \"title\": {}, \"unit\": {}, \"ops_per_rep\": {}, \"results\": [",
            string(w.id),
            string(w.title),
            string(w.unit),
            w.ops_per_rep
        );
        for (j, r) in w.results.iter().enumerate() {
            out.push_str(if j == 0 { "\n" } else { ",\n" });
            let samples: Vec<String> = r.samples.iter().map(|&s| number(s)).collect();
            let _ = write!(
                out,
                "      {{\"contender\": {}, \"median_ns\": {}, \"min_ns\": {}, \
                 \"ratio_to_fastest\": {}, \"samples_ns\": [{}]",
                string(r.name),
                number(r.summary.median),
                number(r.summary.min),
                number(r.ratio),
                samples.join(", ")
            );
            if let Some(footprints) = w.footprints {
                let found = footprints
                    .iter()
                    .find(|(name, _)| *name == r.name)
                    .and_then(|&(_, f)| f);
                out.push_str(", \"footprint\": ");
                out.push_str(&footprint(found));
            }
            out.push('}');
        }
        out.push_str(if w.results.is_empty() { "]" } else { "\n    ]" });
        out.push_str(", \"skipped\": [");
        for (j, (name, reason)) in w.skipped.iter().enumerate() {
            if j > 0 {
                out.push_str(", ");
            }
            let _ = write!(
                out,
                "{{\"contender\": {}, \"reason\": {}}}",
                string(name),
                string(reason)
            );
        }
        out.push_str("]}");
    }
    out.push_str(if workloads.is_empty() {
        "]\n}\n"
    } else {
        "\n  ]\n}\n"
    });
    out
}

/// A footprint as a JSON object, or `null`.
pub fn footprint(f: Option<Footprint>) -> String {
    match f {
        Some(f) => format!(
            "{{\"peak_arena_offset_bytes\": {}, \"peak_live_bytes\": {}, \"ratio\": {}}}",
            f.peak_offset,
            f.peak_live_bytes,
            number(f.ratio())
        ),
        None => "null".to_owned(),
    }
}

/// A JSON string literal.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON number with four decimals, or `null` when not finite.
pub fn number(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.4}")
    } else {
        "null".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::rank;

    #[test]
    fn strings_are_escaped() {
        assert_eq!(string("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
        assert_eq!(string("plain (x)"), "\"plain (x)\"");
    }

    #[test]
    fn numbers_are_finite_or_null() {
        assert_eq!(number(1.5), "1.5000");
        assert_eq!(number(f64::INFINITY), "null");
        assert_eq!(number(f64::NAN), "null");
    }

    #[test]
    fn renders_a_known_document() {
        let rows = rank(&[("p", vec![2.0, 1.0]), ("q", vec![4.0])]);
        let doc = document(
            2,
            2,
            "quick",
            &[WorkloadJson {
                id: "W1",
                title: "t",
                unit: "ns",
                ops_per_rep: 10,
                results: &rows,
                footprints: None,
                skipped: &[],
            }],
        );
        let expected = format!(
            "{{\n  \"machine\": {{\"available_parallelism\": 2, \"arch\": \"{}\", \"os\": \"{}\"}},\n  \
             \"mode\": \"quick\",\n  \"reps\": 2,\n  \"workloads\": [\n    \
             {{\"id\": \"W1\", \"title\": \"t\", \"unit\": \"ns\", \"ops_per_rep\": 10, \"results\": [\n      \
             {{\"contender\": \"p\", \"median_ns\": 1.5000, \"min_ns\": 1.0000, \"ratio_to_fastest\": 1.0000, \"samples_ns\": [2.0000, 1.0000]}},\n      \
             {{\"contender\": \"q\", \"median_ns\": 4.0000, \"min_ns\": 4.0000, \"ratio_to_fastest\": 2.6667, \"samples_ns\": [4.0000]}}\n    \
             ], \"skipped\": []}}\n  ]\n}}\n",
            std::env::consts::ARCH,
            std::env::consts::OS
        );
        assert_eq!(doc, expected);
    }

    #[test]
    fn w4_results_carry_footprints_and_skips() {
        let rows = rank(&[("arena", vec![2.0]), ("malloc", vec![1.0])]);
        let footprints = [
            (
                "arena",
                Some(Footprint {
                    peak_offset: 300,
                    peak_live_bytes: 200,
                }),
            ),
            ("malloc", None),
        ];
        let skipped = [("slow", "too \"slow\"".to_owned())];
        let doc = document(
            1,
            1,
            "full",
            &[WorkloadJson {
                id: "W4",
                title: "t",
                unit: "ns",
                ops_per_rep: 1,
                results: &rows,
                footprints: Some(&footprints),
                skipped: &skipped,
            }],
        );
        assert!(
            doc.contains(
                "\"samples_ns\": [2.0000], \"footprint\": {\"peak_arena_offset_bytes\": 300, \
                 \"peak_live_bytes\": 200, \"ratio\": 1.5000}}"
            ),
            "{doc}"
        );
        assert!(
            doc.contains("\"samples_ns\": [1.0000], \"footprint\": null}"),
            "{doc}"
        );
        assert!(
            doc.contains(
                "], \"skipped\": [{\"contender\": \"slow\", \"reason\": \"too \\\"slow\\\"\"}]}"
            ),
            "{doc}"
        );
    }

    #[test]
    fn empty_document_is_well_formed() {
        let doc = document(1, 0, "full", &[]);
        assert!(doc.ends_with("\"workloads\": []\n}\n"), "{doc}");
    }
}
