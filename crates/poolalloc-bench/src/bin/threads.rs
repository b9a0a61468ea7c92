//! `poolalloc-bench-threads`: pools shared by threads, head to head.
//!
//! **W5 shared hot pair**: each of T threads does W1 on one shared pool:
//! allocate a 64-byte value, fill it, free it; 1,000,000 times per
//! thread. Reported per thread count: nanoseconds per pair per thread
//! (the slowest thread's time over its pairs) and the total throughput in
//! millions of pairs per second. T = 1 is W1 single-threaded for the
//! shared pools.
//!
//! Contenders: poolalloc `ThreadSafePool` (per-thread caches of 32 free
//! slots), `LockFreePool`, `SpinLocked<BlockPool>` and
//! `MutexLocked<BlockPool>` (parking_lot); `sharded-slab`'s `Slab`;
//! `object-pool`'s `Pool`; fastalloc's `ThreadSafePool`; a
//! `std::sync::Mutex<slab::Slab>`; mimalloc and the system allocator
//! through `GlobalAlloc`.
//!
//! Method: one process; before timing, every contender runs 1,000 pairs
//! per thread under a check that each value reads back what was written.
//! Then for each repetition every contender runs once per thread count,
//! the order rotating by one each repetition; the report gives medians
//! and minimums over repetitions and each median's ratio to the fastest.
//!
//! ```text
//! cargo run --release -p poolalloc-bench --bin poolalloc-bench-threads
//! cargo run --release -p poolalloc-bench --bin poolalloc-bench-threads -- --quick
//! ```

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::NonNull;
use lock_api::RawMutex;
use poolalloc::BlockPool;
use poolalloc::region::{HeapRegion, Region};
use poolalloc::sync::{LockFreePool, Locked, MutexLocked, SpinLocked, ThreadSafePool};
use std::hint::black_box;
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};

/// A 64-byte value.
type Block = [u64; 8];

/// Slots in every pool: far more than the threads hold at once.
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

/// Runs W5 on `threads` threads, `steps` pairs each; returns the slowest
/// thread's time. With `check`, every value is read back before its free.
fn run<H, A, R, F>(ops: &Ops<A, R, F>, threads: usize, steps: u64, check: bool) -> Duration
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
                    start.wait();
                    let began = Instant::now();
                    if check {
                        for i in 0..steps {
                            let h = (ops.alloc)(base + i);
                            assert_eq!((ops.first_word)(&h), base + i, "a value changed");
                            (ops.free)(h);
                        }
                    } else {
                        for i in 0..steps {
                            // `black_box`: the compiler may not pair the
                            // allocation with its free and drop both.
                            (ops.free)(black_box((ops.alloc)(base + i)));
                        }
                    }
                    began.elapsed()
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

const NAMES: [&str; 10] = [
    "poolalloc ThreadSafePool",
    "poolalloc LockFreePool",
    "poolalloc SpinLocked<BlockPool>",
    "poolalloc MutexLocked<BlockPool>",
    "sharded-slab",
    "object-pool",
    "fastalloc ThreadSafePool",
    "Mutex<slab::Slab>",
    "mimalloc",
    "system",
];

