//! Command-line options, parsed by hand.

use std::path::PathBuf;

/// Repetitions in full mode.
pub const FULL_REPS: usize = 15;
/// Repetitions in quick mode.
pub const QUICK_REPS: usize = 3;
/// Where the JSON results go unless `--json` says otherwise.
pub const DEFAULT_JSON: &str = "target/poolalloc-bench.json";

/// The usage text.
pub const USAGE: &str = "\
usage: poolalloc-bench [--quick] [--reps N] [--json PATH] [--workload W1,W3]
                       [--contender TEXT,...]

  --quick          smoke run: 1/20 of the iterations (and W4 at 1/10 of
                   its live sets), 3 repetitions
  --reps N         repetitions per contender (default 15, or 3 with --quick)
  --json PATH      where to write the JSON results
                   (default target/poolalloc-bench.json)
  --workload LIST  comma-separated workload ids to run, of W1, W2, W3,
                   W4-1k, W4, W4-100k (default: all)
  --contender LIST run only contenders whose name contains one of these
                   comma-separated texts (case-insensitive; default: all)
  --help           print this text";

/// What the command line asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Smoke mode.
    pub quick: bool,
    /// Repetitions, when given.
    pub reps: Option<usize>,
    /// The JSON output path.
    pub json: PathBuf,
    /// Workload ids to run (upper case), or `None` for all.
    pub workloads: Option<Vec<String>>,
    /// Texts selecting contenders by name (lower case), or `None` for all.
    pub contenders: Option<Vec<String>>,
    /// Print usage and exit.
    pub help: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            quick: false,
            reps: None,
            json: PathBuf::from(DEFAULT_JSON),
            workloads: None,
            contenders: None,
            help: false,
        }
    }
}

impl Options {
    /// The number of repetitions to run.
    pub fn reps(&self) -> usize {
        self.reps
            .unwrap_or(if self.quick { QUICK_REPS } else { FULL_REPS })
    }

    /// Whether workload `id` was selected.
    pub fn selects(&self, id: &str) -> bool {
        self.workloads
            .as_ref()
            .is_none_or(|ids| ids.iter().any(|w| w.eq_ignore_ascii_case(id)))
    }

    /// Whether the contender called `name` was selected.
    pub fn selects_contender(&self, name: &str) -> bool {
        let name = name.to_lowercase();
        self.contenders
            .as_ref()
            .is_none_or(|texts| texts.iter().any(|t| name.contains(t.as_str())))
    }

    /// Parses the arguments after the program name; `known` lists the
    /// valid workload ids.
    pub fn parse(
        args: impl IntoIterator<Item = String>,
        known: &[&str],
    ) -> Result<Options, String> {
        let mut options = Options::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
                _ => (arg, None),
            };
            let mut value = |name: &str| {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .ok_or_else(|| format!("{name} needs a value"))
            };
            match flag.as_str() {
                "--quick" => options.quick = true,
                "--help" | "-h" => options.help = true,
                "--reps" => {
                    let v = value("--reps")?;
                    let n: usize = v
                        .parse()
                        .map_err(|_| format!("--reps: not a number: {v}"))?;
                    if n == 0 {
                        return Err("--reps must be at least 1".to_owned());
                    }
                    options.reps = Some(n);
                }
                "--json" => options.json = PathBuf::from(value("--json")?),
                "--workload" | "--workloads" => {
                    let v = value("--workload")?;
                    let mut ids = Vec::new();
                    for id in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                        let Some(k) = known.iter().find(|k| k.eq_ignore_ascii_case(id)) else {
                            return Err(format!(
                                "unknown workload {id} (known: {})",
                                known.join(", ")
                            ));
                        };
                        ids.push((*k).to_owned());
                    }
                    if ids.is_empty() {
                        return Err("--workload needs at least one id".to_owned());
                    }
                    options.workloads = Some(ids);
                }
                "--contender" | "--contenders" => {
                    let v = value("--contender")?;
                    let texts: Vec<String> = v
                        .split(',')
                        .map(|t| t.trim().to_lowercase())
                        .filter(|t| !t.is_empty())
                        .collect();
                    if texts.is_empty() {
                        return Err("--contender needs at least one name".to_owned());
                    }
                    options.contenders = Some(texts);
                }
                other => return Err(format!("unknown argument {other}")),
            }
        }
        Ok(options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &["W1", "W2", "W3"];

    fn parse(args: &[&str]) -> Result<Options, String> {
        Options::parse(args.iter().map(|s| s.to_string()), KNOWN)
    }

    #[test]
    fn defaults() {
        let o = parse(&[]).unwrap();
        assert_eq!(o, Options::default());
        assert_eq!(o.reps(), FULL_REPS);
        assert!(o.selects("W2"));
        assert_eq!(o.json, PathBuf::from(DEFAULT_JSON));
    }

    #[test]
    fn every_flag() {
        let o = parse(&[
            "--quick",
            "--reps",
            "4",
            "--json",
            "out.json",
            "--workload",
            "w1,W3",
        ])
        .unwrap();
        assert!(o.quick);
        assert_eq!(o.reps(), 4);
        assert_eq!(o.json, PathBuf::from("out.json"));
        assert!(o.selects("W1") && o.selects("W3") && !o.selects("W2"));
        let o = parse(&["--reps=2", "--json=x.json", "--workload=W2"]).unwrap();
        assert_eq!((o.reps(), o.json.to_str()), (2, Some("x.json")));
        assert!(!o.selects("W1") && o.selects("W2"));
        assert!(o.selects_contender("anything"));
    }

    #[test]
    fn contender_filter_matches_substrings() {
        let o = parse(&["--contender", "Slab, mimalloc"]).unwrap();
        assert!(o.selects_contender("slab::Slab"));
        assert!(o.selects_contender("mimalloc"));
        assert!(!o.selects_contender("poolalloc BlockPool"));
        assert!(parse(&["--contender", " "]).is_err());
    }

    #[test]
    fn quick_defaults_to_three_reps() {
        assert_eq!(parse(&["--quick"]).unwrap().reps(), QUICK_REPS);
    }

    #[test]
    fn errors() {
        assert!(parse(&["--reps"]).unwrap_err().contains("needs a value"));
        assert!(
            parse(&["--reps", "x"])
                .unwrap_err()
                .contains("not a number")
        );
        assert!(parse(&["--reps", "0"]).is_err());
        assert!(
            parse(&["--workload", "W9"])
                .unwrap_err()
                .contains("unknown workload")
        );
        assert!(parse(&["--workload", ","]).is_err());
        assert!(parse(&["--fast"]).unwrap_err().contains("unknown argument"));
    }
}
