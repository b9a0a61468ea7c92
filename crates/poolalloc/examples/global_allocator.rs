//! poolalloc as the program's global allocator: every `Box`, `Vec`,
//! `String` and `HashMap` below lives in a 1 MiB `static` region.
//!
//! ```sh
//! cargo run --example global_allocator
//! ```

use poolalloc::global::GlobalPool;
use poolalloc::region::StaticRegion;
use std::collections::{BTreeMap, HashMap};

const BYTES: usize = 1024 * 1024;
static MEMORY: StaticRegion<BYTES> = StaticRegion::new();

#[global_allocator]
static POOL: GlobalPool<BYTES> = GlobalPool::new(&MEMORY);

/// Runs std collections through the pool; returns a checksum of their
/// contents and the pool's counters afterwards.
pub fn run() -> (u64, poolalloc::global::GlobalStats) {
    let mut words: HashMap<String, usize> = HashMap::new();
    for (i, word) in "the quick brown fox jumps over the lazy dog the end"
        .split(' ')
        .enumerate()
    {
        *words.entry(word.to_string()).or_default() += i;
    }
    let mut squares: Vec<u64> = (0..1000).map(|i| i * i).collect();
    squares.retain(|x| x % 3 == 0);
    let tree: BTreeMap<u64, Box<[u8]>> = (0..200)
        .map(|i| (i, vec![i as u8; 40].into_boxed_slice()))
        .collect();
    let checksum = words.values().map(|&v| v as u64).sum::<u64>()
        + squares.iter().sum::<u64>()
        + tree
            .values()
            .map(|b| b.iter().map(|&x| x as u64).sum::<u64>())
            .sum::<u64>();
    drop((words, squares, tree));
    (checksum, POOL.stats())
}

#[allow(dead_code)] // Also compiled as a module of a test, which has its own `main`.
fn main() {
    let (checksum, stats) = run();
    println!("checksum {checksum}");
    println!("pool: {stats}");
}