/// Runs contender `which`, built fresh, on `threads` threads.
fn run_contender(which: usize, threads: usize, steps: u64, check: bool) -> Duration {
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
            run(&ops, threads, steps, check)
        }
        1 => with_region(|region| {
            let pool = LockFreePool::new(region, 64, 8).expect("a pool");
            let ops = Ops {
                alloc: |fill| fill_block(pool.alloc().expect("a free block"), fill),
                first_word: read_first,
                // SAFETY: allocated from this pool and freed once.
                free: |h: BlockPtr| unsafe { pool.free_unchecked(h.0.cast()) },
            };
            run(&ops, threads, steps, check)
        }),
        2 => with_region(|region| {
            let pool = SpinLocked::new(BlockPool::new(region, 64, 8).expect("a pool"));
            run_locked(&pool, threads, steps, check)
        }),
        3 => with_region(|region| {
            let pool = MutexLocked::new(BlockPool::new(region, 64, 8).expect("a pool"));
            run_locked(&pool, threads, steps, check)
        }),
        4 => {
            let slab = sharded_slab::Slab::<Block>::new();
            let ops = Ops {
                alloc: |fill| slab.insert(pattern(fill)).expect("a free slot"),
                first_word: |&key: &usize| slab.get(key).expect("a live key")[0],
                free: |key| {
                    slab.remove(key);
                },
            };
            run(&ops, threads, steps, check)
        }
        5 => {
            let pool = object_pool::Pool::new(CAPACITY, || pattern(0));
            let ops = Ops {
                alloc: |fill| {
                    let mut v = pool.try_pull().expect("a free value");
                    *v = pattern(fill);
                    v
                },
                first_word: first_of,
                free: drop,
            };
            run(&ops, threads, steps, check)
        }
        6 => {
            let pool = fastalloc::ThreadSafePool::<Block>::new(CAPACITY).expect("a pool");
            let ops = Ops {
                alloc: |fill| pool.allocate(pattern(fill)).expect("a free slot"),
                first_word: first_of,
                free: drop,
            };
            run(&ops, threads, steps, check)
        }
        7 => {
            let slab = Mutex::new(slab::Slab::<Block>::with_capacity(CAPACITY));
            let ops = Ops {
                alloc: |fill| slab.lock().expect("unpoisoned").insert(pattern(fill)),
                first_word: |&key: &usize| slab.lock().expect("unpoisoned")[key][0],
                free: |key| {
                    slab.lock().expect("unpoisoned").remove(key);
                },
            };
            run(&ops, threads, steps, check)
        }
        8 => {
            let ops = Ops {
                alloc: |fill| global_alloc(&mimalloc::MiMalloc, fill),
                first_word: read_first,
                // SAFETY: allocated by mimalloc with `LAYOUT`.
                free: |h: BlockPtr| unsafe {
                    mimalloc::MiMalloc.dealloc(h.0.as_ptr().cast(), LAYOUT)
                },
            };
            run(&ops, threads, steps, check)
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
            run(&ops, threads, steps, check)
        }
    }
}

/// Runs W5 on a `BlockPool` behind lock `R`.
fn run_locked<R: RawMutex + Sync>(
    pool: &Locked<BlockPool<'_>, R>,
    threads: usize,
    steps: u64,
    check: bool,
) -> Duration {
    let ops = Ops {
        alloc: |fill| fill_block(pool.alloc().expect("a free block"), fill),
        first_word: read_first,
        // SAFETY: allocated from this pool and freed once.
        free: |h: BlockPtr| unsafe { pool.free_unchecked(h.0.cast()) },
    };
    run(&ops, threads, steps, check)
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
    let (steps, reps) = if quick { (50_000, 3) } else { (1_000_000, 11) };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let thread_counts = [1usize, 2];
    for threads in thread_counts {
        for which in 0..NAMES.len() {
            run_contender(which, threads, 1_000, true);
        }
    }
    let mut samples = vec![vec![Vec::new(); NAMES.len()]; thread_counts.len()];
    for rep in 0..reps {
        eprintln!("repetition {}/{reps}", rep + 1);
        for (ti, &threads) in thread_counts.iter().enumerate() {
            for k in 0..NAMES.len() {
                let which = (k + rep) % NAMES.len();
                let took = run_contender(which, threads, steps, false);
                samples[ti][which].push(took.as_nanos() as f64 / steps as f64);
            }
        }
    }
    println!(
        "W5 shared hot pair: 64-byte values, {steps} pairs per thread, {reps} repetitions, {cores} cores\n"
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
        println!("### {threads} thread(s)\n");
        println!("| contender | ns/pair/thread (median) | min | Mpairs/s total | ratio |");
        println!("|---|---:|---:|---:|---:|");
        for (median, min, name) in rows {
            let throughput = threads as f64 * 1_000.0 / median;
            println!(
                "| {name} | {median:.2} | {min:.2} | {throughput:.1} | {:.2}x |",
                median / best
            );
        }
        println!();
    }
}
