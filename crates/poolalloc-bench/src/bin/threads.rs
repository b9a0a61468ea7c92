//! `poolalloc-bench-threads`: pools shared by threads, head to head.
//!
//! **W5 shared churn**: each of T threads keeps 16 values of 64 bytes live
//! from one shared pool; each of its steps frees its oldest value (after
//! checking its first word) and allocates (and fills) a new one. Reported:
//! nanoseconds per step per thread, the slowest thread's time over its
//! steps; lower is better, and equal across T means perfect scaling.
//!
//! Contenders: poolalloc `ThreadSafePool` (per-thread caches of 32),
//! `LockFreePool`, `MutexLocked<BlockPool>` (parking_lot) and
//! `SpinLocked<BlockPool>`; fastalloc's `ThreadSafePool` (a mutex around
//! its pool); mimalloc and the system allocator through `GlobalAlloc`.
//!
//! Method: one process; for each repetition every contender runs once per
//! thread count, the order rotating; the report gives medians over
//! repetitions and each median's ratio to the fastest at that thread
//! count.
//!
//! ```text
//! cargo run --release -p poolalloc-bench --bin poolalloc-bench-threads
//! cargo run --release -p poolalloc-bench --bin poolalloc-bench-threads -- --quick
//! ```

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::NonNull;
use poolalloc::BlockPool;
use poolalloc::region::{HeapRegion, Region};
use poolalloc::sync::{LockFreePool, MutexLocked, SpinLocked, ThreadSafePool};
use std::collections::VecDeque;
use std::sync::Barrier;
use std::time::{Duration, Instant};

/// A 64-byte value.
type Block = [u64; 8];

/// Values each thread keeps live.
const LIVE: usize = 16;
/// Slots in every pool: enough for two threads' live values and caches.
const CAPACITY: usize = 4096;

fn pattern(fill: u64) -> Block {
    [fill; 8]
}

/// A block address that may cross threads (the pool it came from is
/// `Sync`).
struct BlockPtr(NonNull<Block>);
// SAFETY: the block is owned by the thread holding this, which alone
// reads or frees it.
unsafe impl Send for BlockPtr {}

/// Writes the pattern into a fresh block.
fn fill_block(p: NonNull<u8>, fill: u64) -> BlockPtr {
    let p = p.cast::<Block>();
    // SAFETY: a fresh 64-byte, 8-aligned block owned by the caller.
    unsafe { p.write(pattern(fill)) };
    BlockPtr(p)
}

fn read_first(h: &BlockPtr) -> u64 {
    // SAFETY: a block filled by `fill_block`, owned by the caller.
    unsafe { h.0.as_ref()[0] }
}

/// The first word of a value behind a handle.
fn first_of<H: core::ops::Deref<Target = Block>>(h: &H) -> u64 {
    h[0]
}

const LAYOUT: Layout = Layout::new::<Block>();

/// `allocator`'s `alloc` with the block's layout, filled.
fn global_alloc(allocator: &impl GlobalAlloc, fill: u64) -> BlockPtr {
    // SAFETY: a non-zero layout.
    let p = unsafe { allocator.alloc(LAYOUT) };
    fill_block(NonNull::new(p).expect("the allocator has memory"), fill)
}

/// A contender's three operations; the handle type is inferred, so
/// handles that cannot be named (fastalloc's) work too.
struct Ops<A, R, F> {
    alloc: A,
    first_word: R,
    free: F,
}

