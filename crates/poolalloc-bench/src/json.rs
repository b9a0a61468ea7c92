//! Machine-readable output, written by hand (no serialisation
//! dependency).

use crate::stats::Ranked;
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
                 \"ratio_to_fastest\": {}, \"samples_ns\": [{}]}}",
                string(r.name),
                number(r.summary.median),
                number(r.summary.min),
                number(r.ratio),
                samples.join(", ")
            );
        }
        out.push_str(if w.results.is_empty() {
            "]}"
        } else {
            "\n    ]}"
        });
    }
    out.push_str(if workloads.is_empty() {
        "]\n}\n"
    } else {
        "\n  ]\n}\n"
    });
    out
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
            }],
        );
        let expected = format!(
            "{{\n  \"machine\": {{\"available_parallelism\": 2, \"arch\": \"{}\", \"os\": \"{}\"}},\n  \
             \"mode\": \"quick\",\n  \"reps\": 2,\n  \"workloads\": [\n    \
             {{\"id\": \"W1\", \"title\": \"t\", \"unit\": \"ns\", \"ops_per_rep\": 10, \"results\": [\n      \
             {{\"contender\": \"p\", \"median_ns\": 1.5000, \"min_ns\": 1.0000, \"ratio_to_fastest\": 1.0000, \"samples_ns\": [2.0000, 1.0000]}},\n      \
             {{\"contender\": \"q\", \"median_ns\": 4.0000, \"min_ns\": 4.0000, \"ratio_to_fastest\": 2.6667, \"samples_ns\": [4.0000]}}\n    \
             ]}}\n  ]\n}}\n",
            std::env::consts::ARCH,
            std::env::consts::OS
        );
        assert_eq!(doc, expected);
    }

    #[test]
    fn empty_document_is_well_formed() {
        let doc = document(1, 0, "full", &[]);
        assert!(doc.ends_with("\"workloads\": []\n}\n"), "{doc}");
    }
}
