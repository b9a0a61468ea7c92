//! `poolalloc-bench`: poolalloc's `BlockPool` (64-byte blocks aligned to
//! 8) and `VarPool` (8 to 4096 bytes aligned to 8) head to head with other
//! pools and allocators.
//!
//! # Workloads
//!
//! - **W1 hot pair**: allocate one block, fill its 64 bytes, free it;
//!   1,000,000 times. Reported per pair.
//! - **W2 batch**: allocate 10,000 blocks (each filled), then free them all
//!   in a pre-shuffled order; 100 cycles. Reported per allocation + free.
//! - **W3 steady churn**: 10,000 blocks live; each of 1,000,000 steps frees
//!   a randomly chosen one and allocates (and fills) its replacement.
//!   Reported per step. The initial fill and final drain are not timed.
//! - **W4 variable churn** (`W4-1k`, `W4`, `W4-100k`): 1,000, 10,000 or
//!   100,000 allocations live, of sizes log-uniform in 8..=4096 bytes; each
//!   of 1,000,000 steps frees a randomly chosen one and allocates one of
//!   the next size, writing its first and last byte. Reported per step,
//!   with each arena-based contender's *footprint*: the highest end of a
//!   live allocation (as an offset from the arena's start) over the most
//!   requested bytes live at once. Every arena-based contender gets the
//!   same arena: twice the live set at the mean size (655 B), plus 64 KiB,
//!   allocated page-aligned and written once before the contender is built.
//!   Quick mode runs W4 at a tenth of those live sets.
//!
//! Random choices (and W4's sizes) come from a SplitMix64 generator with a
//! fixed seed and are drawn before timing.
//!
//! # Contenders
//!
//! W1–W3: poolalloc `BlockPool` (unchecked free; also without event
//! counters, and with the checked `free`), `slab::Slab<[u8; 64]>`,
//! `slotmap::SlotMap<DefaultKey, [u8; 64]>`, fastalloc's `FixedPool`, and
//! mimalloc and the system allocator called through `GlobalAlloc` with a
//! 64-byte, 8-aligned layout. Every contender is built for the workload's
//! peak live count before timing.
//!
//! W4: poolalloc `VarPool` (unchecked free) over a `HeapRegion`, talc 5's
//! `Talc` (its core allocator with the `Manual` source, one `claim`),
//! rlsf's `Tlsf`, linked_list_allocator's `Heap` (O(free blocks) per call:
//! skipped where one run would take over 20 s), and mimalloc and the
//! system allocator through `GlobalAlloc` (no arena, so no footprint).
//!
//! See [`contender`] to add one.
//!
//! # Method
//!
//! All contenders run in one process. Per workload, each runs once untimed
//! (warm-up; W4's measures the footprint and gives up on a contender whose
//! run would exceed 20 s), then for every repetition each runs once, the
//! order rotating by one each repetition. The report gives each
//! contender's median and minimum over repetitions, sorted by median, with
//! the ratio of its median to the fastest median. Before measuring, every
//! contender runs each workload at a tiny size under a checker that
//! verifies allocation and free counts and that no live block is handed
//! out twice (W4: no overlapping live ranges, every byte preserved, and
//! allocations aligned and inside the arena).
//!
//! # Running
//!
//! ```text
//! cargo run --release -p poolalloc-bench                 # full: 15 reps
//! cargo run --release -p poolalloc-bench -- --quick      # smoke: 1/20 size, 3 reps
//! cargo run --release -p poolalloc-bench -- --reps 11 --workload W1,W3 --json out.json
//! cargo run --release -p poolalloc-bench -- --quick --contender blockpool,slab
//! ```
//!
//! Tables go to stdout, progress to stderr, and the JSON results (every
//! sample included) to `target/poolalloc-bench.json` unless `--json` says
//! otherwise (relative paths are relative to the working directory).

mod check;
mod cli;
mod contender;
mod driver;
mod json;
mod report;
mod rng;
mod stats;
mod workload;

use cli::Options;
use std::io::Write as _;
use std::process::ExitCode;
use workload::{Scale, Workload};

fn main() -> ExitCode {
    let known: Vec<&str> = Workload::all(Scale::Tiny).iter().map(|w| w.id()).collect();
    let options = match Options::parse(std::env::args().skip(1), &known) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("poolalloc-bench: {e}\n\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    if options.help {
        println!("{}", cli::USAGE);
        return ExitCode::SUCCESS;
    }
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("poolalloc-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options) -> Result<(), String> {
    let scale = if options.quick {
        Scale::Quick
    } else {
        Scale::Full
    };
    let reps = options.reps();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let entries: Vec<_> = contender::all()
        .into_iter()
        .filter(|e| options.selects_contender(e.name))
        .collect();
    if entries.is_empty() {
        return Err("no contender matches --contender".to_owned());
    }

    for workload in Workload::all(Scale::Tiny) {
        driver::preflight(&workload, &entries)?;
    }

    println!("{}", report::header(cores, reps, scale.name()));
    let workloads: Vec<Workload> = Workload::all(scale)
        .into_iter()
        .filter(|w| options.selects(w.id()))
        .collect();
    let mut results = Vec::new();
    for workload in &workloads {
        let result = driver::run_workload(workload, &entries, reps, driver::RUN_BUDGET, |msg| {
            eprint!("\r{msg:<72}");
            let _ = std::io::stderr().flush();
        });
        eprintln!();
        println!();
        print!("{}", report::result_table(&result));
        let _ = std::io::stdout().flush();
        results.push(result);
    }

    let titles: Vec<String> = results.iter().map(|r| r.workload.title()).collect();
    let docs: Vec<json::WorkloadJson<'_>> = results
        .iter()
        .zip(&titles)
        .map(|(r, title)| json::WorkloadJson {
            id: r.workload.id(),
            title,
            unit: r.workload.unit(),
            ops_per_rep: r.workload.ops(),
            results: &r.ranked,
            footprints: r.workload.is_var().then_some(&r.footprints[..]),
            skipped: &r.skipped,
        })
        .collect();
    let doc = json::document(cores, reps, scale.name(), &docs);
    if let Some(parent) = options.json.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("creating {}: {e}", parent.display()))?;
    }
    std::fs::write(&options.json, doc)
        .map_err(|e| format!("writing {}: {e}", options.json.display()))?;
    println!("\nJSON results: {}", options.json.display());
    Ok(())
}