/// Runs W5 on `threads` threads; returns the slowest thread's time.
fn run<H, A, R, F>(ops: &Ops<A, R, F>, threads: usize, steps: u64) -> Duration
where
    H: Send,
    A: Fn(u64) -> H + Sync,
    R: Fn(&H) -> u64 + Sync,
    F: Fn(H) + Sync,
{
    let start = Barrier::new(threads);
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads as u64)
            .map(|t| {
                let start = &start;
                s.spawn(move || {
                    let base = t << 40;
                    let mut live: VecDeque<H> =
                        (0..LIVE as u64).map(|i| (ops.alloc)(base + i)).collect();
                    start.wait();
                    let began = Instant::now();
                    for next in LIVE as u64..LIVE as u64 + steps {
                        let oldest = live.pop_front().expect("live values");
                        let expected = base + next - LIVE as u64;
                        assert_eq!((ops.first_word)(&oldest), expected, "a value changed");
                        (ops.free)(oldest);
                        live.push_back((ops.alloc)(base + next));
                    }
                    let took = began.elapsed();
                    for h in live {
                        (ops.free)(h);
                    }
                    took
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a worker"))
            .max()
            .unwrap_or_default()
    })
}

const NAMES: [&str; 7] = [
    "poolalloc ThreadSafePool",
    "poolalloc LockFreePool",
    "poolalloc MutexLocked<BlockPool>",
    "poolalloc SpinLocked<BlockPool>",
    "fastalloc ThreadSafePool",
    "mimalloc",
    "system",
];

fn run_contender(which: usize, threads: usize, steps: u64) -> Duration {
    match which {
        0 => {
            let pool = ThreadSafePool::<Block>::builder()
                .capacity(CAPACITY)
                .cache(32)
                .build()
                .expect("a valid pool");
            let ops = Ops {
                alloc: |fill| pool.try_alloc(pattern(fill)).expect("a free slot"),
                first_word: first_of,
                free: drop,
            };
            run(&ops, threads, steps)
        }
        1 => with_region(|region| {
            let pool = LockFreePool::new(region, 64, 8).expect("a pool");
            let ops = Ops {
                alloc: |fill| fill_block(pool.alloc().expect("a free block"), fill),
                first_word: read_first,
                // SAFETY: allocated from this pool and freed once.
                free: |h: BlockPtr| unsafe { pool.free_unchecked(h.0.cast()) },
            };
            run(&ops, threads, steps)
        }),
        2 => with_region(|region| {
            let pool = MutexLocked::new(BlockPool::new(region, 64, 8).expect("a pool"));
            let ops = Ops {
                alloc: |fill| fill_block(pool.alloc().expect("a free block"), fill),
                first_word: read_first,
                // SAFETY: allocated from this pool and freed once.
                free: |h: BlockPtr| unsafe { pool.free_unchecked(h.0.cast()) },
            };
            run(&ops, threads, steps)
        }),
        3 => with_region(|region| {
            let pool = SpinLocked::new(BlockPool::new(region, 64, 8).expect("a pool"));
            let ops = Ops {
                alloc: |fill| fill_block(pool.alloc().expect("a free block"), fill),
                first_word: read_first,
                // SAFETY: allocated from this pool and freed once.
                free: |h: BlockPtr| unsafe { pool.free_unchecked(h.0.cast()) },
            };
            run(&ops, threads, steps)
        }),
        4 => {
            let pool = fastalloc::ThreadSafePool::<Block>::new(CAPACITY).expect("a pool");
            let ops = Ops {
                alloc: |fill| pool.allocate(pattern(fill)).expect("a free slot"),
                first_word: first_of,
                free: drop,
            };
            run(&ops, threads, steps)
        }
        5 => {
            let ops = Ops {
                alloc: |fill| global_alloc(&mimalloc::MiMalloc, fill),
                first_word: read_first,
                // SAFETY: allocated by mimalloc with `LAYOUT`.
                free: |h: BlockPtr| unsafe {
                    mimalloc::MiMalloc.dealloc(h.0.as_ptr().cast(), LAYOUT)
                },
            };
            run(&ops, threads, steps)
        }
        _ => {
            let ops = Ops {
                alloc: |fill| global_alloc(&std::alloc::System, fill),
                first_word: read_first,
                // SAFETY: allocated by the system allocator with `LAYOUT`.
                free: |h: BlockPtr| unsafe {
                    std::alloc::System.dealloc(h.0.as_ptr().cast(), LAYOUT)
                },
            };
            run(&ops, threads, steps)
        }
    }
}

/// Runs `f` over a heap region big enough for `CAPACITY` blocks plus a
/// pool's bookkeeping.
fn with_region<R>(f: impl FnOnce(Region<'_>) -> R) -> R {
    let bytes = LockFreePool::region_size_for(CAPACITY, 64, 8)
        .expect("a size")
        .max(BlockPool::region_size_for(CAPACITY, 64, 8).expect("a size"));
    let mut heap = HeapRegion::new(bytes, 64).expect("memory");
    f(heap.region())
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (steps, reps) = if quick { (50_000, 3) } else { (1_000_000, 9) };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let thread_counts: Vec<usize> = [1, 2, 4]
        .into_iter()
        .filter(|&t| t <= cores.max(2))
        .collect();
    let mut samples = vec![vec![Vec::new(); NAMES.len()]; thread_counts.len()];
    for rep in 0..reps {
        eprintln!("repetition {}/{reps}", rep + 1);
        for (ti, &threads) in thread_counts.iter().enumerate() {
            for k in 0..NAMES.len() {
                let which = (k + rep) % NAMES.len();
                let took = run_contender(which, threads, steps);
                samples[ti][which].push(took.as_nanos() as f64 / steps as f64);
            }
        }
    }
    println!(
        "W5 shared churn: {LIVE} live 64-byte values per thread, {steps} steps per thread, {reps} repetitions on {cores} cores\n"
    );
    for (ti, &threads) in thread_counts.iter().enumerate() {
        let mut rows: Vec<(f64, f64, &str)> = samples[ti]
            .iter_mut()
            .zip(NAMES)
            .map(|(s, name)| {
                s.sort_by(f64::total_cmp);
                (s[s.len() / 2], s[0], name)
            })
            .collect();
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        let best = rows[0].0;
        println!("### {threads} thread(s): ns per step per thread\n");
        println!("| contender | median | min | ratio |");
        println!("|---|---:|---:|---:|");
        for (median, min, name) in rows {
            println!(
                "| {name} | {median:.2} | {min:.2} | {:.2}x |",
                median / best
            );
        }
        println!();
    }
}
